"""Whether a notice still tells the truth, checked in SQL at every step that acts on it.

Between generation and sending a decision can be reversed, a strike called off, a
booking moved. Dispatch claims only notices that are still true, and the tick withdraws
the rest, so a patient is never sent yesterday's news.
"""

import datetime as dt

from django.db.models import Exists, OuterRef, Q

from appointments.models import NoticeKind, Outcome, Status, StrikeImpact
from strikes.models import StrikeStatus

GOING_TO_HAPPEN = (Status.BOOKED, Status.RESCHEDULED)


def _impact(outcome: str) -> Exists:
    return Exists(
        StrikeImpact.objects.filter(
            appointment=OuterRef("appointment"), strike=OuterRef("strike"), outcome=outcome
        )
    )


def still_true(now: dt.datetime) -> Q:
    """On ``Notice`` rows: the message would still be right if sent at ``now``.

    Every kind is about a booking that is still ahead of us.
    """
    ahead = Q(appointment__starts_at__gt=now)
    postponed = (
        Q(kind=NoticeKind.POSTPONED, appointment__status=Status.POSTPONED)
        & ~Q(strike__status=StrikeStatus.CALLED_OFF)
        & _impact(Outcome.POSTPONED)
    )
    going_ahead = Q(kind=NoticeKind.GOING_AHEAD, appointment__status__in=GOING_TO_HAPPEN) & _impact(
        Outcome.GOING_AHEAD
    )
    reinstated = Q(
        kind=NoticeKind.REINSTATED,
        appointment__status__in=GOING_TO_HAPPEN,
        strike__status=StrikeStatus.CALLED_OFF,
    )
    rescheduled = Q(kind=NoticeKind.RESCHEDULED, appointment__status=Status.RESCHEDULED)
    return ahead & (postponed | going_ahead | reinstated | rescheduled)
