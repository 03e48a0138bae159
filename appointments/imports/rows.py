"""Checking one imported row on its own: shape, values, and the catalogue it names.

Cheap and database-free per row: the trusts, sites and services are loaded once per
import into dicts (``Catalogue``), so a million rows cost a million dict lookups, not
a million queries. What needs other rows or stored bookings (duplicates, a date of
birth that disagrees with another row, a booking that may not move) is checked per
chunk in ``service.py``.

Error messages name the field and the problem only: never the value (the one exception,
a well-formed trust code, cannot be personal data), so no NHS number, name or date of
birth reaches a response, a log or a terminal.
"""

import datetime as dt
import difflib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator

from appointments.nhs_number import normalise_nhs_number, validate_nhs_number
from config.api.fields import EARLIEST_YEAR, LATEST_YEAR, in_supported_range
from config.api.permissions import UNKNOWN_TRUST
from trusts.models import ODS_TRUST_CODE_PATTERN

from .catalogue import Catalogue
from .fields import (
    BOOKING_FIELDS,
    CHANNELS,
    KINDS,
    MAX_ADDRESS_LINE_LENGTH,
    MAX_ADDRESS_LINES,
    MAX_LENGTH,
    NOT_IMPORTED,
    PATIENT_FIELDS,
    PRIORITIES,
    shown_name,
)

_TRUST_CODE = re.compile(ODS_TRUST_CODE_PATTERN)
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# PostgreSQL refuses NUL in text outright, and no field has a use for a tab or a newline.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_validate_email = EmailValidator()


class RowError(NamedTuple):
    row: int | None
    field: str | None
    message: str
    code: str


@dataclass(slots=True)
class PatientValues:
    nhs_number: str
    date_of_birth: dt.date
    given_name: str
    family_name: str
    postcode: str
    phone: str
    email: str
    address: list[str]
    preferred_channel: str | None  # None: not given, so a stored choice is kept

    def details(self) -> list[Any]:
        """Everything but the NHS number, date of birth and channel, in a fixed order."""
        return [
            self.given_name,
            self.family_name,
            self.postcode,
            self.phone,
            self.email,
            self.address,
        ]


DETAIL_FIELDS = ("given_name", "family_name", "postcode", "phone", "email", "address")


@dataclass(slots=True)
class BookingValues:
    trust_id: int
    external_id: str
    site_id: int
    service_id: int
    kind: str
    starts_at: dt.datetime
    priority: str
    referral_received_on: dt.date | None
    patient: PatientValues


@dataclass(slots=True)
class ParsedRow:
    """One row after its own checks. ``booking`` is set only if the row has no errors;
    the identifying values are kept when they alone are good, so a later row can still be
    told it repeats this one."""

    row: int
    booking: BookingValues | None = None
    errors: list[RowError] = field(default_factory=list)
    trust_id: int | None = None
    external_id: str | None = None
    nhs_number: str | None = None
    date_of_birth: dt.date | None = None

    def fail(self, field_path: str | None, message: str, code: str) -> None:
        self.errors.append(RowError(self.row, field_path, message, code))
        self.booking = None


def parse_row(row: int, raw: Mapping[str, Any], catalogue: Catalogue) -> ParsedRow:
    """Check one row (the nested JSON shape; CSV rows are reshaped to it first)."""
    parsed = ParsedRow(row=row)
    fail = parsed.fail
    _refuse_unknown(raw, BOOKING_FIELDS, "", fail)

    external_id = _text(raw.get("external_id"), "external_id", fail, required=True)
    trust_id = _trust(raw.get("trust"), catalogue, fail)
    site_id = _site(raw.get("site"), trust_id, catalogue, fail)
    service_id = _service(raw.get("service"), catalogue, fail)
    kind = _choice(raw.get("kind"), "kind", KINDS, fail, required=True)
    starts_at = _aware_datetime(raw.get("starts_at"), "starts_at", fail)
    priority = _choice(raw.get("priority"), "priority", PRIORITIES, fail) or "routine"
    referral = _date(raw.get("referral_received_on"), "referral_received_on", fail)
    patient = _patient(raw.get("patient"), parsed, catalogue.today)

    parsed.trust_id = trust_id
    parsed.external_id = external_id
    if parsed.errors:
        return parsed
    parsed.booking = BookingValues(
        trust_id=trust_id,  # type: ignore[arg-type]  # all set when there are no errors
        external_id=external_id,  # type: ignore[arg-type]
        site_id=site_id,  # type: ignore[arg-type]
        service_id=service_id,  # type: ignore[arg-type]
        kind=kind,  # type: ignore[arg-type]
        starts_at=starts_at,  # type: ignore[arg-type]
        priority=priority,
        referral_received_on=referral,
        patient=patient,  # type: ignore[arg-type]
    )
    return parsed


Fail = Callable[[str | None, str, str], None]


def _patient(raw: Any, parsed: ParsedRow, today: dt.date) -> PatientValues | None:
    fail = parsed.fail
    if raw is None or raw == "":
        fail("patient", "This field is required.", "required")
        return None
    if not isinstance(raw, Mapping):
        fail("patient", "Give the patient as an object of patient fields.", "invalid")
        return None
    _refuse_unknown(raw, PATIENT_FIELDS, "patient.", fail)
    before = len(parsed.errors)
    nhs_number = _nhs_number(raw.get("nhs_number"), fail)
    date_of_birth = _date(raw.get("date_of_birth"), "patient.date_of_birth", fail, required=True)
    if date_of_birth is not None and date_of_birth > today:
        fail("patient.date_of_birth", "A date of birth cannot be in the future.", "invalid")
        date_of_birth = None
    parsed.nhs_number = nhs_number
    parsed.date_of_birth = date_of_birth
    given_name = _text(raw.get("given_name"), "patient.given_name", fail, required=True)
    family_name = _text(raw.get("family_name"), "patient.family_name", fail, required=True)
    postcode = _text(raw.get("postcode"), "patient.postcode", fail)
    phone = _text(raw.get("phone"), "patient.phone", fail)
    email = _text(raw.get("email"), "patient.email", fail)
    if email:
        try:
            _validate_email(email)
        except ValidationError:
            fail("patient.email", "Enter a valid email address.", "invalid")
    address = _address(raw.get("address"), fail)
    channel = _choice(raw.get("preferred_channel"), "patient.preferred_channel", CHANNELS, fail)
    if len(parsed.errors) > before:
        return None
    return PatientValues(
        nhs_number=nhs_number,  # type: ignore[arg-type]
        date_of_birth=date_of_birth,  # type: ignore[arg-type]
        given_name=given_name,  # type: ignore[arg-type]
        family_name=family_name,  # type: ignore[arg-type]
        postcode=postcode or "",
        phone=phone or "",
        email=email or "",
        address=address or [],
        preferred_channel=channel,
    )


def _refuse_unknown(
    raw: Mapping[str, Any], known: tuple[str, ...], prefix: str, fail: Fail
) -> None:
    for key in raw:
        if key in known:
            continue
        if key in NOT_IMPORTED and not prefix:
            fail(key, NOT_IMPORTED[key], "not_imported")
            continue
        name = shown_name(str(key))
        if name is None:
            fail(
                prefix.rstrip(".") or None,
                "An unknown field, its name not repeated here: field names are lower case "
                "letters, digits and _, e.g. starts_at.",
                "unknown_field",
            )
            continue
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.7)
        hint = f": did you mean '{prefix}{close[0]}'?" if close else "."
        fail(f"{prefix}{name}", f"Unknown field '{prefix}{name}'{hint}", "unknown_field")


def _given(value: Any) -> bool:
    return value is not None and value != ""


def _text(value: Any, path: str, fail: Fail, *, required: bool = False) -> str | None:
    if not _given(value):
        if required:
            fail(path, "This field is required.", "required")
        return None
    if not isinstance(value, str):
        fail(path, "Give this as text (a JSON string).", "invalid")
        return None
    text = value.strip()
    if not text:
        if required:
            fail(path, "This field is required.", "required")
        return None
    limit = MAX_LENGTH.get(path.removeprefix("patient."))
    if limit is not None and len(text) > limit:
        fail(path, f"At most {limit} characters.", "max_length")
        return None
    if _CONTROL.search(text):
        fail(path, "No control characters (tabs, line breaks) in this field.", "invalid")
        return None
    return text


def _code(value: Any, path: str, fail: Fail) -> str | None:
    text = _text(value, path, fail, required=True)
    return None if text is None else text.upper()


def _trust(value: Any, catalogue: Catalogue, fail: Fail) -> int | None:
    code = _code(value, "trust", fail)
    if code is None:
        return None
    if not _TRUST_CODE.fullmatch(code):
        fail("trust", "Not an ODS trust code: 3 characters, e.g. RM1.", "invalid")
        return None
    trust_id = catalogue.trusts.get(code)
    visible = catalogue.visible
    if trust_id is None or (visible is not None and trust_id not in visible):
        # The same words whether it does not exist or is not the importer's.
        fail("trust", UNKNOWN_TRUST.format(value=code), "unknown_trust")
        return None
    if catalogue.acting is not None and trust_id not in catalogue.acting:
        fail(
            "trust",
            f"You can see {code} but your role there does not let you import bookings.",
            "permission_denied",
        )
        return None
    return trust_id


def _site(value: Any, trust_id: int | None, catalogue: Catalogue, fail: Fail) -> int | None:
    code = _code(value, "site", fail)
    if code is None or trust_id is None:
        # Without a trust of the importer's there is nothing to check the site against,
        # and saying whether it exists elsewhere would tell them about another trust.
        return None
    site = catalogue.sites.get(code)
    if site is None or site[1] != trust_id:
        # Another trust's site reads like a missing one: it is not the importer's to name.
        fail("site", "No such site at this trust.", "unknown_site")
        return None
    return site[0]


def _service(value: Any, catalogue: Catalogue, fail: Fail) -> int | None:
    code = _text(value, "service", fail, required=True)
    if code is None:
        return None
    found = catalogue.services.get(code)
    if found is None:
        fail(
            "service", "No such service: the codes are at GET /api/v1/services/.", "unknown_service"
        )
    return found


def _choice(
    value: Any, path: str, choices: tuple[str, ...], fail: Fail, *, required: bool = False
) -> str | None:
    text = _text(value, path, fail, required=required)
    if text is None:
        return None
    if text not in choices:
        fail(path, f"Must be one of: {', '.join(choices)}.", "invalid_choice")
        return None
    return text


def _date(value: Any, path: str, fail: Fail, *, required: bool = False) -> dt.date | None:
    text = _text(value, path, fail, required=required)
    if text is None:
        return None
    if _ISO_DATE.fullmatch(text):
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
    fail(path, "Give a date as YYYY-MM-DD, e.g. 2026-01-05.", "invalid")
    return None


def _aware_datetime(value: Any, path: str, fail: Fail) -> dt.datetime | None:
    text = _text(value, path, fail, required=True)
    if text is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        fail(path, "Give an ISO 8601 date and time, e.g. 2031-07-08T09:30:00+01:00.", "invalid")
        return None
    if moment.tzinfo is None or moment.utcoffset() is None:
        # Around a clock change one wall time happens twice or not at all: no guessing.
        fail(path, "Give the time with its UTC offset, e.g. 2031-07-08T09:30:00+01:00.", "naive")
        return None
    if not in_supported_range(moment):
        # A PAS placeholder such as 1900-01-01 or 9999-12-31 is not a booking; refused
        # like every other endpoint refuses it, so no list or FHIR page meets it later.
        fail(path, f"A time from {EARLIEST_YEAR} to {LATEST_YEAR}.", "out_of_range")
        return None
    try:
        return moment.astimezone(dt.UTC)
    except OverflowError:  # e.g. 9999-12-31T23:00:00-05:00 is in the year 10000 in UTC
        fail(path, "This date and time is out of range.", "invalid")
        return None


def _nhs_number(value: Any, fail: Fail) -> str | None:
    path = "patient.nhs_number"
    text = _text(value, path, fail, required=True)
    if text is None:
        return None
    number = normalise_nhs_number(text)
    try:
        validate_nhs_number(number)
    except ValidationError as error:
        fail(path, error.messages[0], error.code or "invalid")
        return None
    return number


def _address(value: Any, fail: Fail) -> list[str] | None:
    path = "patient.address"
    if not _given(value):
        return None
    if not isinstance(value, list) or not all(isinstance(line, str) for line in value):
        fail(path, "Give the address as a list of lines (JSON strings).", "invalid")
        return None
    lines = [line.strip() for line in value if line.strip()]
    if len(lines) > MAX_ADDRESS_LINES:
        fail(path, f"At most {MAX_ADDRESS_LINES} address lines.", "max_length")
        return None
    if any(len(line) > MAX_ADDRESS_LINE_LENGTH for line in lines):
        fail(path, f"At most {MAX_ADDRESS_LINE_LENGTH} characters a line.", "max_length")
        return None
    if any(_CONTROL.search(line) for line in lines):
        fail(path, "No control characters (tabs, line breaks) in address lines.", "invalid")
        return None
    return lines
