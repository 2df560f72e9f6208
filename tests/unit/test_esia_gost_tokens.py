"""GOST3410_2012_256 tokens, as ЕСИА signs them when the system is set to GOST: the emulator
signs (its own GOST code), OpenSSL's gost engine cross-checks, and the portal's verifier
accepts them only with ЕСИА's GOST certificate configured (two at once during rotation)."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from chalicelib.esia.tokens import TokenRejected, TokenVerifier
from nmo_cli.esia_emulator import gost as esia_gost
from nmo_cli.esia_emulator import jws
from nmo_cli.esia_emulator.certificates import write_gost_credentials, write_rsa_token_credentials

CLIENT = "NMOPORTAL"
ISSUER = "http://esia.gosuslugi.ru/"
OID = 1000299654


def openssl(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["openssl", *args], capture_output=True, check=False)


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("gost-tokens")
    found: dict[str, Any] = {"dir": out}
    for name in ("current", "next", "stranger"):
        creds = write_gost_credentials(out, common_name=f"ЕСИА {name}", stem=name)
        found[name] = esia_gost.private_key_from_pem(creds.key_file.read_bytes())
        found[f"{name}_cert"] = creds.cert_file
        found[f"{name}_key_file"] = creds.key_file
    found["rsa_cert"] = write_rsa_token_credentials(out, stem="rsa")[1]
    return found


def esia_claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {
        "aud": CLIENT, "sub": OID, "nbf": now, "iat": now, "exp": now + 3600, "iss": ISSUER,
        "urn:esia:sbj": {"urn:esia:sbj:typ": "P", "urn:esia:sbj:oid": OID,
                         "urn:esia:sbj:is_tru": True},
    }  # fmt: skip
    claims.update(changes)
    return claims


def gost_token(key: esia_gost.SigningKey, **changes: Any) -> str:
    return jws.encode(esia_claims(**changes), alg=jws.GOST, kind="id", sign=key.sign)


def verifier_for(*cert_files: Path) -> TokenVerifier:
    return TokenVerifier(list(cert_files), (ISSUER,), CLIENT)


def test_a_gost_signed_token_with_a_numeric_sub_is_accepted(certs: dict[str, Any]) -> None:
    verified = verifier_for(certs["current_cert"]).verify(
        gost_token(certs["current"]), audience=CLIENT
    )
    assert verified.algorithm == "GOST3410_2012_256"
    assert verified.claims["sub"] == OID


def test_either_of_two_gost_certificates_is_accepted_during_rotation(
    certs: dict[str, Any],
) -> None:
    both = verifier_for(certs["current_cert"], certs["next_cert"])
    for name in ("current", "next"):
        assert both.verify(gost_token(certs[name]), audience=CLIENT).claims["sub"] == OID
    with pytest.raises(TokenRejected):
        both.verify(gost_token(certs["stranger"]), audience=CLIENT)


def test_a_gost_token_with_one_bit_changed_is_refused(certs: dict[str, Any]) -> None:
    header, payload, signature = gost_token(certs["current"]).split(".")
    raw = bytearray(jws.b64url_decode(signature))
    raw[5] ^= 0x01
    with pytest.raises(TokenRejected):
        verifier_for(certs["current_cert"]).verify(
            f"{header}.{payload}.{jws.b64url(bytes(raw))}", audience=CLIENT
        )
    # …and halves swapped (r‖s instead of OpenSSL's s‖r) is not the same signature
    raw = jws.b64url_decode(signature)
    with pytest.raises(TokenRejected):
        verifier_for(certs["current_cert"]).verify(
            f"{header}.{payload}.{jws.b64url(raw[32:] + raw[:32])}", audience=CLIENT
        )


def test_the_verifier_is_chosen_by_alg_among_the_configured_certificates(
    certs: dict[str, Any],
) -> None:
    only_rsa = verifier_for(certs["rsa_cert"])
    assert only_rsa.algorithms() == {"RS256"}
    with pytest.raises(TokenRejected):
        only_rsa.verify(gost_token(certs["current"]), audience=CLIENT)
    only_gost = verifier_for(certs["current_cert"])
    assert only_gost.algorithms() == {"GOST3410_2012_256"}
    assert verifier_for(certs["rsa_cert"], certs["current_cert"]).algorithms() == {
        "RS256",
        "GOST3410_2012_256",
    }


def test_a_gost_header_over_an_rsa_or_hmac_signature_is_refused(certs: dict[str, Any]) -> None:
    import hashlib
    import hmac

    verifier = verifier_for(certs["current_cert"], certs["rsa_cert"])
    header, payload, _ = gost_token(certs["current"]).split(".")
    public = Path(certs["current_cert"]).read_bytes()
    for alg in ("HS256", "none", "GOST3410_2012_512", "gost3410_2012_256"):
        forged_header = jws.b64url(f'{{"alg":"{alg}","typ":"JWT"}}'.encode())
        mac = hmac.new(public, f"{forged_header}.{payload}".encode(), hashlib.sha256).digest()
        with pytest.raises(TokenRejected):
            verifier.verify(f"{forged_header}.{payload}.{jws.b64url(mac)}", audience=CLIENT)
    with pytest.raises(TokenRejected):
        verifier.verify(f"{header}.{payload}.", audience=CLIENT)


def test_openssl_verifies_the_emulators_gost_token_signature(
    certs: dict[str, Any], tmp_path: Path
) -> None:
    header, payload, signature = gost_token(certs["current"]).split(".")
    pub = openssl("x509", "-engine", "gost", "-in", str(certs["current_cert"]), "-pubkey", "-noout")
    assert pub.returncode == 0, pub.stderr
    (tmp_path / "pub.pem").write_bytes(pub.stdout[pub.stdout.index(b"-----BEGIN") :])
    (tmp_path / "data").write_bytes(f"{header}.{payload}".encode())
    (tmp_path / "sig").write_bytes(jws.b64url_decode(signature))
    result = openssl(
        "dgst", "-engine", "gost", "-md_gost12_256", "-verify", str(tmp_path / "pub.pem"),
        "-signature", str(tmp_path / "sig"), str(tmp_path / "data"),
    )  # fmt: skip
    assert b"Verified OK" in result.stdout, result.stdout + result.stderr
    (tmp_path / "data").write_bytes(f"{header}.{payload}x".encode())
    result = openssl(
        "dgst", "-engine", "gost", "-md_gost12_256", "-verify", str(tmp_path / "pub.pem"),
        "-signature", str(tmp_path / "sig"), str(tmp_path / "data"),
    )  # fmt: skip
    assert b"Verified OK" not in result.stdout


def test_the_portal_accepts_a_token_whose_signature_openssl_made(
    certs: dict[str, Any], tmp_path: Path
) -> None:
    unsigned = gost_token(certs["current"]).rsplit(".", 1)[0]
    (tmp_path / "data").write_bytes(unsigned.encode())
    made = openssl(
        "dgst", "-engine", "gost", "-md_gost12_256", "-sign", str(certs["current_key_file"]),
        "-out", str(tmp_path / "sig"), str(tmp_path / "data"),
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    token = f"{unsigned}.{jws.b64url((tmp_path / 'sig').read_bytes())}"
    claims = verifier_for(certs["current_cert"]).verify(token, audience=CLIENT).claims
    assert claims["sub"] == OID


def test_the_emulators_gost_and_the_portals_gost_agree_both_ways(certs: dict[str, Any]) -> None:
    # Two implementations written apart (emulator: from the standard; portal: over gostcrypto).
    from chalicelib.esia import gost as portal_gost

    message = b"NMOPORTALopenid fullname snils2026.11.22 13:00:29 +0300"
    public = portal_gost.certificate_public_key(
        portal_gost.certificate_der(Path(certs["current_cert"]).read_bytes())
    )
    assert (
        esia_gost.certificate_public_key(
            esia_gost.certificate_der(Path(certs["current_cert"]).read_bytes())
        )
        == public
    )
    assert portal_gost.verify(public, message, certs["current"].sign(message))
    portal_key = portal_gost.load_private_key_pem(Path(certs["current_key_file"]).read_text())
    assert esia_gost.verify(public, message, portal_key.sign(message))
    assert not esia_gost.verify(public, message + b"!", portal_key.sign(message))


def test_openssl_reads_esias_gost_certificate_and_its_key_as_the_emulator_wrote_them(
    tmp_path: Path,
) -> None:
    from nmo_cli.esia_emulator.esia_keys import write_gost_token_credentials

    key_file, cert_file = write_gost_token_credentials(tmp_path, stem="esia")
    checked = openssl(
        "verify", "-engine", "gost", "-check_ss_sig", "-partial_chain",
        "-CAfile", str(cert_file), str(cert_file),
    )  # fmt: skip
    assert b": OK" in checked.stdout, checked.stdout + checked.stderr
    (tmp_path / "data").write_bytes(b"header.payload")
    signed = openssl(
        "dgst", "-engine", "gost", "-md_gost12_256", "-sign", str(key_file),
        "-out", str(tmp_path / "sig"), str(tmp_path / "data"),
    )  # fmt: skip
    assert signed.returncode == 0, signed.stderr
    public = esia_gost.certificate_public_key(esia_gost.certificate_der(cert_file.read_bytes()))
    assert esia_gost.verify(public, b"header.payload", (tmp_path / "sig").read_bytes())
    assert verifier_for(cert_file).algorithms() == {"GOST3410_2012_256"}
