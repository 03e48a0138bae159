"""/staff/backlog/: postponed bookings awaiting a new date, in order, scoped to the user's
trusts, with counts, and how many were still waiting N days after each strike."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from appointments.models import Appointment, Notice, NoticeKind, Priority, Status
from appointments.notices.generation import notices_generate
from appointments.references import format_booking_reference
from appointments.services import appointment_reschedule
from tests.factories import MembershipFactory, UserFactory
from tests.strikes.desk import ENDS_AT, Desk, state
from trusts.models import Membership

pytestmark = pytest.mark.django_db

BACKLOG = reverse("dashboard_backlog")


def postponed(desk: Desk, *bookings: Appointment, now: dt.datetime | None = None) -> None:
    desk.assess()
    by_trust: dict[int, list[str]] = {}
    for booking in bookings:
        by_trust.setdefault(booking.trust_id, []).append(booking.reference)
    for trust_id, references in by_trust.items():
        actor = desk.ops if trust_id == desk.trust.pk else other_ops(desk)
        kwargs = {"now": now} if now else {}
        desk.decide("postponed", references=tuple(references), actor=actor, **kwargs)


def other_ops(desk: Desk):
    membership = Membership.objects.filter(
        trust=desk.other_trust, role=Membership.Role.OPERATIONS
    ).first()
    if membership:
        return membership.user
    return MembershipFactory(trust=desk.other_trust, role=Membership.Role.OPERATIONS).user


def user_at(trust, role=Membership.Role.VIEWER):
    return MembershipFactory(trust=trust, role=role).user


def references_in(html: str) -> list[str]:
    """The booking references listed, in page order (each row's id)."""
    return re.findall(r'id="booking-([A-Z0-9]{12})"', html)


@pytest.fixture
def desk() -> Desk:
    desk = Desk()
    # Urgent and cancer bookings are exempt by default; this strike lets them be postponed.
    desk.strike.protect_urgent = False
    desk.strike.save()
    return desk


def test_most_urgent_first_then_oldest_referral(client, desk):
    routine_old = desk.book(priority=Priority.ROUTINE, referral_received_on=dt.date(2025, 1, 1))
    routine_unknown = desk.book(priority=Priority.ROUTINE, referral_received_on=None)
    routine_new = desk.book(priority=Priority.ROUTINE, referral_received_on=dt.date(2026, 3, 1))
    soon = desk.book(priority=Priority.SOON, referral_received_on=dt.date(2026, 5, 1))
    cancer = desk.book(priority=Priority.CANCER, referral_received_on=dt.date(2026, 6, 1))
    urgent = desk.book(priority=Priority.URGENT, referral_received_on=dt.date(2026, 7, 1))
    not_postponed = desk.book()
    postponed(desk, routine_old, routine_unknown, routine_new, soon, cancer, urgent)
    client.force_login(desk.ops)

    html = client.get(BACKLOG).content.decode()

    assert references_in(html) == [
        b.reference for b in (urgent, cancer, soon, routine_old, routine_new, routine_unknown)
    ]
    assert not_postponed.reference not in html
    assert "6 bookings waiting for a new date" in html


def test_operations_see_names_viewers_do_not_and_other_trusts_see_nothing(client, desk):
    booking = desk.book(patient__given_name="Ada", patient__family_name="Lovelace")
    postponed(desk, booking)
    reschedule = reverse("dashboard_backlog_reschedule", args=[booking.reference])

    client.force_login(desk.ops)
    html = client.get(BACKLOG).content.decode()
    assert "Ada Lovelace" in html
    assert reschedule in html

    client.force_login(user_at(desk.trust, Membership.Role.VIEWER))
    html = client.get(BACKLOG).content.decode()
    assert references_in(html) == [booking.reference]
    assert "Lovelace" not in html
    assert reschedule not in html
    assert "View only" in html

    client.force_login(user_at(desk.other_trust, Membership.Role.ADMIN))
    html = client.get(BACKLOG).content.decode()
    assert references_in(html) == []
    assert "Lovelace" not in html
    assert "Nobody at your trusts is waiting for a new date" in html
    # Nor through the filters or the strike figures.
    html = client.get(BACKLOG, {"strike": str(desk.strike.public_id)}).content.decode()
    assert references_in(html) == []


def test_a_user_with_no_trust_sees_an_empty_backlog(client, desk):
    postponed(desk, desk.book())
    client.force_login(UserFactory())
    html = client.get(BACKLOG).content.decode()
    assert references_in(html) == []
    assert "No strike has postponed bookings at your trusts yet" in html


def test_filters_by_service_site_strike_and_trust(client, desk):
    clinic = desk.book()
    physio = desk.book(service=desk.physio, site=desk.second_site)
    elsewhere = desk.book(site=desk.other_site)
    postponed(desk, clinic, physio, elsewhere)
    both = UserFactory()
    MembershipFactory(user=both, trust=desk.trust, role=Membership.Role.OPERATIONS)
    MembershipFactory(user=both, trust=desk.other_trust, role=Membership.Role.VIEWER)
    client.force_login(both)

    def listed(**params):
        return set(references_in(client.get(BACKLOG, params).content.decode()))

    assert listed() == {clinic.reference, physio.reference, elsewhere.reference}
    assert listed(service="physio") == {physio.reference}
    assert listed(site=desk.second_site.code) == {physio.reference}
    assert listed(trust=desk.other_trust.ods_code) == {elsewhere.reference}
    assert listed(strike=str(desk.strike.public_id), service="clinic") == {
        clinic.reference,
        elsewhere.reference,
    }
    html = client.get(BACKLOG).content.decode()
    assert 'id="filter-trust"' in html  # two trusts: the trust filter is offered
    # Only the trust where the user acts shows names and the action.
    reschedule_links = re.findall(r"/staff/backlog/([A-Z0-9]{12})/reschedule/", html)
    assert set(reschedule_links) == {clinic.reference, physio.reference}


def test_one_trust_users_get_no_trust_filter(client, desk):
    postponed(desk, desk.book())
    client.force_login(desk.ops)
    assert 'id="filter-trust"' not in client.get(BACKLOG).content.decode()


def test_a_filter_the_user_may_not_choose_is_an_error_not_a_leak(client, desk):
    mine = desk.book()
    theirs = desk.book(site=desk.other_site)
    postponed(desk, mine, theirs)
    client.force_login(desk.ops)

    response = client.get(BACKLOG, {"trust": desk.other_trust.ods_code, "site": "NOPE1"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html
    assert "Choose a trust from the list" in html
    assert "Choose a site from the list" in html
    assert references_in(html) == [mine.reference]
    assert "<title>Error: " in html


def test_counts_by_trust_and_service(client, desk):
    bookings = [desk.book(), desk.book(), desk.book(service=desk.physio)]
    bookings += [desk.book(site=desk.other_site)]
    postponed(desk, *bookings)
    national = UserFactory(is_superuser=True)
    client.force_login(national)

    html = client.get(BACKLOG).content.decode()

    by_trust = _count_table(html, "Waiting by trust")
    by_service = _count_table(html, "Waiting by service")
    assert by_trust == {desk.trust.name: "3", desk.other_trust.name: "1"}
    assert by_service == {"Clinic": "3", "Physio": "1"}


def _count_table(html: str, caption: str) -> dict[str, str]:
    table = html.split(caption, 1)[1].split("</table>", 1)[0]
    cells = re.findall(
        r'<th scope="row" class="nhsuk-table__header">([^<]+)</th>\s*'
        r'<td class="nhsuk-table__cell sd-numeric">([^<]+)</td>',
        table,
    )
    return {name.strip(): count.strip() for name, count in cells}


def test_pages_of_twenty_five(client, desk):
    desk.book_many(30)
    desk.assess()
    desk.decide("postponed", trust=desk.trust.ods_code)
    client.force_login(desk.ops)

    first = client.get(BACKLOG).content.decode()
    second = client.get(BACKLOG, {"page": "2"}).content.decode()
    beyond = client.get(BACKLOG, {"page": "99"}).content.decode()

    assert len(references_in(first)) == 25
    assert len(references_in(second)) == 5
    assert not set(references_in(first)) & set(references_in(second))
    assert references_in(beyond) == references_in(second)
    assert "Page 2 of 2" in first


def test_still_waiting_n_days_after_the_strike_reads_the_history(client, desk):
    quick, slow, never = desk.book(), desk.book(), desk.book()
    postponed(desk, quick, slow, never)
    later = ENDS_AT + dt.timedelta(days=120)
    appointment_reschedule(
        appointment=quick, starts_at=later, actor=desk.ops, at=ENDS_AT + dt.timedelta(days=3)
    )
    appointment_reschedule(
        appointment=slow, starts_at=later, actor=desk.ops, at=ENDS_AT + dt.timedelta(days=20)
    )
    client.force_login(desk.ops)

    def still_waiting(days: int) -> tuple[str, str]:
        html = client.get(BACKLOG, {"after_days": str(days)}).content.decode()
        table = html.split('id="still-waiting-caption"', 1)[1].split("</table>", 1)[0]
        assert desk.strike.title in table
        postponed_count, waiting = re.findall(r'class="sd-count">([^<]+)</span>', table)
        return postponed_count.strip(), waiting.strip()

    assert still_waiting(7) == ("3", "2")
    assert still_waiting(14) == ("3", "2")
    assert still_waiting(28) == ("3", "1")
    assert still_waiting(56) == ("3", "1")
    # Only the one with no date at all is still in the list itself.
    assert references_in(client.get(BACKLOG).content.decode()) == [never.reference]


def test_still_waiting_before_the_cutoff_equals_the_reports_awaiting_new_date(client, desk):
    bookings = [desk.book() for _ in range(4)]
    now = timezone.now()
    postponed(desk, *bookings, now=now)
    appointment_reschedule(
        appointment=bookings[0], starts_at=now + dt.timedelta(days=400), actor=desk.ops
    )
    client.force_login(desk.ops)

    html = client.get(BACKLOG, {"after_days": "56"}).content.decode()
    report = client.get(
        f"/api/v1/strikes/{desk.strike.public_id}/report/", HTTP_ACCEPT="application/json"
    ).json()

    table = html.split('id="still-waiting-caption"', 1)[1].split("</table>", 1)[0]
    postponed_count, waiting = (
        v.strip() for v in re.findall(r'class="sd-count">([^<]+)</span>', table)
    )
    assert int(waiting) == report["totals"]["awaiting_new_date"] == 3
    assert int(postponed_count) == report["totals"]["postponed_total"] == 4
    assert "Not reached yet" in table


def test_a_bad_number_of_days_is_an_error(client, desk):
    postponed(desk, desk.book())
    client.force_login(desk.ops)
    html = client.get(BACKLOG, {"after_days": "5"}).content.decode()
    assert "Choose 7, 14, 28 or 56 days" in html
    assert "28 days after the strike ended" in html


def test_empty_state_with_filters_says_how_to_widen(client, desk):
    postponed(desk, desk.book())
    client.force_login(desk.ops)
    html = client.get(BACKLOG, {"service": "physio"}).content.decode()
    # physio never had a postponement here: the filter refuses it.
    assert "Choose a service from the list" in html
    desk.assess()
    physio = desk.book(service=desk.physio)
    postponed(desk, physio)
    appointment_reschedule(
        appointment=physio, starts_at=ENDS_AT + dt.timedelta(days=30), actor=desk.ops
    )
    html = client.get(BACKLOG, {"service": "physio"}).content.decode()
    assert "No postponed bookings match these filters" in html
    assert "Clear filters" in html


def test_htmx_gets_only_the_results(client, desk):
    booking = desk.book()
    postponed(desk, booking)
    client.force_login(desk.ops)
    response = client.get(BACKLOG, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    # What goes inside #backlog-results, not a page with another one inside it.
    assert 'id="backlog-results"' not in html
    assert "<html" not in html
    assert references_in(html) == [booking.reference]
    assert "HX-Request" in response["Vary"]


def test_the_rescheduled_booking_leaves_the_backlog(client, desk):
    booking = desk.book()
    postponed(desk, booking)
    client.force_login(desk.ops)
    assert references_in(client.get(BACKLOG).content.decode()) == [booking.reference]
    appointment_reschedule(
        appointment=booking, starts_at=timezone.now() + dt.timedelta(days=30), actor=desk.ops
    )
    html = client.get(BACKLOG).content.decode()
    assert references_in(html) == []
    assert format_booking_reference(booking.reference) not in html
    assert Appointment.objects.get(pk=booking.pk).status == Status.RESCHEDULED


# Giving a booking a new date ------------------------------------------------------------


def reschedule_url(booking: Appointment) -> str:
    return reverse("dashboard_backlog_reschedule", args=[booking.reference])


def new_date_form(when: dt.date, time: str = "9:30am", **fields: str) -> dict[str, str]:
    return {
        "day": str(when.day),
        "month": str(when.month),
        "year": str(when.year),
        "time": time,
        **fields,
    }


@pytest.fixture
def waiting(desk: Desk) -> Appointment:
    booking = desk.book(patient__given_name="Ada", patient__family_name="Lovelace")
    postponed(desk, booking, now=timezone.now())
    return Appointment.objects.get(pk=booking.pk)


IN_A_MONTH = timezone.localdate() + dt.timedelta(days=30)


def test_reschedule_gives_the_new_date_writes_history_and_owes_the_notice(client, desk, waiting):
    client.force_login(desk.ops)
    form = client.get(reschedule_url(waiting))
    assert form.status_code == 200
    assert "Lovelace" in form.content.decode()

    response = client.post(
        reschedule_url(waiting),
        new_date_form(IN_A_MONTH, "2:15pm", site=waiting.site.code, back="service=clinic&x=1"),
        follow=True,
    )

    booking = Appointment.objects.get(pk=waiting.pk)
    local = timezone.localtime(booking.starts_at)
    assert booking.status == Status.RESCHEDULED
    assert (local.date(), local.hour, local.minute) == (IN_A_MONTH, 14, 15)
    assert booking.original_starts_at == waiting.starts_at
    event = booking.events.order_by("-pk").first()
    assert (event.action, event.from_status, event.to_status) == (
        "rescheduled",
        Status.POSTPONED,
        Status.RESCHEDULED,
    )
    assert event.actor == desk.ops
    # Back to the list it came from (its own filters only), with a banner naming it.
    assert response.redirect_chain[-1][0] == f"{BACKLOG}?service=clinic"
    html = response.content.decode()
    assert format_booking_reference(booking.reference) in html
    assert f"{IN_A_MONTH:%-d %B %Y} at 2:15pm" in html
    assert booking.reference not in references_in(html)

    notices_generate()
    assert Notice.objects.filter(appointment=booking, kind=NoticeKind.RESCHEDULED).count() == 1


def test_reschedule_to_another_site_of_the_same_trust(client, desk, waiting):
    client.force_login(desk.ops)
    client.post(reschedule_url(waiting), new_date_form(IN_A_MONTH, site=desk.second_site.code))
    booking = Appointment.objects.get(pk=waiting.pk)
    assert (booking.status, booking.site) == (Status.RESCHEDULED, desk.second_site)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"day": "", "month": "", "year": ""}, "Enter the new date"),
        ({"month": ""}, "Date must include a month"),
        ({"day": "31", "month": "2"}, "Date must be a real date"),
        ({"day": "x"}, "Date must be a real date"),
        ({"day": "9" * 5000}, "Date must be a real date"),
        ({"year": "27"}, "Year must include 4 numbers"),
        ({"year": str(timezone.localdate().year - 1)}, "Date must be today or in the future"),
        ({"year": str(timezone.localdate().year + 5)}, "Date must be within the next 2 years"),
        ({"time": ""}, "Enter the new time"),
        ({"time": "25:00"}, "Enter a real time, like 9:30am or 14:30"),
        ({"time": "13pm"}, "Enter a real time, like 9:30am or 14:30"),
        ({"time": "soon"}, "Enter a real time, like 9:30am or 14:30"),
        ({"site": "NOPE1"}, "Choose one of"),
    ],
)
def test_bad_input_is_a_form_error_and_changes_nothing(client, desk, waiting, fields, message):
    client.force_login(desk.ops)
    before = state()
    response = client.post(reschedule_url(waiting), {**new_date_form(IN_A_MONTH), **fields})
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html
    assert message in html
    assert "<title>Error: " in html
    assert state() == before


def test_a_time_already_past_today_is_refused(client, desk, waiting):
    client.force_login(desk.ops)
    now = timezone.localtime()
    if now.hour == 0 and now.minute < 2:
        pytest.skip("no earlier minute today")
    response = client.post(reschedule_url(waiting), new_date_form(now.date(), "00:00"))
    assert "The new time must be in the future" in response.content.decode()
    assert Appointment.objects.get(pk=waiting.pk).status == Status.POSTPONED


def test_a_time_the_clocks_skip_is_refused(client, desk, waiting):
    # The last Sunday of March: 1am to 2am does not happen in the UK.
    year = timezone.localdate().year + 1
    march_31 = dt.date(year, 3, 31)
    clocks_change = march_31 - dt.timedelta(days=(march_31.weekday() + 1) % 7)
    client.force_login(desk.ops)
    response = client.post(reschedule_url(waiting), new_date_form(clocks_change, "1:30am"))
    assert "because the clocks go forward" in response.content.decode()
    assert Appointment.objects.get(pk=waiting.pk).status == Status.POSTPONED


def test_another_trusts_site_is_refused(client, desk, waiting):
    client.force_login(desk.ops)
    response = client.post(
        reschedule_url(waiting), new_date_form(IN_A_MONTH, site=desk.other_site.code)
    )
    assert "Choose one of" in response.content.decode()
    booking = Appointment.objects.get(pk=waiting.pk)
    assert (booking.status, booking.site) == (Status.POSTPONED, desk.site)


def test_viewer_gets_no_form_and_403_on_post(client, desk, waiting):
    client.force_login(user_at(desk.trust, Membership.Role.VIEWER))
    before = state()
    assert client.get(reschedule_url(waiting)).status_code == 403
    assert client.post(reschedule_url(waiting), new_date_form(IN_A_MONTH)).status_code == 403
    assert state() == before


@pytest.mark.parametrize("role", list(Membership.Role))
def test_another_trusts_booking_is_a_404_whatever_the_role(client, desk, waiting, role):
    client.force_login(user_at(desk.other_trust, role))
    before = state()
    assert client.get(reschedule_url(waiting)).status_code == 404
    assert client.post(reschedule_url(waiting), new_date_form(IN_A_MONTH)).status_code == 404
    assert state() == before
    missing = reverse("dashboard_backlog_reschedule", args=["NOTAREFERENC"])
    client.force_login(desk.ops)
    assert client.get(missing).status_code == 404


def test_a_booking_no_longer_waiting_goes_back_with_a_message(client, desk, waiting):
    appointment_reschedule(
        appointment=waiting, starts_at=timezone.now() + dt.timedelta(days=9), actor=desk.ops
    )
    client.force_login(desk.ops)
    response = client.post(reschedule_url(waiting), new_date_form(IN_A_MONTH), follow=True)
    assert response.redirect_chain[-1][0] == BACKLOG
    assert "is not waiting for a new date: it is rescheduled" in response.content.decode()


def test_the_page_costs_the_same_queries_for_more_bookings(client, desk):
    desk.book_many(3)
    desk.assess()
    desk.decide("postponed", trust=desk.trust.ods_code)
    client.force_login(desk.ops)
    with CaptureQueriesContext(connection) as few:
        client.get(BACKLOG)
    desk.book_many(20, site=desk.second_site)
    desk.assess()
    desk.decide("postponed", trust=desk.trust.ods_code)
    with CaptureQueriesContext(connection) as many:
        client.get(BACKLOG)
    assert len(many.captured_queries) == len(few.captured_queries)
