"""A strike's life: confirmed, suspended and resumed, called off, completed.

Every move is checked against ``ALLOWED_STRIKE_MOVES`` and recorded as a
StrikeStatusChange. Calling a strike off also puts back the bookings it postponed.
"""

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from appointments.models import EventAction, Outcome, Status, StrikeImpact
from config.errors import DomainError

from ..models import ALLOWED_STRIKE_MOVES, Strike, StrikeStatus, StrikeStatusChange
from .decisions import bookings_postponed_by, postponed_restore

MANAGE_STRIKES = "strikes.change_strike"


class StrikeMoveRefused(DomainError):
    http_status = 409  # refused for the strike's state, not for the request's shape


@dataclass(frozen=True)
class CallOffResult:
    reinstated: int  # bookings put back, whose patients must be told they go ahead
    still_postponed: int  # postponed bookings whose time had already passed
    batch_id: uuid.UUID


def strike_confirm(*, strike: Strike, actor: Any, now: dt.datetime | None = None) -> Strike:
    return _move(strike, StrikeStatus.CONFIRMED, actor, now)


def strike_suspend(*, strike: Strike, actor: Any, now: dt.datetime | None = None) -> Strike:
    """Talks are on: the strike may still happen, so decisions and impacts stay, but no
    new decisions are taken until it is resumed."""
    return _move(strike, StrikeStatus.SUSPENDED, actor, now)


def strike_resume(*, strike: Strike, actor: Any, now: dt.datetime | None = None) -> Strike:
    """Back to the status it had when it was suspended (announced or confirmed)."""
    with transaction.atomic():
        locked = Strike.objects.select_for_update().get(pk=strike.pk)
        if locked.status != StrikeStatus.SUSPENDED:
            raise StrikeMoveRefused(f"'{locked}' is not suspended, so it cannot be resumed.")
        suspension = (
            locked.status_changes.filter(to_status=StrikeStatus.SUSPENDED).order_by("-pk").first()
        )
        before = suspension.from_status if suspension else StrikeStatus.CONFIRMED
        return _move(locked, before, actor, now)


def strike_complete(*, strike: Strike, actor: Any, now: dt.datetime | None = None) -> Strike:
    now = now or timezone.now()
    if now < strike.ends_at:
        raise StrikeMoveRefused(
            f"'{strike}' runs until {timezone.localtime(strike.ends_at):%d %B %Y %H:%M}; "
            "it can be marked completed once it has ended."
        )
    return _move(strike, StrikeStatus.COMPLETED, actor, now)


def strike_call_off(*, strike: Strike, actor: Any, now: dt.datetime | None = None) -> CallOffResult:
    """Call the strike off and reinstate the bookings it postponed that have yet to happen.

    Each reinstated booking returns to the status it had before (booked, or rescheduled),
    its impact becomes going ahead with ``reinstated_at`` set, which is the record the
    notices use to tell the patient their appointment goes ahead after all. Postponed
    bookings whose time has passed stay postponed and wait for a new date.
    """
    now = now or timezone.now()
    batch_id = uuid.uuid4()
    with transaction.atomic():
        strike = _locked_for_move(strike, StrikeStatus.CALLED_OFF, actor)
        waiting = bookings_to_reinstate(strike=strike, now=now)
        reinstated = postponed_restore(
            waiting,
            strike=strike,
            actor=actor,
            action=EventAction.REINSTATED,
            detail={"reason": "strike called off"},
            batch_id=batch_id,
            at=now,
        )
        StrikeImpact.objects.filter(strike=strike, appointment__events__batch_id=batch_id).update(
            outcome=Outcome.GOING_AHEAD,
            reinstated_at=now,
            decided_at=now,
            decided_by=actor,
            updated_at=now,
        )
        still_postponed = StrikeImpact.objects.filter(
            strike=strike, outcome=Outcome.POSTPONED, appointment__status=Status.POSTPONED
        ).count()
        _record_move(
            strike,
            StrikeStatus.CALLED_OFF,
            actor,
            now,
            detail={"reinstated": reinstated, "still_postponed": still_postponed},
        )
    return CallOffResult(reinstated=reinstated, still_postponed=still_postponed, batch_id=batch_id)


def strike_call_off_preview(*, strike: Strike, actor: Any, now: dt.datetime | None = None) -> int:
    """How many bookings calling the strike off now would reinstate; refuses, as the
    call-off itself would, when ``actor`` may not or the strike cannot be called off."""
    _check_move(strike, StrikeStatus.CALLED_OFF, actor)
    return bookings_to_reinstate(strike=strike, now=now or timezone.now()).count()


def bookings_to_reinstate(*, strike: Strike, now: dt.datetime) -> QuerySet[StrikeImpact]:
    """The impacts a call-off now would put back: bookings this strike postponed that are
    still waiting and still ahead."""
    postponed = StrikeImpact.objects.filter(strike=strike, outcome=Outcome.POSTPONED)
    waiting = bookings_postponed_by(strike=strike, among=postponed)
    return postponed.filter(appointment__in=waiting.values("pk"), appointment__starts_at__gt=now)


def _move(strike: Strike, to_status: str, actor: Any, now: dt.datetime | None) -> Strike:
    with transaction.atomic():
        strike = _locked_for_move(strike, to_status, actor)
        _record_move(strike, to_status, actor, now or timezone.now())
    return strike


def _locked_for_move(strike: Strike, to_status: str, actor: Any) -> Strike:
    """The strike, locked until the transaction ends, once the move is known allowed."""
    strike = Strike.objects.select_for_update().get(pk=strike.pk)
    _check_move(strike, to_status, actor)
    return strike


def _check_move(strike: Strike, to_status: str, actor: Any) -> None:
    if actor is not None and not actor.has_perm(MANAGE_STRIKES):
        raise StrikeMoveRefused("Only national administrators can change a strike's status.")
    if to_status not in ALLOWED_STRIKE_MOVES[strike.status]:
        raise StrikeMoveRefused(
            f"'{strike}' is {strike.get_status_display().lower()} and cannot become "
            f"{StrikeStatus(to_status).label.lower()}."
        )


def _record_move(
    strike: Strike, to_status: str, actor: Any, now: dt.datetime, detail: dict | None = None
) -> None:
    StrikeStatusChange.objects.create(
        strike=strike,
        at=now,
        actor=actor,
        from_status=strike.status,
        to_status=to_status,
        detail=detail or {},
    )
    strike.status = to_status
    strike.save(update_fields=["status", "updated_at"])
