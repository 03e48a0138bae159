"""The Appointment search parameters: FHIR's syntax read into one Django filter, and pages.

Supported: ``identifier``, ``date``, ``status`` (each may repeat: repeats are ANDed, a
comma inside one value ORs), ``_count`` (1 to 500, default 50) and ``_cursor``, the
opaque position our ``next`` links carry. Pages are keyed on (start, id), so a deep page
is one index range scan and a booking added meanwhile can neither repeat nor shift rows.
Parameters we do not know are ignored, as FHIR's lenient handling allows, unless the
request says ``Prefer: handling=strict``. Modifiers (``status:not``) are refused rather
than ignored, since ignoring one would silently return the wrong bookings.
"""

import base64
import binascii
import datetime as dt
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.db.models import Q
from django.utils.dateparse import parse_datetime

from ..references import normalise_booking_reference
from .systems import (
    BOOKING_REFERENCE_SYSTEM,
    FHIR_STATUS,
    FHIR_STATUS_CODES,
    LONDON,
    PAS_ID_SYSTEM_PREFIX,
)

DEFAULT_COUNT = 50
MAX_COUNT = 500
FILTERS = ("identifier", "date", "status")
RESULT_PARAMETERS = ("_count", "_cursor")
# Understood and deliberately without effect: we only ever answer in JSON.
IGNORED = ("_format",)
NOTHING = Q(pk__in=[])

# A FHIR date or dateTime: year, month and day, then optionally a time to the minute,
# second or fraction with its offset. A "+" arrives as a space unless the client
# percent-encoded it, so a space before the offset is read as "+".
_DATE = re.compile(
    r"(?P<year>\d{4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2})"
    r"(?:T(?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.(?P<fraction>\d+))?)?"
    r"(?P<offset>Z|[+\- ]\d{2}:\d{2})?)?)?)?"
)
SUPPORTED_PREFIXES = ("eq", "ne", "gt", "ge", "lt", "le")


class SearchError(Exception):
    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(message)
        self.parameter = parameter
        self.message = message


@dataclass
class Search:
    condition: Q = field(default_factory=Q)
    count: int = DEFAULT_COUNT
    after: tuple[dt.datetime, int] | None = None
    # The parameters used, in order, for the self link (FHIR: only those applied).
    used: list[tuple[str, str]] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)

    def query_string(self, *, cursor: str | None = None) -> str:
        """This page's parameters, or with ``cursor`` the page starting there."""
        if cursor is None:
            return urlencode(self.used)
        return urlencode([(k, v) for k, v in self.used if k != "_cursor"] + [("_cursor", cursor)])


def split_unescaped(value: str, separator: str, maxsplit: int = -1) -> list[str]:
    """Split on ``separator`` except where FHIR escapes it with a backslash; escapes stay."""
    parts: list[str] = []
    current: list[str] = []
    chars = iter(value)
    for char in chars:
        if char == "\\":
            current += [char, next(chars, "")]
        elif char == separator and (maxsplit < 0 or len(parts) < maxsplit):
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def unescape(value: str) -> str:
    return re.sub(r"\\(.)", r"\1", value)


def _any_of(conditions: Iterable[Q]) -> Q:
    combined = NOTHING
    for condition in conditions:
        combined |= condition
    return combined


def _identifier(token: str) -> Q:
    pieces = split_unescaped(token, "|", maxsplit=1)
    if len(pieces) == 1:
        value = unescape(token)
        return Q(reference=normalise_booking_reference(value)) | Q(external_id=value)
    system, value = unescape(pieces[0]), unescape(pieces[1])
    if system == BOOKING_REFERENCE_SYSTEM:
        return Q(reference=normalise_booking_reference(value)) if value else Q()
    if system.startswith(PAS_ID_SYSTEM_PREFIX) and system != PAS_ID_SYSTEM_PREFIX:
        trust = Q(trust__ods_code=system.removeprefix(PAS_ID_SYSTEM_PREFIX))
        return trust & Q(external_id=value) if value else trust
    # Another system, or "|value" (no system): no booking has such an identifier.
    return NOTHING


def _date_range(raw: str) -> tuple[dt.datetime, dt.datetime]:
    """The half-open interval of instants a FHIR date or dateTime stands for."""
    match = _DATE.fullmatch(raw)
    if match is None:
        raise SearchError(
            "date", f"{raw!r} is not a FHIR date (2026-07-08) or dateTime (2026-07-08T09:00:00Z)."
        )
    parts = match.groupdict()
    try:
        if parts["hour"] is None:
            year, month, day = int(parts["year"]), int(parts["month"] or 1), int(parts["day"] or 1)
            start = dt.date(year, month, day)
            if parts["day"]:
                end = start + dt.timedelta(days=1)
            elif parts["month"]:
                end = (start + dt.timedelta(days=31)).replace(day=1)
            else:
                end = start.replace(year=year + 1)
            # A date alone is a day (month, year) in local time: in summer it begins at
            # 23:00 UTC the evening before.
            low = dt.datetime.combine(start, dt.time(), tzinfo=LONDON)
            high = dt.datetime.combine(end, dt.time(), tzinfo=LONDON)
        elif parts["offset"] is None:
            raise SearchError(
                "date",
                f"{raw!r} has a time but no offset: add Z or one such as +01:00, "
                "since a time alone is ambiguous across the clock change.",
            )
        else:
            fraction = parts["fraction"] or ""
            parsed = parse_datetime(raw.replace(" ", "+"))
            if parsed is None:
                raise ValueError(raw)
            low = parsed
            if parts["second"] is None:
                precision = dt.timedelta(minutes=1)
            elif not fraction:
                precision = dt.timedelta(seconds=1)
            else:
                precision = dt.timedelta(microseconds=max(1, 10 ** (6 - min(len(fraction), 6))))
            high = low + precision
        # In UTC here, so a value that only overflows once converted (9999-12-31T23:00-05:00)
        # is refused now rather than failing in the database adapter.
        return low.astimezone(dt.UTC), high.astimezone(dt.UTC)
    except (ValueError, OverflowError) as exc:
        raise SearchError("date", f"{raw!r} is not a real date or time.") from exc


def _date(token: str) -> Q:
    prefix, raw = token[:2], token[2:]
    if not prefix.isalpha():
        prefix, raw = "eq", token
    if prefix not in SUPPORTED_PREFIXES:
        raise SearchError(
            "date",
            f"Prefix {prefix!r} is not supported; use one of {', '.join(SUPPORTED_PREFIXES)}.",
        )
    low, high = _date_range(raw)
    within = Q(starts_at__gte=low, starts_at__lt=high)
    return {
        "eq": within,
        "ne": ~within,
        "gt": Q(starts_at__gte=high),
        "ge": Q(starts_at__gte=low),
        "lt": Q(starts_at__lt=low),
        "le": Q(starts_at__lt=high),
    }[prefix]


def _status(token: str) -> Q:
    if token not in FHIR_STATUS_CODES:
        raise SearchError(
            "status", f"{token!r} is not an Appointment status ({', '.join(FHIR_STATUS_CODES)})."
        )
    ours = [status for status, fhir in FHIR_STATUS.items() if fhir == token]
    return Q(status__in=ours) if ours else NOTHING


_PARSERS = {"identifier": _identifier, "date": _date, "status": _status}


def _count(raw: str) -> int:
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_COUNT:
        raise SearchError("_count", f"A whole number from 1 to {MAX_COUNT}; {raw!r} is not.")
    return int(raw)


def encode_cursor(starts_at: dt.datetime, pk: int) -> str:
    token = json.dumps([starts_at.isoformat(), pk], separators=(",", ":"))
    return base64.urlsafe_b64encode(token.encode()).decode().rstrip("=")


def _cursor(raw: str) -> tuple[dt.datetime, int]:
    try:
        padded = raw + "=" * (-len(raw) % 4)
        starts_at, pk = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        instant = parse_datetime(starts_at)
        if instant is not None and instant.tzinfo is not None:
            instant = instant.astimezone(dt.UTC)  # overflows here, not in the database
        # An id beyond a 64-bit column would be a database error, not a page.
        if instant is None or instant.tzinfo is None or type(pk) is not int or pk >> 63:
            raise ValueError(raw)
        return instant, pk
    except (ValueError, TypeError, OverflowError, UnicodeError, binascii.Error) as exc:
        raise SearchError("_cursor", "Not a position this server gave out.") from exc


def parse_search(params: Any, *, strict: bool = False) -> Search:
    """Read a QueryDict of search parameters; raises ``SearchError`` naming the first bad one."""
    search = Search()
    for name in params:
        values = [v for v in params.getlist(name) if v != ""]
        if any("\x00" in v for v in values):
            # PostgreSQL refuses NUL in text: a 400 here, not a 500 from the driver.
            raise SearchError(name, "Contains a NUL character.")
        base, _, modifier = name.partition(":")
        if base in FILTERS and modifier:
            raise SearchError(name, f"The modifier :{modifier} is not supported.")
        if name in FILTERS:
            for value in values:
                # Identifiers keep their escapes until split into system and value.
                tokens = split_unescaped(value, ",")
                if name != "identifier":
                    tokens = [unescape(token) for token in tokens]
                search.condition &= _any_of(_PARSERS[name](t) for t in tokens)
                search.used.append((name, value))
        elif name in RESULT_PARAMETERS:
            if len(values) > 1:
                raise SearchError(name, "Give it once.")
            if values:
                if name == "_count":
                    search.count = _count(values[0])
                else:
                    search.after = _cursor(values[0])
                search.used.append((name, values[0]))
        elif name not in IGNORED:
            if strict:
                raise SearchError(name, "Not a search parameter this server supports.")
            search.ignored.append(name)
    return search


def after_position(starts_at: dt.datetime, pk: int) -> Q:
    """Bookings after (starts_at, pk) in page order. The leading ``starts_at >=`` gives
    the database an index range to start from rather than an OR across the table."""
    return Q(starts_at__gte=starts_at) & (Q(starts_at__gt=starts_at) | Q(pk__gt=pk))
