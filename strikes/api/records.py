"""REST API for the records about strikes: the strikes themselves, each trust's
participation, and staff out per day (``/api/v1/strikes/``).

Strikes are national: everyone signed in reads every strike, national administrators
create and change them. Participation and staff out are a trust's: listed for the
user's trusts, written by its operations staff and admins. The rules are in
strikes/services/records.py; these views check shape and call it.
"""

from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.urls import path
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import generics, status
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from config.api.filters import AwareDateTimeFilter
from config.api.permissions import trust_in_scope
from trusts.scope import trust_ids_for

from ..models import Participation, StaffAbsence, Strike, StrikeStatus
from ..services import (
    may_change_strikes,
    may_create_strikes,
    participation_upsert,
    staff_absence_upsert,
    strike_create,
    strike_move_to,
    strike_update,
)
from .serializers import (
    ParticipationSerializer,
    StaffAbsenceSerializer,
    StrikeCreateSerializer,
    StrikeSerializer,
)

STRIKE_ID = OpenApiParameter(
    "id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The strike's id."
)


def strikes() -> QuerySet[Strike]:
    """Strikes with what the API shows of them, in three queries however many."""
    return Strike.objects.prefetch_related("unions", "staff_groups", "exempt_services").order_by(
        "-starts_at", "-id"
    )


def strike_or_404(public_id: str) -> Strike:
    """The strike with this API id; a 404 for an unknown or malformed one."""
    return generics.get_object_or_404(Strike.objects.all(), public_id=public_id)


class StrikeWriters(BasePermission):
    """Anyone signed in reads strikes; announcing or changing one is national work."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method in SAFE_METHODS:
            return True
        if request.method == "POST":
            self.message = "Only national administrators can announce a strike."
            return may_create_strikes(request.user)
        self.message = "Only national administrators can change a strike."
        return may_change_strikes(request.user)


class StrikeFilter(filters.FilterSet):
    status = filters.ChoiceFilter(
        choices=StrikeStatus.choices, help_text="Only strikes with this status."
    )
    starts_after = AwareDateTimeFilter(
        field_name="starts_at",
        lookup_expr="gte",
        help_text="Only strikes starting at or after this time, ISO 8601 "
        "(e.g. 2026-07-01T00:00:00Z; write + in an offset as %2B).",
    )
    starts_before = AwareDateTimeFilter(
        field_name="starts_at",
        lookup_expr="lt",
        help_text="Only strikes starting before this time, ISO 8601.",
    )

    class Meta:
        model = Strike
        fields = ["status", "starts_after", "starts_before"]


@extend_schema_view(
    get=extend_schema(
        summary="Every strike, newest first",
        description="Strikes are few (tens a year), so the list is not paged.",
    ),
    post=extend_schema(
        summary="Announce a strike (national administrators)",
        request=StrikeCreateSerializer,
        responses={201: OpenApiResponse(StrikeSerializer, description="Announced.")},
    ),
)
class StrikeListView(generics.ListAPIView):
    serializer_class = StrikeSerializer
    permission_classes = [IsAuthenticated, StrikeWriters]
    filterset_class = StrikeFilter
    pagination_class = None

    def get_queryset(self) -> QuerySet[Strike]:
        return strikes()

    def post(self, request: Request) -> Response:
        serializer = StrikeCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        fields.pop("status", None)  # only ever announced, which strike_create sets
        strike = strike_create(actor=request.user, **fields)
        return Response(
            StrikeSerializer(strikes().get(pk=strike.pk)).data, status=status.HTTP_201_CREATED
        )


@extend_schema(parameters=[STRIKE_ID])
@extend_schema_view(
    get=extend_schema(summary="One strike"),
    patch=extend_schema(
        summary="Change a strike, or move it through its life (national administrators)",
        description="Only the fields sent change. A new status is reached through the "
        "strike's life: confirm, suspend, resume (from suspended to the status it had), "
        "call off (reinstating the bookings it postponed) or complete; a move its "
        "current status does not allow is a 409 and changes nothing, including the other "
        "fields sent with it. Changing the window, staff groups or exemptions does not "
        "re-assess bookings: POST /api/v1/strikes/{id}/assess/ after.",
    ),
)
class StrikeDetailView(generics.RetrieveAPIView):
    serializer_class = StrikeSerializer
    permission_classes = [IsAuthenticated, StrikeWriters]
    lookup_field = "public_id"
    lookup_url_kwarg = "id"
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Strike]:
        return strikes()

    def patch(self, request: Request, id: str) -> Response:
        strike = self.get_object()
        serializer = StrikeSerializer(strike, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        new_status = changes.pop("status", None)
        # One request, one outcome: a refused move also undoes the fields sent with it.
        with transaction.atomic():
            if changes:
                strike = strike_update(strike=strike, actor=request.user, **changes)
            if new_status is not None:
                strike = strike_move_to(strike=strike, actor=request.user, status=new_status)
        return Response(StrikeSerializer(strikes().get(pk=strike.pk)).data)


class TrustRecordsView(generics.ListAPIView):
    """A list of one strike's records for the user's trusts, and an upsert of one."""

    permission_classes = [IsAuthenticated]
    model: type[Participation] | type[StaffAbsence]

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):  # drawing the schema: no strike
            return self.model.objects.none()
        rows = self.model.objects.filter(strike=self.strike).select_related("trust")
        trust_ids = trust_ids_for(self.request.user)
        return rows if trust_ids is None else rows.filter(trust__in=trust_ids)

    @property
    def strike(self) -> Strike:
        if not hasattr(self, "_strike"):
            self._strike = strike_or_404(self.kwargs["id"])
        return self._strike

    def post(self, request: Request, id: str) -> Response:
        strike = self.strike
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        trust = trust_in_scope(request.user, fields.pop("trust"), field="trust")
        row, created = self.upsert(strike=strike, trust=trust, actor=request.user, **fields)
        return Response(
            self.get_serializer(row).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    def upsert(self, **fields: Any) -> tuple[Any, bool]:
        raise NotImplementedError


class ParticipationFilter(filters.FilterSet):
    trust = filters.CharFilter(
        field_name="trust__ods_code", help_text="Only this trust (ODS code)."
    )
    participating = filters.BooleanFilter(help_text="Only trusts taking part (true) or not.")

    class Meta:
        model = Participation
        fields = ["trust", "participating"]


@extend_schema(parameters=[STRIKE_ID])
@extend_schema_view(
    get=extend_schema(
        summary="Which of your trusts take part in a strike",
        description="One record per trust, for the trusts you belong to (national users: "
        "every trust).",
    ),
    post=extend_schema(
        summary="Record whether a trust takes part (its operations staff or admins)",
        description="Upserts by trust: 201 with the record when it is new, 200 when it "
        "replaced the trust's earlier record (an omitted turnout or note is cleared). "
        "Does not re-assess the strike's bookings: POST /api/v1/strikes/{id}/assess/ after.",
        responses={
            201: OpenApiResponse(ParticipationSerializer, description="Recorded anew."),
            200: OpenApiResponse(ParticipationSerializer, description="Replaced."),
        },
    ),
)
class ParticipationListView(TrustRecordsView):
    model = Participation
    serializer_class = ParticipationSerializer
    filterset_class = ParticipationFilter
    keyset_ordering = ("id",)

    def upsert(self, **fields: Any) -> tuple[Participation, bool]:
        return participation_upsert(**fields)


class StaffAbsenceFilter(filters.FilterSet):
    trust = filters.CharFilter(
        field_name="trust__ods_code", help_text="Only this trust (ODS code)."
    )
    date = filters.DateFilter(help_text="Only this strike day, e.g. 2026-07-08.")
    staff_group = filters.CharFilter(
        field_name="staff_group_id", help_text="Only this staff group (code), e.g. nurses."
    )

    class Meta:
        model = StaffAbsence
        fields = ["trust", "date", "staff_group"]


@extend_schema(parameters=[STRIKE_ID])
@extend_schema_view(
    get=extend_schema(
        summary="Staff out on each strike day at your trusts",
        description="One count per trust, strike day and staff group, for the trusts you "
        "belong to (national users: every trust), by date.",
    ),
    post=extend_schema(
        summary="Record how many of a staff group were out on a strike day "
        "(the trust's operations staff or admins)",
        description="Upserts by (trust, date, staff group): 201 with the record when it is "
        "new, 200 when it replaced the count recorded before.",
        responses={
            201: OpenApiResponse(StaffAbsenceSerializer, description="Recorded anew."),
            200: OpenApiResponse(StaffAbsenceSerializer, description="Replaced."),
        },
    ),
)
class StaffAbsenceListView(TrustRecordsView):
    model = StaffAbsence
    serializer_class = StaffAbsenceSerializer
    filterset_class = StaffAbsenceFilter
    keyset_ordering = ("date", "id")

    def upsert(self, **fields: Any) -> tuple[StaffAbsence, bool]:
        return staff_absence_upsert(**fields)


urlpatterns = [
    path("strikes/", StrikeListView.as_view(), name="api-strikes"),
    path("strikes/<str:id>/", StrikeDetailView.as_view(), name="api-strike"),
    path(
        "strikes/<str:id>/participations/",
        ParticipationListView.as_view(),
        name="api-strike-participations",
    ),
    path(
        "strikes/<str:id>/staff-absences/",
        StaffAbsenceListView.as_view(),
        name="api-strike-staff-absences",
    ),
]
