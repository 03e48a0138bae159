"""Strike reports: the arithmetic per trust and per day, published figures beside computed
ones, who sees which trusts, strikes compared, and a fixed number of queries."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from appointments.models import Appointment, StrikeImpact
from demo.builder import demo_strike_id, load_demo
from strikes.models import LONDON, Strike
from strikes.reports import Figures, sitrep_rows, strike_report, strikes_compare
from tests.factories import (
    AppointmentFactory,
    MembershipFactory,
    ParticipationFactory,
    PatientFactory,
    ReportedFigureFactory,
    ServiceFactory,
    SiteFactory,
    StaffAbsenceFactory,
    StaffGroupFactory,
    StrikeFactory,
    StrikeImpactFactory,
    UserFactory,
)
from trusts.models import Site

pytestmark = pytest.mark.django_db

# Sunday 18 January 2026 08:00 to Tuesday 08:00 (GMT): strike days Sun 18 and Mon 19.
START = dt.datetime(2026, 1, 18, 8, 0, tzinfo=LONDON)
END = START + dt.timedelta(days=2)
SUNDAY, MONDAY = dt.date(2026, 1, 18), dt.date(2026, 1, 19)


def london(month: int, day: int, hour: int, minute: int = 0, year: int = 2026) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=LONDON)


def utc(month: int, day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=dt.UTC)


def taking_part(strike: Strike, name: str = "", *, participating: bool = True) -> Site:
    """A trust (its one site returned) with a participation record for ``strike``."""
    site = SiteFactory(**({"trust__name": name} if name else {}))
    ParticipationFactory(strike=strike, trust=site.trust, participating=participating)
    return site


def book(site: Site, at: dt.datetime, **fields) -> Appointment:
    return AppointmentFactory(site=site, starts_at=at, **fields)


def hit(
    strike: Strike,
    site: Site,
    at: dt.datetime,
    outcome: str,
    *,
    kind: str = "outpatient",
    status: str = "booked",
    moved_to: dt.datetime | None = None,
    **fields,
) -> StrikeImpact:
    """A booking due at ``at`` that the strike touches, perhaps since moved to ``moved_to``."""
    appointment = book(site, moved_to or at, kind=kind, status=status)
    return StrikeImpactFactory(
        appointment=appointment, strike=strike, outcome=outcome, slot_starts_at=at, **fields
    )


def row_for(report, site: Site):
    (row,) = [row for row in report.trusts if row.trust.id == site.trust_id]
    return row


# --- Per trust arithmetic -----------------------------------------------------------------


def test_a_trusts_figures_count_each_booking_once_in_the_right_column():
    strike = StrikeFactory(starts_at=START, ends_at=END)
    site = taking_part(strike)
    in_window = START + dt.timedelta(hours=3)
    hit(strike, site, in_window, "postponed", status="postponed")
    hit(strike, site, in_window, "postponed", status="postponed")
    # Given a new date after the strike: still counted on the day it lost, and rescheduled.
    later = END + dt.timedelta(days=20)
    hit(strike, site, in_window, "postponed", kind="day_case", status="rescheduled", moved_to=later)
    hit(strike, site, in_window, "postponed", kind="inpatient", status="attended", moved_to=later)
    hit(strike, site, in_window, "postponed", status="cancelled")
    hit(strike, site, in_window, "exempt")
    hit(strike, site, in_window, "at_risk")
    hit(strike, site, in_window, "going_ahead", status="attended")
    book(site, in_window)  # not touched by the strike (another staff group's clinic)
    book(site, in_window, status="attended")
    book(site, in_window, status="cancelled")  # cancelled before: never planned

    row = row_for(strike_report(strike=strike), site)

    assert row.participating is True
    assert row.figures == Figures(
        planned=10,
        in_strike=8,
        exempt=1,
        at_risk=1,
        going_ahead=1,
        postponed_outpatient=3,
        postponed_inpatient=2,
        awaiting_new_date=2,
        rescheduled=2,
    )
    assert row.figures.postponed_total == 5
    assert row.figures.postponed_pct == Decimal("50.0")


@pytest.mark.parametrize(
    ("starts_at", "planned"),
    [
        (START - dt.timedelta(seconds=1), False),
        (START, True),
        (END - dt.timedelta(seconds=1), True),
        (END, False),
    ],
    ids=["a-second-before-the-start", "at-the-start", "a-second-before-the-end", "at-the-end"],
)
def test_planned_bookings_are_those_in_the_half_open_window(starts_at, planned):
    strike = StrikeFactory(starts_at=START, ends_at=END)
    site = taking_part(strike)
    book(site, starts_at)

    assert strike_report(strike=strike).total.planned == int(planned)


def test_a_booking_moved_into_the_window_from_elsewhere_is_planned_and_one_moved_out_is_not():
    strike = StrikeFactory(starts_at=START, ends_at=END)
    site = taking_part(strike)
    book(site, START + dt.timedelta(hours=1), original_starts_at=START - dt.timedelta(days=30))
    book(site, START + dt.timedelta(days=30), original_starts_at=START + dt.timedelta(hours=1))

    assert strike_report(strike=strike).total.planned == 1


@pytest.mark.parametrize(
    ("postponed", "planned", "pct"),
    [(877, 6746, "13.0"), (1, 8, "12.5"), (1, 3, "33.3"), (2, 3, "66.7"), (1, 1, "100.0")],
)
def test_postponed_percent_is_rounded_half_up_to_one_decimal(postponed, planned, pct):
    figures = Figures(planned=planned, postponed_outpatient=postponed)

    assert figures.postponed_pct == Decimal(pct)


def test_with_nothing_planned_there_is_no_percent_rather_than_zero():
    strike = StrikeFactory(starts_at=START, ends_at=END)
    taking_part(strike)

    report = strike_report(strike=strike)

    assert report.total == Figures()
    assert report.total.postponed_pct is None


def test_rows_are_the_trusts_with_a_participation_record_and_the_total_adds_those_taking_part():
    strike = StrikeFactory(starts_at=START, ends_at=END)
    norwich = taking_part(strike, "Norwich")
    lynn = taking_part(strike, "King's Lynn", participating=False)
    elsewhere = SiteFactory(trust__name="Not in the strike")
    at = START + dt.timedelta(hours=2)
    hit(strike, norwich, at, "postponed", status="postponed")
    hit(strike, norwich, at, "postponed", kind="inpatient", status="postponed")
    book(norwich, at, status="attended")
    book(lynn, at)
    book(lynn, at)
    book(elsewhere, at)

    report = strike_report(strike=strike)

    assert [(r.trust.name, r.participating) for r in report.trusts] == [
        ("King's Lynn", False),
        ("Norwich", True),
    ]
    assert row_for(report, lynn).figures == Figures(planned=2)
    # King's Lynn voted not to strike: its bookings would dilute the share postponed.
    assert report.total == row_for(report, norwich).figures
    assert (report.total.planned, report.total.postponed_total) == (3, 2)
    assert report.total.postponed_pct == Decimal("66.7")


def test_a_booking_a_call_off_put_back_goes_ahead_and_is_not_postponed():
    strike = StrikeFactory(starts_at=START, ends_at=END, status="called_off")
    site = taking_part(strike)
    at = START + dt.timedelta(hours=2)
    hit(strike, site, at, "going_ahead", reinstated_at=START - dt.timedelta(days=1))
    hit(strike, site, at, "postponed", status="postponed")  # its slot had passed: stays

    figures = strike_report(strike=strike).total

    assert (figures.going_ahead, figures.reinstated, figures.postponed_total) == (1, 1, 1)


# --- Per day, in Europe/London ------------------------------------------------------------


def test_days_split_at_local_midnight_and_staff_out_is_shown_per_day_and_group():
    strike = StrikeFactory(starts_at=START, ends_at=END)
    site = taking_part(strike)
    hit(strike, site, london(1, 18, 23, 59), "postponed")
    hit(strike, site, london(1, 19, 0, 0), "postponed")
    hit(strike, site, london(1, 19, 0, 1), "postponed", kind="day_case")
    book(site, london(1, 18, 9))
    nurses = StaffGroupFactory(code="nurses")
    physios = StaffGroupFactory(code="physiotherapists")
    StaffAbsenceFactory(strike=strike, trust=site.trust, date=SUNDAY, staff_group=nurses, count=302)
    StaffAbsenceFactory(strike=strike, trust=site.trust, date=MONDAY, staff_group=nurses, count=272)
    StaffAbsenceFactory(strike=strike, trust=site.trust, date=MONDAY, staff_group=physios, count=15)

    report = strike_report(strike=strike)

    assert report.days == (SUNDAY, MONDAY)
    assert report.staff_groups == ("nurses", "physiotherapists")
    sunday, monday = report.by_day
    assert (sunday.date, sunday.figures.planned, sunday.figures.postponed_total) == (SUNDAY, 2, 1)
    assert (monday.date, monday.figures.postponed_outpatient) == (MONDAY, 1)
    assert monday.figures.postponed_inpatient == 1
    assert (sunday.staff_absent_total, sunday.staff_absent_for("physiotherapists")) == (302, 0)
    assert (monday.staff_absent_for("nurses"), monday.staff_absent_total) == (272, 287)
    assert row_for(report, site).staff_absent_peak == 302


def test_a_walkout_across_the_clock_change_counts_slots_on_their_london_date():
    # Saturday 28 March 2026 08:00 GMT to Monday 30 March 08:00 BST: clocks go forward at
    # 01:00 UTC on the 29th. The Monday morning is the tail of Sunday, not a strike day.
    strike = StrikeFactory(starts_at=london(3, 28, 8), ends_at=london(3, 30, 8))
    site = taking_part(strike)
    hit(strike, site, utc(3, 28, 23, 30), "postponed")  # 23:30 GMT Saturday
    hit(strike, site, utc(3, 29, 0, 30), "postponed")  # 00:30 GMT Sunday
    hit(strike, site, utc(3, 29, 1, 30), "postponed")  # 02:30 BST Sunday
    hit(strike, site, utc(3, 29, 22, 30), "postponed")  # 23:30 BST Sunday
    hit(strike, site, utc(3, 30, 6, 59), "postponed")  # 07:59 BST Monday: Sunday's tail

    report = strike_report(strike=strike)

    assert report.days == (dt.date(2026, 3, 28), dt.date(2026, 3, 29))
    assert {row.date: row.figures.postponed_total for row in report.by_day} == {
        dt.date(2026, 3, 28): 1,
        dt.date(2026, 3, 29): 4,
    }


def test_a_slot_after_midnight_bst_is_on_the_next_london_day_though_utc_says_otherwise():
    # Saturday 28 March 08:00 GMT to Monday 30 March 20:00 BST: three strike days.
    strike = StrikeFactory(starts_at=london(3, 28, 8), ends_at=london(3, 30, 20))
    site = taking_part(strike)
    hit(strike, site, utc(3, 28, 23, 30), "postponed")  # Saturday 23:30 GMT
    hit(strike, site, utc(3, 29, 22, 30), "postponed")  # Sunday 23:30 BST
    hit(strike, site, utc(3, 29, 23, 30), "postponed")  # Monday 00:30 BST; UTC says Sunday
    book(site, utc(3, 29, 23, 15))  # Monday 00:15 BST, untouched: planned on Monday

    report = strike_report(strike=strike)

    assert [(row.date.day, row.figures.postponed_total) for row in report.by_day] == [
        (28, 1),
        (29, 1),
        (30, 1),
    ]
    assert report.by_day[2].figures.planned == 2


def test_a_trust_that_dropped_out_after_decisions_still_counts_one_that_never_took_part_not():
    strike = StrikeFactory(starts_at=START, ends_at=END)
    dropped_out = taking_part(strike, "Dropped out", participating=False)
    voted_no = taking_part(strike, "Voted no", participating=False)
    at = START + dt.timedelta(hours=2)
    hit(strike, dropped_out, at, "postponed", status="postponed")
    book(dropped_out, at)
    book(voted_no, at)
    book(voted_no, at)

    report = strike_report(strike=strike)

    # The postponement happened: it stays in the totals, the day's and the sitrep.
    assert (report.total.planned, report.total.postponed_total) == (2, 1)
    assert report.day_total(SUNDAY) == report.total
    assert [row.trust_name for row in sitrep_rows(strike=strike).rows] == ["Dropped out"] * 2
    assert [row.counted for row in report.trusts] == [True, False]


# --- Published figures beside computed ones -----------------------------------------------


def test_published_figures_sit_beside_computed_ones_with_the_difference():
    strike = StrikeFactory(starts_at=START, ends_at=END)
    site = taking_part(strike)
    trust = site.trust
    for _ in range(3):
        hit(strike, site, START + dt.timedelta(hours=1), "postponed", status="postponed")
    book(site, START + dt.timedelta(hours=1))
    nurses = StaffGroupFactory(code="nurses")
    StaffAbsenceFactory(strike=strike, trust=trust, date=SUNDAY, staff_group=nurses, count=30)
    StaffAbsenceFactory(strike=strike, trust=trust, date=MONDAY, staff_group=nurses, count=25)
    figure = ReportedFigureFactory
    figure(strike=strike, trust=trust, metric="postponed_total", value=4)
    figure(strike=strike, trust=trust, metric="postponed_pct", value=75)
    figure(strike=strike, trust=trust, metric="staff_absent", date=MONDAY, value=25)
    figure(strike=strike, trust=trust, metric="staff_absent", value=31)
    figure(strike=strike, trust=trust, metric="planned", date=dt.date(2026, 1, 25), value=1)
    area = figure(strike=strike, trust=None, area="Norfolk and Waveney", metric="postponed_total")
    area.covers.set([trust, SiteFactory().trust])
    # Without the trusts it covers, an area's figure has nothing honest to compare with.
    figure(strike=strike, trust=None, area="Somewhere", metric="postponed_total", value=9)

    report = strike_report(strike=strike)

    seen = {
        (c.about, c.metric, c.date): (c.reported, c.computed, c.difference)
        for c in report.comparisons
    }
    assert seen == {
        (trust.ods_code, "postponed_total", None): (4, 3, -1),
        (trust.ods_code, "postponed_pct", None): (75, Decimal("75.0"), 0),
        (trust.ods_code, "staff_absent", MONDAY): (25, 25, 0),
        # Undated: the most out on any one day.
        (trust.ods_code, "staff_absent", None): (31, 30, -1),
        # Not a strike day: nothing to compare with.
        (trust.ods_code, "planned", dt.date(2026, 1, 25)): (1, None, None),
        ("Norfolk and Waveney", "postponed_total", None): (4736, 3, -4733),
        ("Somewhere", "postponed_total", None): (9, None, None),
    }
    assert report.comparisons[-1].area == "Somewhere", "area figures come last"


# --- Trust scope --------------------------------------------------------------------------


def _two_trusts_and_an_area_figure() -> tuple[Strike, Site, Site]:
    strike = StrikeFactory(starts_at=START, ends_at=END)
    mine, theirs = taking_part(strike, "Mine"), taking_part(strike, "Theirs")
    at = START + dt.timedelta(hours=1)
    hit(strike, mine, at, "postponed")
    hit(strike, theirs, at, "postponed")
    hit(strike, theirs, at, "postponed")
    nurses = StaffGroupFactory(code="nurses")
    for site in (mine, theirs):
        StaffAbsenceFactory(strike=strike, trust=site.trust, date=SUNDAY, staff_group=nurses)
        ReportedFigureFactory(strike=strike, trust=site.trust, value=2)
    area = ReportedFigureFactory(strike=strike, trust=None, area="The area", value=4)
    area.covers.set([mine.trust, theirs.trust])
    return strike, mine, theirs


def test_a_user_of_one_trust_sees_only_that_trust_and_no_area_figures():
    strike, mine, _ = _two_trusts_and_an_area_figure()
    user = MembershipFactory(trust=mine.trust).user

    report = strike_report(strike=strike, user=user)

    assert [row.trust.name for row in report.trusts] == ["Mine"]
    assert {row.trust.name for row in report.by_day} == {"Mine"}
    assert report.total.postponed_total == 1
    assert [(c.about, c.computed) for c in report.comparisons] == [(mine.trust.ods_code, 1)]
    assert report.national is False
    assert [row.trust_name for row in sitrep_rows(strike=strike, user=user).rows] == ["Mine"] * 2
    assert strikes_compare(user=user).rows[0].postponed_total == 1


def test_national_users_see_every_trust_and_area_figures():
    strike, _, _ = _two_trusts_and_an_area_figure()
    admin = UserFactory(is_superuser=True)

    for user in (None, admin):
        report = strike_report(strike=strike, user=user)
        assert [row.trust.name for row in report.trusts] == ["Mine", "Theirs"]
        assert (report.comparisons[-1].about, report.comparisons[-1].difference) == (
            "The area",
            -1,
        )


def test_a_user_with_no_trust_sees_no_rows():
    strike, _, _ = _two_trusts_and_an_area_figure()

    report = strike_report(strike=strike, user=UserFactory())

    assert (report.trusts, report.by_day, report.comparisons) == ((), (), ())
    assert report.total == Figures()


# --- Strikes compared ---------------------------------------------------------------------


def _strike_with(postponed: int, planned: int, *, weeks_later: int = 0, **fields) -> Strike:
    shift = dt.timedelta(weeks=weeks_later)
    strike = StrikeFactory(starts_at=START + shift, ends_at=END + shift, **fields)
    site = taking_part(strike)
    for _ in range(postponed):
        hit(strike, site, strike.starts_at, "postponed", status="postponed")
    for _ in range(planned - postponed):
        book(site, strike.starts_at)
    return strike


def test_strikes_compare_in_bookings_and_as_a_share_of_planned():
    larger = _strike_with(3, 10, title="More bookings lost")
    sharper = _strike_with(2, 4, title="Larger share lost", weeks_later=6)
    _strike_with(9, 9, title="Called off", status="called_off", weeks_later=12)
    _strike_with(0, 5, title="Quiet", weeks_later=14)

    comparison = strikes_compare()

    assert [
        (r.strike.title, r.planned, r.in_strike, r.postponed_total, r.postponed_pct)
        for r in comparison.rows
    ] == [
        ("More bookings lost", 10, 3, 3, Decimal("30.0")),
        ("Larger share lost", 4, 2, 2, Decimal("50.0")),
        ("Quiet", 5, 0, 0, Decimal("0.0")),
    ]
    assert comparison.most_disruptive.strike.title == "More bookings lost"
    assert comparison.most_disruptive_pct.strike.title == "Larger share lost"
    for strike in (larger, sharper):
        row = next(r for r in comparison.rows if r.strike.public_id == strike.public_id)
        assert row.figures == strike_report(strike=strike).total, "same figures as the report"


def test_a_called_off_strike_is_compared_when_asked_for_by_name():
    called_off = _strike_with(9, 9, status="called_off")

    comparison = strikes_compare(strikes=[called_off])

    assert [r.postponed_total for r in comparison.rows] == [9]
    assert comparison.most_disruptive.strike.public_id == called_off.public_id


def test_with_nothing_postponed_no_strike_is_the_most_disruptive():
    _strike_with(0, 3)

    comparison = strikes_compare()

    assert (comparison.most_disruptive, comparison.most_disruptive_pct) == (None, None)


# --- A fixed number of queries ------------------------------------------------------------


def _bulk_bookings(strike: Strike, sites: list[Site], per_trust: int) -> None:
    """Many bookings cheaply: one patient and service, written in bulk."""
    patient, service = PatientFactory(), ServiceFactory()
    appointments = Appointment.objects.bulk_create(
        Appointment(
            external_id=f"BULK-{strike.pk}-{n}",
            patient=patient,
            trust_id=site.trust_id,
            site=site,
            service=service,
            kind=("outpatient", "inpatient", "day_case")[n % 3],
            status=("booked", "postponed", "rescheduled")[n % 3],
            starts_at=strike.starts_at + dt.timedelta(minutes=17 * n),
        )
        for site in sites
        for n in range(per_trust)
    )
    StrikeImpact.objects.bulk_create(
        StrikeImpact(
            appointment=a,
            strike=strike,
            outcome=("exempt", "postponed", "going_ahead", "postponed")[n % 4],
            slot_starts_at=a.starts_at,
        )
        for n, a in enumerate(appointments)
        if n % 5
    )


def _queries(run) -> int:
    with CaptureQueriesContext(connection) as queries:
        run()
    return len(queries.captured_queries)


def _sizes(user_for) -> list[dict[str, int]]:
    counts = []
    for per_trust in (2, 150):
        strike = StrikeFactory(starts_at=START, ends_at=END)
        sites = [taking_part(strike) for _ in range(2)]
        _bulk_bookings(strike, sites, per_trust)
        for site in sites:
            StaffAbsenceFactory(strike=strike, trust=site.trust, date=SUNDAY)
            ReportedFigureFactory(strike=strike, trust=site.trust)
        user = user_for(sites[0])
        assert strike_report(strike=strike, user=user).total.planned == per_trust * (
            1 if user else 2
        )
        counts.append(
            {
                "report": _queries(lambda s=strike, u=user: strike_report(strike=s, user=u)),
                "sitrep": _queries(lambda s=strike, u=user: sitrep_rows(strike=s, user=u)),
                "compare": _queries(lambda u=user: strikes_compare(user=u)),
            }
        )
        Strike.objects.filter(pk=strike.pk).update(status="called_off")  # out of "compare"
    return counts


@pytest.mark.parametrize("who", ["national", "one-trust"])
def test_reports_run_the_same_few_queries_for_a_few_bookings_or_hundreds(who):
    def user_for(site: Site):
        return None if who == "national" else MembershipFactory(trust=site.trust).user

    small, large = _sizes(user_for)

    assert small == large
    assert small == {"report": 6, "sitrep": 5, "compare": 2}


def test_comparing_more_strikes_takes_no_more_queries():
    _strike_with(1, 2)
    one = _queries(strikes_compare)
    for weeks in (4, 8, 12):
        _strike_with(1, 2, weeks_later=weeks)

    assert _queries(strikes_compare) == one == 2


# --- The demo reproduces the reported figures ---------------------------------------------


@pytest.mark.slow
def test_the_demo_reports_reproduce_the_published_figures():
    load_demo(today=dt.date(2026, 11, 23), say=lambda line: None)
    a = Strike.objects.get(public_id=demo_strike_id("A"))
    c = Strike.objects.get(public_id=demo_strike_id("C"))

    report_c = strike_report(strike=c)
    assert {
        r.trust.ods_code: (r.figures.postponed_outpatient, r.figures.postponed_inpatient)
        for r in report_c.trusts
    } == {"RM1": (2976, 475), "RCX": (882, 50), "RGP": (262, 81)}
    assert report_c.total.postponed_total == 4726
    (headline,) = [f for f in report_c.comparisons if f.area == "Norfolk and Waveney"]
    assert (headline.reported, headline.computed, headline.difference) == (4736, 4726, -10)
    assert all(f.difference == 0 for f in report_c.comparisons if f.trust is not None)

    report_a = strike_report(strike=a)
    rows = {r.trust.ods_code: r.figures for r in report_a.trusts}
    assert (rows["RM1"].postponed_total, rows["RM1"].planned) == (877, 6746)
    assert rows["RM1"].postponed_pct == Decimal("13.0")
    assert rows["RM1"].awaiting_new_date == 400
    assert rows["RMY"].postponed_total == 207
    assert rows["RY3"].rescheduled == 162
    assert {(d.trust.ods_code, d.date.day): d.staff_absent_total for d in report_a.by_day} == {
        ("RM1", 18): 302,
        ("RM1", 19): 272,
        ("RMY", 18): 117,
        ("RMY", 19): 125,
        ("RY3", 18): 137,
        ("RY3", 19): 121,
    }
    assert all(f.difference == 0 for f in report_a.comparisons)
    assert sum(r.outpatient_rescheduled for r in sitrep_rows(strike=a).rows) == 877

    nnuh_ops = get_user_model().objects.get(username="nnuh.ops")
    theirs = strike_report(strike=c, user=nnuh_ops)
    assert [r.trust.ods_code for r in theirs.trusts] == ["RM1"]
    assert [f.about for f in theirs.comparisons] == ["RM1", "RM1"], "no area headline"

    compared = strikes_compare()
    assert compared.most_disruptive.strike.public_id == c.public_id
