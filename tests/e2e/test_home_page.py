"""The public home page in a real browser: accessible, readable at 320px, no script errors."""

from collections.abc import Callable
from typing import cast

from playwright.sync_api import Page, expect

from strikes.models import Strike, Union
from tests.e2e import at_desktop_and_phone
from tests.factories import ParticipationFactory, StrikeFactory, TrustFactory
from trusts.models import StaffGroup


@at_desktop_and_phone
def test_home_page_lists_a_coming_strike(
    page: Page, check_page: Callable[[Page, str], None]
) -> None:
    # The live server needs committed rows, so these tests run on a flushed database where
    # the unions and staff groups the migrations seed may be gone: get_or_create, not get.
    union, _ = Union.objects.get_or_create(
        code="RCN", defaults={"name": "Royal College of Nursing"}
    )
    nurses, _ = StaffGroup.objects.get_or_create(
        code=StaffGroup.NURSES, defaults={"name": "Nurses"}
    )
    strike = cast(Strike, StrikeFactory(title="RCN nurses' strike over pay"))
    strike.unions.add(union)
    strike.staff_groups.add(nurses)
    ParticipationFactory(
        strike=strike, trust=TrustFactory(name="Norfolk and Norwich University Hospitals")
    )

    page.goto("/")

    expect(page.get_by_role("heading", level=1)).to_have_text("Strikes and NHS appointments")
    expect(page.get_by_text("RCN nurses' strike over pay")).to_be_visible()
    check_page(page, "home")
