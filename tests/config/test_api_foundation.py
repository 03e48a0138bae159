"""The API's shared behaviour: auth, the one error shape, keyset pages, the schema."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.test import APIClient, APIRequestFactory

from appointments.models import Appointment
from config.api.errors import flatten
from config.api.pagination import KeysetPagination
from tests.api import client_for, error_fields
from tests.factories import AppointmentFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_api_token_prints_the_same_token_each_time_and_rotates_on_request(capsys):
    user = UserFactory(username="pas-feed")
    call_command("api_token", "pas-feed")
    first = capsys.readouterr().out.strip()
    call_command("api_token", "pas-feed")
    assert capsys.readouterr().out.strip() == first == Token.objects.get(user=user).key
    call_command("api_token", "pas-feed", "--rotate")
    assert capsys.readouterr().out.strip() != first


def test_api_token_refuses_an_unknown_user():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No user called 'nobody'"):
        call_command("api_token", "nobody")


def test_no_token_is_a_401_in_the_error_shape():
    response = APIClient().get("/api/v1/trusts/")
    assert response.status_code == 401
    assert response.json() == {
        "errors": [
            {
                "field": None,
                "message": "Authentication credentials were not provided.",
                "code": "not_authenticated",
            }
        ]
    }


def test_a_wrong_token_is_a_401():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    assert client.get("/api/v1/trusts/").status_code == 401


def test_nested_validation_errors_flatten_to_dotted_fields():
    detail = ValidationError(
        {
            "starts_at": ["Enter a date."],
            "patient": {"nhs_number": ["Fails the check."]},
            "references": [{}, {"code": ["Unknown."]}],
            "non_field_errors": ["Ends before it starts."],
        }
    ).detail
    assert [(e["field"], e["message"]) for e in flatten(detail)] == [
        ("starts_at", "Enter a date."),
        ("patient.nhs_number", "Fails the check."),
        ("references.1.code", "Unknown."),
        (None, "Ends before it starts."),
    ]


class _View:
    keyset_ordering = ("starts_at", "id")


def _page(params: dict) -> tuple[list[Appointment], KeysetPagination]:
    request = Request(APIRequestFactory().get("/api/v1/appointments/", params))
    paginator = KeysetPagination()
    rows = paginator.paginate_queryset(Appointment.objects.all(), request, _View())
    return rows, paginator


def _cursor(link: str) -> str:
    from urllib.parse import parse_qs, urlparse

    return parse_qs(urlparse(link).query)["cursor"][0]


def test_keyset_pages_walk_every_row_once_forwards_and_back_through_ties():
    # Seven bookings share one start time: ties are broken by id, none skipped or repeated.
    nine = dt.datetime(2031, 3, 3, 9, 0, tzinfo=dt.UTC)
    for n in range(10):
        AppointmentFactory(starts_at=nine if n < 7 else nine + dt.timedelta(hours=n))
    expected = list(Appointment.objects.order_by("starts_at", "id").values_list("id", flat=True))

    seen, params, pages = [], {"page_size": 3}, []
    while True:
        rows, paginator = _page(params)
        seen += [row.id for row in rows]
        pages.append(params)
        link = paginator._link(forwards=True)
        if link is None:
            break
        params = {"page_size": 3, "cursor": _cursor(link)}
    assert seen == expected
    assert len(pages) == 4

    # From the last page, "previous" walks back to the start.
    back = []
    rows, paginator = _page(pages[-1])
    while True:
        back = [row.id for row in rows] + back
        link = paginator._link(forwards=False)
        if link is None:
            break
        cursor = _cursor(link) if "cursor=" in link else None
        rows, paginator = _page({"page_size": 3, **({"cursor": cursor} if cursor else {})})
    assert back == expected


@pytest.mark.parametrize("cursor", ["nonsense", "e30=", "eyJwIjpbMV19", "eyJwIjpbIngiLDFdfQ=="])
def test_a_tampered_cursor_is_a_400_naming_the_cursor(cursor):
    with pytest.raises(ValidationError) as refused:
        _page({"cursor": cursor})
    assert "cursor" in refused.value.detail


@pytest.mark.parametrize("size", ["0", "501", "-1", "ten"])
def test_page_size_outside_1_to_500_is_refused(size):
    with pytest.raises(ValidationError) as refused:
        _page({"page_size": size})
    assert "page_size" in refused.value.detail


def test_a_page_is_one_query():
    AppointmentFactory.create_batch(5)
    with CaptureQueriesContext(connection) as queries:
        _page({"page_size": 2})
    assert len(queries) == 1


def test_schema_and_docs_are_served_without_a_cdn():
    schema = APIClient().get("/api/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    assert schema.json()["openapi"].startswith("3.")
    docs = APIClient().get("/api/docs/")
    assert docs.status_code == 200
    assert b"/static/vendor/swagger-ui/swagger-ui-bundle.js" in docs.content
    assert b"cdn." not in docs.content


def test_a_nul_character_in_a_json_body_is_a_400_not_a_server_error():
    national = UserFactory(is_superuser=True)
    client = client_for(national)
    response = client.post("/api/v1/strikes/", {"title": "x", "unions": ["RC\x00N"]}, format="json")
    assert response.status_code == 400
    assert "NUL" in response.json()["errors"][0]["message"]


def test_a_nul_character_in_a_query_string_is_a_400_not_a_server_error():
    client = client_for(UserFactory(is_superuser=True))
    response = client.get("/api/v1/strikes/1/participations/?trust=%00")
    assert response.status_code in (400, 404)
    response = client.get("/api/v1/sites/?trust=R%00M")
    assert response.status_code in (200, 400)


def test_an_offset_postgresql_cannot_store_is_read_in_utc():
    client = client_for(UserFactory(is_superuser=True))
    response = client.get("/api/v1/strikes/", {"starts_after": "2026-05-23T06:02:31+21:07"})
    assert response.status_code == 200
    response = client.get("/api/v1/strikes/", {"starts_after": "1361-05-23T06:02:31+21:07"})
    assert response.status_code == 400
    assert error_fields(response) == ["starts_after"]


def test_json_nested_past_the_parsers_stack_is_a_400():
    client = client_for(UserFactory(is_superuser=True))
    response = client.post("/api/v1/strikes/", "[" * 100_000, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == "JSON nested too deeply."


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+05:00", "1900-01-01T00:00:00+00:00"])
def test_a_cursor_outside_the_supported_years_is_a_400(moment):
    import base64
    import json as json_module

    token = base64.urlsafe_b64encode(json_module.dumps({"p": [moment, 1]}).encode()).decode()
    with pytest.raises(ValidationError) as refused:
        _page({"cursor": token})
    assert "cursor" in refused.value.detail


def test_a_stored_time_outside_the_accepted_years_is_still_listed():
    AppointmentFactory(starts_at=dt.datetime(1900, 1, 1, tzinfo=dt.UTC))
    response = client_for(UserFactory(is_superuser=True)).get("/api/v1/appointments/")
    assert response.status_code == 200
    assert response.json()["results"][0]["starts_at"].startswith("1900-01-01")
