"""Individual confirmation codes (индивидуальные коды подтверждения): format and check character.

A code is 16 symbols of a 32-letter alphabet without the look-alikes 0/O and 1/I: 15 random
symbols (75 bits, far beyond guessing at 10 tries an hour) and one Luhn mod N check symbol, which
catches every single mistyped symbol and nearly every swap of neighbours. So the cabinet can tell a
typo («проверьте код») from a code that simply does not exist. Shown as `XXXX-XXXX-XXXX-XXXX`,
stored without separators.
"""

from __future__ import annotations

import re
import secrets

from ..errors import InvalidInput

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
BODY_LENGTH = 15
CODE_LENGTH = BODY_LENGTH + 1
GROUP = 4

_INDEX = {ch: i for i, ch in enumerate(ALPHABET)}
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—_.]+")
# People in Russia often type on a Cyrillic layout: letters that look the same map to Latin ones.
_CYRILLIC_LOOKALIKES = str.maketrans("АВЕКМНРСТХУ", "ABEKMHPCTXY")
_NEVER_USED = set("01OI")


def _check_symbol(body: str) -> str:
    """Luhn mod N over the alphabet: doubling every second symbol from the right."""
    n = len(ALPHABET)
    factor = 2
    total = 0
    for ch in reversed(body):
        addend = factor * _INDEX[ch]
        total += addend // n + addend % n
        factor = 1 if factor == 2 else 2
    return ALPHABET[(n - total % n) % n]


def new_code() -> str:
    """A fresh code, normalised (no separators)."""
    return with_check("".join(secrets.choice(ALPHABET) for _ in range(BODY_LENGTH)))


def with_check(body: str) -> str:
    """A code from its 15-symbol body: the body and its check symbol."""
    if len(body) != BODY_LENGTH or any(ch not in _INDEX for ch in body):
        raise ValueError("a code body is 15 symbols of the code alphabet")
    return body + _check_symbol(body)


def normalize_code(text: object) -> str:
    """Upper case, without spaces and dashes; InvalidInput (field `code`) when it cannot be a code.

    Does not verify the check symbol: call `has_valid_check` for that (a distinct message).
    """
    if not isinstance(text, str) or not text.strip():
        raise InvalidInput("Введите код подтверждения.", field="code")
    if len(text) > 100:
        raise InvalidInput(
            f"Код подтверждения состоит из {CODE_LENGTH} символов — проверьте ввод.", field="code"
        )
    compact = _SEPARATORS.sub("", text).upper().translate(_CYRILLIC_LOOKALIKES)
    if _NEVER_USED & set(compact):
        raise InvalidInput(
            "В кодах подтверждения нет символов 0, O, 1 и I — проверьте ввод "
            "(вероятно, это 2–9 или другие латинские буквы).",
            field="code",
        )
    bad = sorted({ch for ch in compact if ch not in _INDEX})
    if bad:
        raise InvalidInput(
            "Код подтверждения содержит недопустимые символы: используются только "
            "латинские буквы и цифры 2–9.",
            field="code",
        )
    if len(compact) != CODE_LENGTH:
        raise InvalidInput(
            f"Код подтверждения состоит из {CODE_LENGTH} символов, а введено {len(compact)}.",
            field="code",
        )
    return compact


def has_valid_check(code: str) -> bool:
    """True when the last symbol matches the others (the code is normalised)."""
    if len(code) != CODE_LENGTH or any(ch not in _INDEX for ch in code):
        return False
    return _check_symbol(code[:BODY_LENGTH]) == code[BODY_LENGTH]


def format_code(code: str) -> str:
    """`XXXX-XXXX-XXXX-XXXX` for pages, letters and CSV files."""
    compact = normalize_code(code)
    return "-".join(compact[i : i + GROUP] for i in range(0, len(compact), GROUP))
