"""How far a strike's notices have got: the one read the dashboard and the API share."""

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from appointments.models import UNSENT_STATUSES, Notice
from strikes.models import Strike


@dataclass(frozen=True)
class NoticeProgress:
    """Counts of one strike's notices the user may see. ``rows`` holds one entry per
    (kind, channel, status) present, with how many of them are overdue."""

    total: int = 0
    overdue: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
    by_channel: dict[str, int] = field(default_factory=dict)
    by_status: dict[str, int] = field(default_factory=dict)
    rows: list[dict[str, Any]] = field(default_factory=list)


def notice_progress(
    *, strike: Strike, user: Any = None, now: dt.datetime | None = None
) -> NoticeProgress:
    """One grouped query: counts by kind, channel and status, and the overdue among them
    (not sent, deadline passed). ``user`` None counts every trust."""
    now = now or timezone.now()
    notices = Notice.objects.filter(strike=strike)
    if user is not None:
        notices = notices.for_user(user)
    rows = list(
        notices.order_by()
        .values("kind", "channel", "status")
        .annotate(
            count=Count("pk"),
            overdue=Count("pk", filter=Q(status__in=UNSENT_STATUSES, due_by__lte=now)),
        )
        .order_by("kind", "channel", "status")
    )
    by_kind: Counter[str] = Counter()
    by_channel: Counter[str] = Counter()
    by_status: Counter[str] = Counter()
    for row in rows:
        by_kind[row["kind"]] += row["count"]
        by_channel[row["channel"]] += row["count"]
        by_status[row["status"]] += row["count"]
    return NoticeProgress(
        total=sum(row["count"] for row in rows),
        overdue=sum(row["overdue"] for row in rows),
        by_kind=dict(by_kind),
        by_channel=dict(by_channel),
        by_status=dict(by_status),
        rows=[dict(row) for row in rows],
    )
