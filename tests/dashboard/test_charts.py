"""The strike impact charts' partial: tables with the same numbers the REST API gives the
charts, for the same user; an empty state before assessment; per-day figures in the API
that add up."""

import datetime as dt
from html.parser import HTMLParser

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory

from appointments.models import Outcome
from strikes.dashboard.charts import impact_charts_context
from tests.factories import MembershipFactory, StaffAbsenceFactory, UserFactory
from tests.strikes.desk import EARLY_SLOT, LATE_SLOT, STARTS_AT, Desk
from trusts.models import Membership

pytestmark = pytest.mark.django_db

COUNTS = ("exempt", "at_risk", "going_ahead", "postponed_total", "in_strike")
KINDS = ("postponed_outpatient", "postponed_inpatient", "postponed_total")
NO_PERCENT = "\N{EN DASH}"


class FigureTables(HTMLParser):
    """Cells marked ``data-figure`` in tables marked ``marker`` (``data-chart-table`` or
    ``data-report-table``): {table name: {row key: {figure: number or text}}}."""

    def __init__(self, marker: str) -> None:
        super().__init__()
        self.marker = marker
        self.tables: dict[str, dict[str, dict[str, str]]] = {}
        self.table: str | None = None
        self.row: str | None = None
        self.figure: str | None = None
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        found = dict(attrs)
        if tag == "table" and self.marker in found:
            self.table = found[self.marker] or self.marker
            self.tables[self.table] = {}
        elif self.table and tag == "tr" and "data-key" in found:
            self.row = found["data-key"]
            self.tables[self.table][self.row] = {}
        elif self.row and tag == "td" and "data-figure" in found:
            self.figure, self.text = found["data-figure"], []

    def handle_data(self, data: str) -> None:
        if self.figure:
            self.text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self.figure and self.table and self.row:
            self.tables[self.table][self.row][self.figure] = " ".join("".join(self.text).split())
            self.figure = None
        elif tag == "tr":
            self.row = None
        elif tag == "table":
            self.table = None


def figure_tables(html: str, marker: str = "data-chart-table") -> dict:
    parser = FigureTables(marker)
    parser.feed(html)
    return parser.tables


def number(text: str):
    """A cell's text as the API's JSON value: "1,234" -> 1234, "60.0%" -> 60.0, a dash
    (nothing planned) -> None."""
    text = text.replace(",", "")
    if text.endswith("%"):
        return float(text[:-1])
    if text.startswith(NO_PERCENT):
        return None
    return int(text)


@pytest.fixture
def desk() -> Desk:
    return Desk()


@pytest.fixture
def national():
    return UserFactory(is_superuser=True, is_staff=True)


@pytest.fixture
def decided(desk: Desk) -> Desk:
    """Trust A: day one 1 outpatient postponed; day two 1 day case postponed, 1 at risk, 1
    exempt, 1 going ahead. Trust B: 2 at risk on day two."""
    early = desk.book(at=EARLY_SLOT)
    day_case = desk.book(kind="day_case")
    ahead = desk.book()
    desk.book()
    desk.book(service=desk.maternity)
    desk.book(site=desk.other_site)
    desk.book(site=desk.other_site)
    desk.assess()
    desk.decide(Outcome.POSTPONED, references=(early.reference, day_case.reference))
    desk.decide(Outcome.GOING_AHEAD, references=(ahead.reference,))
    StaffAbsenceFactory(strike=desk.strike, trust=desk.trust, staff_group=desk.nurses, count=9)
    return desk


def render_partial(desk: Desk, user) -> str:
    request = RequestFactory().get("/")
    request.user = user
    return render_to_string(
        "dashboard/charts/_strike_impact.jinja",
        impact_charts_context(strike=desk.strike, user=user),
        request=request,
    )


def api_report(client, desk: Desk, user) -> dict:
    client.force_login(user)
    response = client.get(
        f"/api/v1/strikes/{desk.strike.public_id}/report/", HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 200
    return response.json()


def test_each_chart_table_has_the_numbers_the_api_gives_its_chart(client, decided, national):
    body = api_report(client, decided, national)
    tables = figure_tables(render_partial(decided, national))

    counted = [row for row in body["rows"] if row["counted"]]
    assert len(counted) == 2
    assert list(tables["by_trust"]) == [row["trust"] for row in counted] + ["total"]
    for row in counted:
        cells = tables["by_trust"][row["trust"]]
        assert {name: number(cells[name]) for name in COUNTS} == {n: row[n] for n in COUNTS}
        kinds = tables["by_kind"][row["trust"]]
        assert {name: number(kinds[name]) for name in KINDS} == {n: row[n] for n in KINDS}
    total = tables["by_trust"]["total"]
    assert {n: number(total[n]) for n in COUNTS} == {n: body["totals"][n] for n in COUNTS}

    # Every strike day has a row; the API leaves out days with nothing, which are zeros.
    assert list(tables["by_day"]) == body["days"]
    totals = {day["date"]: day for day in body["day_totals"]}
    for date in body["days"]:
        cells = tables["by_day"][date]
        day = totals.get(date, dict.fromkeys(COUNTS, 0))
        assert {name: number(cells[name]) for name in COUNTS} == {n: day[n] for n in COUNTS}


def test_the_days_split_where_the_bookings_were_due(client, decided, national):
    body = api_report(client, decided, national)
    day_one, day_two = (STARTS_AT.date() + dt.timedelta(days=n) for n in range(2))
    assert body["days"] == [day_one.isoformat(), day_two.isoformat()]
    first, second = body["day_totals"]
    assert (first["postponed_outpatient"], first["postponed_total"], first["at_risk"]) == (1, 1, 0)
    assert (second["postponed_inpatient"], second["exempt"], second["at_risk"]) == (1, 1, 3)
    assert second["going_ahead"] == 1
    assert (first["staff_absent_total"], second["staff_absent_total"]) == (9, 0)
    # Per trust in the order of rows, then per day in the order of days; trust B has
    # nothing on day one, so that row is left out.
    present = {(r["trust"], r["date"]) for r in body["by_day"]}
    assert (decided.other_trust.ods_code, day_one.isoformat()) not in present
    assert len(present) == 3
    assert [(r["trust"], r["date"]) for r in body["by_day"]] == [
        (row["trust"], day)
        for row in body["rows"]
        for day in body["days"]
        if (row["trust"], day) in present
    ]
    # The days add up to the totals, for every count.
    for name in ("planned", "in_strike", "exempt", "at_risk", "going_ahead", "postponed_total"):
        assert sum(day[name] for day in body["day_totals"]) == body["totals"][name], name
        assert sum(r[name] for r in body["by_day"] if r["counted"]) == body["totals"][name]
    assert body["totals"]["staff_absent_peak"] == 9


def test_another_trusts_user_gets_only_its_own_trust_in_charts_and_api(client, decided):
    other = MembershipFactory(trust=decided.other_trust, role=Membership.Role.VIEWER).user
    body = api_report(client, decided, other)
    assert {row["trust"] for row in body["by_day"]} == {decided.other_trust.ods_code}
    # Day one has nothing at trust B: only day two is listed.
    assert [(day["date"], day["at_risk"]) for day in body["day_totals"]] == [(body["days"][1], 2)]
    assert body["day_totals"][0]["staff_absent_total"] == 0

    html = render_partial(decided, other)
    tables = figure_tables(html)
    assert list(tables["by_trust"]) == [decided.other_trust.ods_code]
    assert decided.trust.name not in html
    assert decided.trust.ods_code not in html
    assert [number(tables["by_day"][d]["at_risk"]) for d in body["days"]] == [0, 2]


def test_the_canvases_are_labelled_images_summarising_their_numbers(decided, national):
    html = render_partial(decided, national)
    assert html.count('role="img"') == 3
    assert f"{decided.trust.name}: 1 exempt, 1 at risk, 1 going ahead, 2 postponed." in html
    assert f"{decided.trust.name}: 1 outpatient, 1 inpatient and day case." in html
    assert f'data-api-url="/api/v1/strikes/{decided.strike.public_id}/report/"' in html
    assert "chart.umd.min.js" in html
    assert "js/charts.mjs" in html


def test_before_an_assessment_the_partial_says_so_and_draws_nothing(desk):
    desk.book(at=LATE_SLOT)
    html = render_partial(desk, desk.ops)
    assert "has not been assessed for your trusts yet" in html
    assert "1 booking is due during the strike" in html
    assert "<canvas" not in html
    assert "data-impact-charts" not in html
    assert "charts.mjs" not in html


def test_with_nothing_booked_the_empty_state_says_there_is_nothing_due(desk):
    html = render_partial(desk, desk.ops)
    assert "No bookings at your trusts are due during the strike." in html
