"""Sending: claims, the outbox, retries with backoff, permanent failures, the sweep."""

import datetime as dt

import pytest
from django.utils import timezone

from appointments.models import Channel, Notice, NoticeKind, NoticeStatus, Outcome
from appointments.notices import dispatch as dispatch_module
from appointments.notices import (
    notices_claim,
    notices_dispatch,
    notices_generate,
    notices_sweep_stuck,
)
from appointments.notices.backends import SendFailed
from appointments.notices.dispatch import MAX_ATTEMPTS, retry_wait
from appointments.notices.messages import Message
from appointments.references import format_booking_reference
from tests.strikes.desk import Desk

from .people import ADDRESS, LANDLINE, MOBILE, patient, reachable_by_everything

pytestmark = pytest.mark.usefixtures("outbox")


@pytest.fixture
def live_desk(db) -> Desk:
    """A strike two days from the real clock, its notice window open: dispatch reads the
    clock, since a worker sends now."""
    now = timezone.now()
    starts_at = (now + dt.timedelta(days=2)).replace(microsecond=0)
    desk = Desk()
    desk.strike.starts_at = starts_at
    desk.strike.ends_at = starts_at + dt.timedelta(days=2)
    desk.strike.save()
    return desk


def postpone(desk: Desk, *people) -> list:
    bookings = [
        desk.book(patient=person, at=desk.strike.starts_at + dt.timedelta(hours=3 + n))
        for n, person in enumerate(people)
    ]
    desk.assess()
    desk.decide(
        Outcome.POSTPONED,
        references=tuple(b.reference for b in bookings),
        now=timezone.now(),
    )
    notices_generate()
    return bookings


class Recording:
    """A backend that remembers what it was given, and fails as told."""

    def __init__(self, *failures: SendFailed) -> None:
        self.sent: list[Message] = []
        self.failures = list(failures)

    def send(self, message: Message) -> str:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(message)
        return f"rec-{message.notice_id}"


def test_the_outbox_holds_what_the_patient_would_read(live_desk, outbox):
    (booking,) = postpone(live_desk, reachable_by_everything())
    result = notices_dispatch()
    assert result.sent == 1
    notice = Notice.objects.get()
    assert notice.status == NoticeStatus.SENT
    assert notice.sent_at is not None
    assert notice.attempts == 1
    (path,) = outbox.rglob("*.txt")
    assert path.name == f"notice-{notice.pk}-postponed.txt", "file names carry ids only"
    text = path.read_text()
    assert "Do not attend" in text
    assert "We will contact you with a new date" in text
    assert format_booking_reference(booking.reference) in text
    assert booking.service.name in text
    assert booking.site.name in text
    assert "http://127.0.0.1:8000/check/" in text
    assert f"To: {MOBILE}" in text
    assert notice.provider_reference == f"outbox:sms/{path.name}"


def test_each_channel_gets_its_own_shape_of_message(live_desk):
    by_letter = patient(preferred="letter", address=ADDRESS)
    by_email = patient(preferred="email", email="alex@example.com")
    backend = Recording()
    postpone(live_desk, by_letter, by_email)
    notices_dispatch(backend=backend)
    messages = {m.channel: m for m in backend.sent}
    assert set(messages) == {Channel.LETTER, Channel.EMAIL}
    letter = messages[Channel.LETTER]
    assert letter.address_lines == (
        f"{by_letter.given_name} {by_letter.family_name}",
        *ADDRESS,
        "NR4 7UY",
    )
    assert letter.body.startswith(f"Dear {by_letter.given_name} {by_letter.family_name},")
    assert messages[Channel.EMAIL].to == "alex@example.com"


def test_phone_calls_wait_for_staff_and_letters_wait_when_printed_in_house(live_desk, settings):
    settings.STRIKEDESK_LETTERS = "print"
    postpone(live_desk, patient(phone=LANDLINE), patient(preferred="letter", address=ADDRESS))
    backend = Recording()
    assert notices_dispatch(backend=backend).sent == 0
    assert sorted(Notice.objects.values_list("channel", "status")) == [
        (Channel.LETTER, NoticeStatus.PENDING),
        (Channel.PHONE, NoticeStatus.PENDING),
    ]


def test_a_notice_no_longer_true_is_never_sent(live_desk):
    (booking,) = postpone(live_desk, reachable_by_everything())
    live_desk.decide(Outcome.GOING_AHEAD, references=(booking.reference,), now=timezone.now())
    backend = Recording()
    assert notices_dispatch(backend=backend).sent == 0
    assert backend.sent == []


def test_a_transient_failure_is_tried_again_later_with_backoff(live_desk):
    postpone(live_desk, reachable_by_everything())
    backend = Recording(SendFailed("provider down", transient=True))
    before = timezone.now()
    result = notices_dispatch(backend=backend)
    assert (result.sent, result.retrying) == (0, 1)
    notice = Notice.objects.get()
    assert (notice.status, notice.attempts, notice.last_error) == (
        NoticeStatus.PENDING,
        1,
        "provider down",
    )
    assert notice.next_attempt_at >= before + retry_wait(1)
    assert notices_dispatch(backend=backend).sent == 0, "not before its time"
    Notice.objects.update(next_attempt_at=timezone.now())
    assert notices_dispatch(backend=backend).sent == 1
    notice.refresh_from_db()
    assert (notice.status, notice.attempts, notice.last_error) == (NoticeStatus.SENT, 2, "")


def test_retries_are_bounded(live_desk):
    postpone(live_desk, reachable_by_everything())
    backend = Recording(*[SendFailed("still down", transient=True)] * MAX_ATTEMPTS)
    for _ in range(MAX_ATTEMPTS):
        Notice.objects.update(next_attempt_at=None)
        notices_dispatch(backend=backend)
    notice = Notice.objects.get()
    assert (notice.status, notice.attempts) == (NoticeStatus.FAILED, MAX_ATTEMPTS)
    assert notice.last_error == "still down"


def test_a_permanent_failure_fails_at_once(live_desk):
    postpone(live_desk, reachable_by_everything())
    result = notices_dispatch(backend=Recording(SendFailed("not a mobile", transient=False)))
    assert result.failed == 1
    notice = Notice.objects.get()
    assert (notice.status, notice.last_error) == (NoticeStatus.FAILED, "not a mobile")


def test_an_unexpected_error_does_not_stop_the_batch(live_desk):
    postpone(live_desk, reachable_by_everything(), reachable_by_everything())
    backend = Recording(ZeroDivisionError())  # type: ignore[arg-type]
    result = notices_dispatch(backend=backend)
    assert (result.sent, result.retrying) == (1, 1)
    assert Notice.objects.filter(last_error="Unexpected error: ZeroDivisionError").count() == 1


def test_claims_do_not_overlap_and_go_most_urgent_first(live_desk):
    postpone(live_desk, *[reachable_by_everything() for _ in range(5)])
    now = timezone.now()
    first = notices_claim(limit=3, now=now)
    second = notices_claim(limit=3, now=now)
    assert (len(first), len(second)) == (3, 2)
    assert not set(first) & set(second)
    assert notices_claim(limit=3, now=now) == []
    assert Notice.objects.filter(status=NoticeStatus.SENDING, claimed_at=now).count() == 5


def test_the_sweep_returns_only_what_a_dead_worker_left(live_desk, settings):
    postpone(live_desk, reachable_by_everything(), reachable_by_everything())
    now = timezone.now()
    abandoned, fresh = sorted(notices_claim(limit=2, now=now))
    timeout = dt.timedelta(seconds=settings.STRIKEDESK_NOTICE_CLAIM_TIMEOUT)
    Notice.objects.filter(pk=abandoned).update(claimed_at=now - timeout - dt.timedelta(seconds=1))
    assert notices_sweep_stuck(now=now) == 1
    assert Notice.objects.get(pk=abandoned).status == NoticeStatus.PENDING
    assert Notice.objects.get(pk=fresh).status == NoticeStatus.SENDING


def test_the_sweep_gives_up_on_a_notice_that_keeps_killing_its_worker(live_desk, settings):
    postpone(live_desk, reachable_by_everything())
    now = timezone.now()
    notices_claim(limit=1, now=now)
    Notice.objects.update(attempts=MAX_ATTEMPTS, claimed_at=now - dt.timedelta(days=1))
    notices_sweep_stuck(now=now)
    notice = Notice.objects.get()
    assert notice.status == NoticeStatus.FAILED
    assert "stopped before it finished" in notice.last_error


def test_a_sent_notice_is_not_sent_again(live_desk):
    postpone(live_desk, reachable_by_everything())
    backend = Recording()
    notices_dispatch(backend=backend)
    notices_generate()
    notices_dispatch(backend=backend)
    assert len(backend.sent) == 1
    assert Notice.objects.get().kind == NoticeKind.POSTPONED


class Slow(Recording):
    """A provider that takes its time: the clock runs out after the first message."""

    def __init__(self, monkeypatch) -> None:
        super().__init__()
        self.monkeypatch = monkeypatch

    def send(self, message: Message) -> str:
        reference = super().send(message)
        clock = dispatch_module.time.monotonic
        self.monkeypatch.setattr(dispatch_module.time, "monotonic", lambda: clock() + 3600)
        return reference


def test_out_of_time_the_rest_of_the_batch_goes_straight_back(live_desk, monkeypatch):
    postpone(live_desk, *[reachable_by_everything() for _ in range(4)])
    result = notices_dispatch(backend=Slow(monkeypatch), batch_size=4, seconds=60)
    assert result.sent == 1
    assert sorted(Notice.objects.values_list("status", "attempts", "claimed_at")) == [
        (NoticeStatus.PENDING, 0, None),
        (NoticeStatus.PENDING, 0, None),
        (NoticeStatus.PENDING, 0, None),
        (NoticeStatus.SENT, 1, Notice.objects.get(status=NoticeStatus.SENT).claimed_at),
    ], "untried notices are neither stuck in sending nor charged a try"
