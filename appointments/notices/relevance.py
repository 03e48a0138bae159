"""Whether a notice still tells the truth, checked in SQL at every step that acts on it.

Between generation and sending a decision can be reversed, a strike called off, a
booking moved. Dispatch claims only notices that are still true, and the tick withdraws
the rest, so a patient is never sent yesterday's news.
"""

import datetime as dt

from django.db.models import BooleanField, Exists, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.db.models.lookups import Exact

from appointments.models import NoticeKind, Outcome, Status, StrikeImpact
from strikes.models import StrikeStatus

GOING_TO_HAPPEN = (Status.BOOKED, Status.RESCHEDULED)


def decision_time(impact: str = "") -> Coalesce:
    """When the impact's outcome was decided: what a postponed or going-ahead notice
    reports (an impact recorded without a time counts from when it was made)."""
    return Coalesce(F(f"{impact}decided_at"), F(f"{impact}created_at"))


def _still_decided(outcome: str, *, per_notice: bool) -> Exists | Coalesce:
    """The impact still has the outcome, from the very decision the notice reports.

    Two spellings of one rule. As ``EXISTS``, PostgreSQL hashes every impact of that
    outcome once, which suits a statement over all of a strike's notices. A claim stops
    after a batch, and there hashing 80,000 impacts to check 100 notices was most of its
    cost: ``per_notice`` asks instead for this notice's one impact (unique per booking
    and strike) as a scalar subquery, which the planner looks up by index per notice.
    """
    impact = StrikeImpact.objects.annotate(decision=decision_time()).filter(
        appointment=OuterRef("appointment"), strike=OuterRef("strike"), outcome=outcome
    )
    if per_notice:
        # No such impact gives NULL; false instead, so that excluding (NOT) these notices
        # means what it means with EXISTS.
        return Coalesce(
            Exact(Subquery(impact.values("decision")[:1]), F("about")),
            Value(False),
            output_field=BooleanField(),
        )
    return Exists(impact.filter(decision=OuterRef("about")))


def still_true(now: dt.datetime, *, per_notice: bool = False) -> Q:
    """On ``Notice`` rows: the message would still be right if sent at ``now``.

    Every kind is about a booking that is still ahead of us. ``per_notice`` suits a
    query that stops after a few notices (see ``_still_decided``); the answer is the same.
    """
    ahead = Q(appointment__starts_at__gt=now)
    postponed = (
        Q(kind=NoticeKind.POSTPONED, appointment__status=Status.POSTPONED)
        & ~Q(strike__status=StrikeStatus.CALLED_OFF)
        & _still_decided(Outcome.POSTPONED, per_notice=per_notice)
    )
    going_ahead = Q(
        kind=NoticeKind.GOING_AHEAD, appointment__status__in=GOING_TO_HAPPEN
    ) & _still_decided(Outcome.GOING_AHEAD, per_notice=per_notice)
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
