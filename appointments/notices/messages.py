"""What each notice says, in plain English, per kind and channel.

The text is composed here, once, and handed to whichever backend sends it, so the
outbox shows exactly what a patient would get. Names and addresses appear only in the
message itself: never in a file name, a provider reference or a log line.
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from appointments.models import Channel, Notice, NoticeKind
from appointments.references import format_booking_reference


@dataclass(frozen=True)
class Message:
    """One message ready for a channel. ``to`` is the phone number or email address;
    letters carry the address lines instead (name first, postcode last)."""

    notice_id: int
    channel: str
    kind: str
    to: str
    address_lines: tuple[str, ...]
    subject: str
    body: str


def status_page_url() -> str:
    return settings.STRIKEDESK_PUBLIC_URL.rstrip("/") + "/check/"


def when(moment: dt.datetime) -> str:
    """'Monday 30 November 2026 at 9:15am', in UK time."""
    local = timezone.localtime(moment)
    clock = f"{local:%I:%M}".lstrip("0") + ("am" if local.hour < 12 else "pm")
    return f"{local:%A} {local.day} {local:%B %Y} at {clock}"


def _what_to_do(notice: Notice) -> tuple[str, str]:
    """The subject, and the sentences saying what happens and what to do."""
    appointment = notice.appointment
    about = _("your %(service)s appointment at %(site)s on %(when)s") % {
        "service": appointment.service.name,
        "site": appointment.site.name,
        "when": when(appointment.starts_at),
    }
    if notice.kind == NoticeKind.POSTPONED:
        return _("Your appointment is postponed because of strike action"), _(
            "Because of strike action, %(about)s will not go ahead. Do not attend. "
            "We will contact you with a new date."
        ) % {"about": about}
    if notice.kind == NoticeKind.GOING_AHEAD:
        return _("Your appointment is going ahead"), _(
            "There is strike action, but %(about)s is going ahead. Attend as normal."
        ) % {"about": about}
    if notice.kind == NoticeKind.REINSTATED:
        return _("Your appointment is going ahead: the strike has been called off"), _(
            "The strike has been called off. We told you earlier that your appointment "
            "was postponed: it is now going ahead. Please attend %(about)s."
        ) % {"about": about}
    return _("Your new appointment date"), _(
        "Your appointment that was postponed because of strike action has a new date: "
        "%(about)s. Please attend then."
    ) % {"about": about}


def compose(notice: Notice) -> Message:
    """The message for ``notice``; its appointment, patient, site, service and trust
    must be loaded (``select_related``) so that composing asks nothing of the database."""
    appointment = notice.appointment
    patient = appointment.patient
    trust = appointment.trust
    subject, what = _what_to_do(notice)
    reference = format_booking_reference(appointment.reference)
    check = _(
        "You can check your appointment online at %(url)s with your booking reference "
        "%(reference)s and your date of birth."
    ) % {"url": status_page_url(), "reference": reference}
    contact = (
        _("If you have questions, call %(line)s.") % {"line": trust.contact_line}
        if trust.contact_line
        else ""
    )
    if notice.channel == Channel.SMS:
        # Shorter: every 160 characters is another text to pay for.
        check = _("Check online at %(url)s with reference %(reference)s.") % {
            "url": status_page_url(),
            "reference": reference,
        }
        body = " ".join((f"{trust.name}:", what, check))
        return Message(notice.pk, notice.channel, notice.kind, patient.phone, (), subject, body)
    name = f"{patient.given_name} {patient.family_name}"
    if notice.channel == Channel.PHONE:
        # What staff say on the call, not a letter read aloud.
        script = _(
            "Ask for %(name)s. Say you are calling from %(trust)s about their appointment."
        ) % {"name": name, "trust": trust.name}
        body = " ".join((script, what, check))
        return Message(notice.pk, notice.channel, notice.kind, patient.phone, (), subject, body)
    greeting = _("Dear %(name)s,") % {"name": name}
    paragraphs = [greeting, what, check, contact, _("Yours sincerely,"), trust.name]
    body = "\n\n".join(part for part in paragraphs if part)
    if notice.channel == Channel.LETTER:
        lines = (
            name,
            *[line for line in patient.address if line],
            patient.postcode,
        )
        return Message(notice.pk, notice.channel, notice.kind, "", lines, subject, body)
    return Message(notice.pk, notice.channel, notice.kind, patient.email, (), subject, body)


NOTICE_RELATIONS = (
    "appointment__patient",
    "appointment__site",
    "appointment__service",
    "appointment__trust",
    "strike",
)
