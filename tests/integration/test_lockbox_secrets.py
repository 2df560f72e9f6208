"""Secrets named `lockbox:<secretId>/<key>` are read from Lockbox's payload API with the
function's IAM token (a local stand-in built from the API's documentation)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from chalicelib import secret_store, yandex_iam
from chalicelib.settings import reset_settings

from tests.lockbox_standin import LockboxStandIn
from tests.yandex_support import function_context, invoke, yandex_event

CONTEXT_TOKEN = function_context().token["access_token"]


@pytest.fixture
def lockbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[LockboxStandIn]:
    with LockboxStandIn() as standin:
        monkeypatch.setenv("NMO_LOCKBOX_PAYLOAD_URL", standin.url)
        monkeypatch.setenv("NMO_YC_METADATA_URL", standin.metadata_url)
        monkeypatch.delenv("NMO_SESSION_KEY", raising=False)
        reset_settings()
        secret_store.forget()
        yandex_iam.forget()
        yield standin
        secret_store.forget()
        yandex_iam.forget()
        reset_settings()


def _payload_calls(standin: LockboxStandIn) -> list[tuple[str, dict[str, str]]]:
    return [r for r in standin.requests if r[0].startswith("/lockbox/")]


def test_the_session_key_comes_from_lockbox_with_the_context_token(
    lockbox: LockboxStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    lockbox.add("e6qsessions", "v1", {"session-key": "k" * 40, "other": "x"}, CONTEXT_TOKEN)
    monkeypatch.setenv("NMO_SESSION_KEY_PARAM", "lockbox:e6qsessions/session-key")
    reset_settings()
    yandex_iam.remember_context_token(function_context())
    assert secret_store.session_key() == "k" * 40
    assert secret_store.session_key() == "k" * 40  # cached: one call per cold start
    (call,) = _payload_calls(lockbox)
    assert call[0] == "/lockbox/v1/secrets/e6qsessions/payload"
    assert call[1]["Authorization"] == f"Bearer {CONTEXT_TOKEN}"


def test_without_a_context_token_the_metadata_service_gives_one(lockbox: LockboxStandIn) -> None:
    lockbox.add("e6qsigner", "v1", {"token": "signer-bearer"}, lockbox.metadata_token)
    assert secret_store.resolve("", "lockbox:e6qsigner/token") == "signer-bearer"
    (metadata,) = [r for r in lockbox.requests if r[0].startswith("/computeMetadata/")]
    assert metadata[1]["Metadata-Flavor"] == "Google"


def test_a_binary_entry_and_a_pinned_version_are_read(lockbox: LockboxStandIn) -> None:
    pem = "-----BEGIN PRIVATE KEY-----\nMIGH\n-----END PRIVATE KEY-----"
    lockbox.add("e6qkeys", "v1", {"esia/key.pem": pem.encode()}, CONTEXT_TOKEN)
    lockbox.add("e6qkeys", "v2", {"esia/key.pem": b"rotated"}, CONTEXT_TOKEN)
    yandex_iam.remember_context_token(function_context())
    assert secret_store.resolve("", "lockbox:e6qkeys/esia/key.pem@v1") == pem
    assert secret_store.resolve("", "lockbox:e6qkeys/esia/key.pem") == "rotated"
    assert _payload_calls(lockbox)[0][0].endswith("/payload?versionId=v1")


@pytest.mark.parametrize(
    ("reference", "reader", "expected"),
    [
        ("lockbox:e6qnone/key", CONTEXT_TOKEN, "HTTP 404 code 5"),
        ("lockbox:e6qother/key", "t1.someone-else", "HTTP 403 code 7"),
        ("lockbox:e6qother/missing", CONTEXT_TOKEN, "has no entry missing"),
        ("lockbox:e6qother", CONTEXT_TOKEN, "is not lockbox:<secretId>/<key>"),
    ],
)
def test_an_unreadable_entry_is_a_deployment_fault_that_never_shows_a_value(
    lockbox: LockboxStandIn, reference: str, reader: str, expected: str
) -> None:
    lockbox.add("e6qother", "v1", {"key": "the-value"}, reader)
    yandex_iam.remember_context_token(function_context())
    with pytest.raises(secret_store.SecretUnavailable) as caught:
        secret_store.resolve("", reference)
    assert expected in str(caught.value)
    assert "the-value" not in str(caught.value)


def test_the_yandex_entry_point_reads_the_session_key_from_lockbox(
    lockbox: LockboxStandIn, dynamodb: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The cookie is signed with the Lockbox key: a logged-in request through the handler (which
    # passes the call's token on) proves the key it checked with came from Lockbox too.
    monkeypatch.delenv("NMO_SESSION_KEY", raising=False)
    monkeypatch.setenv("NMO_SESSION_KEY_PARAM", "lockbox:e6qsessions/session-key")
    reset_settings()
    lockbox.add("e6qsessions", "v1", {"session-key": "s" * 48}, CONTEXT_TOKEN)
    from tests.people import login_headers, make_person

    yandex_iam.remember_context_token(function_context())
    doctor = make_person("1000000002", specialties=[("76", "2023-03-15")])
    headers = login_headers(doctor)
    secret_store.forget()
    yandex_iam.forget()
    r: Any = invoke(yandex_event("GET", "/api/me", headers))
    assert r.status_code == 200, r.body
    assert json.loads(r.body)["oid"] == "1000000002"
    assert _payload_calls(lockbox)


def test_the_cdn_secret_from_lockbox_guards_the_gateway_address(
    lockbox: LockboxStandIn, dynamodb: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # infra/yandex: the CDN adds X-Origin-Verify; a call straight to the gateway lacks it.
    lockbox.add("e6qapp", "v1", {"origin-verify": "o" * 48}, CONTEXT_TOKEN)
    monkeypatch.setenv("NMO_ORIGIN_VERIFY_PARAM", "lockbox:e6qapp/origin-verify")
    reset_settings()
    direct = invoke(yandex_event("GET", "/api/catalog/elements"))
    assert direct.status_code == 403 and direct.json_body["error"]["code"] == "not_through_cdn"
    through_cdn = invoke(
        yandex_event("GET", "/api/catalog/elements", {"X-Origin-Verify": "o" * 48})
    )
    assert through_cdn.status_code == 200
