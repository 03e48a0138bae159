"""Fixtures for the FHIR tests: the Desk scenario, a client of trust A, and R4B parsing.

Every FHIR body a test reads goes through ``fhir.resources``' R4B models, so a test
fails as soon as the output stops being valid FHIR.
"""

import pytest
from fhir.resources.R4B.appointment import Appointment as FHIRAppointment
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.operationoutcome import OperationOutcome

from appointments.models import Status
from appointments.services import appointment_move_status
from tests.api import client_for
from tests.strikes.desk import Desk

MODELS = {
    "Appointment": FHIRAppointment,
    "Bundle": Bundle,
    "CapabilityStatement": CapabilityStatement,
    "OperationOutcome": OperationOutcome,
}


APPOINTMENT_STATUSES = {
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
}


def _no_empty_values(value, path: str = "$") -> None:
    # FHIR's JSON has no nulls, empty strings, arrays or objects; the models let them by.
    assert value not in (None, "", [], {}), f"empty value at {path}"
    if isinstance(value, dict):
        for key, inner in value.items():
            _no_empty_values(inner, f"{path}.{key}")
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            _no_empty_values(inner, f"{path}[{index}]")


def _appointment_rules(resource: dict) -> None:
    """What R4 requires of an Appointment beyond the models' types: the status and
    participant codes, and invariants app-2, app-3 and app-4."""
    assert resource["status"] in APPOINTMENT_STATUSES
    assert ("start" in resource) == ("end" in resource)  # app-2
    if resource["status"] not in ("proposed", "cancelled", "waitlist"):
        assert "start" in resource  # app-3
    if "cancelationReason" in resource:
        assert resource["status"] in ("cancelled", "noshow")  # app-4
    for participant in resource["participant"]:
        assert participant["status"] in {"accepted", "declined", "tentative", "needs-action"}


def fhir_body(response, resource_type: str, status_code: int = 200) -> dict:
    """The response's JSON, checked to be a valid R4B resource of ``resource_type``."""
    assert response.status_code == status_code, response.content
    assert response["Content-Type"] == "application/fhir+json; charset=utf-8"
    body = response.json()
    assert body["resourceType"] == resource_type, body
    MODELS[resource_type].model_validate(body)
    _no_empty_values(body)
    resources = [entry["resource"] for entry in body.get("entry", [])] or [body]
    for resource in resources:
        if resource["resourceType"] == "Appointment":
            _appointment_rules(resource)
    return body


def outcome(response, status_code: int, code: str) -> list[dict]:
    """The issues of an OperationOutcome error response, all errors of ``code``."""
    issues = fhir_body(response, "OperationOutcome", status_code)["issue"]
    assert issues
    assert all(i["severity"] == "error" for i in issues), issues
    assert all(i["code"] == code for i in issues), issues
    return issues


@pytest.fixture
def desk(db) -> Desk:
    return Desk()


@pytest.fixture
def api(desk):
    """Trust A's operations user, by token."""
    return client_for(desk.ops)


def move(booking, to_status: str):
    return appointment_move_status(appointment=booking, to_status=to_status, actor=None)


def postponed(desk: Desk, *bookings):
    """Assess the strike and postpone ``bookings`` by reference."""
    desk.assess()
    desk.decide("postponed", references=tuple(b.reference for b in bookings))
    for booking in bookings:
        booking.refresh_from_db()
        assert booking.status == Status.POSTPONED
    return bookings
