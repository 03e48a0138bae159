"""appointments_import itself: what holds across chunks, set-based writes, error caps."""

import io
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from appointments.imports import (
    ImportNotAllowed,
    ImportRefused,
    JsonArraySource,
    appointments_import,
)
from appointments.models import Appointment, Patient
from tests.api import query_count
from tests.factories import MembershipFactory
from trusts.models import Membership

from .helpers import nhs_number, row, stored

pytestmark = pytest.mark.django_db


def run(rows: list, actor, **options):
    source = JsonArraySource(io.BytesIO(json.dumps(rows).encode()))
    return appointments_import(source=source, actor=actor, **options)


def refusal(rows: list, actor, **options) -> ImportRefused:
    with pytest.raises(ImportRefused) as refused:
        run(rows, actor, **options)
    return refused.value


def test_a_booking_repeated_in_a_later_chunk_is_still_a_duplicate(place, operator):
    rows = [row(place, n) for n in range(1, 6)] + [row(place, 6, external_id="PAS-000002")]

    refused = refusal(rows, operator, chunk_size=2)

    assert [(e.row, e.field, e.code) for e in refused.errors] == [(6, "external_id", "duplicate")]
    assert refused.errors[0].message.startswith("Row 2 ")
    assert stored() == (0, 0, 0)


def test_two_dates_of_birth_for_one_nhs_number_across_chunks(place, operator):
    rows = [
        row(place, 1),
        row(place, 2),
        row(place, 3, patient=1, patient_changes={"date_of_birth": "1971-05-17"}),
    ]

    refused = refusal(rows, operator, chunk_size=1)

    assert [(e.row, e.field, e.code) for e in refused.errors] == [
        (3, "patient.date_of_birth", "date_of_birth_conflict")
    ]
    assert refused.errors[0].message.startswith("Row 1 ")


def test_every_chunk_is_checked_after_the_first_error_and_none_is_written(place, operator):
    rows = [row(place, n) for n in range(1, 9)]
    rows[2]["kind"] = "x"  # chunk 2
    rows[7]["site"] = "ZZ999"  # chunk 4, after writing has stopped

    refused = refusal(rows, operator, chunk_size=2)

    assert [(e.row, e.field) for e in refused.errors] == [(3, "kind"), (8, "site")]
    assert (refused.total, refused.bad_rows) == (2, 2)
    assert stored() == (0, 0, 0)  # chunk 1 had been written, and was rolled back


def test_max_errors_keeps_the_first_errors_and_counts_them_all(place, operator):
    rows = [row(place, n, kind="x", priority="y") for n in range(1, 6)]

    refused = refusal(rows, operator, max_errors=3)

    assert [(e.row, e.field) for e in refused.errors] == [(1, "kind"), (1, "priority"), (2, "kind")]
    assert (refused.total, refused.bad_rows) == (10, 5)
    assert str(refused) == "5 rows with errors (10 in all); nothing was imported."


def test_the_last_row_naming_a_patient_wins_and_a_repeat_changes_nothing(place, operator):
    rows = [
        row(place, 1, patient_changes={"phone": "07700 900001"}),
        row(place, 2),
        row(place, 3, patient=1, patient_changes={"phone": "07700 900003"}),
    ]

    first = run(rows, operator, chunk_size=1)
    stamps = list(Patient.objects.values_list("pk", "updated_at"))
    again = run(rows, operator, chunk_size=1)

    assert (first.created, again.unchanged) == (3, 3)
    assert Patient.objects.get(nhs_number=nhs_number(1)).phone == "07700 900003"
    assert list(Patient.objects.values_list("pk", "updated_at")) == stamps


def test_a_patient_change_counts_every_row_of_that_patient_as_updated(place, operator):
    rows = [row(place, 1), row(place, 2), row(place, 3, patient=1)]
    run(rows, operator)
    for booking in (rows[0], rows[2]):
        booking["patient"]["family_name"] = "Renamed"

    result = run(rows, operator, chunk_size=2)

    assert (result.created, result.updated, result.unchanged) == (0, 2, 1)
    assert Patient.objects.get(nhs_number=nhs_number(1)).family_name == "Renamed"


def test_a_channel_left_out_keeps_the_one_an_earlier_row_gave(place, operator):
    rows = [row(place, 1, patient_changes={"preferred_channel": "phone"}), row(place, 2, patient=1)]
    del rows[1]["patient"]["preferred_channel"]

    run(rows, operator, chunk_size=1)

    assert Patient.objects.get().preferred_channel == "phone"


def test_queries_do_not_grow_with_the_rows_in_a_chunk(place, operator):
    def queries(first: int, count: int) -> int:
        rows = [row(place, n) for n in range(first, first + count)]
        with CaptureQueriesContext(connection) as context:
            run(rows, operator, chunk_size=100)
        return query_count(context)

    assert queries(1, 5) == queries(100, 60)
    # And the same for updates: every booking moved.
    moved = [row(place, n, kind="day_case") for n in range(100, 160)]
    with CaptureQueriesContext(connection) as context:
        result = run(moved, operator, chunk_size=100)
    assert result.updated == 60
    assert query_count(context) < 30


def test_a_user_with_no_acting_role_anywhere_is_refused(place):
    viewer = MembershipFactory(trust=place.trust, role=Membership.Role.VIEWER).user

    with pytest.raises(ImportNotAllowed):
        run([row(place, 1)], viewer)


def test_national_imports_for_every_trust_without_a_user(place, elsewhere):
    result = run([row(place, 1), row(elsewhere, 2)], None, national=True)

    assert result.created == 2
    assert set(Appointment.objects.values_list("events__actor", flat=True)) == {None}


def test_progress_is_reported_after_each_chunk(place, operator):
    seen = []
    rows = [row(place, n) for n in range(1, 6)]
    rows[3]["kind"] = "x"

    with pytest.raises(ImportRefused):
        run(
            rows,
            operator,
            chunk_size=2,
            on_progress=lambda done, errors: seen.append((done, errors)),
        )

    assert seen == [(2, 0), (4, 1), (5, 1)]
