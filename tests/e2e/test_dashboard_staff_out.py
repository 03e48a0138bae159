"""The staff-out page in a real browser: a day's figures saved and the totals updated
without a reload, a bad figure refused beside its box, the viewer's read-only table;
axe-clean at desktop and phone width."""

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from strikes.models import StaffAbsence, Union
from tests.e2e import at_desktop_and_phone
from tests.factories import MembershipFactory, StaffAbsenceFactory, StaffGroupFactory
from tests.strikes.desk import Desk
from trusts.models import Membership, StaffGroup

Check = Callable[[Page, str], None]


@pytest.fixture
def desk(live_server: Any) -> Desk:
    desk = Desk()
    union, _ = Union.objects.get_or_create(
        code="RCN", defaults={"name": "Royal College of Nursing"}
    )
    desk.strike.unions.add(union)
    desk.strike.title = "RCN nurses' and CSP physiotherapists' strike"
    desk.strike.save()
    desk.physios = StaffGroupFactory(code=StaffGroup.PHYSIOTHERAPISTS, name="Physiotherapists")
    desk.strike.staff_groups.add(desk.physios)
    desk.trust.name = "Norfolk and Norwich University Hospitals"
    desk.trust.save()
    return desk


@pytest.fixture
def checked(check_page: Check) -> Check:
    """``check_page``, then the empty ``style=""`` axe leaves on inputs removed: htmx
    settles a swapped element's style from the old one with the same id, which the
    strict CSP refuses (see tests/e2e/test_dashboard_notices.py)."""

    def check(page: Page, name: str) -> None:
        check_page(page, name)
        page.evaluate(
            "() => document.querySelectorAll('[style=\"\"]')"
            ".forEach((element) => element.removeAttribute('style'))"
        )

    return check


def open_staff_out(page: Page, desk: Desk) -> None:
    page.goto(f"/staff/strikes/{desk.strike.public_id}/staff-out/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Staff out")


@at_desktop_and_phone
def test_record_a_day_and_see_the_totals(
    page: Page, checked: Check, sign_in_as: Callable, desk: Desk
) -> None:
    first, second = desk.strike.local_days()
    sign_in_as(desk.ops)
    open_staff_out(page, desk)
    expect(page.get_by_text("No staff out has been recorded yet")).to_be_visible()
    checked(page, "staff-out-empty")

    day_one = page.locator("form.sd-day-form").nth(0)
    day_one.get_by_label("Nurses").fill("-4")
    day_one.get_by_label("Physiotherapists").fill("3")
    day_one.get_by_role("button", name="Save").click()
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_contain_text("The number of nurses out cannot be less than 0")
    expect(summary).to_be_focused()
    assert not StaffAbsence.objects.exists()
    checked(page, "staff-out-error")
    summary.get_by_role("link").click()
    nurses = page.locator("form.sd-day-form").nth(0).get_by_label("Nurses")
    expect(nurses).to_be_focused()

    nurses.fill("12")
    page.locator("form.sd-day-form").nth(0).get_by_role("button", name="Save").click()
    expect(page.locator(".nhsuk-notification-banner--success")).to_contain_text(
        "12 nurses, 3 physiotherapists"
    )
    expect(page.locator(".nhsuk-error-summary")).to_have_count(0)
    expect(page.locator('[data-total="overall"]')).to_have_text("15")

    day_two = page.locator("form.sd-day-form").nth(1)
    day_two.get_by_label("Nurses").fill("7")
    day_two.get_by_label("Nurses").press("Enter")  # the keyboard submits, as a click does
    expect(page.locator('[data-total="overall"]')).to_have_text("22")
    expect(page.locator(f'[data-total-day="{second.isoformat()}"]')).to_have_text("7")
    expect(page.locator(f'[data-total-day="{first.isoformat()}"]')).to_have_text("15")
    assert set(StaffAbsence.objects.values_list("date", "staff_group", "count")) == {
        (first, "nurses", 12),
        (first, "physiotherapists", 3),
        (second, "nurses", 7),
    }
    checked(page, "staff-out-saved")


@at_desktop_and_phone
def test_a_viewer_reads_the_figures(
    page: Page, checked: Check, sign_in_as: Callable, desk: Desk
) -> None:
    first = desk.strike.local_days()[0]
    StaffAbsenceFactory(
        strike=desk.strike, trust=desk.trust, date=first, staff_group=desk.nurses, count=40
    )
    sign_in_as(MembershipFactory(trust=desk.trust, role=Membership.Role.VIEWER).user)
    open_staff_out(page, desk)
    expect(page.locator('[data-total="overall"]')).to_have_text("40")
    expect(page.locator("#maincontent").get_by_role("button")).to_have_count(0)
    expect(page.get_by_text("Not recorded").first).to_be_visible()
    checked(page, "staff-out-viewer")
