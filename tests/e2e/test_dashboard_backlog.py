"""The backlog in a real browser: the list, its filters (htmx), and giving a booking a new
date with the keyboard and mouse, at desktop and phone width, axe-clean."""

import datetime as dt
from collections.abc import Callable

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from appointments.models import Appointment, Priority, Status
from appointments.references import format_booking_reference
from tests.e2e import at_desktop_and_phone
from tests.factories import MembershipFactory
from tests.strikes.desk import Desk
from trusts.models import Membership

Check = Callable[[Page, str], None]


@pytest.fixture
def desk(live_server) -> Desk:
    desk = Desk()
    desk.strike.title = "RCN nurses' strike"
    desk.strike.protect_urgent = False
    desk.strike.save()
    desk.trust.name = "Norfolk and Norwich University Hospitals NHS Foundation Trust"
    desk.trust.save()
    desk.site.name = "Norfolk and Norwich University Hospital"
    desk.site.save()
    desk.second_site.name = "Cromer and District Hospital"
    desk.second_site.save()
    return desk


@pytest.fixture
def waiting(desk: Desk) -> list[Appointment]:
    bookings = [
        desk.book(
            priority=Priority.URGENT,
            referral_received_on=dt.date(2026, 2, 3),
            patient__given_name="Ada",
            patient__family_name="Lovelace",
        ),
        desk.book(
            service=desk.physio,
            kind="day_case",
            priority=Priority.ROUTINE,
            referral_received_on=dt.date(2025, 11, 20),
            site=desk.second_site,
            patient__given_name="Grace",
            patient__family_name="Hopper",
        ),
        desk.book(priority=Priority.SOON, referral_received_on=None),
    ]
    desk.assess()
    desk.decide("postponed", references=tuple(b.reference for b in bookings))
    return bookings


@at_desktop_and_phone
def test_the_backlog_lists_the_most_urgent_first(
    page: Page, sign_in_as, check_page: Check, desk: Desk, waiting
):
    sign_in_as(desk.ops)
    page.goto("/staff/backlog/")

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Backlog: bookings waiting for a new date"
    )
    expect(page.get_by_role("heading", name="3 bookings waiting for a new date")).to_be_visible()
    rows = page.locator(".sd-backlog-table tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.first).to_contain_text(format_booking_reference(waiting[0].reference))
    expect(rows.first).to_contain_text("Ada Lovelace")
    expect(rows.first).to_contain_text("Urgent")
    expect(page.locator("#still-waiting-caption")).to_contain_text("28 days")
    check_page(page, "backlog")


@at_desktop_and_phone
def test_an_empty_backlog_says_what_it_means(page: Page, sign_in_as, check_page: Check, desk: Desk):
    sign_in_as(desk.ops)
    page.goto("/staff/backlog/")
    expect(page.get_by_text("Nobody at your trusts is waiting for a new date")).to_be_visible()
    check_page(page, "backlog-empty")


def test_filters_replace_the_results_without_a_reload(
    page: Page, sign_in_as, check_page: Check, desk: Desk, waiting
):
    sign_in_as(desk.ops)
    page.goto("/staff/backlog/")
    page.evaluate("() => { window.notReloaded = true; }")

    page.get_by_label("Service").select_option(label="Physio")
    page.get_by_role("button", name="Apply filters").click()

    expect(
        page.get_by_role("heading", name="1 booking waiting matches the filters")
    ).to_be_focused()
    expect(page.locator(".sd-backlog-table tbody tr")).to_have_count(1)
    expect(page.locator(".sd-backlog-table")).to_contain_text("Grace Hopper")
    assert page.evaluate("() => window.notReloaded") is True
    assert "service=physio" in page.url

    page.get_by_label("Count bookings with no new date").select_option("7")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#still-waiting-caption")).to_contain_text("7 days")
    # The service filter held through the second form.
    expect(page.locator(".sd-backlog-table tbody tr")).to_have_count(1)
    check_page(page, "backlog-filtered")


def test_a_viewer_sees_no_names_and_no_action(
    page: Page, sign_in_as, check_page: Check, desk: Desk, waiting
):
    viewer = MembershipFactory(trust=desk.trust, role=Membership.Role.VIEWER).user
    sign_in_as(viewer)
    page.goto("/staff/backlog/")
    expect(page.locator(".sd-backlog-table tbody tr")).to_have_count(3)
    expect(page.get_by_text("Lovelace")).to_have_count(0)
    expect(page.get_by_role("link", name="Give a new date")).to_have_count(0)
    check_page(page, "backlog-viewer")


@at_desktop_and_phone
def test_give_a_booking_a_new_date_in_the_browser(
    page: Page, sign_in_as, check_page: Check, desk: Desk, waiting
):
    booking = waiting[1]
    reference = format_booking_reference(booking.reference)
    new_date = timezone.localdate() + dt.timedelta(days=21)
    sign_in_as(desk.ops)
    page.goto("/staff/backlog/")

    page.get_by_role("link", name=f"Give a new date to booking {reference}").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Give this booking a new date")
    check_page(page, "reschedule")

    # A date that cannot be, and a time that is not one: both named, nothing changes.
    page.get_by_label("Day").fill("31")
    page.get_by_label("Month").fill("2")
    page.get_by_label("Year").fill(str(new_date.year))
    page.get_by_label("New time").fill("25:00")
    page.get_by_role("button", name="Save new date").click()
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Date must be a real date")
    expect(summary).to_contain_text("Enter a real time, like 9:30am or 14:30")
    check_page(page, "reschedule-error")
    assert Appointment.objects.get(pk=booking.pk).status == Status.POSTPONED

    page.get_by_label("Day").fill(str(new_date.day))
    page.get_by_label("Month").fill(str(new_date.month))
    page.get_by_label("New time").fill("2:30pm")
    page.get_by_label("Site").select_option(label="Norfolk and Norwich University Hospital")
    page.get_by_role("button", name="Save new date").click()

    banner = page.locator(".nhsuk-notification-banner--success")
    expect(banner).to_contain_text(f"Booking {reference} now has a new date")
    expect(banner).to_contain_text(f"{new_date:%-d %B %Y} at 2:30pm")
    expect(page.locator(".sd-backlog-table")).not_to_contain_text(reference)
    expect(page.get_by_role("heading", name="2 bookings waiting for a new date")).to_be_visible()
    moved = Appointment.objects.get(pk=booking.pk)
    assert moved.status == Status.RESCHEDULED
    assert moved.site == desk.site
    check_page(page, "backlog-after-reschedule")
