"""The question's shape: every empty, malformed or impossible input gets the design
system's message, decided without the database."""

import datetime as dt

import pytest

from appointments.references import (
    _luhn_mod32_check,
    format_booking_reference,
    new_booking_reference,
)
from appointments.status_check.forms import StatusCheckForm

TODAY = dt.date(2026, 11, 23)
REFERENCE = new_booking_reference()


def form(reference: str = REFERENCE, day="12", month="3", year="1961") -> StatusCheckForm:
    checked = StatusCheckForm(
        {"reference": reference, "day": day, "month": month, "year": year}, today=TODAY
    )
    checked.is_valid()
    return checked


@pytest.mark.parametrize(
    "typed",
    [
        REFERENCE,
        REFERENCE.lower(),
        format_booking_reference(REFERENCE),
        " ".join(format_booking_reference(REFERENCE).split("-")),
    ],
)
def test_a_reference_is_read_however_it_is_typed(typed):
    checked = form(typed)
    assert checked.is_valid(), checked.errors
    assert checked.cleaned_data["reference"] == REFERENCE
    assert checked.cleaned_data["date_of_birth"] == dt.date(1961, 3, 12)


def test_o_and_i_typed_for_zero_and_one_are_read_as_digits():
    body = "01" + REFERENCE[2:-1]
    reference = body + _luhn_mod32_check(body)
    assert form("oI" + reference[2:]).cleaned_data["reference"] == reference


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter your booking reference"),
        ("   ", "Enter your booking reference"),
        ("K7QM", "Booking reference must be 12 letters and numbers"),
        ("K7QM-3XDA-9RT2-XXXX", "Booking reference must be 12 letters and numbers"),
        ("K7QM-3XDA-9R!2", "Booking reference must be 12 letters and numbers"),
        ("x" * 5000, "Booking reference must be 12 letters and numbers"),
    ],
)
def test_a_missing_or_malformed_reference_is_refused(typed, message):
    checked = form(typed)
    assert not checked.is_valid()
    assert checked.reference_error.startswith(message)


def test_a_mistyped_character_is_caught_by_the_check_character():
    last = REFERENCE[-1]
    wrong = REFERENCE[:-1] + ("0" if last != "0" else "1")
    assert form(wrong).reference_error.startswith("Booking reference is not right")


@pytest.mark.parametrize(
    ("day", "month", "year", "message", "parts"),
    [
        ("", "", "", "Enter your date of birth", {"day", "month", "year"}),
        ("12", "", "1961", "Date of birth must include a month", {"month"}),
        ("", "", "1961", "Date of birth must include a day and month", {"day", "month"}),
        ("12", "3", "", "Date of birth must include a year", {"year"}),
        ("31", "2", "1961", "Date of birth must be a real date", {"day", "month", "year"}),
        ("12", "13", "1961", "Date of birth must be a real date", {"day", "month", "year"}),
        ("1a", "3", "1961", "Date of birth must be a real date", {"day"}),
        ("12", "march", "61", "Year must include 4 numbers", {"year"}),
        ("12", "3", "1761", "Date of birth must be after 1899", {"year"}),
        ("24", "11", "2026", "Date of birth must be in the past", {"day", "month", "year"}),
        ("١٢", "3", "1961", "Date of birth must be a real date", {"day"}),
    ],
)
def test_date_of_birth_errors_name_the_problem_and_the_parts(day, month, year, message, parts):
    checked = form(day=day, month=month, year=year)
    assert not checked.is_valid()
    assert checked.date_of_birth_error == message
    assert checked.date_parts_in_error == parts


@pytest.mark.parametrize("month", ["3", "03", "mar", "March", "MARCH"])
def test_months_can_be_numbers_or_names(month):
    assert form(month=month).cleaned_data["date_of_birth"] == dt.date(1961, 3, 12)


def test_today_is_a_possible_date_of_birth():
    assert form(day="23", month="11", year="2026").is_valid()


@pytest.mark.parametrize("field", ["day", "month", "year"])
def test_a_huge_number_is_a_form_error_not_a_server_error(field):
    checked = form(**{field: "1" * 5000})
    assert checked.date_of_birth_error == "Date of birth must be a real date" or (
        checked.date_of_birth_error == "Year must include 4 numbers"
    )


def test_a_nul_character_is_dropped_not_reported_in_djangos_words():
    checked = form(REFERENCE[:4] + "\x00" + REFERENCE[4:], day="1\x002")
    assert checked.is_valid(), checked.errors
    assert checked.cleaned_data["date_of_birth"] == dt.date(1961, 3, 12)
