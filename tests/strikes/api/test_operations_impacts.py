"""GET /api/v1/strikes/{id}/impacts/: items, filters, scope, pages and query counts."""

import datetime as dt
from urllib.parse import parse_qs, urlparse

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from appointments.models import Outcome
from tests.api import client_for, error_fields, query_count

from ..desk import EARLY_SLOT, LATE_SLOT, Desk

pytestmark = pytest.mark.django_db


def impacts_url(desk: Desk) -> str:
    return f"/api/v1/strikes/{desk.strike.public_id}/impacts/"


def references(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["reference"] for item in response.json()["results"]]


def test_an_item_carries_the_booking_and_its_outcome(desk):
    booking = desk.book(at=EARLY_SLOT, kind="day_case", priority="soon")
    desk.assess()
    desk.decide(Outcome.POSTPONED, references=(booking.reference,))
    response = client_for(desk.ops).get(impacts_url(desk))
    (item,) = response.json()["results"]
    decided_at = dt.datetime.fromisoformat(item.pop("decided_at"))
    assert decided_at == desk.impact(booking).decided_at
    assert dt.datetime.fromisoformat(item.pop("starts_at")) == EARLY_SLOT
    assert dt.datetime.fromisoformat(item.pop("slot_starts_at")) == EARLY_SLOT
    assert item == {
        "reference": booking.reference,
        "outcome": "postponed",
        "trust": desk.trust.ods_code,
        "site": desk.site.code,
        "service": "clinic",
        "kind": "day_case",
        "priority": "soon",
    }


@pytest.fixture
def spread(desk):
    """One booking per way the filters tell them apart, all at trust A."""
    bookings = {
        "plain": desk.book(at=LATE_SLOT),
        "early": desk.book(at=EARLY_SLOT),
        "second_site": desk.book(site=desk.second_site),
        "physio": desk.book(service=desk.physio),
        "inpatient": desk.book(kind="inpatient"),
        "exempt": desk.book(service=desk.maternity),
    }
    desk.assess()
    desk.decide(Outcome.POSTPONED, references=(bookings["plain"].reference,))
    return bookings


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        # Codes as people type them: lower case.
        (lambda desk: {"site": desk.second_site.code.lower()}, ["second_site"]),
        (lambda desk: {"service": "physio"}, ["physio"]),
        (lambda desk: {"kind": "inpatient"}, ["inpatient"]),
        (lambda desk: {"outcome": "exempt"}, ["exempt"]),
        (lambda desk: {"outcome": "postponed"}, ["plain"]),
        (lambda desk: {"date": EARLY_SLOT.date().isoformat()}, ["early"]),
        (lambda desk: {"date": EARLY_SLOT.date().isoformat(), "outcome": "at_risk"}, ["early"]),
        (lambda desk: {"outcome": "going_ahead"}, []),
    ],
)
def test_each_filter_narrows_the_list(desk, spread, params, expected):
    response = client_for(desk.ops).get(impacts_url(desk), params(desk))
    assert sorted(references(response)) == sorted(spread[name].reference for name in expected)


def test_the_trust_filter_and_the_scope(desk, spread, national, other_ops):
    theirs = desk.book(site=desk.other_site)
    desk.assess()
    everyone = references(client_for(national).get(impacts_url(desk)))
    assert len(everyone) == len(spread) + 1
    trust_b = client_for(national).get(impacts_url(desk), {"trust": desk.other_trust.ods_code})
    assert references(trust_b) == [theirs.reference]
    # Trust B's staff see their own booking and none of trust A's, filtered or not.
    assert references(client_for(other_ops).get(impacts_url(desk))) == [theirs.reference]
    assert (
        references(client_for(other_ops).get(impacts_url(desk), {"trust": desk.trust.ods_code}))
        == []
    )


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"kind": "surgery"}, "kind"),
        ({"outcome": "cancelled"}, "outcome"),
        ({"date": "2026-13-01"}, "date"),
        ({"priority": "asap"}, "priority"),
        ({"page_size": "0"}, "page_size"),
        ({"cursor": "nonsense"}, "cursor"),
    ],
)
def test_an_invalid_filter_value_is_a_400_naming_it(desk, params, field):
    response = client_for(desk.ops).get(impacts_url(desk), params)
    assert response.status_code == 400
    assert error_fields(response) == [field]


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_the_first_and_last_days_there_are_filter_to_nothing(desk, spread, day):
    assert references(client_for(desk.ops).get(impacts_url(desk), {"date": day})) == []


def test_pages_walk_every_impact_once_in_slot_order(desk):
    desk.book_many(7)
    desk.book(at=EARLY_SLOT)
    desk.assess()
    client = client_for(desk.ops)
    seen, url = [], impacts_url(desk) + "?page_size=3"
    while url:
        body = client.get(url).json()
        seen += [(item["slot_starts_at"], item["reference"]) for item in body["results"]]
        url = body["next"]
    assert len(seen) == 8 == len({reference for _, reference in seen})
    slots = [dt.datetime.fromisoformat(slot) for slot, _ in seen]
    assert slots == sorted(slots)
    assert slots[0] == EARLY_SLOT


def test_the_list_costs_the_same_queries_at_page_size_2_and_50(desk):
    desk.book_many(60)
    desk.book_many(5, site=desk.second_site)
    desk.assess()
    client = client_for(desk.ops)

    def count(page_size: int) -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(impacts_url(desk), {"page_size": page_size})
        assert len(response.json()["results"]) == page_size
        return query_count(queries)

    # The token, the strike, the page: whatever the page size.
    assert count(2) == count(50) == 3
    # A cursor from a page costs no more than the first page.
    body = client.get(impacts_url(desk), {"page_size": 2}).json()
    cursor = parse_qs(urlparse(body["next"]).query)["cursor"][0]
    with CaptureQueriesContext(connection) as queries:
        client.get(impacts_url(desk), {"page_size": 50, "cursor": cursor})
    assert query_count(queries) == count(2)


def test_an_unknown_strike_is_a_404(desk):
    unknown = "00000000-0000-0000-0000-000000000000"
    response = client_for(desk.ops).get(f"/api/v1/strikes/{unknown}/impacts/")
    assert response.status_code == 404
