"""The import's OpenAPI description matches what it accepts."""

import pytest
from drf_spectacular.generators import SchemaGenerator

from appointments.imports.fields import (
    BOOKING_FIELDS,
    PATIENT_FIELDS,
    REQUIRED_BOOKING_FIELDS,
    REQUIRED_PATIENT_FIELDS,
)


@pytest.fixture(scope="module")
def schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def test_the_import_takes_a_json_array_of_rows_or_csv_text(schema):
    operation = schema["paths"]["/api/v1/appointments/import/"]["post"]
    content = operation["requestBody"]["content"]

    assert set(content) == {"application/json", "text/csv"}
    assert content["application/json"]["schema"] == {
        "type": "array",
        "items": {"$ref": "#/components/schemas/ImportRowRequest"},
    }
    assert content["text/csv"]["schema"] == {"type": "string"}
    responses = operation["responses"]
    assert responses["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ImportResult"
    }
    assert responses["400"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Errors"
    }
    assert set(schema["components"]["schemas"]["ImportResult"]["properties"]) == {
        "created",
        "updated",
        "unchanged",
    }


def test_the_documented_fields_are_the_accepted_fields(schema):
    components = schema["components"]["schemas"]
    row, patient = components["ImportRowRequest"], components["ImportPatientRequest"]

    assert tuple(row["properties"]) == BOOKING_FIELDS
    assert set(row["required"]) == REQUIRED_BOOKING_FIELDS
    assert tuple(patient["properties"]) == PATIENT_FIELDS
    assert set(patient["required"]) == REQUIRED_PATIENT_FIELDS
    for component in (row, patient):
        assert all(field.get("description") for field in component["properties"].values())
