"""RS256 verification in pure Python: ЕСИА token signatures without a compiled crypto library.

Verification with a public key needs only modular exponentiation and the fixed PKCS#1 v1.5
encoding (RFC 8017 §8.2.2, EMSA-PKCS1-v1_5 with SHA-256). Keeping it pure Python keeps the
Lambda package free of native wheels (the `cryptography` wheel built for newer glibc does not load
on every Lambda runtime) and saves ~0.5 s of cold import. Signing stays with the emulator, which
uses `cryptography` locally.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass

from . import der

OID_RSA_ENCRYPTION = "1.2.840.113549.1.1.1"
# DER of DigestInfo{ sha256, NULL } without the digest itself (RFC 8017 §9.2, note 1).
_SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")
_PEM_CERT = re.compile(
    rb"-----BEGIN CERTIFICATE-----\s*(.*?)\s*-----END CERTIFICATE-----", re.DOTALL
)
MIN_MODULUS_BITS = 2048


class RsaKeyError(ValueError):
    """A certificate without a usable RSA key."""


@dataclass(frozen=True)
class RsaPublicKey:
    n: int
    e: int

    @property
    def size_bytes(self) -> int:
        return (self.n.bit_length() + 7) // 8


def certificates_from_pem(data: bytes) -> list[bytes]:
    """DER bytes of every certificate in a PEM file (a DER file is one certificate)."""
    import base64

    if not data.lstrip().startswith(b"-----BEGIN"):
        return [data]
    return [
        base64.b64decode(b"".join(body.split()), validate=True) for body in _PEM_CERT.findall(data)
    ]


def certificate_key_algorithm(cert: bytes) -> str:
    """The OID of the certificate's subject public key algorithm."""
    return _spki(cert)[0].children()[0].oid()


def _spki(cert: bytes) -> list[der.Element]:
    try:
        tbs = der.parse(cert).children()[0]
        fields = tbs.children()
        if fields[0].tag == 0xA0:  # explicit version
            fields = fields[1:]
        return fields[5].children()
    except (der.DerError, IndexError) as exc:
        raise RsaKeyError("cannot read the certificate") from exc


def certificate_rsa_key(cert: bytes) -> RsaPublicKey:
    algorithm, key_bits = _spki(cert)
    try:
        if algorithm.children()[0].oid() != OID_RSA_ENCRYPTION:
            raise RsaKeyError("the certificate's key is not RSA")
        modulus, exponent = der.parse(key_bits.bits()).children()[:2]
    except (der.DerError, IndexError, ValueError) as exc:
        if isinstance(exc, RsaKeyError):
            raise
        raise RsaKeyError("unexpected RSA public key encoding") from exc
    key = RsaPublicKey(
        int.from_bytes(modulus.content, "big"), int.from_bytes(exponent.content, "big")
    )
    if key.n.bit_length() < MIN_MODULUS_BITS or key.e < 3 or key.e % 2 == 0:
        raise RsaKeyError("RSA key too weak")
    return key


def verify_pkcs1_sha256(key: RsaPublicKey, message: bytes, signature: bytes) -> bool:
    """RSASSA-PKCS1-v1_5 verification with SHA-256 (RFC 8017 §8.2.2)."""
    k = key.size_bytes
    if len(signature) != k:
        return False
    s = int.from_bytes(signature, "big")
    if s >= key.n:
        return False
    encoded = pow(s, key.e, key.n).to_bytes(k, "big")
    digest_info = _SHA256_DIGEST_INFO + hashlib.sha256(message).digest()
    padding = k - len(digest_info) - 3
    if padding < 8:
        return False
    expected = b"\x00\x01" + b"\xff" * padding + b"\x00" + digest_info
    # Compare the whole encoding (no parsing of the decoded block: no Bleichenbacher-style slack).
    return hmac.compare_digest(encoded, expected)
