"""The strike's impact charts: per trust, per day, outpatient against inpatient.

The charts are drawn in the browser (static/js/charts.mjs) from the REST API's report
(``GET /api/v1/strikes/<id>/report/``); the tables beside them are rendered here from
``strike_report``, the function that API calls, so a chart and its table cannot disagree.
The rows chosen here (counted trusts, the report's days) are the ones charts.mjs draws.

Pages include ``dashboard/charts/_strike_impact.jinja`` with ``impact_charts_context(...)``
merged into their template context.
"""

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from strikes.models import Strike
from strikes.reports import Figures, StrikeReport, strike_report


@dataclass(frozen=True)
class ChartRow:
    """One bar (a trust or a day) and the same numbers as one table row."""

    key: str  # the trust's ODS code or the ISO date, as the API names it
    label: str
    figures: Figures

    @property
    def postponed(self) -> int:
        return self.figures.postponed_total


@dataclass(frozen=True)
class ImpactCharts:
    strike_id: uuid.UUID
    api_url: str
    planned: int  # bookings due in the window at the user's counted trusts
    in_strike: int  # of those, the ones the strike touches: 0 before an assessment
    by_trust: tuple[ChartRow, ...]
    by_day: tuple[ChartRow, ...]
    total: Figures
    trust_summary: str  # the canvases' aria-labels
    day_summary: str
    kind_summary: str

    @property
    def assessed(self) -> bool:
        return self.in_strike > 0


def impact_charts_context(
    *, strike: Strike, user: Any, report: StrikeReport | None = None
) -> dict[str, ImpactCharts]:
    """``{"impact_charts": ...}`` for the partial; pass ``report`` if the page has one."""
    report = report or strike_report(strike=strike, user=user)
    by_trust = tuple(
        ChartRow(key=row.trust.ods_code, label=row.trust.name, figures=row.figures)
        for row in report.trusts
        if row.counted
    )
    by_day = tuple(
        ChartRow(key=day.date.isoformat(), label=long_day(day.date), figures=day.figures)
        for day in report.day_totals()
    )
    return {
        "impact_charts": ImpactCharts(
            strike_id=strike.public_id,
            api_url=reverse("api-strike-report", args=[strike.public_id]),
            planned=report.total.planned,
            in_strike=report.total.in_strike,
            by_trust=by_trust,
            by_day=by_day,
            total=report.total,
            trust_summary=_outcomes_summary(
                _("Stacked bar chart of the bookings the strike touches, per trust."), by_trust
            ),
            day_summary=_outcomes_summary(
                _("Stacked bar chart of the bookings the strike touches, per strike day."),
                by_day,
            ),
            kind_summary=_kinds_summary(by_trust),
        )
    }


def long_day(day: dt.date) -> str:
    return date_format(day, "l j F Y")


def _outcomes_summary(opening: str, rows: tuple[ChartRow, ...]) -> str:
    parts = [opening]
    for row in rows:
        figures = row.figures
        parts.append(
            _(
                "%(label)s: %(exempt)s exempt, %(at_risk)s at risk, %(going_ahead)s going "
                "ahead, %(postponed)s postponed."
            )
            % {
                "label": row.label,
                "exempt": f"{figures.exempt:,}",
                "at_risk": f"{figures.at_risk:,}",
                "going_ahead": f"{figures.going_ahead:,}",
                "postponed": f"{figures.postponed_total:,}",
            }
        )
    parts.append(_("The table below has the same figures."))
    return " ".join(parts)


def _kinds_summary(rows: tuple[ChartRow, ...]) -> str:
    parts = [_("Bar chart of the bookings postponed, outpatient against inpatient, per trust.")]
    for row in rows:
        parts.append(
            _("%(label)s: %(outpatient)s outpatient, %(inpatient)s inpatient and day case.")
            % {
                "label": row.label,
                "outpatient": f"{row.figures.postponed_outpatient:,}",
                "inpatient": f"{row.figures.postponed_inpatient:,}",
            }
        )
    parts.append(_("The table below has the same figures."))
    return " ".join(parts)
