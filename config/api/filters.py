"""Query-string filters shared by the API's lists, strict about what they accept.

A value a filter cannot read is a 400 naming the filter, never silently ignored: an
integration that mistypes a filter must not get every row back and think they matched.
"""

import datetime as dt
import re
from typing import Any

import django_filters
from django import forms
from django.utils import timezone

from .fields import (
    EARLIEST_YEAR,
    LATEST_YEAR,
    OFFSET_EXAMPLE,
    in_supported_range,
    parse_aware_datetime,
)

# "+01:00" sent unencoded in a query string arrives as " 01:00"; nothing else is meant.
_PLUS_READ_AS_SPACE = re.compile(r"(T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}(?::?\d{2})?)\Z")


class AwareDateTimeFormField(forms.Field):
    default_error_messages = {
        "invalid": f"Not an ISO 8601 date and time; use e.g. {OFFSET_EXAMPLE}.",
        "naive": f"Give the time with its UTC offset, e.g. {OFFSET_EXAMPLE}.",
        "out_of_range": f"A time from {EARLIEST_YEAR} to {LATEST_YEAR}.",
    }

    def to_python(self, value: Any) -> Any:
        if value in self.empty_values:
            return None
        text = _PLUS_READ_AS_SPACE.sub(r"\1+\2", str(value).strip())
        parsed = parse_aware_datetime(text)
        if parsed is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        if timezone.is_naive(parsed):
            raise forms.ValidationError(self.error_messages["naive"], code="naive")
        if not in_supported_range(parsed):
            raise forms.ValidationError(self.error_messages["out_of_range"], code="out_of_range")
        # In UTC: the database is given no offset it could refuse (PostgreSQL stops at
        # 15:59; ISO 8601 allows up to 23:59).
        return parsed.astimezone(dt.UTC)


class AwareDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = AwareDateTimeFormField


class StrictBooleanFormField(forms.Field):
    default_error_messages = {"invalid": "Either true or false."}
    VALUES = {"true": True, "1": True, "false": False, "0": False}

    def to_python(self, value: Any) -> Any:
        if value in self.empty_values:
            return None
        try:
            return self.VALUES[str(value).strip().lower()]
        except KeyError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


class StrictBooleanFilter(django_filters.BooleanFilter):
    """django-filter's own reads anything but true/false as "not given"."""

    field_class = StrictBooleanFormField
