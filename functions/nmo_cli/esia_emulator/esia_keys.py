"""ЕСИА's own GOST token key and self-signed certificate, made with the emulator's code only.

The portal verifies GOST3410_2012_256 tokens with the public key in this certificate, so it is
written here (RFC 5280 structure, RFC 4491 key encoding) rather than with the portal's GOST and
DER code: an encoding mistake on either side then shows up as a refused token, and OpenSSL's
gost engine reads the certificate in the tests.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from pathlib import Path

from . import gost

# id-tc26-signwithdigest-gost3410-12-256; the key: id-tc26-gost3410-12-256 with CryptoPro-A
# parameters and Streebog-256 (as OpenSSL's `genpkey -algorithm gost2012_256 paramset:A`).
_SIGN_OID = "1.2.643.7.1.1.3.2"
_KEY_OID = "1.2.643.7.1.1.1.1"
_PARAMSET_OID = "1.2.643.2.2.35.1"
_DIGEST_OID = "1.2.643.7.1.1.2.2"


def _tlv(tag: int, content: bytes) -> bytes:
    n = len(content)
    if n < 0x80:
        return bytes([tag, n]) + content
    size = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(size)]) + size + content


def _seq(*parts: bytes) -> bytes:
    return _tlv(0x30, b"".join(parts))


def _oid(dotted: str) -> bytes:
    first, second, *rest = (int(x) for x in dotted.split("."))
    out = bytearray([40 * first + second])
    for arc in rest:
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        out += bytes(reversed(chunk))
    return _tlv(0x06, bytes(out))


def _int(value: int) -> bytes:
    return _tlv(0x02, value.to_bytes(value.bit_length() // 8 + 1, "big"))


def _utc(moment: dt.datetime) -> bytes:
    return _tlv(0x17, moment.strftime("%y%m%d%H%M%SZ").encode("ascii"))


def _name(common_name: str) -> bytes:
    return _seq(
        _tlv(0x31, _seq(_oid("2.5.4.6"), _tlv(0x13, b"RU"))),
        _tlv(0x31, _seq(_oid("2.5.4.3"), _tlv(0x0C, common_name.encode("utf-8")))),
    )


def _key_algorithm() -> bytes:
    return _seq(_oid(_KEY_OID), _seq(_oid(_PARAMSET_OID), _oid(_DIGEST_OID)))


def _pem(data: bytes, label: str) -> str:
    import base64

    body = base64.b64encode(data).decode("ascii")
    lines = "\n".join(body[i : i + 64] for i in range(0, len(body), 64))
    return f"-----BEGIN {label}-----\n{lines}\n-----END {label}-----\n"


def certificate(key: gost.SigningKey, common_name: str, *, days: int = 3 * 365) -> bytes:
    """A self-signed X.509 v3 certificate (DER) for `key`."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    name = _name(common_name)
    algorithm = _seq(_oid(_SIGN_OID))
    spki = _seq(_key_algorithm(), _tlv(0x03, b"\x00" + _tlv(0x04, key.public_key)))
    tbs = _seq(
        _tlv(0xA0, _int(2)),
        _int(secrets.randbits(120) | 1 << 120),
        algorithm,
        name,
        _seq(_utc(now - dt.timedelta(minutes=5)), _utc(now + dt.timedelta(days=days))),
        name,
        spki,
    )
    return _seq(tbs, algorithm, _tlv(0x03, b"\x00" + key.sign(tbs)))


def write_gost_token_credentials(out_dir: Path, *, stem: str) -> tuple[Path, Path]:
    """ЕСИА's GOST token key (PKCS#8 PEM, little-endian secret as OpenSSL writes it) and its
    self-signed certificate, which the portal is configured with."""
    out_dir.mkdir(parents=True, exist_ok=True)
    key = gost.SigningKey.generate()
    pkcs8 = _seq(_int(0), _key_algorithm(), _tlv(0x04, key.d.to_bytes(32, "little")))
    key_file, cert_file = out_dir / f"{stem}.key.pem", out_dir / f"{stem}.cert.pem"
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # never world-readable
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(_pem(pkcs8, "PRIVATE KEY"))
    cert_file.write_text(
        _pem(certificate(key, "Локальный эмулятор ЕСИА (ГОСТ)"), "CERTIFICATE"), "ascii"
    )
    return key_file, cert_file
