"""Workers killed while sending: no notice is lost, and few are sent twice.

5,000 postponement notices go to a fake GOV.UK Notify through a prefork worker, while the
test plays the scheduler (a ``notices.tick`` every second) and ``kill -9``s the worker's
whole process group three times, restarting it each time. A killed worker acknowledges
nothing and records nothing: what it had claimed stays ``sending`` until a tick's sweep
returns it to pending, after the (here short) claim timeout.

Each result is recorded as soon as Notify answers, so a kill can make a patient get a
message twice only for the one notice in flight: the worker runs one pool process, so at
most one duplicate per kill (with N processes it would be N per kill).
"""

import datetime as dt
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest
from django.utils import timezone

from appointments.models import Channel, Notice, NoticeStatus
from appointments.notices import notices_generate
from appointments.tasks import notices_tick
from tests.fake_notify import API_KEY, FakeNotify, RunningFakeNotify
from tests.strikes.desk import Desk
from tests.workers import Worker, running_worker

from .test_worker_pipeline import book_reachable, open_notice_window_now, postpone_all

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]

TOTAL = 5_000
CONCURRENCY = 1
# Killed once this share of the notices is sent.
KILL_AT = (0.25, 0.5, 0.75)
KILLS = len(KILL_AT)
TICK_EVERY_SECONDS = 1.0
# A tick still queued after this long is dropped, as beat's own ticks are (scaled down).
TICK_EXPIRES_SECONDS = 5
GIVE_UP_AFTER_SECONDS = 240
CLAIM_TIMEOUT_SECONDS = 10


def worker_env(fake: FakeNotify) -> dict[str, str]:
    return {
        "STRIKEDESK_NOTICE_BACKEND": "notify",
        "NOTIFY_API_KEY": API_KEY,
        "NOTIFY_BASE_URL": fake.base_url,
        "NOTIFY_TEMPLATE_SMS": str(uuid.uuid4()),
        "NOTIFY_TEMPLATE_EMAIL": str(uuid.uuid4()),
        "NOTIFY_TEMPLATE_LETTER": str(uuid.uuid4()),
        "STRIKEDESK_NOTICE_BATCH": "50",
        "STRIKEDESK_NOTICE_DISPATCH_SECONDS": "3",
        "STRIKEDESK_NOTICE_CLAIM_TIMEOUT": str(CLAIM_TIMEOUT_SECONDS),
    }


def statuses() -> Counter[str]:
    return Counter(Notice.objects.values_list("status", flat=True))


def send_everything_killing_the_worker(worker: Worker) -> list[int]:
    """Tick every second until every notice is sent, killing and restarting the worker at
    each share of ``KILL_AT``; returns how many were sent at each kill."""
    killed_at: list[int] = []
    started = time.monotonic()
    next_tick = started
    while True:
        sent = Notice.objects.filter(status=NoticeStatus.SENT).count()
        if sent == TOTAL:
            return killed_at
        now = time.monotonic()
        if now - started > GIVE_UP_AFTER_SECONDS:
            pytest.fail(
                f"after {GIVE_UP_AFTER_SECONDS} s only {sent} of {TOTAL} notices are sent "
                f"(statuses {dict(statuses())}; killed when {killed_at} were sent)"
            )
        if not worker.alive:
            code = worker.process.returncode if worker.process else None
            pytest.fail(f"the worker exited by itself with code {code}")
        if len(killed_at) < KILLS and sent >= KILL_AT[len(killed_at)] * TOTAL:
            worker.kill()
            killed_at.append(sent)
            worker.start()
            continue
        if now >= next_tick:
            notices_tick.apply_async(queue=worker.queue, expires=TICK_EXPIRES_SECONDS)
            next_tick = now + TICK_EVERY_SECONDS
        time.sleep(0.05)


def test_notices_survive_workers_killed_while_sending(
    transactional_db: None, tmp_path: Path
) -> None:
    desk = Desk()
    starts_at = open_notice_window_now(desk)
    book_reachable(desk, TOTAL, at=starts_at + dt.timedelta(hours=3))
    assert postpone_all(desk) == TOTAL
    assert notices_generate(now=timezone.now()).total == TOTAL
    channels = Counter(Notice.objects.values_list("channel", flat=True))
    assert Channel.PHONE not in channels, "phone notices are never dispatched"

    started = time.monotonic()
    with RunningFakeNotify() as fake:
        with running_worker(
            tmp_path, name="crash", env=worker_env(fake), concurrency=CONCURRENCY
        ) as worker:
            killed_at = send_everything_killing_the_worker(worker)
        seconds = time.monotonic() - started
        received = fake.references()

    ids = {str(pk) for pk in Notice.objects.values_list("pk", flat=True)}
    duplicates = {reference: n for reference, n in received.items() if n > 1}
    extra_messages = sum(n - 1 for n in duplicates.values())
    print(
        f"\nnotices sent {TOTAL}, messages received by Notify {received.total()}, "
        f"notices received twice or more {len(duplicates)} (extra messages {extra_messages}), "
        f"kills {worker.kills} (when {killed_at} were sent), worker starts {worker.starts}, "
        f"seconds {seconds:.1f}; channels {dict(channels)}"
    )
    assert worker.kills == KILLS
    assert statuses() == {NoticeStatus.SENT: TOTAL}
    assert not ids - set(received), f"{len(ids - set(received))} notices never reached Notify"
    assert set(received) <= ids, "Notify got a reference that is no notice"
    # At most the one message each pool process had in flight when it was killed.
    assert extra_messages <= KILLS * CONCURRENCY, duplicates
    assert not Notice.objects.filter(provider_reference="").exists()
