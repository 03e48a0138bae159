"""A patient checks their appointment in a real browser: every answer the page can give,
at desktop and phone width, axe-clean (WCAG 2.2 AA), with and without JavaScript."""

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from appointments.models import Appointment, NoticeStatus, Status
from appointments.references import format_booking_reference
from appointments.services import appointment_reschedule, appointment_update
from strikes.models import Union
from strikes.services.lifecycle import strike_call_off
from tests.e2e import at_desktop_and_phone
from tests.factories import AppointmentFactory, NoticeFactory
from tests.strikes.desk import BEFORE, LATE_SLOT, Desk

BORN = dt.date(1961, 3, 12)
Check = Callable[[Page, str], None]


@pytest.fixture
def desk(live_server) -> Desk:
    desk = Desk()
    union, _ = Union.objects.get_or_create(
        code="RCN", defaults={"name": "Royal College of Nursing"}
    )
    desk.strike.unions.add(union)
    desk.strike.title = "RCN nurses' strike"
    desk.strike.save()
    desk.trust.contact_line = "Appointments team, 01603 286286"
    desk.trust.save()
    return desk


def booked(desk: Desk, **fields: Any) -> Appointment:
    fields.setdefault("service", desk.clinic)
    return desk.book(patient__date_of_birth=BORN, at=LATE_SLOT, **fields)


def postponed(desk: Desk) -> Appointment:
    booking = booked(desk)
    desk.assess()
    desk.decide("postponed", references=(booking.reference,))
    return booking


def going_ahead(desk: Desk) -> Appointment:
    booking = booked(desk, service=desk.maternity)
    desk.assess()
    return booking


def undecided(desk: Desk) -> Appointment:
    booking = booked(desk)
    desk.assess()
    return booking


def postponed_and_told(desk: Desk) -> Appointment:
    booking = postponed(desk)
    NoticeFactory(
        appointment=booking,
        strike=desk.strike,
        channel="sms",
        status=NoticeStatus.DELIVERED,
        sent_at=BEFORE.replace(hour=14, minute=15),
    )
    return booking


def rescheduled(desk: Desk) -> Appointment:
    booking = postponed(desk)
    new_date = LATE_SLOT + dt.timedelta(days=21, hours=5)
    return appointment_reschedule(appointment=booking, starts_at=new_date, actor=desk.ops)


def reinstated(desk: Desk) -> Appointment:
    booking = postponed(desk)
    strike_call_off(strike=desk.strike, actor=None, now=BEFORE + dt.timedelta(days=1))
    return booking


def cancelled(desk: Desk) -> Appointment:
    booking = booked(desk)
    return appointment_update(appointment=booking, actor=None, status=Status.CANCELLED)


def past(desk: Desk) -> Appointment:
    return AppointmentFactory(
        patient__date_of_birth=BORN,
        site=desk.site,
        trust=desk.trust,
        starts_at=dt.datetime(2025, 3, 4, 10, tzinfo=dt.UTC),
    )


STATES = {
    # state: (how the booking gets there, the heading, a sentence the patient must read)
    "going-ahead": (going_ahead, "Your appointment is going ahead", "Attend as normal."),
    "undecided": (undecided, "Your appointment is going ahead", "If we have not contacted you"),
    "postponed": (
        postponed_and_told,
        "Your appointment will not go ahead",
        "We sent you a text message about this on",
    ),
    "rescheduled": (rescheduled, "Your appointment has a new date", "This replaces"),
    "reinstated": (
        reinstated,
        "Your appointment is going ahead",
        "The strike has been called off. Your appointment is going ahead.",
    ),
    "cancelled": (cancelled, "Your appointment has been cancelled", "01603 286286"),
    "past": (past, "The date of this appointment has passed", "There is nothing to attend."),
}


def ask(page: Page, reference: str, born: dt.date = BORN) -> None:
    page.goto("/check/")
    page.get_by_label("Booking reference").fill(format_booking_reference(reference))
    page.get_by_label("Day").fill(str(born.day))
    page.get_by_label("Month").fill(str(born.month))
    page.get_by_label("Year").fill(str(born.year))
    page.get_by_role("button", name="Check appointment").click()


@at_desktop_and_phone
@pytest.mark.parametrize("state", list(STATES))
def test_each_answer_reads_right_and_is_accessible(
    page: Page, check_page: Check, desk: Desk, state: str
) -> None:
    make, heading, sentence = STATES[state]
    booking = make(desk)
    ask(page, booking.reference)
    expect(page).to_have_url(f"{page.url.split('/check/')[0]}/check/answer/")
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(page.get_by_text(sentence).first).to_be_visible()
    assert booking.patient.family_name not in page.content()
    check_page(page, f"answer-{state}")


@at_desktop_and_phone
def test_the_form_and_its_errors(page: Page, check_page: Check, live_server) -> None:
    page.goto("/check/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Check if your hospital appointment is going ahead"
    )
    check_page(page, "check-form")
    page.get_by_label("Day").fill("31")
    page.get_by_label("Month").fill("2")
    page.get_by_label("Year").fill("1961")
    page.get_by_role("button", name="Check appointment").click()
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_be_focused()  # the design system moves focus to the summary
    expect(summary).to_contain_text("Enter your booking reference")
    expect(summary).to_contain_text("Date of birth must be a real date")
    summary.get_by_role("link", name="Date of birth must be a real date").click()
    expect(page.get_by_label("Day")).to_be_focused()
    check_page(page, "check-errors")


@at_desktop_and_phone
def test_no_match_and_then_too_many_attempts(
    page: Page, check_page: Check, desk: Desk, expect_console_error: Callable[[str], None]
) -> None:
    expect_console_error("status of 429 (Too Many Requests)")  # the browser logs the answer
    booking = booked(desk)
    ask(page, booking.reference, dt.date(1970, 1, 1))
    expect(page.locator(".nhsuk-error-summary")).to_contain_text(
        "We could not find an appointment with that booking reference and date of birth"
    )
    check_page(page, "check-no-match")
    for _ in range(4):
        ask(page, booking.reference, dt.date(1970, 1, 1))
    ask(page, booking.reference)  # right at last, but five failures came first
    expect(page.get_by_role("heading", level=1)).to_have_text("You have tried too many times")
    check_page(page, "too-many-attempts")


@at_desktop_and_phone
def test_the_strike_information_page(page: Page, check_page: Check, desk: Desk) -> None:
    page.goto("/strike-action/")
    expect(page.get_by_role("heading", name="RCN nurses' strike")).to_be_visible()
    expect(
        page.get_by_text("If we have not contacted you, attend your appointment as normal.")
    ).to_be_visible()
    check_page(page, "strike-action")


def test_the_calendar_file_downloads(page: Page, desk: Desk, tmp_path: Path) -> None:
    booking = rescheduled(desk)
    ask(page, booking.reference)
    with page.expect_download() as download:
        page.get_by_role("link", name="Add this appointment to your calendar").click()
    saved = tmp_path / "appointment.ics"
    download.value.save_as(saved)
    text = saved.read_text().replace("\r\n ", "")
    assert f"DTSTART:{booking.starts_at.astimezone(dt.UTC):%Y%m%dT%H%M%SZ}" in text
    assert download.value.suggested_filename == "hospital-appointment.ics"


def test_it_works_without_javascript(browser: Browser, live_server, desk: Desk) -> None:
    booking = postponed(desk)
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    context.route("https://assets.nhs.uk/**", lambda route: route.abort())
    page = context.new_page()
    try:
        ask(page, booking.reference, dt.date(1970, 1, 1))
        expect(page.locator(".nhsuk-error-summary")).to_contain_text("We could not find")
        ask(page, booking.reference)
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Your appointment will not go ahead"
        )
    finally:
        context.close()
