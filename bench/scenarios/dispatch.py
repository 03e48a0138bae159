"""Dispatch: a real Celery worker (one prefork process) on Redis sends notices through
the outbox channel, and the bench counts notices per second from the first task queued
to the last notice marked sent."""

import shutil
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings

from appointments.models import Channel, Notice, NoticeStatus
from appointments.tasks import notices_dispatch_task

from ..measure import HIGHER_IS_BETTER, Figure
from ..processes import start, stop, tail
from . import Context, sql, vacuum

# Enough to run for many seconds at the target rate, few enough to repeat.
DISPATCHED = 20_000
STARTUP_SECONDS = 60
# Each dispatch task sends for at most this long; the bench queues enough of them.
TASK_SECONDS = 50


def dispatch(context: Context) -> Figure:
    sent_by_backend = (Channel.SMS, Channel.EMAIL, Channel.LETTER)
    candidates = list(
        Notice.objects.filter(channel__in=sent_by_backend)
        .order_by("due_by", "pk")
        .values_list("pk", flat=True)[:DISPATCHED]
    )
    if not candidates:
        raise AssertionError("dispatch needs notices: run the generate scenario first")
    outbox = context.work_dir / "outbox"
    figure = Figure(
        scenario="dispatch",
        measures=f"{len(candidates):,} notices sent by one Celery worker (outbox channel)",
        unit="notices/s",
        better=HIGHER_IS_BETTER,
        runs=[],
        target=">= 1,000 notices/s with one worker",
    )
    queue = f"bench-{uuid.uuid4().hex}"
    with _worker(context, queue=queue, outbox=outbox) as log:
        for _ in range(context.runs):
            _ready_to_send(candidates, outbox)
            started = time.perf_counter()
            tasks = -(-len(candidates) // (TASK_SECONDS * 200)) + 1
            for _ in range(tasks):
                notices_dispatch_task.apply_async(queue=queue)
            _wait_until_sent(candidates, log)
            figure.runs.append(len(candidates) / (time.perf_counter() - started))
    written = sum(1 for _ in outbox.rglob("notice-*.txt"))
    figure.counts = {"notices": len(candidates), "outbox_files": written}
    if written != len(candidates):
        raise AssertionError(f"{len(candidates)} notices sent but {written} outbox files")
    figure.met = figure.value >= 1000
    return figure


def _ready_to_send(ids: list[int], outbox: Path) -> None:
    """Every candidate back to waiting, every other notice out of the worker's way."""
    shutil.rmtree(outbox, ignore_errors=True)
    sql(
        "UPDATE appointments_notice SET status = CASE WHEN id = ANY(%s) THEN 'pending' "
        "ELSE 'withdrawn' END, sent_at = NULL, claimed_at = NULL, next_attempt_at = NULL, "
        "attempts = 0, provider_reference = ''",
        [ids],
    )
    vacuum("appointments_notice")


def _wait_until_sent(ids: list[int], log: Path) -> None:
    deadline = time.monotonic() + max(120, len(ids) / 50)
    while time.monotonic() < deadline:
        # Every other notice is withdrawn: counting "sent" by its index is cheap enough
        # not to compete with the worker for the machine's two cores.
        if Notice.objects.filter(status=NoticeStatus.SENT).count() >= len(ids):
            return
        time.sleep(0.2)
    raise AssertionError(f"the worker did not send every notice in time; its log:\n{tail(log)}")


@contextmanager
def _worker(context: Context, *, queue: str, outbox: Path) -> Iterator[Path]:
    log = context.work_dir / "worker.log"
    env = {
        "DJANGO_SETTINGS_MODULE": context.settings_module,
        "DATABASE_URL": context.database_url,
        "CELERY_BROKER_URL": context.broker_url,
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "STRIKEDESK_NOTICE_BACKEND": "outbox",
        "STRIKEDESK_OUTBOX_DIR": str(outbox),
        "STRIKEDESK_NOTICE_DISPATCH_SECONDS": str(TASK_SECONDS),
        "LOG_LEVEL": "WARNING",
    }
    command = [
        sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=prefork",
        "--concurrency=1", f"--queues={queue}", "--without-gossip", "--without-mingle",
        "--without-heartbeat", "--loglevel=INFO", f"--hostname=bench-{queue}@%h",
    ]  # fmt: skip
    worker = start(command, env=env, log=log)
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while " ready." not in log.read_text():
            if worker.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"the Celery worker did not start:\n{tail(log)}")
            time.sleep(0.2)
        yield log
    finally:
        stop(worker)
        _forget_queue(queue)


def _forget_queue(queue: str) -> None:
    from redis import Redis

    Redis.from_url(settings.CELERY_BROKER_URL).delete(queue)
