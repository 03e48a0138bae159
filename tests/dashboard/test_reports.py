"""Report pages: one strike's per-trust table (published figures beside ours, totals from
the parts, the sitrep CSV) and strikes compared, each equal to the REST API's answer for
the same user and narrowed to that user's trusts."""

import csv
import io

import pytest
from django.urls import reverse

from appointments.models import Outcome
from strikes.models import StrikeStatus
from strikes.reports import comparison_csv, sitrep_csv
from tests.factories import (
    MembershipFactory,
    ReportedFigureFactory,
    StaffAbsenceFactory,
    StrikeFactory,
    UserFactory,
)
from tests.strikes.desk import EARLY_SLOT, Desk
from trusts.models import Membership

from .test_charts import figure_tables, number

pytestmark = pytest.mark.django_db

REPORT_FIGURES = (
    "planned",
    "in_strike",
    "exempt",
    "at_risk",
    "going_ahead",
    "postponed_outpatient",
    "postponed_inpatient",
    "postponed_total",
    "postponed_pct",
    "awaiting_new_date",
    "rescheduled",
    "staff_absent_peak",
)
COMPARE_FIGURES = (
    "planned",
    "in_strike",
    "postponed_outpatient",
    "postponed_inpatient",
    "postponed_total",
    "postponed_pct",
    "awaiting_new_date",
    "staff_absent_peak",
)


@pytest.fixture
def desk() -> Desk:
    return Desk()


@pytest.fixture
def national():
    return UserFactory(is_superuser=True, is_staff=True)


@pytest.fixture
def other_viewer(desk):
    return MembershipFactory(trust=desk.other_trust, role=Membership.Role.VIEWER).user


@pytest.fixture
def reported(desk, national):
    """Trust A: 2 outpatients and 1 day case postponed of 5, 12 nurses out on day one, and
    a published 5 postponed (ours: 3). Trust B: 1 postponed, 7 out. An area headline of
    40 covering both (ours: 4)."""
    ours = [desk.book(), desk.book(at=EARLY_SLOT), desk.book(kind="day_case")]
    desk.book()
    desk.book(service=desk.maternity)
    theirs = desk.book(site=desk.other_site)
    desk.assess()
    desk.decide(Outcome.POSTPONED, references=tuple(b.reference for b in ours))
    desk.decide(Outcome.POSTPONED, references=(theirs.reference,), actor=national)
    StaffAbsenceFactory(strike=desk.strike, trust=desk.trust, staff_group=desk.nurses)
    StaffAbsenceFactory(
        strike=desk.strike, trust=desk.other_trust, staff_group=desk.nurses, count=7
    )
    ReportedFigureFactory(strike=desk.strike, trust=desk.trust, value=5, source="Trust A news")
    area = ReportedFigureFactory(
        strike=desk.strike, trust=None, area="The whole area", value=40, source="Paper"
    )
    area.covers.set([desk.trust, desk.other_trust])
    return desk


def page(client, user, url: str):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def report_url(desk: Desk) -> str:
    return reverse("dashboard_report", args=[desk.strike.public_id])


def api_json(client, url: str) -> dict:
    response = client.get(url, HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    return response.json()


# --- one strike's report ------------------------------------------------------------------


@pytest.mark.parametrize("who", ["ops", "national", "other_viewer"])
def test_the_per_trust_table_equals_the_api_for_the_same_user(
    client, reported, national, other_viewer, who
):
    user = {"ops": reported.ops, "national": national, "other_viewer": other_viewer}[who]
    html = page(client, user, report_url(reported))
    body = api_json(client, f"/api/v1/strikes/{reported.strike.public_id}/report/")

    (table,) = figure_tables(html, "data-report-table").values()
    assert list(table) == [row["trust"] for row in body["rows"]] + ["total"]
    for row in body["rows"]:
        cells = table[row["trust"]]
        assert {n: number(cells[n]) for n in REPORT_FIGURES} == {n: row[n] for n in REPORT_FIGURES}
    cells = table["total"]
    totals = body["totals"]
    assert {n: number(cells[n]) for n in REPORT_FIGURES} == {n: totals[n] for n in REPORT_FIGURES}


def test_the_total_adds_up_the_trusts_and_published_figures_sit_beside_ours(
    client, reported, national
):
    html = page(client, national, report_url(reported))
    (table,) = figure_tables(html, "data-report-table").values()
    a, b = reported.trust.ods_code, reported.other_trust.ods_code
    assert [number(table[k]["postponed_total"]) for k in (a, b, "total")] == [3, 1, 4]
    assert number(table["total"]["planned"]) == number(table[a]["planned"]) + number(
        table[b]["planned"]
    )
    # Staff out is the busiest day across trusts: 12 + 7 on day one.
    assert number(table["total"]["staff_absent_peak"]) == 19
    # Trust A published 5, its bookings say 3; the area's headline 40, ours 4.
    assert '<span class="sd-differs">ours 3. Ours is 2 fewer</span>' in html
    assert '<span class="sd-differs">ours 4. Ours is 36 fewer</span>' in html
    assert "The whole area" in html
    assert "Trust A news" in html


def test_a_trusts_user_sees_neither_the_other_trust_nor_area_figures(
    client, reported, other_viewer
):
    html = page(client, other_viewer, report_url(reported))
    assert reported.trust.name not in html
    assert reported.trust.ods_code not in html
    assert "Trust A news" not in html
    assert "The whole area" not in html
    (table,) = figure_tables(html, "data-report-table").values()
    assert number(table["total"]["postponed_total"]) == 1
    assert number(table["total"]["staff_absent_peak"]) == 7


def test_the_page_has_the_strike_tabs_the_csv_link_and_the_charts(client, reported):
    html = page(client, reported.ops, report_url(reported))
    assert f'href="{report_url(reported)}" aria-current="page"' in html
    csv_url = reverse("dashboard_report_csv", args=[reported.strike.public_id])
    assert f'href="{csv_url}"' in html
    assert "data-impact-charts" in html
    assert html.count("<canvas") == 3


def test_the_csv_is_the_apis_sitrep_for_the_same_user(client, reported, other_viewer):
    client.force_login(other_viewer)
    csv_url = reverse("dashboard_report_csv", args=[reported.strike.public_id])
    response = client.get(csv_url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    api = client.get(f"/api/v1/strikes/{reported.strike.public_id}/report/?format=csv")
    assert response.content == api.content
    expected = io.StringIO(newline="")
    sitrep_csv(strike=reported.strike, user=other_viewer, out=expected)
    assert response.content.decode() == expected.getvalue()
    assert reported.trust.ods_code not in response.content.decode()


def test_an_unknown_strike_is_a_404_and_signing_in_is_required(client, desk):
    url = report_url(desk)
    assert client.get(url).status_code == 302
    client.force_login(desk.ops)
    missing = url.replace(str(desk.strike.public_id), "00000000-0000-4000-8000-000000000000")
    assert client.get(missing).status_code == 404
    assert client.get(missing.replace("/report/", "/report/sitrep.csv")).status_code == 404


def test_a_user_of_no_trust_in_the_strike_gets_an_empty_state(client, desk):
    outsider = MembershipFactory(role=Membership.Role.VIEWER).user
    html = page(client, outsider, report_url(desk))
    assert "None of your trusts has a part in this strike" in html
    assert "data-report-table" not in html


def test_before_an_assessment_the_table_shows_planned_and_the_charts_say_why_empty(client, desk):
    desk.book()
    html = page(client, desk.ops, report_url(desk))
    (table,) = figure_tables(html, "data-report-table").values()
    assert number(table[desk.trust.ods_code]["planned"]) == 1
    assert number(table[desk.trust.ods_code]["in_strike"]) == 0
    assert "has not been assessed for your trusts yet" in html
    assert "<canvas" not in html


# --- strikes compared ---------------------------------------------------------------------


@pytest.fixture
def two_strikes(reported):
    """The Desk strike, and a later one with nothing booked; one called off is left out."""
    later = StrikeFactory(
        title="A later strike",
        starts_at=reported.strike.starts_at.replace(month=9),
        ends_at=reported.strike.ends_at.replace(month=9),
    )
    StrikeFactory(title="Called off and gone", status=StrikeStatus.CALLED_OFF)
    return reported, later


@pytest.mark.parametrize("who", ["ops", "national", "other_viewer"])
def test_the_comparison_table_equals_the_api_for_the_same_user(
    client, two_strikes, national, other_viewer, who
):
    desk, _ = two_strikes
    user = {"ops": desk.ops, "national": national, "other_viewer": other_viewer}[who]
    html = page(client, user, reverse("dashboard_reports"))
    body = api_json(client, "/api/v1/strike-comparison/")

    (table,) = figure_tables(html).values()
    assert list(table) == [row["id"] for row in body["rows"]]
    assert [row["title"] for row in body["rows"]] == [desk.strike.title, "A later strike"]
    for row in body["rows"]:
        cells = table[row["id"]]
        assert {n: number(cells[n]) for n in COMPARE_FIGURES} == {
            n: row[n] for n in COMPARE_FIGURES
        }
    assert "Called off and gone" not in html
    assert body["most_disruptive"] == str(desk.strike.public_id)


def test_the_comparison_is_narrowed_to_the_users_trusts(client, two_strikes, other_viewer):
    desk, _ = two_strikes
    html = page(client, other_viewer, reverse("dashboard_reports"))
    (table,) = figure_tables(html).values()
    row = table[str(desk.strike.public_id)]
    assert (number(row["postponed_total"]), number(row["staff_absent_peak"])) == (1, 7)
    assert f"Most bookings postponed: {desk.strike.title}, with 1." in html
    assert desk.trust.name not in html


def test_the_comparison_page_draws_its_chart_from_the_api(client, two_strikes):
    desk, _ = two_strikes
    html = page(client, desk.ops, reverse("dashboard_reports"))
    assert 'data-compare-chart data-api-url="/api/v1/strike-comparison/"' in html
    assert 'role="img"' in html
    assert "charts.mjs" in html
    assert f'href="{reverse("dashboard_report", args=[desk.strike.public_id])}"' in html


def test_the_comparison_csv_is_the_apis_for_the_same_user(client, two_strikes, other_viewer):
    client.force_login(other_viewer)
    response = client.get(reverse("dashboard_reports_csv"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response.content == client.get("/api/v1/strike-comparison/?format=csv").content
    expected = io.StringIO(newline="")
    comparison_csv(user=other_viewer, out=expected)
    assert response.content.decode() == expected.getvalue()
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(r["strike_title"], r["postponed_total"]) for r in rows] == [
        (two_strikes[0].strike.title, "1"),
        ("A later strike", "0"),
    ]


def test_with_no_strikes_the_comparison_says_so(client, db):
    user = MembershipFactory(role=Membership.Role.VIEWER).user
    html = page(client, user, reverse("dashboard_reports"))
    assert "There are no strikes to compare yet." in html
    assert "<canvas" not in html
    assert "charts.mjs" not in html


def test_with_nothing_postponed_the_comparison_says_so(client, desk):
    html = page(client, desk.ops, reverse("dashboard_reports"))
    assert "No strike has postponed any bookings at your trusts yet." in html
