"""Errors as FHIR OperationOutcome resources, in place of the REST API's ``{"errors"}``.

A FHIR client expects an OperationOutcome for every failure, with an issue code from
FHIR's IssueType; a bad search parameter is named in ``expression`` and ``diagnostics``.
"""

from typing import Any

from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

ISSUE_CODE_BY_STATUS = {
    status.HTTP_400_BAD_REQUEST: "invalid",
    status.HTTP_401_UNAUTHORIZED: "login",
    status.HTTP_403_FORBIDDEN: "forbidden",
    status.HTTP_404_NOT_FOUND: "not-found",
    status.HTTP_405_METHOD_NOT_ALLOWED: "not-supported",
    status.HTTP_406_NOT_ACCEPTABLE: "not-supported",
    status.HTTP_415_UNSUPPORTED_MEDIA_TYPE: "not-supported",
    status.HTTP_429_TOO_MANY_REQUESTS: "throttled",
}


class NotSupported(exceptions.NotFound):
    """A resource type or interaction this server does not offer."""

    fhir_code = "not-supported"


def issue(
    diagnostics: str,
    *,
    code: str,
    severity: str = "error",
    expression: str | None = None,
) -> dict:
    item: dict[str, Any] = {"severity": severity, "code": code, "diagnostics": diagnostics}
    if expression is not None:
        item["expression"] = [expression]
    return item


def operation_outcome(issues: list[dict]) -> dict:
    return {"resourceType": "OperationOutcome", "issue": issues}


def invalid_parameter(parameter: str, message: str) -> exceptions.ValidationError:
    return exceptions.ValidationError({parameter: [message]})


def _issues(data: Any, code: str) -> list[dict]:
    """Issues from what DRF's handler made of the exception: ``{"detail": ...}``, a list,
    or field errors keyed by the parameter at fault."""
    if isinstance(data, dict) and set(data) != {"detail"}:
        return [
            issue(f"{name}: {message}", code=code, expression=str(name))
            for name, messages in data.items()
            for message in (messages if isinstance(messages, list) else [messages])
        ]
    if isinstance(data, dict):
        data = data["detail"]
    return [
        issue(str(message), code=code) for message in (data if isinstance(data, list) else [data])
    ]


def fhir_exception_handler(exc: Exception, context: dict) -> Response | None:
    # DRF's own handler first: it turns Http404 and Django's PermissionDenied into API
    # exceptions, adds WWW-Authenticate to a 401 and rolls back the transaction.
    response = exception_handler(exc, context)
    if response is None:
        return None
    code = getattr(exc, "fhir_code", None) or ISSUE_CODE_BY_STATUS.get(
        response.status_code, "processing"
    )
    response.data = operation_outcome(_issues(response.data, code))
    return response
