"""ЕСИА's tokens as the emulator issues and checks them: compact JWS (RFC 7515), signed RS256 or
GOST3410_2012_256 over `base64url(header).base64url(payload)`, as set per system at ЕСИА.

Written here rather than with PyJWT so the emulator can issue what ЕСИА issues (a header with
`ver` and `sbt`, GOST signatures, numeric oids) and stays independent of the portal's verifier.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from . import gost

RS256 = "RS256"
GOST = "GOST3410_2012_256"
ALGORITHMS = (RS256, GOST)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class TokenKeys:
    """ЕСИА's token keys: the one used follows the system's setting (`alg`)."""

    rsa: rsa.RSAPrivateKey
    gost: gost.SigningKey

    def sign(self, alg: str, data: bytes) -> bytes:
        if alg == RS256:
            return self.rsa.sign(data, padding.PKCS1v15(), hashes.SHA256())
        if alg == GOST:
            return self.gost.sign(data)
        raise ValueError(f"unknown token algorithm {alg!r}")

    def verify(self, alg: str, data: bytes, signature: bytes) -> bool:
        if alg == RS256:
            try:
                self.rsa.public_key().verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
            except InvalidSignature:
                return False
            return True
        if alg == GOST:
            return gost.verify(self.gost.public_key, data, signature)
        return False


def encode(claims: dict[str, Any], *, alg: str, kind: str, sign: Any) -> str:
    """`kind` is ЕСИА's `sbt` (access, id); `sign(bytes) -> bytes` makes the signature."""
    header = {"ver": 1, "typ": "JWT", "sbt": kind, "alg": alg}
    signing_input = (
        b64url(json.dumps(header, separators=(",", ":")).encode())
        + "."
        + b64url(json.dumps(claims, separators=(",", ":"), ensure_ascii=False).encode())
    )
    return f"{signing_input}.{b64url(sign(signing_input.encode('ascii')))}"


def decode(token: str, keys: TokenKeys) -> dict[str, Any] | None:
    """The claims of a token this emulator signed (either algorithm), else None."""
    try:
        header_b64, payload_b64, signature_b64 = token.split(".")
        header = json.loads(b64url_decode(header_b64))
        alg = header.get("alg")
        signature = b64url_decode(signature_b64)
        if alg not in ALGORITHMS:
            return None
        if not keys.verify(alg, f"{header_b64}.{payload_b64}".encode("ascii"), signature):
            return None
        claims = json.loads(b64url_decode(payload_b64))
    except (ValueError, AttributeError, UnicodeError):
        return None
    return claims if isinstance(claims, dict) else None
