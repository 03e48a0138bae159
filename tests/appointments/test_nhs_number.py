"""NHS numbers: ten digits, Modulus 11 check digit, never one digit repeated ten times.

The arithmetic: weight the first nine digits 10 down to 2, sum, take the remainder on
dividing by 11; the check digit is 11 minus that, with 11 read as 0 and 10 meaning no
number was ever issued with that stem. The same rule is a CHECK constraint on the
patients table, so the last tests make sure the database and Python agree.
"""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from appointments.models import Patient
from appointments.nhs_number import (
    REPEATED_DIGIT_NUMBERS,
    is_valid_nhs_number,
    nhs_check_digit,
    normalise_nhs_number,
    validate_nhs_number,
)

WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)


def check_digit_by_hand(stem: str) -> int | None:
    """The published rule, written out independently of the code under test."""
    remainder = sum(int(d) * w for d, w in zip(stem, WEIGHTS, strict=True)) % 11
    check = 11 - remainder
    return {11: 0, 10: None}.get(check, check)


stems = st.text(alphabet="0123456789", min_size=9, max_size=9)


@st.composite
def valid_nhs_numbers(draw) -> str:
    stem = draw(stems.filter(lambda s: check_digit_by_hand(s) is not None))
    number = f"{stem}{check_digit_by_hand(stem)}"
    if number in REPEATED_DIGIT_NUMBERS:
        number = "9434765919"
    return number


# --- Known numbers ------------------------------------------------------------------------

KNOWN_VALID = ["9434765919", "4010232137", "9990000026", "9990000018", "9876543210", "4505577104"]


@pytest.mark.parametrize("number", KNOWN_VALID)
def test_known_valid_numbers_pass(number):
    # Each checked by hand against the published rule before being trusted here.
    assert check_digit_by_hand(number[:9]) == int(number[9])

    assert is_valid_nhs_number(number)
    validate_nhs_number(number)


@pytest.mark.parametrize(
    ("stem", "check"),
    [("943476591", 9), ("401023213", 7), ("999000002", 6), ("987654321", 0), ("000000001", 9)],
)
def test_check_digit_of_known_stems(stem, check):
    assert nhs_check_digit(stem) == check


def test_a_remainder_of_zero_gives_check_digit_zero_not_eleven():
    # 987654321: 10*9 + 9*8 + ... + 2*1 = 330, a multiple of 11.
    assert nhs_check_digit("987654321") == 0
    assert is_valid_nhs_number("9876543210")


@pytest.mark.parametrize(
    "number",
    ["9434765918", "9434765910", "4010232138", "9990000025", "9990000027", "9876543211"],
)
def test_wrong_check_digit_fails(number):
    assert not is_valid_nhs_number(number)
    with pytest.raises(ValidationError) as refused:
        validate_nhs_number(number)
    assert refused.value.code == "check_digit"


def test_a_stem_whose_check_digit_would_be_ten_is_never_valid():
    # 1*10 + 2*9 + 3*8 + 4*7 + 5*6 + 6*5 + 7*4 + 8*3 + 9*2 = 210; 210 % 11 = 1; 11 - 1 = 10.
    assert nhs_check_digit("123456789") is None
    assert not any(is_valid_nhs_number(f"123456789{d}") for d in range(10))


@pytest.mark.parametrize("number", REPEATED_DIGIT_NUMBERS)
def test_repeated_digit_numbers_are_refused(number):
    assert not is_valid_nhs_number(number)
    with pytest.raises(ValidationError):
        validate_nhs_number(number)


def test_repeated_digit_numbers_pass_the_arithmetic_so_need_their_own_rule():
    passing = [n for n in REPEATED_DIGIT_NUMBERS if nhs_check_digit(n[:9]) == int(n[9])]

    assert "0000000000" in passing
    assert len(passing) == 10


@pytest.mark.parametrize(
    "raw",
    ["943476591X", "94347659l9", "943476591 ", "+434765919", "943476591.", "½434765919", ""],
)
def test_non_digits_are_refused(raw):
    assert not is_valid_nhs_number(raw)
    with pytest.raises(ValidationError) as refused:
        validate_nhs_number(raw)
    assert refused.value.code == "format"


@pytest.mark.parametrize(
    "raw",
    [
        "\uff19\uff14\uff13\uff14\uff17\uff16\uff15\uff19\uff11\uff19",  # full-width 9434765919
        "\u0669\u0664\u0663\u0664\u0667\u0666\u0665\u0669\u0661\u0669",  # Arabic-Indic 9434765919
    ],
    ids=["full-width", "arabic-indic"],
)
def test_digits_other_than_ascii_0_to_9_are_refused(raw):
    # The database only takes 0-9; a number the validator passes must be one it can store.
    assert not is_valid_nhs_number(raw)
    with pytest.raises(ValidationError) as refused:
        validate_nhs_number(raw)
    assert refused.value.code == "format"


@pytest.mark.parametrize("raw", ["943476591", "94347659190", "9", "94347659199434765919"])
def test_wrong_length_is_refused(raw):
    assert not is_valid_nhs_number(raw)
    with pytest.raises(ValidationError) as refused:
        validate_nhs_number(raw)
    assert refused.value.code == "format"


def test_none_is_refused():
    assert not is_valid_nhs_number(None)


def test_a_trailing_newline_is_refused():
    assert not is_valid_nhs_number("9434765919\n")


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("943 476 5919", "9434765919"),
        ("943-476-5919", "9434765919"),
        (" 943 476 5919 ", "9434765919"),
        ("943\t476\n5919", "9434765919"),
        ("9434765919", "9434765919"),
        ("", ""),
        (None, ""),
    ],
)
def test_normalise_strips_spaces_and_hyphens(raw, normalised):
    assert normalise_nhs_number(raw) == normalised


def test_a_typed_number_with_spaces_is_valid_once_normalised():
    assert not is_valid_nhs_number("943 476 5919")
    assert is_valid_nhs_number(normalise_nhs_number("943 476 5919"))


def test_normalising_keeps_other_characters_so_they_still_fail():
    assert normalise_nhs_number("943.476.5919") == "943.476.5919"
    assert not is_valid_nhs_number(normalise_nhs_number("943.476.5919"))


# --- Properties ---------------------------------------------------------------------------


@given(stems)
def test_every_stem_gets_the_published_check_digit(stem):
    assert nhs_check_digit(stem) == check_digit_by_hand(stem)


@given(stems)
def test_a_number_built_from_any_stem_is_valid_unless_no_check_digit_or_repeated(stem):
    check = nhs_check_digit(stem)
    if check is None:
        assert not any(is_valid_nhs_number(f"{stem}{d}") for d in range(10))
        return
    number = f"{stem}{check}"
    assert is_valid_nhs_number(number) == (number not in REPEATED_DIGIT_NUMBERS)
    # ... and it is the only valid last digit for that stem.
    others = [f"{stem}{d}" for d in range(10) if d != check]
    assert not any(is_valid_nhs_number(other) for other in others)


@given(valid_nhs_numbers(), st.integers(0, 9), st.integers(1, 9))
def test_changing_any_single_digit_makes_a_valid_number_invalid(number, position, shift):
    digit = (int(number[position]) + shift) % 10
    typo = number[:position] + str(digit) + number[position + 1 :]

    assert typo != number
    assert not is_valid_nhs_number(typo)


@given(valid_nhs_numbers(), st.integers(0, 8))
@example("9434765919", 8)  # swapping with the check digit itself
@example("4010232137", 0)
def test_swapping_two_adjacent_different_digits_makes_a_valid_number_invalid(number, position):
    # Adjacent weights differ by one (the check digit counts as weight 1), so a swap of
    # a and b changes the weighted sum by a - b, never a multiple of 11 for digits 0-9.
    a, b = number[position], number[position + 1]
    if a == b:
        return
    swapped = number[:position] + b + a + number[position + 2 :]

    assert not is_valid_nhs_number(swapped)


# --- The database agrees ------------------------------------------------------------------


def _insert_is_accepted(nhs_number: str) -> bool:
    """Try the number as a new patient; roll back either way so examples don't collide."""
    try:
        with transaction.atomic():
            Patient.objects.create(
                nhs_number=nhs_number,
                given_name="Hyp",
                family_name="Othesis",
                date_of_birth=dt.date(1980, 1, 1),
            )
            transaction.set_rollback(True)
    except IntegrityError:
        return False
    return True


candidate_numbers = st.one_of(
    valid_nhs_numbers(),
    st.text(alphabet="0123456789", min_size=10, max_size=10),
    st.sampled_from(REPEATED_DIGIT_NUMBERS),
    stems.map(lambda s: s + "0"),
    st.text(alphabet="0123456789 -AOX/:", min_size=0, max_size=10),
)


@pytest.mark.django_db
@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(nhs_number=candidate_numbers)
@example(nhs_number="1234567890")
@example(nhs_number="0000000000")
@example(nhs_number="9434765919")
@example(nhs_number="943476591/")  # '/' is one below '0' in ASCII
@example(nhs_number="943476591:")  # ':' is one above '9'
@example(nhs_number="\uff19\uff14\uff13\uff14\uff17\uff16\uff15\uff19\uff11\uff19")  # full-width
def test_the_database_check_agrees_with_the_python_rule(nhs_number):
    assert _insert_is_accepted(nhs_number) == is_valid_nhs_number(nhs_number)
