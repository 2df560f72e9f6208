"""GOST R 34.10-2012 (256) keys and signatures over Streebog-256, in OpenSSL's byte layout.

Conventions (measured against OpenSSL's gost engine, see measured.md): the private key and both
public-key coordinates are stored little-endian; a raw signature is s‖r big-endian, 64 bytes;
the Streebog digest is read as a little-endian number. Curve: id-tc26-gost-3410-2012-256-paramSetB
= CryptoPro-A (OpenSSL `paramset:A`), its parameters taken from `gostcrypto`.

The curve arithmetic is our own, in Jacobian coordinates: gostcrypto's affine arithmetic made
a signature cost ~43 ms and a verification ~100 ms, several per login (v2/ac, v3/te, two GOST
tokens), the largest share of a login's CPU time; here they cost a few ms. Signing walks the
secret scalar with a Montgomery ladder (the same operations for every bit). gostcrypto remains
the Streebog implementation, and the cross-checks against OpenSSL and the emulator pin both.
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
_P: int = _CURVE["p"]
_A: int = _CURVE["a"]
_B: int = _CURVE["b"]
_BASE: tuple[int, int] = (_CURVE["x"], _CURVE["y"])
_Point = tuple[int, int, int]  # Jacobian (X, Y, Z): x = X/Z², y = Y/Z³; Z = 0 is infinity
_ZERO: _Point = (0, 1, 0)


def _dbl(pt: _Point) -> _Point:
    x, y, z = pt
    if not z or not y:
        return _ZERO
    p = _P
    y2 = y * y % p
    s = 4 * x * y2 % p
    z2 = z * z % p
    m = (3 * x * x + _A * z2 * z2) % p
    nx = (m * m - 2 * s) % p
    return nx, (m * (s - nx) - 8 * y2 * y2) % p, 2 * y * z % p


def _add(a: _Point, b: _Point) -> _Point:
    if not a[2]:
        return b
    if not b[2]:
        return a
    p = _P
    az2, bz2 = a[2] * a[2] % p, b[2] * b[2] % p
    u1, u2 = a[0] * bz2 % p, b[0] * az2 % p
    s1, s2 = a[1] * bz2 * b[2] % p, b[1] * az2 * a[2] % p
    h, r = (u2 - u1) % p, (s2 - s1) % p
    if not h:
        return _dbl(a) if not r else _ZERO
    h2 = h * h % p
    h3 = h2 * h % p
    v = u1 * h2 % p
    nx = (r * r - h3 - 2 * v) % p
    return nx, (r * (v - nx) - s1 * h3) % p, h * a[2] * b[2] % p


def _ladder(k: int, point: tuple[int, int]) -> _Point:
    """k·point by a Montgomery ladder over all 256 bits."""
    r0, r1 = _ZERO, (point[0], point[1], 1)
    for i in range(255, -1, -1):
        if (k >> i) & 1:
            r0, r1 = _add(r0, r1), _dbl(r1)
        else:
            r0, r1 = _dbl(r0), _add(r0, r1)
    return r0


def _twin(k1: int, k2: int, q: tuple[int, int]) -> _Point:
    """k1·G + k2·Q in one pass (Shamir's trick); public values only (verification)."""
    g, qq = (_BASE[0], _BASE[1], 1), (q[0], q[1], 1)
    both = _add(g, qq)
    acc = _ZERO
    for i in range(max(k1.bit_length(), k2.bit_length()) - 1, -1, -1):
        acc = _dbl(acc)
        bits = ((k1 >> i) & 1, (k2 >> i) & 1)
        if bits == (1, 1):
            acc = _add(acc, both)
        elif bits == (1, 0):
            acc = _add(acc, g)
        elif bits == (0, 1):
            acc = _add(acc, qq)
    return acc


def _to_affine(pt: _Point) -> tuple[int, int]:
    zi = pow(pt[2], -1, _P)
    zi2 = zi * zi % _P
    return pt[0] * zi2 % _P, pt[1] * zi2 * zi % _P


def _digest_scalar(data: bytes) -> int:
    return int.from_bytes(streebog256(data), "little") % CURVE_ORDER or 1


class GostKeyError(ValueError):
    """A key, certificate or signature that cannot be used."""


def streebog256(data: bytes) -> bytes:
    h = gosthash.new("streebog256")
    h.update(bytearray(data))
    return bytes(h.digest())


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
        x, y = _to_affine(_ladder(int.from_bytes(self.secret, "little"), _BASE))
        return x.to_bytes(32, "little") + y.to_bytes(32, "little")

    def sign(self, data: bytes) -> bytes:
        """Raw signature s‖r (64 bytes) over Streebog-256(data), as `openssl dgst -sign` makes."""
        d, e = int.from_bytes(self.secret, "little"), _digest_scalar(data)
        while True:  # GOST R 34.10-2012 §6.1
            k = secrets.randbelow(CURVE_ORDER - 1) + 1
            r = _to_affine(_ladder(k, _BASE))[0] % CURVE_ORDER
            s = (r * d + k * e) % CURVE_ORDER
            if r and s:
                return s.to_bytes(32, "big") + r.to_bytes(32, "big")


def verify(public_key: bytes, data: bytes, signature: bytes) -> bool:
    """Check a raw s‖r signature over Streebog-256(data) with an x_le‖y_le public key."""
    if len(public_key) != 64 or len(signature) != 64:
        return False
    s, r = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    if not (0 < r < CURVE_ORDER and 0 < s < CURVE_ORDER):
        return False
    qx, qy = int.from_bytes(public_key[:32], "little"), int.from_bytes(public_key[32:], "little")
    if (qy * qy - (qx * qx + _A) * qx - _B) % _P:
        return False  # not on the curve: never compute with an invalid point
    v = pow(_digest_scalar(data), -1, CURVE_ORDER)  # GOST R 34.10-2012 §6.2
    point = _twin(s * v % CURVE_ORDER, -r * v % CURVE_ORDER, (qx, qy))
    return bool(point[2]) and _to_affine(point)[0] % CURVE_ORDER == r


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
