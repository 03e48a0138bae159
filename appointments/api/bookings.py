"""REST API for bookings: list, read, change, reschedule (``/api/v1/appointments/``).

Reading needs a token of one of the booking's trusts (or a national one); changing
needs an acting role there. Another trust's booking is a 404 whatever is asked of it.
"""

from typing import Any

from django.db.models import QuerySet
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from appointments.models import Appointment, Status
from appointments.selectors import (
    appointment_by_reference,
    appointments_for,
    booking_rows,
    patients_by_id,
)
from appointments.services import (
    StatusMoveRefused,
    appointment_reschedule,
    appointment_reschedule_at_site,
    appointment_update,
)
from config.api.errors import Refused
from config.api.permissions import require_acting_role
from trusts.models import Site

from .filters import AppointmentFilter
from .serializers import (
    AppointmentChangeSerializer,
    AppointmentSerializer,
    RescheduleSerializer,
    booking_rows_data,
)

# Statuses a plain PATCH may not set: each carries more than a status (a strike, a date).
STATUS_ELSEWHERE = {
    Status.POSTPONED: "A booking is postponed by a strike decision: POST "
    "/api/v1/strikes/{id}/decisions/ with its reference.",
    Status.RESCHEDULED: "A booking is rescheduled with its new date: POST "
    "/api/v1/appointments/{reference}/reschedule/.",
}

UNPOSTPONE_ELSEWHERE = (
    "A postponed booking goes ahead after all by a strike decision: POST "
    "/api/v1/strikes/{id}/decisions/ with outcome going_ahead and its reference."
)

REFERENCE_PARAMETER = OpenApiParameter(
    "reference",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="The booking reference, e.g. K7QM3XDA9RT2; lower case, hyphens and spaces "
    "are accepted (K7QM-3XDA-9RT2).",
)


class Conflict(Refused):
    """The booking's current state refuses the change (e.g. an attended booking)."""

    status_code = status.HTTP_409_CONFLICT


def _booking_or_404(request: Request, reference: str) -> Appointment:
    booking = appointment_by_reference(user=request.user, reference=reference)
    if booking is None:
        raise NotFound("No booking with that reference among your trusts' bookings.")
    return booking


@extend_schema_view(
    get=extend_schema(
        summary="Your trusts' bookings, in start order",
        description="Ordered by starts_at then an internal id, paged by cursor (follow "
        "`next`); every page costs the same however deep. Filters combine with AND. "
        "`starts_after` is inclusive and `starts_before` exclusive.",
    )
)
class AppointmentList(generics.ListAPIView):
    serializer_class = AppointmentSerializer
    filterset_class = AppointmentFilter
    keyset_ordering = ("starts_at", "id")

    def get_queryset(self) -> QuerySet[Appointment]:
        return appointments_for(self.request.user)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        bookings = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(booking_rows(bookings))
        patients = patients_by_id(row.patient_id for row in page)
        return self.get_paginated_response(booking_rows_data(page, patients))


class AppointmentDetail(APIView):
    @extend_schema(
        summary="One booking",
        parameters=[REFERENCE_PARAMETER],
        responses=AppointmentSerializer,
    )
    def get(self, request: Request, reference: str) -> Response:
        return Response(AppointmentSerializer(_booking_or_404(request, reference)).data)

    @extend_schema(
        summary="Change a booking's status, priority or referral date",
        description="Needs an operations or admin role at the booking's trust. Only "
        "`status`, `priority` and `referral_received_on` change; any other field sent "
        "(e.g. a whole booking read earlier) is ignored. A status the current one may not "
        "move to is a 409 and nothing changes. Every status change is recorded in the "
        "booking's history.",
        parameters=[REFERENCE_PARAMETER],
        request=AppointmentChangeSerializer,
        responses=AppointmentSerializer,
    )
    def patch(self, request: Request, reference: str) -> Response:
        booking = _booking_or_404(request, reference)
        require_acting_role(request.user, booking.trust, action="change bookings")
        incoming = AppointmentChangeSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        changes = dict(incoming.validated_data)
        to_status = changes.pop("status", None)
        if to_status == booking.status:
            to_status = None  # a booking sent back as read: nothing to move
        if to_status in STATUS_ELSEWHERE:
            raise ValidationError({"status": [STATUS_ELSEWHERE[to_status]]})
        if to_status == Status.BOOKED and booking.status == Status.POSTPONED:
            # Un-postponing is a decision about the strike (going ahead after all, or a
            # call-off): it must move the strike's record and tell the patient too.
            raise ValidationError({"status": [UNPOSTPONE_ELSEWHERE]})
        try:
            booking = appointment_update(
                appointment=booking, actor=request.user, status=to_status, changes=changes
            )
        except StatusMoveRefused as exc:
            raise Conflict(str(exc)) from exc
        return _booking_response(request, booking)


class AppointmentReschedule(APIView):
    @extend_schema(
        summary="Give a booking a new date (and optionally another site)",
        description="Needs an operations or admin role at the booking's trust. The booking "
        "becomes rescheduled; if a strike postponed it, the patient's new-date notice is "
        "owed from then on and goes out with the next notice run. A booking that is "
        "cancelled, attended or did not attend cannot be rescheduled (409).",
        parameters=[REFERENCE_PARAMETER],
        request=RescheduleSerializer,
        responses=AppointmentSerializer,
    )
    def post(self, request: Request, reference: str) -> Response:
        booking = _booking_or_404(request, reference)
        require_acting_role(request.user, booking.trust, action="reschedule bookings")
        incoming = RescheduleSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        starts_at = incoming.validated_data["starts_at"]
        site_code = incoming.validated_data.get("site")
        try:
            if site_code is None:
                appointment_reschedule(appointment=booking, starts_at=starts_at, actor=request.user)
            else:
                appointment_reschedule_at_site(
                    appointment=booking,
                    starts_at=starts_at,
                    site=_site_of(booking, site_code),
                    actor=request.user,
                )
        except StatusMoveRefused as exc:
            raise Conflict(str(exc)) from exc
        return _booking_response(request, booking)


def _booking_response(request: Request, booking: Appointment) -> Response:
    # Read back with its trust, site and service as the services left them.
    return Response(AppointmentSerializer(appointments_for(request.user).get(pk=booking.pk)).data)


def _site_of(booking: Appointment, code: str) -> Site:
    site = Site.objects.filter(trust_id=booking.trust_id, code=code.strip().upper()).first()
    if site is None:
        raise ValidationError(
            {"site": [f"No site {code!r} at {booking.trust.ods_code}, the booking's trust."]}
        )
    return site


urlpatterns = [
    path("appointments/", AppointmentList.as_view(), name="api-appointments"),
    path("appointments/<str:reference>/", AppointmentDetail.as_view(), name="api-appointment"),
    path(
        "appointments/<str:reference>/reschedule/",
        AppointmentReschedule.as_view(),
        name="api-appointment-reschedule",
    ),
]
