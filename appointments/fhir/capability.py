"""The CapabilityStatement served at ``/fhir/r4/metadata``: what this FHIR endpoint offers."""

from .search import DEFAULT_COUNT, MAX_COUNT
from .systems import (
    BOOKING_REFERENCE_SYSTEM,
    CANCELLATION_REASON_SYSTEM,
    FHIR_MEDIA_TYPE,
    FHIR_PRIORITY,
    FHIR_VERSION,
    PAS_ID_SYSTEM_PREFIX,
    STRIKE_EXTENSION_URL,
)

# When this statement last changed; bump it with the statement.
PUBLISHED = "2026-01-01"

SEARCH_PARAMETERS = [
    {
        "name": "identifier",
        "type": "token",
        "documentation": (
            f"system|value or a bare value. Systems: {BOOKING_REFERENCE_SYSTEM} (the booking "
            "reference, read as the patient may type it: any case, hyphens, O for 0) and "
            f"{PAS_ID_SYSTEM_PREFIX}<trust ODS code> (the trust's PAS id). A bare value "
            "matches either."
        ),
    },
    {
        "name": "date",
        "type": "date",
        "documentation": (
            "The appointment's start, with prefix eq (default), ne, gt, ge, lt or le; "
            "repeat to AND. A date alone (2026-07-08, 2026-07, 2026) is that period in "
            "Europe/London; a dateTime must carry an offset (Z or +01:00)."
        ),
    },
    {
        "name": "status",
        "type": "token",
        "documentation": (
            "booked (booked or rescheduled), cancelled (postponed by a strike or "
            "cancelled), fulfilled, noshow; comma-separated for any of several."
        ),
    },
]

RESOURCE_DOCUMENTATION = (
    f"Bookings of the user's trusts, ordered by start. _count: {DEFAULT_COUNT} by default, "
    f"at most {MAX_COUNT}. Pages follow Bundle.link next, which carries an opaque _cursor. "
    "Unknown parameters are ignored unless Prefer: handling=strict. A booking postponed "
    f"by a strike has cancelationReason coded industrial-action in {CANCELLATION_REASON_SYSTEM}"
    f", with the strike's id in the extension {STRIKE_EXTENSION_URL}. priority: "
    + ", ".join(f"{name} {number}" for name, number in FHIR_PRIORITY.items())
    + "."
)


def capability_statement(base_url: str) -> dict:
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": PUBLISHED,
        "publisher": "StrikeDesk",
        "kind": "instance",
        "software": {"name": "StrikeDesk"},
        "implementation": {
            "description": "StrikeDesk: NHS bookings affected by industrial action",
            "url": base_url,
        },
        "fhirVersion": FHIR_VERSION,
        "format": [FHIR_MEDIA_TYPE, "json"],
        "rest": [
            {
                "mode": "server",
                "security": {
                    "description": (
                        "Authorization: Token <key>, or a signed-in StrikeDesk session. "
                        "Users see only their trusts' bookings."
                    )
                },
                "resource": [
                    {
                        "type": "Appointment",
                        "documentation": RESOURCE_DOCUMENTATION,
                        "interaction": [{"code": "read"}, {"code": "search-type"}],
                        "readHistory": False,
                        "updateCreate": False,
                        "searchParam": SEARCH_PARAMETERS,
                    }
                ],
            }
        ],
    }
