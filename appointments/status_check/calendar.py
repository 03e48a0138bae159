"""An iCalendar (RFC 5545) file for one appointment, for the status page's "add to calendar".

Written by hand: one event with a handful of properties does not justify a dependency.
The file carries no name, NHS number or date of birth, only what the page itself shows.
"""

import datetime as dt
import hashlib
import hmac

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from appointments.fhir.systems import NOMINAL_DURATION
from appointments.references import format_booking_reference

from .answers import Answer

_MAX_LINE_OCTETS = 75
# SEQUENCE counts seconds from here: it only ever grows, and fits a 32-bit integer.
_SEQUENCE_EPOCH = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)


def appointment_calendar(answer: Answer, *, now: dt.datetime | None = None) -> str:
    start = answer.starts_at
    end = start + NOMINAL_DURATION[answer.kind]
    # One UID per booking, whatever its date, with a SEQUENCE that grows as the booking
    # changes: a file downloaded after a reschedule replaces the old event in the
    # patient's calendar instead of adding a second one. Keyed, so the UID does not carry
    # the reference into calendar sync services.
    uid = hmac.new(
        settings.SECRET_KEY.encode(), f"calendar/{answer.reference}".encode(), hashlib.sha256
    ).hexdigest()[:32]
    sequence = int((answer.revised_at - _SEQUENCE_EPOCH).total_seconds())
    place = f"{answer.site_name}, {answer.site_town}"
    contact = answer.contact_line or answer.trust_name
    description = "\n".join(
        [
            _("%(service)s appointment at %(place)s.")
            % {"service": answer.service_name, "place": place},
            _("Booking reference: %(reference)s")
            % {"reference": format_booking_reference(answer.reference)},
            _("To check this appointment is still going ahead: %(url)s")
            % {"url": settings.STRIKEDESK_PUBLIC_URL.rstrip("/") + "/check/"},
            _("Questions: %(contact)s") % {"contact": contact},
        ]
    )
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//StrikeDesk//Patient status page//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{uid}@strikedesk",
        f"SEQUENCE:{sequence}",
        f"DTSTAMP:{_utc(now or timezone.now())}",
        f"DTSTART:{_utc(start)}",
        f"DTEND:{_utc(end)}",
        "SUMMARY:"
        + _escape(_("Hospital appointment: %(service)s") % {"service": answer.service_name}),
        "LOCATION:" + _escape(place),
        "DESCRIPTION:" + _escape(description),
        "STATUS:CONFIRMED",
        "TRANSP:OPAQUE",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "".join(_fold(line) + "\r\n" for line in lines)


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def _escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def _fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space (RFC 5545 3.1),
    never splitting a UTF-8 character."""
    pieces: list[str] = []
    current = ""
    limit = _MAX_LINE_OCTETS
    for char in line:
        if len((current + char).encode()) > limit:
            pieces.append(current)
            current = char
            limit = _MAX_LINE_OCTETS - 1  # continuation lines start with a space
        else:
            current += char
    pieces.append(current)
    return "\r\n ".join(pieces)
