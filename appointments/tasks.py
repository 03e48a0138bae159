"""Celery tasks for patient notices: thin, they take ids and call the services.

Every task here is safe to run twice (the database decides what is owed and who has
claimed what), so they are acknowledged late and requeued if their worker dies.
"""

import logging

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from appointments.models import Notice, NoticeStatus
from appointments.notices import (
    channels_sent_by_backend,
    notices_dispatch,
    notices_generate,
    notices_sweep_stuck,
)

logger = logging.getLogger(__name__)

IDEMPOTENT = {"acks_late": True, "reject_on_worker_lost": True, "ignore_result": True}
# A dispatch task still queued after this long is dropped: the next tick starts fresh ones.
DISPATCH_EXPIRES_SECONDS = 120


@shared_task(name="notices.tick", **IDEMPOTENT)
def notices_tick() -> dict[str, int]:
    """The scheduler's heartbeat (django-celery-beat, every minute): return what dead
    workers left, create the notices now owed, flag overdue ones, start dispatch."""
    now = timezone.now()
    swept = notices_sweep_stuck(now=now)
    generated = notices_generate(now=now)
    overdue = Notice.objects.overdue(now).count()
    if overdue:
        logger.warning("%s notices are overdue: past their deadline and not sent", overdue)
    started = dispatch_soon() if _ready_to_send() else 0
    summary = {
        "swept": swept,
        "created": generated.total,
        "withdrawn": generated.withdrawn,
        "overdue": overdue,
        "dispatchers": started,
    }
    logger.info("Notice tick: %s", summary)
    return summary


@shared_task(
    name="notices.dispatch",
    soft_time_limit=settings.STRIKEDESK_NOTICE_DISPATCH_SOFT_LIMIT,
    time_limit=settings.STRIKEDESK_NOTICE_DISPATCH_HARD_LIMIT,
    **IDEMPOTENT,
)
def notices_dispatch_task() -> dict[str, int]:
    """Send notices until none are ready or the time allowed has passed."""
    result = notices_dispatch()
    return {"sent": result.sent, "retrying": result.retrying, "failed": result.failed}


@shared_task(name="notices.generate_for_strike", **IDEMPOTENT)
def notices_generate_for_strike(
    strike_id: int, *, actor_id: int | None = None, early: bool = False
) -> dict[str, int]:
    """One strike's notices now, for the trusts of the member of staff asking (every
    trust when ``actor_id`` is None), before the window opens if ``early``."""
    from django.contrib.auth import get_user_model

    from strikes.models import Strike

    actor = get_user_model().objects.get(pk=actor_id) if actor_id is not None else None
    generated = notices_generate(strike=Strike.objects.get(pk=strike_id), actor=actor, early=early)
    if generated.total:
        dispatch_soon()
    return generated.created


def dispatch_soon() -> int:
    """Start the configured number of dispatch tasks once the current transaction commits
    (at once outside one); returns how many."""
    count = settings.STRIKEDESK_NOTICE_DISPATCHERS
    for _ in range(count):
        notices_dispatch_task.apply_async_on_commit(expires=DISPATCH_EXPIRES_SECONDS)
    return count


def _ready_to_send() -> bool:
    return Notice.objects.filter(
        status=NoticeStatus.PENDING, channel__in=channels_sent_by_backend()
    ).exists()
