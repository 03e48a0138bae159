"""The report pages in a real browser: a strike's report with its impact charts drawn from
the REST API beside tables of the same numbers, and strikes compared; axe-clean at desktop
and phone width, the charts' empty and error states, and the CSV downloads."""

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from appointments.models import Outcome
from strikes.models import Union
from tests.e2e import at_desktop_and_phone
from tests.factories import ReportedFigureFactory, StaffAbsenceFactory, StrikeFactory, UserFactory
from tests.strikes.desk import EARLY_SLOT, Desk

Check = Callable[[Page, str], None]
CHARTS = ("by_trust", "by_day", "by_kind")
# How many of a canvas's pixels have been painted: 0 for a chart that was never drawn.
PAINTED = """canvas => {
  const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let alpha = 3; alpha < pixels.length; alpha += 4) if (pixels[alpha]) painted += 1;
  return painted;
}"""


@pytest.fixture
def desk(live_server) -> Desk:
    """Two trusts with real names' lengths, bookings in each outcome on both days, staff
    out, and a published figure that disagrees with the bookings."""
    desk = Desk()
    union, _ = Union.objects.get_or_create(
        code="RCN", defaults={"name": "Royal College of Nursing"}
    )
    desk.strike.unions.add(union)
    desk.strike.title = "RCN nurses' strike"
    desk.strike.save()
    desk.trust.name = "Norfolk and Norwich University Hospitals NHS Foundation Trust"
    desk.trust.save()
    desk.other_trust.name = "The Queen Elizabeth Hospital King's Lynn NHS Foundation Trust"
    desk.other_trust.save()
    postponed = [desk.book(at=EARLY_SLOT) for _ in range(4)] + [
        desk.book(kind="day_case") for _ in range(3)
    ]
    ahead = [desk.book() for _ in range(2)]
    for _ in range(3):
        desk.book()
        desk.book(service=desk.maternity)
    theirs = [desk.book(site=desk.other_site) for _ in range(4)]
    desk.assess()
    desk.decide(Outcome.POSTPONED, references=tuple(b.reference for b in postponed))
    desk.decide(Outcome.GOING_AHEAD, references=tuple(b.reference for b in ahead))
    desk.decide(Outcome.POSTPONED, references=(theirs[0].reference,), actor=national_user())
    StaffAbsenceFactory(strike=desk.strike, trust=desk.trust, staff_group=desk.nurses, count=40)
    ReportedFigureFactory(
        strike=desk.strike, trust=desk.trust, value=9, source="Trust press release"
    )
    return desk


def national_user() -> Any:
    return UserFactory(username="national", is_superuser=True, is_staff=True)


def report_path(desk: Desk) -> str:
    return reverse("dashboard_report", args=[desk.strike.public_id])


def expect_drawn(page: Page, name: str) -> None:
    chart = page.locator(f'[data-chart="{name}"]')
    expect(chart).to_have_attribute("data-chart-drawn", "true")
    canvas = chart.locator("canvas")
    expect(canvas).to_be_visible()
    assert canvas.evaluate(PAINTED) > 0, f"the {name} chart is blank"
    box = canvas.bounding_box()
    assert box is not None
    assert box["x"] + box["width"] <= page.viewport_size["width"]


@at_desktop_and_phone
def test_the_report_draws_each_chart_beside_its_table(
    page: Page, check_page: Check, sign_in_as, desk: Desk
) -> None:
    sign_in_as(national_user())
    page.goto(report_path(desk))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Report")
    expect(page.get_by_role("link", name="Report", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    for name in CHARTS:
        expect_drawn(page, name)
        expect(page.locator(f'[data-chart-table="{name}"] caption')).to_be_visible()
    summary = f"{desk.trust.name}: 3 exempt, 3 at risk, 2 going ahead, 7 postponed."
    expect(page.locator('[data-chart="by_trust"] canvas')).to_have_attribute(
        "aria-label", re.compile(re.escape(summary))
    )
    total = page.locator('[data-report-table] tr[data-key="total"] [data-figure="postponed_total"]')
    expect(total).to_have_text("8")
    expect(page.locator(".sd-differs").first).to_contain_text("Ours is 2 fewer")
    check_page(page, "strike-report")


@at_desktop_and_phone
def test_strikes_compared_draws_its_chart_beside_the_table(
    page: Page, check_page: Check, sign_in_as, desk: Desk
) -> None:
    StrikeFactory(
        title="BMA resident doctors' strike, a later walkout in the autumn",
        starts_at=desk.strike.starts_at.replace(month=9),
        ends_at=desk.strike.ends_at.replace(month=9),
    )
    sign_in_as(desk.ops)
    page.goto(reverse("dashboard_reports"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Strikes compared")
    expect_drawn(page, "compare")
    expect(page.locator("[data-most-disruptive]")).to_contain_text(
        "Most bookings postponed: RCN nurses' strike, with 7."
    )
    page.get_by_role("link", name="RCN nurses' strike").click()
    expect(page).to_have_url(f"{page.url.split('/staff/')[0]}{report_path(desk)}")
    page.go_back()
    check_page(page, "strikes-compared")


def test_before_an_assessment_the_report_explains_the_empty_charts(
    page: Page, check_page: Check, sign_in_as, live_server
) -> None:
    desk = Desk()
    desk.book()
    sign_in_as(desk.ops)
    page.goto(report_path(desk))
    expect(page.get_by_text("The strike has not been assessed for your trusts yet")).to_be_visible()
    expect(page.locator("canvas")).to_have_count(0)
    check_page(page, "strike-report-not-assessed")


def test_when_the_api_fails_the_chart_says_so_and_the_table_stays(
    page: Page, sign_in_as, desk: Desk, expect_console_error
) -> None:
    expect_console_error("status of 500")
    page.route("**/api/v1/strikes/*/report/", lambda route: route.fulfill(status=500))
    sign_in_as(desk.ops)
    page.goto(report_path(desk))
    status = page.locator('[data-chart="by_trust"] [data-chart-status]')
    expect(status).to_have_text(
        "The chart could not be loaded. The table below has the same figures."
    )
    expect(page.locator('[data-chart-table="by_trust"]')).to_be_visible()


def test_the_csv_links_download_the_files(page: Page, sign_in_as, desk: Desk) -> None:
    sign_in_as(desk.ops)
    page.goto(report_path(desk))
    with page.expect_download() as sitrep:
        page.get_by_role("link", name="Download the situation report").click()
    assert sitrep.value.suggested_filename == f"sitrep-{desk.strike.public_id}.csv"
    text = sitrep.value.path().read_text(encoding="utf-8")
    assert text.startswith("strike_id,strike_title,date,region,trust_code,trust_name")
    assert desk.other_trust.ods_code not in text

    page.goto(reverse("dashboard_reports"))
    with page.expect_download() as compared:
        page.get_by_role("link", name="Download this comparison").click()
    assert compared.value.suggested_filename == "strikes-compared.csv"
