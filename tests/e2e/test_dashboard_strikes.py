"""The strikes overview and a strike's page in a real browser, at desktop and phone width,
axe-clean: readiness per trust, the assess dry run and run, recording participation, and
calling a strike off after being told how many bookings it reinstates."""

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from appointments.models import Appointment, NoticeStatus, Outcome
from strikes.models import StrikeStatus, Union
from tests.e2e import at_desktop_and_phone
from tests.factories import NoticeFactory, StrikeFactory, TrustFactory, UserFactory
from tests.strikes.desk import Desk
from trusts.models import Membership

Check = Callable[[Page, str], None]
SignIn = Callable[[Any], None]


@pytest.fixture
def desk(live_server) -> Desk:
    desk = Desk()
    # The live server's database is flushed between tests: get_or_create, not get.
    union, _ = Union.objects.get_or_create(
        code="RCN", defaults={"name": "Royal College of Nursing"}
    )
    desk.strike.unions.add(union)
    desk.strike.title = "RCN nurses' strike"
    desk.strike.save()
    desk.trust.name = "Norfolk and Norwich University Hospitals NHS Foundation Trust"
    desk.trust.save()
    desk.other_trust.name = "James Paget University Hospitals"
    desk.other_trust.save()
    return desk


@pytest.fixture
def national(live_server):
    return UserFactory(username="national.admin", is_superuser=True, is_staff=True)


def busy(desk: Desk) -> list[Appointment]:
    """Bookings at both trusts, assessed; two postponed at trust A; notices in every state."""
    postponed = [desk.book(), desk.book()]
    desk.book(), desk.book(service=desk.maternity), desk.book(site=desk.other_site)
    desk.assess()
    desk.decide(Outcome.POSTPONED, references=tuple(b.reference for b in postponed))
    now = timezone.now()
    for booking, status in zip(
        postponed, (NoticeStatus.DELIVERED, NoticeStatus.FAILED), strict=True
    ):
        NoticeFactory(
            appointment=booking,
            strike=desk.strike,
            status=status,
            sent_at=now,
            due_by=now - dt.timedelta(hours=1),
        )
    return postponed


@at_desktop_and_phone
def test_the_overview(
    page: Page, check_page: Check, sign_in_as: SignIn, desk: Desk, national
) -> None:
    busy(desk)
    now = timezone.now()
    StrikeFactory(
        title="BMA resident doctors' strike",
        starts_at=now - dt.timedelta(hours=5),
        ends_at=now + dt.timedelta(days=2),
        status=StrikeStatus.CONFIRMED,
    )
    StrikeFactory(
        title="Earlier nurses' strike",
        starts_at=now - dt.timedelta(days=60),
        status=StrikeStatus.COMPLETED,
    )
    sign_in_as(national)

    page.goto("/staff/")

    expect(page.get_by_role("heading", level=1)).to_have_text("Strikes")
    expect(page.get_by_role("heading", name="Happening now")).to_be_visible()
    card = page.locator("section", has=page.get_by_role("link", name="RCN nurses' strike"))
    expect(card.get_by_text("days left")).to_be_visible()
    row = card.get_by_role("row").filter(has_text="Norfolk and Norwich")
    expect(row).to_contain_text("Yes, 4 bookings")
    check_page(page, "overview")

    card.get_by_role("link", name="RCN nurses' strike").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("RCN nurses' strike")


@at_desktop_and_phone
def test_the_overview_with_no_strikes(
    page: Page, check_page: Check, sign_in_as: SignIn, live_server
) -> None:
    viewer = UserFactory(username="viewer.only")
    Membership.objects.create(user=viewer, trust=TrustFactory(), role=Membership.Role.VIEWER)
    sign_in_as(viewer)
    page.goto("/staff/")
    expect(page.get_by_role("heading", name="No strikes yet")).to_be_visible()
    check_page(page, "overview-empty")


@at_desktop_and_phone
def test_the_strike_page(
    page: Page, check_page: Check, sign_in_as: SignIn, desk: Desk, national
) -> None:
    busy(desk)
    sign_in_as(national)

    page.goto(f"/staff/strikes/{desk.strike.public_id}/")

    expect(page.get_by_role("heading", level=1)).to_have_text("RCN nurses' strike")
    expect(page.get_by_role("link", name="Overview")).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("button", name="Confirm")).to_be_visible()
    expect(page.get_by_role("heading", name="Trusts taking part")).to_be_visible()
    expect(page.get_by_role("heading", name="Impact on bookings")).to_be_visible()
    check_page(page, "strike")


@at_desktop_and_phone
def test_assessing_shows_a_dry_run_first(
    page: Page, check_page: Check, sign_in_as: SignIn, desk: Desk
) -> None:
    desk.book(), desk.book(), desk.book(service=desk.maternity)
    desk.book(site=desk.other_site)
    sign_in_as(desk.ops)
    page.goto(f"/staff/strikes/{desk.strike.public_id}/")

    page.get_by_role("button", name="Assess").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Assess this strike")
    row = page.get_by_role("row").filter(has_text="Norfolk and Norwich")
    expect(row).to_contain_text("3")
    expect(page.get_by_text("James Paget")).to_have_count(0)
    assert not desk.strike.impacts.exists(), "a dry run writes nothing"
    check_page(page, "assess-preview")

    page.get_by_role("button", name="Assess now").click()

    # The indicator shows while it runs; on a busy machine that can outlast expect's 5 s.
    expect(page.locator("#assess-running")).to_be_visible()
    finished = page.get_by_text("Assessment finished. 3 bookings at your trusts")
    expect(finished).to_be_visible(timeout=30_000)
    expect(page).to_have_url(re.compile(rf"/staff/strikes/{desk.strike.public_id}/$"))
    assert desk.strike.impacts.count() == 4
    check_page(page, "assessed")


@at_desktop_and_phone
def test_recording_participation(
    page: Page, check_page: Check, sign_in_as: SignIn, desk: Desk
) -> None:
    sign_in_as(desk.ops)
    page.goto(f"/staff/strikes/{desk.strike.public_id}/")
    page.get_by_role("link", name=f"Change participation of {desk.trust.name}").click()

    page.get_by_label("Ballot turnout (optional)").fill("150")
    page.get_by_role("button", name="Save").click()

    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Ballot turnout must be 100 or less")
    check_page(page, "participation-error")

    page.get_by_label("Ballot turnout (optional)").fill("58.5")
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_text(f"Recorded: {desk.trust.name} takes part.")).to_be_visible()
    participation = page.locator(".sd-participation")
    expect(participation.get_by_role("row").filter(has_text="Norfolk and Norwich")).to_contain_text(
        "58.5%"
    )


@at_desktop_and_phone
def test_calling_a_strike_off(
    page: Page, check_page: Check, sign_in_as: SignIn, desk: Desk, national
) -> None:
    postponed = busy(desk)
    sign_in_as(national)
    page.goto(f"/staff/strikes/{desk.strike.public_id}/")

    page.get_by_role("button", name="Call off").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Call off this strike?")
    expect(page.get_by_text("2 bookings will be reinstated.")).to_be_visible()
    check_page(page, "call-off-confirm")

    page.get_by_role("button", name="Call off the strike").click()

    expect(page.get_by_text("2 bookings were reinstated")).to_be_visible(timeout=30_000)
    expect(page.locator(".sd-strike-heading")).to_contain_text("Called off")
    expect(page.get_by_role("button", name="Call off")).to_have_count(0)
    assert [Appointment.objects.get(pk=b.pk).status for b in postponed] == ["booked", "booked"]
    check_page(page, "called-off")
