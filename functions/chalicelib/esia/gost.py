"""GOST R 34.10-2012 (256) keys and signatures over Streebog-256, in OpenSSL's byte layout.

Conventions (measured against OpenSSL's gost engine, see measured.md): the private key and both
public-key coordinates are stored little-endian; a raw signature is s‖r big-endian, 64 bytes.
`gostcrypto` reads integers big-endian and returns r‖s, so the digest is passed reversed and the
halves swapped. Curve: id-tc26-gost-3410-2012-256-paramSetB = CryptoPro-A (OpenSSL `paramset:A`).
"""

from __future__ import annotations

import base64
import re
import secrets
from dataclasses import dataclass

from gostcrypto import gosthash, gostsignature

from . import der

CURVE_NAME = "id-tc26-gost-3410-2012-256-paramSetB"
OID_GOST2012_256 = "1.2.643.7.1.1.1.1"  # id-tc26-gost3410-12-256 (public key algorithm)
OID_CRYPTOPRO_A = "1.2.643.2.2.35.1"  # id-GostR3410-2001-CryptoPro-A-ParamSet
OID_STREEBOG256 = "1.2.643.7.1.1.2.2"  # id-tc26-gost3411-12-256
OID_SIGN_GOST2012_256 = "1.2.643.7.1.1.3.2"  # id-tc26-signwithdigest-gost3410-12-256
_CURVE = gostsignature.CURVES_R_1323565_1_024_2019[CURVE_NAME]
CURVE_ORDER: int = _CURVE["q"]


class GostKeyError(ValueError):
    """A key, certificate or signature that cannot be used."""


def _engine() -> gostsignature.GOST34102012:
    # A new instance per call: gostcrypto objects are not documented as thread-safe.
    return gostsignature.new(gostsignature.MODE_256, _CURVE)


def streebog256(data: bytes) -> bytes:
    h = gosthash.new("streebog256")
    h.update(bytearray(data))
    return bytes(h.digest())


def _swap_halves(data: bytes) -> bytes:
    return data[32:] + data[:32]


def _gostcrypto_public(public_key: bytes) -> bytearray:
    # OpenSSL layout x_le‖y_le → gostcrypto's x_be‖y_be
    return bytearray(public_key[:32][::-1] + public_key[32:][::-1])


@dataclass(frozen=True)
class GostPrivateKey:
    """A 256-bit GOST private key; `secret` is little-endian, as OpenSSL stores it."""

    secret: bytes

    def __post_init__(self) -> None:
        value = int.from_bytes(self.secret, "little")
        if len(self.secret) != 32 or not 0 < value < CURVE_ORDER:
            raise GostKeyError("GOST private key out of range")

    def __repr__(self) -> str:  # never print the secret
        return "GostPrivateKey(<secret>)"

    @classmethod
    def generate(cls) -> GostPrivateKey:
        value = secrets.randbelow(CURVE_ORDER - 1) + 1
        return cls(value.to_bytes(32, "little"))

    def public_key(self) -> bytes:
        """64 bytes x_le‖y_le (the content of the certificate's public-key OCTET STRING)."""
        xy = bytes(_engine().public_key_generate(bytearray(self.secret[::-1])))
        return xy[:32][::-1] + xy[32:][::-1]

    def sign(self, data: bytes) -> bytes:
        """Raw signature s‖r (64 bytes) over Streebog-256(data), as `openssl dgst -sign` makes."""
        digest = bytearray(streebog256(data)[::-1])
        # gostcrypto zero-fills the key buffer it is given, so hand it a fresh copy each time.
        r_s = bytes(_engine().sign(bytearray(self.secret[::-1]), digest))
        return _swap_halves(r_s)


def verify(public_key: bytes, data: bytes, signature: bytes) -> bool:
    """Check a raw s‖r signature over Streebog-256(data) with an x_le‖y_le public key."""
    if len(public_key) != 64 or len(signature) != 64:
        return False
    digest = bytearray(streebog256(data)[::-1])
    try:
        return bool(
            _engine().verify(
                _gostcrypto_public(public_key), digest, bytearray(_swap_halves(signature))
            )
        )
    except Exception:  # gostcrypto raises its own errors for out-of-range values
        return False


# --- key and certificate files ---------------------------------------------------------------

_PEM = re.compile(r"-----BEGIN ([A-Z0-9 ]+)-----\s*(.*?)\s*-----END \1-----", re.DOTALL)


def pem_encode(data: bytes, label: str) -> str:
    body = base64.b64encode(data).decode("ascii")
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return f"-----BEGIN {label}-----\n" + "\n".join(lines) + f"\n-----END {label}-----\n"


def pem_decode(text: str, label: str) -> bytes:
    for found_label, body in _PEM.findall(text):
        if found_label == label:
            try:
                return base64.b64decode("".join(body.split()), validate=True)
            except ValueError as exc:
                raise GostKeyError(f"broken PEM block {label}") from exc
    raise GostKeyError(f"no PEM block {label}")


def key_algorithm() -> bytes:
    """AlgorithmIdentifier of a 256-bit GOST key on CryptoPro-A with Streebog-256 (as OpenSSL)."""
    return der.sequence(
        der.oid(OID_GOST2012_256),
        der.sequence(der.oid(OID_CRYPTOPRO_A), der.oid(OID_STREEBOG256)),
    )


def private_key_to_pkcs8(key: GostPrivateKey) -> bytes:
    return der.sequence(der.integer(0), key_algorithm(), der.octet_string(key.secret))


def private_key_from_pkcs8(data: bytes) -> GostPrivateKey:
    try:
        _version, algorithm, wrapped = der.parse(data).children()[:3]
        if algorithm.children()[0].oid() != OID_GOST2012_256:
            raise GostKeyError("not a GOST R 34.10-2012 (256) key")
        if wrapped.tag != der.OCTET_STRING:
            raise GostKeyError("unexpected private key encoding")
        secret = wrapped.content
        if len(secret) != 32:
            # Some tools wrap the value once more: OCTET STRING (little-endian) or INTEGER.
            inner = der.parse(secret)
            if inner.tag == der.OCTET_STRING:
                secret = inner.content
            elif inner.tag == der.INTEGER:
                secret = int.from_bytes(inner.content, "big").to_bytes(32, "little")
        return GostPrivateKey(secret)
    except (der.DerError, IndexError) as exc:
        raise GostKeyError("cannot read the GOST private key") from exc


def load_private_key_pem(text: str) -> GostPrivateKey:
    return private_key_from_pkcs8(pem_decode(text, "PRIVATE KEY"))


def subject_public_key_info(public_key: bytes) -> bytes:
    return der.sequence(key_algorithm(), der.bit_string(der.octet_string(public_key)))


def certificate_der(data: bytes) -> bytes:
    """A certificate file's DER bytes, whether the file is PEM or DER."""
    if data.lstrip().startswith(b"-----BEGIN"):
        return pem_decode(data.decode("ascii", "replace"), "CERTIFICATE")
    return data


def certificate_public_key(cert: bytes) -> bytes:
    """The x_le‖y_le public key of a GOST certificate (DER)."""
    try:
        tbs = der.parse(cert).children()[0]
        fields = tbs.children()
        if fields[0].tag == 0xA0:  # explicit version
            fields = fields[1:]
        spki = fields[5]
        algorithm, key_bits = spki.children()
        if algorithm.children()[0].oid() != OID_GOST2012_256:
            raise GostKeyError("the certificate's key is not GOST R 34.10-2012 (256)")
        key = der.parse(key_bits.bits())
        if key.tag != der.OCTET_STRING or len(key.content) != 64:
            raise GostKeyError("unexpected public key encoding")
        return key.content
    except (der.DerError, IndexError, ValueError) as exc:
        if isinstance(exc, GostKeyError):
            raise
        raise GostKeyError("cannot read the certificate") from exc


def certificate_hash(cert: bytes) -> str:
    """ЕСИА's client_certificate_hash: lowercase hex Streebog-256 of the certificate DER."""
    return streebog256(cert).hex()
