"""ЕСИА token checks: signature against configured certificates (two during rotation), issuer,
audience, times with 60 s leeway; `alg: none` and algorithm confusion refused. Payloads are shaped
like ЕСИА's published examples: the oid is a JSON number."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import jwt
import pytest
from chalicelib.esia.tokens import TokenRejected, TokenVerifier
from cryptography.hazmat.primitives import serialization
from nmo_cli.esia_emulator.certificates import write_rsa_token_credentials

CLIENT = "NMOPORTAL"
ISSUER = "http://esia.gosuslugi.ru/"
# What a deployment configures (NMO_ESIA_ISSUERS): ЕСИА's own issuer is http (sic).
KNOWN_ISSUERS = ("http://esia.gosuslugi.ru/", "https://esia-portal1.test.gosuslugi.ru/")
OID = 1000299654


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("tokens")
    found: dict[str, Any] = {}
    for name in ("current", "next", "stranger"):
        key_file, cert_file = write_rsa_token_credentials(out, stem=name)
        found[name] = serialization.load_pem_private_key(key_file.read_bytes(), password=None)
        found[f"{name}_cert"] = cert_file
    return found


@pytest.fixture
def verifier(keys: dict[str, Any]) -> TokenVerifier:
    return TokenVerifier([keys["current_cert"], keys["next_cert"]], KNOWN_ISSUERS, CLIENT)


def id_token(key: Any, **overrides: Any) -> str:
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": CLIENT, "sub": OID, "iat": now, "nbf": now}
    claims["exp"] = now + 3600
    claims.update(overrides)
    claims = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode(claims, key, algorithm="RS256")


def test_a_token_from_either_configured_certificate_is_accepted(
    keys: dict[str, Any], verifier: TokenVerifier
) -> None:
    for name in ("current", "next"):
        claims = verifier.verify(id_token(keys[name]), audience=CLIENT).claims
        assert claims["sub"] == OID


def test_a_token_signed_by_another_key_is_refused(
    keys: dict[str, Any], verifier: TokenVerifier
) -> None:
    with pytest.raises(TokenRejected):
        verifier.verify(id_token(keys["stranger"]), audience=CLIENT)


def test_a_token_with_one_byte_changed_in_its_payload_is_refused(
    keys: dict[str, Any], verifier: TokenVerifier
) -> None:
    header, payload, signature = id_token(keys["current"]).split(".")
    forged = jwt.utils.base64url_encode(
        jwt.utils.base64url_decode(payload).replace(b"1000299654", b"1000299655")
    ).decode()
    with pytest.raises(TokenRejected):
        verifier.verify(f"{header}.{forged}.{signature}", audience=CLIENT)


def test_a_token_for_another_system_is_refused(
    keys: dict[str, Any], verifier: TokenVerifier
) -> None:
    with pytest.raises(TokenRejected):
        verifier.verify(id_token(keys["current"], aud="OTHERSYSTEM"), audience=CLIENT)


def test_expiry_has_sixty_seconds_of_leeway_and_no_more(
    keys: dict[str, Any], verifier: TokenVerifier
) -> None:
    now = int(time.time())
    verifier.verify(id_token(keys["current"], exp=now - 30), audience=CLIENT)
    with pytest.raises(TokenRejected):
        verifier.verify(id_token(keys["current"], exp=now - 120), audience=CLIENT)
    with pytest.raises(TokenRejected):
        verifier.verify(id_token(keys["current"], nbf=now + 600), audience=CLIENT)
    with pytest.raises(TokenRejected):
        verifier.verify(id_token(keys["current"], iat=now + 600), audience=CLIENT)


def test_a_token_without_expiry_is_refused(keys: dict[str, Any], verifier: TokenVerifier) -> None:
    with pytest.raises(TokenRejected):
        verifier.verify(id_token(keys["current"], exp=None), audience=CLIENT)


def test_unsigned_tokens_are_refused(keys: dict[str, Any], verifier: TokenVerifier) -> None:
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": CLIENT, "sub": "1", "iat": now, "exp": now + 60}
    unsigned = jwt.encode(claims, None, algorithm="none")
    with pytest.raises(TokenRejected):
        verifier.verify(unsigned, audience=CLIENT)
    with pytest.raises(TokenRejected):
        verifier.verify(unsigned + "AAAA", audience=CLIENT)


def test_hmac_signed_with_the_public_certificate_is_refused(
    keys: dict[str, Any], verifier: TokenVerifier
) -> None:
    # Algorithm confusion: HS256 "signed" with the public key bytes anyone can download.
    public_pem = Path(keys["current_cert"]).read_bytes()
    now = int(time.time())
    header = jwt.utils.base64url_encode(b'{"alg":"HS256","typ":"JWT"}').decode()
    body = jwt.utils.base64url_encode(
        f'{{"iss":"{ISSUER}","aud":"{CLIENT}","sub":"1","iat":{now},"exp":{now + 60}}}'.encode()
    ).decode()
    import hashlib
    import hmac

    mac = hmac.new(public_pem, f"{header}.{body}".encode(), hashlib.sha256).digest()
    with pytest.raises(TokenRejected):
        verifier.verify(
            f"{header}.{body}.{jwt.utils.base64url_encode(mac).decode()}", audience=CLIENT
        )


def test_exactly_the_configured_issuers_are_accepted(
    keys: dict[str, Any], verifier: TokenVerifier
) -> None:
    for issuer in KNOWN_ISSUERS:
        verifier.verify(id_token(keys["current"], iss=issuer), audience=CLIENT)
    # the production issuer with https, or the test host with http: not what is configured
    for issuer in ("https://esia.gosuslugi.ru/", "http://esia-portal1.test.gosuslugi.ru/",
                   "https://evil.example/"):  # fmt: skip
        with pytest.raises(TokenRejected):
            verifier.verify(id_token(keys["current"], iss=issuer), audience=CLIENT)
    only_test_host = TokenVerifier(
        [keys["current_cert"]], ("https://esia-portal1.test.gosuslugi.ru/",), CLIENT
    )
    with pytest.raises(TokenRejected):
        only_test_host.verify(id_token(keys["current"]), audience=CLIENT)


def test_an_access_token_must_name_our_client(
    keys: dict[str, Any], verifier: TokenVerifier
) -> None:
    ours = id_token(keys["current"], aud=None, client_id=CLIENT, **{"urn:esia:sbj_id": OID})
    assert verifier.verify(ours, audience=None).claims["urn:esia:sbj_id"] == OID
    with pytest.raises(TokenRejected):
        verifier.verify(id_token(keys["current"], aud=None, client_id="OTHER"), audience=None)
    with pytest.raises(TokenRejected):
        verifier.verify(id_token(keys["current"], aud=None), audience=None)


def test_garbage_is_refused_without_a_crash(verifier: TokenVerifier) -> None:
    for garbage in ("", "abc", "a.b.c", "Ж.Ж.Ж", "x" * 20000):
        with pytest.raises(TokenRejected):
            verifier.verify(garbage, audience=CLIENT)


def test_a_gost_certificate_beside_the_rsa_one_does_not_break_rs256_checks(
    keys: dict[str, Any], tmp_path: Path
) -> None:
    from nmo_cli.esia_emulator.certificates import write_gost_credentials

    gost_cert = write_gost_credentials(tmp_path, common_name="ЕСИА ГОСТ").cert_file
    bundle = tmp_path / "esia-certs.pem"
    bundle.write_bytes(gost_cert.read_bytes() + Path(keys["current_cert"]).read_bytes())
    verifier = TokenVerifier([bundle], KNOWN_ISSUERS, CLIENT)
    assert verifier.verify(id_token(keys["current"]), audience=CLIENT).claims["sub"] == OID
