"""Serializer fields shared by the apps' APIs."""

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework import serializers

from trusts.models import Trust

from .permissions import UNKNOWN_TRUST, trusts_for


class TrustCodeField(serializers.SlugRelatedField):
    """A trust named by ODS code, looked up among the requesting user's trusts only.

    A trust elsewhere gets the same message as one that does not exist, so the API never
    confirms another trust's records to a token that cannot see them.
    """

    default_error_messages = {
        "does_not_exist": UNKNOWN_TRUST,
        "invalid": "An ODS trust code, e.g. RM1.",
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", "The trust's ODS code, e.g. RM1.")
        if not kwargs.get("read_only"):
            kwargs.setdefault("queryset", Trust.objects.none())
        super().__init__(slug_field="ods_code", **kwargs)

    def get_queryset(self) -> QuerySet[Trust]:
        return trusts_for(self.context["request"].user)


OFFSET_EXAMPLE = "2031-07-08T09:30:00+01:00"
# Bookings and strikes are dated within the NHS's lifetime; outside it a time is a typo,
# and times near year 1 or 9999 overflow the arithmetic reports and notices do on them.
EARLIEST_YEAR = 1948
LATEST_YEAR = 2999


def parse_aware_datetime(text: str) -> Any:
    """The datetime in ``text``, or None if it is not ISO 8601; naive ones are returned
    naive for the caller to refuse."""
    try:
        return parse_datetime(text.strip())
    except ValueError:  # well-formed but impossible, e.g. 31 February
        return None


def in_supported_range(value: dt.datetime) -> bool:
    return EARLIEST_YEAR <= value.year <= LATEST_YEAR


class AwareDateTimeField(serializers.DateTimeField):
    """ISO 8601 with a UTC offset. A time without one is refused, not read as London
    time: around a clock change the same wall time happens twice, or not at all, and an
    integration's clock may not be in Europe/London."""

    default_error_messages = {
        "naive": f"Give the time with its UTC offset, e.g. {OFFSET_EXAMPLE} "
        "(include a UTC offset).",
        "out_of_range": f"A time from {EARLIEST_YEAR} to {LATEST_YEAR}.",
    }

    def to_internal_value(self, value: Any) -> dt.datetime:
        # The range first: converting year 1 or 9999 to London time would overflow.
        parsed = parse_aware_datetime(value) if isinstance(value, str) else value
        if isinstance(parsed, dt.datetime) and not in_supported_range(parsed):
            self.fail("out_of_range")
        return super().to_internal_value(value)

    def enforce_timezone(self, value: dt.datetime) -> dt.datetime:
        # Also called on output, where stored times are always aware: no range check
        # here, so a stored time outside the range is still shown, never an error.
        if timezone.is_naive(value):
            self.fail("naive")
        return super().enforce_timezone(value)
