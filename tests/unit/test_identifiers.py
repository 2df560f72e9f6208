"""СНИЛС and ИНН: the one validator per identifier (nmo-rules.md), example-based and property tests."""

from __future__ import annotations

import pytest
from chalicelib.domain.identifiers import (
    IdentifierError,
    format_snils,
    inn_check_digits,
    inn_field,
    is_valid_snils,
    mask_snils,
    normalize_inn,
    normalize_snils,
    snils_control,
    snils_field,
)
from chalicelib.errors import InvalidInput
from hypothesis import given
from hypothesis import strategies as st

# Bodies the check applies to: above 001-001-998.
checked_bodies = st.integers(min_value=1_001_999, max_value=999_999_999).map(lambda n: f"{n:09d}")
separators = st.sampled_from(["", " ", "-", " - ", "\u2011", "\u2013", "\t"])


def _weighted(body: str) -> int:
    return sum(int(d) * w for d, w in zip(body, range(9, 0, -1), strict=True))


@pytest.mark.parametrize(
    ("text", "digits"),
    [
        ("112-233-445 95", "11223344595"),
        ("11223344595", "11223344595"),
        ("  112 233 445 95 ", "11223344595"),
        ("128-394-576 94", "12839457694"),
    ],
)
def test_a_real_looking_snils_is_accepted_in_any_usual_spelling(text: str, digits: str) -> None:
    assert normalize_snils(text) == digits
    assert format_snils(digits) == f"{digits[:3]}-{digits[3:6]}-{digits[6:9]} {digits[9:]}"


@pytest.mark.parametrize(
    "text",
    [
        "112-233-445 96",
        "1122334459",
        "112233445950",
        "112-233-44a 95",
        "",
        "000-000-000 00",
        "١١٢٢٣٣٤٤٥٩٥",
    ],
)
def test_a_mistyped_snils_is_refused(text: str) -> None:
    with pytest.raises(IdentifierError):
        normalize_snils(text)


def test_control_number_rules_for_sums_of_100_101_and_above() -> None:
    # sum < 100 → the sum itself; 100 and 101 → 00; above → mod 101, where 100 → 00 again
    assert snils_control("112233445") == "95"  # sum 95
    body_100 = next(f"{n:09d}" for n in range(1_002_000, 9_000_000) if _weighted(f"{n:09d}") == 100)
    body_101 = next(f"{n:09d}" for n in range(1_002_000, 9_000_000) if _weighted(f"{n:09d}") == 101)
    body_201 = next(
        f"{n:09d}" for n in range(100_000_000, 999_999_999, 7) if _weighted(f"{n:09d}") == 201
    )
    body_102 = next(f"{n:09d}" for n in range(1_002_000, 9_000_000) if _weighted(f"{n:09d}") == 102)
    assert snils_control(body_100) == "00"
    assert snils_control(body_101) == "00"
    assert snils_control(body_201) == "00"  # 201 mod 101 = 100 → 00
    assert snils_control(body_102) == "01"
    # Sums of 202 and above: mod 101 again (not "sum - 101" once): 202 → 00, 250 → 48, 303 → 00.
    for total, control in ((202, "00"), (250, "48"), (303, "00"), (305, "02")):
        body = _body_with_sum(total)
        assert _weighted(body) == total
        assert snils_control(body) == control
        assert normalize_snils(body + control) == body + control


def test_old_numbers_up_to_001_001_998_are_accepted_as_issued() -> None:
    assert normalize_snils("001-001-998 77") == "00100199877"
    with pytest.raises(IdentifierError):
        normalize_snils("001-001-999 77")


@given(checked_bodies, separators)
def test_any_snils_with_its_control_number_is_valid_however_separated(body: str, sep: str) -> None:
    digits = body + snils_control(body)
    spelled = sep.join([digits[:3], digits[3:6], digits[6:9]]) + " " + digits[9:]
    assert normalize_snils(spelled) == digits
    assert normalize_snils(format_snils(digits)) == digits


@given(checked_bodies, st.integers(min_value=0, max_value=99))
def test_a_snils_with_any_other_control_number_is_invalid(body: str, control: int) -> None:
    right = snils_control(body)
    candidate = f"{body}{control:02d}"
    assert is_valid_snils(candidate) == (f"{control:02d}" == right)


@given(checked_bodies)
def test_a_masked_snils_never_shows_the_first_seven_digits(body: str) -> None:
    digits = body + snils_control(body)
    masked = mask_snils(digits)
    assert masked.startswith("***-***-*")
    assert masked.endswith(f"{digits[7:9]} {digits[9:]}")
    assert digits[:7] not in masked.replace("-", "").replace(" ", "")


def test_snils_arriving_in_a_request_gives_a_400_naming_the_field() -> None:
    with pytest.raises(InvalidInput) as err:
        snils_field("123", field="person.snils")
    assert err.value.field == "person.snils"
    assert "СНИЛС" in err.value.message
    assert snils_field(" 112-233-445 95") == "11223344595"
    with pytest.raises(InvalidInput):
        snils_field(None)


@pytest.mark.parametrize("inn", ["7707083893", "500100732259", "773370857141"])
def test_real_inns_of_an_organisation_and_a_person_are_accepted(inn: str) -> None:
    assert normalize_inn(inn) == inn


@pytest.mark.parametrize(
    ("inn", "kind"),
    [
        ("7707083894", None),
        ("500100732258", None),
        ("500100732249", None),  # the 11th digit wrong alone, the 12th as in the real number
        ("773370857131", None),
        ("50010073225", None),
        ("7707083893", "person"),
        ("500100732259", "organization"),
        ("0000000000", None),
        ("77070838 93x", None),
    ],
)
def test_wrong_inns_are_refused(inn: str, kind: str | None) -> None:
    with pytest.raises(IdentifierError):
        normalize_inn(inn, kind=kind)


@given(st.integers(min_value=1, max_value=999_999_999).map(lambda n: f"{n:09d}"), st.data())
def test_an_organisation_inn_is_valid_exactly_with_its_check_digit(
    prefix: str, data: st.DataObject
) -> None:
    right = inn_check_digits(prefix)
    digit = data.draw(st.integers(min_value=0, max_value=9))
    valid = True
    try:
        normalize_inn(prefix + str(digit), kind="organization")
    except IdentifierError:
        valid = False
    assert valid == (str(digit) == right)


@given(st.integers(min_value=1, max_value=9_999_999_999).map(lambda n: f"{n:010d}"))
def test_a_person_inn_needs_both_check_digits(prefix: str) -> None:
    digits = prefix + inn_check_digits(prefix)
    assert normalize_inn(digits, kind="person") == digits
    wrong_last = digits[:-1] + str((int(digits[-1]) + 1) % 10)
    with pytest.raises(IdentifierError):
        normalize_inn(wrong_last)


def test_inn_arriving_in_a_request_gives_a_400_naming_the_field() -> None:
    with pytest.raises(InvalidInput) as err:
        inn_field("12345", field="organization.inn", kind="organization")
    assert err.value.field == "organization.inn"


def _body_with_sum(total: int) -> str:
    """Nine digits whose weighted sum (weights 9…1) is `total`, built greedily."""
    digits = []
    for weight in range(9, 0, -1):
        digit = min(9, total // weight)
        digits.append(str(digit))
        total -= digit * weight
    assert total == 0
    return "".join(digits)
