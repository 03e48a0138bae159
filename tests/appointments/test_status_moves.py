"""Status moves: one table of allowed moves, every move recorded, all or nothing, set-based."""

import itertools
import uuid

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from appointments.models import (
    ALLOWED_STATUS_MOVES,
    Appointment,
    AppointmentEvent,
    EventAction,
    Status,
)
from appointments.services import (
    StatusMoveRefused,
    appointment_move_status,
    appointments_move_status,
)
from config.errors import DomainError
from tests.factories import (
    AppointmentFactory,
    ServiceFactory,
    SiteFactory,
    StrikeFactory,
    StrikeImpactFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

STATUSES = [choice.value for choice in Status]
ALL_PAIRS = list(itertools.product(STATUSES, STATUSES))
ALLOWED = [(a, b) for a, b in ALL_PAIRS if b in ALLOWED_STATUS_MOVES[a]]
FORBIDDEN = [(a, b) for a, b in ALL_PAIRS if b not in ALLOWED_STATUS_MOVES[a]]


def pair_id(pair):
    return f"{pair[0]}->{pair[1]}"


def test_the_table_of_moves_is_the_one_the_design_describes():
    # Spelled out so that loosening the table is a visible, reviewed change.
    assert {(a, b) for a, b in ALLOWED} == {
        ("booked", "postponed"),
        ("booked", "rescheduled"),
        ("booked", "cancelled"),
        ("booked", "attended"),
        ("booked", "did_not_attend"),
        ("postponed", "booked"),
        ("postponed", "rescheduled"),
        ("postponed", "cancelled"),
        ("rescheduled", "postponed"),
        ("rescheduled", "rescheduled"),
        ("rescheduled", "cancelled"),
        ("rescheduled", "attended"),
        ("rescheduled", "did_not_attend"),
    }
    assert set(ALLOWED_STATUS_MOVES) == set(STATUSES)


@pytest.mark.parametrize(("from_status", "to_status"), ALLOWED, ids=map(pair_id, ALLOWED))
def test_an_allowed_move_moves_the_booking_and_writes_one_event(from_status, to_status):
    booking = AppointmentFactory(status=from_status)
    bystander = AppointmentFactory(status=from_status, site=booking.site)
    actor = UserFactory()
    strike = StrikeFactory()
    batch_id = uuid.uuid4()
    before = timezone.now()

    result = appointments_move_status(
        appointments=Appointment.objects.filter(pk=booking.pk),
        to_status=to_status,
        actor=actor,
        action=EventAction.DECIDED,
        strike=strike,
        detail={"reason": "industrial action", "rows": 1},
        batch_id=batch_id,
    )

    booking.refresh_from_db()
    assert booking.status == to_status
    assert result.moved == 1
    assert result.batch_id == batch_id
    event = AppointmentEvent.objects.get()
    assert event.appointment == booking
    assert (event.from_status, event.to_status) == (from_status, to_status)
    assert event.actor == actor
    assert event.strike == strike
    assert event.action == "decided"
    assert event.batch_id == batch_id
    assert event.detail == {"reason": "industrial action", "rows": 1}
    assert before <= event.at <= timezone.now()
    bystander.refresh_from_db()
    assert bystander.status == from_status


@pytest.mark.parametrize(("from_status", "to_status"), FORBIDDEN, ids=map(pair_id, FORBIDDEN))
def test_a_forbidden_move_is_refused_and_writes_nothing(from_status, to_status):
    booking = AppointmentFactory(status=from_status)
    updated_at = Appointment.objects.get(pk=booking.pk).updated_at

    with pytest.raises(StatusMoveRefused) as refused:
        appointments_move_status(
            appointments=Appointment.objects.filter(pk=booking.pk),
            to_status=to_status,
            actor=UserFactory(),
            strike=StrikeFactory(),
        )

    assert isinstance(refused.value, DomainError)
    message = str(refused.value)
    assert f"1 currently '{Status(from_status).label.lower()}'" in message
    assert f"'{Status(to_status).label.lower()}'" in message
    assert "Nothing was changed" in message
    assert refused.value.refused == {from_status: 1}
    booking.refresh_from_db()
    assert booking.status == from_status
    assert booking.updated_at == updated_at
    assert not AppointmentEvent.objects.exists()


def test_the_system_may_move_a_booking_without_a_person():
    booking = AppointmentFactory()

    result = appointments_move_status(
        appointments=Appointment.objects.filter(pk=booking.pk), to_status="postponed", actor=None
    )

    event = AppointmentEvent.objects.get()
    assert (event.actor, event.strike, event.action) == (None, None, "status_changed")
    assert event.detail == {}
    assert event.batch_id == result.batch_id


def test_moving_one_booking_returns_it_with_its_new_status():
    booking = AppointmentFactory()
    actor = UserFactory()

    returned = appointment_move_status(appointment=booking, to_status="cancelled", actor=actor)

    assert returned is booking
    assert booking.status == "cancelled"
    assert AppointmentEvent.objects.get().actor == actor


def test_moving_one_booking_the_wrong_way_leaves_it_untouched():
    booking = AppointmentFactory(status="attended")

    with pytest.raises(StatusMoveRefused, match="1 currently 'attended'"):
        appointment_move_status(appointment=booking, to_status="postponed", actor=None)

    booking.refresh_from_db()
    assert booking.status == "attended"
    assert not AppointmentEvent.objects.exists()


@pytest.mark.parametrize("to_status", ["lost", "", "Booked", "POSTPONED"])
def test_an_unknown_target_status_is_a_domain_error(to_status):
    booking = AppointmentFactory()

    with pytest.raises(DomainError, match="not an appointment status"):
        appointments_move_status(
            appointments=Appointment.objects.filter(pk=booking.pk), to_status=to_status, actor=None
        )

    booking.refresh_from_db()
    assert booking.status == "booked"
    assert not AppointmentEvent.objects.exists()


# --- Set-based ----------------------------------------------------------------------------


def make_bookings(count: int, **fields) -> list[Appointment]:
    site = SiteFactory()
    service = ServiceFactory()
    return AppointmentFactory.create_batch(count, site=site, service=service, **fields)


def test_moving_fifty_bookings_writes_fifty_events_in_one_batch():
    bookings = make_bookings(50)
    untouched = make_bookings(3)
    strike = StrikeFactory()
    actor = UserFactory()

    result = appointments_move_status(
        appointments=Appointment.objects.filter(pk__in=[b.pk for b in bookings]),
        to_status="postponed",
        actor=actor,
        strike=strike,
        action=EventAction.DECIDED,
    )

    assert result.moved == 50
    events = AppointmentEvent.objects.all()
    assert events.count() == 50
    assert set(events.values_list("batch_id", flat=True)) == {result.batch_id}
    assert set(events.values_list("appointment_id", flat=True)) == {b.pk for b in bookings}
    assert set(events.values_list("from_status", "to_status", "actor", "strike")) == {
        ("booked", "postponed", actor.pk, strike.pk)
    }
    assert set(
        Appointment.objects.filter(pk__in=[b.pk for b in bookings]).values_list("status", flat=True)
    ) == {"postponed"}
    assert set(
        Appointment.objects.filter(pk__in=[b.pk for b in untouched]).values_list(
            "status", flat=True
        )
    ) == {"booked"}


def test_each_event_records_the_status_its_booking_came_from():
    booked = make_bookings(3)
    rescheduled = make_bookings(2, status="rescheduled")

    appointments_move_status(
        appointments=Appointment.objects.all(), to_status="cancelled", actor=None
    )

    came_from = dict(AppointmentEvent.objects.values_list("appointment_id", "from_status"))
    assert came_from == {
        **{b.pk: "booked" for b in booked},
        **{b.pk: "rescheduled" for b in rescheduled},
    }
    assert set(Appointment.objects.values_list("status", flat=True)) == {"cancelled"}


def _queries_to_move(count: int) -> int:
    make_bookings(count)
    with CaptureQueriesContext(connection) as captured:
        result = appointments_move_status(
            appointments=Appointment.objects.filter(status="booked"),
            to_status="postponed",
            actor=None,
        )
    assert result.moved == count
    assert Appointment.objects.filter(status="postponed").count() == count
    return len(captured)


def test_the_number_of_queries_does_not_grow_with_the_number_of_bookings():
    queries_for_ten = _queries_to_move(10)
    Appointment.objects.all().delete()

    queries_for_two_hundred = _queries_to_move(200)

    assert queries_for_ten == queries_for_two_hundred
    # A handful, not a loop: savepoint, lock, refusal check, last event id, INSERT ...
    # SELECT, UPDATE, release.
    assert queries_for_ten <= 7


def test_one_forbidden_booking_in_a_set_stops_the_whole_move():
    movable = make_bookings(4)
    finished = make_bookings(1, status="attended")

    with pytest.raises(StatusMoveRefused) as refused:
        appointments_move_status(
            appointments=Appointment.objects.all(), to_status="postponed", actor=UserFactory()
        )

    assert "1 currently 'attended'" in str(refused.value)
    assert refused.value.refused == {"attended": 1}
    assert set(Appointment.objects.values_list("status", flat=True)) == {"booked", "attended"}
    assert Appointment.objects.get(pk=finished[0].pk).status == "attended"
    assert Appointment.objects.filter(pk__in=[b.pk for b in movable], status="booked").count() == 4
    assert not AppointmentEvent.objects.exists()


def test_a_refusal_counts_every_status_that_may_not_move():
    make_bookings(2, status="cancelled")
    make_bookings(3, status="did_not_attend")
    make_bookings(1)

    with pytest.raises(StatusMoveRefused) as refused:
        appointments_move_status(
            appointments=Appointment.objects.all(), to_status="rescheduled", actor=None
        )

    message = str(refused.value)
    assert "2 currently 'cancelled'" in message
    assert "3 currently 'did not attend'" in message
    assert refused.value.refused == {"cancelled": 2, "did_not_attend": 3}
    assert not AppointmentEvent.objects.exists()


EMPTY_SELECTIONS = {
    "filter-matching-nothing": lambda: Appointment.objects.filter(status="postponed"),
    "none": lambda: Appointment.objects.none(),
    # What a signed-out (or deactivated) user's trust scope gives.
    "scope-of-anonymous-user": lambda: Appointment.objects.for_user(AnonymousUser()),
}


@pytest.mark.parametrize("selection", EMPTY_SELECTIONS.values(), ids=EMPTY_SELECTIONS.keys())
def test_moving_no_bookings_moves_none_and_writes_nothing(selection):
    make_bookings(2)

    result = appointments_move_status(appointments=selection(), to_status="cancelled", actor=None)

    assert result.moved == 0
    assert not AppointmentEvent.objects.exists()
    assert set(Appointment.objects.values_list("status", flat=True)) == {"booked"}


def test_each_call_gets_its_own_batch_id():
    first, second = make_bookings(2)

    one = appointments_move_status(
        appointments=Appointment.objects.filter(pk=first.pk), to_status="postponed", actor=None
    )
    two = appointments_move_status(
        appointments=Appointment.objects.filter(pk=second.pk), to_status="postponed", actor=None
    )

    assert one.batch_id != two.batch_id


def test_a_booking_matched_twice_by_the_selection_is_moved_once_with_one_event():
    # "Every booking at risk in any strike" joins impacts: a booking hit by two strikes
    # appears twice in the join, but is still one booking making one move.
    booking = make_bookings(1)[0]
    StrikeImpactFactory(appointment=booking, outcome="at_risk")
    StrikeImpactFactory(appointment=booking, outcome="at_risk")

    result = appointments_move_status(
        appointments=Appointment.objects.filter(impacts__outcome="at_risk"),
        to_status="postponed",
        actor=None,
    )

    assert result.moved == 1
    assert AppointmentEvent.objects.filter(appointment=booking).count() == 1


def test_reusing_a_batch_id_moves_only_the_bookings_of_this_call():
    # A caller may group several calls under one batch id; earlier bookings of the
    # batch that have moved on since must not be dragged back without an event.
    first, second = make_bookings(2)
    batch_id = uuid.uuid4()
    appointments_move_status(
        appointments=Appointment.objects.filter(pk=first.pk),
        to_status="postponed",
        actor=None,
        batch_id=batch_id,
    )
    appointments_move_status(
        appointments=Appointment.objects.filter(pk=first.pk), to_status="rescheduled", actor=None
    )

    appointments_move_status(
        appointments=Appointment.objects.filter(pk=second.pk),
        to_status="postponed",
        actor=None,
        batch_id=batch_id,
    )

    first.refresh_from_db()
    assert first.status == "rescheduled"
    last_event = AppointmentEvent.objects.filter(appointment=first).order_by("at", "id").last()
    assert last_event.to_status == first.status
