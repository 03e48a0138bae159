"""GET /fhir/r4/Appointment/{reference}: one booking as an R4 Appointment."""

import datetime as dt

import pytest

from appointments.models import Status
from appointments.services import appointment_reschedule
from strikes.services.assessment import strike_assess
from strikes.services.decisions import Selection, impacts_decide
from tests.api import client_for
from tests.factories import (
    MembershipFactory,
    ParticipationFactory,
    PatientFactory,
    StrikeFactory,
    UserFactory,
)
from tests.strikes.desk import AFTER, LATE_SLOT, STARTS_AT
from trusts.models import Membership

from .conftest import fhir_body, move, outcome, postponed

pytestmark = pytest.mark.django_db

INDUSTRIAL_ACTION = {
    "system": "https://strikedesk.nhs.example/CodeSystem/cancellation-reason",
    "code": "industrial-action",
    "display": "Industrial action",
}
STRIKE_EXTENSION = "https://strikedesk.nhs.example/StructureDefinition/cancelation-strike"


def read(api, booking) -> dict:
    return fhir_body(api.get(f"/fhir/r4/Appointment/{booking.reference}"), "Appointment")


def strike_named(reason: dict) -> str:
    (extension,) = reason["extension"]
    assert extension["url"] == STRIKE_EXTENSION
    assert extension["valueIdentifier"]["system"] == "https://strikedesk.nhs.example/Id/strike"
    return extension["valueIdentifier"]["value"]


def test_a_booked_appointment_carries_identifiers_participants_service_and_times(desk, api):
    booking = desk.book(external_id="PAS-77", kind="outpatient", priority="routine")
    body = read(api, booking)

    assert body["id"] == booking.reference
    assert body["status"] == "booked"
    assert "cancelationReason" not in body
    assert body["identifier"][0] == {
        "use": "official",
        "system": "https://strikedesk.nhs.example/Id/booking-reference",
        "value": booking.reference,
    }
    pas = body["identifier"][1]
    assert pas["system"] == f"https://strikedesk.nhs.example/Id/pas/{desk.trust.ods_code}"
    assert pas["value"] == "PAS-77"
    assert pas["assigner"]["identifier"] == {
        "system": "https://fhir.nhs.uk/Id/ods-organization-code",
        "value": desk.trust.ods_code,
    }
    # 09:00 in London on the second strike day, in BST.
    assert body["start"] == LATE_SLOT.isoformat() == f"{LATE_SLOT:%Y-%m-%d}T09:00:00+01:00"
    assert body["end"] == (LATE_SLOT + dt.timedelta(minutes=30)).isoformat()
    assert body["minutesDuration"] == 30
    assert body["priority"] == 5
    assert body["serviceType"][0]["coding"] == [
        {
            "system": "https://strikedesk.nhs.example/CodeSystem/service",
            "code": "clinic",
            "display": desk.clinic.name,
        }
    ]
    assert body["appointmentType"]["coding"][0]["code"] == "outpatient"
    patient, location = body["participant"]
    assert patient == {
        "actor": {
            "type": "Patient",
            "identifier": {
                "system": "https://fhir.nhs.uk/Id/nhs-number",
                "value": booking.patient.nhs_number,
            },
        },
        "status": "accepted",
    }
    assert location["actor"]["identifier"] == {
        "system": "https://fhir.nhs.uk/Id/ods-site-code",
        "value": desk.site.code,
    }
    assert location["actor"]["display"] == desk.site.name
    assert location["status"] == "accepted"
    booking.refresh_from_db()
    assert dt.datetime.fromisoformat(body["meta"]["lastUpdated"]) == booking.updated_at
    assert dt.datetime.fromisoformat(body["created"]) == booking.created_at


@pytest.mark.parametrize(
    ("kind", "priority", "minutes", "number"),
    [
        ("day_case", "urgent", 240, 1),
        ("inpatient", "cancer", 1440, 2),
        ("outpatient", "soon", 30, 3),
    ],
)
def test_kind_sets_the_nominal_end_and_priority_maps_to_a_number(
    desk, api, kind, priority, minutes, number
):
    body = read(api, desk.book(kind=kind, priority=priority))
    assert body["appointmentType"]["coding"][0]["code"] == kind
    assert body["minutesDuration"] == minutes
    start, end = (dt.datetime.fromisoformat(body[k]) for k in ("start", "end"))
    assert end - start == dt.timedelta(minutes=minutes)
    assert body["priority"] == number


def test_a_postponed_booking_is_cancelled_for_industrial_action_naming_the_strike(desk, api):
    (booking,) = postponed(desk, desk.book())
    body = read(api, booking)
    assert body["status"] == "cancelled"
    reason = body["cancelationReason"]
    assert reason["coding"] == [INDUSTRIAL_ACTION]
    assert strike_named(reason) == str(desk.strike.public_id)
    assert desk.strike.title in reason["text"]
    assert str(desk.strike.public_id) in reason["text"]
    assert body["start"] == LATE_SLOT.isoformat()  # the slot the strike took


def test_a_rescheduled_booking_is_booked_at_its_new_date(desk, api):
    (booking,) = postponed(desk, desk.book())
    new_date = AFTER + dt.timedelta(days=10)
    appointment_reschedule(appointment=booking, starts_at=new_date, actor=None, at=AFTER)
    body = read(api, booking)
    assert body["status"] == "booked"
    assert "cancelationReason" not in body
    assert body["start"] == new_date.isoformat()


def test_a_booking_cancelled_while_postponed_keeps_the_strike_as_its_reason(desk, api):
    (booking,) = postponed(desk, desk.book())
    move(booking, Status.CANCELLED)
    body = read(api, booking)
    assert body["status"] == "cancelled"
    assert body["cancelationReason"]["coding"] == [INDUSTRIAL_ACTION]
    assert strike_named(body["cancelationReason"]) == str(desk.strike.public_id)


def test_a_cancellation_that_is_not_the_strikes_has_no_reason(desk, api):
    plain = move(desk.book(), Status.CANCELLED)
    (moved_then_cancelled,) = postponed(desk, desk.book())
    appointment_reschedule(
        appointment=moved_then_cancelled,
        starts_at=AFTER + dt.timedelta(days=3),
        actor=None,
        at=AFTER,
    )
    move(moved_then_cancelled, Status.CANCELLED)
    for booking in (plain, moved_then_cancelled):
        body = read(api, booking)
        assert body["status"] == "cancelled"
        assert "cancelationReason" not in body


@pytest.mark.parametrize(
    ("status", "fhir"), [("attended", "fulfilled"), ("did_not_attend", "noshow")]
)
def test_attended_is_fulfilled_and_did_not_attend_is_noshow(desk, api, status, fhir):
    body = read(api, move(desk.book(), status))
    assert body["status"] == fhir
    assert "cancelationReason" not in body


def test_the_reason_names_the_latest_strike_that_postponed_the_booking(desk, api):
    (booking,) = postponed(desk, desk.book())
    second = StrikeFactory(
        title="August walkout",
        starts_at=STARTS_AT + dt.timedelta(days=30),
        ends_at=STARTS_AT + dt.timedelta(days=32),
    )
    second.staff_groups.add(desk.nurses)
    ParticipationFactory(strike=second, trust=desk.trust)
    # Rebooked into the second walkout, which postpones it again.
    appointment_reschedule(
        appointment=booking,
        starts_at=second.starts_at + dt.timedelta(hours=2),
        actor=None,
        at=AFTER,
    )
    strike_assess(strike=second)
    impacts_decide(
        strike=second,
        outcome="postponed",
        selection=Selection(references=(booking.reference,)),
        actor=desk.ops,
        now=AFTER,
    )
    reason = read(api, booking)["cancelationReason"]
    assert strike_named(reason) == str(second.public_id)
    assert "August walkout" in reason["text"]


def test_the_reference_is_read_as_people_type_it(desk, api):
    booking = desk.book()
    typed = "-".join(booking.reference[i : i + 4] for i in range(0, 12, 4)).lower()
    body = fhir_body(api.get(f"/fhir/r4/Appointment/{typed}"), "Appointment")
    assert body["id"] == booking.reference


def test_unknown_malformed_and_another_trusts_references_are_not_found(desk, api):
    booking = desk.book()
    elsewhere = desk.book(site=desk.other_site)
    wrong_check = booking.reference[:-1] + ("0" if booking.reference[-1] != "0" else "1")
    for reference in (elsewhere.reference, wrong_check, "nonsense", "A" * 40):
        response = api.get(f"/fhir/r4/Appointment/{reference}")
        assert len(outcome(response, 404, "not-found")) == 1
        assert elsewhere.patient.nhs_number not in response.content.decode()


def test_a_viewer_reads_and_a_national_user_reads_any_trust(desk):
    elsewhere = desk.book(site=desk.other_site)
    viewer = MembershipFactory(trust=desk.other_trust, role=Membership.Role.VIEWER).user
    national = UserFactory(is_superuser=True)
    for user in (viewer, national):
        assert read(client_for(user), elsewhere)["id"] == elsewhere.reference


def test_no_personal_data_but_the_nhs_number(desk, api):
    patient = PatientFactory(
        given_name="Zebedee",
        family_name="Quixotic",
        date_of_birth=dt.date(1961, 2, 3),
        postcode="ZZ9 9ZZ",
        phone="07700900123",
        email="zebedee@example.org",
        address=["17 Marmalade Row", "Wymondham"],
    )
    booking = desk.book(patient=patient)
    (cancelled,) = postponed(desk, desk.book(patient=patient))
    for response in (
        api.get(f"/fhir/r4/Appointment/{booking.reference}"),
        api.get(f"/fhir/r4/Appointment/{cancelled.reference}"),
        api.get("/fhir/r4/Appointment"),
    ):
        text = response.content.decode()
        assert patient.nhs_number in text
        for personal in (
            "Zebedee",
            "Quixotic",
            "1961-02-03",
            "ZZ9 9ZZ",
            "07700900123",
            "zebedee@",
            "Marmalade",
            "Wymondham",
        ):
            assert personal not in text, personal
