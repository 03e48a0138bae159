"""Booking references: what patients read over the phone and type into the status page."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from appointments.references import (
    ALPHABET,
    REFERENCE_PATTERN,
    format_booking_reference,
    is_well_formed_booking_reference,
    new_booking_reference,
    normalise_booking_reference,
)

# Crockford's base 32, written out here rather than imported, so a change to the
# alphabet in the code is a change this test notices.
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def luhn_mod32_check_by_hand(body: str) -> str:
    total = 0
    for offset, char in enumerate(reversed(body)):
        value = CROCKFORD.index(char) * (2 if offset % 2 == 0 else 1)
        total += value // 32 + value % 32
    return CROCKFORD[-total % 32]


def test_the_alphabet_leaves_out_letters_people_confuse():
    assert ALPHABET == CROCKFORD
    assert not set("ILOU") & set(ALPHABET)


def test_generated_references_have_the_agreed_shape():
    for _ in range(500):
        reference = new_booking_reference()

        assert len(reference) == 12
        assert re.fullmatch(REFERENCE_PATTERN, reference)
        assert set(reference) <= set(CROCKFORD)
        assert is_well_formed_booking_reference(reference)
        assert reference[-1] == luhn_mod32_check_by_hand(reference[:-1])


def test_generated_references_do_not_repeat():
    draws = [new_booking_reference() for _ in range(20_000)]

    assert len(set(draws)) == len(draws)


def test_generated_references_use_the_whole_alphabet_in_every_random_position():
    draws = [new_booking_reference() for _ in range(3_000)]

    for position in range(11):
        # 3,000 draws over 32 characters: each appears about 94 times per position.
        assert {draw[position] for draw in draws} == set(CROCKFORD)


@given(st.text(alphabet=CROCKFORD, min_size=11, max_size=11))
def test_any_body_with_its_check_character_is_well_formed(body):
    assert is_well_formed_booking_reference(body + luhn_mod32_check_by_hand(body))


@pytest.mark.parametrize(
    "reference", [new_booking_reference() for _ in range(5)] + ["000000000000"]
)
def test_every_single_character_substitution_fails_the_check(reference):
    assert is_well_formed_booking_reference(reference)
    for position in range(len(reference)):
        for char in CROCKFORD:
            if char == reference[position]:
                continue
            typo = reference[:position] + char + reference[position + 1 :]

            assert not is_well_formed_booking_reference(typo), (position, char)


@given(st.text(alphabet=CROCKFORD, min_size=11, max_size=11), st.integers(0, 11), st.data())
def test_a_single_mistyped_character_is_always_caught(body, position, data):
    reference = body + luhn_mod32_check_by_hand(body)
    wrong = data.draw(st.sampled_from(CROCKFORD).filter(lambda c: c != reference[position]))
    typo = reference[:position] + wrong + reference[position + 1 :]

    assert not is_well_formed_booking_reference(typo)


@pytest.mark.parametrize(
    "reference",
    [
        "",
        None,
        "K7QM3XDA9RT",  # eleven characters
        "K7QM3XDA9RT20",  # thirteen
        "k7qm3xda9rt2",  # lower case: normalise first
        "K7QM-3XDA-9RT2",  # display form: normalise first
        "K7QM3XDA9RTU",
        "K7QM3XDA9RTO",
    ],
)
def test_badly_formed_references_fail(reference):
    assert not is_well_formed_booking_reference(reference)


@pytest.mark.parametrize(
    ("typed", "normalised"),
    [
        ("k7qm3xda9rt2", "K7QM3XDA9RT2"),
        ("K7QM-3XDA-9RT2", "K7QM3XDA9RT2"),
        ("K7QM 3XDA 9RT2", "K7QM3XDA9RT2"),
        (" k7qm-3xda 9rt2\n", "K7QM3XDA9RT2"),
        ("OOOO", "0000"),
        ("oioi", "0101"),
        ("ILil", "1111"),
        ("", ""),
        (None, ""),
    ],
)
def test_normalise_reads_what_people_type(typed, normalised):
    assert normalise_booking_reference(typed) == normalised


def test_a_reference_read_out_and_typed_back_sloppily_is_found_again():
    reference = new_booking_reference()
    sloppy = (
        "-".join(reference[i : i + 4] for i in range(0, 12, 4))
        .lower()
        .replace("0", "o")
        .replace("1", "l")
    )

    assert normalise_booking_reference(sloppy) == reference
    assert is_well_formed_booking_reference(normalise_booking_reference(sloppy))


@given(st.text(alphabet=CROCKFORD, min_size=11, max_size=11))
def test_formatting_then_normalising_gives_the_reference_back(body):
    reference = body + luhn_mod32_check_by_hand(body)

    assert normalise_booking_reference(format_booking_reference(reference)) == reference


def test_format_groups_the_reference_in_fours():
    assert format_booking_reference("K7QM3XDA9RT2") == "K7QM-3XDA-9RT2"


def test_every_generated_reference_formats_as_three_groups_of_four():
    for _ in range(200):
        formatted = format_booking_reference(new_booking_reference())

        assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", formatted)
