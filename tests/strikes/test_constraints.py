"""The database itself refuses strikes, participation, staff counts and published figures
that break the rules, whatever path the write takes (no ``full_clean()`` here)."""

import datetime as dt
from contextlib import contextmanager
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from strikes.models import Participation, ReportedFigure, StaffAbsence, Strike
from tests.factories import (
    ParticipationFactory,
    ReportedFigureFactory,
    StaffAbsenceFactory,
    StaffGroupFactory,
    StrikeFactory,
    TrustFactory,
)

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 3, 10, 7, 0, tzinfo=dt.UTC)


@contextmanager
def refused_by_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        yield


def make_strike(**overrides) -> Strike:
    fields = {
        "title": "Resident doctors",
        "starts_at": START,
        "ends_at": START + dt.timedelta(days=5),
    }
    return Strike.objects.create(**{**fields, **overrides})


# --- Strike -------------------------------------------------------------------------------


def test_a_strike_that_ends_after_it_starts_is_stored():
    make_strike(ends_at=START + dt.timedelta(minutes=1))

    assert Strike.objects.count() == 1


@pytest.mark.parametrize(
    "ends_at",
    [START, START - dt.timedelta(seconds=1), START - dt.timedelta(days=2)],
    ids=["ends-when-it-starts", "ends-a-second-before", "ends-days-before"],
)
def test_a_strike_must_start_before_it_ends(ends_at):
    with refused_by_database():
        make_strike(ends_at=ends_at)

    assert not Strike.objects.exists()


def test_moving_a_strike_end_to_its_start_by_update_is_refused():
    strike = StrikeFactory()
    original_end = strike.ends_at

    with refused_by_database():
        Strike.objects.filter(pk=strike.pk).update(ends_at=strike.starts_at)

    strike.refresh_from_db()
    assert strike.ends_at == original_end


def test_moving_a_strike_start_past_its_end_by_update_is_refused():
    strike = StrikeFactory()
    original_start = strike.starts_at

    with refused_by_database():
        Strike.objects.filter(pk=strike.pk).update(starts_at=strike.ends_at + dt.timedelta(hours=1))

    strike.refresh_from_db()
    assert strike.starts_at == original_start


@pytest.mark.parametrize("status", [choice.value for choice in Strike.Status])
def test_every_strike_status_is_accepted(status):
    make_strike(status=status)

    assert Strike.objects.get().status == status


@pytest.mark.parametrize("status", ["cancelled", "", "Announced", "on"])
def test_unknown_strike_status_is_refused(status):
    with refused_by_database():
        make_strike(status=status)

    assert not Strike.objects.exists()


def test_strike_status_changed_to_an_unknown_status_by_update_is_refused():
    strike = StrikeFactory(status="confirmed")

    with refused_by_database():
        Strike.objects.filter(pk=strike.pk).update(status="postponed")

    strike.refresh_from_db()
    assert strike.status == "confirmed"


@pytest.mark.parametrize("days", [0, 3, 14, 60])
def test_notice_lead_days_up_to_sixty_are_accepted(days):
    make_strike(notice_lead_days=days)

    assert Strike.objects.get().notice_lead_days == days


@pytest.mark.parametrize("days", [61, 365, -1])
def test_notice_lead_days_outside_zero_to_sixty_are_refused(days):
    with refused_by_database():
        make_strike(notice_lead_days=days)

    assert not Strike.objects.exists()


def test_notice_lead_days_raised_past_sixty_by_update_is_refused():
    strike = StrikeFactory(notice_lead_days=14)

    with refused_by_database():
        Strike.objects.filter(pk=strike.pk).update(notice_lead_days=61)

    strike.refresh_from_db()
    assert strike.notice_lead_days == 14


# --- Participation ------------------------------------------------------------------------


def test_a_trust_has_one_participation_per_strike():
    first = ParticipationFactory(participating=True)

    with refused_by_database():
        Participation.objects.create(strike=first.strike, trust=first.trust, participating=False)

    assert list(Participation.objects.values_list("participating", flat=True)) == [True]


def test_a_trust_takes_part_in_several_strikes_and_a_strike_has_several_trusts():
    trust = TrustFactory()
    first, second = StrikeFactory(), StrikeFactory()

    Participation.objects.create(strike=first, trust=trust, participating=True)
    Participation.objects.create(strike=second, trust=trust, participating=False)
    Participation.objects.create(strike=first, trust=TrustFactory(), participating=True)

    assert first.participations.count() == 2
    assert trust.participations.count() == 2


@pytest.mark.parametrize("turnout", [None, Decimal("0"), Decimal("52.50"), Decimal("100")])
def test_ballot_turnout_from_zero_to_a_hundred_percent_is_accepted(turnout):
    participation = ParticipationFactory(ballot_turnout=turnout)

    participation.refresh_from_db()
    assert participation.ballot_turnout == turnout


@pytest.mark.parametrize("turnout", [Decimal("-0.01"), Decimal("100.01"), Decimal("250")])
def test_ballot_turnout_outside_zero_to_a_hundred_percent_is_refused(turnout):
    strike, trust = StrikeFactory(), TrustFactory()

    with refused_by_database():
        Participation.objects.create(
            strike=strike, trust=trust, participating=True, ballot_turnout=turnout
        )

    assert not Participation.objects.exists()


def test_ballot_turnout_raised_past_a_hundred_by_update_is_refused():
    participation = ParticipationFactory(ballot_turnout=Decimal("61.20"))

    with refused_by_database():
        Participation.objects.filter(pk=participation.pk).update(ballot_turnout=Decimal("101"))

    participation.refresh_from_db()
    assert participation.ballot_turnout == Decimal("61.20")


# --- Staff absence ------------------------------------------------------------------------


def test_staff_out_is_counted_once_per_strike_trust_day_and_group():
    absence = StaffAbsenceFactory(count=40)

    with refused_by_database():
        StaffAbsence.objects.create(
            strike=absence.strike,
            trust=absence.trust,
            date=absence.date,
            staff_group=absence.staff_group,
            count=41,
        )

    assert list(StaffAbsence.objects.values_list("count", flat=True)) == [40]


def test_staff_out_on_another_day_or_of_another_group_is_a_separate_count():
    absence = StaffAbsenceFactory(staff_group=StaffGroupFactory(code="nurses"))

    StaffAbsenceFactory(
        strike=absence.strike,
        trust=absence.trust,
        date=absence.date + dt.timedelta(days=1),
        staff_group=absence.staff_group,
    )
    StaffAbsenceFactory(
        strike=absence.strike,
        trust=absence.trust,
        date=absence.date,
        staff_group=StaffGroupFactory(code="resident_doctors"),
    )
    StaffAbsenceFactory(
        strike=absence.strike,
        trust=TrustFactory(),
        date=absence.date,
        staff_group=absence.staff_group,
    )

    assert StaffAbsence.objects.filter(strike=absence.strike).count() == 4


def test_bulk_created_duplicate_staff_counts_are_refused():
    strike, trust = StrikeFactory(), TrustFactory()
    nurses = StaffGroupFactory(code="nurses")
    day = timezone.localdate(strike.starts_at)

    with refused_by_database():
        StaffAbsence.objects.bulk_create(
            [
                StaffAbsence(strike=strike, trust=trust, date=day, staff_group=nurses, count=5),
                StaffAbsence(strike=strike, trust=trust, date=day, staff_group=nurses, count=6),
            ]
        )

    assert not StaffAbsence.objects.exists()


def test_zero_staff_out_is_accepted():
    StaffAbsenceFactory(count=0)

    assert StaffAbsence.objects.get().count == 0


def test_a_negative_staff_count_set_by_update_is_refused():
    absence = StaffAbsenceFactory(count=12)

    with refused_by_database():
        StaffAbsence.objects.filter(pk=absence.pk).update(count=-1)

    absence.refresh_from_db()
    assert absence.count == 12


def test_a_negative_staff_count_written_by_raw_sql_is_refused():
    absence = StaffAbsenceFactory(count=12)
    table = connection.ops.quote_name(StaffAbsence._meta.db_table)

    with refused_by_database(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET count = %s WHERE id = %s", [-5, absence.pk])

    absence.refresh_from_db()
    assert absence.count == 12


# --- Reported figure ----------------------------------------------------------------------


def test_a_figure_about_one_trust_is_accepted():
    figure = ReportedFigureFactory(area="")

    assert ReportedFigure.objects.get().trust == figure.trust


def test_a_figure_about_a_named_area_is_accepted():
    ReportedFigureFactory(trust=None, area="Norfolk and Waveney")

    assert ReportedFigure.objects.get().area == "Norfolk and Waveney"


def test_a_figure_about_both_a_trust_and_an_area_is_refused():
    strike, trust = StrikeFactory(), TrustFactory()

    with refused_by_database():
        ReportedFigure.objects.create(
            strike=strike,
            trust=trust,
            area="Norfolk and Waveney",
            metric="postponed_total",
            value=4736,
            source="BBC",
        )

    assert not ReportedFigure.objects.exists()


def test_a_figure_about_neither_a_trust_nor_an_area_is_refused():
    strike = StrikeFactory()

    with refused_by_database():
        ReportedFigure.objects.create(
            strike=strike, trust=None, area="", metric="postponed_total", value=4736, source="BBC"
        )

    assert not ReportedFigure.objects.exists()


def test_clearing_the_trust_of_a_trust_figure_by_update_is_refused():
    figure = ReportedFigureFactory()

    with refused_by_database():
        ReportedFigure.objects.filter(pk=figure.pk).update(trust=None)

    figure.refresh_from_db()
    assert figure.trust_id is not None


@pytest.mark.parametrize("metric", [choice.value for choice in ReportedFigure.Metric])
def test_every_reported_metric_is_accepted(metric):
    ReportedFigureFactory(metric=metric)

    assert ReportedFigure.objects.get().metric == metric


@pytest.mark.parametrize("metric", ["cancelled", "", "Planned"])
def test_unknown_reported_metric_is_refused(metric):
    strike, trust = StrikeFactory(), TrustFactory()

    with refused_by_database():
        ReportedFigure.objects.create(
            strike=strike, trust=trust, metric=metric, value=1, source="Trust"
        )

    assert not ReportedFigure.objects.exists()
