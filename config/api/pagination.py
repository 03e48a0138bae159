"""Keyset ("cursor") pagination: a page is the rows after the last one seen.

DRF's CursorPagination keys on the first ordering field and skips ties with an OFFSET,
which grows with the number of bookings sharing a start time (thousands at 09:00) and
makes deep pages slow. Here the cursor carries the whole ordering key, e.g.
``(starts_at, id)``, so every page is one index range scan however deep it is.
"""

import base64
import binascii
import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model, Q, QuerySet
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from .fields import in_supported_range

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 500


def _beyond(fields: Sequence[str], values: Sequence[Any], backwards: bool) -> Q:
    """Rows strictly after ``values`` in the order of ``fields`` (before, backwards).

    Written as ``a >= x AND (a > x OR (b > y))`` rather than the plain OR, so the first
    column gives the database an index range to start from.
    """
    first, value = fields[0], values[0]
    strictly, or_equal = ("lt", "lte") if backwards else ("gt", "gte")
    if len(fields) == 1:
        return Q(**{f"{first}__{strictly}": value})
    rest = _beyond(fields[1:], values[1:], backwards)
    return Q(**{f"{first}__{or_equal}": value}) & (Q(**{f"{first}__{strictly}": value}) | rest)


class KeysetPagination(BasePagination):
    """Pages ordered by the view's ``keyset_ordering`` (unique, e.g. ``("starts_at", "id")``)."""

    cursor_query_param = "cursor"
    page_size_query_param = "page_size"
    default_ordering: tuple[str, ...] = ("id",)

    def paginate_queryset(
        self, queryset: QuerySet, request: Request, view: Any = None
    ) -> list[Model]:
        self.request = request
        self.fields = tuple(getattr(view, "keyset_ordering", self.default_ordering))
        self.model = queryset.model
        self.page_size = self._page_size(request)
        cursor = self._decode(request.query_params.get(self.cursor_query_param))
        backwards = bool(cursor and cursor["backwards"])

        ordered = queryset.order_by(*(f"-{f}" if backwards else f for f in self.fields))
        if cursor:
            ordered = ordered.filter(_beyond(self.fields, cursor["position"], backwards))
        rows = list(ordered[: self.page_size + 1])
        more = len(rows) > self.page_size
        rows = rows[: self.page_size]
        if backwards:
            rows.reverse()
        self.has_next = more if not backwards else cursor is not None
        self.has_previous = cursor is not None if not backwards else more
        self.rows = rows
        return rows

    def get_paginated_response(self, data: Any) -> Response:
        return Response(
            {
                "next": self._link(forwards=True),
                "previous": self._link(forwards=False),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema: dict) -> dict:
        link = {"type": "string", "format": "uri", "nullable": True}
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {
                "next": {**link, "description": "The next page, or null on the last."},
                "previous": {**link, "description": "The page before, or null on the first."},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view: Any) -> list[dict]:
        return [
            {
                "name": self.cursor_query_param,
                "in": "query",
                "required": False,
                "description": "Opaque position from a previous page's next or previous link.",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "in": "query",
                "required": False,
                "description": (
                    f"Rows per page, at most {MAX_PAGE_SIZE}; default {DEFAULT_PAGE_SIZE}."
                ),
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
            },
        ]

    def _page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return DEFAULT_PAGE_SIZE
        if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE_SIZE:
            raise ValidationError(
                {self.page_size_query_param: [f"A whole number from 1 to {MAX_PAGE_SIZE}."]}
            )
        return int(raw)

    def _link(self, *, forwards: bool) -> str | None:
        if not (self.has_next if forwards else self.has_previous):
            return None
        url = self.request.build_absolute_uri()
        if not self.rows:
            # Walked backwards past the start: the first page has no cursor.
            return remove_query_param(url, self.cursor_query_param)
        edge = self.rows[-1] if forwards else self.rows[0]
        position = [self._plain(getattr(edge, f)) for f in self.fields]
        token = json.dumps({"p": position, "b": not forwards}, separators=(",", ":"))
        encoded = base64.urlsafe_b64encode(token.encode()).decode()
        return replace_query_param(url, self.cursor_query_param, encoded)

    @staticmethod
    def _plain(value: Any) -> Any:
        return value.isoformat() if hasattr(value, "isoformat") else value

    def _decode(self, raw: str | None) -> dict | None:
        if not raw:  # "?cursor=" is the first page, as a form left empty would mean
            return None
        invalid = ValidationError({self.cursor_query_param: ["Not a cursor this API gave out."]})
        try:
            token = json.loads(base64.urlsafe_b64decode(raw.encode("ascii")))
            position = token["p"]
            if not isinstance(position, list) or len(position) != len(self.fields):
                raise invalid
            values = [
                self.model._meta.get_field(name).to_python(value)
                for name, value in zip(self.fields, position, strict=True)
            ]
            if any(value is None for value in values) or any(
                isinstance(value, dt.datetime) and not in_supported_range(value) for value in values
            ):
                raise invalid
            return {"position": values, "backwards": bool(token.get("b"))}
        except (
            ValueError,
            KeyError,
            TypeError,
            UnicodeError,
            binascii.Error,
            OverflowError,
            DjangoValidationError,  # a field's to_python refusing the value
        ) as exc:
            raise invalid from exc
