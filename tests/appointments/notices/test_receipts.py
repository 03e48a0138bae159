"""GOV.UK Notify's delivery receipts, posted to the callback endpoint as Notify would."""

import datetime as dt
import json
import logging

import pytest
from django.apps import apps
from django.test import Client
from django.utils import timezone

from appointments.models import Notice, NoticeStatus, Outcome
from appointments.notices import notices_claim, notices_dispatch, notices_generate, receipts
from appointments.notices.dispatch import MAX_ATTEMPTS, retry_wait
from appointments.notices.messages import Message
from appointments.notices.receipts import (
    ReceiptForUnknownNotice,
    ReceiptMalformed,
    ReceiptMismatch,
    notify_receipt_record,
)
from config.errors import DomainError

from .conftest import IN_WINDOW
from .people import MOBILE, reachable_by_everything

URL = "/notices/callbacks/notify/"
TOKEN = "9f2c1e7a-callback-token-4b8d-a6e3-5c0f7d2b9e14"
NOTIFY_ID = "740e5834-3a29-46b4-9a6f-16142fde533a"
OTHER_NOTIFY_ID = "1d6c0f3e-2b4a-4c5d-8e9f-0a1b2c3d4e5f"
# Notify's "to" is the recipient as it sent to them. These are not the patient's stored
# details, so finding them anywhere proves they came from the receipt.
RECEIPT_TO = {"sms": "+447700900456", "email": "not.stored@example.org"}
TO_TRACES = ("+447700900456", "447700900456", "7700900456", "not.stored@example.org")
SENT_AT = dt.datetime(2027, 7, 6, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def token(settings):
    settings.NOTIFY_CALLBACK_TOKEN = TOKEN
    return TOKEN


def notice_in(desk, status: str, *, channel="sms", reference=NOTIFY_ID, attempts=1) -> Notice:
    """A generated notice put in ``status`` as dispatch would leave it."""
    booking = desk.book(patient=reachable_by_everything(preferred=channel))
    desk.assess()
    desk.decide(Outcome.POSTPONED, references=(booking.reference,))
    notices_generate(now=IN_WINDOW)
    was_sent = status in (NoticeStatus.SENT, NoticeStatus.DELIVERED, NoticeStatus.FAILED)
    Notice.objects.filter(appointment=booking).update(
        status=status,
        sent_at=SENT_AT if was_sent else None,
        provider_reference=reference,
        attempts=attempts,
        claimed_at=SENT_AT if status != NoticeStatus.PENDING else None,
    )
    notice = Notice.objects.get(appointment=booking)
    assert notice.channel == channel
    return notice


def receipt(notice: Notice, status: str = "delivered", **changes) -> dict:
    """A receipt shaped as Notify sends one."""
    return {
        "id": NOTIFY_ID,
        "reference": str(notice.pk),
        "to": RECEIPT_TO.get(notice.channel, ""),
        "status": status,
        "created_at": "2027-07-06T08:59:58.000000Z",
        "completed_at": "2027-07-06T09:00:05.000000Z",
        "sent_at": "2027-07-06T09:00:00.000000Z",
        "notification_type": notice.channel,
        "template_id": "0d6a3f2e-6c43-4d1a-9a43-0d6a3f2e6c43",
        "template_version": 1,
        **changes,
    }


def post(payload, *, token: str | None = TOKEN, client=None, body: bytes | None = None):
    client = client or Client()
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    data = body if body is not None else json.dumps(payload)
    return client.post(URL, data=data, content_type="application/json", headers=headers)


def row(notice: Notice) -> dict:
    return Notice.objects.filter(pk=notice.pk).values().get()


def fresh(notice: Notice) -> Notice:
    notice.refresh_from_db()
    return notice


class TestTheToken:
    def test_a_receipt_without_a_token_is_refused(self, desk, token):
        notice = notice_in(desk, NoticeStatus.SENT)
        before = row(notice)
        response = post(receipt(notice), token=None)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == "Bearer"
        assert row(notice) == before

    @pytest.mark.parametrize(
        "header",
        [f"Bearer {TOKEN}x", f"Bearer {TOKEN[:-1]}", f"Basic {TOKEN}", TOKEN, "Bearer", "Bearer é"],
        ids=["longer", "shorter", "basic", "no-scheme", "empty", "not-ascii"],
    )
    def test_a_wrong_token_is_refused(self, desk, token, header):
        notice = notice_in(desk, NoticeStatus.SENT)
        before = row(notice)
        response = Client().post(
            URL,
            data=json.dumps(receipt(notice)),
            content_type="application/json",
            headers={"Authorization": header},
        )
        assert response.status_code == 401
        assert row(notice) == before

    @pytest.mark.parametrize("given", [TOKEN, ""])
    def test_with_no_token_configured_every_receipt_is_refused(self, desk, settings, given):
        settings.NOTIFY_CALLBACK_TOKEN = ""
        notice = notice_in(desk, NoticeStatus.SENT)
        before = row(notice)
        response = post(receipt(notice), token=given)
        assert response.status_code == 403
        assert "not configured" in response.json()["error"]
        assert row(notice) == before

    def test_notify_needs_no_csrf_token(self, desk, token):
        notice = notice_in(desk, NoticeStatus.SENT)
        response = post(receipt(notice), client=Client(enforce_csrf_checks=True))
        assert response.status_code == 200

    def test_only_post_is_allowed(self, desk, token):
        response = Client().get(URL, headers={"Authorization": f"Bearer {TOKEN}"})
        assert response.status_code == 405
        assert response.headers["Allow"] == "POST"


class TestDelivered:
    def test_a_sent_notice_becomes_delivered(self, desk, token):
        notice = notice_in(desk, NoticeStatus.SENT)
        response = post(receipt(notice))
        assert response.status_code == 200
        assert response.json() == {"notice": notice.pk, "status": "delivered"}
        notice = fresh(notice)
        assert notice.status == NoticeStatus.DELIVERED
        assert notice.provider_reference == NOTIFY_ID
        assert notice.sent_at == SENT_AT, "the time it was sent is kept"

    def test_a_receipt_before_the_worker_recorded_it_sent_is_kept(self, desk, token):
        """Notify can report delivery before the worker that sent the message has written
        down Notify's answer: the receipt wins, and the worker's late write changes nothing."""
        notice = notice_in(desk, NoticeStatus.PENDING, reference="", attempts=0)

        class DeliveredAtOnce:
            def send(self, message: Message) -> str:
                assert Notice.objects.get(pk=message.notice_id).status == NoticeStatus.SENDING
                assert post(receipt(notice)).json()["status"] == "delivered"
                return NOTIFY_ID

        notices_dispatch(backend=DeliveredAtOnce())
        notice = fresh(notice)
        assert notice.status == NoticeStatus.DELIVERED
        assert notice.provider_reference == NOTIFY_ID
        assert notice.sent_at == SENT_AT, "Notify's sent_at, since we never recorded one"

    def test_a_worker_recording_it_sent_meanwhile_does_not_lose_the_receipt(self, desk):
        notice = notice_in(desk, NoticeStatus.SENDING, reference="")
        seen = Notice.objects.get(pk=notice.pk)  # as the service read it
        Notice.objects.filter(pk=notice.pk).update(
            status=NoticeStatus.SENT, sent_at=SENT_AT, provider_reference=NOTIFY_ID
        )
        assert receipts._apply(seen, receipts._parse(receipt(notice)), timezone.now()) == 1
        assert fresh(notice).status == NoticeStatus.DELIVERED

    def test_delivery_of_a_try_whose_answer_was_lost_stops_it_being_sent_again(self, desk, token):
        # The request timed out after Notify took it: dispatch will try again.
        notice = notice_in(desk, NoticeStatus.PENDING, reference="")
        assert post(receipt(notice)).json()["status"] == "delivered"
        assert notices_claim(limit=10, now=timezone.now()) == []

    def test_delivery_of_a_try_withdrawn_since_is_recorded(self, desk, token):
        # Timed out, then the strike was called off: the patient did get "do not attend",
        # and the record must say so, for the "strike called off" notice to follow.
        notice = notice_in(desk, NoticeStatus.WITHDRAWN, reference="")
        assert post(receipt(notice)).json()["status"] == "delivered"

    def test_a_withdrawn_notice_never_tried_ignores_a_receipt(self, desk, token):
        notice = notice_in(desk, NoticeStatus.WITHDRAWN, reference="", attempts=0)
        assert post(receipt(notice)).json()["status"] == "withdrawn"

    def test_the_same_receipt_twice_changes_nothing_the_second_time(self, desk, token):
        notice = notice_in(desk, NoticeStatus.SENT)
        assert post(receipt(notice)).status_code == 200
        after_first = row(notice)
        response = post(receipt(notice))
        assert response.status_code == 200
        assert response.json() == {"notice": notice.pk, "status": "delivered"}
        assert row(notice) == after_first

    def test_a_failed_notice_stays_failed(self, desk, token):
        notice = notice_in(desk, NoticeStatus.FAILED)
        before = row(notice)
        assert post(receipt(notice)).json()["status"] == "failed"
        assert row(notice) == before

    def test_the_service_reports_whether_anything_changed(self, desk):
        notice = notice_in(desk, NoticeStatus.SENT)
        first = notify_receipt_record(payload=receipt(notice))
        second = notify_receipt_record(payload=receipt(notice))
        assert (first.status, first.changed) == (NoticeStatus.DELIVERED, True)
        assert (second.status, second.changed) == (NoticeStatus.DELIVERED, False)


class TestFailures:
    @pytest.mark.parametrize("status", ["permanent-failure", "temporary-failure"])
    def test_a_failure_fails_the_notice_naming_notifys_status(self, desk, token, status):
        notice = notice_in(desk, NoticeStatus.SENT)
        response = post(receipt(notice, status))
        assert response.status_code == 200
        assert response.json() == {"notice": notice.pk, "status": "failed"}
        notice = fresh(notice)
        assert notice.status == NoticeStatus.FAILED
        assert status in notice.last_error
        assert notice.provider_reference == NOTIFY_ID

    @pytest.mark.parametrize(
        "status", ["permanent-failure", "temporary-failure", "technical-failure"]
    )
    def test_a_failure_never_overrides_delivered(self, desk, token, status):
        notice = notice_in(desk, NoticeStatus.SENT)
        post(receipt(notice))
        before = row(notice)
        response = post(receipt(notice, status))
        assert response.status_code == 200
        assert response.json()["status"] == "delivered"
        assert row(notice) == before

    def test_a_repeated_failure_changes_nothing(self, desk, token):
        notice = notice_in(desk, NoticeStatus.SENT)
        post(receipt(notice, "permanent-failure"))
        before = row(notice)
        assert post(receipt(notice, "permanent-failure")).json()["status"] == "failed"
        assert row(notice) == before


class TestTechnicalFailure:
    def test_notifys_own_failure_sends_the_notice_again_later(self, desk, token):
        notice = notice_in(desk, NoticeStatus.SENT, attempts=2)
        before = timezone.now()
        response = post(receipt(notice, "technical-failure", sent_at=None))
        after = timezone.now()
        assert response.json() == {"notice": notice.pk, "status": "pending"}
        notice = fresh(notice)
        assert notice.status == NoticeStatus.PENDING
        assert before + retry_wait(2) <= notice.next_attempt_at <= after + retry_wait(2)
        assert (notice.sent_at, notice.claimed_at) == (None, None)
        assert notice.attempts == 2, "the try is counted when it is next claimed"
        assert "technical-failure" in notice.last_error
        assert notices_claim(limit=10, now=notice.next_attempt_at) == [notice.pk]

    def test_after_the_last_try_it_fails(self, desk, token):
        notice = notice_in(desk, NoticeStatus.SENT, attempts=MAX_ATTEMPTS)
        assert post(receipt(notice, "technical-failure")).json()["status"] == "failed"
        notice = fresh(notice)
        assert notice.status == NoticeStatus.FAILED
        assert "technical-failure" in notice.last_error

    def test_a_repeat_while_the_next_try_is_in_flight_changes_nothing(self, desk, token):
        notice = notice_in(desk, NoticeStatus.SENT)
        post(receipt(notice, "technical-failure"))
        assert notices_claim(limit=10, now=timezone.now() + dt.timedelta(hours=1)) == [notice.pk]
        before = row(notice)
        assert before["status"] == NoticeStatus.SENDING
        assert post(receipt(notice, "technical-failure")).json()["status"] == "sending"
        assert row(notice) == before, "the worker sending it again keeps it"

    def test_the_next_try_is_refused_until_its_worker_has_recorded_it(self, desk, token):
        notice = notice_in(desk, NoticeStatus.SENT)
        post(receipt(notice, "technical-failure"))
        notices_claim(limit=10, now=timezone.now() + dt.timedelta(hours=1))
        before = row(notice)
        # Notify sends it again in a few minutes, by when it is recorded sent.
        assert post(receipt(notice, id=OTHER_NOTIFY_ID)).status_code == 409
        assert row(notice) == before


class TestRefusedReceipts:
    def test_a_receipt_for_another_notification_is_refused(self, desk, token):
        notice = notice_in(desk, NoticeStatus.SENT)
        before = row(notice)
        response = post(receipt(notice, id=OTHER_NOTIFY_ID))
        assert response.status_code == 409
        assert f"notice {notice.pk}" in response.json()["error"]
        assert row(notice) == before

    def test_a_receipt_for_another_channel_is_refused(self, desk, token):
        notice = notice_in(desk, NoticeStatus.SENT)
        before = row(notice)
        assert post(receipt(notice, notification_type="email")).status_code == 409
        assert row(notice) == before

    def test_an_id_in_capitals_is_the_same_notification(self, desk, token):
        notice = notice_in(desk, NoticeStatus.SENT)
        assert post(receipt(notice, id=NOTIFY_ID.upper())).json()["status"] == "delivered"

    def test_an_unknown_reference_is_not_found(self, desk, token):
        notice = notice_in(desk, NoticeStatus.SENT)
        response = post(receipt(notice, reference=str(notice.pk + 1000)))
        assert response.status_code == 404
        assert response.json() == {"error": f"There is no notice {notice.pk + 1000}."}

    @pytest.mark.parametrize(
        "body",
        [b"not json", b"{", b"\xff\xfe", b"[" * 100_000],
        ids=["text", "cut", "bytes", "deep"],
    )
    def test_a_body_that_is_not_json_is_refused(self, desk, token, body):
        response = post(None, body=body)
        assert response.status_code == 400
        assert response.json() == {"error": "The body must be JSON."}

    @pytest.mark.parametrize(
        ("changes", "complaint"),
        [
            ({"id": "not-a-uuid"}, "id"),
            ({"id": None}, "id"),
            ({"reference": None}, "reference"),
            ({"reference": "notice-1"}, "reference"),
            ({"reference": 12}, "reference"),
            ({"status": "sending"}, "status"),
            ({"status": RECEIPT_TO["sms"]}, "status"),
            ({"notification_type": "fax"}, "notification_type"),
            ({"sent_at": "yesterday"}, "sent_at"),
            ({"sent_at": "2027-02-31T09:00:00Z"}, "sent_at"),
        ],
    )
    def test_a_malformed_receipt_is_refused(self, desk, token, changes, complaint):
        notice = notice_in(desk, NoticeStatus.SENT)
        before = row(notice)
        response = post(receipt(notice, **changes))
        assert response.status_code == 400
        message = response.json()["error"]
        assert complaint in message
        assert not any(trace in message for trace in TO_TRACES)
        assert row(notice) == before

    @pytest.mark.parametrize("payload", [[], "delivered", 7, None])
    def test_a_receipt_that_is_not_an_object_is_refused(self, token, payload):
        assert post(payload).status_code == 400

    def test_refusals_are_domain_errors(self, desk):
        notice = notice_in(desk, NoticeStatus.SENT)
        for refusal, payload in [
            (ReceiptMalformed, {"status": "delivered"}),
            (ReceiptForUnknownNotice, receipt(notice, reference="999999999")),
            (ReceiptMismatch, receipt(notice, id=OTHER_NOTIFY_ID)),
        ]:
            assert issubclass(refusal, DomainError)
            with pytest.raises(refusal):
                notify_receipt_record(payload=payload)


class TestTheRecipientIsNeverKept:
    @pytest.mark.parametrize("channel", ["sms", "email"])
    def test_the_to_field_reaches_neither_the_database_nor_the_logs(
        self, desk, token, caplog, channel
    ):
        caplog.set_level(logging.DEBUG)
        delivered = notice_in(desk, NoticeStatus.SENT, channel=channel)
        failed = notice_in(desk, NoticeStatus.SENT, channel=channel, reference=OTHER_NOTIFY_ID)
        retried = notice_in(desk, NoticeStatus.SENT, channel=channel, reference="")
        answers = [
            post(receipt(delivered)),
            post(receipt(failed, "permanent-failure", id=OTHER_NOTIFY_ID)),
            post(receipt(retried, "technical-failure")),
            post(receipt(delivered, id=OTHER_NOTIFY_ID)),  # mismatch
            post(receipt(delivered, status="bounced")),  # malformed
            post(receipt(delivered), token="wrong"),
        ]
        assert [answer.status_code for answer in answers] == [200, 200, 200, 409, 400, 401]
        assert [fresh(n).status for n in (delivered, failed, retried)] == [
            NoticeStatus.DELIVERED,
            NoticeStatus.FAILED,
            NoticeStatus.PENDING,
        ]
        assert "Notify receipt for notice" in caplog.text, "the receipts were logged"
        for trace in TO_TRACES:
            assert trace not in caplog.text
            assert not any(trace in answer.content.decode() for answer in answers)
        stored = everything_stored()
        assert MOBILE in stored, "the scan reads the patient's own details"
        for trace in TO_TRACES:
            assert trace not in stored


def everything_stored() -> str:
    """Every row of every table, as text."""
    return json.dumps(
        [list(model._default_manager.values()) for model in apps.get_models()], default=str
    )
