"""The team page in a real browser: a trust admin adds someone, changes a role and
removes someone; a viewer is turned away; axe-clean at desktop and phone width."""

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.e2e import at_desktop_and_phone
from tests.factories import MembershipFactory, TrustFactory, UserFactory
from trusts.models import Membership

Check = Callable[[Page, str], None]


@pytest.fixture
def trust(live_server):
    return TrustFactory(name="Norfolk and Norwich University Hospitals NHS Foundation Trust")


@pytest.fixture
def admin(trust):
    return MembershipFactory(
        trust=trust,
        role=Membership.Role.ADMIN,
        user__username="lead.admin",
        user__first_name="Priya",
        user__last_name="Shah",
    ).user


@pytest.fixture
def team(trust, admin):
    for username, role in (("ward.ops", "operations"), ("finance.viewer", "viewer")):
        MembershipFactory(trust=trust, role=role, user__username=username)
    return trust


@at_desktop_and_phone
def test_the_team_page(page: Page, sign_in_as, check_page: Check, team, admin):
    sign_in_as(admin)
    page.goto("/staff/team/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Team")
    members = page.locator(".sd-team-table tbody tr")
    expect(members).to_have_count(3)
    expect(page.get_by_label("Role of ward.ops", exact=True)).to_have_value("operations")
    check_page(page, "team")


@at_desktop_and_phone
def test_add_change_and_remove(page: Page, sign_in_as, check_page: Check, team, admin):
    UserFactory(username="new.starter")
    sign_in_as(admin)
    page.goto("/staff/team/")

    # A typo first: the message names the username and nothing else.
    page.get_by_label("Username").fill("new.startr")
    page.get_by_role("radio", name="Operations").check()
    page.get_by_role("button", name="Add to team").click()
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("There is no StrikeDesk account with the username 'new.startr'")
    check_page(page, "team-error")

    page.get_by_label("Username").fill("new.starter")
    expect(page.get_by_role("radio", name="Operations")).to_be_checked()  # kept from before
    page.get_by_role("button", name="Add to team").click()
    expect(page.locator(".nhsuk-notification-banner--success")).to_contain_text(
        "new.starter is now on the Norfolk and Norwich University Hospitals NHS Foundation "
        "Trust team as operations."
    )
    expect(page.get_by_label("Role of new.starter", exact=True)).to_have_value("operations")

    page.get_by_label("Role of new.starter", exact=True).select_option("admin")
    page.get_by_role("button", name="Change role of new.starter").click()
    expect(page.locator(".nhsuk-notification-banner--success")).to_contain_text(
        "new.starter is now trust admin"
    )

    page.get_by_role("link", name="Remove finance.viewer from").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        "Remove finance.viewer from the team?"
    )
    check_page(page, "team-remove")
    page.get_by_role("button", name="Remove finance.viewer").click()
    expect(page.locator(".nhsuk-notification-banner--success")).to_contain_text(
        "finance.viewer is no longer on the"
    )
    expect(page.get_by_label("Role of finance.viewer", exact=True)).to_have_count(0)
    assert not Membership.objects.filter(user__username="finance.viewer").exists()


def test_the_only_admin_cannot_step_down(page: Page, sign_in_as, check_page: Check, team, admin):
    sign_in_as(admin)
    page.goto("/staff/team/")
    page.get_by_label("Role of lead.admin", exact=True).select_option("viewer")
    page.get_by_role("button", name="Change role of lead.admin").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("only trust admin")
    expect(page.get_by_label("Role of lead.admin", exact=True)).to_have_value("admin")
    check_page(page, "team-last-admin")
    assert Membership.objects.get(user=admin).role == Membership.Role.ADMIN


@at_desktop_and_phone
def test_a_viewer_is_turned_away(
    page: Page, sign_in_as, check_page: Check, expect_console_error, team
):
    expect_console_error("status of 403")
    viewer = Membership.objects.get(user__username="finance.viewer").user
    sign_in_as(viewer)
    page.goto("/staff/backlog/")
    expect(page.get_by_role("link", name="Team")).to_have_count(0)
    response = page.goto("/staff/team/")
    assert response is not None
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("You cannot manage this team")
    check_page(page, "team-forbidden")
