"""One error shape for the whole API: ``{"errors": [{"field", "message", "code"}]}``.

DRF's default is a dict keyed by field, nested like the input, or ``{"detail": ...}``.
Integrators asked for one shape to parse, and the import needs a ``row`` per error, so
every error becomes a flat list: ``field`` is a dotted path into the request
(``patient.nhs_number``, ``references.3``) or null when the error is about the whole
request, and ``row`` (import only) is the 1-based data row.
"""

import logging
from collections.abc import Iterator
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError
from django.http import Http404
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler, set_rollback

from config.errors import DomainError

logger = logging.getLogger(__name__)

NON_FIELD_KEYS = frozenset({"non_field_errors", "detail", "__all__"})


class ErrorItemSerializer(serializers.Serializer):
    """Documents one error in the schema; responses are built by ``errors_response``."""

    field = serializers.CharField(
        allow_null=True, help_text="Dotted path to the input at fault; null for the request."
    )
    message = serializers.CharField(help_text="What is wrong, written for a person.")
    code = serializers.CharField(help_text="A stable machine code, e.g. required, invalid.")
    row = serializers.IntegerField(
        required=False, help_text="Import only: the 1-based data row the error is in."
    )


class ErrorsSerializer(serializers.Serializer):
    errors = ErrorItemSerializer(many=True)


def error(message: str, *, code: str, field: str | None = None, row: int | None = None) -> dict:
    item: dict[str, Any] = {"field": field, "message": str(message), "code": code}
    if row is not None:
        item["row"] = row
    return item


def errors_response(items: list[dict], status_code: int = status.HTTP_400_BAD_REQUEST) -> Response:
    return Response({"errors": items}, status=status_code)


def flatten(detail: Any, path: tuple[str, ...] = ()) -> Iterator[dict]:
    """DRF's nested error detail as flat items with dotted field paths."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            inner = path if key in NON_FIELD_KEYS else (*path, str(key))
            yield from flatten(value, inner)
    elif isinstance(detail, list):
        if all(isinstance(item, exceptions.ErrorDetail | str) for item in detail):
            for item in detail:
                yield from flatten(item, path)
        else:
            # A list of nested results (many=True): empty entries are items without errors.
            for index, item in enumerate(detail):
                if item:
                    yield from flatten(item, (*path, str(index)))
    else:
        code = getattr(detail, "code", None) or "invalid"
        yield error(str(detail), code=code, field=".".join(path) or None)


class Refused(exceptions.APIException):
    """A request the domain's rules refuse, raised from views that wrap a service."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "refused"


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, DomainError):
        set_rollback()
        # A refusal about the record's state (a strike already called off) sets 409.
        status_code = getattr(exc, "http_status", status.HTTP_400_BAD_REQUEST)
        return errors_response([error(str(exc), code="refused")], status_code)
    if isinstance(exc, DataError):
        # Bad input that got past validation to the database (a NUL in a query string, a
        # value out of the column's range): the request's fault, so a 400, never a 500.
        set_rollback()
        logger.warning("API request refused by the database as data: %s", type(exc).__name__)
        return errors_response(
            [
                error(
                    "A value in the request cannot be stored or searched for (out of range, "
                    "or holding a NUL character).",
                    code="invalid",
                )
            ]
        )
    if isinstance(exc, IntegrityError):
        # A unique or check constraint caught what validation could not see: usually a
        # concurrent request writing the same record. Nothing was written; retrying works.
        set_rollback()
        logger.warning("API request hit a database constraint: %s", type(exc).__name__)
        return errors_response(
            [
                error(
                    "The request conflicts with a change made at the same time; nothing was "
                    "saved. Try again.",
                    code="conflict",
                )
            ],
            status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, DjangoValidationError):
        # A model's full_clean() in a service: the same field errors a serializer gives.
        detail = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        exc = exceptions.ValidationError(detail)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None:
        return None
    response.data = {"errors": list(flatten(response.data))}
    return response
