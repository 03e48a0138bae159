"""POST /api/v1/appointments/{reference}/reschedule/: a new date, perhaps another site."""

import datetime as dt

import pytest
from django.utils import timezone

from appointments.models import Appointment, AppointmentEvent, NoticeKind, Outcome
from appointments.notices.generation import notices_generate
from tests.api import client_for, error_fields
from tests.factories import MembershipFactory, PatientFactory, SiteFactory
from tests.strikes.desk import AFTER, LATE_SLOT, Desk
from trusts.models import Membership

pytestmark = pytest.mark.django_db

NEW_DATE = AFTER + dt.timedelta(days=20)  # some weeks after the walkout (next year)


def _url(booking: Appointment) -> str:
    return f"/api/v1/appointments/{booking.reference}/reschedule/"


def _state(booking: Appointment) -> tuple:
    row = Appointment.objects.values("status", "starts_at", "site_id").get(pk=booking.pk)
    return row, AppointmentEvent.objects.filter(appointment=booking).count()


@pytest.fixture
def desk():
    return Desk()


@pytest.fixture
def postponed(desk):
    """A booking the strike postponed, whose patient can be reached by text."""
    booking = desk.book(patient=PatientFactory(phone="07700900123", preferred_channel="sms"))
    desk.assess()
    desk.decide(Outcome.POSTPONED, references=(booking.reference,))
    return booking


def test_a_postponed_booking_gets_its_new_date_and_the_patient_is_owed_a_notice(desk, postponed):
    client = client_for(desk.ops)
    response = client.post(_url(postponed), {"starts_at": NEW_DATE.isoformat()}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "rescheduled"
    assert dt.datetime.fromisoformat(body["starts_at"]) == NEW_DATE
    assert body["site"] == desk.site.code

    stored = Appointment.objects.get(pk=postponed.pk)
    assert (stored.status, stored.starts_at, stored.original_starts_at) == (
        "rescheduled",
        NEW_DATE,
        LATE_SLOT,
    )
    event = AppointmentEvent.objects.filter(appointment=postponed).latest("id")
    assert (event.action, event.from_status, event.to_status, event.actor) == (
        "rescheduled",
        "postponed",
        "rescheduled",
        desk.ops,
    )

    # The next notice run owes the patient their new date, due by it...
    notices_generate(now=timezone.now())
    listed = client.get(
        "/api/v1/notices/", {"reference": postponed.reference, "kind": NoticeKind.RESCHEDULED}
    ).json()["results"]
    assert len(listed) == 1
    assert dt.datetime.fromisoformat(listed[0]["due_by"]) == NEW_DATE
    assert listed[0]["strike"] == str(desk.strike.public_id)


def test_a_booking_moves_to_another_site_of_its_trust(desk, postponed):
    response = client_for(desk.ops).post(
        _url(postponed),
        {"starts_at": NEW_DATE.isoformat(), "site": desk.second_site.code.lower()},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["site"] == desk.second_site.code
    assert Appointment.objects.get(pk=postponed.pk).site == desk.second_site


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "starts_at"),
        ({"starts_at": "next Tuesday"}, "starts_at"),
        ({"starts_at": NEW_DATE.replace(tzinfo=None).isoformat()}, "starts_at"),  # naive
        ({"starts_at": (timezone.now() - dt.timedelta(minutes=1)).isoformat()}, "starts_at"),
        ({"starts_at": "9999-12-31T23:59:59-23:59"}, "starts_at"),  # beyond UTC's range
        ({"starts_at": NEW_DATE.isoformat(), "site": None}, "site"),
        ({"starts_at": NEW_DATE.isoformat(), "site": "OTHER"}, "site"),
        ({"starts_at": NEW_DATE.isoformat(), "site": "NOSUCH"}, "site"),
    ],
)
def test_a_date_in_the_past_or_a_site_elsewhere_is_a_400_and_changes_nothing(
    desk, postponed, body, field
):
    if body.get("site") == "OTHER":
        body = {**body, "site": desk.other_site.code}  # a real site, of the other trust
    before = _state(postponed)
    response = client_for(desk.ops).post(_url(postponed), body, format="json")
    assert response.status_code == 400
    assert error_fields(response) == [field]
    assert _state(postponed) == before


def test_another_trusts_site_reads_like_no_site_at_all(desk, postponed):
    # The message for another trust's site reads like the one for no site at all.
    elsewhere = SiteFactory(trust=desk.other_trust)
    client = client_for(desk.ops)
    real = client.post(
        _url(postponed), {"starts_at": NEW_DATE.isoformat(), "site": elsewhere.code}, format="json"
    ).json()["errors"][0]["message"]
    made_up = client.post(
        _url(postponed), {"starts_at": NEW_DATE.isoformat(), "site": "RZZ99"}, format="json"
    ).json()["errors"][0]["message"]
    assert real.replace(elsewhere.code, "X") == made_up.replace("RZZ99", "X")


def test_a_cancelled_booking_cannot_be_rescheduled(desk):
    booking = desk.book(status="cancelled")
    before = _state(booking)
    response = client_for(desk.ops).post(
        _url(booking), {"starts_at": NEW_DATE.isoformat()}, format="json"
    )
    assert response.status_code == 409
    assert "Nothing was changed" in response.json()["errors"][0]["message"]
    assert _state(booking) == before


def test_another_trusts_booking_is_a_404_and_a_viewer_is_refused(desk, postponed):
    theirs = desk.book(site=desk.other_site)
    before = _state(theirs), _state(postponed)
    body = {"starts_at": NEW_DATE.isoformat()}
    assert client_for(desk.ops).post(_url(theirs), body, format="json").status_code == 404
    viewer = MembershipFactory(trust=desk.trust, role=Membership.Role.VIEWER).user
    assert client_for(viewer).post(_url(postponed), body, format="json").status_code == 403
    assert (_state(theirs), _state(postponed)) == before
