"""POST /api/v1/strikes/{id}/notices/generate/ and GET .../notices/summary/."""

import pytest

from appointments.models import Notice, NoticeStatus, Outcome
from strikes.services import strike_suspend
from tests.api import client_for, error_fields
from tests.appointments.notices.people import reachable_by_everything

from ..desk import Desk

pytestmark = pytest.mark.django_db

NO_KINDS = {"postponed": 0, "going_ahead": 0, "reinstated": 0, "rescheduled": 0}


def generate_url(desk: Desk) -> str:
    return f"/api/v1/strikes/{desk.strike.public_id}/notices/generate/"


def summary_url(desk: Desk) -> str:
    return f"/api/v1/strikes/{desk.strike.public_id}/notices/summary/"


@pytest.fixture
def postponed(desk, national):
    """Trust A: two postponed bookings (one patient by text, one by email); trust B: one."""
    ours = [
        desk.book(patient=reachable_by_everything("sms")),
        desk.book(patient=reachable_by_everything("email")),
    ]
    theirs = desk.book(site=desk.other_site, patient=reachable_by_everything("sms"))
    desk.assess()
    desk.decide(Outcome.POSTPONED, references=tuple(b.reference for b in ours))
    desk.decide(Outcome.POSTPONED, references=(theirs.reference,), actor=national)
    return ours


def test_before_the_window_nothing_is_created_unless_early(
    desk, postponed, settings, django_capture_on_commit_callbacks
):
    client = client_for(desk.ops)
    with django_capture_on_commit_callbacks() as queued:
        waiting = client.post(generate_url(desk), {}, format="json")
    assert waiting.status_code == 200
    assert waiting.json() == {"created": 0, "by_kind": NO_KINDS, "withdrawn": 0}
    assert not queued, "nothing to send, no dispatch started"

    with django_capture_on_commit_callbacks() as queued:
        early = client.post(generate_url(desk), {"early": True}, format="json")
    assert early.status_code == 200
    assert early.json() == {
        "created": 2,
        "by_kind": {**NO_KINDS, "postponed": 2},
        "withdrawn": 0,
    }
    # Trust A's staff created trust A's notices only.
    assert set(Notice.objects.values_list("appointment__trust", flat=True)) == {desk.trust.pk}
    # Dispatch is queued for after the commit, as the admin's "send now" does.
    assert len(queued) == settings.STRIKEDESK_NOTICE_DISPATCHERS

    with django_capture_on_commit_callbacks() as queued:
        again = client.post(generate_url(desk), {"early": True}, format="json")
    assert again.json()["created"] == 0
    assert not queued


def test_the_summary_counts_by_kind_channel_and_status(desk, postponed, national):
    client_for(national).post(generate_url(desk), {"early": True}, format="json")
    Notice.objects.filter(appointment=postponed[0]).update(status=NoticeStatus.SENT)

    response = client_for(desk.ops).get(summary_url(desk))

    assert response.status_code == 200
    body = response.json()
    assert (body["total"], body["overdue"]) == (2, 0)
    assert body["by_kind"] == {**NO_KINDS, "postponed": 2}
    assert body["by_channel"] == {"sms": 1, "email": 1, "letter": 0, "phone": 0}
    assert body["by_status"] == {
        "pending": 1,
        "sending": 0,
        "sent": 1,
        "delivered": 0,
        "failed": 0,
        "withdrawn": 0,
    }
    assert sorted((r["channel"], r["status"], r["count"]) for r in body["rows"]) == [
        ("email", "pending", 1),
        ("sms", "sent", 1),
    ]
    # National users count both trusts' notices.
    assert client_for(national).get(summary_url(desk)).json()["total"] == 3


def test_the_other_trusts_user_counts_none_of_trust_as_notices(desk, postponed, other_ops):
    client_for(desk.ops).post(generate_url(desk), {"early": True}, format="json")
    body = client_for(other_ops).get(summary_url(desk)).json()
    assert (body["total"], body["by_kind"]["postponed"]) == (0, 0)


def test_an_overdue_notice_is_counted(desk, postponed, national):
    client_for(national).post(generate_url(desk), {"early": True}, format="json")
    Notice.objects.filter(appointment=postponed[0]).update(due_by=desk.strike.created_at)
    assert client_for(desk.ops).get(summary_url(desk)).json()["overdue"] == 1


def test_a_viewer_may_not_generate(desk, postponed, viewer):
    response = client_for(viewer).post(generate_url(desk), {"early": True}, format="json")
    assert response.status_code == 403
    assert not Notice.objects.exists()


def test_early_notices_for_a_suspended_strike_are_a_409(desk, postponed, national):
    strike_suspend(strike=desk.strike, actor=national)
    response = client_for(desk.ops).post(generate_url(desk), {"early": True}, format="json")
    assert response.status_code == 409
    assert "suspended" in response.json()["errors"][0]["message"]
    assert not Notice.objects.exists()


def test_early_that_is_not_a_boolean_is_a_400(desk):
    response = client_for(desk.ops).post(generate_url(desk), {"early": [1]}, format="json")
    assert response.status_code == 400
    assert error_fields(response) == ["early"]
