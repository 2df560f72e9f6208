"""Key material for local ЕСИА use: a GOST key with a self-signed GOST certificate (DER written by
hand: no common library encodes GOST keys), and the emulator's RSA token key and certificate."""

from __future__ import annotations

import datetime as dt
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from chalicelib.esia import der
from chalicelib.esia.gost import (
    OID_SIGN_GOST2012_256,
    GostPrivateKey,
    certificate_hash,
    pem_encode,
    private_key_to_pkcs8,
    streebog256,
    subject_public_key_info,
)
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

_OID_COMMON_NAME = "2.5.4.3"
_OID_ORGANIZATION = "2.5.4.10"
_OID_COUNTRY = "2.5.4.6"
_OID_BASIC_CONSTRAINTS = "2.5.29.19"
_OID_KEY_USAGE = "2.5.29.15"
_OID_SUBJECT_KEY_ID = "2.5.29.14"


def _name(common_name: str, organization: str) -> bytes:
    return der.sequence(
        der.set_of(der.sequence(der.oid(_OID_COUNTRY), der.printable_string("RU"))),
        der.set_of(der.sequence(der.oid(_OID_ORGANIZATION), der.utf8_string(organization))),
        der.set_of(der.sequence(der.oid(_OID_COMMON_NAME), der.utf8_string(common_name))),
    )


def _extension(oid: str, value: bytes, *, critical: bool) -> bytes:
    parts = [der.oid(oid)]
    if critical:
        parts.append(der.boolean(True))
    parts.append(der.octet_string(value))
    return der.sequence(*parts)


def self_signed_gost_certificate(
    key: GostPrivateKey,
    *,
    common_name: str,
    organization: str = "Портал НМО (локальный запуск)",
    days: int = 3 * 365,
    now: dt.datetime | None = None,
) -> bytes:
    """An X.509 v3 certificate (DER) for `key`, signed by itself with GOST R 34.10-2012 (256)."""
    now = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    public_key = key.public_key()
    name = _name(common_name, organization)
    # keyUsage digitalSignature + nonRepudiation: BIT STRING with 6 unused bits, 0b11000000.
    key_usage = der.tlv(der.BIT_STRING, b"\x06\xc0")
    extensions = der.sequence(
        _extension(_OID_BASIC_CONSTRAINTS, der.sequence(), critical=True),
        _extension(_OID_KEY_USAGE, key_usage, critical=True),
        _extension(
            _OID_SUBJECT_KEY_ID, der.octet_string(streebog256(public_key)[:20]), critical=False
        ),
    )
    algorithm = der.sequence(der.oid(OID_SIGN_GOST2012_256))
    tbs = der.sequence(
        der.explicit(0, der.integer(2)),
        der.integer(secrets.randbits(120) | 1 << 120),
        algorithm,
        name,
        der.sequence(
            der.time(now - dt.timedelta(minutes=5)), der.time(now + dt.timedelta(days=days))
        ),
        name,
        subject_public_key_info(public_key),
        der.explicit(3, extensions),
    )
    return der.sequence(tbs, algorithm, der.bit_string(key.sign(tbs)))


def _write_private(path: Path, text: str) -> None:
    # Created 0600 from the start: the key is never world-readable, even for a moment.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(text)


@dataclass(frozen=True)
class GostCredentials:
    key_file: Path
    cert_file: Path
    certificate_hash: str


def write_gost_credentials(
    out_dir: Path, *, common_name: str, stem: str = "esia-client"
) -> GostCredentials:
    """A fresh GOST key (PKCS#8 PEM, as OpenSSL writes it) and its self-signed certificate."""
    out_dir.mkdir(parents=True, exist_ok=True)
    key = GostPrivateKey.generate()
    cert = self_signed_gost_certificate(key, common_name=common_name)
    key_file, cert_file = out_dir / f"{stem}.key.pem", out_dir / f"{stem}.cert.pem"
    _write_private(key_file, pem_encode(private_key_to_pkcs8(key), "PRIVATE KEY"))
    cert_file.write_text(pem_encode(cert, "CERTIFICATE"), encoding="ascii")
    return GostCredentials(key_file, cert_file, certificate_hash(cert))


def write_rsa_token_credentials(out_dir: Path, *, stem: str = "esia-token") -> tuple[Path, Path]:
    """The emulator's RS256 token key and a self-signed certificate the API is configured with."""
    out_dir.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "RU"),
            x509.NameAttribute(NameOID.COMMON_NAME, "Локальный эмулятор ЕСИА"),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=3 * 365))
        .sign(key, hashes.SHA256())
    )
    key_file, cert_file = out_dir / f"{stem}.key.pem", out_dir / f"{stem}.cert.pem"
    _write_private(
        key_file,
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode("ascii"),
    )
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key_file, cert_file
