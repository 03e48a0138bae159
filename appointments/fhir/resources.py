"""Bookings as FHIR R4 Appointment resources: the query that feeds them, and the mapping.

Only the NHS number identifies the patient: no name, date of birth or address leaves
through FHIR, so a PAS that already knows the patient can match them and nothing more
is disclosed.
"""

import datetime as dt
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from ..models import Appointment, AppointmentEvent, Outcome, Status, StrikeImpact
from .systems import (
    APPOINTMENT_KIND_SYSTEM,
    BOOKING_REFERENCE_SYSTEM,
    FHIR_PRIORITY,
    FHIR_STATUS,
    INDUSTRIAL_ACTION,
    LONDON,
    NHS_NUMBER_SYSTEM,
    NOMINAL_DURATION,
    ODS_ORGANISATION_SYSTEM,
    ODS_SITE_SYSTEM,
    PAS_ID_SYSTEM_PREFIX,
    SERVICE_SYSTEM,
    STRIKE_EXTENSION_URL,
    STRIKE_ID_SYSTEM,
)


def appointments_for_fhir(user: Any) -> QuerySet[Appointment]:
    """The user's bookings with everything the mapping reads, in two queries per page
    whatever its size: the bookings with their patient, trust, site and service joined,
    then the impacts that postponed them, with their strike."""
    postponing = (
        StrikeImpact.objects.filter(outcome=Outcome.POSTPONED)
        .select_related("strike")
        .only("appointment_id", "slot_starts_at", "strike__public_id", "strike__title")
        # The latest strike first: a booking moved into a later strike and postponed
        # again is waiting because of that one.
        .order_by("-slot_starts_at", "-pk")
    )
    return (
        Appointment.objects.for_user(user)
        .select_related("patient", "trust", "site", "service")
        .only(
            "reference",
            "external_id",
            "kind",
            "starts_at",
            "priority",
            "status",
            "created_at",
            "updated_at",
            "patient__nhs_number",
            "trust__ods_code",
            "trust__name",
            "site__code",
            "site__name",
            "service__code",
            "service__name",
        )
        .annotate(
            # A cancellation counts as the strike's when the booking was cancelled while
            # postponed by it, not when it had been given a new date since.
            cancelled_while_postponed=Exists(
                AppointmentEvent.objects.filter(
                    appointment=OuterRef("pk"),
                    from_status=Status.POSTPONED,
                    to_status=Status.CANCELLED,
                )
            )
        )
        .prefetch_related(Prefetch("impacts", queryset=postponing, to_attr="postponing_impacts"))
    )


def _instant(value: dt.datetime) -> str:
    return value.astimezone(LONDON).isoformat()


def _coding(system: str, code: str, display: str) -> dict:
    return {"system": system, "code": code, "display": display}


def _cancelation_reason(booking: Appointment) -> dict | None:
    postponed_first = booking.cancelled_while_postponed  # type: ignore[attr-defined]
    if booking.status == Status.CANCELLED and not postponed_first:
        return None
    impacts = getattr(booking, "postponing_impacts", [])
    reason: dict[str, Any] = {"coding": [INDUSTRIAL_ACTION]}
    if not impacts:
        reason["text"] = "Postponed because of strike action."
        return reason
    strike = impacts[0].strike
    reason["extension"] = [
        {
            "url": STRIKE_EXTENSION_URL,
            "valueIdentifier": {"system": STRIKE_ID_SYSTEM, "value": str(strike.public_id)},
        }
    ]
    reason["text"] = (
        f"Postponed because of strike action: {strike.title} (strike {strike.public_id})"
    )
    return reason


def appointment_resource(booking: Appointment) -> dict:
    """One booking from ``appointments_for_fhir`` as an R4 Appointment."""
    duration = NOMINAL_DURATION[booking.kind]
    resource: dict[str, Any] = {
        "resourceType": "Appointment",
        "id": booking.reference,
        "meta": {"lastUpdated": _instant(booking.updated_at)},
        "identifier": [
            {"use": "official", "system": BOOKING_REFERENCE_SYSTEM, "value": booking.reference},
            {
                "use": "secondary",
                "system": f"{PAS_ID_SYSTEM_PREFIX}{booking.trust.ods_code}",
                "value": booking.external_id,
                "assigner": {
                    "identifier": {
                        "system": ODS_ORGANISATION_SYSTEM,
                        "value": booking.trust.ods_code,
                    },
                    "display": booking.trust.name,
                },
            },
        ],
        "status": FHIR_STATUS[booking.status],
    }
    reason = None
    if resource["status"] == "cancelled":
        reason = _cancelation_reason(booking)
    if reason is not None:
        resource["cancelationReason"] = reason
    resource |= {
        "serviceType": [
            {
                "coding": [_coding(SERVICE_SYSTEM, booking.service.code, booking.service.name)],
                "text": booking.service.name,
            }
        ],
        "appointmentType": {
            "coding": [_coding(APPOINTMENT_KIND_SYSTEM, booking.kind, booking.get_kind_display())]
        },
        "priority": FHIR_PRIORITY[booking.priority],
        "start": _instant(booking.starts_at),
        "end": _instant(booking.starts_at + duration),
        "minutesDuration": int(duration.total_seconds() // 60),
        "created": _instant(booking.created_at),
        "participant": [
            {
                "actor": {
                    "type": "Patient",
                    "identifier": {
                        "system": NHS_NUMBER_SYSTEM,
                        "value": booking.patient.nhs_number,
                    },
                },
                "status": "accepted",
            },
            {
                "actor": {
                    "type": "Location",
                    "identifier": {"system": ODS_SITE_SYSTEM, "value": booking.site.code},
                    "display": booking.site.name,
                },
                "status": "accepted",
            },
        ],
    }
    return resource
