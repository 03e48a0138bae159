"""Decisions: staff postpone at-risk bookings or let them go ahead, in bulk, with history.

What the people using it notice: the bookings they chose (and only those) change, each
change is recorded under one batch, a refusal says why and changes nothing, a decision
can be taken back until the walkout starts, and re-running a decision changes nothing.
"""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from appointments.models import Appointment, AppointmentEvent, EventAction, Outcome, Status
from appointments.references import format_booking_reference
from strikes.models import Strike
from tests.factories import (
    MembershipFactory,
    ParticipationFactory,
    SiteFactory,
    TrustFactory,
)
from trusts.models import Membership

from .desk import BEFORE, EARLY_SLOT, LONDON, STARTS_AT, Desk, refused, state, statuses

pytestmark = pytest.mark.django_db

POSTPONED = Outcome.POSTPONED
GOING_AHEAD = Outcome.GOING_AHEAD


def outcomes(desk: Desk, *bookings: Appointment) -> list[str]:
    return [desk.impact(b).outcome for b in bookings]


# --- Postponing by reference ----------------------------------------------------------


def test_postponing_by_reference_postpones_those_bookings_and_records_who_decided(desk):
    """Each named booking is postponed, its impact says who decided and when, and one
    'decided' event per booking shares the batch id the decision returns."""
    first, second, left_alone = desk.book(), desk.book(), desk.book()
    desk.assess()

    result = desk.decide(POSTPONED, references=(first.reference, second.reference))

    assert (result.outcome, result.changed, result.unchanged) == (POSTPONED, 2, 0)
    assert (result.skipped_exempt, result.skipped_locked) == (0, 0)
    assert statuses(first, second, left_alone) == ["postponed", "postponed", "booked"]
    for booking in (first, second):
        impact = desk.impact(booking)
        assert impact.outcome == POSTPONED
        assert impact.decided_by == desk.ops
        assert impact.decided_at == BEFORE
    untouched = desk.impact(left_alone)
    assert (untouched.outcome, untouched.decided_at, untouched.decided_by) == (
        "at_risk",
        None,
        None,
    )
    events = AppointmentEvent.objects.filter(batch_id=result.batch_id)
    assert sorted(events.values_list("appointment_id", flat=True)) == sorted([first.pk, second.pk])
    for event in events:
        assert event.action == EventAction.DECIDED
        assert (event.from_status, event.to_status) == ("booked", "postponed")
        assert event.detail == {"outcome": "postponed"}
        assert (event.actor, event.strike, event.at) == (desk.ops, desk.strike, BEFORE)
    assert not AppointmentEvent.objects.filter(appointment=left_alone).exists()
    assert AppointmentEvent.objects.count() == result.changed


@pytest.mark.parametrize(
    "written_as",
    [
        format_booking_reference,
        lambda ref: format_booking_reference(ref).lower(),
        lambda ref: " ".join(format_booking_reference(ref).split("-")),
        str.lower,
    ],
    ids=["hyphenated", "hyphenated-lower-case", "spaced", "lower-case"],
)
def test_references_are_accepted_as_staff_and_patients_write_them(desk, written_as):
    """'4f7q-9k2m-x3tb' names the same booking as '4F7Q9K2MX3TB'."""
    booking = desk.book()
    desk.assess()

    result = desk.decide(POSTPONED, references=(written_as(booking.reference),))

    assert result.changed == 1
    assert statuses(booking) == ["postponed"]


# --- Postponing by filter -------------------------------------------------------------

# Day one of the walkout is 8 July (local), day two 9 July.
DAY_ONE_LATE = STARTS_AT.replace(hour=23, minute=30)  # 23:30 BST 8 July = 22:30 UTC 8 July
DAY_TWO_EARLY = DAY_ONE_LATE + dt.timedelta(hours=1)  # 00:30 BST 9 July = 23:30 UTC 8 July


def spread(desk: Desk) -> dict[str, Appointment]:
    """Bookings that differ in one dimension each, so a filter picks out a known set."""
    bookings = {
        "a": desk.book(),
        "b": desk.book(site=desk.second_site, kind="inpatient", priority="soon"),
        "c": desk.book(service=desk.physio, kind="day_case", at=EARLY_SLOT),
        "d": desk.book(site=desk.other_site),
        "late_day_one": desk.book(at=DAY_ONE_LATE),
        "early_day_two": desk.book(at=DAY_TWO_EARLY),
        "exempt_service": desk.book(service=desk.maternity, at=EARLY_SLOT),
        "exempt_urgent": desk.book(priority="urgent", at=EARLY_SLOT),
    }
    desk.assess()
    return bookings


EXEMPT = {"exempt_service", "exempt_urgent"}
DAY_TWO = STARTS_AT.astimezone(LONDON).date() + dt.timedelta(days=1)


@pytest.mark.parametrize(
    ("selection", "postponed", "exempt"),
    [
        (
            lambda d: {"trust": d.trust.ods_code.lower()},
            {"a", "b", "c", "late_day_one", "early_day_two"},
            2,
        ),
        (lambda d: {"trust": d.other_trust.ods_code}, {"d"}, 0),
        (lambda d: {"site": d.second_site.code}, {"b"}, 0),
        (lambda d: {"service": "physio"}, {"c"}, 0),
        (lambda d: {"service": "maternity"}, set(), 1),
        (lambda d: {"kind": "inpatient"}, {"b"}, 0),
        (lambda d: {"kind": "day_case"}, {"c"}, 0),
        (lambda d: {"priority": "soon"}, {"b"}, 0),
        (lambda d: {"priority": "urgent"}, set(), 1),
        (lambda d: {"day": DAY_TWO}, {"a", "b", "d", "early_day_two"}, 0),
        (lambda d: {"day": DAY_TWO - dt.timedelta(days=1)}, {"c", "late_day_one"}, 2),
        (
            lambda d: {"trust": d.trust.ods_code, "day": DAY_TWO, "kind": "outpatient"},
            {"a", "early_day_two"},
            0,
        ),
    ],
    ids=[
        "trust-lower-case",
        "other-trust",
        "site",
        "service",
        "exempt-service",
        "kind-inpatient",
        "kind-day-case",
        "priority",
        "protected-priority",
        "local-day-two",
        "local-day-one",
        "combined",
    ],
)
def test_postponing_by_filter_changes_only_matching_at_risk_bookings(
    desk, selection, postponed, exempt
):
    """A filter postpones exactly the at-risk bookings it matches; exempt ones it matches
    are left alone and counted. A day is the local (Europe/London) date: in BST, 00:30 on
    9 July is 9 July although it is still 8 July in UTC."""
    both_trusts = MembershipFactory(trust=desk.trust).user
    MembershipFactory(user=both_trusts, trust=desk.other_trust)
    bookings = spread(desk)

    result = desk.decide(POSTPONED, actor=both_trusts, **selection(desk))

    assert result.changed == len(postponed)
    assert result.skipped_exempt == exempt
    assert (result.unchanged, result.skipped_locked) == (0, 0)
    for name, booking in bookings.items():
        expected = "postponed" if name in postponed else "booked"
        assert statuses(booking) == [expected], name
        expected_outcome = (
            "exempt" if name in EXEMPT else "postponed" if name in postponed else "at_risk"
        )
        assert outcomes(desk, booking) == [expected_outcome], name
    assert set(
        AppointmentEvent.objects.filter(batch_id=result.batch_id).values_list(
            "appointment_id", flat=True
        )
    ) == {bookings[name].pk for name in postponed}


def test_a_day_filter_on_the_autumn_clock_change_covers_the_whole_local_day(desk):
    """The day the clocks go back has 25 hours: 00:30 BST (still the day before in UTC)
    and 23:30 GMT are both on it; 23:30 BST the evening before and 00:30 after are not."""
    year = STARTS_AT.year
    change_day = max(
        dt.date(year, 10, day) for day in range(25, 32) if dt.date(year, 10, day).weekday() == 6
    )
    eve = change_day - dt.timedelta(days=1)
    Strike.objects.filter(pk=desk.strike.pk).update(
        starts_at=dt.datetime.combine(eve, dt.time(7), tzinfo=LONDON),
        ends_at=dt.datetime.combine(eve + dt.timedelta(days=3), dt.time(7), tzinfo=LONDON),
    )
    desk.refresh()

    def local(day: dt.date, hour: int, minute: int) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=LONDON)

    eve_late = desk.book(at=local(eve, 23, 30))
    first_minutes = desk.book(at=local(change_day, 0, 30))
    last_minutes = desk.book(at=local(change_day, 23, 30))
    next_day = desk.book(at=local(change_day + dt.timedelta(days=1), 0, 30))
    desk.assess()

    result = desk.decide(POSTPONED, day=change_day)

    assert result.changed == 2
    assert statuses(eve_late, first_minutes, last_minutes, next_day) == [
        "booked",
        "postponed",
        "postponed",
        "booked",
    ]


# --- Going ahead ----------------------------------------------------------------------


def test_going_ahead_by_filter_keeps_the_booking_and_records_the_decision(desk):
    """Going ahead leaves the booking's status as it was (booked, or rescheduled) and
    writes a 'decided' event whose from and to status are the same."""
    booked = desk.book()
    rescheduled = desk.book(status=Status.RESCHEDULED)
    exempt = desk.book(service=desk.maternity)
    elsewhere = desk.book(site=desk.other_site)
    desk.assess()

    result = desk.decide(GOING_AHEAD, trust=desk.trust.ods_code)

    assert (result.changed, result.skipped_exempt, result.unchanged) == (2, 1, 0)
    assert statuses(booked, rescheduled, exempt, elsewhere) == [
        "booked",
        "rescheduled",
        "booked",
        "booked",
    ]
    assert outcomes(desk, booked, rescheduled, exempt, elsewhere) == [
        "going_ahead",
        "going_ahead",
        "exempt",
        "at_risk",
    ]
    assert desk.impact(booked).decided_by == desk.ops
    assert desk.impact(booked).decided_at == BEFORE
    events = {
        e.appointment_id: e for e in AppointmentEvent.objects.filter(batch_id=result.batch_id)
    }
    assert set(events) == {booked.pk, rescheduled.pk}
    for booking, status in ((booked, "booked"), (rescheduled, "rescheduled")):
        event = events[booking.pk]
        assert event.action == EventAction.DECIDED
        assert (event.from_status, event.to_status) == (status, status)
        assert event.detail == {"outcome": "going_ahead"}
        assert (event.actor, event.strike, event.at) == (desk.ops, desk.strike, BEFORE)


# --- Idempotence ----------------------------------------------------------------------


@pytest.mark.parametrize("outcome", [POSTPONED, GOING_AHEAD])
def test_deciding_the_same_filter_twice_changes_nothing_the_second_time(desk, outcome):
    """Re-running a decision (a double click, a retried request) writes nothing new."""
    for _ in range(3):
        desk.book()
    desk.book(status=Status.RESCHEDULED)
    desk.assess()
    first = desk.decide(outcome, trust=desk.trust.ods_code)
    after_first = state()

    again = desk.decide(outcome, trust=desk.trust.ods_code)

    assert (first.changed, first.unchanged) == (4, 0)
    assert (again.changed, again.unchanged) == (0, 4)
    assert not AppointmentEvent.objects.filter(batch_id=again.batch_id).exists()
    assert state() == after_first


def test_deciding_the_same_references_twice_changes_nothing_the_second_time(desk):
    """The same holds for references: already postponed is not a refusal, just unchanged."""
    bookings = [desk.book() for _ in range(3)]
    desk.assess()
    references = tuple(b.reference for b in bookings)
    desk.decide(POSTPONED, references=references)
    after_first = state()

    again = desk.decide(POSTPONED, references=references)

    assert (again.changed, again.unchanged) == (0, 3)
    assert state() == after_first


# --- Set-based --------------------------------------------------------------------------


def queries_to_postpone(bookings: int) -> int:
    desk = Desk()
    desk.book_many(bookings)
    desk.assess()
    with CaptureQueriesContext(connection) as queries:
        result = desk.decide(POSTPONED, trust=desk.trust.ods_code)
    assert result.changed == bookings
    assert Appointment.objects.filter(trust=desk.trust, status="postponed").count() == bookings
    assert AppointmentEvent.objects.filter(batch_id=result.batch_id).count() == bookings
    return len(queries)


def test_the_number_of_statements_does_not_grow_with_the_bookings(db):
    """A decision for 10,000 bookings takes as many statements as one for 100."""
    assert queries_to_postpone(100) == queries_to_postpone(10_000)


# --- Who may decide where -------------------------------------------------------------


def test_a_national_user_can_decide_at_any_trust(desk, national):
    """Superusers are national: any trust, by reference or by filter."""
    here = desk.book()
    there = desk.book(site=desk.other_site)
    elsewhere = desk.book(site=desk.other_site)
    desk.assess()

    by_reference = desk.decide(
        POSTPONED, actor=national, references=(here.reference, there.reference)
    )
    by_filter = desk.decide(GOING_AHEAD, actor=national, trust=desk.other_trust.ods_code)

    assert (by_reference.changed, by_filter.changed, by_filter.unchanged) == (2, 1, 0)
    assert statuses(here, there, elsewhere) == ["postponed", "postponed", "booked"]
    assert outcomes(desk, elsewhere) == ["going_ahead"]
    assert desk.impact(here).decided_by == national


def test_a_user_at_several_trusts_decides_only_at_those(desk):
    """Operations at A and admin at B: a filter with no trust covers A and B, never C;
    naming C, or a booking at C, is refused."""
    third_trust = TrustFactory()
    ParticipationFactory(strike=desk.strike, trust=third_trust)
    third_site = SiteFactory(trust=third_trust)
    user = MembershipFactory(trust=desk.trust, role=Membership.Role.OPERATIONS).user
    MembershipFactory(user=user, trust=desk.other_trust, role=Membership.Role.ADMIN)
    MembershipFactory(user=user, trust=third_trust, role=Membership.Role.VIEWER)
    at_a = desk.book()
    at_b = desk.book(site=desk.other_site)
    at_c = desk.book(site=third_site)
    desk.assess()

    refused(desk, "You cannot make strike decisions for", actor=user, trust=third_trust.ods_code)
    refused(desk, "not bookings in this strike", actor=user, references=(at_c.reference,))
    result = desk.decide(POSTPONED, actor=user)

    assert result.changed == 2
    assert statuses(at_a, at_b, at_c) == ["postponed", "postponed", "booked"]
    assert outcomes(desk, at_c) == ["at_risk"]
