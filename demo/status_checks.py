"""Bookings from the demo to try on the patient status page, one per answer it can give.

Printed by ``manage.py load_demo`` so that someone trying StrikeDesk can see each answer
without looking up a booking reference and date of birth in the admin. Demo patients
are synthetic; nothing like this is printed on a real deployment, where the demo is
refused.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from appointments.models import Appointment, Outcome, Status
from appointments.references import format_booking_reference
from appointments.status_check.answers import LIVE_STRIKE_STATUSES


@dataclass(frozen=True)
class Example:
    what: str
    reference: str
    date_of_birth: dt.date

    def __str__(self) -> str:
        born = self.date_of_birth
        return (
            f"{self.what:<42} {format_booking_reference(self.reference)}  "
            f"born {born.day} {born.month} {born.year}"
        )


def status_check_examples(*, now: dt.datetime | None = None) -> list[Example]:
    now = now or timezone.now()
    ahead = Appointment.objects.filter(starts_at__gt=now)
    live = Q(impacts__strike__status__in=LIVE_STRIKE_STATUSES)
    candidates = [
        ("Postponed by the strike", ahead.filter(live, status=Status.POSTPONED)),
        (
            "In the strike, not decided yet (attend)",
            ahead.filter(live, impacts__outcome=Outcome.AT_RISK, status=Status.BOOKED),
        ),
        (
            "In the strike, exempt service (attend)",
            ahead.filter(live, impacts__outcome=Outcome.EXEMPT, status=Status.BOOKED),
        ),
        ("Not affected by any strike", ahead.filter(impacts__isnull=True, status=Status.BOOKED)),
        ("Rescheduled to a new date", ahead.filter(status=Status.RESCHEDULED)),
        ("Already past", Appointment.objects.filter(status=Status.ATTENDED)),
    ]
    examples = []
    for what, bookings in candidates:
        found = (
            bookings.order_by("starts_at", "id")
            .values_list("reference", "patient__date_of_birth")
            .first()
        )
        if found:
            examples.append(Example(what, *found))
    return examples
