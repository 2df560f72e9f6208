"""ЕСИА's side of GOST R 34.10-2012 (256-bit) over Streebog-256, written for the emulator alone.

Built from the standard (GOST R 34.10-2012 §6: signing and verification) and OpenSSL's byte
layout as ЕСИА's documentation describes it: the raw signature is s‖r, each 32 bytes big-endian;
the digest is read as a little-endian number; keys and public-key coordinates are little-endian.
It deliberately shares no code with the portal's client (chalicelib.esia): the emulator checks
the client, so a mistake in the client's byte order or signed string must fail here. Only the
Streebog hash comes from gostcrypto (a fixed function, no conventions to get wrong). Not
constant-time: it signs test tokens on a developer's machine, never production keys.
"""

from __future__ import annotations

import base64
import re
import secrets
from dataclasses import dataclass

from gostcrypto import gosthash

# id-tc26-gost-3410-2012-256-paramSetB = id-GostR3410-2001-CryptoPro-A-ParamSet (RFC 4357 §11.4)
P = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFD97
A = P - 3
Q = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF6C611070995AD10045841B09B761B893
GENERATOR = (1, 0x8D91E471E0989CDA27DF505A453F2B7635294F2DDF23E3B122ACC99C9E9F1E14)
OID_GOST2012_256 = "1.2.643.7.1.1.1.1"
_OID_GOST2012_256_DER = bytes.fromhex("2a85030701010101")  # its DER content

_Jacobian = tuple[int, int, int]
_INFINITY: _Jacobian = (1, 1, 0)


def streebog256(data: bytes) -> bytes:
    h = gosthash.new("streebog256")
    h.update(bytearray(data))
    return bytes(h.digest())


# --- curve arithmetic in Jacobian coordinates (no inversion per step: ~50× faster than affine)


def _double(pt: _Jacobian) -> _Jacobian:
    x, y, z = pt
    if z == 0 or y == 0:
        return _INFINITY
    yy = y * y % P
    s = 4 * x * yy % P
    zz = z * z % P
    m = (3 * x * x + A * zz * zz) % P
    x3 = (m * m - 2 * s) % P
    return x3, (m * (s - x3) - 8 * yy * yy) % P, 2 * y * z % P


def _add(p1: _Jacobian, p2: _Jacobian) -> _Jacobian:
    if p1[2] == 0:
        return p2
    if p2[2] == 0:
        return p1
    x1, y1, z1 = p1
    x2, y2, z2 = p2
    z1z1, z2z2 = z1 * z1 % P, z2 * z2 % P
    u1, u2 = x1 * z2z2 % P, x2 * z1z1 % P
    s1, s2 = y1 * z2 * z2z2 % P, y2 * z1 * z1z1 % P
    if u1 == u2:
        return _double(p1) if s1 == s2 else _INFINITY
    h, r = (u2 - u1) % P, (s2 - s1) % P
    hh = h * h % P
    hhh = h * hh % P
    x3 = (r * r - hhh - 2 * u1 * hh) % P
    return x3, (r * (u1 * hh - x3) - s1 * hhh) % P, h * z1 * z2 % P


def _multiply(k: int, point: tuple[int, int]) -> _Jacobian:
    result, addend = _INFINITY, (point[0], point[1], 1)
    while k:
        if k & 1:
            result = _add(result, addend)
        addend = _double(addend)
        k >>= 1
    return result


def _affine_x(pt: _Jacobian) -> int:
    return pt[0] * pow(pt[2] * pt[2] % P, -1, P) % P


def _affine(pt: _Jacobian) -> tuple[int, int]:
    zinv = pow(pt[2], -1, P)
    zinv2 = zinv * zinv % P
    return pt[0] * zinv2 % P, pt[1] * zinv2 * zinv % P


def _digest_number(data: bytes) -> int:
    # §6.1 step 2: e = α mod q, α the number whose binary form is the hash; OpenSSL (and so
    # ЕСИА) read the Streebog output little-endian.
    e = int.from_bytes(streebog256(data), "little") % Q
    return e or 1


@dataclass(frozen=True)
class SigningKey:
    """d, the private scalar; `public_key` is Q = dP as x_le‖y_le (64 bytes)."""

    d: int

    def __repr__(self) -> str:  # never print the secret
        return "SigningKey(<secret>)"

    @classmethod
    def generate(cls) -> SigningKey:
        return cls(secrets.randbelow(Q - 1) + 1)

    @property
    def public_key(self) -> bytes:
        x, y = _affine(_multiply(self.d, GENERATOR))
        return x.to_bytes(32, "little") + y.to_bytes(32, "little")

    def sign(self, data: bytes) -> bytes:
        """§6.1: s‖r, 64 bytes, each half big-endian (OpenSSL's raw layout)."""
        e = _digest_number(data)
        while True:
            k = secrets.randbelow(Q - 1) + 1
            r = _affine_x(_multiply(k, GENERATOR)) % Q
            s = (r * self.d + k * e) % Q
            if r and s:
                return s.to_bytes(32, "big") + r.to_bytes(32, "big")


def verify(public_key: bytes, data: bytes, signature: bytes) -> bool:
    """§6.2 over an x_le‖y_le public key and an s‖r signature."""
    if len(public_key) != 64 or len(signature) != 64:
        return False
    s, r = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    if not (0 < r < Q and 0 < s < Q):
        return False
    x, y = int.from_bytes(public_key[:32], "little"), int.from_bytes(public_key[32:], "little")
    if (y * y - x * x * x - A * x - 0xA6) % P != 0:
        return False  # not a point of the curve
    v = pow(_digest_number(data), -1, Q)
    point = _add(_multiply(s * v % Q, GENERATOR), _multiply(-r * v % Q, (x, y)))
    return point[2] != 0 and _affine_x(point) % Q == r


# --- key and certificate files, read without the client's DER code -------------------------


def _tlv(data: bytes, pos: int) -> tuple[int, int, int]:
    """(tag, start of content, end of content) of the DER element at `pos`."""
    tag, length = data[pos], data[pos + 1]
    pos += 2
    if length & 0x80:
        count = length & 0x7F
        length = int.from_bytes(data[pos : pos + count], "big")
        pos += count
    if pos + length > len(data):
        raise ValueError("truncated DER")
    return tag, pos, pos + length


def _children(data: bytes, start: int, end: int) -> list[tuple[int, int, int]]:
    items, pos = [], start
    while pos < end:
        item = _tlv(data, pos)
        items.append(item)
        pos = item[2]
    return items


def pem_blocks(text: bytes, label: str) -> list[bytes]:
    found = re.findall(
        rb"-----BEGIN " + label.encode() + rb"-----(.*?)-----END " + label.encode() + rb"-----",
        text,
        re.DOTALL,
    )
    return [base64.b64decode(b"".join(body.split())) for body in found]


def certificate_der(data: bytes) -> bytes:
    return pem_blocks(data, "CERTIFICATE")[0] if b"-----BEGIN" in data else data


def certificate_hash(cert_der: bytes) -> str:
    """What ЕСИА compares client_certificate_hash with: hex Streebog-256 of the DER."""
    return streebog256(cert_der).hex()


def certificate_public_key(cert_der: bytes) -> bytes:
    """x_le‖y_le of a GOST certificate: Certificate → tbs → subjectPublicKeyInfo → BIT STRING
    → OCTET STRING (RFC 4491 §2.3.2)."""
    _, start, _end = _tlv(cert_der, 0)
    tbs = _children(cert_der, *_tlv(cert_der, start)[1:])
    fields = tbs[1:] if tbs[0][0] == 0xA0 else tbs
    _, spki_start, spki_end = fields[5]
    algorithm, bits = _children(cert_der, spki_start, spki_end)
    _, oid_start, oid_end = _children(cert_der, algorithm[1], algorithm[2])[0]
    if cert_der[oid_start:oid_end] != _OID_GOST2012_256_DER:
        raise ValueError("not a GOST R 34.10-2012 (256) certificate")
    key = cert_der[bits[1] + 1 : bits[2]]  # skip the unused-bits byte
    tag, key_start, key_end = _tlv(key, 0)
    if tag != 0x04 or key_end - key_start != 64:
        raise ValueError("unexpected GOST public key encoding")
    return key[key_start:key_end]


def private_key_from_pem(text: bytes) -> SigningKey:
    """PKCS#8 as OpenSSL's gost engine writes it: the key an OCTET STRING, little-endian."""
    der = pem_blocks(text, "PRIVATE KEY")[0]
    _, start, end = _tlv(der, 0)
    _version, _algorithm, wrapped = _children(der, start, end)[:3]
    secret = der[wrapped[1] : wrapped[2]]
    if len(secret) != 32:  # some tools wrap it once more (OCTET STRING or INTEGER)
        tag, inner_start, inner_end = _tlv(secret, 0)
        value = secret[inner_start:inner_end]
        secret = value if tag == 0x04 else int.from_bytes(value, "big").to_bytes(32, "little")
    return SigningKey(int.from_bytes(secret, "little"))
