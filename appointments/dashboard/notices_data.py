"""What the notices page reads: the progress figures, the trusts' by-hand work, failures.

Every read goes through the user's trust scope. The progress numbers come from
``notice_progress``, the function the API's summary calls, so the bar and the JSON the
page polls cannot disagree; ``static/js/notice-progress.mjs`` repeats ``percent_done``.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet

from appointments.models import Channel, Notice, NoticeStatus, Outcome, StrikeImpact
from appointments.notices import notice_window_opens
from appointments.notices.by_hand import letter_statuses_to_print
from appointments.notices.dispatch import channels_sent_by_backend
from appointments.notices.generation import NOTICE_STRIKE_STATUSES
from appointments.notices.progress import NoticeProgress
from appointments.notices.relevance import still_true
from strikes.models import Strike
from trusts.models import Trust
from trusts.scope import trust_ids_for

# Enough to act on at once; more are retried with "Retry all failed".
FAILED_SHOWN = 100


@dataclass(frozen=True)
class ProgressFigures:
    """The bar's numbers. "Done" is sent or delivered, out of the notices still owed
    (every one generated except those withdrawn because they stopped being true)."""

    total: int
    pending: int
    sending: int
    sent: int
    delivered: int
    failed: int
    withdrawn: int
    overdue: int

    @classmethod
    def of(cls, progress: NoticeProgress) -> "ProgressFigures":
        status = progress.by_status
        return cls(
            total=progress.total,
            pending=status.get(NoticeStatus.PENDING, 0),
            sending=status.get(NoticeStatus.SENDING, 0),
            sent=status.get(NoticeStatus.SENT, 0),
            delivered=status.get(NoticeStatus.DELIVERED, 0),
            failed=status.get(NoticeStatus.FAILED, 0),
            withdrawn=status.get(NoticeStatus.WITHDRAWN, 0),
            overdue=progress.overdue,
        )

    @property
    def owed(self) -> int:
        return self.total - self.withdrawn

    @property
    def done(self) -> int:
        return self.sent + self.delivered

    @property
    def waiting(self) -> int:
        return self.pending + self.sending

    @property
    def percent_done(self) -> int | None:
        # Rounded down, so 100% means every notice owed has gone, never "nearly all".
        if not self.owed:
            return None
        return self.done * 100 // self.owed


@dataclass(frozen=True)
class TrustWork:
    """One trust's notices staff deliver by hand, as the letters and calls pages count them."""

    trust: Trust
    letters: int
    calls: int
    may_handle: bool


@dataclass(frozen=True)
class FailedRow:
    notice: Notice
    may_retry: bool


@dataclass(frozen=True)
class WhyNoNotices:
    """Why a strike has no notices yet at the user's trusts: the first missing step."""

    assessed: bool
    decided: bool
    window_opens: dt.datetime
    window_open: bool
    may_send_early: bool


def trusts_in_view(strike: Strike, user: Any) -> QuerySet[Trust]:
    """The user's trusts that take part in the strike or have notices for it."""
    involved = Q(participations__strike=strike, participations__participating=True) | Q(
        pk__in=Notice.objects.filter(strike=strike).values("appointment__trust_id")
    )
    trusts = Trust.objects.filter(involved).distinct().order_by("name")
    visible = trust_ids_for(user)
    return trusts if visible is None else trusts.filter(pk__in=visible)


def trust_work(*, strike: Strike, user: Any, staff: Any, now: dt.datetime) -> list[TrustWork]:
    """Per trust in view: letters to print and calls to make, on the same conditions as
    the letters and calls pages list them; one grouped query."""
    trusts = list(trusts_in_view(strike, user))
    counts: dict[int, tuple[int, int]] = {
        row["appointment__trust_id"]: (row["letters"], row["calls"])
        for row in Notice.objects.for_user(user)
        .filter(strike=strike, appointment__trust__in=[t.pk for t in trusts])
        .order_by()
        .values("appointment__trust_id")
        .annotate(
            letters=Count(
                "pk",
                filter=Q(channel=Channel.LETTER, status__in=letter_statuses_to_print())
                & still_true(now),
            ),
            calls=Count(
                "pk",
                filter=Q(
                    channel=Channel.PHONE, status__in=(NoticeStatus.PENDING, NoticeStatus.FAILED)
                )
                & still_true(now),
            ),
        )
    }
    return [
        TrustWork(trust, *counts.get(trust.pk, (0, 0)), may_handle=staff.may_act_at(trust.pk))
        for trust in trusts
    ]


def failed_notices(strike: Strike, user: Any) -> QuerySet[Notice]:
    return (
        Notice.objects.for_user(user)
        .filter(strike=strike, status=NoticeStatus.FAILED)
        .select_related("appointment__trust")
        .order_by("due_by", "pk")
    )


def failed_rows(strike: Strike, user: Any, staff: Any) -> tuple[list[FailedRow], int]:
    """The failed notices due soonest, each with whether the user may retry it, and how
    many failed in all."""
    failed = failed_notices(strike, user)
    shown = list(failed[:FAILED_SHOWN])
    total = len(shown) if len(shown) < FAILED_SHOWN else failed.count()
    rows = [FailedRow(n, staff.may_act_at(n.appointment.trust_id)) for n in shown]
    return rows, total


def why_no_notices(strike: Strike, user: Any, now: dt.datetime) -> WhyNoNotices:
    impacts = StrikeImpact.objects.for_user(user).filter(strike=strike)
    opens = notice_window_opens(strike)
    return WhyNoNotices(
        assessed=impacts.exists(),
        decided=impacts.filter(outcome__in=(Outcome.POSTPONED, Outcome.GOING_AHEAD)).exists(),
        window_opens=opens,
        window_open=opens <= now,
        may_send_early=may_send_early(strike, now),
    )


def may_send_early(strike: Strike, now: dt.datetime) -> bool:
    """The "send early" choice means something: the window has not opened, and the
    strike is one notices can go out for (the service refuses otherwise)."""
    return (
        strike.status in NOTICE_STRIKE_STATUSES
        and now < strike.starts_at
        and now < notice_window_opens(strike)
    )


def letters_sent_by_provider() -> bool:
    return Channel.LETTER in channels_sent_by_backend()
