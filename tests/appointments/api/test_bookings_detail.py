"""GET/PATCH /api/v1/appointments/{reference}/: one booking, read and changed."""

import datetime as dt

import pytest

from appointments.models import Appointment, AppointmentEvent
from appointments.references import format_booking_reference
from tests.api import client_for, error_fields

from .bookings_world import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return World()


def _url(reference: str) -> str:
    return f"/api/v1/appointments/{reference}/"


def _state(booking: Appointment) -> tuple:
    """What a refused change must leave as it was."""
    row = Appointment.objects.values(
        "status", "priority", "referral_received_on", "starts_at", "site_id", "external_id"
    ).get(pk=booking.pk)
    return row, AppointmentEvent.objects.filter(appointment=booking).count()


def test_a_booking_is_found_by_its_reference_as_people_write_it(world):
    booking = world.book(external_id="PAS-7")
    client = client_for(world.viewer)
    for written in (
        booking.reference,
        booking.reference.lower(),
        format_booking_reference(booking.reference),  # K7QM-3XDA-9RT2
        format_booking_reference(booking.reference).replace("-", " ").lower(),
    ):
        response = client.get(_url(written))
        assert response.status_code == 200, written
        assert response.json()["reference"] == booking.reference
        assert response.json()["external_id"] == "PAS-7"


def test_a_malformed_or_unknown_reference_is_a_404(world):
    booking = world.book()
    client = client_for(world.national)
    wrong_check = booking.reference[:-1] + ("0" if booking.reference[-1] != "0" else "1")
    for reference in ("nonsense", booking.reference[:-1], wrong_check, "0" * 11 + "0"):
        response = client.get(_url(reference))
        assert response.status_code == 404, reference
        assert error_fields(response) == [None]


def test_another_trusts_booking_is_a_404_to_read_and_to_change(world):
    theirs = world.book_elsewhere()
    before = _state(theirs)
    client = client_for(world.ops)
    assert client.get(_url(theirs.reference)).status_code == 404
    assert client.patch(_url(theirs.reference), {"status": "cancelled"}).status_code == 404
    assert client.patch(_url(theirs.reference), {"priority": "urgent"}).status_code == 404
    assert _state(theirs) == before


def test_a_viewer_may_read_but_not_change_a_booking(world):
    booking = world.book()
    before = _state(booking)
    client = client_for(world.viewer)
    assert client.get(_url(booking.reference)).status_code == 200
    response = client.patch(_url(booking.reference), {"status": "attended"}, format="json")
    assert response.status_code == 403
    assert world.trust.ods_code in response.json()["errors"][0]["message"]
    assert _state(booking) == before


def test_marking_a_booking_attended_moves_it_and_records_who_did_it(world):
    booking = world.book()
    response = client_for(world.ops).patch(
        _url(booking.reference), {"status": "attended"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "attended"
    assert Appointment.objects.get(pk=booking.pk).status == "attended"
    [event] = AppointmentEvent.objects.filter(appointment=booking)
    assert (event.action, event.from_status, event.to_status, event.actor) == (
        "status_changed",
        "booked",
        "attended",
        world.ops,
    )


def test_a_move_the_rules_refuse_is_a_409_and_changes_nothing(world):
    booking = world.book(status="attended", priority="routine")
    before = _state(booking)
    response = client_for(world.ops).patch(
        _url(booking.reference), {"status": "cancelled", "priority": "urgent"}, format="json"
    )
    assert response.status_code == 409
    [error] = response.json()["errors"]
    assert "Cannot mark bookings as 'cancelled'" in error["message"]
    assert error["code"] == "refused"
    # All or nothing: the priority sent with the refused status is not kept either.
    assert _state(booking) == before


@pytest.mark.parametrize(
    ("status", "pointing_to"), [("postponed", "decisions"), ("rescheduled", "reschedule")]
)
def test_postponing_or_rescheduling_by_patch_is_refused_with_where_to_go(
    world, status, pointing_to
):
    booking = world.book()
    before = _state(booking)
    response = client_for(world.ops).patch(
        _url(booking.reference), {"status": status}, format="json"
    )
    assert response.status_code == 400
    assert error_fields(response) == ["status"]
    assert pointing_to in response.json()["errors"][0]["message"]
    assert _state(booking) == before


def test_priority_and_referral_date_change_without_touching_the_status(world):
    booking = world.book(priority="routine", referral_received_on=dt.date(2030, 1, 1))
    client = client_for(world.ops)
    response = client.patch(
        _url(booking.reference),
        {"priority": "cancer", "referral_received_on": "2030-11-05"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["priority"] == "cancer"
    stored = Appointment.objects.get(pk=booking.pk)
    assert (stored.priority, stored.referral_received_on, stored.status) == (
        "cancer",
        dt.date(2030, 11, 5),
        "booked",
    )
    # Not a status change, so no history row.
    assert not AppointmentEvent.objects.filter(appointment=booking).exists()

    cleared = client.patch(_url(booking.reference), {"referral_received_on": None}, format="json")
    assert cleared.json()["referral_received_on"] is None
    assert Appointment.objects.get(pk=booking.pk).referral_received_on is None


def test_read_only_fields_sent_in_a_patch_are_ignored(world):
    booking = world.book(external_id="PAS-1")
    client = client_for(world.ops)
    as_read = client.get(_url(booking.reference)).json()
    # A booking sent back as it was read, with a change to priority only.
    sent = {
        **as_read,
        "priority": "soon",
        "external_id": "PAS-CHANGED",
        "site": world.second_site.code,
        "starts_at": "2032-01-01T09:00:00+00:00",
        "reference": "AAAAAAAAAAAA",
    }
    response = client.patch(_url(booking.reference), sent, format="json")
    assert response.status_code == 200
    assert response.json() == {**as_read, "priority": "soon"}
    # The status sent back unchanged is no move: no event, no 409.
    assert not AppointmentEvent.objects.filter(appointment=booking).exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"priority": "high"}, "priority"),
        ({"status": "gone"}, "status"),
        ({"referral_received_on": "05/11/2030"}, "referral_received_on"),
    ],
)
def test_bad_values_in_a_patch_are_a_400_naming_the_field(world, body, field):
    booking = world.book()
    before = _state(booking)
    response = client_for(world.ops).patch(_url(booking.reference), body, format="json")
    assert response.status_code == 400
    assert error_fields(response) == [field]
    assert _state(booking) == before


def test_a_patch_that_is_not_an_object_is_a_400(world):
    booking = world.book()
    response = client_for(world.ops).patch(_url(booking.reference), [1, 2], format="json")
    assert response.status_code == 400
    assert error_fields(response) == [None]


def test_patch_cannot_unpostpone_a_booking_behind_the_strikes_back():
    from appointments.models import Status as BookingStatus
    from tests.api import client_for as _client_for
    from tests.strikes.desk import Desk

    desk = Desk()
    booking = desk.book()
    desk.assess()
    desk.decide("postponed", references=(booking.reference,))
    booking.refresh_from_db()
    assert booking.status == BookingStatus.POSTPONED

    response = _client_for(desk.ops).patch(
        f"/api/v1/appointments/{booking.reference}/", {"status": "booked"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "status"
    assert "decisions" in response.json()["errors"][0]["message"]
    booking.refresh_from_db()
    assert booking.status == BookingStatus.POSTPONED
    assert desk.impact(booking).outcome == "postponed"
