"""Strikes compared, with the staff out on each one's busiest day, as rows and as CSV.

``strikes_compare`` counts bookings; the staff out come from a query of their own here, so
each stays a fixed number of queries.
"""

import csv
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TextIO

from django.db.models import Exists, OuterRef, Sum

from ..models import Participation, StaffAbsence
from .compare import StrikeComparison, StrikeTotals, strikes_compare
from .figures import in_trusts
from .sitrep import _safe

CSV_COLUMNS = (
    "strike_id",
    "strike_title",
    "status",
    "first_day",
    "last_day",
    "planned",
    "in_strike",
    "exempt",
    "at_risk",
    "going_ahead",
    "postponed_outpatient",
    "postponed_inpatient",
    "postponed_total",
    "postponed_pct",
    "awaiting_new_date",
    "rescheduled",
    "staff_absent_peak",
)


@dataclass(frozen=True)
class ComparedStrike:
    totals: StrikeTotals
    staff_absent_peak: int  # staff out on the busiest day, all groups

    def cells(self) -> list[str | int]:
        strike, figures = self.totals.strike, self.totals.figures
        return [
            str(strike.public_id),
            strike.title,
            strike.status,
            strike.days[0].isoformat() if strike.days else "",
            strike.days[-1].isoformat() if strike.days else "",
            figures.planned,
            figures.in_strike,
            figures.exempt,
            figures.at_risk,
            figures.going_ahead,
            figures.postponed_outpatient,
            figures.postponed_inpatient,
            figures.postponed_total,
            "" if figures.postponed_pct is None else str(figures.postponed_pct),
            figures.awaiting_new_date,
            figures.rescheduled,
            self.staff_absent_peak,
        ]


@dataclass(frozen=True)
class StrikesCompared:
    comparison: StrikeComparison
    rows: tuple[ComparedStrike, ...]  # as comparison.rows: earliest first


def staff_absent_peaks(
    *, strike_ids: Iterable[uuid.UUID], user: Any = None
) -> dict[uuid.UUID, int]:
    """Per strike (by public id), the most staff out on one day at the trusts taking part
    that ``user`` may see, in one query. Strikes with no count are absent."""
    per_day = (
        in_trusts(StaffAbsence.objects.filter(strike__public_id__in=list(strike_ids)), user)
        .filter(
            Exists(
                Participation.objects.filter(
                    strike=OuterRef("strike"), trust=OuterRef("trust"), participating=True
                )
            )
        )
        .order_by()
        .values("strike__public_id", "date")
        .annotate(out=Sum("count"))
    )
    peaks: dict[uuid.UUID, int] = defaultdict(int)
    for row in per_day:
        public_id = row["strike__public_id"]
        peaks[public_id] = max(peaks[public_id], row["out"] or 0)
    return dict(peaks)


def strikes_compared(*, user: Any = None) -> StrikesCompared:
    """Every strike not called off, compared for ``user``'s trusts, staff out included."""
    comparison = strikes_compare(user=user)
    peaks = staff_absent_peaks(
        strike_ids=[row.strike.public_id for row in comparison.rows], user=user
    )
    return StrikesCompared(
        comparison=comparison,
        rows=tuple(
            ComparedStrike(totals=row, staff_absent_peak=peaks.get(row.strike.public_id, 0))
            for row in comparison.rows
        ),
    )


def comparison_csv(*, user: Any = None, out: TextIO) -> int:
    """Write ``strikes_compared`` as CSV to ``out`` (opened with ``newline=""``); returns
    the rows written. Dates are the first and last local strike days."""
    compared = strikes_compared(user=user)
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    writer.writerows([_safe(cell) for cell in row.cells()] for row in compared.rows)
    return len(compared.rows)
