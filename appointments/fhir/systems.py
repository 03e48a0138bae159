"""The URIs and code tables the FHIR output is built from: part of the published contract.

Our own naming systems and code systems live under ``https://strikedesk.nhs.example/``,
a domain the project controls, so they never clash with NHS England's or HL7's. The NHS
ones (NHS number, ODS codes) are NHS England's published URIs.
"""

import datetime as dt
from zoneinfo import ZoneInfo

from ..models import Kind, Priority, Status

LONDON = ZoneInfo("Europe/London")
FHIR_VERSION = "4.0.1"
FHIR_MEDIA_TYPE = "application/fhir+json"

BASE = "https://strikedesk.nhs.example"

# Identifiers.
BOOKING_REFERENCE_SYSTEM = f"{BASE}/Id/booking-reference"
# A PAS id is unique only within its trust, so each trust has its own system:
# ``https://strikedesk.nhs.example/Id/pas/RM1``.
PAS_ID_SYSTEM_PREFIX = f"{BASE}/Id/pas/"
STRIKE_ID_SYSTEM = f"{BASE}/Id/strike"
NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
ODS_ORGANISATION_SYSTEM = "https://fhir.nhs.uk/Id/ods-organization-code"
ODS_SITE_SYSTEM = "https://fhir.nhs.uk/Id/ods-site-code"

# Local code systems.
SERVICE_SYSTEM = f"{BASE}/CodeSystem/service"
APPOINTMENT_KIND_SYSTEM = f"{BASE}/CodeSystem/appointment-kind"
CANCELLATION_REASON_SYSTEM = f"{BASE}/CodeSystem/cancellation-reason"
INDUSTRIAL_ACTION = {
    "system": CANCELLATION_REASON_SYSTEM,
    "code": "industrial-action",
    "display": "Industrial action",
}
# On ``Appointment.cancelationReason``: which strike (its public id) the booking was
# postponed by, as a ``valueIdentifier`` in STRIKE_ID_SYSTEM.
STRIKE_EXTENSION_URL = f"{BASE}/StructureDefinition/cancelation-strike"

FHIR_STATUS: dict[str, str] = {
    Status.BOOKED: "booked",
    Status.RESCHEDULED: "booked",
    Status.POSTPONED: "cancelled",
    Status.CANCELLED: "cancelled",
    Status.ATTENDED: "fulfilled",
    Status.DID_NOT_ATTEND: "noshow",
}
# Every R4 AppointmentStatus code: a search for one we never produce matches nothing
# rather than being refused.
FHIR_STATUS_CODES = (
    "proposed",
    "pending",
    "booked",
    "arrived",
    "fulfilled",
    "cancelled",
    "noshow",
    "entered-in-error",
    "checked-in",
    "waitlist",
)

# R4's Appointment.priority is an unsignedInt, lower sooner, on iCal's scale (0 undefined,
# 1 highest, 5 normal, 9 lowest): urgent and suspected cancer above soon, routine normal.
FHIR_PRIORITY: dict[str, int] = {
    Priority.URGENT: 1,
    Priority.CANCER: 2,
    Priority.SOON: 3,
    Priority.ROUTINE: 5,
}

# R4 requires an end for booked, fulfilled and no-show appointments (invariant app-3),
# and the PAS feed gives only a start. ``end`` is start plus this nominal length, also
# given as ``minutesDuration``: an outpatient slot, a half-day list, a day's admission.
NOMINAL_DURATION: dict[str, dt.timedelta] = {
    Kind.OUTPATIENT: dt.timedelta(minutes=30),
    Kind.DAY_CASE: dt.timedelta(hours=4),
    Kind.INPATIENT: dt.timedelta(hours=24),
}
