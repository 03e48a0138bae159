"""Every write to appointments goes through here; each function owns its transaction."""

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count, Max, QuerySet
from django.utils import timezone

from config.errors import DomainError
from config.sql import insert_select, lock_rows
from strikes.models import Strike
from trusts.models import Site

from .models import ALLOWED_STATUS_MOVES, Appointment, AppointmentEvent, EventAction, Status


class StatusMoveRefused(DomainError):
    """Some of the bookings may not make the requested status move; none were moved."""

    http_status = 409  # refused for the bookings' state, not for the request's shape

    def __init__(self, to_status: str, refused: Mapping[str, int]) -> None:
        self.to_status = to_status
        self.refused = dict(refused)
        parts = "; ".join(
            f"{count} currently '{Status(status).label.lower()}'"
            for status, count in sorted(refused.items())
        )
        super().__init__(
            f"Cannot mark bookings as '{Status(to_status).label.lower()}': {parts} "
            "may not move to that status. Nothing was changed."
        )


@dataclass(frozen=True)
class StatusMoveResult:
    moved: int
    batch_id: uuid.UUID


def statuses_that_may_become(to_status: str) -> set[str]:
    return {source for source, targets in ALLOWED_STATUS_MOVES.items() if to_status in targets}


def appointments_move_status(
    *,
    appointments: QuerySet[Appointment],
    to_status: str,
    actor: Any | None,
    action: str = EventAction.STATUS_CHANGED,
    strike: Strike | None = None,
    detail: Mapping[str, Any] | None = None,
    batch_id: uuid.UUID | None = None,
    at: dt.datetime | None = None,
) -> StatusMoveResult:
    """Move every booking in ``appointments`` to ``to_status`` and record why, all or none.

    A fixed number of statements whatever the number of bookings: one INSERT ... SELECT
    writes an event per booking with its current status as ``from_status``, one UPDATE
    moves exactly the bookings those new events name (not earlier events that share the
    batch id, and not rows a concurrent import added to the selection meanwhile). A
    selection that joins and matches a booking twice still moves it once. If any booking
    may not make the move (see ``ALLOWED_STATUS_MOVES``) nothing is written and
    ``StatusMoveRefused`` says how many of which status were refused. ``at`` is when the
    change happened, for services that act as of a given moment (default: now).
    """
    if to_status not in Status.values:
        raise DomainError(f"{to_status!r} is not an appointment status.")
    batch_id = batch_id or uuid.uuid4()
    now = at or timezone.now()
    # Each booking once, however the caller's selection joins.
    targets = Appointment.objects.filter(pk__in=appointments.values("pk"))
    with transaction.atomic():
        lock_rows(targets)
        refused = (
            targets.exclude(status__in=statuses_that_may_become(to_status))
            .order_by()
            .values("status")
            .annotate(count=Count("pk"))
        )
        refused_counts = {row["status"]: row["count"] for row in refused}
        if refused_counts:
            raise StatusMoveRefused(to_status, refused_counts)

        events_before = AppointmentEvent.objects.aggregate(last=Max("pk"))["last"] or 0
        moved = insert_select(
            into=AppointmentEvent,
            select=targets.order_by().values("pk", "status"),
            columns={"appointment": "pk", "from_status": "status"},
            constants={
                "at": now,
                "actor": actor.pk if actor is not None else None,
                "strike": strike.pk if strike is not None else None,
                "action": action,
                "to_status": to_status,
                "batch_id": batch_id,
                "detail": dict(detail or {}),
            },
        )
        batch_events = AppointmentEvent.objects.filter(
            batch_id=batch_id, to_status=to_status, pk__gt=events_before
        )
        Appointment.objects.filter(pk__in=batch_events.values("appointment_id")).update(
            status=to_status, updated_at=now
        )
    return StatusMoveResult(moved=moved, batch_id=batch_id)


def appointment_move_status(
    *,
    appointment: Appointment,
    to_status: str,
    actor: Any | None,
    action: str = EventAction.STATUS_CHANGED,
    strike: Strike | None = None,
    detail: Mapping[str, Any] | None = None,
) -> Appointment:
    """The single-booking form of ``appointments_move_status``; returns it refreshed."""
    appointments_move_status(
        appointments=Appointment.objects.filter(pk=appointment.pk),
        to_status=to_status,
        actor=actor,
        action=action,
        strike=strike,
        detail=detail,
    )
    appointment.refresh_from_db(fields=["status", "updated_at"])
    return appointment


def appointment_reschedule(
    *,
    appointment: Appointment,
    starts_at: dt.datetime,
    actor: Any | None,
    strike: Strike | None = None,
    at: dt.datetime | None = None,
) -> Appointment:
    """Give a postponed (or already rescheduled) booking a new date; returns it refreshed.

    The first date it was booked for is kept in ``original_starts_at``. The patient's
    "new date" notice follows from the status, at the scheduler's next tick.
    """
    now = at or timezone.now()
    if starts_at <= now:
        raise DomainError("A new date must be in the future.")
    with transaction.atomic():
        appointments_move_status(
            appointments=Appointment.objects.filter(pk=appointment.pk),
            to_status=Status.RESCHEDULED,
            actor=actor,
            action=EventAction.RESCHEDULED,
            strike=strike,
            detail={"new_starts_at": starts_at.isoformat()},
            at=now,
        )
        booking = Appointment.objects.select_for_update().get(pk=appointment.pk)
        if booking.original_starts_at is None:
            booking.original_starts_at = booking.starts_at
        booking.starts_at = starts_at
        booking.save(update_fields=["original_starts_at", "starts_at", "updated_at"])
    return booking


# Fields a booking's trust may correct in place; the rest come from the PAS import or
# follow from decisions and rescheduling.
APPOINTMENT_FIELDS_STAFF_KEEP = frozenset({"priority", "referral_received_on"})


def appointment_update(
    *,
    appointment: Appointment,
    actor: Any | None,
    status: str | None = None,
    changes: Mapping[str, Any] | None = None,
) -> Appointment:
    """Change a booking's status and/or its priority and referral date, all or nothing.

    ``status`` goes through ``appointments_move_status`` (the allowed moves, an event);
    ``changes`` holds only ``APPOINTMENT_FIELDS_STAFF_KEEP``. No event records those:
    ``EventAction`` has no action for an edit, and the history rule covers statuses.
    Returns the booking refreshed.
    """
    changes = dict(changes or {})
    unknown = set(changes) - APPOINTMENT_FIELDS_STAFF_KEEP
    if unknown:
        raise DomainError(f"These cannot be changed here: {', '.join(sorted(unknown))}.")
    with transaction.atomic():
        if status is not None:
            appointments_move_status(
                appointments=Appointment.objects.filter(pk=appointment.pk),
                to_status=status,
                actor=actor,
            )
        booking = Appointment.objects.select_for_update().get(pk=appointment.pk)
        if changes:
            for field, value in changes.items():
                setattr(booking, field, value)
            booking.clean_fields(
                exclude=[f.name for f in Appointment._meta.fields if f.name not in changes]
            )
            booking.save(update_fields=[*changes, "updated_at"])
    return booking


def appointment_reschedule_at_site(
    *,
    appointment: Appointment,
    starts_at: dt.datetime,
    site: Site,
    actor: Any | None,
    at: dt.datetime | None = None,
) -> Appointment:
    """``appointment_reschedule`` to a new date at another of the booking's trust's sites,
    in one transaction. The event records the new date only (``appointment_reschedule``
    writes its detail)."""
    if site.trust_id != appointment.trust_id:
        raise DomainError("A booking can only move to a site of its own trust.")
    with transaction.atomic():
        booking = appointment_reschedule(
            appointment=appointment, starts_at=starts_at, actor=actor, at=at
        )
        if booking.site_id != site.pk:
            booking.site = site
            booking.save(update_fields=["site", "updated_at"])
    return booking
