"""Reads for the staff dashboard's strike pages: strikes by phase, each with a readiness
line per trust the user may see (taking part? assessed? undecided at risk? notices?).

A fixed number of grouped queries whatever the number of strikes, trusts and bookings:
the strikes (with unions and staff groups), participations, impacts grouped by strike and
trust, notices grouped by strike and trust, and the trusts named. Impacts and notices go
through ``for_user``, so a user of one trust never gets another trust's counts.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Max, Q
from django.utils import timezone

from appointments.models import (
    TOLD_STATUSES,
    UNSENT_STATUSES,
    Notice,
    NoticeStatus,
    Outcome,
    StrikeImpact,
)
from appointments.notices.generation import notice_window_opens
from strikes.models import Participation, Strike, StrikeStatus
from strikes.services import ImpactCounts
from trusts.models import Trust
from trusts.scope import trust_ids_for

UPCOMING, CURRENT, PAST = "upcoming", "current", "past"
# Over for good whatever the clock says: they are listed with the past.
FINISHED = (StrikeStatus.CALLED_OFF, StrikeStatus.COMPLETED)


@dataclass(frozen=True)
class TrustReadiness:
    """How ready one trust is for one strike."""

    trust: Trust
    participating: bool | None  # None: no participation recorded
    impacts: int = 0
    at_risk: int = 0  # at risk and still undecided
    last_assessed: dt.datetime | None = None  # when an assessment last added a booking
    notices_generated: int = 0
    notices_sent: int = 0  # sent, or delivered (a provider's receipt)
    notices_failed: int = 0
    notices_overdue: int = 0

    @property
    def assessed(self) -> bool:
        return self.impacts > 0


@dataclass(frozen=True)
class StrikeCard:
    strike: Strike
    phase: str
    notices_open_at: dt.datetime  # notices start going out
    days_to_deadline: int | None  # whole days until the start, by UK date; None once begun
    readiness: tuple[TrustReadiness, ...]


def strike_phase(strike: Strike, now: dt.datetime) -> str:
    """Upcoming, current or past. A suspended strike keeps its place by date: talks may
    fail and it may still happen, so staff keep preparing for it."""
    if strike.status in FINISHED or strike.ends_at <= now:
        return PAST
    if strike.starts_at <= now:
        return CURRENT
    return UPCOMING


def days_until(moment: dt.datetime, now: dt.datetime) -> int:
    """Calendar days in the UK: a strike at 7am tomorrow is 1 day away at 11pm today."""
    return (timezone.localdate(moment) - timezone.localdate(now)).days


def strikes_overview(*, user: Any, now: dt.datetime | None = None) -> dict[str, list[StrikeCard]]:
    """Every strike, by phase (upcoming soonest first, past latest first), with a
    readiness line per trust: the user's own trusts, or for national users every trust
    that has a participation record, impacts or notices for the strike."""
    now = now or timezone.now()
    strikes = list(
        Strike.objects.prefetch_related("unions", "staff_groups").order_by("starts_at", "pk")
    )
    readiness = readiness_by_strike(strikes=strikes, user=user, now=now)
    groups: dict[str, list[StrikeCard]] = {UPCOMING: [], CURRENT: [], PAST: []}
    for strike in strikes:
        phase = strike_phase(strike, now)
        groups[phase].append(
            StrikeCard(
                strike=strike,
                phase=phase,
                notices_open_at=notice_window_opens(strike),
                days_to_deadline=days_until(strike.starts_at, now) if phase == UPCOMING else None,
                readiness=readiness.get(strike.pk, ()),
            )
        )
    groups[PAST].reverse()
    return groups


def readiness_by_strike(
    *, strikes: Iterable[Strike], user: Any, now: dt.datetime
) -> dict[int, tuple[TrustReadiness, ...]]:
    """Strike id -> one readiness line per trust, by trust name. Four queries."""
    strike_ids = [strike.pk for strike in strikes]
    visible = trust_ids_for(user)
    participations = Participation.objects.filter(strike__in=strike_ids)
    if visible is not None:
        participations = participations.filter(trust__in=visible)
    taking_part = {
        (strike_id, trust_id): participating
        for strike_id, trust_id, participating in participations.values_list(
            "strike_id", "trust_id", "participating"
        )
    }
    impacts: dict[tuple[int, int], dict[str, Any]] = {
        (row["strike_id"], row["trust_id"]): dict(row)
        for row in StrikeImpact.objects.filter(strike__in=strike_ids)
        .for_user(user)
        .order_by()
        .values("strike_id", trust_id=F("appointment__trust_id"))
        .annotate(
            impacts=Count("pk"),
            at_risk=Count("pk", filter=Q(outcome=Outcome.AT_RISK)),
            last_assessed=Max("created_at"),
        )
    }
    told = [status for status in TOLD_STATUSES if status != NoticeStatus.SENDING]
    notices: dict[tuple[int, int], dict[str, Any]] = {
        (row["strike_id"], row["trust_id"]): dict(row)
        for row in Notice.objects.filter(strike__in=strike_ids)
        .for_user(user)
        .order_by()
        .values("strike_id", trust_id=F("appointment__trust_id"))
        .annotate(
            generated=Count("pk"),
            sent=Count("pk", filter=Q(status__in=told)),
            failed=Count("pk", filter=Q(status=NoticeStatus.FAILED)),
            overdue=Count("pk", filter=Q(status__in=UNSENT_STATUSES, due_by__lte=now)),
        )
    }
    lines: dict[int, set[int]] = defaultdict(set)
    trusts: list[Trust]
    if visible is None:
        for strike_id, trust_id in [*taking_part, *impacts, *notices]:
            lines[strike_id].add(trust_id)
        trusts = list(Trust.objects.filter(pk__in={pk for ids in lines.values() for pk in ids}))
    else:
        # A trust's own users see a line for each of their trusts, recorded or not, and
        # never one for any other trust.
        trusts = list(Trust.objects.filter(pk__in=visible))
        own = {trust.pk for trust in trusts}
        lines.update({strike_id: own for strike_id in strike_ids})
    by_id = {trust.pk: trust for trust in trusts}
    result: dict[int, tuple[TrustReadiness, ...]] = {}
    for strike_id, trust_ids in lines.items():
        rows = []
        for trust_id in trust_ids:
            impact = impacts.get((strike_id, trust_id), {})
            notice = notices.get((strike_id, trust_id), {})
            rows.append(
                TrustReadiness(
                    trust=by_id[trust_id],
                    participating=taking_part.get((strike_id, trust_id)),
                    impacts=impact.get("impacts", 0),
                    at_risk=impact.get("at_risk", 0),
                    last_assessed=impact.get("last_assessed"),
                    notices_generated=notice.get("generated", 0),
                    notices_sent=notice.get("sent", 0),
                    notices_failed=notice.get("failed", 0),
                    notices_overdue=notice.get("overdue", 0),
                )
            )
        result[strike_id] = tuple(sorted(rows, key=lambda row: row.trust.name))
    return result


def impact_counts_by_trust(*, strike: Strike, user: Any) -> dict[str, ImpactCounts]:
    """The strike's impacts as they stand, per ODS code, at the trusts ``user`` may see:
    the "now" beside a dry run's "after"."""
    tallies = {outcome: Count("pk", filter=Q(outcome=outcome)) for outcome in Outcome.values}
    rows = (
        StrikeImpact.objects.filter(strike=strike)
        .for_user(user)
        .order_by()
        .values(code=F("appointment__trust__ods_code"))
        .annotate(**tallies)
    )
    counted: dict[str, ImpactCounts] = {}
    for row in rows:
        tally: dict[str, int] = {outcome: row[outcome] for outcome in Outcome.values}  # type: ignore[literal-required]
        counted[row["code"]] = ImpactCounts(in_strike=sum(tally.values()), **tally)
    return counted
