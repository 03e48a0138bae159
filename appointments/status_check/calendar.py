"""An iCalendar (RFC 5545) file for one appointment, for the status page's "add to calendar".

Written by hand: one event with a handful of properties does not justify a dependency.
The file carries no name, NHS number or date of birth, only what the page itself shows.
"""

import datetime as dt
import hashlib

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from appointments.fhir.systems import NOMINAL_DURATION
from appointments.references import format_booking_reference

from .answers import Answer

_MAX_LINE_OCTETS = 75


def appointment_calendar(answer: Answer, *, now: dt.datetime | None = None) -> str:
    start = answer.starts_at
    end = start + NOMINAL_DURATION[answer.kind]
    # Stable per booking and time, so re-downloading after a change updates the event
    # in the patient's calendar instead of adding a second one; hashed so the UID does
    # not carry the reference into calendar sync services.
    uid = hashlib.sha256(f"{answer.reference}/{start.isoformat()}".encode()).hexdigest()[:32]
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
