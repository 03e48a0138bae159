"""Operations on a strike over REST: assess, decide, call off; and the routes of the rest
(the impacts list in ``operations_impacts``, reports and notices in
``operations_reports``).

Each view checks the request's shape, the caller's right to act, then calls one service.
Counts in answers cover only the trusts the caller may see.
"""

from collections.abc import Iterable
from dataclasses import asdict, fields

from django.urls import path
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from config.api.permissions import require_acting_role, trust_in_scope, trusts_for
from strikes.services import (
    ImpactCounts,
    Selection,
    impacts_decide,
    strike_assess,
    strike_call_off,
    strike_call_off_preview,
)
from trusts.scope import is_national

from . import operations_impacts, operations_reports
from .operation_serializers import (
    AssessRequestSerializer,
    AssessResponseSerializer,
    CallOffPreviewSerializer,
    CallOffResponseSerializer,
    DecisionByFilterSerializer,
    DecisionByReferencesSerializer,
    DecisionRequestSerializer,
    DecisionResponseSerializer,
)
from .operations_base import (
    STRIKE_ID,
    TAGS,
    StrikeOperationView,
    require_acting_somewhere,
    require_strike_manager,
)


class AssessView(StrikeOperationView):
    @extend_schema(
        operation_id="strike_assess",
        tags=TAGS,
        summary="Assess which bookings the strike touches",
        description=(
            "Brings the strike's impacts in line with its rules: every booking in the "
            "window at a participating trust becomes exempt or at risk; decided bookings are "
            "kept. Re-running with nothing changed writes nothing. A real run writes impacts "
            "for every participating trust, so it needs national rights or operations staff "
            "or trust admin at a participating trust; anyone signed in may `dry_run`, which "
            "only counts.\n\nThe totals and `by_trust` cover **only the trusts you may "
            "see** (national users: every trust), so a trust's user sees its own figures."
        ),
        parameters=[STRIKE_ID],
        request=AssessRequestSerializer,
        responses={200: AssessResponseSerializer},
    )
    def post(self, request: Request, id: str) -> Response:
        strike = self.get_strike()
        given = AssessRequestSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        dry_run = given.validated_data["dry_run"]
        if not dry_run:
            require_acting_somewhere(request.user, action="assess this strike", strike=strike)
        assessment = strike_assess(strike=strike, dry_run=dry_run, dimensions=("trust",))
        by_trust = assessment.by["trust"]
        if not is_national(request.user):
            visible = set(trusts_for(request.user).values_list("ods_code", flat=True))
            by_trust = {code: counts for code, counts in by_trust.items() if code in visible}
        body = {
            **asdict(summed(by_trust.values())),
            "dry_run": assessment.dry_run,
            "by_trust": [{"trust": code, **asdict(counts)} for code, counts in by_trust.items()],
        }
        return Response(AssessResponseSerializer(body).data)


def summed(rows: Iterable[ImpactCounts]) -> ImpactCounts:
    rows = list(rows)
    return ImpactCounts(
        **{f.name: sum(getattr(row, f.name) for row in rows) for f in fields(ImpactCounts)}
    )


class DecisionsView(StrikeOperationView):
    @extend_schema(
        operation_id="strike_decide",
        tags=TAGS,
        summary="Postpone bookings, or let them go ahead, in bulk",
        description=(
            "Select bookings either by `references` (all or nothing: if any may not be "
            "decided, nothing changes and the error names them) or by `where` (a filter: "
            "decides what it may and counts what it skipped). Needs operations staff or "
            "trust admin; only bookings at trusts where you hold that role are decided, and "
            "a reference at another trust is refused exactly as an unknown one is. A strike "
            "that is suspended, called off or completed takes no decisions (409)."
        ),
        parameters=[STRIKE_ID],
        request=PolymorphicProxySerializer(
            component_name="Decision",
            serializers=[DecisionByReferencesSerializer, DecisionByFilterSerializer],
            resource_type_field_name=None,
        ),
        responses={200: DecisionResponseSerializer},
    )
    def post(self, request: Request, id: str) -> Response:
        strike = self.get_strike()
        require_acting_somewhere(request.user, action="make strike decisions")
        given = DecisionRequestSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        if "references" in data:
            selection = Selection(references=tuple(data["references"]))
        else:
            where = dict(data["where"])
            if "trust" in where:
                trust = trust_in_scope(request.user, where["trust"].upper(), field="where.trust")
                require_acting_role(request.user, trust, action="make strike decisions there")
                where["trust"] = trust.ods_code
            where["day"] = where.pop("date", None)
            selection = Selection(**where)
        result = impacts_decide(
            strike=strike, outcome=data["outcome"], selection=selection, actor=request.user
        )
        return Response(DecisionResponseSerializer(result).data)


class CallOffView(StrikeOperationView):
    @extend_schema(
        operation_id="strike_call_off_preview",
        tags=TAGS,
        summary="How many bookings a call-off would reinstate",
        description=(
            "For the confirmation step before calling the strike off. Needs the right to "
            "change a strike's status (national administrators); a strike that cannot be "
            "called off (already called off, completed) is a 409."
        ),
        parameters=[STRIKE_ID],
        responses={200: CallOffPreviewSerializer},
    )
    def get(self, request: Request, id: str) -> Response:
        strike = self.get_strike()
        require_strike_manager(request.user)
        would_reinstate = strike_call_off_preview(strike=strike, actor=request.user)
        return Response(CallOffPreviewSerializer({"would_reinstate": would_reinstate}).data)

    @extend_schema(
        operation_id="strike_call_off",
        tags=TAGS,
        summary="Call the strike off",
        description=(
            "Calls the strike off and puts back every booking it postponed that is still "
            "ahead (to booked, or rescheduled if it had a new date); their patients are "
            "told it goes ahead after all. Postponed bookings whose time has passed stay "
            "postponed. National administrators only; calling off a strike that is already "
            "called off or completed is a 409. Takes no body."
        ),
        parameters=[STRIKE_ID],
        request=None,
        responses={200: CallOffResponseSerializer},
    )
    def post(self, request: Request, id: str) -> Response:
        strike = self.get_strike()
        require_strike_manager(request.user)
        result = strike_call_off(strike=strike, actor=request.user)
        return Response(CallOffResponseSerializer(result).data)


urlpatterns = [
    path("strikes/<str:id>/assess/", AssessView.as_view(), name="api-strike-assess"),
    path("strikes/<str:id>/decisions/", DecisionsView.as_view(), name="api-strike-decisions"),
    path(
        "strikes/<str:id>/impacts/",
        operations_impacts.ImpactListView.as_view(),
        name="api-strike-impacts",
    ),
    path("strikes/<str:id>/call-off/", CallOffView.as_view(), name="api-strike-call-off"),
    *operations_reports.urlpatterns,
]
