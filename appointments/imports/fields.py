"""The fields of one imported booking, in JSON (nested) and CSV (flat) form.

This is the contract a trust's PAS writes to, so the names here are part of the API.
The API's OpenAPI row serializer and the CSV header check both read these tables.
"""

import re

from appointments.models import Channel, Kind, Priority

BOOKING_FIELDS = (
    "external_id",
    "trust",
    "site",
    "service",
    "kind",
    "starts_at",
    "priority",
    "referral_received_on",
    "patient",
)
PATIENT_FIELDS = (
    "nhs_number",
    "given_name",
    "family_name",
    "date_of_birth",
    "postcode",
    "phone",
    "email",
    "address",
    "preferred_channel",
)
REQUIRED_BOOKING_FIELDS = frozenset(
    {"external_id", "trust", "site", "service", "kind", "starts_at", "patient"}
)
REQUIRED_PATIENT_FIELDS = frozenset({"nhs_number", "given_name", "family_name", "date_of_birth"})

# Sent by integrators who read a booking back and post it again: named, not just unknown.
NOT_IMPORTED = {
    "reference": "StrikeDesk gives each new booking its reference; leave 'reference' out.",
    "status": "A booking's status changes through strike decisions and rescheduling, not "
    "import; leave 'status' out.",
}

MAX_LENGTH = {
    "external_id": 64,
    "given_name": 100,
    "family_name": 100,
    "postcode": 8,
    "phone": 20,
    "email": 254,
}
MAX_ADDRESS_LINES = 10
MAX_ADDRESS_LINE_LENGTH = 200

KINDS = tuple(Kind.values)
PRIORITIES = tuple(Priority.values)
CHANNELS = tuple(Channel.values)

# CSV: one column per field, patient fields prefixed, address lines joined by "|".
CSV_PATIENT_PREFIX = "patient_"
ADDRESS_SEPARATOR = "|"
CSV_COLUMNS = tuple(name for name in BOOKING_FIELDS if name != "patient") + tuple(
    CSV_PATIENT_PREFIX + name for name in PATIENT_FIELDS
)
REQUIRED_CSV_COLUMNS = frozenset(
    {name for name in REQUIRED_BOOKING_FIELDS if name != "patient"}
    | {CSV_PATIENT_PREFIX + name for name in REQUIRED_PATIENT_FIELDS}
)


def csv_column(path: str) -> str:
    """The CSV column for a dotted field path: ``patient.nhs_number`` -> ``patient_nhs_number``."""
    return path.replace("patient.", CSV_PATIENT_PREFIX, 1)


_FIELD_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")


def shown_name(name: str) -> str | None:
    """``name`` if it looks like a field name, else None. Errors repeat the names of
    unknown fields and columns, but a file without its header row, or with its columns
    shifted, has a name or an NHS number where a field name should be: never repeat it."""
    return name if _FIELD_NAME.fullmatch(name) else None
