"""Validators for Russian personal and organisational identifiers (one per identifier).

СНИЛС: 11 digits; the control number is the sum of the first nine digits times weights 9…1,
taken as is below 100, 00 for 100 and 101, and mod 101 above (100 again → 00). Numbers up to
001-001-998 predate the check and are accepted as issued. ИНН: 10 digits for an organisation,
12 for a person, with weighted mod-11-then-mod-10 check digits.
"""

from __future__ import annotations

import re

from ..errors import InvalidInput

_SEPARATORS = re.compile(r"[\s\-‐‑‒–—]+")
_SNILS_CHECK_FROM = 1001998  # the check applies to numbers above 001-001-998


class IdentifierError(ValueError):
    """A malformed identifier; the message is for a person, in Russian."""


def _digits_only(value: str) -> str:
    return _SEPARATORS.sub("", value)


def snils_control(first_nine: str) -> str:
    total = sum(int(d) * w for d, w in zip(first_nine, range(9, 0, -1), strict=True))
    if total < 100:
        control = total
    elif total in (100, 101):
        control = 0
    else:
        control = total % 101
        if control == 100:
            control = 0
    return f"{control:02d}"


def normalize_snils(value: str) -> str:
    """Digits only (`XXXXXXXXXYY`) or IdentifierError."""
    if not isinstance(value, str):
        raise IdentifierError("СНИЛС должен быть строкой из 11 цифр.")
    digits = _digits_only(value)
    if not re.fullmatch(r"[0-9]{11}", digits):
        raise IdentifierError("СНИЛС должен состоять из 11 цифр (формат XXX-XXX-XXX YY).")
    body, control = digits[:9], digits[9:]
    if int(body) > _SNILS_CHECK_FROM and snils_control(body) != control:
        raise IdentifierError("Контрольное число СНИЛС не сходится: проверьте цифры.")
    if int(body) == 0:
        raise IdentifierError("СНИЛС не может состоять из нулей.")
    return digits


def is_valid_snils(value: str) -> bool:
    try:
        normalize_snils(value)
    except IdentifierError:
        return False
    return True


def format_snils(digits: str) -> str:
    d = normalize_snils(digits)
    return f"{d[0:3]}-{d[3:6]}-{d[6:9]} {d[9:11]}"


def mask_snils(digits: str) -> str:
    """What a page may show: the number's last two digits and the control number only."""
    d = normalize_snils(digits)
    return f"***-***-*{d[7:9]} {d[9:11]}"


_INN10_WEIGHTS = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_WEIGHTS_1 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_WEIGHTS_2 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)


def _inn_check(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights, strict=False)) % 11 % 10


def normalize_inn(value: str, *, kind: str | None = None) -> str:
    """Digits only or IdentifierError. kind: 'person' (12 digits), 'organization' (10), or either."""
    if not isinstance(value, str):
        raise IdentifierError("ИНН должен быть строкой из цифр.")
    digits = _digits_only(value)
    if not digits.isascii() or not digits.isdigit():
        raise IdentifierError("ИНН должен состоять только из цифр.")
    if kind == "person" and len(digits) != 12:
        raise IdentifierError("ИНН физического лица состоит из 12 цифр.")
    if kind == "organization" and len(digits) != 10:
        raise IdentifierError("ИНН организации состоит из 10 цифр.")
    if len(digits) == 10:
        if _inn_check(digits[:9], _INN10_WEIGHTS) != int(digits[9]):
            raise IdentifierError("Контрольная цифра ИНН организации не сходится.")
    elif len(digits) == 12:
        if _inn_check(digits[:10], _INN12_WEIGHTS_1) != int(digits[10]) or _inn_check(
            digits[:11], _INN12_WEIGHTS_2
        ) != int(digits[11]):
            raise IdentifierError("Контрольные цифры ИНН физического лица не сходятся.")
    else:
        raise IdentifierError("ИНН состоит из 10 цифр (организация) или 12 цифр (физическое лицо).")
    if int(digits) == 0:
        raise IdentifierError("ИНН не может состоять из нулей.")
    return digits


def inn_check_digits(prefix: str) -> str:
    """Check digits for a 9-digit (organisation) or 10-digit (person) ИНН prefix."""
    if len(prefix) == 9:
        return str(_inn_check(prefix, _INN10_WEIGHTS))
    if len(prefix) == 10:
        first = _inn_check(prefix, _INN12_WEIGHTS_1)
        second = _inn_check(prefix + str(first), _INN12_WEIGHTS_2)
        return f"{first}{second}"
    raise ValueError("prefix must have 9 or 10 digits")


def snils_field(value: object, field: str = "snils") -> str:
    """Validate a СНИЛС arriving in a request or a file; 400 naming the field."""
    try:
        return normalize_snils(value if isinstance(value, str) else str(value or ""))
    except IdentifierError as exc:
        raise InvalidInput(str(exc), field=field) from exc


def inn_field(value: object, field: str = "inn", *, kind: str | None = None) -> str:
    try:
        return normalize_inn(value if isinstance(value, str) else str(value or ""), kind=kind)
    except IdentifierError as exc:
        raise InvalidInput(str(exc), field=field) from exc
