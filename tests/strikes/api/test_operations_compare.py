"""GET /api/v1/strike-comparison/: strikes side by side for the caller's trusts (JSON or
CSV), and the report's per-day figures (``by_day``, ``day_totals``) that feed the charts."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from appointments.models import Outcome
from strikes.models import StrikeStatus
from strikes.reports import comparison_csv, strikes_compared
from strikes.reports.comparison import CSV_COLUMNS
from tests.api import client_for, error_fields, query_count
from tests.factories import StaffAbsenceFactory, StrikeFactory, UserFactory

from ..desk import EARLY_SLOT, Desk

pytestmark = pytest.mark.django_db

URL = "/api/v1/strike-comparison/"


@pytest.fixture
def compared(desk: Desk, national):
    """The Desk strike: trust A 2 of 3 postponed, 30 then 10 nurses out; trust B 1 of 1
    postponed, 5 out. A later strike with nothing; a called-off one left out."""
    ours = [desk.book(), desk.book(at=EARLY_SLOT, kind="inpatient")]
    desk.book()
    theirs = desk.book(site=desk.other_site)
    desk.assess()
    desk.decide(Outcome.POSTPONED, references=tuple(b.reference for b in ours))
    desk.decide(Outcome.POSTPONED, references=(theirs.reference,), actor=national)
    day_one, day_two = desk.strike.local_days()
    for trust, date, count in (
        (desk.trust, day_one, 30),
        (desk.trust, day_two, 10),
        (desk.other_trust, day_one, 5),
    ):
        StaffAbsenceFactory(
            strike=desk.strike, trust=trust, date=date, staff_group=desk.nurses, count=count
        )
    later = StrikeFactory(
        title="Later",
        starts_at=desk.strike.starts_at.replace(month=10),
        ends_at=desk.strike.ends_at.replace(month=10),
    )
    StrikeFactory(title="Called off", status=StrikeStatus.CALLED_OFF)
    return desk, later


def test_a_national_user_compares_every_strike_not_called_off(compared, national):
    desk, _ = compared
    response = client_for(national).get(URL)
    assert response.status_code == 200
    body = response.json()
    assert [row["title"] for row in body["rows"]] == [desk.strike.title, "Later"]
    first, second = body["rows"]
    assert first["id"] == str(desk.strike.public_id)
    assert (first["planned"], first["postponed_total"], first["postponed_pct"]) == (4, 3, 75.0)
    assert (first["postponed_outpatient"], first["postponed_inpatient"]) == (2, 1)
    # The busiest day across the trusts taking part: 30 + 5 on day one.
    assert first["staff_absent_peak"] == 35
    assert first["days"] == [day.isoformat() for day in desk.strike.local_days()]
    assert (second["planned"], second["postponed_pct"], second["staff_absent_peak"]) == (0, None, 0)
    assert body["most_disruptive"] == body["most_disruptive_pct"] == str(desk.strike.public_id)


def test_the_json_is_strikes_compared_for_the_same_user(compared, other_ops):
    body = client_for(other_ops).get(URL).json()
    expected = strikes_compared(user=other_ops)
    assert [row["id"] for row in body["rows"]] == [
        str(row.totals.strike.public_id) for row in expected.rows
    ]
    for row, want in zip(body["rows"], expected.rows, strict=True):
        assert row["postponed_total"] == want.totals.postponed_total
        assert row["staff_absent_peak"] == want.staff_absent_peak


def test_another_trusts_user_compares_only_its_own_trusts_figures(compared, other_ops):
    desk, _ = compared
    body = client_for(other_ops).get(URL).json()
    first = body["rows"][0]
    assert (first["planned"], first["postponed_total"], first["staff_absent_peak"]) == (1, 1, 5)
    text = str(body)
    assert desk.trust.ods_code not in text
    assert desk.trust.name not in text


def test_a_user_of_no_trust_sees_the_strikes_with_nothing_in_them(compared):
    body = client_for(UserFactory()).get(URL).json()
    assert [row["postponed_total"] for row in body["rows"]] == [0, 0]
    assert body["most_disruptive"] is None


@pytest.mark.parametrize("accept", ["*/*", "text/csv", "application/json"])
def test_format_csv_downloads_the_comparison(compared, other_ops, accept):
    response = client_for(other_ops).get(URL, {"format": "csv"}, HTTP_ACCEPT=accept)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == 'attachment; filename="strikes-compared.csv"'
    expected = io.StringIO(newline="")
    comparison_csv(user=other_ops, out=expected)
    text = response.content.decode()
    assert text == expected.getvalue()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert [(r["postponed_total"], r["postponed_pct"]) for r in rows] == [("1", "100.0"), ("0", "")]


def test_a_title_a_spreadsheet_would_run_is_defused_in_the_csv(national):
    StrikeFactory(title="=HYPERLINK(evil)")
    text = client_for(national).get(URL, {"format": "csv"}).content.decode()
    assert "'=HYPERLINK(evil)" in text


@pytest.mark.parametrize("value", ["xlsx", "CSV", ""])
def test_any_other_format_is_a_400_on_format(national, value):
    response = client_for(national).get(URL, {"format": value})
    assert response.status_code == 400
    assert error_fields(response) == ["format"]


def test_without_a_token_or_session_it_is_a_401():
    assert APIClient().get(URL).status_code == 401


def test_the_number_of_queries_does_not_grow_with_the_strikes(compared, national):
    client = client_for(national)
    client.get(URL)  # warm up: the token's user, content types
    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    for n in range(4):
        StrikeFactory(title=f"More {n}")
    with CaptureQueriesContext(connection) as many:
        client.get(URL)
    assert query_count(many) == query_count(few)


def test_the_schema_documents_the_comparison_and_the_reports_days():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"]["/api/v1/strike-comparison/"]["get"]
    assert operation["operationId"] == "strikes_compare"
    assert set(operation["responses"]["200"]["content"]) == {"application/json", "text/csv"}
    report = schema["components"]["schemas"]["Report"]["properties"]
    assert {"days", "rows", "totals", "by_day", "day_totals"} <= set(report)
    day = schema["components"]["schemas"]["ReportDayRow"]["properties"]
    assert {"date", "trust", "exempt", "at_risk", "going_ahead", "postponed_total"} <= set(day)


def test_the_reports_per_day_lists_leave_out_days_with_nothing(desk, national):
    desk.book()  # day two only
    desk.assess()
    body = client_for(national).get(f"/api/v1/strikes/{desk.strike.public_id}/report/").json()
    day_two = body["days"][1]
    assert [(day["date"], day["at_risk"]) for day in body["day_totals"]] == [(day_two, 1)]
    assert [(row["trust"], row["date"]) for row in body["by_day"]] == [
        (desk.trust.ods_code, day_two)
    ]


def test_the_report_carries_figures_per_trust_per_day_that_add_up(compared, national):
    desk, _ = compared
    body = client_for(national).get(f"/api/v1/strikes/{desk.strike.public_id}/report/").json()
    assert len(body["by_day"]) == len(body["rows"]) * len(body["days"])
    assert [day["date"] for day in body["day_totals"]] == body["days"]
    for name in ("planned", "in_strike", "at_risk", "postponed_outpatient", "postponed_inpatient"):
        assert sum(day[name] for day in body["day_totals"]) == body["totals"][name], name
        for row in body["rows"]:
            days = [d for d in body["by_day"] if d["trust"] == row["trust"]]
            assert sum(d[name] for d in days) == row[name], (row["trust"], name)
    first_day = body["day_totals"][0]
    assert (first_day["postponed_inpatient"], first_day["staff_absent_total"]) == (1, 35)
    a_row = next(row for row in body["rows"] if row["trust"] == desk.trust.ods_code)
    assert (a_row["trust_name"], a_row["staff_absent_peak"]) == (desk.trust.name, 30)
    assert body["totals"]["staff_absent_peak"] == 35
