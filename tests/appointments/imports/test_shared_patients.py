"""A patient booked at two trusts: one trust's import links to them but cannot rewrite
the details the other trust relies on (a mistyped NHS number must not overwrite a
stranger)."""

import datetime as dt

from appointments.models import Patient
from tests.api import client_for
from tests.factories import MembershipFactory, UserFactory
from trusts.models import Membership

from .helpers import URL, row


def test_another_trusts_patient_keeps_their_details_and_gets_the_new_booking(
    client, place, elsewhere
):
    their_client = client_for(
        MembershipFactory(trust=elsewhere.trust, role=Membership.Role.OPERATIONS).user
    )
    theirs = their_client.post(URL, [row(elsewhere, 1)], format="json")
    assert theirs.status_code == 200
    before = Patient.objects.values().get()

    ours = client.post(
        URL,
        [
            row(
                place,
                2,
                patient=1,
                patient_changes={
                    "family_name": "Overwritten",
                    "date_of_birth": "1990-01-01",
                    "phone": "07700 900999",
                    "email": "",
                },
            )
        ],
        format="json",
    )
    assert ours.status_code == 200
    assert ours.json() == {"created": 1, "updated": 0, "unchanged": 0}
    patient = Patient.objects.get()
    assert Patient.objects.values().get() == before
    assert patient.date_of_birth == dt.date(1970, 5, 17)
    assert set(patient.appointments.values_list("trust", flat=True)) == {
        place.trust.pk,
        elsewhere.trust.pk,
    }


def test_a_patient_booked_only_at_the_importers_trusts_is_updated(client, place):
    assert client.post(URL, [row(place, 1)], format="json").status_code == 200
    changed = client.post(
        URL, [row(place, 1, patient_changes={"phone": "07700 900555"})], format="json"
    )
    assert changed.json() == {"created": 0, "updated": 1, "unchanged": 0}
    assert Patient.objects.get().phone == "07700 900555"


def test_a_national_import_updates_a_patient_booked_anywhere(client, place, elsewhere):
    national = client_for(UserFactory(is_superuser=True))
    assert national.post(URL, [row(elsewhere, 1)], format="json").status_code == 200
    assert client.post(URL, [row(place, 2, patient=1)], format="json").status_code == 200
    changed = national.post(
        URL, [row(place, 2, patient=1, patient_changes={"phone": "07700 900555"})], format="json"
    )
    assert changed.status_code == 200
    assert Patient.objects.get().phone == "07700 900555"
