"""A strike's report (JSON, or NHS England's sitrep CSV), strikes compared, and a strike's
patient notices: generate them now, and see how far they have got. All narrowed to the
caller's trusts."""

import io
import uuid
from collections import defaultdict
from collections.abc import Iterable

from django.http import HttpResponse
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from appointments.models import Channel, NoticeKind, NoticeStatus
from appointments.notices import notices_generate
from appointments.notices.generation import NoticesRefused
from appointments.notices.progress import notice_progress
from appointments.tasks import dispatch_soon
from config.api.errors import error, errors_response
from strikes.reports import (
    Comparison,
    DayRow,
    Figures,
    StrikeReport,
    StrikesCompared,
    StrikeTotals,
    comparison_csv,
    sitrep_csv,
    strike_report,
    strikes_compared,
)

from .operation_serializers import (
    NoticesGenerateRequestSerializer,
    NoticesGenerateResponseSerializer,
    NoticeSummarySerializer,
)
from .operations_base import STRIKE_ID, TAGS, StrikeOperationView, require_acting_somewhere
from .report_serializers import (
    ComparisonQuerySerializer,
    ReportQuerySerializer,
    ReportSerializer,
    StrikeComparisonSerializer,
)

FORMAT = OpenApiParameter(
    "format",
    OpenApiTypes.STR,
    OpenApiParameter.QUERY,
    enum=["json", "csv"],
    description=(
        "`json` (the default) or `csv`: NHS England's situation report, one row per "
        "counted trust per strike day, as a file download (`text/csv`)."
    ),
)


class ReportView(StrikeOperationView):
    def perform_content_negotiation(self, request: Request, force: bool = False):
        # The CSV is written by the view itself; an "Accept: text/csv" asking for it must
        # not be refused by the JSON-only renderers. Errors still come back as JSON.
        if request.query_params.get("format") == "csv":
            force = True
        return super().perform_content_negotiation(request, force=force)

    @extend_schema(
        operation_id="strike_report",
        tags=TAGS,
        summary="The strike's figures per trust, or the sitrep CSV",
        description=(
            "One row per trust with a participation record that you may see; `totals` adds "
            "up the counted rows (trusts taking part, or with decisions made). `reported` "
            "sets figures a trust or the press published beside StrikeDesk's own; area-wide "
            "figures (in `totals.reported`) are for national users only. `by_day` has the "
            "same figures per trust per strike day and `day_totals` the counted trusts per "
            "day, both leaving out days with nothing in them. With `?format=csv`, the "
            "situation-report CSV as an attachment."
        ),
        parameters=[STRIKE_ID, FORMAT],
        responses={
            (200, "application/json"): ReportSerializer,
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.STR,
                description="The sitrep CSV (with `?format=csv`); columns as documented in "
                "strikes/reports/sitrep.py.",
            ),
        },
    )
    def get(self, request: Request, id: str) -> Response | HttpResponse:
        strike = self.get_strike()
        # A plain dict: DRF reads an empty "?format=" in a QueryDict as absent.
        query = ReportQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        if query.validated_data["format"] == "csv":
            out = io.StringIO()
            sitrep_csv(strike=strike, user=request.user, out=out)
            response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
            filename = f"sitrep-{strike.public_id}.csv"
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
            return response
        report = strike_report(strike=strike, user=request.user)
        return Response(ReportSerializer(report_body(report)).data)


def report_body(report: StrikeReport) -> dict:
    rows = []
    for trust in report.trusts:
        days = [day for day in report.by_day if day.trust.id == trust.trust.id]
        reported = [c for c in report.comparisons if c.trust and c.trust.id == trust.trust.id]
        rows.append(
            {
                "trust": trust.trust.ods_code,
                "trust_name": trust.trust.name,
                "participating": trust.participating,
                "counted": trust.counted,
                **figures_body(trust.figures, days, reported),
                "staff_absent_peak": trust.staff_absent_peak,
            }
        )
    counted_days = [day for day in report.by_day if day.trust.id in report.counted_trust_ids]
    area_figures = [c for c in report.comparisons if c.trust is None]
    return {
        "days": list(report.days),
        "rows": rows,
        "totals": {
            **figures_body(report.total, counted_days, area_figures),
            "staff_absent_peak": report.staff_absent_peak,
        },
        "by_day": [
            {
                "date": day.date,
                "trust": day.trust.ods_code,
                "trust_name": day.trust.name,
                "participating": day.participating,
                "counted": day.trust.id in report.counted_trust_ids,
                **counts_body(day.figures),
                "staff_absent_total": day.staff_absent_total,
            }
            for day in report.by_day
            if _has_any(day.figures, day.staff_absent_total)
        ],
        "day_totals": [
            {
                "date": day.date,
                **counts_body(day.figures),
                "staff_absent_total": day.staff_absent,
            }
            for day in report.day_totals()
            if _has_any(day.figures, day.staff_absent)
        ],
    }


def _has_any(figures: Figures, staff_absent: int) -> bool:
    # Days with nothing are left out of the per-day lists: a strike's window has no upper
    # limit, and a row per empty day of a long one would be most of the answer.
    return bool(staff_absent) or figures != Figures()


def counts_body(figures: Figures) -> dict:
    return {
        "planned": figures.planned,
        "in_strike": figures.in_strike,
        "exempt": figures.exempt,
        "at_risk": figures.at_risk,
        "going_ahead": figures.going_ahead,
        "reinstated": figures.reinstated,
        "postponed_outpatient": figures.postponed_outpatient,
        "postponed_inpatient": figures.postponed_inpatient,
        "postponed_total": figures.postponed_total,
        "postponed_pct": figures.postponed_pct,
        "awaiting_new_date": figures.awaiting_new_date,
        "rescheduled": figures.rescheduled,
    }


def figures_body(figures: Figures, days: Iterable[DayRow], reported: Iterable[Comparison]) -> dict:
    staff: dict[tuple, int] = defaultdict(int)
    for day in days:
        for absent in day.staff_absent:
            staff[(day.date, absent.staff_group)] += absent.count
    return {
        **counts_body(figures),
        "staff_absent": [
            {"date": date, "staff_group": group, "count": count}
            for (date, group), count in sorted(staff.items())
        ],
        "reported": [
            {
                "metric": c.metric,
                "date": c.date,
                "value": c.reported,
                "computed": c.computed,
                "difference": c.difference,
                "source": c.source,
            }
            for c in reported
        ],
    }


class ComparisonView(APIView):
    def perform_content_negotiation(self, request: Request, force: bool = False):
        # As the report's: the CSV is the view's own, whatever the Accept header says.
        if request.query_params.get("format") == "csv":
            force = True
        return super().perform_content_negotiation(request, force=force)

    @extend_schema(
        operation_id="strikes_compare",
        tags=TAGS,
        summary="Strikes side by side: which disrupted most",
        description=(
            "Every strike not called off, earliest first, with its bookings figures and "
            "staff out at the trusts taking part **that you may see** (national users: "
            "every trust): a trust's user compares its own trust's strikes. "
            "`most_disruptive` names the strike with the most bookings postponed, "
            "`most_disruptive_pct` the one with the largest share of planned bookings "
            "postponed. With `?format=csv`, the same rows as a CSV attachment."
        ),
        parameters=[
            OpenApiParameter(
                "format",
                OpenApiTypes.STR,
                OpenApiParameter.QUERY,
                enum=["json", "csv"],
                description="`json` (the default) or `csv`: the rows as a file download.",
            )
        ],
        responses={
            (200, "application/json"): StrikeComparisonSerializer,
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.STR,
                description="The comparison CSV (with `?format=csv`); columns as documented "
                "in strikes/reports/comparison.py.",
            ),
        },
    )
    def get(self, request: Request) -> Response | HttpResponse:
        query = ComparisonQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        if query.validated_data["format"] == "csv":
            out = io.StringIO()
            comparison_csv(user=request.user, out=out)
            response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = 'attachment; filename="strikes-compared.csv"'
            return response
        compared = strikes_compared(user=request.user)
        return Response(StrikeComparisonSerializer(comparison_body(compared)).data)


def comparison_body(compared: StrikesCompared) -> dict:
    def strike_id(row: StrikeTotals | None) -> uuid.UUID | None:
        return None if row is None else row.strike.public_id

    return {
        "rows": [
            {
                "id": row.totals.strike.public_id,
                "title": row.totals.strike.title,
                "status": row.totals.strike.status,
                "starts_at": row.totals.strike.starts_at,
                "ends_at": row.totals.strike.ends_at,
                "days": list(row.totals.strike.days),
                **counts_body(row.totals.figures),
                "staff_absent_peak": row.staff_absent_peak,
            }
            for row in compared.rows
        ],
        "most_disruptive": strike_id(compared.comparison.most_disruptive),
        "most_disruptive_pct": strike_id(compared.comparison.most_disruptive_pct),
    }


class NoticesGenerateView(StrikeOperationView):
    @extend_schema(
        operation_id="strike_notices_generate",
        tags=TAGS,
        summary="Create the patient notices now owed, and start sending them",
        description=(
            "Creates every notice owed for this strike at the trusts where you are "
            "operations staff or a trust admin (others: 403), withdraws unsent ones no "
            "longer true, and starts the dispatch workers. Without `early`, postponement "
            "notices wait for the notice window (`notice_lead_days` before the start), as "
            "the scheduler would; with `early`, they are created now. Running it again "
            "creates nothing more. `early` on a strike that has started or is not announced "
            "or confirmed is a 409."
        ),
        parameters=[STRIKE_ID],
        request=NoticesGenerateRequestSerializer,
        responses={200: NoticesGenerateResponseSerializer},
    )
    def post(self, request: Request, id: str) -> Response:
        strike = self.get_strike()
        require_acting_somewhere(request.user, action="generate patient notices")
        given = NoticesGenerateRequestSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            result = notices_generate(
                strike=strike, actor=request.user, early=given.validated_data["early"]
            )
        except NoticesRefused as refusal:
            # The caller's role was checked above: what is left is about the strike's state.
            return errors_response([error(str(refusal), code="refused")], status.HTTP_409_CONFLICT)
        if result.total:
            # Queued once this request's transaction (if any) commits, as the admin does.
            dispatch_soon()
        body = {
            "created": result.total,
            "by_kind": _every(NoticeKind.values, result.created),
            "withdrawn": result.withdrawn,
        }
        return Response(NoticesGenerateResponseSerializer(body).data)


class NoticesSummaryView(StrikeOperationView):
    @extend_schema(
        operation_id="strike_notices_summary",
        tags=TAGS,
        summary="How far the strike's patient notices have got",
        description=(
            "Counts of the strike's notices at the trusts you may see, by kind, channel and "
            "status, and how many are overdue (not sent, past the time due). Every kind, "
            "channel and status is present, with 0 where there are none."
        ),
        parameters=[STRIKE_ID],
        responses={200: NoticeSummarySerializer},
    )
    def get(self, request: Request, id: str) -> Response:
        progress = notice_progress(strike=self.get_strike(), user=request.user)
        body = {
            "total": progress.total,
            "overdue": progress.overdue,
            "by_kind": _every(NoticeKind.values, progress.by_kind),
            "by_channel": _every(Channel.values, progress.by_channel),
            "by_status": _every(NoticeStatus.values, progress.by_status),
            "rows": progress.rows,
        }
        return Response(NoticeSummarySerializer(body).data)


def _every(keys: Iterable[str], counts: dict[str, int]) -> dict[str, int]:
    return {key: counts.get(key, 0) for key in keys}


urlpatterns = [
    # Not under strikes/: "strikes/<id>/" would take "compare" for a strike's id.
    path("strike-comparison/", ComparisonView.as_view(), name="api-strikes-compare"),
    path("strikes/<str:id>/report/", ReportView.as_view(), name="api-strike-report"),
    path(
        "strikes/<str:id>/notices/generate/",
        NoticesGenerateView.as_view(),
        name="api-strike-notices-generate",
    ),
    path(
        "strikes/<str:id>/notices/summary/",
        NoticesSummaryView.as_view(),
        name="api-strike-notices-summary",
    ),
]
