"""POST /api/v1/appointments/import/ refusing: every bad row listed, nothing written, no
personal data in the errors, and files that cannot be read."""

import pytest

from tests.factories import AppointmentFactory

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


def test_mixed_good_and_bad_rows_report_every_bad_row_and_write_nothing(client, place):
    AppointmentFactory()  # something stored already, to see it is untouched
    before = stored()
    rows = [
        row(place, 1),
        row(place, 2, patient_changes={"nhs_number": "9434765918"}),  # check digit wrong
        row(place, 3),
        row(place, 4, service="no-such-service", starts_at="2031-07-08T09:30:00"),
        row(place, 5, kind="telephone"),
        row(place, 6),
    ]

    response = post_json(client, rows)

    assert response.status_code == 400
    assert errors_by_row(response) == [
        (2, "patient.nhs_number", "check_digit"),
        (4, "service", "unknown_service"),
        (4, "starts_at", "naive"),
        (5, "kind", "invalid_choice"),
    ]
    assert stored() == before


def test_errors_carry_no_personal_data(client, place):
    bad = row(place, 1, patient_changes={"nhs_number": "9434765918", "date_of_birth": "2999-01-01"})
    twin = row(place, 2, patient=3, patient_changes={"date_of_birth": "1980-02-02"})
    third = row(place, 3, patient=3)

    response = post_json(client, [bad, twin, third])

    assert response.status_code == 400
    text = response.content.decode()
    for personal in ("9434765918", nhs_number(3), "Example", "1980-02-02", "1970-05-17", "2999"):
        assert personal not in text
    assert errors_by_row(response) == [
        (1, "patient.nhs_number", "check_digit"),
        (1, "patient.date_of_birth", "invalid"),
        (3, "patient.date_of_birth", "date_of_birth_conflict"),
    ]


def test_a_booking_twice_in_one_file_is_an_error_on_the_later_row(client, place):
    rows = [row(place, 1), row(place, 2), row(place, 3, external_id="PAS-000001")]

    response = post_json(client, rows)

    assert errors_by_row(response) == [(3, "external_id", "duplicate")]
    assert "Row 1" in response.json()["errors"][0]["message"]
    assert stored() == (0, 0, 0)


def test_a_site_of_another_trust_reads_as_no_such_site(client, place, elsewhere):
    response = post_json(
        client, [row(place, 1, site=elsewhere.site.code), row(place, 2, site="ZZ999")]
    )

    assert errors_by_row(response) == [(1, "site", "unknown_site"), (2, "site", "unknown_site")]
    messages = {item["message"] for item in response.json()["errors"]}
    assert messages == {"No such site at this trust."}


def test_another_trusts_code_reads_exactly_like_an_unknown_one(client, place, elsewhere):
    response = post_json(client, [row(elsewhere, 1), row(place, 2, trust="ZZ9")])

    assert errors_by_row(response) == [(1, "trust", "unknown_trust"), (2, "trust", "unknown_trust")]
    first, second = (item["message"] for item in response.json()["errors"])
    assert first == f"No trust {elsewhere.trust.ods_code} among yours."
    assert second == "No trust ZZ9 among yours."
    assert stored() == (0, 0, 0)


def test_unknown_and_not_imported_fields_are_named(client, place):
    misspelt = row(place, 1)
    misspelt["start_at"] = misspelt.pop("starts_at")
    misspelt["patient"]["nhs_no"] = "1"
    read_back = row(place, 2, reference="K7QM3XDA9RT2", status="booked")

    response = post_json(client, [misspelt, read_back])

    assert errors_by_row(response) == [
        (1, "start_at", "unknown_field"),
        (1, "starts_at", "required"),
        (1, "patient.nhs_no", "unknown_field"),
        (2, "reference", "not_imported"),
        (2, "status", "not_imported"),
    ]
    assert "did you mean 'starts_at'?" in response.json()["errors"][0]["message"]


@pytest.mark.parametrize(
    ("body", "code", "words"),
    [
        ("", "parse", "nothing to import"),
        ("{", "parse", "must be an array"),
        ('{"external_id": "1"}', "parse", "must be an array"),
        ("[{}, ", "parse", "Malformed JSON in row 2"),
        ('[{"a": 1}] x', "parse", "after the JSON array"),
        (b"[\xff]", "encoding", "not UTF-8"),
    ],
)
def test_json_that_cannot_be_read_is_a_400_about_the_file(client, body, code, words):
    response = post_json(client, body)

    assert response.status_code == 400
    (item,) = response.json()["errors"]
    assert (item["field"], item["code"]) == (None, code)
    assert "row" not in item
    assert words in item["message"]


def test_json_items_that_are_not_objects_are_row_errors(client, place):
    response = post_json(client, [row(place, 1), 7, ["x"]])

    assert errors_by_row(response) == [(2, None, "invalid"), (3, None, "invalid")]


def test_an_empty_csv_is_refused_with_the_columns_it_needs(client):
    response = post_csv(client, b"")

    (item,) = response.json()["errors"]
    assert item["code"] == "empty"
    assert "header row" in item["message"]
    assert "patient_nhs_number" in item["message"]


def test_a_csv_header_missing_columns_or_with_unknown_ones_is_refused(client, place):
    body = b"external_id,trust,site,servce,kind,starts_at,status\nX,RM1,RM101,a,outpatient,x,y\n"

    response = post_csv(client, body)

    assert response.status_code == 400
    assert errors_by_row(response) == [
        (None, "servce", "unknown_field"),
        (None, "status", "not_imported"),
        (None, "patient_date_of_birth", "required"),
        (None, "patient_family_name", "required"),
        (None, "patient_given_name", "required"),
        (None, "patient_nhs_number", "required"),
        (None, "service", "required"),
    ]
    assert "did you mean 'service'?" in response.json()["errors"][0]["message"]


def test_csv_errors_name_columns_and_count_data_rows_only(client, place):
    good, bad = row(place, 1), row(place, 2, patient_changes={"nhs_number": "123"})
    body = as_csv([good, bad]).replace(b"\r\n", b"\r\n\r\n", 1)  # a blank line after the header
    body += b"too,few,values\r\n"

    response = post_csv(client, body)

    assert errors_by_row(response) == [(2, "patient_nhs_number", "format"), (3, None, "columns")]


def test_other_content_types_are_415(client):
    response = client.post("/api/v1/appointments/import/", data="a=1", content_type="text/plain")

    assert response.status_code == 415
    assert response.json()["errors"][0]["code"] == "unsupported_media_type"


def test_more_rows_than_allowed_is_refused_before_they_are_all_read(client, place, monkeypatch):
    monkeypatch.setattr("appointments.api.imports.MAX_ROWS", 3)

    response = post_csv(client, as_csv([row(place, n) for n in range(1, 5)]))

    (item,) = response.json()["errors"]
    assert item["code"] == "too_many_rows"
    assert "More than 3 rows" in item["message"]
    assert "manage.py import_appointments" in item["message"]
    assert stored() == (0, 0, 0)


def test_a_body_over_the_size_limit_is_refused_unread(client, monkeypatch):
    monkeypatch.setattr("appointments.api.imports.MAX_BYTES", 10)

    response = post_json(client, "[" + " " * 20 + "]")

    assert response.json()["errors"][0]["code"] == "too_large"


def test_a_charset_other_than_utf8_is_415_and_utf8_is_fine(client, place):
    body = as_csv([row(place, 1)])
    url = "/api/v1/appointments/import/"

    latin = client.post(url, data=body, content_type="text/csv; charset=latin-1")
    utf8 = client.post(url, data=body, content_type="text/csv; charset=UTF-8")

    assert latin.status_code == 415
    assert utf8.json() == {"created": 1, "updated": 0, "unchanged": 0}


def test_values_no_database_could_store_are_row_errors_not_server_errors(client, place):
    rows = [
        row(place, 1, external_id="PAS\x00-1"),
        row(place, 2, starts_at="9999-12-31T23:00:00-05:00"),
        row(place, 3, patient_changes={"address": ["1 Example Road\nNorwich"]}),
        row(place, 4, patient_changes={"given_name": "Al\tex"}),
    ]

    response = post_json(client, rows)

    assert errors_by_row(response) == [
        (1, "external_id", "invalid"),
        (2, "starts_at", "out_of_range"),
        (3, "patient.address", "invalid"),
        (4, "patient.given_name", "invalid"),
    ]


def test_values_in_the_wrong_place_are_not_repeated_in_errors(client, place):
    """A shifted column or a JSON object keyed by NHS number puts personal data where a
    code or a field name belongs: the error names the field, never the value."""
    shifted = row(place, 1, trust="Alex", service="Example1")
    keyed = row(place, 2)
    keyed["patient"][nhs_number(2)] = {"given_name": "Alex"}
    keyed["Example2"] = "x"

    response = post_json(client, [shifted, keyed])

    assert errors_by_row(response) == [
        (1, "trust", "invalid"),
        (1, "service", "unknown_service"),
        (2, None, "unknown_field"),
        (2, "patient", "unknown_field"),
    ]
    text = response.content.decode()
    for personal in ("Alex", "ALEX", "Example1", "Example2", nhs_number(2)):
        assert personal not in text


def test_a_csv_without_its_header_is_refused_without_repeating_the_first_row(client, place):
    body = as_csv([row(place, 1), row(place, 2)]).split(b"\r\n", 1)[1]

    response = post_csv(client, body)

    (item,) = response.json()["errors"]
    assert item["code"] == "no_header"
    assert nhs_number(1) not in item["message"]
    assert "Example" not in item["message"]


def test_a_pas_placeholder_date_is_refused_like_everywhere_else(client, place):
    response = post_json(client, [row(place, 1, starts_at="1900-01-01T00:00:00+00:00")])
    assert response.status_code == 400
    assert errors_by_row(response) == [(1, "starts_at", "out_of_range")]


def test_json_nested_too_deeply_is_a_400_not_a_server_error(client):
    response = post_json(client, "[" + "[" * 100_000)
    assert response.status_code == 400
    assert "nests too deeply" in response.json()["errors"][0]["message"]
