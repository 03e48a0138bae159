"""The notices page in a real browser: the bar reaches 100% while notices are sent, with
no reload; create-and-send and retry through the page; the letters and call list pages
inside the dashboard. Each axe-clean at desktop and phone width."""

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from appointments.models import Notice, NoticeStatus, Outcome
from appointments.notices import notices_dispatch, notices_generate
from appointments.notices.backends import configured_backend
from appointments.references import format_booking_reference
from strikes.models import Union
from tests.appointments.notices.people import ADDRESS, LANDLINE, patient, reachable_by_everything
from tests.e2e import at_desktop_and_phone
from tests.factories import MembershipFactory
from tests.strikes.desk import STARTS_AT, Desk
from trusts.models import Membership

Check = Callable[[Page, str], None]
IN_WINDOW = STARTS_AT - dt.timedelta(days=2)
# Polls come every few seconds; a finished run must show within a few of them.
SENT_TIMEOUT_MS = 20_000


@pytest.fixture
def desk(live_server: Any) -> Desk:
    desk = Desk()
    union, _ = Union.objects.get_or_create(
        code="RCN", defaults={"name": "Royal College of Nursing"}
    )
    desk.strike.unions.add(union)
    desk.strike.title = "RCN nurses' strike"
    desk.strike.save()
    desk.trust.name = "Norfolk and Norwich University Hospitals"
    desk.trust.save()
    return desk


@pytest.fixture
def checked(check_page: Check) -> Check:
    """``check_page``, then the empty ``style=""`` axe leaves on inputs it examined
    removed: htmx settles a swapped element's style from the old one with the same id,
    and the strict CSP refuses that (a console error no real user's page would have).
    Without it a later htmx swap on the page fails the test for axe's doing."""

    def check(page: Page, name: str) -> None:
        check_page(page, name)
        page.evaluate(
            "() => document.querySelectorAll('[style=\"\"]')"
            ".forEach((element) => element.removeAttribute('style'))"
        )

    return check


@pytest.fixture
def outbox(settings: Any, tmp_path: Path) -> Iterator[Path]:
    """The real dispatch, run in the test's process, writes to a folder of the test's own."""
    settings.STRIKEDESK_OUTBOX_DIR = tmp_path / "outbox"
    settings.STRIKEDESK_NOTICE_BACKEND = "outbox"
    configured_backend.cache_clear()
    yield tmp_path / "outbox"
    configured_backend.cache_clear()


@pytest.fixture
def dispatch_started(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The page's "start sending" is recorded, not queued on the machine's broker where a
    developer's worker would pick it up; the test runs the dispatch itself."""
    started: list[int] = []
    monkeypatch.setattr(
        "appointments.dashboard.notices.dispatch_soon", lambda: started.append(1) or 1
    )
    return started


def postponed(desk: Desk, count: int) -> list:
    bookings = [desk.book(patient=reachable_by_everything()) for _ in range(count)]
    desk.assess()
    desk.decide(Outcome.POSTPONED, references=tuple(b.reference for b in bookings))
    return bookings


def open_notices(page: Page, desk: Desk) -> None:
    page.goto(f"/staff/strikes/{desk.strike.public_id}/notices/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Patient notices")


@at_desktop_and_phone
def test_the_bar_reaches_100_percent_while_the_workers_send(
    page: Page, checked: Check, sign_in_as: Callable, desk: Desk, outbox: Path
) -> None:
    postponed(desk, 3)
    notices_generate(now=IN_WINDOW)
    sign_in_as(desk.ops)
    open_notices(page, desk)
    percent = page.get_by_test_id("notice-progress-percent")
    expect(percent).to_have_text("0%")
    expect(page.locator("[data-refresh-note]")).to_contain_text("update by themselves")
    checked(page, "notices-waiting")
    page.evaluate("() => { window.sdSamePage = true }")  # gone if the page reloads

    result = notices_dispatch(seconds=10)
    assert result.sent == 3

    expect(percent).to_have_text("100%", timeout=SENT_TIMEOUT_MS)
    expect(page.locator('[data-figure="sent"]')).to_have_text("3")
    expect(page.locator('[data-figure="waiting"]')).to_have_text("0")
    expect(page.locator("#notice-progress-bar")).to_have_attribute("max", "3")
    assert page.locator("#notice-progress-bar").evaluate("bar => bar.value") == 3
    expect(page.locator("[data-progress-announcer]")).to_contain_text(
        "Sending has finished: 3 of 3 notices owed have gone out (100%)."
    )
    assert page.evaluate("() => window.sdSamePage") is True, "updated in place, not reloaded"
    checked(page, "notices-done")


def test_create_and_send_then_watch_it_finish(
    page: Page,
    checked: Check,
    sign_in_as: Callable,
    desk: Desk,
    outbox: Path,
    dispatch_started: list[int],
) -> None:
    postponed(desk, 2)
    sign_in_as(desk.ops)
    open_notices(page, desk)
    expect(page.get_by_text("Notices go out from")).to_be_visible()
    checked(page, "notices-before-window")

    page.get_by_label("Send before the notice window opens").check()
    page.evaluate("() => { window.sdSamePage = true }")
    page.get_by_role("button", name="Create and send notices now").click()

    banner = page.locator(".nhsuk-notification-banner--success")
    expect(banner).to_contain_text("2 notices created (2 postponed). Sending has started.")
    expect(page.locator(".sd-messages")).to_be_focused()
    assert dispatch_started == [1]
    percent = page.get_by_test_id("notice-progress-percent")
    expect(percent).to_have_text("0%")

    notices_dispatch(seconds=10)
    expect(percent).to_have_text("100%", timeout=SENT_TIMEOUT_MS)
    assert page.evaluate("() => window.sdSamePage") is True, "htmx swapped, no reload"


@at_desktop_and_phone
def test_retry_a_failed_notice(
    page: Page,
    checked: Check,
    sign_in_as: Callable,
    desk: Desk,
    dispatch_started: list[int],
) -> None:
    bookings = postponed(desk, 2)
    notices_generate(now=IN_WINDOW)
    Notice.objects.update(
        status=NoticeStatus.FAILED,
        attempts=10,
        last_error="The provider refused the phone number: not a UK mobile",
    )
    sign_in_as(desk.ops)
    open_notices(page, desk)
    failed = page.locator("#failed-notices")
    expect(failed).to_contain_text("not a UK mobile")
    checked(page, "notices-failed")

    page.get_by_role("button", name="Retry selected").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text(
        "Select the failed notices to retry"
    )
    checked(page, "notices-retry-error")

    first = format_booking_reference(bookings[0].reference)
    page.get_by_label(f"Select booking {first}").check()
    page.get_by_role("button", name="Retry selected").click()
    expect(page.locator(".nhsuk-notification-banner--success")).to_contain_text(
        "1 failed notice is being sent again."
    )
    expect(page.locator(".nhsuk-error-summary")).to_have_count(0)
    expect(failed).not_to_contain_text(first)
    assert Notice.objects.filter(status=NoticeStatus.PENDING).count() == 1
    assert dispatch_started == [1]


@at_desktop_and_phone
def test_a_viewer_sees_progress_and_failures_without_actions(
    page: Page, checked: Check, sign_in_as: Callable, desk: Desk
) -> None:
    bookings = postponed(desk, 2)
    notices_generate(now=IN_WINDOW)
    Notice.objects.filter(appointment=bookings[0]).update(
        status=NoticeStatus.FAILED, attempts=10, last_error="Email address not valid"
    )
    Notice.objects.filter(appointment=bookings[1]).update(status=NoticeStatus.DELIVERED)
    sign_in_as(MembershipFactory(trust=desk.trust, role=Membership.Role.VIEWER).user)
    open_notices(page, desk)
    expect(page.get_by_test_id("notice-progress-percent")).to_have_text("50%")
    expect(page.locator("#maincontent").get_by_role("button")).to_have_count(0)
    assert bookings[0].patient.family_name not in page.content()
    checked(page, "notices-viewer")


@at_desktop_and_phone
def test_nothing_yet(page: Page, checked: Check, sign_in_as: Callable, desk: Desk) -> None:
    sign_in_as(desk.ops)
    open_notices(page, desk)
    expect(page.get_by_text("have not been assessed")).to_be_visible()
    checked(page, "notices-empty")


@pytest.fixture
def by_hand(desk: Desk, settings: Any) -> Desk:
    settings.STRIKEDESK_LETTERS = "print"
    bookings = [
        desk.book(patient=patient(preferred="letter", address=ADDRESS)),
        desk.book(patient=patient(phone=LANDLINE)),
    ]
    desk.assess()
    desk.decide(Outcome.POSTPONED, references=tuple(b.reference for b in bookings))
    notices_generate(now=IN_WINDOW)
    return desk


@at_desktop_and_phone
def test_the_letters_and_call_list_pages(
    page: Page, checked: Check, sign_in_as: Callable, by_hand: Desk
) -> None:
    sign_in_as(by_hand.ops)
    open_notices(page, by_hand)
    checked(page, "notices-by-hand")
    page.get_by_role("link", name="Print and mark posted").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Letters to print")
    expect(page.get_by_role("link", name="Notices", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    checked(page, "letters")

    page.get_by_label("I have printed and posted this letter").check()
    page.get_by_role("button", name="Mark 1 letter as posted").click()
    expect(page.get_by_text("1 letter marked as posted.")).to_be_visible()
    checked(page, "letters-none-left")

    page.goto(f"/staff/strikes/{by_hand.strike.public_id}/trusts/{by_hand.trust.ods_code}/calls/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Patients to call")
    checked(page, "calls")
    page.get_by_role("button", name="No answer from").click()
    expect(page.get_by_text("no answer recorded")).to_be_visible()
    page.get_by_role("button", name="Called").click()
    expect(page.get_by_text("No patients to call for this trust.")).to_be_visible()
    checked(page, "calls-none-left")
