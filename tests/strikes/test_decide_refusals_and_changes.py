"""Decisions refused (with a clear message, changing nothing) and decisions changed
(allowed until the walkout starts, restoring the booking's status)."""

import datetime as dt

import pytest

from appointments.models import Appointment, AppointmentEvent, Outcome, Status
from appointments.references import new_booking_reference
from strikes.models import Strike, StrikeStatus
from tests.factories import (
    MembershipFactory,
    StrikeImpactFactory,
    UserFactory,
)
from trusts.models import Membership

from .desk import BEFORE, DURING, EARLY_SLOT, LATE_SLOT, Desk, refused, statuses

pytestmark = pytest.mark.django_db

POSTPONED = Outcome.POSTPONED
GOING_AHEAD = Outcome.GOING_AHEAD


def outcomes(desk: Desk, *bookings: Appointment) -> list[str]:
    return [desk.impact(b).outcome for b in bookings]


# --- Refusals: a clear message, and nothing changed -----------------------------------


def test_an_exempt_reference_among_valid_ones_refuses_the_lot(desk):
    """References are all or nothing: one exempt booking refuses them all, and says so."""
    valid, also_valid = desk.book(), desk.book()
    exempt = desk.book(priority="cancer")
    desk.assess()

    refusal = refused(
        desk,
        "exempt from the strike",
        references=(valid.reference, exempt.reference, also_valid.reference),
    )

    assert exempt.reference in str(refusal)
    assert "Nothing was changed" in str(refusal)
    assert statuses(valid, also_valid) == ["booked", "booked"]


def test_a_reference_at_another_trust_reads_the_same_as_one_that_does_not_exist(desk):
    """Someone at trust A learns nothing about trust B's bookings: a real reference there
    is refused with the very message a made-up reference gets."""
    mine = desk.book()
    theirs = desk.book(site=desk.other_site)
    desk.assess()
    made_up = new_booking_reference()

    other_trust = refused(
        desk, "not bookings in this strike", references=(mine.reference, theirs.reference)
    )
    no_such = refused(desk, "not bookings in this strike", references=(mine.reference, made_up))

    assert str(other_trust).replace(theirs.reference, "<ref>") == str(no_such).replace(
        made_up, "<ref>"
    )
    assert statuses(mine, theirs) == ["booked", "booked"]


@pytest.mark.parametrize("malformed", ["ABC", "4F7Q-9K2M-X3T", "not a reference", "U" * 12])
def test_a_malformed_reference_refuses_the_lot(desk, malformed):
    """A reference that cannot be a booking (wrong length, letters outside the alphabet,
    or a failing check character) is named, and nothing else is decided."""
    booking = desk.book()
    desk.assess()

    refusal = refused(desk, "not valid", references=(booking.reference, malformed))

    assert "Nothing was changed" in str(refusal)


def test_a_reference_with_a_wrong_check_character_is_refused(desk):
    """The check character catches a single mistyped character before any lookup."""
    booking = desk.book()
    desk.assess()
    last = booking.reference[-1]
    typo = booking.reference[:-1] + ("0" if last != "0" else "1")

    refused(desk, "not valid", references=(typo,))


def test_a_viewer_cannot_decide(desk):
    """Viewing a trust's bookings is not enough to postpone them."""
    booking = desk.book()
    desk.assess()
    viewer = MembershipFactory(trust=desk.trust, role=Membership.Role.VIEWER).user

    refused(desk, "Only operations staff and trust admins", actor=viewer, trust=desk.trust.ods_code)
    refused(
        desk,
        "Only operations staff and trust admins",
        actor=viewer,
        references=(booking.reference,),
    )
    refused(desk, "Only operations staff and trust admins", actor=UserFactory())


def test_a_filter_naming_a_trust_where_the_actor_cannot_decide_is_refused(desk):
    """Operations staff at trust A, or a mere viewer there, cannot decide for it by filter."""
    desk.book(), desk.book(site=desk.other_site)
    desk.assess()
    viewer_here_ops_there = MembershipFactory(trust=desk.trust, role=Membership.Role.VIEWER).user
    MembershipFactory(user=viewer_here_ops_there, trust=desk.other_trust)

    refused(desk, "You cannot make strike decisions for", trust=desk.other_trust.ods_code)
    refused(
        desk,
        "You cannot make strike decisions for",
        actor=viewer_here_ops_there,
        trust=desk.trust.ods_code,
    )


@pytest.mark.parametrize(
    ("selection", "message"),
    [
        ({"trust": "ZZ9"}, "No trust has the ODS code 'ZZ9'"),
        ({"site": "ZZ999"}, "No site has the code 'ZZ999'"),
        ({"service": "no-such-service"}, "No service has the code 'no-such-service'"),
        ({"kind": "telephone"}, "Kind is one of"),
        ({"priority": "whenever"}, "Priority is one of"),
        ({"current_outcome": "maybe"}, "An outcome is one of"),
    ],
    ids=["trust", "site", "service", "kind", "priority", "current-outcome"],
)
def test_a_filter_naming_something_unknown_is_refused(desk, selection, message):
    """A typo in a filter is an error, not a decision about nothing (or everything)."""
    desk.book()
    desk.assess()

    refused(desk, message, **selection)


@pytest.mark.parametrize("outcome", ["cancelled", "exempt", "at_risk", ""])
def test_only_postponed_or_going_ahead_can_be_decided(desk, outcome):
    """Staff decide postponed or going ahead; exempt and at risk are for assessment."""
    booking = desk.book()
    desk.assess()

    refused(
        desk, "A decision is 'postponed' or 'going_ahead'", outcome, references=(booking.reference,)
    )


@pytest.mark.parametrize(
    "status", [StrikeStatus.SUSPENDED, StrikeStatus.CALLED_OFF, StrikeStatus.COMPLETED]
)
def test_no_decisions_while_a_strike_is_suspended_called_off_or_completed(desk, status):
    """Only an announced or confirmed strike takes decisions."""
    booking = desk.book()
    desk.assess()
    Strike.objects.filter(pk=desk.strike.pk).update(status=status)

    refused(
        desk,
        "decisions can only be made while a strike is announced or confirmed",
        references=(booking.reference,),
    )
    refused(desk, "decisions can only be made", GOING_AHEAD, trust=desk.trust.ods_code)


def test_references_and_a_filter_together_are_refused(desk):
    """A selection is one or the other; mixing them is ambiguous."""
    booking = desk.book()
    desk.assess()

    refused(desk, "not both", references=(booking.reference,), site=desk.site.code)


# --- Changing a decision --------------------------------------------------------------


def test_a_postponed_booking_can_go_ahead_again_before_the_strike_with_its_status_back(desk):
    """Before the walkout, postponed -> going ahead puts back the status the booking had:
    booked, or rescheduled if it already had a new date."""
    booked = desk.book()
    rescheduled = desk.book(status=Status.RESCHEDULED)
    desk.assess()
    desk.decide(POSTPONED, references=(booked.reference, rescheduled.reference))
    assert statuses(booked, rescheduled) == ["postponed", "postponed"]

    later = BEFORE + dt.timedelta(days=1)
    result = desk.decide(
        GOING_AHEAD, references=(booked.reference, rescheduled.reference), now=later
    )

    assert (result.changed, result.unchanged) == (2, 0)
    assert statuses(booked, rescheduled) == ["booked", "rescheduled"]
    assert outcomes(desk, booked, rescheduled) == ["going_ahead", "going_ahead"]
    assert desk.impact(booked).decided_at == later
    moves = {
        e.appointment_id: (e.action, e.from_status, e.to_status)
        for e in AppointmentEvent.objects.filter(batch_id=result.batch_id)
    }
    assert moves == {
        booked.pk: ("decided", "postponed", "booked"),
        rescheduled.pk: ("decided", "postponed", "rescheduled"),
    }


def test_going_ahead_by_filter_naming_postponed_restores_them_before_the_strike(desk):
    """A filter that names the current outcome takes those decisions back: "every
    postponed booking at this trust goes ahead after all" restores booked/rescheduled."""
    booked = desk.book()
    rescheduled = desk.book(status=Status.RESCHEDULED)
    undecided = desk.book()
    desk.assess()
    desk.decide(POSTPONED, references=(booked.reference, rescheduled.reference))

    result = desk.decide(GOING_AHEAD, trust=desk.trust.ods_code, current_outcome=POSTPONED)

    assert (result.changed, result.unchanged, result.skipped_locked) == (2, 0, 0)
    assert statuses(booked, rescheduled, undecided) == ["booked", "rescheduled", "booked"]
    assert outcomes(desk, booked, rescheduled, undecided) == [
        "going_ahead",
        "going_ahead",
        "at_risk",
    ]


def test_a_filter_that_does_not_name_the_current_outcome_leaves_decisions_alone(desk):
    """A plain filter decides only undecided bookings: postponing "everything at this
    trust" does not overturn the bookings staff chose to let go ahead, and vice versa."""
    going_ahead = desk.book()
    postponed = desk.book()
    undecided = desk.book()
    desk.assess()
    desk.decide(GOING_AHEAD, references=(going_ahead.reference,))
    desk.decide(POSTPONED, references=(postponed.reference,))

    result = desk.decide(POSTPONED, trust=desk.trust.ods_code)

    assert (result.changed, result.unchanged, result.skipped_locked) == (1, 1, 1)
    assert statuses(going_ahead, postponed, undecided) == ["booked", "postponed", "postponed"]
    assert outcomes(desk, going_ahead, postponed, undecided) == [
        "going_ahead",
        "postponed",
        "postponed",
    ]


def test_going_ahead_restores_a_postponed_booking_without_recorded_history(desk):
    """A postponed booking whose earlier status was never recorded (no event into
    'postponed') goes back to booked when staff let it go ahead, rather than the
    decision silently doing nothing."""
    booking = desk.book(status=Status.POSTPONED)
    StrikeImpactFactory(appointment=booking, strike=desk.strike, outcome=POSTPONED)

    result = desk.decide(GOING_AHEAD, references=(booking.reference,))

    assert result.changed == 1
    assert statuses(booking) == ["booked"]
    assert outcomes(desk, booking) == ["going_ahead"]


def test_a_booking_going_ahead_can_be_postponed_before_the_strike(desk):
    """Before the walkout, going ahead -> postponed is allowed too."""
    booking = desk.book()
    desk.assess()
    desk.decide(GOING_AHEAD, references=(booking.reference,))

    result = desk.decide(POSTPONED, references=(booking.reference,))

    assert result.changed == 1
    assert statuses(booking) == ["postponed"]
    assert outcomes(desk, booking) == ["postponed"]
    event = AppointmentEvent.objects.get(batch_id=result.batch_id)
    assert (event.from_status, event.to_status) == ("booked", "postponed")


@pytest.mark.parametrize(
    ("first", "then"), [(POSTPONED, GOING_AHEAD), (GOING_AHEAD, POSTPONED)], ids=str
)
def test_once_the_strike_has_started_a_decision_by_reference_stands(desk, first, then):
    """From the start of the walkout, decisions made are final: changing one by reference
    is refused (even for a slot still ahead), and says why."""
    booking = desk.book(at=LATE_SLOT)
    desk.assess()
    desk.decide(first, references=(booking.reference,))

    refusal = refused(
        desk, "the strike has started", then, references=(booking.reference,), now=DURING
    )

    assert booking.reference in str(refusal)


def test_once_the_strike_has_started_a_filter_skips_decided_bookings_but_postpones_at_risk(desk):
    """During the walkout a filter still postpones at-risk bookings whose slot is ahead;
    bookings already going ahead, and bookings whose slot has passed, are skipped and
    counted as locked."""
    postponed = desk.book(at=LATE_SLOT)
    going_ahead = desk.book(at=LATE_SLOT)
    at_risk_ahead = desk.book(at=LATE_SLOT)
    at_risk_passed = desk.book(at=EARLY_SLOT)
    desk.assess()
    desk.decide(POSTPONED, references=(postponed.reference,))
    desk.decide(GOING_AHEAD, references=(going_ahead.reference,))
    events_before = AppointmentEvent.objects.count()

    result = desk.decide(POSTPONED, trust=desk.trust.ods_code, now=DURING)

    assert (result.changed, result.unchanged, result.skipped_locked) == (1, 1, 2)
    assert statuses(postponed, going_ahead, at_risk_ahead, at_risk_passed) == [
        "postponed",
        "booked",
        "postponed",
        "booked",
    ]
    assert outcomes(desk, postponed, going_ahead, at_risk_ahead, at_risk_passed) == [
        "postponed",
        "going_ahead",
        "postponed",
        "at_risk",
    ]
    assert AppointmentEvent.objects.count() == events_before + 1


def test_once_the_strike_has_started_going_ahead_by_filter_leaves_postponed_bookings(desk):
    """A postponement stands once the walkout has started, even for a filter that names
    postponed bookings: they are skipped and counted."""
    postponed = desk.book(at=LATE_SLOT)
    desk.assess()
    desk.decide(POSTPONED, references=(postponed.reference,))

    result = desk.decide(
        GOING_AHEAD, trust=desk.trust.ods_code, current_outcome=POSTPONED, now=DURING
    )

    assert (result.changed, result.skipped_locked) == (0, 1)
    assert statuses(postponed) == ["postponed"]
    assert outcomes(desk, postponed) == ["postponed"]


def test_a_booking_whose_slot_has_passed_cannot_be_postponed(desk):
    """Postponing an appointment that has already happened (or not) makes no sense."""
    passed = desk.book(at=EARLY_SLOT)
    ahead = desk.book(at=LATE_SLOT)
    desk.assess()

    refusal = refused(
        desk,
        "cannot be marked 'postponed'",
        references=(passed.reference, ahead.reference),
        now=DURING,
    )

    assert passed.reference in str(refusal)
    assert ahead.reference not in str(refusal)


def test_a_booking_whose_slot_begins_now_cannot_be_postponed(desk):
    """A slot that is starting is no longer ahead."""
    booking = desk.book(at=DURING)
    desk.assess()

    refused(desk, "cannot be marked 'postponed'", references=(booking.reference,), now=DURING)
