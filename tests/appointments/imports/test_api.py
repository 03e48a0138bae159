"""POST /api/v1/appointments/import/: JSON and CSV, all or nothing, upsert, idempotent."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from appointments.models import Appointment, AppointmentEvent, EventAction, Patient, Status
from appointments.references import is_well_formed_booking_reference
from tests.api import client_for
from tests.factories import MembershipFactory, PatientFactory, UserFactory
from trusts.models import Membership

from .helpers import (
    as_csv,
    errors_by_row,
    nhs_number,
    post_csv,
    post_json,
    row,
    stored,
)

pytestmark = pytest.mark.django_db


def test_json_rows_are_created_booked_with_references_and_readable(client, place, operator):
    rows = [row(place, 1), row(place, 2), row(place, 3, patient=1)]

    response = post_json(client, rows)

    assert response.status_code == 200, response.json()
    assert response.json() == {"created": 3, "updated": 0, "unchanged": 0}
    bookings = {b.external_id: b for b in Appointment.objects.select_related("patient")}
    assert set(bookings) == {"PAS-000001", "PAS-000002", "PAS-000003"}
    first = bookings["PAS-000001"]
    assert first.status == Status.BOOKED
    assert is_well_formed_booking_reference(first.reference)
    assert (first.trust, first.site, first.service) == (place.trust, place.site, place.service)
    assert first.starts_at == dt.datetime(2031, 7, 8, 9, 1, tzinfo=dt.UTC)  # 10:01 BST
    assert first.referral_received_on == dt.date(2031, 1, 5)
    # Two patients: the third booking is the first patient's.
    assert Patient.objects.count() == 2
    assert bookings["PAS-000003"].patient == first.patient
    patient = first.patient
    assert (patient.nhs_number, patient.date_of_birth) == (nhs_number(1), dt.date(1970, 5, 17))
    assert patient.address == ["1 Example Road", "Norwich"]
    assert patient.preferred_channel == "sms"
    # History: each new booking was imported as booked, by the importer, in one batch.
    events = AppointmentEvent.objects.all()
    assert [(e.action, e.from_status, e.to_status, e.actor) for e in events] == [
        (EventAction.IMPORTED, "", Status.BOOKED, operator)
    ] * 3
    assert len({e.batch_id for e in events}) == 1


def test_csv_with_a_byte_order_mark_imports_the_same_bookings(client, place):
    rows = [row(place, 1), row(place, 2, priority="", referral_received_on="")]
    rows[1]["patient"]["address"] = ["Flat 2", "3 High Street", "Norwich"]

    response = post_csv(client, as_csv(rows, bom=True))

    assert response.status_code == 200, response.json()
    assert response.json() == {"created": 2, "updated": 0, "unchanged": 0}
    second = Appointment.objects.get(external_id="PAS-000002")
    assert second.priority == "routine"  # left out: routine
    assert second.referral_received_on is None
    assert second.patient.address == ["Flat 2", "3 High Street", "Norwich"]


def test_csv_needs_only_the_required_columns(client, place):
    columns = (
        "external_id",
        "trust",
        "site",
        "service",
        "kind",
        "starts_at",
        "patient_nhs_number",
        "patient_given_name",
        "patient_family_name",
        "patient_date_of_birth",
    )
    response = post_csv(client, as_csv([row(place, 1)], columns=columns))

    assert response.status_code == 200, response.json()
    patient = Patient.objects.get()
    assert (patient.preferred_channel, patient.address, patient.phone) == ("letter", [], "")


def test_posting_the_same_file_again_changes_nothing(client, place):
    rows = [row(place, n) for n in range(1, 6)] + [row(place, 6, patient=1)]
    assert post_json(client, rows).status_code == 200
    before = list(Appointment.objects.values_list("id", "updated_at", "reference"))
    patients_before = list(Patient.objects.values_list("id", "updated_at"))
    counts = stored()

    again = post_json(client, rows)
    as_csv_again = post_csv(client, as_csv(rows))

    assert again.json() == {"created": 0, "updated": 0, "unchanged": 6}
    assert as_csv_again.json() == {"created": 0, "updated": 0, "unchanged": 6}
    assert list(Appointment.objects.values_list("id", "updated_at", "reference")) == before
    assert list(Patient.objects.values_list("id", "updated_at")) == patients_before
    assert stored() == counts  # no new history either


def test_an_update_changes_only_the_rows_that_differ(client, place):
    rows = [row(place, n) for n in range(1, 5)]
    post_json(client, rows)
    stamps = dict(Appointment.objects.values_list("external_id", "updated_at"))
    rows[1]["starts_at"] = "2031-07-09T14:00:00+01:00"  # booking moved
    rows[2]["patient"]["phone"] = "07700 900999"  # patient's phone changed
    rows[3]["kind"] = "day_case"

    response = post_json(client, rows)

    assert response.json() == {"created": 0, "updated": 3, "unchanged": 1}
    after = {b.external_id: b for b in Appointment.objects.select_related("patient")}
    assert after["PAS-000001"].updated_at == stamps["PAS-000001"]
    assert after["PAS-000002"].starts_at == dt.datetime(2031, 7, 9, 13, 0, tzinfo=dt.UTC)
    assert after["PAS-000002"].updated_at > stamps["PAS-000002"]
    assert after["PAS-000003"].patient.phone == "07700 900999"
    assert after["PAS-000004"].kind == "day_case"
    moved = AppointmentEvent.objects.filter(appointment=after["PAS-000002"]).last()
    assert (moved.action, moved.from_status, moved.to_status) == ("imported", "", "")
    assert moved.detail == {
        "changed": ["starts_at"],
        "starts_at_was": "2031-07-08T10:02:00+00:00",
    }


def test_the_same_external_id_at_two_trusts_is_two_bookings(place, elsewhere):
    user = UserFactory()
    for trust in (place.trust, elsewhere.trust):
        MembershipFactory(user=user, trust=trust, role=Membership.Role.ADMIN)
    rows = [row(place, 1), row(elsewhere, 1)]

    response = post_json(client_for(user), rows)

    assert response.json() == {"created": 2, "updated": 0, "unchanged": 0}


def test_a_viewer_is_refused_outright(place):
    viewer = MembershipFactory(trust=place.trust, role=Membership.Role.VIEWER).user

    response = post_json(client_for(viewer), [row(place, 1)])

    assert response.status_code == 403
    assert "operations or admin role" in response.json()["errors"][0]["message"]


def test_a_trust_where_the_importer_only_views_is_a_row_error(client, operator, place, elsewhere):
    MembershipFactory(user=operator, trust=elsewhere.trust, role=Membership.Role.VIEWER)

    response = post_json(client, [row(place, 1), row(elsewhere, 2)])

    assert errors_by_row(response) == [(2, "trust", "permission_denied")]
    assert stored() == (0, 0, 0)


def test_a_national_user_imports_for_any_trust(place, elsewhere):
    national = UserFactory(is_superuser=True)

    response = post_json(client_for(national), [row(place, 1), row(elsewhere, 2)])

    assert response.json() == {"created": 2, "updated": 0, "unchanged": 0}


def test_a_postponed_booking_keeps_its_time_but_takes_other_changes(client, place):
    rows = [row(place, 1), row(place, 2)]
    post_json(client, rows)
    Appointment.objects.filter(external_id__in=["PAS-000001", "PAS-000002"]).update(
        status=Status.POSTPONED
    )
    postponed = Appointment.objects.get(external_id="PAS-000001")
    rows[0]["starts_at"] = "2031-08-01T10:00:00+01:00"
    rows[1]["priority"] = "urgent"

    refused = post_json(client, rows)

    assert errors_by_row(refused) == [(1, "starts_at", "not_booked")]
    message = refused.json()["errors"][0]["message"]
    assert f"/api/v1/appointments/{postponed.reference}/reschedule/" in message
    rows[0]["starts_at"] = row(place, 1)["starts_at"]
    assert post_json(client, rows).json() == {"created": 0, "updated": 1, "unchanged": 1}
    assert Appointment.objects.get(external_id="PAS-000002").priority == "urgent"


def test_a_stored_patient_is_updated_by_nhs_number_and_keeps_an_unsent_channel(client, place):
    patient = PatientFactory(nhs_number=nhs_number(1), preferred_channel="email")
    csv_body = as_csv(
        [row(place, 1)],
        columns=(
            "external_id",
            "trust",
            "site",
            "service",
            "kind",
            "starts_at",
            "patient_nhs_number",
            "patient_given_name",
            "patient_family_name",
            "patient_date_of_birth",
            "patient_phone",
        ),
    )

    assert post_csv(client, csv_body).json() == {"created": 1, "updated": 0, "unchanged": 0}

    patient.refresh_from_db()
    assert patient.appointments.get().external_id == "PAS-000001"
    assert (patient.family_name, patient.phone) == ("Example1", "07700 900123")
    assert patient.preferred_channel == "email"


def test_an_empty_array_imports_nothing(client):
    assert post_json(client, []).json() == {"created": 0, "updated": 0, "unchanged": 0}


def test_imported_bookings_read_back_through_the_api_as_they_were_sent(client, place):
    sent = row(place, 1, priority="cancer")
    post_json(client, [sent])
    reference = Appointment.objects.get().reference

    read = client.get(f"/api/v1/appointments/{reference}/").json()

    assert read["external_id"] == sent["external_id"]
    assert (read["trust"], read["site"], read["service"]) == (
        sent["trust"],
        sent["site"],
        sent["service"],
    )
    assert dt.datetime.fromisoformat(read["starts_at"]) == dt.datetime.fromisoformat(
        sent["starts_at"]
    )
    assert (read["priority"], read["status"]) == ("cancer", "booked")
    assert read["patient"] == sent["patient"]


def test_no_token_is_401(place):
    assert post_json(APIClient(), [row(place, 1)]).status_code == 401
