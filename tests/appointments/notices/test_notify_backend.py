"""The real GOV.UK Notify backend, through the real client, against the fake Notify server:
what it sends, and what dispatch records for each answer Notify can give."""

import datetime as dt
import json
import socket

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from appointments.models import Notice, NoticeStatus, Outcome
from appointments.notices import notices_dispatch, notices_generate
from appointments.notices.backends import configured_backend
from appointments.notices.backends.notify import NotifyBackend
from appointments.notices.dispatch import FIRST_RETRY_AFTER, MAX_ATTEMPTS
from tests.fake_notify import API_KEY, SERVICE_ID, RunningFakeNotify

from .conftest import IN_WINDOW
from .people import ADDRESS, MOBILE, patient

EMAIL = "sam.patient@example.com"
TEMPLATES = {
    "sms": "0d6a3f2e-6c43-4d1a-9a43-0d6a3f2e6c43",
    "email": "1e7b4a3f-7d54-4e2b-8b54-1e7b4a3f7d54",
    "letter": "2f8c5b4a-8e65-4f3c-9c65-2f8c5b4a8e65",
}
# The fields that may name the patient: the recipient, and the words of the message.
RECIPIENT_FIELDS = {"phone_number", "email_address"}
MESSAGE_FIELDS = {"message"}


@pytest.fixture(scope="module")
def notify_server():
    # One server for the module: stopping one waits out its half-second poll.
    with RunningFakeNotify() as fake:
        yield fake


@pytest.fixture
def fake(notify_server, settings):
    with notify_server.lock:
        notify_server.received.clear()
        notify_server.answers.clear()
        notify_server.always = None
    settings.STRIKEDESK_NOTICE_BACKEND = "notify"
    settings.STRIKEDESK_LETTERS = "provider"
    settings.NOTIFY_API_KEY = API_KEY
    settings.NOTIFY_BASE_URL = notify_server.base_url
    settings.NOTIFY_TEMPLATE_IDS = dict(TEMPLATES)
    settings.NOTIFY_TIMEOUT_SECONDS = 5
    configured_backend.cache_clear()
    yield notify_server
    configured_backend.cache_clear()


def notice_by(desk, channel: str, *, address=ADDRESS) -> Notice:
    """A postponed booking whose patient can be reached every way and prefers
    ``channel``, and the notice generated for it."""
    person = patient(preferred=channel, phone=MOBILE, email=EMAIL, address=address)
    booking = desk.book(patient=person)
    desk.assess()
    desk.decide(Outcome.POSTPONED, references=(booking.reference,))
    notices_generate(now=IN_WINDOW)
    notice = Notice.objects.get(appointment=booking)
    assert notice.channel == channel
    return notice


def dispatch():
    return notices_dispatch(backend=NotifyBackend())


def fresh(notice: Notice) -> Notice:
    notice.refresh_from_db()
    return notice


def due_again(notice: Notice) -> None:
    """Skip the wait before the next try, as if its time had come."""
    past = timezone.now() - dt.timedelta(seconds=1)
    Notice.objects.filter(pk=notice.pk).update(next_attempt_at=past)


def personal_data(notice: Notice) -> list[str]:
    person = notice.appointment.patient
    born = person.date_of_birth
    return [
        person.given_name,
        person.family_name,
        person.nhs_number,
        born.isoformat(),
        born.strftime("%d/%m/%Y"),
        person.phone,
        person.phone.replace(" ", ""),
        person.email,
        person.postcode,
        *person.address,
    ]


def without_personal_fields(body: dict) -> dict:
    """The request with the fields that may carry personal data taken out."""
    rest = {key: value for key, value in body.items() if key not in RECIPIENT_FIELDS}
    rest["personalisation"] = {
        key: value
        for key, value in body.get("personalisation", {}).items()
        if key not in MESSAGE_FIELDS and not key.startswith("address_line_")
    }
    return rest


class TestSending:
    @pytest.mark.parametrize(
        ("channel", "recipient"),
        [("sms", MOBILE), ("email", EMAIL), ("letter", None)],
        ids=["sms", "email", "letter"],
    )
    def test_a_notice_goes_to_notify_and_is_recorded_sent(self, desk, fake, channel, recipient):
        notice = notice_by(desk, channel)
        result = dispatch()
        assert (result.sent, result.retrying, result.failed) == (1, 0, 0)
        [request] = fake.received
        assert request.channel == channel
        assert request.body["template_id"] == TEMPLATES[channel]
        assert request.body["reference"] == str(notice.pk), "the reference is the notice id"
        if recipient:
            field = "phone_number" if channel == "sms" else "email_address"
            assert request.body[field] == recipient
        else:
            assert not RECIPIENT_FIELDS & request.body.keys(), "letters go to the address"
        notice = fresh(notice)
        assert notice.status == NoticeStatus.SENT
        assert notice.provider_reference == request.notification_id
        assert notice.sent_at is not None
        assert (notice.attempts, notice.last_error) == (1, "")

    @pytest.mark.parametrize("channel", ["sms", "email", "letter"])
    def test_only_the_recipient_and_the_message_carry_personal_data(self, desk, fake, channel):
        notice = notice_by(desk, channel)
        dispatch()
        [request] = fake.received
        rest = json.dumps(without_personal_fields(request.body))
        for value in personal_data(notice):
            assert value not in rest, f"personal data outside the message: {value!r}"
        # The words of the message do name the patient where it is addressed to them.
        if channel != "sms":
            assert (
                notice.appointment.patient.family_name in request.body["personalisation"]["message"]
            )

    def test_a_text_message_sends_the_message_alone(self, desk, fake):
        notice_by(desk, "sms")
        dispatch()
        assert set(fake.received[0].body["personalisation"]) == {"message"}

    def test_an_email_has_its_subject(self, desk, fake):
        notice_by(desk, "email")
        dispatch()
        personalisation = fake.received[0].body["personalisation"]
        assert (
            personalisation["subject"] == "Your appointment is postponed because of strike action"
        )

    def test_a_letter_carries_the_address_with_the_postcode_last(self, desk, fake):
        notice = notice_by(desk, "letter")
        dispatch()
        person = notice.appointment.patient
        personalisation = fake.received[0].body["personalisation"]
        lines = {key: value for key, value in personalisation.items() if key.startswith("address")}
        assert lines == {
            "address_line_1": f"{person.given_name} {person.family_name}",
            "address_line_2": "1 Colney Lane",
            "address_line_3": "Norwich",
            "address_line_4": "NR4 7UY",
        }

    def test_a_long_address_is_folded_into_notifys_seven_lines(self, desk, fake):
        address = [f"Line {n}" for n in range(1, 8)]
        notice_by(desk, "letter", address=address)
        dispatch()
        personalisation = fake.received[0].body["personalisation"]
        lines = [personalisation.get(f"address_line_{n}") for n in range(1, 9)]
        assert lines[4:] == ["Line 4", "Line 5, Line 6, Line 7", "NR4 7UY", None]


class TestRefusals:
    def test_a_bad_request_fails_the_notice_at_once_with_notifys_reason(self, desk, fake):
        notice = notice_by(desk, "sms")
        fake.always = 400
        result = dispatch()
        assert (result.sent, result.retrying, result.failed) == (0, 0, 1)
        notice = fresh(notice)
        assert notice.status == NoticeStatus.FAILED
        assert notice.attempts == 1
        assert notice.last_error == "Notify answered 400: BadRequestError: fake 400"
        assert notice.next_attempt_at is None
        assert fake.received == []

    def test_a_missing_template_fails_the_notice_naming_the_setting(self, desk, fake, settings):
        settings.NOTIFY_TEMPLATE_IDS = {**TEMPLATES, "email": ""}
        notice = notice_by(desk, "email")
        result = dispatch()
        assert result.failed == 1
        notice = fresh(notice)
        assert notice.status == NoticeStatus.FAILED
        assert "NOTIFY_TEMPLATE_EMAIL" in notice.last_error
        assert fake.received == [], "nothing was sent without a template"

    def test_no_api_key_is_a_configuration_error(self, settings):
        settings.NOTIFY_API_KEY = ""
        with pytest.raises(ImproperlyConfigured, match="NOTIFY_API_KEY"):
            NotifyBackend()

    def test_the_configured_backend_refuses_to_start_without_a_key(self, settings):
        settings.STRIKEDESK_NOTICE_BACKEND = "notify"
        settings.NOTIFY_API_KEY = ""
        configured_backend.cache_clear()
        try:
            with pytest.raises(ImproperlyConfigured, match="NOTIFY_API_KEY"):
                configured_backend()
        finally:
            configured_backend.cache_clear()


class TestTransientFailures:
    @pytest.mark.parametrize("status", [500, 503, 429])
    def test_an_outage_or_rate_limit_is_tried_again_later(self, desk, fake, status):
        notice = notice_by(desk, "sms")
        fake.answers = [status]
        before = timezone.now()
        result = dispatch()
        assert (result.sent, result.retrying, result.failed) == (0, 1, 0)
        notice = fresh(notice)
        assert notice.status == NoticeStatus.PENDING
        assert notice.attempts == 1
        assert notice.last_error.startswith(f"Notify answered {status}")
        assert notice.next_attempt_at >= before + FIRST_RETRY_AFTER
        assert notice.sent_at is None

        assert dispatch().handled == 0, "not tried again before its time"
        due_again(notice)
        assert dispatch().sent == 1
        notice = fresh(notice)
        assert (notice.status, notice.attempts, notice.last_error) == (NoticeStatus.SENT, 2, "")
        assert notice.provider_reference == fake.received[0].notification_id
        assert fake.references() == {str(notice.pk): 1}

    def test_a_notice_that_keeps_failing_is_failed_after_the_last_try(self, desk, fake):
        notice = notice_by(desk, "email")
        fake.always = 502
        for attempt in range(1, MAX_ATTEMPTS):
            assert dispatch().retrying == 1
            notice = fresh(notice)
            assert (notice.status, notice.attempts) == (NoticeStatus.PENDING, attempt)
            due_again(notice)
        assert dispatch().failed == 1
        notice = fresh(notice)
        assert (notice.status, notice.attempts) == (NoticeStatus.FAILED, MAX_ATTEMPTS)
        assert notice.last_error.startswith("Notify answered 502")
        due_again(notice)
        assert dispatch().handled == 0, "a failed notice is left for staff"

    def test_a_refused_connection_is_transient(self, desk, fake, settings):
        settings.NOTIFY_BASE_URL = f"http://127.0.0.1:{closed_port()}"
        notice = notice_by(desk, "sms")
        assert dispatch().retrying == 1
        notice = fresh(notice)
        assert notice.status == NoticeStatus.PENDING
        assert notice.last_error == "Could not reach GOV.UK Notify (ConnectionError)."
        assert notice.next_attempt_at is not None

    def test_a_refused_api_key_is_tried_again_rather_than_failing_every_notice(
        self, desk, fake, settings
    ):
        # Signed with another secret: the fake (like Notify) answers 403.
        settings.NOTIFY_API_KEY = f"wrong-{SERVICE_ID}-00000000-0000-4000-8000-000000000000"
        notice = notice_by(desk, "sms")
        assert dispatch().retrying == 1
        notice = fresh(notice)
        assert notice.status == NoticeStatus.PENDING
        assert notice.last_error == "Notify answered 403: AuthError"


def closed_port() -> int:
    """A local port nothing listens on (bound for a moment, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
