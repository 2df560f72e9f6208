"""Confirmation code format: entropy, check symbol, lenient input, Russian errors."""

from __future__ import annotations

import pytest
from chalicelib.domain import codes
from chalicelib.errors import InvalidInput
from hypothesis import given
from hypothesis import strategies as st


def test_new_codes_are_sixteen_unambiguous_symbols_with_a_valid_check() -> None:
    seen = {codes.new_code() for _ in range(200)}
    assert len(seen) == 200
    for code in seen:
        assert len(code) == 16
        assert not set(code) & set("0O1I")
        assert codes.has_valid_check(code)


def test_code_is_shown_in_groups_of_four_and_read_back_from_them() -> None:
    code = codes.new_code()
    shown = codes.format_code(code)
    assert shown.count("-") == 3 and shown.replace("-", "") == code
    assert codes.normalize_code(shown.lower()) == code
    assert codes.normalize_code(" ".join(shown.split("-"))) == code


def test_cyrillic_lookalike_letters_are_read_as_latin() -> None:
    body = "ABEKMHPCTXY2345"
    code = body + codes._check_symbol(body)
    typed = "АВЕКМНРСТХУ2345" + code[-1]
    assert codes.normalize_code(typed) == code


@given(st.integers(min_value=0, max_value=15), st.integers(min_value=1, max_value=31))
def test_any_single_mistyped_symbol_breaks_the_check(position: int, shift: int) -> None:
    code = codes.new_code()
    index = codes.ALPHABET.index(code[position])
    wrong = codes.ALPHABET[(index + shift) % 32]
    typo = code[:position] + wrong + code[position + 1 :]
    assert not codes.has_valid_check(typo)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "Введите код"),
        ("ABCD-EFGH", "16 символов"),
        ("ABCD-EFGH-JKLM-NPQ0", "нет символов 0"),
        ("ABCD-EFGH-JKLM-NPQ!", "недопустимые символы"),
        ("ABCD-EFGH-JKLM-NPQЖ", "недопустимые символы"),
        ("A" * 500, "16 символов"),
    ],
)
def test_malformed_input_is_rejected_in_russian_naming_the_code_field(
    text: str, fragment: str
) -> None:
    with pytest.raises(InvalidInput) as err:
        codes.normalize_code(text)
    assert fragment in err.value.message
    assert err.value.field == "code"


def test_non_string_input_is_rejected() -> None:
    with pytest.raises(InvalidInput):
        codes.normalize_code(12345)
