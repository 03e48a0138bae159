"""Strikes side by side: how much each disrupted, in bookings and as a share of planned."""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Exists, F, Func, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce

from appointments.models import Appointment, StrikeImpact

from ..models import Participation, Strike, StrikeStatus
from .figures import Figures, StrikeSummary, impact_tallies, scoped, unassessed_in_window


@dataclass(frozen=True)
class StrikeTotals:
    """One strike's figures across the participating trusts the user may see (as its
    report's total)."""

    strike: StrikeSummary
    figures: Figures

    @property
    def planned(self) -> int:
        return self.figures.planned

    @property
    def in_strike(self) -> int:
        return self.figures.in_strike

    @property
    def postponed_total(self) -> int:
        return self.figures.postponed_total

    @property
    def postponed_pct(self) -> Decimal | None:
        return self.figures.postponed_pct


@dataclass(frozen=True)
class StrikeComparison:
    rows: tuple[StrikeTotals, ...]  # by start, earliest first
    most_disruptive: StrikeTotals | None  # most bookings postponed; None if none were
    most_disruptive_pct: StrikeTotals | None  # largest share of planned bookings postponed


def strikes_compare(
    *, strikes: Iterable[Strike] | None = None, user: Any = None
) -> StrikeComparison:
    """Compare ``strikes`` (by default every strike not called off) in two queries.

    A tie goes to the earlier strike.
    """
    chosen = (
        Strike.objects.exclude(status=StrikeStatus.CALLED_OFF)
        if strikes is None
        else Strike.objects.filter(pk__in=[strike.pk for strike in strikes])
    )
    this_strike = OuterRef(OuterRef("pk"))
    unassessed = (
        scoped(Appointment.objects.all(), user)
        .filter(
            unassessed_in_window(this_strike),
            trust__in=Participation.objects.filter(strike=this_strike, participating=True).values(
                "trust_id"
            ),
            starts_at__gte=OuterRef("starts_at"),
            starts_at__lt=OuterRef("ends_at"),
        )
        .order_by()
        # COUNT as a plain function, not an aggregate, so the subquery has no GROUP BY.
        .annotate(n=Func(F("pk"), function="COUNT", output_field=IntegerField()))
        .values("n")
    )
    listed = list(
        chosen.annotate(unassessed=Coalesce(Subquery(unassessed), 0)).order_by("starts_at", "pk")
    )
    impacts = (
        scoped(StrikeImpact.objects.all(), user)
        .filter(
            # The trusts a report's total adds up: those taking part.
            Exists(
                Participation.objects.filter(
                    strike=OuterRef("strike"),
                    trust=OuterRef("appointment__trust"),
                    participating=True,
                )
            ),
            strike__in=[strike.pk for strike in listed],
        )
        .order_by()
        .values("strike_id")
        .annotate(**impact_tallies())
    )
    touched = {row["strike_id"]: Figures.from_row(row) for row in impacts}
    rows = tuple(
        StrikeTotals(
            strike=StrikeSummary.of(strike),
            figures=touched.get(strike.pk, Figures()) + Figures(planned=strike.unassessed),
        )
        for strike in listed
    )
    postponed = [row for row in rows if row.postponed_total]
    return StrikeComparison(
        rows=rows,
        most_disruptive=max(postponed, key=lambda row: row.postponed_total, default=None),
        most_disruptive_pct=max(
            (row for row in postponed if row.postponed_pct is not None),
            key=lambda row: row.postponed_pct or 0,
            default=None,
        ),
    )
