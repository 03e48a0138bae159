"""One strike's report: per trust, per trust per day, and published figures beside ours."""

import datetime as dt
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from ..models import ReportedFigure, ReportedMetric, Strike
from .figures import DayRow, Figures, StrikeSummary, TrustRef, collect, in_trusts, summed

METRIC_ORDER = {metric: position for position, metric in enumerate(ReportedMetric.values)}


@dataclass(frozen=True)
class TrustRow:
    trust: TrustRef
    participating: bool
    counted: bool  # in the totals: taking part, or decisions were made for it
    figures: Figures
    # The most staff out on any one day, all groups: a "how many walked out" headcount,
    # where summing the days would count a nurse out on both days twice.
    staff_absent_peak: int


@dataclass(frozen=True)
class Comparison:
    """A published figure beside the one StrikeDesk computes for the same thing."""

    about: str  # the trust's ODS code, or the area's name
    trust: TrustRef | None
    area: str
    metric: str
    metric_label: str
    date: dt.date | None
    reported: Decimal
    computed: Decimal | None  # None where there is nothing to compute it from
    source: str
    note: str

    @property
    def difference(self) -> Decimal | None:
        """Computed minus reported: -10 where a report claims 10 more than its parts."""
        return None if self.computed is None else self.computed - self.reported


@dataclass(frozen=True)
class DayTotal:
    """The counted trusts on one day, added up."""

    date: dt.date
    figures: Figures
    staff_absent: int


@dataclass(frozen=True)
class StrikeReport:
    strike: StrikeSummary
    national: bool  # sees every trust, and area-wide figures
    days: tuple[dt.date, ...]
    staff_groups: tuple[str, ...]  # staff group codes with a count, for the staff-out columns
    trusts: tuple[TrustRow, ...]  # one per trust with a participation record, by name
    by_day: tuple[DayRow, ...]  # one per trust per day, trusts in the same order
    # The counted trusts' rows added up: a trust that voted not to strike has planned
    # bookings but none at risk, and would dilute the share postponed.
    total: Figures
    comparisons: tuple[Comparison, ...]
    counted_trust_ids: frozenset[int] = frozenset()

    def day_total(self, date: dt.date) -> Figures:
        return summed(row.figures for row in self._counted_on(date))

    def staff_absent_on(self, date: dt.date) -> int:
        return sum(row.staff_absent_total for row in self._counted_on(date))

    def day_totals(self) -> tuple[DayTotal, ...]:
        """Every day's ``day_total`` and ``staff_absent_on``, in one pass over the rows
        (asking day by day would go over them once per day of a long window)."""
        figures = {date: Figures() for date in self.days}
        staff = dict.fromkeys(self.days, 0)
        for row in self.by_day:
            if row.trust.id in self.counted_trust_ids:
                figures[row.date] += row.figures
                staff[row.date] += row.staff_absent_total
        return tuple(DayTotal(date, figures[date], staff[date]) for date in self.days)

    @property
    def staff_absent_peak(self) -> int:
        """The counted trusts' staff out on the busiest day (a headcount, as a row's)."""
        return max((day.staff_absent for day in self.day_totals()), default=0)

    def _counted_on(self, date: dt.date) -> list[DayRow]:
        return [
            row
            for row in self.by_day
            if row.date == date and row.trust.id in self.counted_trust_ids
        ]


def strike_report(*, strike: Strike, user: Any = None) -> StrikeReport:
    """The strike's figures for the trusts ``user`` may see (``None``: every trust).

    A fixed number of queries, whatever the number of bookings.
    """
    collected = collect(strike=strike, user=user)
    counted = collected.counted_trust_ids()
    rows = tuple(
        TrustRow(
            trust=trust,
            participating=participating,
            counted=trust.id in counted,
            figures=summed(d.figures for d in collected.by_day if d.trust == trust),
            staff_absent_peak=max(
                (d.staff_absent_total for d in collected.by_day if d.trust == trust), default=0
            ),
        )
        for trust, participating in collected.trusts
    )
    report = StrikeReport(
        strike=collected.strike,
        national=collected.national,
        days=collected.days,
        staff_groups=collected.staff_groups,
        trusts=rows,
        by_day=collected.by_day,
        total=summed(row.figures for row in rows if row.counted),
        comparisons=(),
        counted_trust_ids=counted,
    )
    published = (
        ReportedFigure.objects.filter(strike=strike)
        .select_related("trust")
        .prefetch_related("covers")
    )
    if not report.national:
        # Area-wide figures include other trusts' bookings: national users only.
        published = in_trusts(published.filter(trust__isnull=False), user)
    comparisons = [_compare(figure, report) for figure in published]
    position = {row.trust.id: n for n, row in enumerate(rows)}
    comparisons.sort(
        key=lambda c: (
            c.trust is None,
            position.get(c.trust.id, len(position)) if c.trust else 0,
            c.area,
            METRIC_ORDER.get(c.metric, len(METRIC_ORDER)),
            c.date or dt.date.min,
        )
    )
    return replace(report, comparisons=tuple(comparisons))


def _compare(figure: ReportedFigure, report: StrikeReport) -> Comparison:
    return Comparison(
        about=figure.trust.ods_code if figure.trust else figure.area,
        trust=TrustRef.of(figure.trust) if figure.trust else None,
        area=figure.area,
        metric=figure.metric,
        metric_label=figure.get_metric_display(),
        date=figure.date,
        reported=figure.value,
        computed=_computed(figure, report),
        source=figure.source,
        note=figure.note,
    )


def _computed(figure: ReportedFigure, report: StrikeReport) -> Decimal | None:
    if figure.trust_id is None:
        # An area's figure is compared with the trusts it says it covers; without
        # them there is nothing honest to compare it with.
        covered = {trust.pk for trust in figure.covers.all()} & report.counted_trust_ids
        if not covered:
            return None
        days = [
            row
            for row in report.by_day
            if row.trust.id in covered and figure.date in (None, row.date)
        ]
    else:
        days = [
            row
            for row in report.by_day
            if row.trust.id == figure.trust_id and figure.date in (None, row.date)
        ]
        if not any(row.trust.id == figure.trust_id for row in report.trusts):
            return None  # no participation record: the report has no row for it
    if figure.metric == ReportedMetric.STAFF_ABSENT:
        return Decimal(_staff_absent(days, dated=figure.date is not None))
    if figure.date is not None and figure.date not in report.days:
        return None
    # The other reported metrics share their names with Figures' fields and properties.
    value = getattr(summed(row.figures for row in days), figure.metric)
    return None if value is None else Decimal(value)


def _staff_absent(days: list[DayRow], *, dated: bool) -> int:
    if dated:
        return sum(row.staff_absent_total for row in days)
    per_day: dict[dt.date, int] = {}
    for row in days:
        per_day[row.date] = per_day.get(row.date, 0) + row.staff_absent_total
    return max(per_day.values(), default=0)
