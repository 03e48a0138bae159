"""Sending notices: claim a batch, send each, record each result at once.

A worker takes notices with one conditional update (pending -> sending, stamped with the
claim time), so two workers never take the same one. Each result is committed as soon
as the provider answers: if the worker is killed, at most the one message in flight can
be sent twice. What a dead worker had claimed and not sent stays ``sending`` until
``notices_sweep_stuck`` returns it to pending, after a timeout longer than any dispatch
task may live.

Text messages, emails and (unless the trust prints its own) letters are sent by the
configured backend. Phone calls, and letters printed in house, wait for staff: see
``appointments/notices/by_hand.py``.
"""

import datetime as dt
import logging
import time
from dataclasses import dataclass
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from appointments.models import Channel, Notice, NoticeStatus
from config.errors import DomainError
from config.sql import commits_not_waiting_for_disk
from trusts.models import Membership
from trusts.scope import trust_ids_for

from .backends import NoticeBackend, SendFailed, configured_backend
from .messages import NOTICE_RELATIONS, compose
from .relevance import still_true

logger = logging.getLogger(__name__)

# After this many tries (claims) a notice is failed and left for staff: with the waits
# below, a provider outage of about three hours.
MAX_ATTEMPTS = 10
FIRST_RETRY_AFTER = dt.timedelta(seconds=30)
LONGEST_RETRY_WAIT = dt.timedelta(hours=1)


@dataclass
class DispatchResult:
    sent: int = 0
    retrying: int = 0
    failed: int = 0

    @property
    def handled(self) -> int:
        return self.sent + self.retrying + self.failed


def channels_sent_by_backend() -> tuple[str, ...]:
    if settings.STRIKEDESK_LETTERS == "print":
        return (Channel.SMS, Channel.EMAIL)
    return (Channel.SMS, Channel.EMAIL, Channel.LETTER)


def retry_wait(attempts: int) -> dt.timedelta:
    """30 s, 1 min, 2 min... doubling after each failed try, at most an hour."""
    return min(FIRST_RETRY_AFTER * 2 ** max(attempts - 1, 0), LONGEST_RETRY_WAIT)


def notices_claim(*, limit: int, now: dt.datetime) -> list[int]:
    """Take up to ``limit`` notices that are due to be sent and still true; return their ids.

    Most urgent first. ``SKIP LOCKED`` lets workers claim side by side on PostgreSQL;
    SQLite serialises writers, so there the update's status condition is what counts.
    """
    with transaction.atomic():
        ready = (
            Notice.objects.filter(
                status=NoticeStatus.PENDING, channel__in=channels_sent_by_backend()
            )
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            .filter(still_true(now, per_notice=True))
            .order_by("due_by", "pk")
        )
        ids = list(
            ready.select_for_update(skip_locked=True, of=("self",)).values_list("pk", flat=True)[
                :limit
            ]
        )
        claimed = Notice.objects.filter(pk__in=ids, status=NoticeStatus.PENDING)
        claimed.update(
            status=NoticeStatus.SENDING,
            claimed_at=now,
            attempts=F("attempts") + 1,
            next_attempt_at=None,
            updated_at=now,
        )
    return ids


def notices_dispatch(
    *,
    backend: NoticeBackend | None = None,
    batch_size: int | None = None,
    seconds: float | None = None,
) -> DispatchResult:
    """Send what is ready, batch after batch, until nothing is left or ``seconds`` pass."""
    backend = backend or configured_backend()
    batch_size = batch_size or settings.STRIKEDESK_NOTICE_BATCH
    seconds = settings.STRIKEDESK_NOTICE_DISPATCH_SECONDS if seconds is None else seconds
    stop_at = time.monotonic() + seconds
    result = DispatchResult()
    # Each result's commit is a disk flush on PostgreSQL, most of the cost of sending
    # to the outbox or a fast provider. Without waiting for it, a killed worker loses
    # nothing; only a crash of the database server can lose the last moment's commits,
    # and their notices are then back to "sending" (the sweep returns them) or
    # "pending": sent again, a duplicate at worst, as with a killed worker, never a
    # patient left untold.
    with commits_not_waiting_for_disk():
        _dispatch_batches(backend, batch_size, stop_at, result)
    return result


def _dispatch_batches(
    backend: NoticeBackend, batch_size: int, stop_at: float, result: DispatchResult
) -> None:
    while time.monotonic() < stop_at:
        ids = notices_claim(limit=batch_size, now=timezone.now())
        if not ids:
            break
        batch = Notice.objects.filter(pk__in=ids, status=NoticeStatus.SENDING).select_related(
            *NOTICE_RELATIONS
        )
        untried = set(ids)
        try:
            for notice in batch.order_by("due_by", "pk"):
                # A slow provider must not carry the task to its time limit mid-batch.
                if time.monotonic() >= stop_at:
                    break
                untried.discard(notice.pk)
                _send_one(notice, backend, result)
        finally:
            # Out of time (or stopped by the soft time limit): what was claimed and not
            # tried goes straight back, instead of waiting for the sweep.
            _release(untried)


def _release(ids: set[int]) -> None:
    if ids:
        Notice.objects.filter(pk__in=ids, status=NoticeStatus.SENDING).update(
            status=NoticeStatus.PENDING,
            claimed_at=None,
            attempts=F("attempts") - 1,
            updated_at=timezone.now(),
        )


def _send_one(notice: Notice, backend: NoticeBackend, result: DispatchResult) -> None:
    try:
        provider_reference = backend.send(compose(notice))
    except SendFailed as failure:
        _record_failure(notice, failure.reason, transient=failure.transient, result=result)
    except SoftTimeLimitExceeded:
        # The task must stop: this notice may or may not have gone, so it stays sending
        # for the sweep (a re-send at worst), and the rest of the batch is released.
        raise
    except Exception as error:  # a bug must not stop the batch: the notice is tried again
        logger.exception("Sending notice %s raised %s", notice.pk, type(error).__name__)
        _record_failure(
            notice, f"Unexpected error: {type(error).__name__}", transient=True, result=result
        )
    else:
        result.sent += _mark_sent(notice.pk, provider_reference[:100], timezone.now())


def _mark_sent(notice_id: int, provider_reference: str, now: dt.datetime) -> int:
    """Record one notice as sent, if it is still ours to record: a swept or already
    receipted notice keeps its newer state, and is not counted twice.

    Written out rather than through ``QuerySet.update()``: this runs once per message,
    and compiling the update each time cost more than the database did to run it.
    """
    # Stored as the ORM stores it (SQLite keeps datetimes as text in its own format).
    moment = Notice._meta.get_field("sent_at").get_db_prep_save(now, connection)
    values = [NoticeStatus.SENT, moment, provider_reference, moment, notice_id]
    with connection.cursor() as cursor:
        cursor.execute(_MARK_SENT_SQL, [*values, NoticeStatus.SENDING])
        return cursor.rowcount


def _mark_sent_sql() -> str:
    meta = Notice._meta
    quote = connection.ops.quote_name

    def column(name: str) -> str:
        return quote(meta.get_field(name).column)

    # Identifiers from the model, quoted; every value is a parameter.
    return (
        f"UPDATE {quote(meta.db_table)} SET {column('status')} = %s, {column('sent_at')} = %s, "  # noqa: S608
        f"{column('provider_reference')} = %s, {column('last_error')} = '', "
        f"{column('updated_at')} = %s WHERE {column('id')} = %s AND {column('status')} = %s"
    )


_MARK_SENT_SQL = _mark_sent_sql()


def _record_failure(
    notice: Notice, reason: str, *, transient: bool, result: DispatchResult
) -> None:
    now = timezone.now()
    still_sending = Notice.objects.filter(pk=notice.pk, status=NoticeStatus.SENDING)
    if transient and notice.attempts < MAX_ATTEMPTS:
        still_sending.update(
            status=NoticeStatus.PENDING,
            next_attempt_at=now + retry_wait(notice.attempts),
            last_error=reason,
            updated_at=now,
        )
        result.retrying += 1
        logger.warning(
            "Notice %s not sent (try %s), will retry: %s", notice.pk, notice.attempts, reason
        )
    else:
        still_sending.update(status=NoticeStatus.FAILED, last_error=reason, updated_at=now)
        result.failed += 1
        # An error, not a warning: a patient will not be told unless staff act.
        logger.error("Notice %s failed after %s tries: %s", notice.pk, notice.attempts, reason)


def notices_sweep_stuck(*, now: dt.datetime, timeout: dt.timedelta | None = None) -> int:
    """Return notices a dead worker left ``sending`` to pending (or, out of tries, to
    failed); returns how many were found. The timeout is longer than a dispatch task
    may run, so a live worker's claims are never taken from it."""
    timeout = timeout or dt.timedelta(seconds=settings.STRIKEDESK_NOTICE_CLAIM_TIMEOUT)
    stuck = Notice.objects.filter(status=NoticeStatus.SENDING, claimed_at__lt=now - timeout)
    with transaction.atomic():
        gave_up = stuck.filter(attempts__gte=MAX_ATTEMPTS).update(
            status=NoticeStatus.FAILED,
            last_error="The worker sending it stopped before it finished, too many times.",
            updated_at=now,
        )
        returned = stuck.update(status=NoticeStatus.PENDING, claimed_at=None, updated_at=now)
    if gave_up or returned:
        logger.warning(
            "Swept %s notices left sending; %s returned to pending", gave_up + returned, returned
        )
    return gave_up + returned


def notices_retry_failed(*, notices: QuerySet[Notice], actor: Any) -> int:
    """Put failed notices among ``notices`` back in the queue with a fresh set of tries,
    at trusts where ``actor`` is operations staff or an admin; returns how many."""
    may_act = trust_ids_for(actor, roles=(Membership.Role.OPERATIONS, Membership.Role.ADMIN))
    failed = notices.filter(status=NoticeStatus.FAILED)
    if may_act is not None:
        if not may_act.exists():
            raise DomainError("Only operations staff and trust admins can resend notices.")
        failed = failed.filter(appointment__trust__in=may_act)
    now = timezone.now()
    return Notice.objects.filter(pk__in=failed.values("pk"), status=NoticeStatus.FAILED).update(
        status=NoticeStatus.PENDING, attempts=0, next_attempt_at=None, updated_at=now
    )
