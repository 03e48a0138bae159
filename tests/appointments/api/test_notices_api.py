"""GET /api/v1/notices/: what patients are owed, by trust scope, with no personal data."""

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from appointments.models import Notice
from appointments.references import format_booking_reference
from tests.api import client_for, error_fields, query_count
from tests.factories import NoticeFactory, PatientFactory, StrikeFactory

from .bookings_world import World

pytestmark = pytest.mark.django_db

URL = "/api/v1/notices/"
NOTICE_FIELDS = {
    "id",
    "reference",
    "strike",
    "trust",
    "kind",
    "channel",
    "status",
    "due_by",
    "sent_at",
    "attempts",
    "last_error",
    "provider_reference",
    "created_at",
}
PAST = timezone.now() - dt.timedelta(days=1)
AHEAD = timezone.now() + dt.timedelta(days=1)


@pytest.fixture
def world():
    return World()


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.json()
    return [item["id"] for item in response.json()["results"]]


def _get(user, **params):
    return client_for(user).get(URL, params)


def test_a_notice_reads_as_the_contract_says_and_names_no_one(world):
    patient = PatientFactory(
        given_name="Grace", family_name="Hopper", phone="07700900456", email="g@example.org"
    )
    booking = world.book(patient=patient)
    strike = StrikeFactory()
    sent_at = timezone.now() - dt.timedelta(hours=2)
    notice = NoticeFactory(
        appointment=booking,
        strike=strike,
        kind="postponed",
        channel="sms",
        status="sent",
        sent_at=sent_at,
        attempts=1,
        provider_reference="740e5834-3a29-46b4-9a6f-16142fde533a",
    )
    response = _get(world.viewer)
    [item] = response.json()["results"]
    assert set(item) == NOTICE_FIELDS
    assert {k: v for k, v in item.items() if k not in ("due_by", "sent_at", "created_at")} == {
        "id": notice.pk,
        "reference": booking.reference,
        "strike": str(strike.public_id),
        "trust": world.trust.ods_code,
        "kind": "postponed",
        "channel": "sms",
        "status": "sent",
        "attempts": 1,
        "last_error": "",
        "provider_reference": "740e5834-3a29-46b4-9a6f-16142fde533a",
    }
    assert dt.datetime.fromisoformat(item["due_by"]) == notice.due_by
    assert dt.datetime.fromisoformat(item["sent_at"]) == sent_at
    text = json.dumps(response.json())
    for personal in ("Grace", "Hopper", "07700900456", "g@example.org", patient.nhs_number):
        assert personal not in text


def test_a_trust_user_lists_only_their_trusts_notices(world):
    ours = NoticeFactory(appointment=world.book())
    theirs = NoticeFactory(appointment=world.book_elsewhere())
    assert _ids(_get(world.viewer)) == [ours.pk]
    assert _ids(_get(world.other_ops)) == [theirs.pk]
    assert _ids(_get(world.national)) == [ours.pk, theirs.pk]
    assert _ids(_get(world.ops, trust=world.other_trust.ods_code)) == []
    assert _ids(_get(world.ops, reference=theirs.appointment.reference)) == []


def test_each_filter_narrows_the_list(world):
    strike, other_strike = StrikeFactory(), StrikeFactory()
    booking = world.book()
    made = {
        "plain": NoticeFactory(appointment=booking, strike=strike, due_by=AHEAD),
        "other_strike": NoticeFactory(appointment=world.book(), strike=other_strike, due_by=AHEAD),
        "letter": NoticeFactory(
            appointment=world.book(), strike=strike, channel="letter", due_by=AHEAD
        ),
        "rescheduled": NoticeFactory(
            appointment=world.book(), strike=strike, kind="rescheduled", due_by=AHEAD
        ),
        "overdue": NoticeFactory(appointment=world.book(), strike=strike, due_by=PAST),
        "failed_overdue": NoticeFactory(
            appointment=world.book(), strike=strike, status="failed", due_by=PAST
        ),
        "sent_late": NoticeFactory(
            appointment=world.book(), strike=strike, status="sent", sent_at=PAST, due_by=PAST
        ),
        "elsewhere": NoticeFactory(appointment=world.book_elsewhere(), strike=strike, due_by=AHEAD),
    }

    def listed(**params) -> set[str]:
        ids = _ids(_get(world.national, **params))
        return {name for name, notice in made.items() if notice.pk in ids}

    assert len(_ids(_get(world.national))) == len(made)
    assert listed(strike=str(other_strike.public_id)) == {"other_strike"}
    assert listed(trust=world.other_trust.ods_code.lower()) == {"elsewhere"}
    assert listed(kind="rescheduled") == {"rescheduled"}
    assert listed(channel="letter") == {"letter"}
    assert listed(status="failed") == {"failed_overdue"}
    assert listed(status="sent") == {"sent_late"}
    assert listed(overdue="true") == {"overdue", "failed_overdue"}
    assert listed(overdue="false") == set(made) - {"overdue", "failed_overdue"}
    written = format_booking_reference(booking.reference).lower()
    assert listed(reference=written) == {"plain"}
    assert listed(strike=str(strike.public_id), overdue="true", status="pending") == {"overdue"}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"strike": "not-a-uuid"}, "strike"),
        ({"kind": "cancelled"}, "kind"),
        ({"channel": "fax"}, "channel"),
        ({"status": "lost"}, "status"),
        ({"overdue": "maybe"}, "overdue"),
        ({"reference": "ABC"}, "reference"),
        ({"page_size": "501"}, "page_size"),
    ],
)
def test_a_value_a_filter_cannot_read_is_a_400_naming_it(world, params, field):
    NoticeFactory(appointment=world.book())
    response = _get(world.ops, **params)
    assert response.status_code == 400
    assert error_fields(response) == [field]


def test_the_cursor_walks_every_notice_once(world):
    strike = StrikeFactory()
    for _ in range(7):
        NoticeFactory(appointment=world.book(), strike=strike)
    NoticeFactory(appointment=world.book_elsewhere(), strike=strike)
    expected = list(
        Notice.objects.filter(appointment__trust=world.trust)
        .order_by("id")
        .values_list("id", flat=True)
    )
    client = client_for(world.ops)
    seen, url = [], f"{URL}?page_size=3"
    while url:
        body = client.get(url).json()
        seen += [item["id"] for item in body["results"]]
        url = body["next"]
    assert seen == expected


def test_the_page_at_any_size_costs_the_same_number_of_queries(world):
    strikes = [StrikeFactory(), StrikeFactory()]
    for n in range(55):
        NoticeFactory(appointment=world.book(), strike=strikes[n % 2])
    client = client_for(world.viewer)

    def count(page_size: int) -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(URL, {"page_size": page_size, "overdue": "false"})
        assert len(response.json()["results"]) == page_size
        return query_count(queries)

    assert count(2) == count(50) == 2  # the token, then the page
