"""A small DER encoder and reader: just what GOST keys and X.509 certificates need.

`cryptography` does not know GOST keys, so the client key, its certificate and the certificate's
public key are read (and, for local use, written) with this instead.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

INTEGER = 0x02
BIT_STRING = 0x03
OCTET_STRING = 0x04
NULL = 0x05
OBJECT_IDENTIFIER = 0x06
UTF8_STRING = 0x0C
PRINTABLE_STRING = 0x13
UTC_TIME = 0x17
GENERALIZED_TIME = 0x18
SEQUENCE = 0x30
SET = 0x31
BOOLEAN = 0x01


class DerError(ValueError):
    """Bytes that are not the DER structure expected."""


def _length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def tlv(tag: int, content: bytes) -> bytes:
    return bytes([tag]) + _length(len(content)) + content


def sequence(*items: bytes) -> bytes:
    return tlv(SEQUENCE, b"".join(items))


def set_of(*items: bytes) -> bytes:
    # DER orders SET OF members by their encodings.
    return tlv(SET, b"".join(sorted(items)))


def integer(value: int) -> bytes:
    if value < 0:
        raise ValueError("only non-negative integers are needed here")
    # One extra bit keeps the sign bit clear (DER INTEGER is two's complement).
    return tlv(INTEGER, value.to_bytes(value.bit_length() // 8 + 1, "big"))


def boolean(value: bool) -> bytes:
    return tlv(BOOLEAN, b"\xff" if value else b"\x00")


def null() -> bytes:
    return tlv(NULL, b"")


def octet_string(data: bytes) -> bytes:
    return tlv(OCTET_STRING, data)


def bit_string(data: bytes) -> bytes:
    return tlv(BIT_STRING, b"\x00" + data)  # no unused bits


def utf8_string(text: str) -> bytes:
    return tlv(UTF8_STRING, text.encode("utf-8"))


def printable_string(text: str) -> bytes:
    return tlv(PRINTABLE_STRING, text.encode("ascii"))


def oid(dotted: str) -> bytes:
    parts = [int(p) for p in dotted.split(".")]
    if len(parts) < 2:
        raise ValueError("an OID has at least two arcs")
    arcs = [parts[0] * 40 + parts[1], *parts[2:]]
    body = bytearray()
    for arc in arcs:
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        body.extend(reversed(chunk))
    return tlv(OBJECT_IDENTIFIER, bytes(body))


def time(value: dt.datetime) -> bytes:
    """UTCTime up to 2049, GeneralizedTime after (RFC 5280 §4.1.2.5)."""
    value = value.astimezone(dt.UTC)
    if value.year < 2050:
        return tlv(UTC_TIME, value.strftime("%y%m%d%H%M%SZ").encode("ascii"))
    return tlv(GENERALIZED_TIME, value.strftime("%Y%m%d%H%M%SZ").encode("ascii"))


def explicit(number: int, content: bytes) -> bytes:
    return tlv(0xA0 | number, content)


@dataclass(frozen=True)
class Element:
    """One decoded TLV: its tag, its content, and its full encoding."""

    tag: int
    content: bytes
    encoded: bytes

    def children(self) -> list[Element]:
        return list(iter_elements(self.content))

    def oid(self) -> str:
        if self.tag != OBJECT_IDENTIFIER or not self.content:
            raise DerError("not an OBJECT IDENTIFIER")
        arcs: list[int] = []
        value = 0
        for byte in self.content:
            value = (value << 7) | (byte & 0x7F)
            if not byte & 0x80:
                arcs.append(value)
                value = 0
        first = min(arcs[0] // 40, 2)
        return ".".join(str(a) for a in [first, arcs[0] - first * 40, *arcs[1:]])

    def bits(self) -> bytes:
        if self.tag != BIT_STRING or not self.content or self.content[0] != 0:
            raise DerError("not a byte-aligned BIT STRING")
        return self.content[1:]


def read(data: bytes, offset: int = 0) -> tuple[Element, int]:
    """The element starting at `offset` and the offset just after it."""
    try:
        tag = data[offset]
        first = data[offset + 1]
        pos = offset + 2
        if first < 0x80:
            length = first
        else:
            count = first & 0x7F
            if count == 0 or count > 4:
                raise DerError("unsupported length")
            length = int.from_bytes(data[pos : pos + count], "big")
            pos += count
    except IndexError as exc:
        raise DerError("truncated") from exc
    end = pos + length
    if end > len(data):
        raise DerError("truncated")
    return Element(tag, data[pos:end], data[offset:end]), end


def iter_elements(data: bytes) -> Iterator[Element]:
    offset = 0
    while offset < len(data):
        element, offset = read(data, offset)
        yield element


def parse(data: bytes) -> Element:
    element, end = read(data)
    if end != len(data):
        raise DerError("trailing bytes")
    return element
