"""GET /api/v1/strikes/{id}/report/: the figures per trust as JSON, the sitrep CSV, and
which trusts each user's report holds."""

import datetime as dt
import io
from decimal import Decimal

import pytest

from appointments.models import Outcome
from strikes.reports import sitrep_csv, strike_report
from tests.api import client_for, error_fields
from tests.factories import ReportedFigureFactory, StaffAbsenceFactory, StaffGroupFactory
from trusts.models import StaffGroup

from ..desk import EARLY_SLOT, STARTS_AT, Desk

pytestmark = pytest.mark.django_db

DAY_ONE = STARTS_AT.date()


def report_url(desk: Desk) -> str:
    return f"/api/v1/strikes/{desk.strike.public_id}/report/"


@pytest.fixture
def reported(desk, national):
    """Trust A: 2 outpatients and 1 day case postponed, 1 at risk, 1 exempt, 12 nurses and
    3 midwives out on day one, and a press figure of 5 postponed. Trust B: 1 postponed."""
    ours = [desk.book(), desk.book(at=EARLY_SLOT), desk.book(kind="day_case")]
    desk.book()
    desk.book(service=desk.maternity)
    theirs = desk.book(site=desk.other_site)
    desk.assess()
    desk.decide(Outcome.POSTPONED, references=tuple(b.reference for b in ours))
    desk.decide(Outcome.POSTPONED, references=(theirs.reference,), actor=national)
    midwives = StaffGroupFactory(code=StaffGroup.MIDWIVES)
    StaffAbsenceFactory(strike=desk.strike, trust=desk.trust, date=DAY_ONE, staff_group=desk.nurses)
    StaffAbsenceFactory(
        strike=desk.strike, trust=desk.trust, date=DAY_ONE, staff_group=midwives, count=3
    )
    StaffAbsenceFactory(strike=desk.strike, trust=desk.other_trust, date=DAY_ONE, count=7)
    ReportedFigureFactory(strike=desk.strike, trust=desk.trust, value=5, source="Trust A news")
    ReportedFigureFactory(
        strike=desk.strike, trust=None, area="The whole area", value=40, source="Paper"
    )


def test_a_trusts_row_holds_its_figures_staff_out_and_published_figures(desk, reported):
    response = client_for(desk.ops).get(report_url(desk))
    assert response.status_code == 200
    body = response.json()
    (row,) = body["rows"]
    assert row["trust"] == desk.trust.ods_code
    figures = {name: row[name] for name in ("planned", "exempt", "at_risk", "going_ahead")}
    assert figures == {"planned": 5, "exempt": 1, "at_risk": 1, "going_ahead": 0}
    assert (row["postponed_outpatient"], row["postponed_inpatient"]) == (2, 1)
    assert (row["postponed_total"], row["postponed_pct"]) == (3, 60.0)
    assert (row["awaiting_new_date"], row["rescheduled"]) == (3, 0)
    assert row["staff_absent"] == [
        {"date": DAY_ONE.isoformat(), "staff_group": "midwives", "count": 3},
        {"date": DAY_ONE.isoformat(), "staff_group": "nurses", "count": 12},
    ]
    assert row["reported"] == [
        {
            "metric": "postponed_total",
            "date": None,
            "value": 5.0,
            "computed": 3.0,
            "difference": -2.0,
            "source": "Trust A news",
        }
    ]
    # A trust's user sees its own row; the area-wide figure is for national users.
    assert body["totals"]["postponed_total"] == 3
    assert body["totals"]["reported"] == []


def test_the_json_matches_strike_report_for_a_national_user(desk, reported, national):
    body = client_for(national).get(report_url(desk)).json()
    report = strike_report(strike=desk.strike, user=national)
    assert [row["trust"] for row in body["rows"]] == [row.trust.ods_code for row in report.trusts]
    for row, expected in zip(body["rows"], report.trusts, strict=True):
        for name in ("planned", "exempt", "at_risk", "postponed_total", "awaiting_new_date"):
            assert row[name] == getattr(expected.figures, name), name
        assert Decimal(str(row["postponed_pct"])) == expected.figures.postponed_pct
    assert body["totals"]["planned"] == report.total.planned == 6
    assert body["totals"]["postponed_total"] == report.total.postponed_total == 4
    # Staff out added up across trusts, per day and group.
    assert {(s["staff_group"], s["count"]) for s in body["totals"]["staff_absent"]} == {
        ("midwives", 3),
        ("nurses", 19),
    }
    (area,) = body["totals"]["reported"]
    assert (area["value"], area["computed"], area["source"]) == (40.0, None, "Paper")
    assert body["days"] == [day.isoformat() for day in report.days]


def test_the_other_trusts_user_sees_none_of_trust_as_figures(desk, reported, other_ops):
    body = client_for(other_ops).get(report_url(desk)).json()
    assert [row["trust"] for row in body["rows"]] == [desk.other_trust.ods_code]
    (row,) = body["rows"]
    assert (row["planned"], row["postponed_total"], row["reported"]) == (1, 1, [])
    assert body["totals"]["planned"] == 1
    assert {s["count"] for s in body["totals"]["staff_absent"]} == {7}


@pytest.mark.parametrize("accept", ["*/*", "text/csv"])
def test_format_csv_downloads_the_sitrep(desk, reported, accept):
    client = client_for(desk.ops)
    response = client.get(report_url(desk), {"format": "csv"}, HTTP_ACCEPT=accept)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == (
        f'attachment; filename="sitrep-{desk.strike.public_id}.csv"'
    )
    expected = io.StringIO(newline="")
    sitrep_csv(strike=desk.strike, user=desk.ops, out=expected)
    text = response.content.decode()
    assert text == expected.getvalue()
    lines = text.splitlines()
    assert lines[0].startswith("strike_id,strike_title,date,region,trust_code,trust_name")
    # One row per strike day, trust A's only.
    assert len(lines) == 1 + len(desk.strike.local_days())
    assert all(desk.trust.ods_code in line for line in lines[1:])
    assert desk.other_trust.ods_code not in text


@pytest.mark.parametrize("value", ["xlsx", "CSV", ""])
def test_any_other_format_is_a_400_on_format(desk, value):
    response = client_for(desk.ops).get(report_url(desk), {"format": value})
    assert response.status_code == 400
    assert error_fields(response) == ["format"]


def test_a_strike_with_nothing_booked_reports_zeroes(desk):
    body = client_for(desk.ops).get(report_url(desk)).json()
    (row,) = body["rows"]
    assert (row["planned"], row["postponed_pct"], row["staff_absent"]) == (0, None, [])
    assert body["days"] == [(STARTS_AT + dt.timedelta(days=n)).date().isoformat() for n in range(2)]
