"""Signing in and out in a real browser: the pages axe-clean at desktop and phone width,
the error a wrong password gets, the lockout page, and signing in with the keyboard only."""

import re
from collections.abc import Callable

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from tests.e2e import at_desktop_and_phone
from tests.factories import MembershipFactory, TrustFactory
from trusts.models import Membership

Check = Callable[[Page, str], None]
PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory's


@pytest.fixture
def ops(live_server):
    trust = TrustFactory(name="Norfolk and Norwich University Hospitals NHS Foundation Trust")
    return MembershipFactory(
        trust=trust, role=Membership.Role.OPERATIONS, user__username="nnuh.ops"
    ).user


@at_desktop_and_phone
def test_the_sign_in_page_and_its_error(page: Page, check_page: Check, ops):
    page.goto("/staff/sign-in/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to StrikeDesk")
    check_page(page, "sign-in")

    page.get_by_label("Username").fill("nnuh.ops")
    page.get_by_label("Password", exact=True).fill("not the password")
    page.get_by_role("button", name="Sign in").click()

    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Enter a correct username and password")
    expect(page).to_have_title("Error: Sign in - StrikeDesk")
    expect(page.get_by_label("Username")).to_have_value("nnuh.ops")
    expect(page.get_by_label("Password", exact=True)).to_have_value("")
    check_page(page, "sign-in-error")


@at_desktop_and_phone
def test_the_sign_out_page_asks_then_signs_out(page: Page, sign_in_as, check_page: Check, ops):
    sign_in_as(ops)
    page.goto("/staff/backlog/")
    page.get_by_role("link", name="Sign out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign out of StrikeDesk")
    check_page(page, "sign-out")

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to StrikeDesk")
    page.goto("/staff/backlog/")
    expect(page).to_have_url(re.compile(r"/staff/sign-in/\?next="))


def test_sign_in_with_the_keyboard_only(page: Page, check_page: Check, ops):
    page.goto("/staff/sign-in/?next=/staff/backlog/")
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.id") == "username":
            break
    else:
        pytest.fail("Tab never reached the username field")
    page.keyboard.type("nnuh.ops")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.id") == "password"
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/staff/backlog/$"))
    expect(page.get_by_role("banner")).to_contain_text(
        "Operations, Norfolk and Norwich University Hospitals NHS Foundation Trust"
    )
    check_page(page, "signed-in")


@at_desktop_and_phone
def test_the_lockout_page(page: Page, check_page: Check, expect_console_error, ops):
    expect_console_error("status of 429")
    page.goto("/staff/sign-in/")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        page.get_by_label("Username").fill("nnuh.ops")
        page.get_by_label("Password", exact=True).fill("wrong")
        page.get_by_role("button", name="Sign in").click()
        if page.get_by_role("heading", name="Too many tries").count():
            break
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Too many tries: wait {minutes} minutes"
    )
    check_page(page, "locked-out")
