"""Assessment: which bookings a strike touches, which are exempt, and how re-running
reconciles with what changed since."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from appointments.models import Appointment, StrikeImpact
from strikes.models import Participation, StaffGroup
from strikes.services import AssessmentRefused, strike_assess
from tests.factories import (
    AppointmentFactory,
    ParticipationFactory,
    ServiceFactory,
    SiteFactory,
    StrikeFactory,
    StrikeImpactFactory,
)

LONDON = ZoneInfo("Europe/London")
pytestmark = pytest.mark.django_db


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0, *, fold: int = 0):
    return dt.datetime(year, month, day, hour, minute, tzinfo=LONDON, fold=fold)


def hours_between(start: dt.datetime, end: dt.datetime) -> float:
    # Subtracting two times in one zone gives wall-clock hours; elapsed time needs UTC.
    return (end.astimezone(dt.UTC) - start.astimezone(dt.UTC)) / dt.timedelta(hours=1)


def nurses_strike(starts_at: dt.datetime, ends_at: dt.datetime, **options):
    strike = StrikeFactory(starts_at=starts_at, ends_at=ends_at, **options)
    strike.staff_groups.add(StaffGroup.objects.get(code="nurses"))
    return strike


@pytest.fixture
def site():
    return SiteFactory()


@pytest.fixture
def nursing():
    service = ServiceFactory(code="ophthalmology")
    service.staff_groups.add(StaffGroup.objects.get(code="nurses"))
    return service


@pytest.fixture
def strike(site):
    strike = nurses_strike(local(2026, 12, 7, 8), local(2026, 12, 9, 8))
    ParticipationFactory(strike=strike, trust=site.trust)
    return strike


def book(site, service, starts_at, **fields):
    return AppointmentFactory(site=site, service=service, starts_at=starts_at, **fields)


def outcomes(strike) -> dict[str, str]:
    return dict(
        StrikeImpact.objects.filter(strike=strike).values_list(
            "appointment__external_id", "outcome"
        )
    )


class TestWindow:
    def test_a_booking_at_the_start_is_in_and_at_the_end_is_out(self, strike, site, nursing):
        book(site, nursing, strike.starts_at, external_id="at-start")
        book(site, nursing, strike.ends_at - dt.timedelta(microseconds=1), external_id="last")
        book(site, nursing, strike.ends_at, external_id="at-end")
        book(site, nursing, strike.starts_at - dt.timedelta(minutes=1), external_id="before")

        strike_assess(strike=strike)

        assert set(outcomes(strike)) == {"at-start", "last"}

    def test_a_96_hour_walkout_covers_four_days(self, site, nursing):
        strike = nurses_strike(local(2026, 12, 14, 7), local(2026, 12, 18, 7))
        ParticipationFactory(strike=strike, trust=site.trust)
        for day in range(14, 18):
            book(site, nursing, local(2026, 12, day, 10), external_id=f"day-{day}")
        book(site, nursing, local(2026, 12, 18, 10), external_id="after")

        result = strike_assess(strike=strike)

        assert set(outcomes(strike)) == {f"day-{day}" for day in range(14, 18)}
        assert list(result.by["day"]) == ["2026-12-14", "2026-12-15", "2026-12-16", "2026-12-17"]

    def test_a_walkout_across_the_last_sunday_of_march(self, site, nursing):
        # 08:00 Saturday to 08:00 Monday local is only 47 hours: clocks go forward at 01:00.
        strike = nurses_strike(local(2026, 3, 28, 8), local(2026, 3, 30, 8))
        ParticipationFactory(strike=strike, trust=site.trust)
        assert hours_between(strike.starts_at, strike.ends_at) == 47
        book(site, nursing, local(2026, 3, 29, 0, 30), external_id="sunday-gmt")
        book(site, nursing, local(2026, 3, 29, 2, 30), external_id="sunday-bst")
        book(site, nursing, local(2026, 3, 30, 7, 59), external_id="monday-last-minute")
        book(site, nursing, local(2026, 3, 30, 8), external_id="monday-after")

        result = strike_assess(strike=strike)

        assert set(outcomes(strike)) == {"sunday-gmt", "sunday-bst", "monday-last-minute"}
        assert {day: counts.in_strike for day, counts in result.by["day"].items()} == {
            "2026-03-29": 2,
            "2026-03-30": 1,
        }

    def test_a_walkout_across_the_last_sunday_of_october(self, site, nursing):
        # 49 hours: the hour from 01:00 happens twice as clocks go back.
        strike = nurses_strike(local(2026, 10, 24, 8), local(2026, 10, 26, 8))
        ParticipationFactory(strike=strike, trust=site.trust)
        assert hours_between(strike.starts_at, strike.ends_at) == 49
        book(site, nursing, local(2026, 10, 25, 1, 30, fold=0), external_id="first-01:30")
        book(site, nursing, local(2026, 10, 25, 1, 30, fold=1), external_id="second-01:30")
        book(site, nursing, local(2026, 10, 26, 7, 59), external_id="monday-last-minute")
        book(site, nursing, local(2026, 10, 26, 8), external_id="monday-after")

        strike_assess(strike=strike)

        assert set(outcomes(strike)) == {"first-01:30", "second-01:30", "monday-last-minute"}


class TestWhoIsIn:
    def test_only_trusts_that_take_part(self, strike, site, nursing):
        voted_no = SiteFactory()
        ParticipationFactory(strike=strike, trust=voted_no.trust, participating=False)
        no_row = SiteFactory()
        book(site, nursing, strike.starts_at, external_id="taking-part")
        book(voted_no, nursing, strike.starts_at, external_id="voted-no")
        book(no_row, nursing, strike.starts_at, external_id="no-participation-row")

        strike_assess(strike=strike)

        assert set(outcomes(strike)) == {"taking-part"}

    def test_only_services_a_striking_staff_group_delivers(self, site):
        strike = StrikeFactory(starts_at=local(2026, 12, 7, 8), ends_at=local(2026, 12, 8, 8))
        strike.staff_groups.add(StaffGroup.objects.get(code="physiotherapists"))
        ParticipationFactory(strike=strike, trust=site.trust)
        endoscopy = ServiceFactory(code="endoscopy")
        endoscopy.staff_groups.add(*StaffGroup.objects.filter(code__in=["nurses", "consultants"]))
        physio = ServiceFactory(code="physiotherapy")
        physio.staff_groups.add(StaffGroup.objects.get(code="physiotherapists"))
        everyone = ServiceFactory(code="general-outpatients")  # no staff groups listed: all
        at = local(2026, 12, 7, 10)
        book(site, endoscopy, at, external_id="endoscopy")
        book(site, physio, at, external_id="physio")
        book(site, everyone, at, external_id="everyone")

        strike_assess(strike=strike)

        assert set(outcomes(strike)) == {"physio", "everyone"}

    def test_only_bookings_still_to_happen(self, strike, site, nursing):
        for status in ("booked", "rescheduled", "postponed", "cancelled", "attended"):
            book(site, nursing, strike.starts_at, status=status, external_id=status)

        strike_assess(strike=strike)

        assert set(outcomes(strike)) == {"booked", "rescheduled"}


class TestExemptions:
    def test_exempt_services_and_protected_priorities(self, strike, site, nursing):
        chemo = ServiceFactory(code="chemotherapy")
        strike.exempt_services.add(chemo)
        at = strike.starts_at
        book(site, chemo, at, external_id="chemo")
        book(site, nursing, at, priority="urgent", external_id="urgent")
        book(site, nursing, at, priority="cancer", external_id="cancer")
        book(site, nursing, at, priority="soon", external_id="soon")

        strike_assess(strike=strike)

        assert outcomes(strike) == {
            "chemo": "exempt",
            "urgent": "exempt",
            "cancer": "exempt",
            "soon": "at_risk",
        }

    def test_a_strike_can_turn_priority_protection_off(self, site, nursing):
        strike = nurses_strike(local(2026, 12, 7, 8), local(2026, 12, 8, 8), protect_urgent=False)
        ParticipationFactory(strike=strike, trust=site.trust)
        book(site, nursing, strike.starts_at, priority="urgent", external_id="urgent")

        strike_assess(strike=strike)

        assert outcomes(strike) == {"urgent": "at_risk"}

    def test_emergency_care_only_exempts_the_catalogues_emergency_services(self, site, nursing):
        strike = nurses_strike(
            local(2026, 12, 7, 8), local(2026, 12, 8, 8), emergency_care_only=True
        )
        ParticipationFactory(strike=strike, trust=site.trust)
        emergency = ServiceFactory(code="emergency", emergency=True)
        chemo = ServiceFactory(code="chemotherapy")
        strike.exempt_services.add(chemo)  # replaced by the emergency services
        at = strike.starts_at
        book(site, emergency, at, external_id="a-and-e")
        book(site, chemo, at, external_id="chemo")
        book(site, nursing, at, priority="urgent", external_id="urgent")
        book(site, nursing, at, priority="cancer", external_id="cancer")

        strike_assess(strike=strike)

        assert outcomes(strike) == {
            "a-and-e": "exempt",
            "chemo": "at_risk",
            "urgent": "exempt",
            "cancer": "at_risk",
        }


class TestReconciliation:
    def test_a_second_run_with_nothing_changed_writes_nothing(self, strike, site, nursing):
        for hour in range(8, 18):
            book(site, nursing, local(2026, 12, 7, hour))
        first = strike_assess(strike=strike)
        stamps = list(StrikeImpact.objects.order_by("pk").values_list("pk", "updated_at"))

        with CaptureQueriesContext(connection) as queries:
            second = strike_assess(strike=strike)

        assert first.added == 10
        assert second.changed == 0
        assert second.added == 0
        assert second.totals == first.totals
        assert list(StrikeImpact.objects.order_by("pk").values_list("pk", "updated_at")) == stamps
        writes = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith("INSERT")]
        assert len(writes) == 1  # the one INSERT ... SELECT, which selected nothing

    def test_a_trust_dropping_out_removes_undecided_but_keeps_decided(self, strike, site, nursing):
        undecided = book(site, nursing, strike.starts_at, external_id="undecided")
        decided = book(site, nursing, strike.starts_at, external_id="decided", status="postponed")
        StrikeImpactFactory(strike=strike, appointment=decided, outcome="postponed")
        strike_assess(strike=strike)
        assert outcomes(strike) == {"undecided": "at_risk", "decided": "postponed"}

        Participation.objects.filter(strike=strike).update(participating=False)
        result = strike_assess(strike=strike)

        assert outcomes(strike) == {"decided": "postponed"}
        assert result.removed == 1
        assert result.decided_outside == 1
        assert result.decided_outside_references == [decided.reference]
        assert undecided.impacts.count() == 0

    def test_follows_bookings_moved_cancelled_imported_and_exemptions_changed(
        self, strike, site, nursing
    ):
        moved_out = book(site, nursing, local(2026, 12, 7, 9), external_id="moved-out")
        moved_within = book(site, nursing, local(2026, 12, 7, 9), external_id="moved-within")
        cancelled = book(site, nursing, local(2026, 12, 7, 9), external_id="cancelled")
        became_urgent = book(site, nursing, local(2026, 12, 7, 9), external_id="became-urgent")
        strike_assess(strike=strike)

        Appointment.objects.filter(pk=moved_out.pk).update(
            starts_at=local(2026, 12, 20, 9), status="rescheduled"
        )
        Appointment.objects.filter(pk=moved_within.pk).update(starts_at=local(2026, 12, 8, 7))
        Appointment.objects.filter(pk=cancelled.pk).update(status="cancelled")
        Appointment.objects.filter(pk=became_urgent.pk).update(priority="urgent")
        book(site, nursing, local(2026, 12, 8, 7, 30), external_id="imported")

        result = strike_assess(strike=strike)

        assert outcomes(strike) == {
            "moved-within": "at_risk",
            "became-urgent": "exempt",
            "imported": "at_risk",
        }
        assert (result.added, result.removed, result.reclassified, result.moved) == (1, 2, 1, 1)
        assert StrikeImpact.objects.get(appointment=moved_within).slot_starts_at == local(
            2026, 12, 8, 7
        )
        assert result.by["day"]["2026-12-08"].in_strike == 2

    def test_bookings_seen_during_the_walkout_stay_in_its_record(self, strike, site, nursing):
        seen = book(site, nursing, strike.starts_at, external_id="seen")
        strike_assess(strike=strike)
        Appointment.objects.filter(pk=seen.pk).update(status="attended")

        result = strike_assess(strike=strike)

        assert outcomes(strike) == {"seen": "at_risk"}
        assert result.changed == 0

    def test_a_called_off_strike_cannot_be_assessed(self, strike):
        strike.status = "called_off"
        strike.save()
        with pytest.raises(AssessmentRefused, match="called off"):
            strike_assess(strike=strike)


class TestDryRun:
    def test_counts_match_the_real_run_and_nothing_is_written(self, strike, site, nursing):
        chemo = ServiceFactory(code="chemotherapy")
        strike.exempt_services.add(chemo)
        other_site = SiteFactory(trust=site.trust)
        decided = book(site, nursing, local(2026, 12, 7, 9), status="postponed")
        StrikeImpactFactory(strike=strike, appointment=decided, outcome="postponed")
        stale = StrikeImpactFactory(
            strike=strike, appointment=book(site, nursing, local(2026, 12, 1, 9))
        )
        book(site, chemo, local(2026, 12, 7, 10))
        book(other_site, nursing, local(2026, 12, 8, 7), kind="day_case")
        book(site, nursing, local(2026, 12, 8, 7), priority="cancer")

        preview = strike_assess(strike=strike, dry_run=True)
        assert StrikeImpact.objects.filter(strike=strike).count() == 2
        assert StrikeImpact.objects.filter(pk=stale.pk).exists()
        real = strike_assess(strike=strike)

        assert preview.dry_run
        assert not real.dry_run
        assert (preview.added, preview.removed) == (real.added, real.removed) == (3, 1)
        assert preview.totals == real.totals
        assert preview.by == real.by
        assert real.totals.in_strike == 4
        assert (real.totals.exempt, real.totals.at_risk, real.totals.postponed) == (2, 1, 1)
        assert set(real.by) == {"trust", "site", "service", "kind", "day"}
        assert real.by["kind"]["day_case"].at_risk == 1
        assert real.by["trust"][site.trust.ods_code].in_strike == 4


@pytest.mark.parametrize("dry_run", [False, True])
def test_the_number_of_statements_does_not_grow_with_bookings(dry_run, strike, site, nursing):
    def statements_for(count: int) -> int:
        patient = AppointmentFactory().patient
        Appointment.objects.bulk_create(
            Appointment(
                external_id=f"bulk-{count}-{n}",
                patient=patient,
                trust=site.trust,
                site=site,
                service=nursing,
                kind="outpatient",
                starts_at=strike.starts_at + dt.timedelta(seconds=n),
                priority="urgent" if n % 10 == 0 else "routine",
            )
            for n in range(count)
        )
        with CaptureQueriesContext(connection) as queries:
            strike_assess(strike=strike, dry_run=dry_run)
        return len(queries)

    small = statements_for(100)
    large = statements_for(10_000)
    assert small == large
    assert StrikeImpact.objects.filter(strike=strike).count() == (0 if dry_run else 10_100)
