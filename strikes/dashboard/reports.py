"""Report pages: one strike's figures per trust (published figures beside ours, the impact
charts, the sitrep CSV) and strikes compared (a chart, a table, a CSV).

The numbers come from ``strikes.reports``, the functions the REST API's report
endpoints call, for the signed-in user's trusts; the charts fetch those endpoints.
"""

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from strikes.models import ReportedMetric, Strike
from strikes.reports import (
    ComparedStrike,
    Comparison,
    Figures,
    StrikeReport,
    comparison_csv,
    sitrep_csv,
    strike_report,
    strikes_compared,
)
from trusts.pages import staff_page

from .charts import impact_charts_context, long_day


@dataclass(frozen=True)
class Published:
    """A published figure beside ours, worded for the page."""

    about: str
    what: str  # the metric, and the day when it is about one
    reported: str
    computed: str | None
    difference: Decimal | None
    source: str
    note: str

    @property
    def differs(self) -> bool:
        return bool(self.difference)

    @property
    def difference_text(self) -> str:
        if self.difference is None:
            return _("Nothing to compare with")
        if not self.difference:
            return _("Same")
        amount = _number(abs(self.difference))
        if self.difference < 0:
            return _("Ours is %(amount)s fewer") % {"amount": amount}
        return _("Ours is %(amount)s more") % {"amount": amount}


@dataclass(frozen=True)
class ReportLine:
    """A row of the per-trust table: a trust, or the total."""

    key: str  # the trust's ODS code, as the API names it; "total" for the total
    name: str
    participating: bool | None  # None on the total row
    counted: bool
    figures: Figures
    staff_absent_peak: int
    published: tuple[Published, ...]


def _number(value: Decimal | int) -> str:
    if isinstance(value, Decimal) and value != value.to_integral_value():
        return f"{value.normalize():,f}"
    return f"{int(value):,}"


def _published(comparison: Comparison) -> Published:
    is_pct = comparison.metric == ReportedMetric.POSTPONED_PCT
    suffix = "%" if is_pct else ""
    what = comparison.metric_label
    if comparison.date:
        what = _("%(what)s on %(day)s") % {"what": what, "day": long_day(comparison.date)}
    return Published(
        about=comparison.trust.name if comparison.trust else comparison.area,
        what=what,
        reported=_number(comparison.reported) + suffix,
        computed=None if comparison.computed is None else _number(comparison.computed) + suffix,
        difference=comparison.difference,
        source=comparison.source,
        note=comparison.note,
    )


def report_lines(report: StrikeReport) -> tuple[list[ReportLine], ReportLine]:
    """The per-trust rows, then the total (counted rows added up, area figures beside)."""
    lines = [
        ReportLine(
            key=row.trust.ods_code,
            name=row.trust.name,
            participating=row.participating,
            counted=row.counted,
            figures=row.figures,
            staff_absent_peak=row.staff_absent_peak,
            published=tuple(
                _published(c) for c in report.comparisons if c.trust and c.trust.id == row.trust.id
            ),
        )
        for row in report.trusts
    ]
    total = ReportLine(
        key="total",
        name=_("Total"),
        participating=None,
        counted=True,
        figures=report.total,
        staff_absent_peak=report.staff_absent_peak,
        published=tuple(_published(c) for c in report.comparisons if c.trust is None),
    )
    return lines, total


@staff_page
def strike_report_page(request: HttpRequest, strike_id: Any) -> HttpResponse:
    strike = get_object_or_404(Strike, public_id=strike_id)
    report = strike_report(strike=strike, user=request.user)
    lines, total = report_lines(report)
    context = {
        "page_title": _("Report: %(title)s") % {"title": strike.title},
        "nav": "strikes",
        "strike": strike,
        "strike_tab": "report",
        "lines": lines,
        "total": total,
        "published": [item for line in (*lines, total) for item in line.published],
        "api_url": reverse("api-strike-report", args=[strike.public_id]),
        **impact_charts_context(strike=strike, user=request.user, report=report),
    }
    return render(request, "dashboard/reports/strike.jinja", context)


@staff_page
def strike_report_csv(request: HttpRequest, strike_id: Any) -> HttpResponse:
    """The situation report, exactly as ``GET /api/v1/strikes/<id>/report/?format=csv``."""
    strike = get_object_or_404(Strike, public_id=strike_id)
    out = io.StringIO(newline="")
    sitrep_csv(strike=strike, user=request.user, out=out)
    return _csv_download(out.getvalue(), f"sitrep-{strike.public_id}.csv")


@dataclass(frozen=True)
class CompareLine:
    row: ComparedStrike
    days: str


def day_range(days: Sequence[dt.date]) -> str:
    """ "8 to 9 July 2027", "30 September to 1 October 2027": short enough for a cell."""
    if not days:
        return ""
    first, last = days[0], days[-1]
    if first == last:
        return date_format(first, "j F Y")
    if (first.year, first.month) == (last.year, last.month):
        start = date_format(first, "j")
    elif first.year == last.year:
        start = date_format(first, "j F")
    else:
        start = date_format(first, "j F Y")
    return _("%(start)s to %(end)s") % {"start": start, "end": date_format(last, "j F Y")}


@staff_page
def reports_page(request: HttpRequest) -> HttpResponse:
    compared = strikes_compared(user=request.user)
    context = {
        "page_title": _("Strikes compared"),
        "nav": "reports",
        "compared": compared,
        "lines": [
            CompareLine(row=row, days=day_range(row.totals.strike.days)) for row in compared.rows
        ],
        "api_url": reverse("api-strikes-compare"),
    }
    return render(request, "dashboard/reports/compare.jinja", context)


@staff_page
def reports_csv(request: HttpRequest) -> HttpResponse:
    """Strikes compared, exactly as ``GET /api/v1/strike-comparison/?format=csv``."""
    out = io.StringIO(newline="")
    comparison_csv(user=request.user, out=out)
    return _csv_download(out.getvalue(), "strikes-compared.csv")


def _csv_download(text: str, filename: str) -> HttpResponse:
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


urlpatterns = [
    path("strikes/<uuid:strike_id>/report/", strike_report_page, name="dashboard_report"),
    path(
        "strikes/<uuid:strike_id>/report/sitrep.csv",
        strike_report_csv,
        name="dashboard_report_csv",
    ),
    path("reports/", reports_page, name="dashboard_reports"),
    path("reports/strikes-compared.csv", reports_csv, name="dashboard_reports_csv"),
]
