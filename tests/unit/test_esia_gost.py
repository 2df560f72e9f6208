"""GOST R 34.10-2012 signing of ЕСИА requests, cross-checked with OpenSSL's GOST engine, so the
byte order we send is the one OpenSSL (and ЕСИА) expects."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from chalicelib.esia import gost
from chalicelib.esia.client import b64url, esia_timestamp, secret_string
from chalicelib.esia.signer import LocalGostSigner
from nmo_cli.cli import main as nmo
from nmo_cli.esia_emulator.certificates import write_gost_credentials

MESSAGE = b"NMOPORTALopenid fullname snils2026.11.22 13:00:29 +0300"


def openssl(*args: str, data: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["openssl", *args], input=data, capture_output=True, check=False)


@dataclass(frozen=True)
class GostFiles:
    key: Path
    cert: Path
    pub: Path  # the certificate's public key as OpenSSL writes it
    cert_hash: str


@pytest.fixture(scope="module")
def credentials(tmp_path_factory: pytest.TempPathFactory) -> GostFiles:
    out = tmp_path_factory.mktemp("gost")
    creds = write_gost_credentials(out, common_name="Тест")
    pub = out / "pub.pem"
    result = openssl("x509", "-engine", "gost", "-in", str(creds.cert_file), "-pubkey", "-noout")
    assert result.returncode == 0, result.stderr
    pub.write_bytes(result.stdout[result.stdout.index(b"-----BEGIN") :])
    return GostFiles(creds.key_file, creds.cert_file, pub, creds.certificate_hash)


def openssl_verifies(pub: Path, data: bytes, signature: bytes, tmp_path: Path) -> bool:
    (tmp_path / "data").write_bytes(data)
    (tmp_path / "sig").write_bytes(signature)
    result = openssl(
        "dgst", "-engine", "gost", "-md_gost12_256", "-verify", str(pub),
        "-signature", str(tmp_path / "sig"), str(tmp_path / "data"),
    )  # fmt: skip
    return result.returncode == 0 and b"Verified OK" in result.stdout


def test_openssl_verifies_what_our_signer_signs(credentials: GostFiles, tmp_path: Path) -> None:
    signature = LocalGostSigner(credentials.key).sign(MESSAGE)
    assert len(signature) == 64
    assert openssl_verifies(credentials.pub, MESSAGE, signature, tmp_path)


def test_openssl_rejects_our_signature_off_by_one_byte(
    credentials: GostFiles, tmp_path: Path
) -> None:
    signature = bytearray(LocalGostSigner(credentials.key).sign(MESSAGE))
    signature[17] ^= 0x01
    assert not openssl_verifies(credentials.pub, MESSAGE, bytes(signature), tmp_path)
    # … and the signature of a different string does not pass for this one
    other = LocalGostSigner(credentials.key).sign(MESSAGE + b"x")
    assert not openssl_verifies(credentials.pub, MESSAGE, other, tmp_path)


def test_we_verify_what_openssl_signs_with_our_key_file(
    credentials: GostFiles, tmp_path: Path
) -> None:
    (tmp_path / "data").write_bytes(MESSAGE)
    result = openssl(
        "dgst", "-engine", "gost", "-md_gost12_256", "-sign", str(credentials.key),
        "-out", str(tmp_path / "sig"), str(tmp_path / "data"),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    signature = (tmp_path / "sig").read_bytes()
    public_key = gost.certificate_public_key(gost.certificate_der(credentials.cert.read_bytes()))
    assert gost.verify(public_key, MESSAGE, signature)
    assert not gost.verify(public_key, MESSAGE + b" ", signature)


def test_a_key_made_by_openssl_signs_for_openssl(tmp_path: Path) -> None:
    key = tmp_path / "openssl.key.pem"
    made = openssl(
        "genpkey", "-engine", "gost", "-algorithm", "gost2012_256", "-pkeyopt", "paramset:A",
        "-out", str(key),
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    pub = tmp_path / "openssl.pub.pem"
    assert (
        openssl("pkey", "-engine", "gost", "-in", str(key), "-pubout", "-out", str(pub)).returncode
        == 0
    )
    signature = LocalGostSigner(key).sign(MESSAGE)
    assert openssl_verifies(pub, MESSAGE, signature, tmp_path)


def test_openssl_accepts_our_self_signed_certificate(credentials: GostFiles) -> None:
    result = openssl(
        "verify", "-engine", "gost", "-check_ss_sig", "-partial_chain",
        "-CAfile", str(credentials.cert), str(credentials.cert),
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert b": OK" in result.stdout


def test_certificate_hash_is_lowercase_streebog_hex_of_the_der(
    credentials: GostFiles,
) -> None:
    der_bytes = openssl("x509", "-in", str(credentials.cert), "-outform", "DER").stdout
    digest = openssl("dgst", "-engine", "gost", "-md_gost12_256", "-r", data=der_bytes).stdout
    expected = digest.split()[0].decode()
    assert credentials.cert_hash == expected
    assert len(expected) == 64 and expected == expected.lower()
    assert gost.certificate_hash(gost.certificate_der(credentials.cert.read_bytes())) == expected


def test_streebog_matches_the_standard_test_vector() -> None:
    # GOST R 34.11-2012, example M1, 256-bit digest (as commonly printed, byte order).
    m1 = b"012345678901234567890123456789012345678901234567890123456789012"
    expected = "9d151eefd8590b89daa6ba6cb74af9275dd051026bb149a452fd84e5e57b5500"
    assert gost.streebog256(m1).hex() == expected


def test_keygen_command_prints_the_certificate_hash(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert nmo(["esia", "keygen", "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    cert = gost.certificate_der((tmp_path / "esia-client.cert.pem").read_bytes())
    assert f"client_certificate_hash: {gost.certificate_hash(cert)}" in printed
    assert (tmp_path / "esia-client.key.pem").stat().st_mode & 0o077 == 0
    # a second run does not silently replace the key the certificate was registered with
    assert nmo(["esia", "keygen", "--out", str(tmp_path)]) == 1


def test_client_secret_is_unpadded_base64url_of_64_bytes_over_the_exact_string(
    credentials: GostFiles, tmp_path: Path
) -> None:
    import datetime as dt

    timestamp = esia_timestamp(dt.datetime(2026, 11, 22, 10, 0, 29, tzinfo=dt.UTC))
    assert timestamp == "2026.11.22 13:00:29 +0300"
    text = secret_string("NMOPORTAL", "openid snils", timestamp, "st", "https://x/cb", "CODE")
    assert text == "NMOPORTALopenid snils2026.11.22 13:00:29 +0300sthttps://x/cbCODE"
    secret = b64url(LocalGostSigner(credentials.key).sign(text.encode()))
    assert "=" not in secret and "+" not in secret and "/" not in secret
    assert len(secret) == 86  # 64 bytes
    import base64

    raw = base64.urlsafe_b64decode(secret + "==")
    assert openssl_verifies(credentials.pub, text.encode(), raw, tmp_path)


def test_a_broken_key_file_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "bad.pem"
    bad.write_text("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
    with pytest.raises(gost.GostKeyError):
        LocalGostSigner(bad).sign(b"x")
