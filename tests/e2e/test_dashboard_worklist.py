"""The strike worklist in a real browser: filter, decide in bulk, all without leaving the
page; with the keyboard only; axe-clean at desktop and phone width."""

import datetime as dt
import re

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Browser, Page, expect

from appointments.models import Outcome, StrikeImpact
from appointments.references import format_booking_reference
from strikes.models import LONDON
from tests.e2e import DESKTOP, at_desktop_and_phone
from tests.e2e.conftest import NHS_FONTS, artifacts_dir
from tests.factories import MembershipFactory
from tests.strikes.desk import EARLY_SLOT, LATE_SLOT, STARTS_AT, Desk
from trusts.models import Membership

DAY_TWO = STARTS_AT.astimezone(LONDON).date() + dt.timedelta(days=1)
# Set on the window after the page loads: still there only if the page never reloaded.
MARKER = "window.worklistMarker"


@pytest.fixture
def desk(live_server) -> Desk:
    desk = Desk()
    desk.strike.title = "RCN nurses' strike"
    desk.strike.save()
    return desk


@pytest.fixture
def bookings(desk: Desk) -> dict[str, list]:
    made = {
        "physio_day_two": [
            desk.book(
                service=desk.physio,
                at=LATE_SLOT + dt.timedelta(minutes=15 * n),
                patient__given_name="Physio",
                patient__family_name=f"Patient{n}",
            )
            for n in range(3)
        ],
        "physio_day_one": [desk.book(service=desk.physio, at=EARLY_SLOT)],
        "clinic": [
            desk.book(at=LATE_SLOT, kind="inpatient", priority="soon"),
            desk.book(site=desk.second_site, at=EARLY_SLOT),
        ],
    }
    desk.assess()
    return made


def worklist(page: Page, desk: Desk) -> None:
    page.goto(f"/staff/strikes/{desk.strike.public_id}/worklist/")
    page.evaluate(f"{MARKER} = 'still here'")


def outcomes(bookings: list) -> list[str]:
    return [StrikeImpact.objects.get(appointment=b).outcome for b in bookings]


@at_desktop_and_phone
def test_postpone_every_booking_matching_a_filter_without_a_reload(
    page: Page, desk: Desk, bookings, sign_in_as, check_page
):
    sign_in_as(desk.ops)
    worklist(page, desk)
    expect(page.get_by_role("heading", name="6 bookings: at risk (undecided)")).to_be_visible()
    expect(page.get_by_text("Physio Patient0")).to_be_visible()
    check_page(page, "worklist")

    page.get_by_label("Service", exact=True).select_option("physio")
    page.get_by_label("Day", exact=True).select_option(DAY_TWO.isoformat())
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_role("heading", name="3 bookings: at risk (undecided)")).to_be_focused()
    expect(page).to_have_url(
        re.compile(
            rf"/worklist/\?service=physio&day={DAY_TWO.isoformat()}&outcome=at_risk&sort=time$"
        )
    )
    for booking in bookings["physio_day_two"]:
        expect(page.get_by_text(format_booking_reference(booking.reference))).to_be_visible()

    page.get_by_role("button", name="Postpone all 3").click()
    question = page.get_by_role("heading", name="Postpone 3 bookings?")
    expect(question).to_be_focused()
    expect(page.get_by_text("Patients will be told they will get a new date.")).to_be_visible()
    check_page(page, "confirm")

    page.get_by_role("button", name="Yes, postpone 3 bookings").click()
    expect(page.get_by_text("Postponed 3 bookings.")).to_be_visible()
    expect(page.get_by_role("heading", name="No bookings match these filters")).to_be_visible()
    check_page(page, "decided")

    page.get_by_label("Decision", exact=True).select_option("postponed")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_role("heading", name="3 bookings: postponed")).to_be_visible()
    expect(page.locator("[data-outcome='postponed']")).to_have_count(3)
    assert page.evaluate(MARKER) == "still here", "the page reloaded"
    assert outcomes(bookings["physio_day_two"]) == [Outcome.POSTPONED] * 3
    assert outcomes(bookings["physio_day_one"] + bookings["clinic"]) == [Outcome.AT_RISK] * 3


def test_select_all_on_the_page_and_decide_with_the_keyboard(
    page: Page, desk: Desk, bookings, sign_in_as
):
    sign_in_as(desk.ops)
    worklist(page, desk)
    select_all = page.get_by_label("Select all on this page")
    select_all.focus()
    page.keyboard.press("Space")
    expect(page.get_by_text("(6 selected)")).to_be_visible()
    first = bookings["physio_day_one"][0]
    page.get_by_label(f"Select booking {format_booking_reference(first.reference)}").press("Space")
    expect(page.get_by_text("(5 selected)")).to_be_visible()
    expect(select_all).not_to_be_checked()

    page.get_by_role("button", name="Mark selected as going ahead").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Let 5 bookings go ahead?")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Yes, let 5 bookings go ahead")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_text("5 bookings will go ahead.")).to_be_visible()
    expect(page.get_by_role("heading", name="1 booking: at risk (undecided)")).to_be_visible()
    assert page.evaluate(MARKER) == "still here", "the page reloaded"
    assert outcomes([first]) == [Outcome.AT_RISK]


def test_a_viewer_sees_no_names_and_no_actions(
    page: Page, desk: Desk, bookings, sign_in_as, check_page
):
    viewer = MembershipFactory(trust=desk.trust, role=Membership.Role.VIEWER).user
    sign_in_as(viewer)
    worklist(page, desk)
    expect(page.get_by_role("heading", name="6 bookings: at risk (undecided)")).to_be_visible()
    expect(page.get_by_text("Physio Patient0")).to_have_count(0)
    expect(page.get_by_role("button", name="Postpone selected")).to_have_count(0)
    expect(page.get_by_role("checkbox")).to_have_count(0)
    check_page(page, "viewer")


def test_a_bad_filter_in_the_address_is_explained(page: Page, desk: Desk, sign_in_as, check_page):
    sign_in_as(desk.ops)
    page.goto(f"/staff/strikes/{desk.strike.public_id}/worklist/?site=NOPE")
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(page.get_by_role("link", name="Choose a site from the list")).to_be_visible()
    check_page(page, "bad-filter")


@at_desktop_and_phone
def test_without_javascript_each_step_is_a_page(
    browser: Browser, viewport, live_server, desk: Desk, bookings, request
):
    context = browser.new_context(
        base_url=live_server.url, viewport=viewport, java_script_enabled=False
    )
    client = Client()
    client.force_login(desk.ops)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    # As the page fixture does: the NHS fonts are on the internet, which tests must not need.
    context.route(f"{NHS_FONTS}**", lambda route: route.abort("internetdisconnected"))
    page = context.new_page()
    try:
        page.goto(f"/staff/strikes/{desk.strike.public_id}/worklist/")
        expect(page.get_by_label("Select all on this page")).to_be_hidden()
        chosen = bookings["clinic"][0]
        page.get_by_label(f"Select booking {format_booking_reference(chosen.reference)}").check()
        page.get_by_role("button", name="Postpone selected").click()
        expect(page.get_by_role("heading", level=1, name="Postpone 1 booking?")).to_be_visible()
        # axe needs JavaScript, so this page gets a screenshot only (the same markup is
        # checked with JavaScript on above).
        folder = artifacts_dir() / request.path.stem
        folder.mkdir(parents=True, exist_ok=True)
        width = "desktop" if viewport == DESKTOP else "phone"
        page.screenshot(path=folder / f"confirm-without-javascript-{width}.png", full_page=True)
        page.get_by_role("button", name="Yes, postpone 1 booking").click()
        expect(page.get_by_text("Postponed 1 booking.")).to_be_visible()
        expect(page.get_by_role("heading", name="5 bookings: at risk (undecided)")).to_be_visible()
        assert outcomes([chosen]) == [Outcome.POSTPONED]
    finally:
        context.close()
