"""The records about a strike: the strike itself, each trust's participation, staff out.

Strikes are national facts: anyone signed in reads them, only national administrators
(superusers, or holders of the add/change strike permissions) create or edit them.
Participation and staff out belong to a trust: recording them needs an acting role
there. A status change is never an edit: ``strike_move_to`` routes it through the
lifecycle services, which check the move and record it.

Editing a strike's window, staff groups or exemptions does not re-assess its bookings:
assessment is its own deliberate step (``strike_assess``), run again after the edit.
"""

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from rest_framework.exceptions import ValidationError

from config.errors import DomainError
from trusts.models import Service, StaffGroup, Trust
from trusts.scope import may_act_at

from ..models import (
    Participation,
    StaffAbsence,
    Strike,
    StrikeStatus,
    Union,
)
from .lifecycle import (
    StrikeMoveRefused,
    strike_call_off,
    strike_complete,
    strike_confirm,
    strike_resume,
    strike_suspend,
)

CREATE_STRIKES = "strikes.add_strike"
CHANGE_STRIKES = "strikes.change_strike"
MAX_NOTICE_LEAD_DAYS = 60
# Days named one by one in an error; a longer strike is described by its first and last.
DAYS_LISTED = 14

STRIKE_FIELDS = frozenset(
    {
        "title",
        "starts_at",
        "ends_at",
        "emergency_care_only",
        "protect_urgent",
        "notice_lead_days",
        "send_going_ahead_notices",
    }
)
STRIKE_LISTS = frozenset({"unions", "staff_groups", "exempt_services"})


class StrikeRecordForbidden(DomainError, PermissionDenied):
    """Refused for who is asking, not for what they sent. A DomainError, so the API
    shows the message (as a 403), and a PermissionDenied, so Django views do too."""

    http_status = 403


def may_create_strikes(user: Any) -> bool:
    return bool(user and user.is_authenticated and user.has_perm(CREATE_STRIKES))


def may_change_strikes(user: Any) -> bool:
    return bool(user and user.is_authenticated and user.has_perm(CHANGE_STRIKES))


def strike_create(
    *,
    actor: Any,
    title: str,
    unions: Iterable[Union],
    staff_groups: Iterable[StaffGroup],
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    exempt_services: Iterable[Service] = (),
    emergency_care_only: bool = False,
    protect_urgent: bool = True,
    notice_lead_days: int = 3,
    send_going_ahead_notices: bool = False,
) -> Strike:
    """A newly announced strike. Its status starts at announced; every later status
    comes from the lifecycle services."""
    if not may_create_strikes(actor):
        raise StrikeRecordForbidden("Only national administrators can announce a strike.")
    _check_window(starts_at, ends_at)
    _check_lead_days(notice_lead_days)
    with transaction.atomic():
        strike = Strike.objects.create(
            title=title,
            starts_at=starts_at,
            ends_at=ends_at,
            status=StrikeStatus.ANNOUNCED,
            emergency_care_only=emergency_care_only,
            protect_urgent=protect_urgent,
            notice_lead_days=notice_lead_days,
            send_going_ahead_notices=send_going_ahead_notices,
        )
        strike.unions.set(list(unions))
        strike.staff_groups.set(list(staff_groups))
        strike.exempt_services.set(list(exempt_services))
    return strike


def strike_update(*, strike: Strike, actor: Any, **changes: Any) -> Strike:
    """Change a strike's details (not its status: see ``strike_move_to``).

    ``changes`` holds only what changes: any of the plain fields in STRIKE_FIELDS and the
    lists in STRIKE_LISTS (model instances). The window is checked as it will be after
    the change, against the strike as stored now, not as the caller last read it.
    """
    unknown = set(changes) - STRIKE_FIELDS - STRIKE_LISTS
    if unknown:
        # A programming error: "status" in particular must go through strike_move_to.
        raise TypeError(f"strike_update() cannot change {', '.join(sorted(unknown))}")
    if not may_change_strikes(actor):
        raise StrikeRecordForbidden("Only national administrators can change a strike.")
    if "notice_lead_days" in changes:
        _check_lead_days(changes["notice_lead_days"])
    with transaction.atomic():
        strike = Strike.objects.select_for_update().get(pk=strike.pk)
        _check_window(
            changes.get("starts_at", strike.starts_at), changes.get("ends_at", strike.ends_at)
        )
        fields = [name for name in changes if name in STRIKE_FIELDS]
        for name in fields:
            setattr(strike, name, changes[name])
        if fields:
            strike.save(update_fields=[*fields, "updated_at"])
        for name in STRIKE_LISTS & set(changes):
            getattr(strike, name).set(list(changes[name]))
    return strike


def strike_move_to(
    *, strike: Strike, actor: Any, status: str, now: dt.datetime | None = None
) -> Strike:
    """Move a strike to ``status`` through the lifecycle service that makes that move.

    Asking for the status it already has changes nothing. From suspended, announced or
    confirmed is a resume; a resume lands where the strike was when suspended, so
    asking for confirmed when it was announced then confirms it, and asking for
    announced when it was confirmed is refused (nothing is resumed).
    """
    if not may_change_strikes(actor):
        raise StrikeRecordForbidden("Only national administrators can change a strike's status.")
    if status not in StrikeStatus.values:
        raise ValidationError({"status": [f"Not a strike status: {status!r}."]})
    with transaction.atomic():
        strike = Strike.objects.select_for_update().get(pk=strike.pk)
        if status == strike.status:
            return strike
        if strike.status == StrikeStatus.SUSPENDED and status in (
            StrikeStatus.ANNOUNCED,
            StrikeStatus.CONFIRMED,
        ):
            strike = strike_resume(strike=strike, actor=actor, now=now)
            if strike.status == status:
                return strike
            if status == StrikeStatus.ANNOUNCED:
                raise StrikeMoveRefused(
                    f"'{strike}' was {strike.get_status_display().lower()} when it was "
                    "suspended and resumes as that; it cannot go back to announced."
                )
        if status == StrikeStatus.CONFIRMED:
            return strike_confirm(strike=strike, actor=actor, now=now)
        if status == StrikeStatus.SUSPENDED:
            return strike_suspend(strike=strike, actor=actor, now=now)
        if status == StrikeStatus.COMPLETED:
            return strike_complete(strike=strike, actor=actor, now=now)
        if status == StrikeStatus.CALLED_OFF:
            strike_call_off(strike=strike, actor=actor, now=now)
            return Strike.objects.get(pk=strike.pk)
        # No service moves a strike back to announced except a resume.
        raise StrikeMoveRefused(
            f"'{strike}' is {strike.get_status_display().lower()} and cannot become announced."
        )


def participation_upsert(
    *,
    strike: Strike,
    trust: Trust,
    actor: Any,
    participating: bool,
    ballot_turnout: Decimal | None = None,
    note: str = "",
) -> tuple[Participation, bool]:
    """Record whether ``trust`` takes part in ``strike``: the whole record, replacing
    what was there (an omitted turnout or note is cleared). Returns it and whether it
    is new. A change does not re-assess the strike's bookings."""
    _require_acting_role(actor, trust, "record its participation in a strike")
    if ballot_turnout is not None and not Decimal(0) <= ballot_turnout <= Decimal(100):
        raise ValidationError({"ballot_turnout": ["A percentage, from 0 to 100."]})
    with transaction.atomic():
        # update_or_create locks an existing row and, if a concurrent request inserts
        # the same (strike, trust) first, catches the unique violation and updates it.
        participation, created = Participation.objects.update_or_create(
            strike=strike,
            trust=trust,
            defaults={
                "participating": participating,
                "ballot_turnout": ballot_turnout,
                "note": note,
            },
        )
    return participation, created


def staff_absence_upsert(
    *,
    strike: Strike,
    trust: Trust,
    actor: Any,
    date: dt.date,
    staff_group: StaffGroup,
    count: int,
) -> tuple[StaffAbsence, bool]:
    """Record how many of ``staff_group`` were out at ``trust`` on ``date``, a day of the
    strike, replacing any count recorded before. Returns it and whether it is new."""
    _require_acting_role(actor, trust, "record staff out")
    if count < 0:
        raise ValidationError({"count": ["A count of staff, 0 or more."]})
    days = strike.local_days()
    if date not in days:
        raise ValidationError({"date": [f"Not a day of '{strike}': {_describe(days)}."]})
    if not strike.staff_groups.filter(pk=staff_group.pk).exists():
        called_out = ", ".join(strike.staff_groups.order_by("code").values_list("code", flat=True))
        raise ValidationError(
            {
                "staff_group": [
                    f"'{strike}' does not call out {staff_group.pk}; it calls out: "
                    f"{called_out or 'no staff group'}."
                ]
            }
        )
    with transaction.atomic():
        absence, created = StaffAbsence.objects.update_or_create(
            strike=strike,
            trust=trust,
            date=date,
            staff_group=staff_group,
            defaults={"count": count},
        )
    return absence, created


def _require_acting_role(actor: Any, trust: Trust, action: str) -> None:
    if not may_act_at(actor, trust.pk):
        raise StrikeRecordForbidden(
            f"Your role at {trust.ods_code} does not let you {action}; "
            "operations staff and trust admins can."
        )


def _check_window(starts_at: dt.datetime, ends_at: dt.datetime) -> None:
    if starts_at >= ends_at:
        raise ValidationError({"ends_at": ["A strike ends after it starts."]})


def _check_lead_days(days: int) -> None:
    if not 0 <= days <= MAX_NOTICE_LEAD_DAYS:
        raise ValidationError(
            {"notice_lead_days": [f"A number of days from 0 to {MAX_NOTICE_LEAD_DAYS}."]}
        )


def _describe(days: list[dt.date]) -> str:
    if len(days) > DAYS_LISTED:
        return f"its days run from {days[0].isoformat()} to {days[-1].isoformat()}"
    return "its days are " + ", ".join(day.isoformat() for day in days)
