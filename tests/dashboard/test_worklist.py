"""The strike worklist page: filters and order, trust scope, names, and bulk decisions."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from appointments.models import Outcome, StrikeImpact
from appointments.references import format_booking_reference
from config.jinja2 import long_date
from strikes.models import LONDON, StrikeStatus
from tests.factories import MembershipFactory, UserFactory
from tests.strikes.desk import EARLY_SLOT, LATE_SLOT, STARTS_AT, Desk, state
from trusts.models import Membership

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
DAY_ONE = STARTS_AT.astimezone(LONDON).date()
DAY_TWO = DAY_ONE + dt.timedelta(days=1)


@pytest.fixture
def desk() -> Desk:
    return Desk()


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def url(desk: Desk, step: str = "") -> str:
    return f"/staff/strikes/{desk.strike.public_id}/worklist/{step}"


def listed(response) -> list[str]:
    """The booking references in the table, in order."""
    assert response.status_code == 200
    return re.findall(r'data-reference="([0-9A-Z]{12})"', response.content.decode())


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def outcomes(*bookings) -> list[str]:
    return [StrikeImpact.objects.get(appointment=b).outcome for b in bookings]


def viewer_at(trust):
    return MembershipFactory(trust=trust, role=Membership.Role.VIEWER).user


# What is listed -----------------------------------------------------------------------


def test_lists_the_undecided_bookings_in_time_order_by_default(desk):
    late, early = desk.book(at=LATE_SLOT), desk.book(at=EARLY_SLOT)
    exempt = desk.book(service=desk.maternity)
    decided = desk.book()
    desk.assess()
    desk.decide(Outcome.POSTPONED, references=(decided.reference,))
    response = signed_in(desk.ops).get(url(desk))
    assert listed(response) == [early.reference, late.reference]
    page = text(response)
    assert exempt.reference not in page
    assert decided.reference not in page
    assert "2 bookings: at risk (undecided)" in page
    assert format_booking_reference(early.reference) in page
    assert "9am" in page
    assert long_date(EARLY_SLOT) in page
    assert 'aria-current="page">Worklist' in page.replace("\n", "")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("service=physio", ["physio"]),
        (f"day={DAY_ONE.isoformat()}", ["early"]),
        ("kind=inpatient", ["inpatient"]),
        ("priority=soon", ["soon"]),
        ("outcome=postponed", ["postponed"]),
    ],
)
def test_each_filter_narrows_the_list(desk, query, expected):
    bookings = {
        "plain": desk.book(at=LATE_SLOT),
        "early": desk.book(at=EARLY_SLOT),
        "physio": desk.book(service=desk.physio),
        "inpatient": desk.book(kind="inpatient"),
        "soon": desk.book(priority="soon"),
        "postponed": desk.book(),
    }
    desk.assess()
    desk.decide(Outcome.POSTPONED, references=(bookings["postponed"].reference,))
    response = signed_in(desk.ops).get(f"{url(desk)}?{query}")
    assert listed(response) == [bookings[name].reference for name in expected]


def test_site_filter_and_sorts(desk):
    second = desk.book(site=desk.second_site, at=EARLY_SLOT)
    first = desk.book(at=LATE_SLOT, priority="soon")
    third = desk.book(at=LATE_SLOT + dt.timedelta(hours=1))
    desk.assess()
    client = signed_in(desk.ops)
    assert listed(client.get(f"{url(desk)}?site={desk.second_site.code.lower()}")) == [
        second.reference
    ]
    by_reference = sorted([first.reference, second.reference, third.reference])
    assert listed(client.get(f"{url(desk)}?sort=reference")) == by_reference
    assert listed(client.get(f"{url(desk)}?sort=priority")) == [
        first.reference,
        second.reference,
        third.reference,
    ]
    assert desk.site.name < desk.second_site.name
    assert listed(client.get(f"{url(desk)}?sort=site")) == [
        first.reference,
        third.reference,
        second.reference,
    ]


def test_pages_keep_the_filters_and_the_order(desk):
    desk.book_many(60)
    desk.assess()
    client = signed_in(desk.ops)
    first = client.get(f"{url(desk)}?service=clinic&sort=time")
    assert len(listed(first)) == 50
    assert "Showing 1 to 50" in text(first)
    links = re.findall(r'href="([^"]*page=2[^"]*)"', first.content.decode())
    assert links
    assert all("service=clinic" in link and "sort=time" in link for link in links)
    second = client.get(links[0].replace("&amp;", "&"))
    assert len(listed(second)) == 10
    assert not set(listed(first)) & set(listed(second))


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("site=NOPE", "Choose a site from the list"),
        ("day=2020-01-01", "Choose a day of this strike from the list"),
        ("day=tuesday", "Choose a day of this strike from the list"),
        ("kind=ward", "Choose a kind of booking from the list"),
        ("outcome=exempt", "Choose a decision from the list"),
        ("sort=patient", "Choose an order from the list"),
    ],
)
def test_a_bad_filter_value_is_a_clear_error_not_a_500(desk, query, message):
    desk.book()
    desk.assess()
    response = signed_in(desk.ops).get(f"{url(desk)}?{query}")
    assert response.status_code == 200
    page = text(response)
    assert "There is a problem" in page
    assert message in page
    assert "<title>Error: Worklist" in page
    assert listed(response) == []


# Empty states -------------------------------------------------------------------------


def test_empty_states_say_what_to_do(desk):
    client = signed_in(desk.ops)
    not_assessed = text(client.get(url(desk)))
    assert "Not assessed yet" in not_assessed
    assert f'href="/staff/strikes/{desk.strike.public_id}/"' in not_assessed
    booking = desk.book()
    desk.assess()
    assert "No bookings match these filters" in text(client.get(f"{url(desk)}?service=physio"))
    desk.decide(Outcome.POSTPONED, references=(booking.reference,))
    assert "Every booking in this strike has a decision" in text(client.get(url(desk)))


# Trust scope and names ----------------------------------------------------------------


def test_another_trusts_bookings_are_never_listed_or_offered(desk):
    ours, theirs = desk.book(), desk.book(site=desk.other_site)
    desk.assess()
    client = signed_in(desk.ops)
    assert listed(client.get(url(desk))) == [ours.reference]
    refused = client.get(f"{url(desk)}?site={desk.other_site.code}")
    assert "Choose a site from the list" in text(refused)
    assert theirs.reference not in text(refused)
    assert 'name="trust"' not in text(client.get(url(desk))), "one trust: no trust filter"


def test_another_trusts_reference_in_a_post_changes_nothing(desk):
    ours, theirs = desk.book(), desk.book(site=desk.other_site)
    desk.assess()
    before = state()
    client = signed_in(desk.ops)
    for step in ("confirm/", "decide/"):
        response = client.post(
            url(desk, step),
            {
                "decision": "postponed:selected",
                "booking": [ours.reference, theirs.reference],
                "expected": 2,
            },
            follow=True,
        )
        assert "not bookings in this strike at a trust where you can make decisions" in text(
            response
        )
        assert "Nothing was changed" in text(response)
    assert state() == before


def test_names_only_for_operations_staff_of_that_trust(desk):
    booking = desk.book(patient__given_name="Ada", patient__family_name="Lovelace")
    other = desk.book(site=desk.other_site, patient__given_name="Bo", patient__family_name="Other")
    desk.assess()
    assert "Ada Lovelace" in text(signed_in(desk.ops).get(url(desk)))

    both = desk.ops
    MembershipFactory(user=both, trust=desk.other_trust, role=Membership.Role.VIEWER)
    page = signed_in(both).get(url(desk))
    assert set(listed(page)) == {booking.reference, other.reference}
    assert "Ada Lovelace" in text(page)
    assert "Bo Other" not in text(page)
    assert "Not shown" in text(page)
    assert 'name="trust"' in text(page), "two trusts: a trust filter"
    assert f'value="{other.reference}"' not in text(page), "no checkbox where only viewing"

    national = UserFactory(is_superuser=True, is_staff=True)
    for user in (viewer_at(desk.trust), national):
        client = signed_in(user)
        with CaptureQueriesContext(connection) as queries:
            page = client.get(url(desk))
        assert booking.reference in listed(page)
        assert "Lovelace" not in text(page)
        assert "Patient</th>" not in text(page)
        assert not any("given_name" in q["sql"] for q in queries.captured_queries)


def test_the_trust_filter_for_national_and_multi_trust_users(desk):
    ours, theirs = desk.book(service=desk.physio), desk.book(site=desk.other_site)
    desk.assess()
    national = signed_in(UserFactory(is_superuser=True, is_staff=True))
    assert set(listed(national.get(url(desk)))) == {ours.reference, theirs.reference}
    only_theirs = national.get(url(desk), {"trust": desk.other_trust.ods_code.lower()})
    assert listed(only_theirs) == [theirs.reference]
    assert 'name="decision"' in text(only_theirs), "national users may decide anywhere"
    assert listed(national.get(url(desk), {"sort": "service"})) == [
        theirs.reference,
        ours.reference,
    ]

    MembershipFactory(user=desk.ops, trust=desk.other_trust, role=Membership.Role.VIEWER)
    both = signed_in(desk.ops)
    viewed_only = both.get(url(desk), {"trust": desk.other_trust.ods_code})
    assert listed(viewed_only) == [theirs.reference]
    assert 'name="decision"' not in text(viewed_only), "no actions for a trust only viewed"
    assert 'name="decision"' in text(both.get(url(desk), {"trust": desk.trust.ods_code}))


# Viewers ------------------------------------------------------------------------------


def test_a_viewer_sees_no_actions_and_gets_403_with_nothing_changed(desk):
    booking = desk.book()
    desk.assess()
    viewer = signed_in(viewer_at(desk.trust))
    page = text(viewer.get(url(desk)))
    assert booking.reference in page
    assert 'name="decision"' not in page
    assert 'name="booking"' not in page
    assert "Operations staff and trust admins make the decisions" in page
    before = state()
    for step in ("confirm/", "decide/"):
        for decision in ("postponed:selected", "postponed:matching"):
            response = viewer.post(
                url(desk, step),
                {"decision": decision, "booking": [booking.reference], "expected": 1},
            )
            assert response.status_code == 403
    assert state() == before


# Deciding -----------------------------------------------------------------------------


def confirm_and_decide(client: Client, desk: Desk, data: dict, **headers) -> tuple:
    confirmation = client.post(url(desk, "confirm/"), data, **headers)
    assert confirmation.status_code == 200
    expected = re.search(r'name="expected" value="(\d+)"', confirmation.content.decode())
    assert expected, text(confirmation)
    done = client.post(url(desk, "decide/"), {**data, "expected": expected[1]}, **headers)
    return confirmation, int(expected[1]), done


def test_the_whole_filter_count_confirmed_is_the_count_changed(desk):
    physio = [
        desk.book(service=desk.physio, at=LATE_SLOT + dt.timedelta(minutes=n)) for n in range(3)
    ]
    physio_day_one = desk.book(service=desk.physio, at=EARLY_SLOT)
    clinic = desk.book()
    desk.assess()
    client = signed_in(desk.ops)
    filters = {"service": "physio", "day": DAY_TWO.isoformat(), "outcome": "at_risk"}
    listing = client.get(url(desk), filters)
    assert "Postpone all 3" in text(listing)
    confirmation, expected, done = confirm_and_decide(
        client, desk, {**filters, "decision": "postponed:matching"}
    )
    assert "Postpone 3 bookings?" in text(confirmation)
    assert "Patients will be told they will get a new date." in text(confirmation)
    assert expected == 3
    assert done.status_code == 302
    assert done["Location"].startswith(url(desk))
    assert "service=physio" in done["Location"]
    after = client.get(done["Location"])
    assert "Postponed 3 bookings." in text(after)
    assert outcomes(*physio) == [Outcome.POSTPONED] * 3
    assert outcomes(physio_day_one, clinic) == [Outcome.AT_RISK, Outcome.AT_RISK]


def test_the_page_counts_what_the_api_lists(desk):
    for n in range(4):
        desk.book(service=desk.physio, at=LATE_SLOT + dt.timedelta(minutes=n))
    desk.book()
    desk.assess()
    client = signed_in(desk.ops)
    api = client.get(
        f"/api/v1/strikes/{desk.strike.public_id}/impacts/",
        {"service": "physio", "outcome": "at_risk"},
        HTTP_ACCEPT="application/json",
    ).json()
    page = client.get(url(desk), {"service": "physio"})
    assert listed(page) == [item["reference"] for item in api["results"]]


def test_a_stale_confirmation_writes_nothing(desk):
    desk.book(service=desk.physio)
    desk.assess()
    client = signed_in(desk.ops)
    data = {"service": "physio", "decision": "postponed:matching"}
    confirmation = client.post(url(desk, "confirm/"), data)
    assert "Postpone 1 booking?" in text(confirmation)
    desk.book(service=desk.physio)
    desk.assess()
    before = state()
    response = client.post(url(desk, "decide/"), {**data, "expected": 1}, follow=True)
    assert "You confirmed 1 booking, but 2 would change now" in text(response)
    assert "Nothing was changed" in text(response)
    assert state() == before


def test_selected_bookings_and_a_second_identical_submission(desk):
    chosen = [desk.book(at=LATE_SLOT + dt.timedelta(minutes=n)) for n in range(2)]
    left = desk.book()
    desk.assess()
    client = signed_in(desk.ops)
    data = {"decision": "postponed:selected", "booking": [b.reference for b in chosen]}
    confirmation, expected, done = confirm_and_decide(client, desk, data)
    assert "Postpone 2 bookings?" in text(confirmation)
    assert expected == 2
    assert "Postponed 2 bookings." in text(client.get(done["Location"]))
    assert outcomes(*chosen, left) == [Outcome.POSTPONED, Outcome.POSTPONED, Outcome.AT_RISK]

    before = state()
    again = client.post(url(desk, "decide/"), {**data, "expected": 2}, follow=True)
    assert "Nothing changed: 2 bookings are already postponed." in text(again)
    assert state() == before


def test_the_whole_filter_twice_says_already_postponed(desk):
    desk.book(service=desk.physio)
    desk.assess()
    client = signed_in(desk.ops)
    data = {"service": "physio", "decision": "postponed:matching", "expected": 1}
    client.post(url(desk, "decide/"), data)
    before = state()
    again = client.post(url(desk, "decide/"), data, follow=True)
    assert "Nothing changed: 1 booking is already postponed." in text(again)
    assert state() == before


def test_a_decision_can_be_reversed_from_the_decided_list(desk):
    booking = desk.book()
    desk.assess()
    desk.decide(Outcome.POSTPONED, references=(booking.reference,))
    client = signed_in(desk.ops)
    page = text(client.get(url(desk), {"outcome": "postponed"}))
    assert "Mark all 1 as going ahead" not in page
    assert "Mark 1 as going ahead" in page
    assert "Postpone selected" not in page
    _confirmation, expected, _done = confirm_and_decide(
        client, desk, {"outcome": "postponed", "decision": "going_ahead:matching"}
    )
    assert expected == 1
    assert outcomes(booking) == [Outcome.GOING_AHEAD]


def test_refusals_are_messages_and_change_nothing(desk):
    booking = desk.book()
    desk.assess()
    client = signed_in(desk.ops)
    before = state()
    nothing = client.post(url(desk, "confirm/"), {"decision": "postponed:selected"}, follow=True)
    assert "Select at least one booking" in text(nothing)
    unknown = client.post(url(desk, "confirm/"), {"decision": "cancel:all"}, follow=True)
    assert "Choose Postpone or Go ahead." in text(unknown)
    unconfirmed = client.post(
        url(desk, "decide/"),
        {"decision": "postponed:selected", "booking": booking.reference},
        follow=True,
    )
    assert "The confirmation step was missing" in text(unconfirmed)
    bad_filter = client.post(
        url(desk, "confirm/"), {"decision": "postponed:matching", "site": "NOPE"}, follow=True
    )
    assert "Correct the filters first" in text(bad_filter)
    assert state() == before


def test_a_closed_strike_offers_no_decisions_and_refuses_them(desk):
    booking = desk.book()
    desk.assess()
    desk.strike.status = StrikeStatus.SUSPENDED
    desk.strike.save()
    client = signed_in(desk.ops)
    page = text(client.get(url(desk)))
    assert "Decisions are closed: this strike is suspended" in page
    assert 'name="decision"' not in page
    before = state()
    response = client.post(
        url(desk, "decide/"),
        {"decision": "postponed:selected", "booking": booking.reference, "expected": 1},
        follow=True,
    )
    assert "decisions can only be made while a strike is announced or confirmed" in text(response)
    assert state() == before


# htmx ---------------------------------------------------------------------------------


def test_under_htmx_each_step_answers_with_its_fragment(desk):
    booking = desk.book(service=desk.physio)
    desk.assess()
    client = signed_in(desk.ops)
    filtered = client.get(url(desk), {"service": "physio"}, **HTMX)
    assert "<html" not in text(filtered)
    assert 'id="worklist-results"' in text(filtered)
    assert listed(filtered) == [booking.reference]
    data = {"service": "physio", "decision": "postponed:selected", "booking": booking.reference}
    confirmation, _expected, done = confirm_and_decide(client, desk, data, **HTMX)
    assert "<html" not in text(confirmation)
    assert "Postpone 1 booking?" in text(confirmation)
    assert done.status_code == 200
    assert "<html" not in text(done)
    assert "Postponed 1 booking." in text(done)
    assert "data-focus-after-swap" in text(done)
    assert "No bookings match these filters" in text(done)


def test_page_links_show_the_ends_and_the_neighbours_with_gaps_marked():
    from django.core.paginator import Paginator

    from appointments.dashboard.worklist_rows import page_links

    page = Paginator(range(500), 50).get_page(5)
    links = page_links(page, {"service": "physio"}, "/w/")
    shown = [item.get("number", "…") for item in links["items"]]
    assert shown == [1, "…", 4, 5, 6, "…", 10]
    assert links["previous"]["href"] == "/w/?service=physio&page=4"
    assert links["next"]["href"] == "/w/?service=physio&page=6"
    assert [item["number"] for item in links["items"] if item.get("current")] == [5]
    assert page_links(Paginator(range(3), 50).get_page(1), {}, "/w/")["items"] == [
        {"number": 1, "href": "/w/?page=1", "current": True}
    ]
