"""The local ЕСИА emulator enforces the protocol of esia.md, so a client mistake fails locally
exactly where real ЕСИА would refuse it."""

from __future__ import annotations

import base64
import datetime as dt
import threading
import urllib.parse
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
from chalicelib.esia.client import EsiaClient, b64url, esia_timestamp, secret_string
from chalicelib.esia.signer import LocalGostSigner
from nmo_cli.esia_emulator import make_emulator_server, prepare_local_esia

from tests.esia_support import Browser, Clock, http_request, query_of

CALLBACK = "http://127.0.0.1:8000/api/auth/esia/callback"
SCOPE = "openid fullname birthdate gender snils"


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return prepare_local_esia(tmp_path_factory.mktemp("emulator"))


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def emulator(files: Any, clock: Clock) -> Iterator[Any]:
    server = make_emulator_server("127.0.0.1", 0, files, [CALLBACK], clock=clock)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    thread.join(5)


@pytest.fixture
def esia_client(files: Any, emulator: Any) -> EsiaClient:
    return EsiaClient(
        base_url=emulator.url,
        client_id="NMOPORTAL",
        scope=SCOPE,
        cert_file=files.client_cert,
        signer=LocalGostSigner(files.client_key),
        timeout=5,
    )


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def authorize_url(esia_client: EsiaClient, **changes: str | None) -> str:
    url = esia_client.authorization_url("0b7c9d7e-2f5c-4a47-9c55-3f1a3e0a9a11", CALLBACK, now())
    parts = urllib.parse.urlsplit(url)
    params = dict(urllib.parse.parse_qsl(parts.query))
    for key, value in changes.items():
        if value is None:
            params.pop(key)
        else:
            params[key] = value
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(params)))


def code_for(esia_client: EsiaClient, oid: str = "1000000001") -> str:
    return query_of(Browser.choose_persona(authorize_url(esia_client), oid))["code"]


def test_a_correctly_signed_request_gets_the_login_page_with_personas(
    esia_client: EsiaClient,
) -> None:
    status, _, page = http_request(authorize_url(esia_client))
    assert status == 200
    assert "Вход через Госуслуги" in page
    for name in ("Петров Сергей Иванович", "Смирнова Анна Викторовна", "Кузнецов Олег Петрович"):
        assert name in page
    assert "Терапия" in page


@pytest.mark.parametrize(
    "missing", ["client_secret", "timestamp", "state", "client_certificate_hash"]
)
def test_a_missing_parameter_is_esia_007014(esia_client: EsiaClient, missing: str) -> None:
    status, _, page = http_request(authorize_url(esia_client, **{missing: None}))
    assert status == 400
    assert "ESIA-007014" in page


def test_an_unknown_system_is_esia_007005(esia_client: EsiaClient) -> None:
    status, _, page = http_request(authorize_url(esia_client, client_id="STRANGER"))
    assert (status, "ESIA-007005" in page) == (400, True)


def test_a_redirect_uri_not_on_the_allow_list_is_esia_007023(esia_client: EsiaClient) -> None:
    status, headers, page = http_request(
        authorize_url(esia_client, redirect_uri="https://evil.example/callback")
    )
    assert status == 400 and "ESIA-007023" in page
    assert "Location" not in headers


def _refusal(url: str) -> str:
    status, headers, _ = http_request(url)
    assert status == 302
    assert headers["Location"].startswith(CALLBACK)
    return query_of(headers["Location"])["error_description"]


def test_a_signature_off_by_one_byte_is_esia_007053(esia_client: EsiaClient) -> None:
    params = query_of(authorize_url(esia_client))
    raw = bytearray(base64.urlsafe_b64decode(params["client_secret"] + "=="))
    raw[0] ^= 0x01
    assert _refusal(authorize_url(esia_client, client_secret=b64url(bytes(raw)))).startswith(
        "ESIA-007053"
    )


def test_a_signature_with_halves_in_the_wrong_order_is_esia_007053(esia_client: EsiaClient) -> None:
    raw = base64.urlsafe_b64decode(query_of(authorize_url(esia_client))["client_secret"] + "==")
    swapped = b64url(raw[32:] + raw[:32])
    assert _refusal(authorize_url(esia_client, client_secret=swapped)).startswith("ESIA-007053")


def test_a_signature_over_a_differently_ordered_string_is_esia_007053(
    esia_client: EsiaClient, files: Any
) -> None:
    params = query_of(authorize_url(esia_client))
    wrong = params["client_id"] + params["timestamp"] + params["scope"] + params["state"]
    wrong += params["redirect_uri"]
    secret = b64url(LocalGostSigner(files.client_key).sign(wrong.encode()))
    assert _refusal(authorize_url(esia_client, client_secret=secret)).startswith("ESIA-007053")


def test_padded_base64_secret_is_esia_007053(esia_client: EsiaClient) -> None:
    secret = query_of(authorize_url(esia_client))["client_secret"] + "=="
    assert _refusal(authorize_url(esia_client, client_secret=secret)).startswith("ESIA-007053")


def test_a_sha1_thumbprint_instead_of_the_streebog_hash_is_esia_007053(
    esia_client: EsiaClient,
) -> None:
    url = authorize_url(esia_client, client_certificate_hash="a" * 40)
    assert _refusal(url).startswith("ESIA-007053")


def test_a_request_with_a_clock_five_minutes_off_is_esia_007015(
    esia_client: EsiaClient, clock: Clock
) -> None:
    clock.offset = 400
    assert _refusal(authorize_url(esia_client)).startswith("ESIA-007015")


def test_the_decliner_is_sent_back_with_access_denied(esia_client: EsiaClient) -> None:
    back = query_of(Browser.choose_persona(authorize_url(esia_client), "1000000004"))
    assert back["error"] == "access_denied"
    assert back["error_description"].startswith("ESIA-007004")
    assert back["state"] == "0b7c9d7e-2f5c-4a47-9c55-3f1a3e0a9a11"


def test_a_code_is_exchanged_for_rs256_tokens_once(esia_client: EsiaClient, files: Any) -> None:
    code = code_for(esia_client)
    tokens = esia_client.exchange_code(code, CALLBACK, now())
    assert jwt.get_unverified_header(tokens.id_token) == {
        "ver": 1, "typ": "JWT", "sbt": "id", "alg": "RS256"
    }  # fmt: skip
    claims = jwt.decode(tokens.id_token, options={"verify_signature": False, "verify_sub": False})
    # oids are JSON numbers, as ЕСИА writes them
    assert claims["sub"] == 1000000001 and claims["aud"] == "NMOPORTAL"
    assert claims["urn:esia:sbj"]["urn:esia:sbj:is_tru"] is True
    assert claims["urn:esia:sbj"]["urn:esia:sbj:oid"] == 1000000001
    access = jwt.decode(tokens.access_token, options={"verify_signature": False})
    assert access["urn:esia:sbj_id"] == 1000000001
    assert "fullname?oid=1000000001" in access["scope"].split(" ")
    from chalicelib.esia.client import EsiaError

    with pytest.raises(EsiaError) as err:
        esia_client.exchange_code(code, CALLBACK, now())
    assert err.value.code == "007011"


def test_set_to_gost_the_emulator_signs_tokens_gost3410_2012_256(
    esia_client: EsiaClient, emulator: Any, files: Any
) -> None:
    from nmo_cli.esia_emulator import gost as esia_gost
    from nmo_cli.esia_emulator import jws

    status, _, page = http_request(
        f"{emulator.url}/emulator/system", "POST", "token_alg=GOST3410_2012_256",
        {"Content-Type": "application/x-www-form-urlencoded"},
    )  # fmt: skip
    assert status == 200 and "GOST3410_2012_256" in page
    tokens = esia_client.exchange_code(code_for(esia_client), CALLBACK, now())
    for token, kind in ((tokens.id_token, "id"), (tokens.access_token, "access")):
        header, payload, signature = token.split(".")
        assert jwt.get_unverified_header(token)["alg"] == "GOST3410_2012_256"
        assert jwt.get_unverified_header(token)["sbt"] == kind
        public = esia_gost.certificate_public_key(
            esia_gost.certificate_der(files.token_gost_cert.read_bytes())
        )
        assert esia_gost.verify(
            public, f"{header}.{payload}".encode(), jws.b64url_decode(signature)
        )
    # the person endpoint takes the GOST-signed access token
    assert esia_client.fetch_person("1000000001", tokens.access_token)["trusted"] is True
    status, _, _ = http_request(
        f"{emulator.url}/emulator/system", "POST", "token_alg=HS256",
        {"Content-Type": "application/x-www-form-urlencoded"},
    )  # fmt: skip
    assert status == 400 and emulator.app.token_alg == "GOST3410_2012_256"


def test_a_client_that_signs_the_string_in_another_order_is_refused(
    esia_client: EsiaClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The emulator builds the signed string itself: a client mistake cannot pass for right.
    from chalicelib.esia import client as client_module

    def scope_last(client_id: str, scope: str, timestamp: str, state: str, redirect_uri: str,
                   code: str = "") -> str:  # fmt: skip
        return client_id + timestamp + state + redirect_uri + scope + code

    monkeypatch.setattr(client_module, "secret_string", scope_last)
    assert _refusal(authorize_url(esia_client)).startswith("ESIA-007053")


def test_the_emulator_shares_no_code_with_the_client() -> None:
    import ast
    from pathlib import Path

    package = Path(__file__).resolve().parents[2] / "functions" / "nmo_cli" / "esia_emulator"
    for module in ("server.py", "jws.py", "gost.py", "esia_keys.py", "personas.py", "files.py"):
        tree = ast.parse((package / module).read_text(encoding="utf-8"))
        imported = [
            node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
        ] + [a.name for node in ast.walk(tree) if isinstance(node, ast.Import) for a in node.names]
        assert not [m for m in imported if m.startswith("chalicelib")], module


def test_a_code_is_bound_to_its_redirect_uri(esia_client: EsiaClient, emulator: Any) -> None:
    from chalicelib.esia.client import EsiaError

    emulator.app.redirect_uris.add("http://127.0.0.1:8000/other")
    code = code_for(esia_client)
    with pytest.raises(EsiaError) as err:
        esia_client.exchange_code(code, "http://127.0.0.1:8000/other", now())
    assert err.value.code == "007011"


def test_a_code_is_bound_to_its_scope(esia_client: EsiaClient, emulator: Any, files: Any) -> None:
    code = code_for(esia_client)
    narrower = "openid fullname"
    form = _token_form(files, esia_client, code, scope=narrower)
    text = secret_string("NMOPORTAL", narrower, form["timestamp"], form["state"], CALLBACK, code)
    form["client_secret"] = b64url(LocalGostSigner(files.client_key).sign(text.encode()))
    status, _, body = http_request(
        f"{emulator.url}/aas/oauth2/v3/te",
        "POST",
        urllib.parse.urlencode(form),
        {"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert status == 400 and "ESIA-007011" in body


def test_a_code_expires_in_minutes(esia_client: EsiaClient, clock: Clock) -> None:
    from chalicelib.esia.client import EsiaError

    code = code_for(esia_client)
    clock.offset = 200  # past the code's lifetime, still inside the timestamp window
    with pytest.raises(EsiaError) as err:
        esia_client.exchange_code(code, CALLBACK, now() + dt.timedelta(seconds=200))
    assert err.value.code == "007011"


def _token_form(files: Any, esia_client: EsiaClient, code: str, **changes: str) -> dict[str, str]:
    timestamp = esia_timestamp(now())
    state = "5f0c2a40-93a5-4a0e-8d47-2b1f4f0c9e11"
    text = secret_string("NMOPORTAL", SCOPE, timestamp, state, CALLBACK, code)
    form = {
        "client_id": "NMOPORTAL",
        "code": code,
        "grant_type": "authorization_code",
        "client_certificate_hash": esia_client.certificate_hash,
        "client_secret": b64url(LocalGostSigner(files.client_key).sign(text.encode())),
        "state": state,
        "redirect_uri": CALLBACK,
        "scope": SCOPE,
        "timestamp": timestamp,
        "token_type": "Bearer",
    }
    form.update(changes)
    return form


def test_the_token_endpoint_takes_forms_only(
    esia_client: EsiaClient, emulator: Any, files: Any
) -> None:
    import json

    form = _token_form(files, esia_client, code_for(esia_client))
    status, _, body = http_request(
        f"{emulator.url}/aas/oauth2/v3/te",
        "POST",
        json.dumps(form),
        {"Content-Type": "application/json"},
    )
    assert status == 400 and "ESIA-007014" in body
    status, _, body = http_request(
        f"{emulator.url}/aas/oauth2/v3/te?" + urllib.parse.urlencode(form), "GET"
    )
    assert status == 400


def test_the_token_signature_must_cover_the_code(
    esia_client: EsiaClient, emulator: Any, files: Any
) -> None:
    code = code_for(esia_client)
    form = _token_form(files, esia_client, code)
    # a secret valid for the v2/ac string (without the code) is not valid here
    text = secret_string("NMOPORTAL", SCOPE, form["timestamp"], form["state"], CALLBACK)
    form["client_secret"] = b64url(LocalGostSigner(files.client_key).sign(text.encode()))
    status, _, body = http_request(
        f"{emulator.url}/aas/oauth2/v3/te",
        "POST",
        urllib.parse.urlencode(form),
        {"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert status == 400 and "ESIA-007053" in body


def test_the_person_endpoint_wants_a_valid_bearer_token_for_that_person(
    esia_client: EsiaClient, emulator: Any, clock: Clock
) -> None:
    tokens = esia_client.exchange_code(code_for(esia_client), CALLBACK, now())
    person = esia_client.fetch_person("1000000001", tokens.access_token)
    assert person["snils"] == "112-233-445 95" and person["trusted"] is True
    url = f"{emulator.url}/rs/prns/1000000001"
    assert http_request(url)[0] == 401
    assert http_request(url, headers={"Authorization": "Basic abc"})[0] == 401
    assert http_request(url, headers={"Authorization": f"Bearer {tokens.access_token}x"})[0] == 401
    other = f"{emulator.url}/rs/prns/1000000002"
    assert http_request(other, headers={"Authorization": f"Bearer {tokens.access_token}"})[0] == 403
    clock.offset = 3700
    assert http_request(url, headers={"Authorization": f"Bearer {tokens.access_token}"})[0] == 401


def test_logout_redirects_back_to_a_registered_origin_only(emulator: Any) -> None:
    ok = f"{emulator.url}/idp/ext/Logout?client_id=NMOPORTAL&redirect_url=http%3A%2F%2F127.0.0.1%3A8000%2F"
    status, headers, _ = http_request(ok)
    assert status == 302 and headers["Location"] == "http://127.0.0.1:8000/"
    evil = f"{emulator.url}/idp/ext/Logout?client_id=NMOPORTAL&redirect_url=https%3A%2F%2Fevil.example%2F"
    assert http_request(evil)[0] == 400


def test_the_emulator_command_serves_until_told_to_stop(tmp_path: Any) -> None:
    import os
    import signal
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    proc = subprocess.Popen(
        [sys.executable, "-m", "nmo_cli.cli", "esia", "emulator", "--port", "0",
         "--var", str(tmp_path), "--redirect-uri", CALLBACK],
        stdout=subprocess.PIPE, text=True, cwd=root,
        env={**os.environ, "PYTHONPATH": str(root / "functions")},
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert first.startswith("эмулятор ЕСИА: http://127.0.0.1:"), first
        url = first.split(": ", 1)[1].strip()
        logout = f"{url}/idp/ext/Logout?client_id=NMOPORTAL&redirect_url=http%3A%2F%2F127.0.0.1%3A8000%2F"
        assert http_request(logout)[0] == 302
        assert (tmp_path / "esia-client.cert.pem").exists()
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0


def test_every_persona_has_a_valid_snils_and_a_unique_oid() -> None:
    from chalicelib.domain.identifiers import is_valid_snils
    from nmo_cli.esia_emulator.personas import PERSONAS

    assert len({p.oid for p in PERSONAS}) == len(PERSONAS)
    assert len({p.snils for p in PERSONAS}) == len(PERSONAS)
    assert all(is_valid_snils(p.snils) for p in PERSONAS)
    assert {p.oid for p in PERSONAS} >= {f"100000000{i}" for i in range(1, 8)}
    assert [p.oid for p in PERSONAS if not p.trusted] == ["1000000003"]
    assert [p.oid for p in PERSONAS if p.declines] == ["1000000004"]
