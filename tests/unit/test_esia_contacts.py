"""ЕСИА contacts (`/rs/prns/{oid}/ctts`) as the emulator serves them, per ЕСИА's methodology:
a collection of links, or of the contacts themselves with `embed=(elements)`, only under the
`email` (or `mobile`) scope and for the token's own person."""

from __future__ import annotations

import json
from typing import Any

from chalicelib.esia.client import EsiaClient
from chalicelib.esia.signer import LocalGostSigner

from tests.esia_support import http_request
from tests.unit.test_esia_emulator import (  # noqa: F401
    CALLBACK,
    clock,
    code_for,
    emulator,
    files,
    now,
)


def _client(files: Any, emulator: Any, scope: str) -> EsiaClient:  # noqa: F811
    return EsiaClient(
        base_url=emulator.url,
        client_id="NMOPORTAL",
        scope=scope,
        cert_file=files.client_cert,
        signer=LocalGostSigner(files.client_key),
        timeout=5,
    )


def test_contacts_come_embedded_or_as_links_under_the_email_scope(files, emulator):  # noqa: F811
    client = _client(files, emulator, "openid fullname snils email")
    tokens = client.exchange_code(code_for(client), CALLBACK, now())
    [contact] = client.fetch_contacts("1000000001", tokens.access_token)
    assert (contact["type"], contact["vrfStu"]) == ("EML", "VERIFIED")
    assert contact["value"] == "esia-1000000001@example.ru"
    bearer = {"Authorization": f"Bearer {tokens.access_token}"}
    status, _, body = http_request(f"{emulator.url}/rs/prns/1000000001/ctts", headers=bearer)
    links = json.loads(body)
    assert status == 200 and links["size"] == 1
    assert links["elements"][0].startswith(f"{emulator.url}/rs/prns/1000000001/ctts/")
    one = http_request(links["elements"][0], headers=bearer)
    assert one[0] == 200 and json.loads(one[2])["value"] == contact["value"]
    other = f"{emulator.url}/rs/prns/1000000002/ctts"
    assert http_request(other, headers=bearer)[0] == 403


def test_without_the_email_scope_contacts_are_refused(files, emulator):  # noqa: F811
    client = _client(files, emulator, "openid fullname snils")
    tokens = client.exchange_code(code_for(client), CALLBACK, now())
    url = f"{emulator.url}/rs/prns/1000000001/ctts?embed=(elements)"
    assert http_request(url, headers={"Authorization": f"Bearer {tokens.access_token}"})[0] == 403
    assert client.fetch_contacts("1000000001", tokens.access_token) == []
