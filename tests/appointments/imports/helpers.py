"""Rows to import, in JSON and CSV form, and what the database holds afterwards."""

import csv
import io
import json
from dataclasses import dataclass
from typing import Any

from appointments.imports.fields import ADDRESS_SEPARATOR, CSV_COLUMNS, CSV_PATIENT_PREFIX
from appointments.models import Appointment, AppointmentEvent, Patient
from appointments.nhs_number import nhs_check_digit
from trusts.models import Service, Site, Trust

URL = "/api/v1/appointments/import/"


@dataclass
class Place:
    # Any: factory-boy's factories are typed as returning themselves, not the model.
    trust: Trust | Any
    site: Site | Any
    service: Service | Any


def nhs_number(n: int) -> str:
    """The n-th of a run of valid NHS numbers (each from its own ten stems, so unique)."""
    stem = 600_000_000 + 10 * n
    while nhs_check_digit(str(stem)) is None:
        stem += 1
    return f"{stem}{nhs_check_digit(str(stem))}"


def row(place: Place, n: int, *, patient: int | None = None, **changes: Any) -> dict:
    """A valid booking row; ``patient`` picks whose (default: a patient of its own)."""
    who = n if patient is None else patient
    booking: dict[str, Any] = {
        "external_id": f"PAS-{n:06d}",
        "trust": place.trust.ods_code,
        "site": place.site.code,
        "service": place.service.code,
        "kind": "outpatient",
        "starts_at": f"2031-07-08T{9 + n % 8:02d}:{n % 60:02d}:00+01:00",
        "priority": "routine",
        "referral_received_on": "2031-01-05",
        "patient": {
            "nhs_number": nhs_number(who),
            "given_name": "Alex",
            "family_name": f"Example{who}",
            "date_of_birth": "1970-05-17",
            "postcode": "NR4 7UY",
            "phone": "07700 900123",
            "email": f"alex{who}@example.org",
            "address": ["1 Example Road", "Norwich"],
            "preferred_channel": "sms",
        },
    }
    patient_changes = changes.pop("patient_changes", {})
    booking.update(changes)
    booking["patient"].update(patient_changes)
    return booking


def as_csv(rows: list[dict], *, columns: tuple[str, ...] = CSV_COLUMNS, bom: bool = False) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for booking in rows:
        cells = []
        for column in columns:
            if column.startswith(CSV_PATIENT_PREFIX):
                value = booking["patient"].get(column.removeprefix(CSV_PATIENT_PREFIX), "")
            else:
                value = booking.get(column, "")
            if isinstance(value, list):
                value = ADDRESS_SEPARATOR.join(value)
            cells.append("" if value is None else value)
        writer.writerow(cells)
    return ("\ufeff" if bom else "").encode() + out.getvalue().encode()


def as_jsonl(rows: list[dict]) -> bytes:
    return "".join(json.dumps(booking) + "\n" for booking in rows).encode()


def post_json(client: Any, body: Any) -> Any:
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(URL, data=data, content_type="application/json")


def post_csv(client: Any, body: bytes | str) -> Any:
    return client.post(URL, data=body, content_type="text/csv")


def stored() -> tuple[int, int, int]:
    """How many bookings, patients and history events there are."""
    return (
        Appointment.objects.count(),
        Patient.objects.count(),
        AppointmentEvent.objects.count(),
    )


def errors_by_row(response: Any) -> list[tuple[int | None, str | None, str]]:
    body = response.json()
    assert set(body) == {"errors"}, body
    return [(item.get("row"), item["field"], item["code"]) for item in body["errors"]]
