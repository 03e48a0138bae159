"""GET /fhir/r4/Appointment?...: searchset Bundles, filtered, scoped and paged."""

import datetime as dt
from urllib.parse import parse_qs, urljoin, urlparse

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from appointments.models import Status
from appointments.services import appointment_reschedule
from tests.api import client_for, query_count
from tests.factories import UserFactory
from tests.strikes.desk import LATE_SLOT, LONDON, STARTS_AT

from .conftest import fhir_body, move, postponed

pytestmark = pytest.mark.django_db

BOOKING_REFERENCE = "https://strikedesk.nhs.example/Id/booking-reference"
PAS = "https://strikedesk.nhs.example/Id/pas/"


def search(api, params="", **headers) -> dict:
    return fhir_body(api.get(f"/fhir/r4/Appointment?{params}", **headers), "Bundle")


def ids(bundle: dict) -> list[str]:
    return [
        entry["resource"]["id"]
        for entry in bundle.get("entry", [])
        if entry["search"]["mode"] == "match"
    ]


def link(bundle: dict, relation: str) -> str | None:
    return next((item["url"] for item in bundle["link"] if item["relation"] == relation), None)


def test_a_searchset_of_the_users_bookings_in_start_order(desk, api):
    late = desk.book(at=LATE_SLOT + dt.timedelta(hours=1))
    early = desk.book(at=LATE_SLOT)
    desk.book(site=desk.other_site)
    bundle = search(api)
    assert bundle["type"] == "searchset"
    assert ids(bundle) == [early.reference, late.reference]
    for entry in bundle["entry"]:
        assert entry["fullUrl"] == (
            f"http://testserver/fhir/r4/Appointment/{entry['resource']['id']}"
        )
        assert entry["search"] == {"mode": "match"}
    assert link(bundle, "self") == "http://testserver/fhir/r4/Appointment"
    assert link(bundle, "next") is None


def test_identifier_by_either_system_or_a_bare_value(desk, api):
    booking = desk.book(external_id="PAS-1")
    other = desk.book(external_id="PAS-2")
    elsewhere = desk.book(site=desk.other_site, external_id="PAS-1")
    ods, typed = desk.trust.ods_code, booking.reference.lower()
    for query in (
        f"identifier={BOOKING_REFERENCE}|{booking.reference}",
        f"identifier={BOOKING_REFERENCE}|{typed[:4]}-{typed[4:8]}-{typed[8:]}",
        f"identifier={PAS}{ods}|PAS-1",
        f"identifier={booking.reference}",
        "identifier=PAS-1",  # bare: trust B's PAS-1 is not this user's
    ):
        assert ids(search(api, query)) == [booking.reference], query
    either = f"identifier={booking.reference},{BOOKING_REFERENCE}|{other.reference}"
    assert set(ids(search(api, either))) == {booking.reference, other.reference}
    for nothing in (
        f"identifier={PAS}{desk.other_trust.ods_code}|PAS-1",
        f"identifier={BOOKING_REFERENCE}|{elsewhere.reference}",
        "identifier=https://example.org/other|PAS-1",
        "identifier=|PAS-1",
        f"identifier={BOOKING_REFERENCE}|{booking.reference}&identifier=PAS-2",  # ANDed
    ):
        bundle = search(api, nothing)
        assert "entry" not in bundle, nothing


def test_date_alone_is_the_whole_day_in_london(desk, api):
    day = LATE_SLOT.date()
    # 00:30 BST is 23:30 UTC the day before: London's day, not UTC's.
    just_after_midnight = desk.book(at=dt.datetime.combine(day, dt.time(0, 30), tzinfo=LONDON))
    last_minute = desk.book(at=dt.datetime.combine(day, dt.time(23, 59), tzinfo=LONDON))
    desk.book(at=dt.datetime.combine(day, dt.time(0, 30), tzinfo=LONDON) + dt.timedelta(days=1))
    desk.book(at=dt.datetime.combine(day, dt.time(23, 30), tzinfo=LONDON) - dt.timedelta(days=1))
    expected = [just_after_midnight.reference, last_minute.reference]
    assert ids(search(api, f"date={day}")) == expected
    assert ids(search(api, f"date=eq{day}")) == expected
    assert ids(search(api, f"date=ge{day}&date=lt{day + dt.timedelta(days=1)}")) == expected
    assert ids(search(api, f"date=gt{day - dt.timedelta(days=1)}&date=le{day}")) == expected
    assert len(ids(search(api, f"date=ne{day}"))) == 2
    assert len(ids(search(api, f"date={day:%Y-%m}"))) == 4
    assert ids(search(api, f"date={day.year - 1}")) == []


def test_date_times_need_an_offset_and_compare_instants(desk, api):
    nine = desk.book(at=LATE_SLOT)  # 09:00 BST, 08:00 UTC
    ten = desk.book(at=LATE_SLOT + dt.timedelta(hours=1))
    utc = LATE_SLOT.astimezone(dt.UTC)
    assert ids(search(api, f"date=ge{utc:%Y-%m-%dT%H:%M:%S}Z")) == [nine.reference, ten.reference]
    assert ids(search(api, f"date=gt{utc:%Y-%m-%dT%H:%M:%S}Z")) == [ten.reference]
    assert ids(search(api, f"date=lt{utc:%Y-%m-%dT%H:%M}Z")) == []
    # "+01:00" percent-encoded, and as most clients send it (a "+" that arrives as a space).
    local = f"{LATE_SLOT:%Y-%m-%dT%H:%M:%S}"
    assert ids(search(api, f"date={local}%2B01:00")) == [nine.reference]
    assert ids(search(api, f"date={local}+01:00")) == [nine.reference]
    assert ids(search(api, f"date=le{local}.000+01:00")) == [nine.reference]


def test_status_maps_fhir_codes_to_ours(desk, api):
    booked = desk.book(at=LATE_SLOT)
    rescheduled_later, waiting = postponed(
        desk, desk.book(at=LATE_SLOT + dt.timedelta(minutes=1)), desk.book(at=LATE_SLOT)
    )
    moved = appointment_reschedule(
        appointment=rescheduled_later,
        starts_at=LATE_SLOT + dt.timedelta(days=20),
        actor=None,
        at=STARTS_AT - dt.timedelta(days=1),
    )
    cancelled = move(desk.book(at=LATE_SLOT + dt.timedelta(minutes=5)), Status.CANCELLED)
    attended = move(desk.book(at=LATE_SLOT + dt.timedelta(minutes=6)), Status.ATTENDED)
    absent = move(desk.book(at=LATE_SLOT + dt.timedelta(minutes=7)), Status.DID_NOT_ATTEND)

    assert set(ids(search(api, "status=booked"))) == {booked.reference, moved.reference}
    assert set(ids(search(api, "status=cancelled"))) == {waiting.reference, cancelled.reference}
    assert ids(search(api, "status=fulfilled")) == [attended.reference]
    assert set(ids(search(api, "status=noshow,fulfilled"))) == {
        absent.reference,
        attended.reference,
    }
    assert ids(search(api, "status=arrived")) == []
    for entry in search(api, "status=cancelled")["entry"]:
        assert entry["resource"]["status"] == "cancelled"


def test_paging_through_next_returns_every_booking_once_in_order(desk, api):
    # Ties on the start time: the page key must include the id.
    for minutes in (0, 0, 0, 5, 5, 10, 15):
        desk.book(at=LATE_SLOT + dt.timedelta(minutes=minutes))
    desk.book(site=desk.other_site)
    expected = ids(search(api, "_count=500"))
    assert len(expected) == 7

    seen, url, pages = [], "/fhir/r4/Appointment?_count=2&status=booked", 0
    while url:
        bundle = fhir_body(api.get(url), "Bundle")
        assert len(ids(bundle)) <= 2
        seen += ids(bundle)
        # Each page's self link is that page, cursor included.
        assert link(bundle, "self") == urljoin("http://testserver", url)
        url, pages = link(bundle, "next"), pages + 1
        if url:
            query = parse_qs(urlparse(url).query)
            assert query["_count"] == ["2"]
            assert query["status"] == ["booked"]
    assert seen == expected
    assert pages == 4


def test_the_default_page_is_fifty(desk, api):
    desk.book_many(51)
    first = search(api)
    assert len(ids(first)) == 50
    assert len(ids(fhir_body(api.get(link(first, "next")), "Bundle"))) == 1


def test_a_search_page_is_a_fixed_number_of_queries(desk, api):
    desk.book_many(40)
    desk.assess()
    desk.decide("postponed", trust=desk.trust.ods_code)
    for booking in [desk.book(at=LATE_SLOT - dt.timedelta(hours=30)) for _ in range(3)]:
        move(booking, Status.CANCELLED)
    counts = {}
    for count in (2, 50):
        with CaptureQueriesContext(connection) as queries:
            bundle = search(api, f"_count={count}")
        assert len(ids(bundle)) == min(count, 43)
        counts[count] = query_count(queries)
    assert counts[2] == counts[50] <= 3, counts


def test_another_trusts_bookings_are_absent_but_a_national_user_sees_both(desk, api):
    mine = desk.book()
    theirs = desk.book(site=desk.other_site)
    assert ids(search(api)) == [mine.reference]
    assert ids(search(api, f"identifier={theirs.reference}")) == []
    assert ids(search(api, f"status=booked&date={LATE_SLOT:%Y-%m-%d}")) == [mine.reference]
    national = client_for(UserFactory(is_superuser=True))
    assert set(ids(search(national))) == {mine.reference, theirs.reference}


def test_unknown_parameters_are_ignored_and_reported_unless_strict(desk, api):
    booking = desk.book()
    bundle = search(api, "staus=booked&_count=5")
    assert ids(bundle) == [booking.reference]
    assert link(bundle, "self") == "http://testserver/fhir/r4/Appointment?_count=5"
    (warning,) = [e for e in bundle["entry"] if e["search"]["mode"] == "outcome"]
    assert warning["resource"]["resourceType"] == "OperationOutcome"
    assert "staus" in warning["resource"]["issue"][0]["diagnostics"]
    assert warning["resource"]["issue"][0]["severity"] == "warning"

    strict = api.get("/fhir/r4/Appointment?staus=booked", HTTP_PREFER="handling=strict")
    body = fhir_body(strict, "OperationOutcome", 400)
    assert body["issue"][0]["expression"] == ["staus"]
