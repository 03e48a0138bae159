"""GET and POST /api/v1/strikes/{id}/call-off/: the preview, the call-off, and refusals."""

import pytest

from appointments.models import Outcome, Status
from strikes.models import StrikeStatus
from tests.api import client_for, error_fields

from ..desk import Desk, state, statuses

pytestmark = pytest.mark.django_db


def call_off_url(desk: Desk) -> str:
    return f"/api/v1/strikes/{desk.strike.public_id}/call-off/"


def postponed(desk: Desk, national, count: int = 2) -> list:
    """``count`` postponed bookings at trust A and one at trust B, and one going ahead."""
    ours = [desk.book() for _ in range(count)]
    theirs = desk.book(site=desk.other_site)
    going_ahead = desk.book()
    desk.assess()
    desk.decide(Outcome.POSTPONED, references=tuple(b.reference for b in ours))
    desk.decide(Outcome.POSTPONED, references=(theirs.reference,), actor=national)
    desk.decide(Outcome.GOING_AHEAD, references=(going_ahead.reference,))
    return [*ours, theirs]


def test_the_preview_counts_then_the_call_off_reinstates_and_a_second_is_a_409(desk, national):
    bookings = postponed(desk, national)
    client = client_for(national)

    preview = client.get(call_off_url(desk))
    assert preview.status_code == 200
    assert preview.json() == {"would_reinstate": 3}
    assert statuses(*bookings) == [Status.POSTPONED] * 3  # a preview changes nothing

    response = client.post(call_off_url(desk))
    assert response.status_code == 200
    assert response.json() == {"reinstated": 3, "still_postponed": 0}
    assert statuses(*bookings) == [Status.BOOKED] * 3
    assert desk.refresh().status == StrikeStatus.CALLED_OFF

    before = state()
    again = client.post(call_off_url(desk))
    assert again.status_code == 409
    assert error_fields(again) == [None]
    assert "called off" in again.json()["errors"][0]["message"]
    assert state() == before
    assert client.get(call_off_url(desk)).status_code == 409


def test_trust_staff_may_neither_preview_nor_call_off(desk, national, viewer):
    postponed(desk, national)
    before = state()
    for user in (desk.ops, viewer):
        client = client_for(user)
        assert client.get(call_off_url(desk)).status_code == 403
        assert client.post(call_off_url(desk)).status_code == 403
    assert state() == before


def test_an_unknown_strike_is_a_404(desk, national):
    url = "/api/v1/strikes/7b0e2c52-0000-4000-8000-000000000000/call-off/"
    assert client_for(national).post(url).status_code == 404
