"""The staff dashboard's strikes overview (/staff/): strikes by phase, the days left to tell
patients, and a readiness line per trust the user may see, from a fixed number of grouped
queries."""

import datetime as dt
import re
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from appointments.models import NoticeStatus
from strikes.models import StrikeStatus
from tests.factories import (
    MembershipFactory,
    NoticeFactory,
    ParticipationFactory,
    StrikeFactory,
    TrustFactory,
    UserFactory,
)
from tests.strikes.desk import Desk
from trusts.models import Membership

pytestmark = pytest.mark.django_db


class _Tables(HTMLParser):
    """The body rows of tables whose class includes ``css_class``, as lists of cell texts.
    The responsive tables' repeated headings (hidden from screen readers) are left out."""

    def __init__(self, css_class: str) -> None:
        super().__init__()
        self.css_class = css_class
        self.tables: list[list[list[str]]] = []
        self.depth = 0  # inside a wanted table's <tbody>
        self.in_table = False
        self.skipping = 0
        self.cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if tag == "table" and self.css_class in classes:
            self.in_table = True
            self.tables.append([])
        elif self.in_table and tag == "tbody":
            self.depth = 1
        elif self.depth and tag == "tr":
            self.tables[-1].append([])
        elif self.depth and tag in ("td", "th"):
            self.cell = []
        elif self.cell is not None and tag == "span" and "nhsuk-table__heading" in classes:
            self.skipping = 1
        elif self.skipping and tag == "span":
            self.skipping += 1

    def handle_endtag(self, tag: str) -> None:
        if self.skipping and tag == "span":
            self.skipping -= 1
        elif self.cell is not None and tag in ("td", "th"):
            self.tables[-1][-1].append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif tag == "tbody":
            self.depth = 0
        elif tag == "table":
            self.in_table = False

    def handle_data(self, data: str) -> None:
        if self.cell is not None and not self.skipping:
            self.cell.append(data)


def tables(html: str, css_class: str) -> list[list[list[str]]]:
    parser = _Tables(css_class)
    parser.feed(html)
    return parser.tables


def strike_section(html: str, strike) -> str:
    start = html.index(f'aria-labelledby="strike-{strike.public_id}"')
    return html[start : html.index("</section>", start)]


def readiness(html: str, strike) -> dict[str, list[str]]:
    """Trust name -> [taking part, assessed, at risk, generated, sent, failed, overdue]."""
    (rows,) = tables(strike_section(html, strike), "sd-readiness")
    return {row[0]: row[1:] for row in rows}


def page(client, user) -> str:
    client.force_login(user)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def desk() -> Desk:
    return Desk()


@pytest.fixture
def national():
    return UserFactory(is_superuser=True, is_staff=True)


def notices_for(desk: Desk, now: dt.datetime) -> None:
    """At trust A: 2 sent (one delivered), 1 failed and overdue, 1 pending and overdue, 1
    pending not yet due, 1 withdrawn. At trust B: 3 pending, overdue."""
    past, later = now - dt.timedelta(hours=1), now + dt.timedelta(days=3)
    for status, due_by in [
        (NoticeStatus.SENT, past),
        (NoticeStatus.DELIVERED, past),
        (NoticeStatus.FAILED, past),
        (NoticeStatus.PENDING, past),
        (NoticeStatus.PENDING, later),
        (NoticeStatus.WITHDRAWN, past),
    ]:
        sent_at = now if status in ("sent", "delivered", "failed") else None
        NoticeFactory(
            appointment=desk.book(),
            strike=desk.strike,
            status=status,
            due_by=due_by,
            sent_at=sent_at,
        )
    for _ in range(3):
        NoticeFactory(appointment=desk.book(site=desk.other_site), strike=desk.strike, due_by=past)


def test_readiness_counts_for_the_users_own_trust(client, desk):
    desk.book(), desk.book(), desk.book(service=desk.maternity)
    desk.book(site=desk.other_site)
    desk.assess()
    postponed = desk.book()
    desk.assess()
    desk.decide("postponed", references=(postponed.reference,))
    notices_for(desk, timezone.now())

    lines = readiness(page(client, desk.ops), desk.strike)

    # The 6 noticed bookings were booked after the assessments: not in the strike yet.
    assert list(lines) == [desk.trust.name], "only the user's own trust"
    taking_part, assessed, at_risk, generated, sent, failed, overdue = lines[desk.trust.name]
    assert taking_part == "Yes"
    assert assessed.startswith("Yes, 4 bookings last added")
    assert (at_risk, generated, sent, failed, overdue) == ("2", "6", "2", "1", "2")


def test_a_user_of_another_trust_sees_no_counts_of_this_one(client, desk):
    desk.book(), desk.book()
    desk.assess()
    notices_for(desk, timezone.now())
    outsider_trust = TrustFactory(name="Outsider Hospital")
    outsider = MembershipFactory(trust=outsider_trust, role=Membership.Role.OPERATIONS).user

    html = page(client, outsider)

    assert readiness(html, desk.strike) == {
        "Outsider Hospital": ["Not recorded", "Not yet", "0", "0", "0", "0", "0"]
    }
    assert desk.trust.name not in html
    assert desk.other_trust.name not in html


def test_national_users_see_every_trust_with_a_part_in_the_strike(client, desk, national):
    desk.book(), desk.book(site=desk.other_site)
    desk.assess()
    notices_for(desk, timezone.now())
    dropped_out = TrustFactory(name="Aardvark Trust")
    ParticipationFactory(strike=desk.strike, trust=dropped_out, participating=False)

    lines = readiness(page(client, national), desk.strike)

    assert list(lines) == sorted([desk.trust.name, desk.other_trust.name, "Aardvark Trust"])
    assert lines["Aardvark Trust"][:2] == ["No", "Not yet"]
    taking_part, assessed, *counts = lines[desk.other_trust.name]
    assert taking_part == "Yes"
    assert assessed.startswith("Yes, 1 booking last added")
    assert counts == ["1", "3", "0", "0", "3"]


def test_notice_counts_equal_the_apis_for_the_same_user(client, desk):
    desk.book()
    desk.assess()
    notices_for(desk, timezone.now())
    html = page(client, desk.ops)
    api = client.get(
        reverse("api-strike-notices-summary", args=[desk.strike.public_id]),
        HTTP_ACCEPT="application/json",
    ).json()

    *_, generated, sent, failed, overdue = readiness(html, desk.strike)[desk.trust.name]
    by_status = api["by_status"]
    assert int(generated) == api["total"]
    assert int(sent) == by_status["sent"] + by_status["delivered"]
    assert int(failed) == by_status["failed"]
    assert int(overdue) == api["overdue"]


def test_strikes_are_grouped_now_coming_up_and_past(client, desk, national):
    now = timezone.now()
    day = dt.timedelta(days=1)
    current = StrikeFactory(title="Walkout today", starts_at=now - day, ends_at=now + day)
    ended = StrikeFactory(title="Walkout last month", starts_at=now - 30 * day)
    called_off = StrikeFactory(
        title="Called-off walkout", starts_at=now + 3 * day, status=StrikeStatus.CALLED_OFF
    )
    suspended = StrikeFactory(
        title="Suspended walkout", starts_at=now + 2 * day, status=StrikeStatus.SUSPENDED
    )

    html = page(client, national)

    headings = [html.index(text) for text in ("Happening now", "Coming up", "Past, called off")]
    assert headings == sorted(headings)
    now_part = html[headings[0] : headings[1]]
    coming = html[headings[1] : headings[2]]
    past = html[headings[2] :]
    assert current.title in now_part
    # Talks may fail: a suspended strike ahead is still prepared for.
    assert coming.index(suspended.title) < coming.index(desk.strike.title), "soonest first"
    assert called_off.title in past
    assert ended.title in past
    assert 'href="{}"'.format(reverse("dashboard_strike", args=[current.public_id])) in html


def test_days_left_to_tell_patients_count_uk_calendar_days(client, national):
    now = timezone.now()
    strike = StrikeFactory(starts_at=now + dt.timedelta(days=5), notice_lead_days=3)
    days = (timezone.localdate(strike.starts_at) - timezone.localdate(now)).days

    section = strike_section(page(client, national), strike)

    assert re.search(rf"{days}\s+days left", section)
    opens = strike.starts_at - dt.timedelta(days=3)
    assert f"Notices go out from {timezone.localtime(opens):%A} " in section


def test_the_overview_takes_the_same_number_of_queries_for_many_strikes(client, desk, national):
    desk.book(), desk.book(site=desk.other_site)
    desk.assess()
    notices_for(desk, timezone.now())
    client.force_login(national)
    with CaptureQueriesContext(connection) as one_strike:
        client.get(reverse("dashboard"))
    for _ in range(4):
        more = Desk()
        more.book(), more.book(site=more.other_site)
        more.assess()
        notices_for(more, timezone.now())
    with CaptureQueriesContext(connection) as five_strikes:
        response = client.get(reverse("dashboard"))
    assert response.content.decode().count("sd-strike-card") >= 5
    assert len(five_strikes.captured_queries) == len(one_strike.captured_queries)


def test_no_strikes_is_explained(client):
    viewer = MembershipFactory(role=Membership.Role.VIEWER).user
    html = page(client, viewer)
    assert "No strikes yet" in html
    assert "sd-strike-card" not in html


def test_a_user_with_no_trust_is_told_why_nothing_is_counted(client, desk):
    html = page(client, UserFactory())
    assert "You do not belong to a trust yet" in html
    assert "sd-readiness" not in strike_section(html, desk.strike)


def test_signing_in_is_required(client):
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert reverse("sign_in") in response["Location"]
