"""Decisions: operations staff postpone at-risk bookings, or let them go ahead, in bulk.

A selection is either an explicit list of booking references (all or nothing: one
reference that may not be decided refuses the lot, with the reason) or a filter (trust,
site, service, kind, day, priority), which decides what it may and counts what it
skipped. Every decided booking gets an AppointmentEvent carrying one batch id.
"""

import datetime as dt
import uuid
from dataclasses import dataclass, fields
from typing import Any

from django.db import transaction
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from appointments.models import (
    Appointment,
    AppointmentEvent,
    EventAction,
    Kind,
    Outcome,
    Priority,
    Status,
    StrikeImpact,
)
from appointments.references import (
    is_well_formed_booking_reference,
    normalise_booking_reference,
)
from appointments.services import appointments_move_status
from config.errors import DomainError
from config.sql import insert_select
from trusts.models import Membership, Service, Site, Trust
from trusts.scope import trust_ids_for

from ..models import LONDON, Strike, StrikeStatus
from ..rules import AFFECTED_STATUSES, StrikeRules

DECIDING_ROLES = (Membership.Role.OPERATIONS, Membership.Role.ADMIN)
# Strikes whose bookings may still be decided.
OPEN_FOR_DECISIONS = (StrikeStatus.ANNOUNCED, StrikeStatus.CONFIRMED)
# References named in a refusal (all are counted).
NAMED_IN_REFUSAL = 10


class DecisionRefused(DomainError):
    pass


class DecisionsClosed(DecisionRefused):
    """The strike's state (suspended, called off, completed) takes no decisions."""

    http_status = 409


@dataclass(frozen=True)
class Selection:
    """Which of a strike's bookings a decision is for: references, or a filter."""

    references: tuple[str, ...] = ()
    trust: str | None = None  # ODS code
    site: str | None = None  # site code
    service: str | None = None  # service code
    kind: str | None = None
    day: dt.date | None = None  # local (Europe/London) date of the booking's slot
    priority: str | None = None
    # A filter only decides undecided (at-risk) bookings unless it names the current
    # outcome to change: "every postponed booking at this site goes ahead after all".
    current_outcome: str | None = None

    @property
    def by_reference(self) -> bool:
        return bool(self.references)

    def filters(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "references"}


@dataclass(frozen=True)
class DecisionResult:
    outcome: str
    changed: int  # bookings whose outcome this decision set
    unchanged: int  # already had that outcome
    skipped_exempt: int  # a filter's exempt bookings, left alone
    # A filter's bookings left as they were: decided the other way (a filter changes
    # decisions only when it names the current outcome), or past the point of deciding.
    skipped_locked: int
    batch_id: uuid.UUID


def impacts_decide(
    *,
    strike: Strike,
    outcome: str,
    selection: Selection,
    actor: Any,
    now: dt.datetime | None = None,
) -> DecisionResult:
    """Postpone the selected at-risk bookings, or let them go ahead.

    Postponing moves the booking to ``postponed``. A decision can be changed back
    (postponed to going ahead, which restores the booking's previous status, or the
    reverse) until the strike starts, for bookings named by reference or a filter naming
    their current outcome. A booking whose slot has begun cannot be
    postponed. Exempt bookings, and bookings at trusts where ``actor`` is not
    operations staff or a trust admin, are refused.
    """
    if outcome not in (Outcome.POSTPONED, Outcome.GOING_AHEAD):
        raise DecisionRefused(f"A decision is 'postponed' or 'going_ahead', not {outcome!r}.")
    now = now or timezone.now()
    batch_id = uuid.uuid4()
    with transaction.atomic():
        strike = Strike.objects.select_for_update().get(pk=strike.pk)
        if strike.status not in OPEN_FOR_DECISIONS:
            raise DecisionsClosed(
                f"'{strike}' is {strike.get_status_display().lower()}: decisions can only be "
                "made while a strike is announced or confirmed."
            )
        rules = StrikeRules.of(strike)
        selected = _selected(strike, selection, actor)
        may_change = now < strike.starts_at
        sources = [Outcome.AT_RISK]
        if may_change and (selection.by_reference or selection.current_outcome):
            opposite = Outcome.GOING_AHEAD if outcome == Outcome.POSTPONED else Outcome.POSTPONED
            sources.append(opposite)
        decidable = selected.filter(outcome__in=sources)
        if outcome == Outcome.POSTPONED:
            # Only a booking still in the strike at the slot it was assessed for: one moved
            # since (by an import, say) waits for the next assessment.
            decidable = decidable.filter(
                rules.in_strike("appointment__"),
                appointment__starts_at=F("slot_starts_at"),
                slot_starts_at__gt=now,
            )
        else:
            # Going ahead needs a booking that can: still booked, or still waiting after
            # this strike (not another) postponed it.
            postponed_here = bookings_postponed_by(
                strike=strike, among=selected.filter(outcome=Outcome.POSTPONED)
            )
            decidable = decidable.filter(
                Q(outcome=Outcome.AT_RISK, appointment__status__in=AFFECTED_STATUSES)
                | Q(outcome=Outcome.POSTPONED, appointment__in=postponed_here.values("pk"))
            )
        tally = selected.aggregate(
            total=Count("pk"),
            exempt=Count("pk", filter=Q(outcome=Outcome.EXEMPT)),
            unchanged=Count("pk", filter=Q(outcome=outcome)),
            decidable=Count("pk", filter=Q(pk__in=decidable.values("pk"))),
        )
        locked = tally["total"] - tally["exempt"] - tally["unchanged"] - tally["decidable"]
        if selection.by_reference and (tally["exempt"] or locked):
            _refuse_references(selected, decidable, outcome, may_change)

        if outcome == Outcome.POSTPONED:
            changed = appointments_move_status(
                appointments=Appointment.objects.filter(pk__in=decidable.values("appointment_id")),
                to_status=Status.POSTPONED,
                actor=actor,
                action=EventAction.DECIDED,
                strike=strike,
                detail={"outcome": outcome},
                batch_id=batch_id,
                at=now,
            ).moved
        else:
            changed = _record_going_ahead(
                decidable.filter(outcome=Outcome.AT_RISK), strike, actor, batch_id, now
            )
            changed += postponed_restore(
                decidable.filter(outcome=Outcome.POSTPONED),
                strike=strike,
                actor=actor,
                action=EventAction.DECIDED,
                detail={"outcome": outcome},
                batch_id=batch_id,
                at=now,
            )
        StrikeImpact.objects.filter(
            strike=strike,
            appointment_id__in=AppointmentEvent.objects.filter(batch_id=batch_id).values(
                "appointment_id"
            ),
        ).update(outcome=outcome, decided_at=now, decided_by=actor, updated_at=now)
    return DecisionResult(
        outcome=outcome,
        changed=changed,
        unchanged=tally["unchanged"],
        skipped_exempt=tally["exempt"],
        skipped_locked=locked,
        batch_id=batch_id,
    )


def _selected(strike: Strike, selection: Selection, actor: Any) -> QuerySet[StrikeImpact]:
    """The strike's impacts the selection names, limited to the actor's trusts; refuses
    a selection naming something that does not exist or that the actor may not touch."""
    impacts = StrikeImpact.objects.filter(strike=strike)
    may_act = trust_ids_for(actor, roles=DECIDING_ROLES)
    if may_act is not None and not may_act.exists():
        raise DecisionRefused(
            "Only operations staff and trust admins can make strike decisions, "
            "and you are neither at any trust."
        )
    if selection.by_reference:
        if any(selection.filters().values()):
            raise DecisionRefused("Give booking references or a filter, not both.")
        return _by_references(impacts, selection.references, may_act)
    scoped = impacts if may_act is None else impacts.filter(appointment__trust__in=may_act)
    return _by_filter(scoped, selection, may_act)


def _by_references(
    impacts: QuerySet[StrikeImpact], references: tuple[str, ...], may_act: QuerySet | None
) -> QuerySet[StrikeImpact]:
    wanted = {normalise_booking_reference(reference) for reference in references}
    malformed = sorted(r for r in wanted if not is_well_formed_booking_reference(r))
    if malformed:
        raise DecisionRefused(
            f"{len(malformed)} booking references are not valid: "
            f"{_named(malformed)}. A reference is 12 letters and digits, e.g. 4F7Q-9K2M-X3TB. "
            "Nothing was changed."
        )
    selected = impacts.filter(appointment__reference__in=wanted)
    if may_act is not None:
        selected = selected.filter(appointment__trust__in=may_act)
    found = set(selected.values_list("appointment__reference", flat=True))
    missing = sorted(wanted - found)
    if missing:
        # Another trust's booking reads the same as no booking: references are not
        # confirmed to people who may not see them.
        raise DecisionRefused(
            f"{len(missing)} of these references are not bookings in this strike at a trust "
            f"where you can make decisions: {_named(missing)}. Nothing was changed."
        )
    return selected


def _by_filter(
    impacts: QuerySet[StrikeImpact], selection: Selection, may_act: QuerySet | None
) -> QuerySet[StrikeImpact]:
    if selection.trust is not None:
        trust = Trust.objects.filter(ods_code=selection.trust.upper()).first()
        if trust is None:
            raise DecisionRefused(f"No trust has the ODS code {selection.trust!r}.")
        if may_act is not None and not may_act.filter(trust_id=trust.pk).exists():
            raise DecisionRefused(f"You cannot make strike decisions for {trust.name}.")
        impacts = impacts.filter(appointment__trust=trust)
    if selection.site is not None:
        if not Site.objects.filter(code=selection.site.upper()).exists():
            raise DecisionRefused(f"No site has the code {selection.site!r}.")
        impacts = impacts.filter(appointment__site__code=selection.site.upper())
    if selection.service is not None:
        if not Service.objects.filter(code=selection.service).exists():
            raise DecisionRefused(f"No service has the code {selection.service!r}.")
        impacts = impacts.filter(appointment__service__code=selection.service)
    if selection.kind is not None:
        if selection.kind not in Kind.values:
            raise DecisionRefused(f"Kind is one of {', '.join(Kind.values)}.")
        impacts = impacts.filter(appointment__kind=selection.kind)
    if selection.priority is not None:
        if selection.priority not in Priority.values:
            raise DecisionRefused(f"Priority is one of {', '.join(Priority.values)}.")
        impacts = impacts.filter(appointment__priority=selection.priority)
    if selection.current_outcome is not None:
        if selection.current_outcome not in Outcome.values:
            raise DecisionRefused(f"An outcome is one of {', '.join(Outcome.values)}.")
        impacts = impacts.filter(outcome=selection.current_outcome)
    if selection.day is not None:
        start = dt.datetime.combine(selection.day, dt.time(), tzinfo=LONDON)
        end = dt.datetime.combine(selection.day + dt.timedelta(days=1), dt.time(), tzinfo=LONDON)
        impacts = impacts.filter(slot_starts_at__gte=start, slot_starts_at__lt=end)
    return impacts


def _refuse_references(
    selected: QuerySet[StrikeImpact],
    decidable: QuerySet[StrikeImpact],
    outcome: str,
    may_change: bool,
) -> None:
    exempt = list(
        selected.filter(outcome=Outcome.EXEMPT).values_list("appointment__reference", flat=True)
    )
    if exempt:
        raise DecisionRefused(
            f"{len(exempt)} of these bookings are exempt from the strike and always go ahead: "
            f"{_named(sorted(exempt))}. Nothing was changed."
        )
    locked = sorted(
        selected.exclude(outcome=outcome)
        .exclude(pk__in=decidable.values("pk"))
        .values_list("appointment__reference", flat=True)
    )
    why = (
        "their appointment time has passed, they are no longer booked, another strike "
        "postponed them, or they moved since the strike was assessed (assess it again)"
        if may_change
        else "the strike has started, so decisions already made stand, and a booking "
        "whose time has passed cannot be postponed"
    )
    raise DecisionRefused(
        f"{len(locked)} of these bookings cannot be marked "
        f"'{Outcome(outcome).label.lower()}': {why}. {_named(locked)}. Nothing was changed."
    )


def _named(references: list[str]) -> str:
    shown = ", ".join(references[:NAMED_IN_REFUSAL])
    more = len(references) - NAMED_IN_REFUSAL
    return f"{shown} and {more} more" if more > 0 else shown


def _record_going_ahead(
    impacts: QuerySet[StrikeImpact],
    strike: Strike,
    actor: Any,
    batch_id: uuid.UUID,
    now: dt.datetime,
) -> int:
    """An undecided booking going ahead keeps its status; the event records who decided."""
    return insert_select(
        into=AppointmentEvent,
        select=Appointment.objects.filter(pk__in=impacts.values("appointment_id"))
        .order_by()
        .values("pk", "status"),
        columns={"appointment": "pk", "from_status": "status", "to_status": "status"},
        constants={
            "at": now,
            "actor": actor.pk if actor is not None else None,
            "strike": strike.pk,
            "action": EventAction.DECIDED,
            "batch_id": batch_id,
            "detail": {"outcome": Outcome.GOING_AHEAD},
        },
    )


def bookings_postponed_by(
    *, strike: Strike, among: QuerySet[StrikeImpact]
) -> QuerySet[Appointment]:
    """The bookings of ``among`` still waiting because ``strike`` postponed them, with the
    status each had before (``before``).

    A booking postponed by one strike, rebooked, then postponed by a later one belongs
    to the later strike: the first must not put it back. Read from the booking's latest
    move into postponed; one with no recorded move (loaded by hand or by an import) is
    taken as this strike's, and goes back to booked.
    """
    latest_into_postponed = AppointmentEvent.objects.filter(
        appointment=OuterRef("pk"), to_status=Status.POSTPONED
    ).order_by("-pk")
    return (
        Appointment.objects.filter(pk__in=among.values("appointment_id"), status=Status.POSTPONED)
        .annotate(
            postponed_by=Subquery(latest_into_postponed.values("strike_id")[:1]),
            before=Coalesce(
                Subquery(latest_into_postponed.values("from_status")[:1]), Value(Status.BOOKED)
            ),
        )
        .filter(Q(postponed_by__isnull=True) | Q(postponed_by=strike.pk))
    )


def postponed_restore(
    impacts: QuerySet[StrikeImpact],
    *,
    strike: Strike,
    actor: Any,
    action: str,
    detail: dict[str, Any],
    batch_id: uuid.UUID,
    at: dt.datetime,
) -> int:
    """Put the bookings ``strike`` postponed back to the status they had before (booked,
    or rescheduled if they already had a new date); returns how many moved."""
    waiting = bookings_postponed_by(strike=strike, among=impacts)
    had_new_date = Q(before=Status.RESCHEDULED)
    moved = 0
    for status, group in (
        (Status.RESCHEDULED, waiting.filter(had_new_date)),
        (Status.BOOKED, waiting.exclude(had_new_date)),
    ):
        moved += appointments_move_status(
            appointments=group,
            to_status=status,
            actor=actor,
            action=action,
            strike=strike,
            detail=detail,
            batch_id=batch_id,
            at=at,
        ).moved
    return moved
