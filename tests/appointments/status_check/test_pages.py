"""The status page over HTTP: each answer a patient can get, what the page never shows,
and the responses that must not tell a wrong reference from a wrong date of birth."""

import datetime as dt
import logging
import re

import pytest
from django.test import Client
from django.urls import reverse

from appointments.models import NoticeStatus, Status
from appointments.references import format_booking_reference
from appointments.services import appointment_reschedule, appointment_update
from strikes.services.lifecycle import strike_call_off
from tests.factories import AppointmentFactory, NoticeFactory
from tests.strikes.desk import BEFORE, LATE_SLOT

from .conftest import DATE_OF_BIRTH, book

CHECK = "/check/"
ANSWER = "/check/answer/"


def ask(client: Client, reference: str, born: dt.date = DATE_OF_BIRTH, **extra):
    return client.post(
        CHECK,
        {"reference": reference, "day": born.day, "month": born.month, "year": born.year},
        **extra,
    )


def answer_page(client: Client, booking, born: dt.date = DATE_OF_BIRTH) -> str:
    response = ask(client, format_booking_reference(booking.reference), born)
    assert response.status_code == 303, response.content.decode()[:500]
    assert response["Location"] == ANSWER
    page = client.get(ANSWER)
    assert page.status_code == 200
    return " ".join(page.content.decode().split())  # the template's line breaks


def test_the_form_is_public_protected_and_never_cached(client):
    page = client.get(CHECK)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="csrfmiddlewaretoken"' in html
    # Not bday-*: a carer's browser would fill in the carer's birthday, a wasted try.
    assert re.search(r'name="day"[^>]*autocomplete="off"|autocomplete="off"[^>]*name="day"', html)
    assert "no-store" in page["Cache-Control"]


def test_the_form_refuses_a_post_without_its_csrf_token(db):
    response = ask(Client(enforce_csrf_checks=True), "K7QM-3XDA-9RT2")
    assert response.status_code == 403


def test_empty_and_malformed_input_gets_the_error_summary_and_is_not_a_guess(client):
    page = client.post(CHECK, {"reference": "", "day": "31", "month": "2", "year": "1961"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "There is a problem" in html
    assert "Enter your booking reference" in html
    assert "Date of birth must be a real date" in html
    assert 'href="#reference"' in html
    assert 'href="#date-of-birth-day"' in html
    assert "<title>Error: " in html


def test_malformed_input_never_counts_towards_a_lockout(client, desk):
    booking = book(desk)
    for _ in range(12):
        client.post(CHECK, {"reference": booking.reference, "day": "", "month": "", "year": ""})
    assert ask(client, booking.reference).status_code == 303


def test_going_ahead_shows_when_where_and_what(client, desk):
    booking = book(desk, service=desk.maternity)
    desk.assess()
    html = answer_page(client, booking)
    assert "Your appointment is going ahead. Attend as normal." in html
    assert "Wednesday 9 July" in html or "9 July" in html  # LATE_SLOT: day two at 9am
    assert "9am" in html
    assert booking.site.name in html
    assert "Maternity" in html
    assert "this service is continuing as normal" in html
    assert reverse("status_check_calendar") in html


def test_an_undecided_booking_is_told_silence_means_attend(client, desk):
    booking = book(desk)
    desk.assess()
    html = answer_page(client, booking)
    assert "Your appointment is going ahead. Attend as normal." in html
    assert "If we have not contacted you, attend as normal." in html


def test_postponed_says_do_not_attend_and_how_the_patient_was_told(client, desk):
    booking = book(desk)
    desk.assess()
    desk.decide("postponed", references=(booking.reference,))
    NoticeFactory(
        appointment=booking,
        strike=desk.strike,
        channel="sms",
        status=NoticeStatus.SENT,
        sent_at=BEFORE.replace(hour=14, minute=15),
    )
    html = answer_page(client, booking)
    assert re.search(
        r"Your appointment on \w+ \d+ July \d{4} at 9am will not go ahead because of strike "
        r"action\. Do not attend\. We will contact you with a new date\.",
        html,
    )
    assert "We sent you a text message about this on" in html
    assert "2:15pm" in html
    assert reverse("status_check_calendar") not in html
    assert reverse("strike_action_detail", args=[desk.strike.public_id]) in html


def test_rescheduled_gives_the_new_date_and_a_calendar_file(client, desk):
    booking = book(desk)
    desk.assess()
    desk.decide("postponed", references=(booking.reference,))
    new_date = LATE_SLOT + dt.timedelta(days=21, hours=5)  # 2pm three weeks on
    appointment_reschedule(appointment=booking, starts_at=new_date, actor=desk.ops)
    html = answer_page(client, booking)
    assert "Your appointment has a new date" in html
    assert "2pm" in html
    assert "This replaces your appointment on" in html
    calendar = client.get(reverse("status_check_calendar"))
    assert calendar.status_code == 200
    assert calendar["Content-Type"] == "text/calendar; charset=utf-8"
    assert "attachment" in calendar["Content-Disposition"]
    assert "no-store" in calendar["Cache-Control"]
    body = calendar.content.decode().replace("\r\n ", "")
    assert f"DTSTART:{new_date.astimezone(dt.UTC):%Y%m%dT%H%M%SZ}" in body


def test_reinstated_after_a_call_off(client, desk):
    booking = book(desk)
    desk.assess()
    desk.decide("postponed", references=(booking.reference,))
    strike_call_off(strike=desk.strike, actor=None, now=BEFORE + dt.timedelta(days=1))
    html = answer_page(client, booking)
    assert "The strike has been called off. Your appointment is going ahead." in html


def test_cancelled_says_so_and_who_to_contact(client, db):
    booking = AppointmentFactory(
        patient__date_of_birth=DATE_OF_BIRTH,
        site__trust__name="Queen Elizabeth Hospital King's Lynn",
        site__trust__contact_line="01553 613613",
    )
    appointment_update(appointment=booking, actor=None, status=Status.CANCELLED)
    html = answer_page(client, booking)
    assert "This appointment has been cancelled. Do not attend." in html
    assert "Queen Elizabeth Hospital King&#39;s Lynn: 01553 613613" in html
    assert client.get(reverse("status_check_calendar")).status_code == 404


def test_a_past_appointment_says_there_is_nothing_to_attend(client, db):
    booking = AppointmentFactory(
        patient__date_of_birth=DATE_OF_BIRTH,
        starts_at=dt.datetime(2025, 3, 4, 10, tzinfo=dt.UTC),
    )
    html = answer_page(client, booking)
    assert "This appointment was on Tuesday 4 March 2025. There is nothing to attend." in html


def test_the_answer_shows_no_personal_details(client, db):
    booking = AppointmentFactory(
        patient__date_of_birth=DATE_OF_BIRTH,
        patient__given_name="Zebedee",
        patient__family_name="Quimby",
        patient__postcode="NR4 7UY",
        patient__address=["12 Colney Lane", "Cringleford"],
    )
    html = answer_page(client, booking)
    nhs = booking.patient.nhs_number
    for personal in (
        "Zebedee",
        "Quimby",
        nhs,
        f"{nhs[:3]} {nhs[3:6]} {nhs[6:]}",
        "NR4 7UY",
        "Colney Lane",
        "12 March 1961",
        "12/03/1961",
        "1961-03-12",
        "1961",
    ):
        assert personal not in html


def test_the_answer_needs_a_successful_check_in_this_browser(client, db):
    assert client.get(ANSWER)["Location"] == CHECK
    client.cookies["strikedesk_check"] = "1:forged"
    assert client.get(ANSWER)["Location"] == CHECK
    assert client.get(reverse("status_check_calendar"))["Location"] == CHECK


def test_the_answer_expires(client, db, monkeypatch):
    booking = AppointmentFactory(patient__date_of_birth=DATE_OF_BIRTH)
    answer_page(client, booking)
    real_time = __import__("time").time
    monkeypatch.setattr("django.core.signing.time.time", lambda: real_time() + 31 * 60)
    assert client.get(ANSWER)["Location"] == CHECK


def normalised(response) -> str:
    """The page without what differs on every render: the CSRF token and the CSP nonce."""
    html = response.content.decode()
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "CSRF", html)
    return re.sub(r'nonce="[^"]+"', "NONCE", html)


def test_wrong_reference_and_wrong_date_of_birth_get_the_same_response(client, db):
    """The same typed question; once the reference exists with another date of birth,
    once it does not exist at all."""
    booking = AppointmentFactory(patient__date_of_birth=DATE_OF_BIRTH)
    wrong_date = ask(client, booking.reference, dt.date(1961, 3, 13))
    reference = booking.reference
    booking.patient.appointments.all().delete()
    wrong_reference = ask(client, reference, dt.date(1961, 3, 13))
    assert wrong_date.status_code == wrong_reference.status_code == 200
    assert normalised(wrong_date) == normalised(wrong_reference)
    assert "We could not find an appointment with that booking reference and date of birth" in (
        normalised(wrong_date)
    )
    assert dict(wrong_date.headers).keys() == dict(wrong_reference.headers).keys()
    assert "no-store" in wrong_reference["Cache-Control"]


def addresses(count: int):
    return (f"10.0.{n // 250}.{n % 250 + 1}" for n in range(count))


def test_five_failures_lock_a_reference_even_from_many_addresses(client, desk):
    booking = book(desk)
    wrong = dt.date(1970, 1, 1)
    for address in addresses(5):
        assert ask(client, booking.reference, wrong, REMOTE_ADDR=address).status_code == 200
    locked = ask(client, booking.reference, DATE_OF_BIRTH, REMOTE_ADDR="192.0.2.77")
    assert locked.status_code == 429
    assert int(locked["Retry-After"]) > 23 * 3600
    assert "no-store" in locked["Cache-Control"]
    html = locked.content.decode()
    assert "You have tried too many times" in html
    assert "this booking reference cannot be checked online again until" in html
    assert "attend your appointment as normal" in html
    # An unknown reference locks the same way: a lockout says nothing about existence.
    unknown = AppointmentFactory.build().reference
    for address in addresses(5):
        ask(client, unknown, wrong, REMOTE_ADDR=address)
    assert normalised(ask(client, unknown, wrong)).replace(unknown, "R") == normalised(
        ask(client, booking.reference, wrong)
    ).replace(booking.reference, "R")


def test_successful_checks_do_not_count(client, desk):
    booking = book(desk)
    wrong = dt.date(1970, 1, 1)
    for _ in range(4):
        ask(client, booking.reference, wrong)
    assert ask(client, booking.reference).status_code == 303
    assert ask(client, booking.reference).status_code == 303  # successes never add up
    assert ask(client, booking.reference, wrong).status_code == 200  # the fifth failure
    assert ask(client, booking.reference).status_code == 429  # locked, right details or not


def test_one_address_trying_many_references_is_stopped(client, settings, db):
    settings.STRIKEDESK_CHECK_ADDRESS_LIMIT = 8
    references = [AppointmentFactory.build().reference for _ in range(9)]
    for reference in references[:8]:
        assert ask(client, reference, REMOTE_ADDR="198.51.100.9").status_code == 200
    refused = ask(client, references[8], REMOTE_ADDR="198.51.100.9")
    assert refused.status_code == 429
    assert "from your internet connection" in refused.content.decode()
    assert ask(client, references[8], REMOTE_ADDR="198.51.100.10").status_code == 200


def test_no_personal_details_reach_the_logs(client, desk, caplog):
    booking = book(desk, patient__given_name="Zebedee")
    caplog.set_level(logging.DEBUG)
    ask(client, booking.reference, dt.date(1970, 1, 1))
    answer_page(client, booking)
    for _ in range(6):
        ask(client, booking.reference, dt.date(1970, 1, 2))
    logged = "\n".join(f"{r.getMessage()} {r.args}" for r in caplog.records)
    assert "status check" in logged.lower()  # the checks were logged...
    for personal in (booking.reference, "1961", "1970", "Zebedee", booking.patient.nhs_number):
        assert personal not in logged  # ...without what identifies anyone


def test_the_strike_information_page_says_who_when_and_what_keeps_going(client, desk):
    page = client.get(reverse("strike_action_detail", args=[desk.strike.public_id]))
    html = " ".join(page.content.decode().split())
    assert page.status_code == 200
    assert desk.strike.title in html
    assert "If we have not contacted you, attend your appointment as normal." in html
    assert "Maternity" in html  # the strike's exempt service
    assert "Urgent and suspected cancer appointments" in html
    assert desk.trust.name in html
    listing = client.get(reverse("strike_action")).content.decode()
    assert desk.strike.title in listing


@pytest.mark.parametrize("path", ["/strike-action/00000000-0000-0000-0000-000000000000/"])
def test_an_unknown_strike_is_not_found(client, db, path):
    assert client.get(path).status_code == 404


def test_not_found_and_server_error_pages_are_the_services_own(client, db, rf):
    from django.views.defaults import server_error

    missing = client.get("/strike-action/00000000-0000-0000-0000-000000000000/")
    html = missing.content.decode()
    assert missing.status_code == 404
    assert "Page not found" in html
    assert "nhsuk-header" in html
    broken = server_error(rf.get("/check/"))
    assert broken.status_code == 500
    assert "Sorry, there is a problem with the service" in broken.content.decode()
