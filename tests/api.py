"""Helpers for API tests: a client carrying a user's token, and reading the error shape."""

from typing import Any

from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient


def client_for(user: Any) -> APIClient:
    """An API client sending ``Authorization: Token <key>`` for ``user``."""
    token, _ = Token.objects.get_or_create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def error_fields(response: Any) -> list[str | None]:
    """The ``field`` of each error in a response of the API's one error shape."""
    body = response.json()
    assert set(body) == {"errors"}, body
    return [item["field"] for item in body["errors"]]


def query_count(context: CaptureQueriesContext) -> int:
    # Savepoints are transaction bookkeeping, not work the endpoint chose to do.
    return sum("SAVEPOINT" not in q["sql"] for q in context.captured_queries)
