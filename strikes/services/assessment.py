"""Assessment: write one StrikeImpact per booking a strike touches, and keep it reconciled.

Each step is one statement over the whole strike, so the number of statements is the
same for a hundred bookings as for a million. Re-running with nothing changed writes
nothing: every step selects only the rows whose state differs from what the rules say.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Case, Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import TruncDate
from django.utils import timezone

from appointments.models import Appointment, Outcome, StrikeImpact
from config.errors import DomainError
from config.sql import insert_select, refresh_planner_statistics

from ..models import LONDON, Strike, StrikeStatus
from ..rules import StrikeRules

DIMENSIONS = ("trust", "site", "service", "kind", "day")
UNDECIDED = (Outcome.EXEMPT, Outcome.AT_RISK)
DECIDED = (Outcome.POSTPONED, Outcome.GOING_AHEAD)
# How many references of decided bookings that fell out are listed (all are counted).
LISTED_REFERENCES = 50


@dataclass(frozen=True)
class ImpactCounts:
    in_strike: int = 0
    exempt: int = 0
    at_risk: int = 0
    going_ahead: int = 0
    postponed: int = 0


@dataclass(frozen=True)
class Assessment:
    """What a strike touches after an assessment (or would, for a dry run), and what the
    run changed to get there."""

    dry_run: bool
    totals: ImpactCounts
    # dimension ("trust", "site", "service", "kind", "day") -> its value -> counts
    by: dict[str, dict[str, ImpactCounts]]
    added: int
    removed: int
    reclassified: int
    moved: int
    # Decided impacts whose booking no longer meets the rules: kept, and shown to staff.
    decided_outside: int
    decided_outside_references: list[str] = field(default_factory=list)

    @property
    def changed(self) -> int:
        return self.added + self.removed + self.reclassified + self.moved


class AssessmentRefused(DomainError):
    http_status = 409  # a refusal about the strike's state (called off)


def strike_assess(
    *,
    strike: Strike,
    dry_run: bool = False,
    dimensions: Iterable[str] = DIMENSIONS,
    progress: Callable[[str], None] | None = None,
) -> Assessment:
    """Bring the strike's impacts in line with the rules; with ``dry_run`` only count.

    Adds an impact (exempt or at risk) for every booking now in the strike, removes
    undecided impacts whose booking is no longer in it (moved, cancelled, trust dropped
    out, service no longer striking), re-labels undecided impacts whose exemption
    changed, and follows undecided bookings that moved within the window. Decided
    impacts are never dropped: those that fall out are counted and listed instead.
    """
    say = progress or (lambda message: None)
    dimensions = tuple(dimensions)
    unknown = set(dimensions) - set(DIMENSIONS)
    if unknown:
        raise ValueError(f"Unknown dimensions: {sorted(unknown)}")
    now = timezone.now()
    with transaction.atomic():
        # Read under the lock (one assessment or decision at a time per strike), so a
        # call-off that has just committed is seen and the window used is the current one.
        current = Strike.objects.all() if dry_run else Strike.objects.select_for_update()
        strike = current.get(pk=strike.pk)
        if strike.status == StrikeStatus.CALLED_OFF:
            raise AssessmentRefused(
                f"'{strike}' was called off, so nothing is at risk: it cannot be assessed."
            )
        rules = StrikeRules.of(strike)
        work = _Work(strike, rules)
        decided_outside = work.decided_outside()
        if dry_run:
            result = _counted(
                work.predicted(),
                dimensions,
                dry_run=True,
                added=work.to_add().count(),
                removed=work.to_remove().count(),
                reclassified=work.to_exempt().count() + work.to_at_risk().count(),
                moved=work.to_move().count(),
                decided_outside=decided_outside,
            )
            say(f"Dry run: {result.added} to add, {result.removed} to remove.")
            return result

        removed, _ = work.to_remove().delete()
        say(f"Removed {removed} undecided impacts no longer in the strike.")
        reclassified = work.to_exempt().update(outcome=Outcome.EXEMPT, updated_at=now)
        reclassified += work.to_at_risk().update(outcome=Outcome.AT_RISK, updated_at=now)
        moved = work.to_move().update(
            slot_starts_at=Subquery(
                Appointment.objects.filter(pk=OuterRef("appointment_id")).values("starts_at")[:1]
            ),
            updated_at=now,
        )
        say(f"Re-labelled {reclassified} and followed {moved} moved bookings.")
        added = insert_select(
            into=StrikeImpact,
            select=work.to_add(first_assessment=not work.impacts.exists())
            .annotate(
                new_outcome=Case(
                    When(rules.exempt(), then=Value(Outcome.EXEMPT)),
                    default=Value(Outcome.AT_RISK),
                )
            )
            .order_by()
            .values("pk", "new_outcome", "starts_at"),
            columns={"appointment": "pk", "outcome": "new_outcome", "slot_starts_at": "starts_at"},
            constants={"strike": strike.pk, "created_at": now, "updated_at": now},
            ignore_conflicts=True,
        )
        if added:
            # The next assessment's planner must know the rows just written: with
            # statistics from when the table was empty it joins by scanning it once per
            # booking. ANALYZE reads a fixed-size sample, so it costs the same for ten
            # rows as for a million; after the commit, so that it holds no lock on the
            # table while other strikes are assessed.
            transaction.on_commit(lambda: refresh_planner_statistics(StrikeImpact))
        say(f"Added {added} bookings now in the strike.")
        return _counted(
            work.impacts.annotate(
                counted_outcome=F("outcome"), counted_slot=F("slot_starts_at")
            ).order_by(),
            dimensions,
            booking="appointment__",
            dry_run=False,
            added=added,
            removed=removed,
            reclassified=reclassified,
            moved=moved,
            decided_outside=decided_outside,
        )


class _Work:
    """The sets of rows each step of an assessment touches, as lazy querysets."""

    def __init__(self, strike: Strike, rules: StrikeRules) -> None:
        self.rules = rules
        self.impacts = StrikeImpact.objects.filter(strike=strike)
        self.undecided = self.impacts.filter(outcome__in=UNDECIDED)
        self.kept = self.undecided.filter(rules.stays_in_strike("appointment__"))

    def to_add(self, *, first_assessment: bool = False) -> QuerySet[Appointment]:
        """Bookings in the strike without an impact yet. On a strike's first assessment
        there is none to look for: leaving the anti-join out spares a planner that
        believes the impact table empty (a new database) from scanning it per booking,
        and the unique constraint still refuses a second impact per booking."""
        in_strike = Appointment.objects.filter(self.rules.in_strike())
        if first_assessment:
            return in_strike
        already = self.impacts.filter(appointment=OuterRef("pk"))
        return in_strike.filter(~Exists(already))

    def to_remove(self) -> QuerySet[StrikeImpact]:
        return self.undecided.exclude(pk__in=self.kept.values("pk"))

    def to_exempt(self) -> QuerySet[StrikeImpact]:
        return self.kept.filter(self.rules.exempt("appointment__"), outcome=Outcome.AT_RISK)

    def to_at_risk(self) -> QuerySet[StrikeImpact]:
        return self.kept.filter(outcome=Outcome.EXEMPT).exclude(self.rules.exempt("appointment__"))

    def to_move(self) -> QuerySet[StrikeImpact]:
        return self.kept.exclude(slot_starts_at=F("appointment__starts_at"))

    def decided_outside(self) -> tuple[int, list[str]]:
        """Decided bookings the rules no longer cover: the postponement (or go-ahead) was
        for a slot outside the window, a trust that dropped out or a service no longer
        striking; or a going-ahead booking has since moved out of the window."""
        rules = self.rules
        outside = self.impacts.filter(outcome__in=DECIDED).filter(
            ~rules.in_scope("appointment__", when="slot_starts_at")
            | (
                Q(outcome=Outcome.GOING_AHEAD)
                & ~rules.in_window("appointment__starts_at")
                & Q(appointment__status__in=("booked", "rescheduled"))
            )
        )
        listed = outside.order_by("slot_starts_at", "pk").values_list(
            "appointment__reference", flat=True
        )[:LISTED_REFERENCES]
        return outside.count(), list(listed)

    def predicted(self) -> QuerySet[Appointment]:
        """The bookings the strike will touch after a real run, with their outcome and
        slot then: decided impacts as they are, everything else as the rules say."""
        rules = self.rules
        existing = self.impacts.filter(appointment=OuterRef("pk"))
        decided = Q(existing_outcome__in=DECIDED)
        return (
            Appointment.objects.filter(
                Q(pk__in=self.impacts.values("appointment_id")) | rules.in_strike()
            )
            .annotate(
                existing_outcome=Subquery(existing.values("outcome")[:1]),
                existing_slot=Subquery(existing.values("slot_starts_at")[:1]),
            )
            .filter(
                decided
                | rules.in_strike()
                | (Q(existing_outcome__in=UNDECIDED) & rules.stays_in_strike())
            )
            .annotate(
                counted_outcome=Case(
                    When(decided, then=F("existing_outcome")),
                    When(rules.exempt(), then=Value(Outcome.EXEMPT)),
                    default=Value(Outcome.AT_RISK),
                ),
                counted_slot=Case(When(decided, then=F("existing_slot")), default=F("starts_at")),
            )
            .order_by()
        )


def _counted(
    rows: QuerySet,
    dimensions: tuple[str, ...],
    *,
    booking: str = "",
    decided_outside: tuple[int, list[str]],
    dry_run: bool,
    added: int,
    removed: int,
    reclassified: int,
    moved: int,
) -> Assessment:
    """Count ``rows`` (annotated with counted_outcome and counted_slot) by each dimension.

    One grouped query over every dimension asked for at once, rolled up here: a national
    strike's rows are read once, not once per dimension, and the groups (sites x services
    x kinds x days) stay a few thousand however many bookings there are.
    """
    paths = {
        "trust": f"{booking}trust__ods_code",
        "site": f"{booking}site__code",
        "service": f"{booking}service__code",
        "kind": f"{booking}kind",
        "day": "counted_day",
    }
    rows = rows.annotate(counted_day=TruncDate("counted_slot", tzinfo=LONDON))
    tallies = {
        outcome: Count("pk", filter=Q(counted_outcome=outcome)) for outcome in Outcome.values
    }
    if not dimensions:
        totals = _counts(rows.aggregate(**tallies))
        by: dict[str, dict[str, ImpactCounts]] = {}
    else:
        keys = {f"by_{dimension}": F(paths[dimension]) for dimension in dimensions}
        outcomes = Outcome.values
        grouped = rows.values(**keys).annotate(**tallies).order_by()
        sums: dict[str, dict[str, list[int]]] = {dimension: {} for dimension in dimensions}
        total = [0] * len(outcomes)
        for group in grouped.values_list(*keys, *outcomes):
            counts = group[len(keys) :]
            for dimension, key in zip(dimensions, group, strict=False):
                running = sums[dimension].setdefault(str(key), [0] * len(outcomes))
                for index, count in enumerate(counts):
                    running[index] += count
            for index, count in enumerate(counts):
                total[index] += count
        totals = _counts(dict(zip(outcomes, total, strict=True)))
        by = {
            dimension: {
                key: _counts(dict(zip(outcomes, sums[dimension][key], strict=True)))
                for key in sorted(sums[dimension])
            }
            for dimension in dimensions
        }
    return Assessment(
        totals=totals,
        by=by,
        decided_outside=decided_outside[0],
        decided_outside_references=decided_outside[1],
        dry_run=dry_run,
        added=added,
        removed=removed,
        reclassified=reclassified,
        moved=moved,
    )


def _counts(row: dict) -> ImpactCounts:
    tallies = {outcome: row[outcome] or 0 for outcome in Outcome.values}
    return ImpactCounts(in_strike=sum(tallies.values()), **tallies)
