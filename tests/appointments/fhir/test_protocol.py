"""FHIR's protocol around the resources: bad parameters, auth, media types, metadata."""

from urllib.parse import urlencode

import pytest
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from tests.strikes.desk import LATE_SLOT

from .conftest import fhir_body, outcome

pytestmark = pytest.mark.django_db

DAY = f"{LATE_SLOT:%Y-%m-%d}"


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        (f"date=xx{DAY}", "date"),
        (f"date=sa{DAY}", "date"),
        (f"date={DAY}T09:00:00", "date"),  # no offset: which 09:00?
        (f"date=ge{DAY}T09:00", "date"),
        (f"date={LATE_SLOT.year}-02-30", "date"),
        ("date=ge2026-7-8", "date"),
        ("date=next-tuesday", "date"),
        (f"date={DAY}T25:00:00Z", "date"),
        (f"date=ge{DAY}&date=lt{DAY}T09:00", "date"),
        ("status=on-hold", "status"),
        ("status=booked,", "status"),
        ("status:not=booked", "status:not"),
        ("identifier:of-type=x", "identifier:of-type"),
        ("_count=0", "_count"),
        ("_count=501", "_count"),
        ("_count=ten", "_count"),
        ("_count=-1", "_count"),
        ("_count=2&_count=3", "_count"),
        ("_cursor=not-a-cursor", "_cursor"),
        ("_cursor=WyJ5ZXN0ZXJkYXkiLDFd", "_cursor"),  # ["yesterday",1]
        ("_cursor=WyIyMDI2LTA3LTA4VDA5OjAwOjAwIiwxXQ", "_cursor"),  # no offset
        # ["2026-07-08T09:00:00Z", 10**30]: an id no database column holds.
        (
            "_cursor=WyIyMDI2LTA3LTA4VDA5OjAwOjAwWiIsMTAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMF0",
            "_cursor",
        ),
        # ["9999-12-31T23:00:00-05:00", 1]: year 10000 in UTC.
        ("_cursor=WyI5OTk5LTEyLTMxVDIzOjAwOjAwLTA1OjAwIiwxXQ", "_cursor"),
        ("identifier=PAS%00-1", "identifier"),
        ("date=gt9999", "date"),
        ("date=ge9999-12-31T23:00:00-05:00", "date"),
        ("date=le0001-01-01T00:00:00%2B14:00", "date"),
    ],
)
def test_bad_parameters_are_a_400_outcome_naming_the_parameter(api, query, parameter):
    response = api.get(f"/fhir/r4/Appointment?{query}")
    (issue,) = outcome(response, 400, "invalid")
    assert issue["expression"] == [parameter]
    assert issue["diagnostics"].startswith(f"{parameter}: ")


def test_empty_parameters_are_ignored(desk, api):
    booking = desk.book()
    body = fhir_body(api.get("/fhir/r4/Appointment?date=&status=&_count="), "Bundle")
    assert [e["resource"]["id"] for e in body["entry"]] == [booking.reference]


@pytest.mark.parametrize("url", ["/fhir/r4/Appointment", "/fhir/r4/Appointment/ABCD"])
def test_no_token_is_a_401_login_outcome(db, url):
    response = APIClient().get(url)
    assert len(outcome(response, 401, "login")) == 1
    assert response["WWW-Authenticate"] == "Token"
    wrong = APIClient()
    wrong.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    outcome(wrong.get(url), 401, "login")


def test_a_signed_in_session_works_too(desk):
    booking = desk.book()
    client = APIClient()
    client.force_login(desk.ops)
    body = fhir_body(client.get(f"/fhir/r4/Appointment/{booking.reference}"), "Appointment")
    assert body["id"] == booking.reference


@pytest.mark.parametrize(
    "accept",
    [
        "application/fhir+json",
        "application/json",
        "*/*",
        "application/fhir+json; fhirVersion=4.0",
        "application/json+fhir",
    ],
)
def test_json_of_any_flavour_is_answered_as_fhir_json(desk, api, accept):
    booking = desk.book()
    response = api.get(f"/fhir/r4/Appointment/{booking.reference}", HTTP_ACCEPT=accept)
    assert fhir_body(response, "Appointment")["id"] == booking.reference


def test_xml_is_not_acceptable(api):
    response = api.get("/fhir/r4/Appointment", HTTP_ACCEPT="application/fhir+xml")
    outcome(response, 406, "not-supported")


def test_writes_are_not_supported(desk, api):
    booking = desk.book()
    outcome(api.post("/fhir/r4/Appointment", {}, format="json"), 405, "not-supported")
    outcome(api.delete(f"/fhir/r4/Appointment/{booking.reference}"), 405, "not-supported")


@pytest.mark.parametrize(
    "path", ["Patient/9000000009", "Appointment/ABC/_history", "Appointment/_search", ""]
)
def test_other_types_and_interactions_are_not_supported(api, path):
    response = api.get(f"/fhir/r4/{path}")
    outcome(response, 404, "not-found" if path == "Appointment/_search" else "not-supported")


def test_metadata_is_a_public_capability_statement(db):
    body = fhir_body(APIClient().get("/fhir/r4/metadata"), "CapabilityStatement")
    assert body["fhirVersion"] == "4.0.1"
    assert body["kind"] == "instance"
    assert body["implementation"]["url"] == "http://testserver/fhir/r4"
    (rest,) = body["rest"]
    (resource,) = rest["resource"]
    assert resource["type"] == "Appointment"
    assert [i["code"] for i in resource["interaction"]] == ["read", "search-type"]
    assert {p["name"]: p["type"] for p in resource["searchParam"]} == {
        "identifier": "token",
        "date": "date",
        "status": "token",
    }


def test_fhir_endpoints_stay_out_of_the_openapi_schema(db):
    schema = SchemaGenerator().get_schema(request=None, public=True)
    assert not [path for path in schema["paths"] if path.startswith("/fhir/")]


_PARAMETER_NAMES = st.sampled_from(["identifier", "date", "status", "_count", "_cursor"])
_FHIRISH = st.text(alphabet="0123456789-:TZ+. ,|\\geltnqsapbkdcf\x00/", max_size=30)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(st.tuples(_PARAMETER_NAMES, _FHIRISH | st.text(max_size=30)), max_size=4))
def test_no_query_string_makes_a_server_error(desk, api, pairs):
    response = api.get("/fhir/r4/Appointment?" + urlencode(pairs))
    if response.status_code == 200:
        fhir_body(response, "Bundle")
    else:
        outcome(response, 400, "invalid")
