"""A strike's life: confirmed, suspended and resumed, called off (bookings reinstated),
completed; every move checked against one table, recorded, and only by national admins."""

import datetime as dt
import itertools

import pytest
from django.contrib.auth.models import Permission

from appointments.models import (
    Appointment,
    AppointmentEvent,
    EventAction,
    Outcome,
    Status,
    StrikeImpact,
)
from strikes.models import ALLOWED_STRIKE_MOVES, Strike, StrikeStatus, StrikeStatusChange
from strikes.services.assessment import AssessmentRefused, strike_assess
from strikes.services.decisions import DecisionRefused
from strikes.services.lifecycle import (
    StrikeMoveRefused,
    bookings_to_reinstate,
    strike_call_off,
    strike_complete,
    strike_confirm,
    strike_resume,
    strike_suspend,
)
from tests.factories import (
    AppointmentEventFactory,
    MembershipFactory,
    StrikeFactory,
    StrikeImpactFactory,
    UserFactory,
)
from trusts.models import Membership

from .desk import (
    AFTER,
    BEFORE,
    DURING,
    EARLY_SLOT,
    ENDS_AT,
    LATE_SLOT,
    STARTS_AT,
    Desk,
    state,
    statuses,
)

pytestmark = pytest.mark.django_db

POSTPONED = Outcome.POSTPONED
GOING_AHEAD = Outcome.GOING_AHEAD
CALL_OFF_DAY = BEFORE + dt.timedelta(days=2)


def last_change(strike: Strike) -> StrikeStatusChange:
    return strike.status_changes.order_by("-pk").first()


# --- Calling a strike off -------------------------------------------------------------


def test_calling_off_reinstates_postponed_bookings_to_the_status_they_had(desk, national):
    """Called off before it starts: every postponed booking goes back to booked (or
    rescheduled, if it had a new date before), its impact goes ahead with
    ``reinstated_at`` set, and each gets a 'reinstated' event in one batch."""
    booked = desk.book()
    rescheduled = desk.book(status=Status.RESCHEDULED)
    undecided = desk.book()
    going_ahead = desk.book()
    exempt = desk.book(service=desk.maternity)
    desk.assess()
    desk.decide(POSTPONED, references=(booked.reference, rescheduled.reference))
    desk.decide(GOING_AHEAD, references=(going_ahead.reference,))
    expected = bookings_to_reinstate(strike=desk.strike, now=CALL_OFF_DAY).count()

    result = strike_call_off(strike=desk.strike, actor=national, now=CALL_OFF_DAY)

    assert expected == result.reinstated == 2
    assert result.still_postponed == 0
    assert statuses(booked, rescheduled, undecided, going_ahead, exempt) == [
        "booked",
        "rescheduled",
        "booked",
        "booked",
        "booked",
    ]
    for booking in (booked, rescheduled):
        impact = desk.impact(booking)
        assert impact.outcome == GOING_AHEAD
        assert impact.reinstated_at == CALL_OFF_DAY
        assert impact.decided_by == national
    assert desk.impact(undecided).outcome == Outcome.AT_RISK
    assert desk.impact(exempt).outcome == Outcome.EXEMPT
    assert desk.impact(going_ahead).reinstated_at is None
    events = AppointmentEvent.objects.filter(batch_id=result.batch_id)
    assert {e.appointment_id: (e.from_status, e.to_status) for e in events} == {
        booked.pk: ("postponed", "booked"),
        rescheduled.pk: ("postponed", "rescheduled"),
    }
    for event in events:
        assert event.action == EventAction.REINSTATED
        assert event.detail == {"reason": "strike called off"}
        assert (event.actor, event.strike, event.at) == (national, desk.strike, CALL_OFF_DAY)
    assert desk.refresh().status == StrikeStatus.CALLED_OFF
    change = last_change(desk.strike)
    assert (change.from_status, change.to_status) == ("announced", "called_off")
    assert (change.actor, change.at) == (national, CALL_OFF_DAY)
    assert change.detail == {"reinstated": 2, "still_postponed": 0}


def test_calling_off_mid_strike_leaves_postponed_bookings_whose_time_has_passed(desk, national):
    """Called off during the walkout: bookings still ahead are reinstated; those whose
    time has gone stay postponed, waiting for a new date, and are counted."""
    passed = desk.book(at=EARLY_SLOT)
    ahead = desk.book(at=LATE_SLOT)
    rescheduled_ahead = desk.book(at=LATE_SLOT, status=Status.RESCHEDULED)
    desk.assess()
    desk.decide(
        POSTPONED, references=(passed.reference, ahead.reference, rescheduled_ahead.reference)
    )
    expected = bookings_to_reinstate(strike=desk.strike, now=DURING).count()

    result = strike_call_off(strike=desk.strike, actor=national, now=DURING)

    assert expected == result.reinstated == 2
    assert result.still_postponed == 1
    assert statuses(passed, ahead, rescheduled_ahead) == ["postponed", "booked", "rescheduled"]
    left = desk.impact(passed)
    assert (left.outcome, left.reinstated_at) == (POSTPONED, None)
    assert desk.impact(ahead).reinstated_at == DURING
    assert not AppointmentEvent.objects.filter(
        batch_id=result.batch_id, appointment=passed
    ).exists()
    assert last_change(desk.strike).detail == {"reinstated": 2, "still_postponed": 1}


def test_a_postponed_booking_given_a_new_date_is_not_reinstated(desk, national):
    """A postponed booking that has since been rescheduled keeps its new date."""
    booking = desk.book()
    desk.assess()
    desk.decide(POSTPONED, references=(booking.reference,))
    Appointment.objects.filter(pk=booking.pk).update(status=Status.RESCHEDULED)

    result = strike_call_off(strike=desk.strike, actor=national, now=CALL_OFF_DAY)

    assert (result.reinstated, result.still_postponed) == (0, 0)
    assert statuses(booking) == ["rescheduled"]


def test_a_postponed_booking_without_recorded_history_is_still_reinstated(desk, national):
    """A booking postponed by this strike whose earlier status was never recorded (loaded
    before history existed, or by hand) is still put back, to booked: a call-off must not
    leave a patient's future appointment cancelled, nor count it as passed."""
    booking = desk.book(status=Status.POSTPONED)
    StrikeImpactFactory(appointment=booking, strike=desk.strike, outcome=POSTPONED)
    expected = bookings_to_reinstate(strike=desk.strike, now=CALL_OFF_DAY).count()

    result = strike_call_off(strike=desk.strike, actor=national, now=CALL_OFF_DAY)

    assert expected == 1
    assert (result.reinstated, result.still_postponed) == (1, 0)
    assert statuses(booking) == ["booked"]


def test_a_booking_imported_as_postponed_is_reinstated_to_booked(desk, national):
    """History that starts at 'postponed' (an import) has no earlier status: booked."""
    booking = desk.book(status=Status.POSTPONED)
    AppointmentEventFactory(
        appointment=booking, action=EventAction.IMPORTED, from_status="", to_status="postponed"
    )
    StrikeImpactFactory(appointment=booking, strike=desk.strike, outcome=POSTPONED)

    result = strike_call_off(strike=desk.strike, actor=national, now=CALL_OFF_DAY)

    assert result.reinstated == 1
    assert statuses(booking) == ["booked"]


def test_after_a_call_off_nothing_more_can_be_assessed_decided_or_called_off(desk, national):
    """A called-off strike puts nothing at risk: assessment, decisions and a second
    call-off are refused and change nothing."""
    booking = desk.book()
    desk.assess()
    strike_call_off(strike=desk.strike, actor=national, now=CALL_OFF_DAY)
    strike = desk.refresh()
    before = state()

    with pytest.raises(AssessmentRefused, match="called off"):
        strike_assess(strike=strike)
    with pytest.raises(DecisionRefused, match="called off"):
        desk.decide(POSTPONED, references=(booking.reference,), now=CALL_OFF_DAY)
    with pytest.raises(StrikeMoveRefused, match="called off"):
        strike_call_off(strike=strike, actor=national, now=CALL_OFF_DAY)

    assert state() == before


# --- Suspending and resuming ----------------------------------------------------------


@pytest.mark.parametrize("start", [StrikeStatus.ANNOUNCED, StrikeStatus.CONFIRMED])
def test_resuming_returns_a_suspended_strike_to_where_it_was(desk, national, start):
    """Suspended while announced, it resumes announced; while confirmed, confirmed.
    While suspended, decisions are refused and the ones already made stand."""
    postponed, undecided = desk.book(), desk.book()
    desk.assess()
    if start == StrikeStatus.CONFIRMED:
        strike_confirm(strike=desk.strike, actor=national, now=BEFORE)
    desk.decide(POSTPONED, references=(postponed.reference,))

    suspended = strike_suspend(strike=desk.refresh(), actor=national, now=BEFORE)
    assert suspended.status == StrikeStatus.SUSPENDED
    before = state()
    with pytest.raises(DecisionRefused, match="suspended"):
        desk.decide(POSTPONED, references=(undecided.reference,))
    with pytest.raises(DecisionRefused, match="suspended"):
        desk.decide(GOING_AHEAD, trust=desk.trust.ods_code)
    assert state() == before

    resumed = strike_resume(strike=desk.refresh(), actor=national, now=BEFORE)

    assert resumed.status == start
    assert desk.refresh().status == start
    assert statuses(postponed, undecided) == ["postponed", "booked"]
    moves = list(desk.strike.status_changes.values_list("from_status", "to_status"))
    assert moves[-2:] == [(start, "suspended"), ("suspended", start)]
    assert desk.decide(POSTPONED, references=(undecided.reference,)).changed == 1


def test_resuming_after_a_second_suspension_returns_to_the_latest_status(national):
    """Suspended while announced, resumed, confirmed, suspended again: resumes confirmed."""
    strike = StrikeFactory()
    strike = strike_suspend(strike=strike, actor=national)
    strike = strike_resume(strike=strike, actor=national)
    strike = strike_confirm(strike=strike, actor=national)
    strike = strike_suspend(strike=strike, actor=national)

    assert strike_resume(strike=strike, actor=national).status == StrikeStatus.CONFIRMED


def test_a_strike_suspended_in_the_database_can_be_resumed_from_an_earlier_copy(national):
    """Resume decides on the strike as stored (locked), like every other move, not on the
    copy the caller loaded before it was suspended."""
    strike = StrikeFactory()
    strike_suspend(strike=strike, actor=national)

    resumed = strike_resume(strike=strike, actor=national)

    assert resumed.status == StrikeStatus.ANNOUNCED
    strike.refresh_from_db()
    assert strike.status == StrikeStatus.ANNOUNCED


# --- Completing -----------------------------------------------------------------------


def test_a_strike_cannot_be_completed_before_it_ends(national):
    """Completed means the walkout is over: refused while it runs, with its end date."""
    strike = StrikeFactory(starts_at=STARTS_AT, ends_at=ENDS_AT, status=StrikeStatus.CONFIRMED)
    before = state()

    for now in (BEFORE, DURING, ENDS_AT - dt.timedelta(seconds=1)):
        with pytest.raises(StrikeMoveRefused, match="once it has ended"):
            strike_complete(strike=strike, actor=national, now=now)

    assert state() == before


def test_a_strike_can_be_completed_once_it_has_ended(national):
    """The window is [starts_at, ends_at): at ends_at the walkout is over."""
    strike = StrikeFactory(starts_at=STARTS_AT, ends_at=ENDS_AT, status=StrikeStatus.CONFIRMED)

    completed = strike_complete(strike=strike, actor=national, now=ENDS_AT)

    assert completed.status == StrikeStatus.COMPLETED
    change = last_change(completed)
    assert (change.from_status, change.to_status, change.at) == ("confirmed", "completed", ENDS_AT)
    assert change.actor == national


FINAL = [StrikeStatus.COMPLETED, StrikeStatus.CALLED_OFF]
SERVICES = {
    "confirm": lambda strike, actor: strike_confirm(strike=strike, actor=actor, now=AFTER),
    "suspend": lambda strike, actor: strike_suspend(strike=strike, actor=actor, now=AFTER),
    "resume": lambda strike, actor: strike_resume(strike=strike, actor=actor, now=AFTER),
    "complete": lambda strike, actor: strike_complete(strike=strike, actor=actor, now=AFTER),
    "call_off": lambda strike, actor: strike_call_off(strike=strike, actor=actor, now=AFTER),
}


@pytest.mark.parametrize(("final", "service"), list(itertools.product(FINAL, SERVICES)))
def test_completed_and_called_off_are_final(national, final, service):
    """Nothing moves a strike on from completed or called off."""
    strike = StrikeFactory(starts_at=STARTS_AT, ends_at=ENDS_AT, status=final)
    before = state()

    with pytest.raises(StrikeMoveRefused):
        SERVICES[service](strike, national)

    assert state() == before


# --- Who may move a strike ------------------------------------------------------------


@pytest.mark.parametrize("service", SERVICES)
def test_trust_staff_without_the_permission_cannot_move_a_strike(desk, service):
    """A strike's status is national business: trust admins and operations staff (and
    plain staff users) without ``strikes.change_strike`` are refused, and nothing moves."""
    Strike.objects.filter(pk=desk.strike.pk).update(status=StrikeStatus.SUSPENDED)
    admin = MembershipFactory(trust=desk.trust, role=Membership.Role.ADMIN).user
    before = state()

    for actor in (desk.ops, admin, UserFactory(is_staff=True)):
        with pytest.raises(StrikeMoveRefused, match="Only national administrators"):
            SERVICES[service](desk.refresh(), actor)

    assert state() == before


@pytest.mark.parametrize("who", ["superuser", "with-permission", "system"])
def test_national_admins_and_the_system_can_move_a_strike(national, who):
    """Superusers, users granted ``strikes.change_strike``, and the system (no actor)."""
    actor = {
        "superuser": national,
        "with-permission": UserFactory(is_staff=True),
        "system": None,
    }[who]
    if who == "with-permission":
        actor.user_permissions.add(Permission.objects.get(codename="change_strike"))
    strike = StrikeFactory()

    confirmed = strike_confirm(strike=strike, actor=actor, now=BEFORE)

    assert confirmed.status == StrikeStatus.CONFIRMED
    change = last_change(confirmed)
    assert (change.from_status, change.to_status, change.actor) == ("announced", "confirmed", actor)


# --- The table of allowed moves -------------------------------------------------------

STATUSES = [choice.value for choice in StrikeStatus]
PAIRS = list(itertools.product(STATUSES, STATUSES))


def test_the_table_of_strike_moves_is_the_one_intended():
    """Spelled out, so loosening the table is a visible, reviewed change."""
    allowed = {(a, b) for a, b in PAIRS if b in ALLOWED_STRIKE_MOVES[a]}
    assert allowed == {
        ("announced", "confirmed"),
        ("announced", "suspended"),
        ("announced", "called_off"),
        ("confirmed", "suspended"),
        ("confirmed", "called_off"),
        ("confirmed", "completed"),
        ("suspended", "announced"),
        ("suspended", "confirmed"),
        ("suspended", "called_off"),
    }
    assert set(ALLOWED_STRIKE_MOVES) == set(STATUSES)


def strike_in(status: str, *, suspended_from: str) -> Strike:
    """A strike in ``status``; a suspended one is suspended from ``suspended_from``."""
    if status != StrikeStatus.SUSPENDED:
        return StrikeFactory(starts_at=STARTS_AT, ends_at=ENDS_AT, status=status)
    strike = StrikeFactory(starts_at=STARTS_AT, ends_at=ENDS_AT, status=suspended_from)
    return strike_suspend(strike=strike, actor=None, now=BEFORE)


def move_to(strike: Strike, to_status: str) -> None:
    """The service that makes a move to ``to_status`` (resume is the way back from
    suspended; complete is asked after the strike has ended, so only the table decides)."""
    if to_status == StrikeStatus.ANNOUNCED or (
        to_status == StrikeStatus.CONFIRMED and strike.status == StrikeStatus.SUSPENDED
    ):
        strike_resume(strike=strike, actor=None, now=BEFORE)
    elif to_status == StrikeStatus.CONFIRMED:
        strike_confirm(strike=strike, actor=None, now=BEFORE)
    elif to_status == StrikeStatus.SUSPENDED:
        strike_suspend(strike=strike, actor=None, now=BEFORE)
    elif to_status == StrikeStatus.CALLED_OFF:
        strike_call_off(strike=strike, actor=None, now=BEFORE)
    else:
        strike_complete(strike=strike, actor=None, now=AFTER)


@pytest.mark.parametrize(("from_status", "to_status"), PAIRS, ids=[f"{a}->{b}" for a, b in PAIRS])
def test_each_service_refuses_exactly_the_moves_the_table_forbids(from_status, to_status):
    """Every (from, to) pair: an allowed move happens and is recorded; any other is
    refused with StrikeMoveRefused and leaves the strike and its history as they were."""
    suspended_from = (
        to_status if to_status in (StrikeStatus.ANNOUNCED, StrikeStatus.CONFIRMED) else "confirmed"
    )
    strike = strike_in(from_status, suspended_from=suspended_from)
    changes_before = strike.status_changes.count()

    if to_status in ALLOWED_STRIKE_MOVES[from_status]:
        move_to(strike, to_status)
        strike.refresh_from_db()
        assert strike.status == to_status
        assert strike.status_changes.count() == changes_before + 1
        change = last_change(strike)
        assert (change.from_status, change.to_status) == (from_status, to_status)
    else:
        with pytest.raises(StrikeMoveRefused):
            move_to(strike, to_status)
        strike.refresh_from_db()
        assert strike.status == from_status
        assert strike.status_changes.count() == changes_before


def test_moves_only_touch_their_own_strike(national):
    """Calling one strike off leaves another strike's bookings and status alone."""
    desk, other = Desk(), Desk()
    mine, theirs = desk.book(), other.book()
    desk.assess(), other.assess()
    desk.decide(POSTPONED, references=(mine.reference,))
    other.decide(POSTPONED, references=(theirs.reference,))

    strike_call_off(strike=desk.strike, actor=national, now=CALL_OFF_DAY)

    assert statuses(mine, theirs) == ["booked", "postponed"]
    assert other.refresh().status == StrikeStatus.ANNOUNCED
    assert StrikeImpact.objects.get(appointment=theirs).outcome == POSTPONED
