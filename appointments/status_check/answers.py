"""What to tell a patient who has proved they hold a booking: the status page's selector.

``booking_matching`` is the only lookup made with what the patient typed. It asks for the
reference and the date of birth together, in one query, so a wrong reference and a wrong
date of birth run the same statement and come back the same way: empty.

``answer_for`` turns the booking, its strike impacts and its notices into one of the page's
states. It never returns a name, NHS number, date of birth or address.
"""

import datetime as dt
import enum
from dataclasses import dataclass

from django.db.models import Case, Q, Value, When
from django.utils import timezone

from appointments.models import (
    TOLD_STATUSES,
    Appointment,
    AppointmentEvent,
    EventAction,
    Notice,
    NoticeKind,
    Outcome,
    Status,
    StrikeImpact,
)
from strikes.models import Strike, StrikeStatus

# Strikes that may still stop a booking: a called-off or finished strike no longer will.
LIVE_STRIKE_STATUSES = (StrikeStatus.ANNOUNCED, StrikeStatus.CONFIRMED, StrikeStatus.SUSPENDED)


class AnswerState(enum.StrEnum):
    GOING_AHEAD = "going_ahead"
    POSTPONED = "postponed"
    RESCHEDULED = "rescheduled"
    REINSTATED = "reinstated"
    CANCELLED = "cancelled"
    PAST = "past"


class StrikeContext(enum.StrEnum):
    """How a live strike touches a booking that is going ahead."""

    NONE = "none"
    EXEMPT = "exempt"  # the service keeps running through the strike
    UNDECIDED = "undecided"  # in the strike, no decision yet: silence means attend
    DECIDED_GOING_AHEAD = "decided_going_ahead"


@dataclass(frozen=True)
class NoticeSent:
    channel: str  # a Channel value
    sent_at: dt.datetime


@dataclass(frozen=True)
class StrikeSummary:
    public_id: str
    title: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    status: str


@dataclass(frozen=True)
class Answer:
    state: AnswerState
    reference: str
    starts_at: dt.datetime  # the booking's current time (the new one if rescheduled)
    kind: str
    site_name: str
    site_town: str
    service_name: str
    trust_name: str
    contact_line: str
    revised_at: dt.datetime  # when the booking last changed (the calendar's SEQUENCE)
    # The slot a strike took away (postponed) or the date it had before (rescheduled).
    earlier_starts_at: dt.datetime | None = None
    strike: StrikeSummary | None = None
    strike_context: StrikeContext = StrikeContext.NONE
    notice: NoticeSent | None = None
    # A postponed slot already gone: the page speaks in the past tense.
    slot_passed: bool = False

    @property
    def attend(self) -> bool:
        """The patient should come: the page offers the calendar file."""
        return self.state in (
            AnswerState.GOING_AHEAD,
            AnswerState.REINSTATED,
            AnswerState.RESCHEDULED,
        )


def booking_matching(*, reference: str, date_of_birth: dt.date) -> int | None:
    """The booking's id when both match, else None, whichever of the two was wrong."""
    return (
        Appointment.objects.filter(reference=reference, patient__date_of_birth=date_of_birth)
        .values_list("id", flat=True)
        .first()
    )


def answer_for(*, appointment_id: int, now: dt.datetime | None = None) -> Answer | None:
    now = now or timezone.now()
    booking = (
        Appointment.objects.select_related("site", "service", "trust")
        .filter(pk=appointment_id)
        .first()
    )
    if booking is None:  # removed since the patient checked
        return None
    facts = {
        "reference": booking.reference,
        "starts_at": booking.starts_at,
        "kind": booking.kind,
        "site_name": booking.site.name,
        "site_town": booking.site.town,
        "service_name": booking.service.name,
        "trust_name": booking.trust.name,
        "contact_line": booking.trust.contact_line,
        "revised_at": booking.updated_at,
    }
    if booking.status == Status.CANCELLED:
        return Answer(state=AnswerState.CANCELLED, **facts)
    if booking.status == Status.POSTPONED:
        # Still waiting for a new date, however long ago the lost slot was.
        return _postponed(booking, facts, now)
    if booking.status in (Status.ATTENDED, Status.DID_NOT_ATTEND) or _is_past(booking, now):
        return Answer(state=AnswerState.PAST, **facts)
    if booking.status == Status.RESCHEDULED:
        return Answer(
            state=AnswerState.RESCHEDULED,
            earlier_starts_at=_date_replaced(booking),
            **facts,
            **_live_strike(booking),
        )
    reinstating = (
        StrikeImpact.objects.filter(
            appointment=booking,
            outcome=Outcome.GOING_AHEAD,
            reinstated_at__isnull=False,
            slot_starts_at=booking.starts_at,
            strike__status=StrikeStatus.CALLED_OFF,
        )
        .select_related("strike")
        .order_by("-reinstated_at")
        .first()
    )
    if reinstating is not None:
        live = _live_strike(booking)  # another strike may still have the slot at risk
        return Answer(
            state=AnswerState.REINSTATED,
            strike=live.pop("strike", None) or _summary(reinstating.strike),
            **facts,
            **live,
        )
    return Answer(state=AnswerState.GOING_AHEAD, **facts, **_live_strike(booking))


def _date_replaced(booking: Appointment) -> dt.datetime | None:
    """The date the latest reschedule moved the booking from: the one before it in the
    history of new dates, or the first date booked."""
    new_dates = list(
        AppointmentEvent.objects.filter(
            appointment=booking, action=EventAction.RESCHEDULED, detail__has_key="new_starts_at"
        )
        .order_by("-id")
        .values_list("detail__new_starts_at", flat=True)[:2]
    )
    if len(new_dates) == 2:
        return dt.datetime.fromisoformat(new_dates[1])
    return booking.original_starts_at


def _is_past(booking: Appointment, now: dt.datetime) -> bool:
    # Earlier today still counts as today: someone running late is told what stands.
    return timezone.localdate(booking.starts_at) < timezone.localdate(now)


def _postponed(booking: Appointment, facts: dict, now: dt.datetime) -> Answer:
    # A postponed booking keeps the time it lost. Who postponed it is the latest move into
    # "postponed" in its history: a strike's decision carries the strike, staff postponing
    # a rescheduled date (or a PAS import) carries none.
    postponing = (
        AppointmentEvent.objects.filter(appointment=booking, to_status=Status.POSTPONED)
        # Append-only, so the highest id is the latest written, whatever "at" a service
        # was given for its decision.
        .order_by("-id")
        .values_list("strike_id", flat=True)
        .first()
    )
    strike = Strike.objects.filter(pk=postponing).first() if postponing else None
    told = None
    if strike is not None:
        told = (
            Notice.objects.filter(
                appointment=booking,
                strike=strike,
                kind=NoticeKind.POSTPONED,
                status__in=TOLD_STATUSES,
                sent_at__isnull=False,
            )
            .order_by("-sent_at")
            .values("channel", "sent_at")
            .first()
        )
    return Answer(
        state=AnswerState.POSTPONED,
        earlier_starts_at=booking.starts_at,
        strike=_summary(strike) if strike else None,
        notice=NoticeSent(**told) if told else None,
        slot_passed=booking.starts_at < now,
        **facts,
    )


def _live_strike(booking: Appointment) -> dict:
    """The strike, if any, that the booking's current time falls in, and where it stands."""
    impact = (
        StrikeImpact.objects.filter(
            appointment=booking,
            slot_starts_at=booking.starts_at,
            strike__status__in=LIVE_STRIKE_STATUSES,
        )
        .filter(~Q(outcome=Outcome.POSTPONED))
        .select_related("strike")
        # The strike that may still stop it comes first: an exemption in one strike says
        # nothing about another that has the same slot at risk.
        .order_by(
            Case(
                When(outcome=Outcome.AT_RISK, then=Value(0)),
                When(outcome=Outcome.GOING_AHEAD, then=Value(1)),
                default=Value(2),
            ),
            "strike__starts_at",
        )
        .first()
    )
    if impact is None:
        return {}
    context = {
        Outcome.EXEMPT: StrikeContext.EXEMPT,
        Outcome.AT_RISK: StrikeContext.UNDECIDED,
        Outcome.GOING_AHEAD: StrikeContext.DECIDED_GOING_AHEAD,
    }[Outcome(impact.outcome)]
    return {"strike": _summary(impact.strike), "strike_context": context}


def _summary(strike: Strike) -> StrikeSummary:
    return StrikeSummary(
        public_id=str(strike.public_id),
        title=strike.title,
        starts_at=strike.starts_at,
        ends_at=strike.ends_at,
        status=strike.status,
    )
