"""GET /api/v1/appointments/: the contract's shape, every filter, scope and paging."""

import datetime as dt
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from appointments.models import Appointment
from tests.api import client_for, error_fields, query_count
from tests.factories import PatientFactory

from .bookings_world import NINE, World

pytestmark = pytest.mark.django_db

URL = "/api/v1/appointments/"
BOOKING_FIELDS = {
    "reference",
    "external_id",
    "trust",
    "site",
    "service",
    "kind",
    "starts_at",
    "priority",
    "referral_received_on",
    "status",
    "patient",
}
PATIENT_FIELDS = {
    "nhs_number",
    "given_name",
    "family_name",
    "date_of_birth",
    "postcode",
    "phone",
    "email",
    "address",
    "preferred_channel",
}


@pytest.fixture
def world():
    return World()


def _references(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [item["reference"] for item in response.json()["results"]]


def _get(user, **params):
    return client_for(user).get(URL, params)


def test_a_booking_reads_as_the_contract_says(world):
    patient = PatientFactory(
        given_name="Ada",
        family_name="Lovelace",
        date_of_birth=dt.date(1985, 12, 10),
        postcode="NR4 7UY",
        phone="07700900123",
        email="ada@example.org",
        address=["1 Colney Lane", "Norwich"],
        preferred_channel="sms",
    )
    booking = world.book(
        patient=patient,
        external_id="PAS-42",
        kind="day_case",
        priority="cancer",
        referral_received_on=dt.date(2031, 1, 6),
        at=dt.datetime(2031, 7, 8, 8, 30, tzinfo=dt.UTC),
    )
    response = _get(world.ops)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"next", "previous", "results"}
    assert body["next"] is None
    assert body["previous"] is None
    [item] = body["results"]
    assert set(item) == BOOKING_FIELDS
    assert set(item["patient"]) == PATIENT_FIELDS
    assert item == {
        "reference": booking.reference,
        "external_id": "PAS-42",
        "trust": world.trust.ods_code,
        "site": world.site.code,
        "service": "clinic",
        "kind": "day_case",
        # Stored in UTC, shown in London time (BST in July) with its offset.
        "starts_at": "2031-07-08T09:30:00+01:00",
        "priority": "cancer",
        "referral_received_on": "2031-01-06",
        "status": "booked",
        "patient": {
            "nhs_number": patient.nhs_number,
            "given_name": "Ada",
            "family_name": "Lovelace",
            "date_of_birth": "1985-12-10",
            "postcode": "NR4 7UY",
            "phone": "07700900123",
            "email": "ada@example.org",
            "address": ["1 Colney Lane", "Norwich"],
            "preferred_channel": "sms",
        },
    }


def test_a_listed_booking_reads_exactly_as_it_does_on_its_own(world):
    # The list is built from plain rows for speed; the single booking by the serializer.
    world.book(at=dt.datetime(2031, 1, 15, 14, 0, tzinfo=dt.UTC))  # GMT
    world.book(at=dt.datetime(2031, 7, 15, 14, 0, tzinfo=dt.UTC), referral_received_on=None)
    world.book(
        patient=PatientFactory(phone="", email="", address=[], preferred_channel="phone"),
        kind="inpatient",
        status="postponed",
    )
    client = client_for(world.ops)
    listed = client.get(URL).json()["results"]
    assert len(listed) == 3
    for item in listed:
        assert client.get(f"{URL}{item['reference']}/").json() == item


def test_a_trust_user_lists_only_their_trusts_bookings_and_national_users_all(world):
    ours = world.book()
    theirs = world.book_elsewhere()
    assert _references(_get(world.viewer)) == [ours.reference]
    assert _references(_get(world.other_ops)) == [theirs.reference]
    assert sorted(_references(_get(world.national))) == sorted([ours.reference, theirs.reference])
    # Asking for the other trust by name is an empty list, not an error that confirms it.
    assert _references(_get(world.ops, trust=world.other_trust.ods_code)) == []


def test_a_user_with_no_membership_lists_nothing(world):
    from tests.factories import UserFactory

    world.book()
    assert _references(_get(UserFactory())) == []


OURS = ("plain", "at_second_site", "physio", "inpatient", "cancelled", "urgent")


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"site": "second"}, ["at_second_site"]),
        ({"service": "physio"}, ["physio"]),
        ({"kind": "inpatient"}, ["inpatient"]),
        ({"status": "cancelled"}, ["cancelled"]),
        ({"priority": "urgent"}, ["urgent"]),
        ({"trust": "ours"}, [*OURS]),
        (
            {"kind": "outpatient", "priority": "routine", "service": "clinic"},
            ["plain", "at_second_site", "cancelled", "elsewhere"],
        ),
        ({"site": "RZZ99"}, []),
        ({"service": "no-such-service"}, []),
    ],
)
def test_each_filter_narrows_the_list(world, params, expected):
    at = iter(NINE + dt.timedelta(hours=n) for n in range(10))
    made = {
        "plain": world.book(at=next(at)),
        "at_second_site": world.book(site=world.second_site, at=next(at)),
        "physio": world.book(service=world.physio, at=next(at)),
        "inpatient": world.book(kind="inpatient", at=next(at)),
        "cancelled": world.book(status="cancelled", at=next(at)),
        "urgent": world.book(priority="urgent", at=next(at)),
        "elsewhere": world.book_elsewhere(at=next(at)),
    }
    names = {"second": world.second_site.code, "ours": world.trust.ods_code}
    params = {key: names.get(value, value) for key, value in params.items()}
    assert _references(_get(world.national, **params)) == [made[n].reference for n in expected]


def test_codes_are_matched_whatever_their_case(world):
    booking = world.book()
    lower = {"trust": world.trust.ods_code.lower(), "site": world.site.code.lower()}
    assert _references(_get(world.ops, **lower)) == [booking.reference]


def test_starts_after_is_inclusive_and_starts_before_exclusive(world):
    at_eight, at_nine, at_ten = (world.book(at=NINE + dt.timedelta(hours=h)) for h in (-1, 0, 1))
    window = {"starts_after": "2031-03-03T09:00:00+00:00", "starts_before": "2031-03-03T10:00:00Z"}
    assert _references(_get(world.ops, **window)) == [at_nine.reference]
    # The same instant written with another offset is the same boundary.
    assert _references(_get(world.ops, starts_after="2031-03-03T10:00:00+01:00")) == [
        at_nine.reference,
        at_ten.reference,
    ]
    assert _references(_get(world.ops, starts_before="2031-03-03T09:00:00+00:00")) == [
        at_eight.reference
    ]


def test_an_unencoded_plus_in_the_offset_still_reads_as_the_offset(world):
    at_nine = world.book()
    # "+01:00" typed straight into a URL arrives as " 01:00".
    query = "starts_after=2031-03-03T10:00:00+01:00"
    response = client_for(world.ops).get(f"{URL}?{query}")
    assert _references(response) == [at_nine.reference]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"kind": "outpatients"}, "kind"),
        ({"status": "BOOKED"}, "status"),
        ({"status": "postponed", "priority": "high"}, "priority"),
        ({"starts_after": "tomorrow"}, "starts_after"),
        ({"starts_after": "2031-02-30T09:00:00+00:00"}, "starts_after"),
        ({"starts_before": "2031-03-03T09:00:00"}, "starts_before"),  # no offset
        ({"starts_before": "2031-03-03"}, "starts_before"),  # a date is not a time
        ({"starts_before": "9999-12-31T23:59:59-23:59"}, "starts_before"),  # beyond UTC's range
        ({"starts_after": "2031-03-03T09:00:00\x00"}, "starts_after"),
        ({"site": "RM1\x00"}, "site"),
        ({"trust": "x" * 5000, "kind": "ward"}, "kind"),
        ({"page_size": "501"}, "page_size"),
        ({"page_size": "0"}, "page_size"),
        ({"cursor": "not-a-cursor"}, "cursor"),
    ],
)
def test_a_value_a_filter_cannot_read_is_a_400_naming_it(world, params, field):
    world.book()
    response = _get(world.ops, **params)
    assert response.status_code == 400
    assert error_fields(response) == [field]


def test_the_cursor_walks_every_booking_once_in_order_through_ties(world):
    # Seven bookings share 09:00: ties are broken by id, none skipped or repeated.
    for n in range(12):
        world.book(at=NINE if n < 7 else NINE + dt.timedelta(minutes=n))
    world.book_elsewhere()
    expected = list(
        Appointment.objects.filter(trust=world.trust)
        .order_by("starts_at", "id")
        .values_list("reference", flat=True)
    )
    client = client_for(world.ops)
    seen, pages, url = [], 0, f"{URL}?{urlencode({'page_size': 5})}"
    while url:
        body = client.get(url).json()
        seen += [item["reference"] for item in body["results"]]
        pages += 1
        url = body["next"]
    assert seen == expected
    assert pages == 3

    # The cursor keeps filters: walking urgent bookings only stays among them.
    urgent = world.book(priority="urgent", at=NINE)
    body = client.get(URL, {"priority": "urgent", "page_size": 1}).json()
    assert [item["reference"] for item in body["results"]] == [urgent.reference]
    assert body["next"] is None


def test_the_page_at_any_size_costs_the_same_number_of_queries(world):
    for n in range(60):
        world.book(
            site=world.second_site if n % 2 else world.site,
            service=world.physio if n % 3 else world.clinic,
            at=NINE + dt.timedelta(minutes=n % 7),
        )
    client = client_for(world.viewer)

    def count(page_size: int) -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(URL, {"page_size": page_size, "trust": world.trust.ods_code})
        assert len(response.json()["results"]) == page_size
        return query_count(queries)

    assert count(2) == count(50) == 3  # the token, the page, the page's patients
