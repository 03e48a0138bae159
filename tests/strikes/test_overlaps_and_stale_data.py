"""Two strikes touching one booking, and decisions on data that moved since assessment:
no strike undoes another's postponement, and nobody is told "going ahead" wrongly."""

import datetime as dt
import threading

import pytest
from django.db import connection, transaction

from appointments.models import Appointment, Outcome, Status
from strikes.models import Participation, StaffGroup, Strike
from strikes.services import (
    AssessmentRefused,
    Selection,
    bookings_to_reinstate,
    impacts_decide,
    strike_assess,
    strike_call_off,
)
from tests.factories import ParticipationFactory, StrikeFactory

from .desk import BEFORE, ENDS_AT, LATE_SLOT, STARTS_AT, Desk, statuses

pytestmark = pytest.mark.django_db


def second_strike(desk: Desk, **window) -> Strike:
    strike = StrikeFactory(
        starts_at=window.get("starts_at", STARTS_AT), ends_at=window.get("ends_at", ENDS_AT)
    )
    strike.staff_groups.add(StaffGroup.objects.get(code="nurses"))
    ParticipationFactory(strike=strike, trust=desk.trust)
    return strike


def decide(strike: Strike, outcome: str, actor, **selection):
    return impacts_decide(
        strike=strike, outcome=outcome, selection=Selection(**selection), actor=actor, now=BEFORE
    )


def test_calling_off_a_strike_leaves_a_booking_a_later_strike_postponed(desk, national):
    later = second_strike(
        desk, starts_at=STARTS_AT + dt.timedelta(weeks=4), ends_at=ENDS_AT + dt.timedelta(weeks=4)
    )
    booking = desk.book()
    desk.assess()
    desk.decide(Outcome.POSTPONED, references=(booking.reference,))
    # Rebooked into the later strike, which postpones it again.
    Appointment.objects.filter(pk=booking.pk).update(
        status=Status.RESCHEDULED, starts_at=LATE_SLOT + dt.timedelta(weeks=4)
    )
    strike_assess(strike=later)
    decide(later, Outcome.POSTPONED, desk.ops, references=(booking.reference,))

    assert bookings_to_reinstate(strike=desk.strike, now=BEFORE).count() == 0
    result = strike_call_off(strike=desk.strike, actor=national, now=BEFORE)

    assert result.reinstated == 0
    assert statuses(booking) == [Status.POSTPONED]
    assert desk.impact(booking).reinstated_at is None


def test_going_ahead_skips_a_booking_another_strike_postponed(desk):
    overlapping = second_strike(desk)
    booking = desk.book()
    desk.assess()
    strike_assess(strike=overlapping)
    desk.decide(Outcome.POSTPONED, references=(booking.reference,))

    result = decide(overlapping, Outcome.GOING_AHEAD, desk.ops)

    assert result.changed == 0
    assert result.skipped_locked == 1
    impact = overlapping.impacts.get(appointment=booking)
    assert impact.outcome == Outcome.AT_RISK  # never "going ahead" while it is postponed


def test_a_booking_cancelled_since_assessment_is_not_marked_going_ahead(desk):
    booking = desk.book()
    desk.assess()
    Appointment.objects.filter(pk=booking.pk).update(status=Status.CANCELLED)

    result = desk.decide(Outcome.GOING_AHEAD)

    assert result.changed == 0
    assert desk.impact(booking).outcome == Outcome.AT_RISK


def test_a_booking_moved_out_of_the_window_since_assessment_is_not_postponed(desk):
    moved = desk.book()
    stays = desk.book()
    desk.assess()
    Appointment.objects.filter(pk=moved.pk).update(starts_at=ENDS_AT + dt.timedelta(days=3))

    result = desk.decide(Outcome.POSTPONED)

    assert (result.changed, result.skipped_locked) == (1, 1)
    assert statuses(moved, stays) == [Status.BOOKED, Status.POSTPONED]


def test_a_booking_at_a_trust_that_dropped_out_is_not_postponed_before_reassessment(desk):
    booking = desk.book()
    desk.assess()
    Participation.objects.filter(strike=desk.strike).update(participating=False)

    result = desk.decide(Outcome.POSTPONED)

    assert result.changed == 0
    assert statuses(booking) == [Status.BOOKED]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_assessment_waiting_behind_a_call_off_does_not_write_to_the_called_off_strike(
    national,
):
    desk = Desk()
    desk.book()
    stale_copy = Strike.objects.get(pk=desk.strike.pk)
    outcome: dict[str, object] = {}

    def assess_from_another_connection() -> None:
        try:
            strike_assess(strike=stale_copy)
            outcome["result"] = "assessed"
        except AssessmentRefused as refusal:
            outcome["result"] = refusal
        finally:
            connection.close()

    with transaction.atomic():
        Strike.objects.select_for_update().get(pk=desk.strike.pk)
        waiting = threading.Thread(target=assess_from_another_connection)
        waiting.start()
        waiting.join(timeout=1)  # it queues behind our lock
        assert waiting.is_alive()
        strike_call_off(strike=desk.strike, actor=national, now=BEFORE)
    waiting.join(timeout=30)

    assert isinstance(outcome["result"], AssessmentRefused)
    assert not desk.strike.impacts.exists()
