"""Who a pair of verified ЕСИА tokens names, read in one place.

ЕСИА writes the person's oid as a JSON number (`"sub": 1000299654`, `"urn:esia:sbj_id":
1000299654`, `"urn:esia:sbj:oid": 1000299654`, as in its own examples); some proxies and test
stands send strings. Both are accepted here and normalised to the decimal string the portal
stores; anything else (floats, booleans, signs, blanks) is refused, never coerced.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .tokens import TokenRejected

_OID_MAX_DIGITS = 20


@dataclass(frozen=True)
class EsiaSubject:
    oid: str
    confirmed: bool  # ЕСИА: is_tru present (only for a confirmed account) or level PR


def oid_from_claim(value: Any) -> str | None:
    """The oid as a decimal string, from a JSON number or a string of digits; else None."""
    if isinstance(value, bool):  # bool is an int in Python: `true` is not an oid
        return None
    if isinstance(value, int):
        text = str(value)
    elif isinstance(value, str):
        text = value.strip()
    else:
        return None
    if not (text.isascii() and text.isdigit()) or len(text) > _OID_MAX_DIGITS:
        return None
    text = text.lstrip("0")
    return text or None


def _subject_claim(subject: dict[str, Any], name: str) -> Any:
    # ЕСИА nests the long names (`urn:esia:sbj:is_tru`); accept the short ones too.
    return subject.get(f"urn:esia:sbj:{name}", subject.get(name))


def subject_of(identity: dict[str, Any], access: dict[str, Any]) -> EsiaSubject:
    """The person both tokens name, or TokenRejected if they disagree or name nobody."""
    raw_subject = identity.get("urn:esia:sbj")
    subject = raw_subject if isinstance(raw_subject, dict) else {}
    named = [
        ("sub", identity.get("sub")),
        ("urn:esia:sbj:oid", _subject_claim(subject, "oid")),
        ("urn:esia:sbj_id", access.get("urn:esia:sbj_id")),
    ]
    oids: set[str] = set()
    for claim, value in named:
        if value is None:
            continue
        oid = oid_from_claim(value)
        if oid is None:
            raise TokenRejected(f"claim {claim} is not an oid")
        oids.add(oid)
    if identity.get("sub") is None or access.get("urn:esia:sbj_id") is None:
        raise TokenRejected("id token without sub or access token without urn:esia:sbj_id")
    if len(oids) != 1:
        raise TokenRejected("id and access tokens name different subjects")
    confirmed = _subject_claim(subject, "is_tru") is True or _subject_claim(subject, "lvl") == "PR"
    return EsiaSubject(oids.pop(), confirmed)
