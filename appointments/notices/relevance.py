"""Whether a notice still tells the truth, checked in SQL at every step that acts on it.

Between generation and sending a decision can be reversed, a strike called off, a
booking moved. Dispatch claims only notices that are still true, and the tick withdraws
the rest, so a patient is never sent yesterday's news.
"""

import datetime as dt

from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Coalesce

from appointments.models import NoticeKind, Outcome, Status, StrikeImpact
from strikes.models import StrikeStatus

GOING_TO_HAPPEN = (Status.BOOKED, Status.RESCHEDULED)


def decision_time(impact: str = "") -> Coalesce:
    """When the impact's outcome was decided: what a postponed or going-ahead notice
    reports (an impact recorded without a time counts from when it was made)."""
    return Coalesce(F(f"{impact}decided_at"), F(f"{impact}created_at"))


def _still_decided(outcome: str) -> Exists:
    """The impact still has the outcome, from the very decision the notice reports."""
    return Exists(
        StrikeImpact.objects.annotate(decision=decision_time()).filter(
            appointment=OuterRef("appointment"),
            strike=OuterRef("strike"),
            outcome=outcome,
            decision=OuterRef("about"),
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
        & _still_decided(Outcome.POSTPONED)
    )
    going_ahead = Q(
        kind=NoticeKind.GOING_AHEAD, appointment__status__in=GOING_TO_HAPPEN
    ) & _still_decided(Outcome.GOING_AHEAD)
    reinstated = Q(
        kind=NoticeKind.REINSTATED,
        appointment__status__in=GOING_TO_HAPPEN,
        strike__status=StrikeStatus.CALLED_OFF,
    )
    # A newer date owes a newer notice; this one would repeat it.
    rescheduled = Q(
        kind=NoticeKind.RESCHEDULED,
        appointment__status=Status.RESCHEDULED,
        appointment__starts_at=F("about"),
    )
    return ahead & (postponed | going_ahead | reinstated | rescheduled)
