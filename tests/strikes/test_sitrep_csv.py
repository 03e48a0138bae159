"""The sitrep CSV: the header NHS England's loader expects, one row per participating trust
per strike day, community trusts' contacts in their own column, and no formulas."""

import csv
import datetime as dt
import io

import pytest

from strikes.models import LONDON, Strike
from strikes.reports import sitrep_csv, sitrep_rows
from tests.factories import (
    AppointmentFactory,
    MembershipFactory,
    ParticipationFactory,
    SiteFactory,
    StaffAbsenceFactory,
    StaffGroupFactory,
    StrikeFactory,
    StrikeImpactFactory,
)
from trusts.models import Site

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 1, 18, 8, 0, tzinfo=LONDON)
SUNDAY, MONDAY = dt.date(2026, 1, 18), dt.date(2026, 1, 19)
HEADER = [
    "strike_id",
    "strike_title",
    "date",
    "region",
    "trust_code",
    "trust_name",
    "staff_absent_ambulance_staff",
    "staff_absent_consultants",
    "staff_absent_midwives",
    "staff_absent_nurses",
    "staff_absent_other",
    "staff_absent_physiotherapists",
    "staff_absent_resident_doctors",
    "staff_absent_total",
    "inpatient_elective_and_day_case_rescheduled",
    "outpatient_rescheduled",
    "community_and_mental_health_contacts_rescheduled",
]


def nurses_strike(title: str = "RCN nurses' strike (January)") -> Strike:
    return StrikeFactory(title=title, starts_at=START, ends_at=START + dt.timedelta(days=2))


def trust_in(strike: Strike, *, participating: bool = True, **trust) -> Site:
    site = SiteFactory(**{f"trust__{field}": value for field, value in trust.items()})
    ParticipationFactory(strike=strike, trust=site.trust, participating=participating)
    return site


def postponed(strike: Strike, site: Site, day: dt.date, kind: str, count: int) -> None:
    at = dt.datetime.combine(day, dt.time(10), tzinfo=LONDON)
    for _ in range(count):
        appointment = AppointmentFactory(site=site, starts_at=at, kind=kind, status="postponed")
        StrikeImpactFactory(appointment=appointment, strike=strike, outcome="postponed")


def out(strike: Strike, site: Site, day: dt.date, group: str, count: int) -> None:
    StaffAbsenceFactory(
        strike=strike,
        trust=site.trust,
        date=day,
        staff_group=StaffGroupFactory(code=group),
        count=count,
    )


def read(strike: Strike, **kwargs) -> list[list[str]]:
    buffer = io.StringIO(newline="")
    written = sitrep_csv(strike=strike, out=buffer, **kwargs)
    rows = list(csv.reader(io.StringIO(buffer.getvalue(), newline="")))
    assert written == len(rows) - 1
    return rows


def test_the_header_and_an_acute_trusts_row_are_as_nhs_england_asks():
    strike = nurses_strike()
    site = trust_in(strike, ods_code="RM1", name="Norfolk and Norwich", region="East of England")
    postponed(strike, site, SUNDAY, "outpatient", 3)
    postponed(strike, site, SUNDAY, "inpatient", 1)
    postponed(strike, site, SUNDAY, "day_case", 1)
    going_ahead = AppointmentFactory(site=site, starts_at=START + dt.timedelta(hours=2))
    StrikeImpactFactory(appointment=going_ahead, strike=strike, outcome="going_ahead")
    postponed(strike, site, MONDAY, "outpatient", 2)
    out(strike, site, SUNDAY, "nurses", 302)
    out(strike, site, SUNDAY, "physiotherapists", 4)

    header, sunday, monday = read(strike)

    assert header == HEADER
    assert sunday == [
        str(strike.public_id),
        "RCN nurses' strike (January)",
        "2026-01-18",
        "East of England",
        "RM1",
        "Norfolk and Norwich",
        *["0", "0", "0", "302", "0", "4", "0"],
        "306",
        "2",
        "3",
        "0",
    ]
    assert monday[2:6] == ["2026-01-19", "East of England", "RM1", "Norfolk and Norwich"]
    assert monday[-4:] == ["0", "0", "2", "0"]


@pytest.mark.parametrize("kind", ["community", "mental_health"])
def test_community_and_mental_health_trusts_report_all_postponed_contacts_together(kind):
    strike = nurses_strike()
    site = trust_in(strike, kind=kind)
    postponed(strike, site, SUNDAY, "outpatient", 5)
    postponed(strike, site, SUNDAY, "day_case", 2)

    (row, _) = sitrep_rows(strike=strike).rows

    assert (
        row.inpatient_elective_and_day_case_rescheduled,
        row.outpatient_rescheduled,
        row.community_and_mental_health_contacts_rescheduled,
    ) == (0, 0, 7)


def test_a_row_per_participating_trust_per_strike_day_even_with_nothing_to_report():
    strike = nurses_strike()
    trust_in(strike, ods_code="TB1", name="Bravo")
    trust_in(strike, ods_code="TA1", name="Alpha")
    trust_in(strike, ods_code="TC1", name="Charlie", participating=False)

    rows = sitrep_rows(strike=strike).rows

    assert [(r.trust_code, r.date) for r in rows] == [
        ("TA1", SUNDAY),
        ("TA1", MONDAY),
        ("TB1", SUNDAY),
        ("TB1", MONDAY),
    ]
    assert all(r.staff_absent_total == 0 for r in rows)


def test_a_user_of_one_trust_exports_only_that_trusts_rows():
    strike = nurses_strike()
    mine = trust_in(strike, name="Mine")
    trust_in(strike, name="Theirs")
    user = MembershipFactory(trust=mine.trust).user

    rows = read(strike, user=user)[1:]

    assert {row[5] for row in rows} == {"Mine"}


@pytest.mark.parametrize(
    ("text", "written"),
    [
        (
            '=HYPERLINK("http://evil.example","Click")',
            '\'=HYPERLINK("http://evil.example","Click")',
        ),
        ("+44 Trust", "'+44 Trust"),
        ("-1+1", "'-1+1"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\tTabbed", "'\tTabbed"),
        ("Plain - Hospital = Trust", "Plain - Hospital = Trust"),
    ],
    ids=["equals", "plus", "minus", "at", "tab", "plain-text-is-left-alone"],
)
def test_text_a_spreadsheet_would_run_as_a_formula_is_written_as_text(text, written):
    strike = nurses_strike(title=text)
    trust_in(strike, name=text, region=text)

    first = read(strike)[1]

    assert (first[1], first[3], first[5]) == (written, written, written)
    assert first[2] == "2026-01-18", "dates and numbers are not touched"


def test_a_staff_group_added_later_gets_its_column_in_code_order():
    StaffGroupFactory(code="healthcare_assistants", name="Healthcare assistants")
    strike = nurses_strike()
    site = trust_in(strike)
    out(strike, site, MONDAY, "healthcare_assistants", 9)

    header, _, monday = read(strike)

    column = header.index("staff_absent_healthcare_assistants")
    assert header[column - 1 : column + 2] == [
        "staff_absent_consultants",
        "staff_absent_healthcare_assistants",
        "staff_absent_midwives",
    ]
    assert (monday[column], monday[header.index("staff_absent_total")]) == ("9", "9")
