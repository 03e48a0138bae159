"""Creating the notices patients are owed, a few set-based statements per run.

Each kind has one ``INSERT ... SELECT ... ON CONFLICT DO NOTHING``: the SELECT finds the
bookings owed that kind of notice and picks each patient's channel. A notice records
what it reports (``about``: the decision, the call-off or the new date) and the unique
constraint (booking, strike, kind, about) makes a second run, or two at the same moment,
create nothing more, while a new decision or date owes a new notice.

- postponed: the strike's notice window is open (``notice_lead_days`` before the start
  until the start, strike announced or confirmed) and the booking is postponed. Due by
  the start of the strike.
- going_ahead: the at-risk booking was decided to go ahead, and either the strike sends
  "attend as normal" notices (within the window) or the patient may think it postponed
  (at once). Due by the start of the strike.
- reinstated: the strike was called off, the booking put back, and the patient may
  think it postponed. Due by the appointment.
- rescheduled: a booking this strike postponed has a new date. Due by the new date.

ADR 004 explains "may think it postponed" and why.
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.db.models.expressions import Combinable
from django.utils import timezone

from appointments.models import (
    Notice,
    NoticeKind,
    NoticeStatus,
    Outcome,
    Status,
    StrikeImpact,
    possibly_told,
)
from config.errors import DomainError
from config.sql import insert_select
from strikes.models import Strike, StrikeStatus
from trusts.models import Membership
from trusts.scope import trust_ids_for

from .channels import MOBILE_DIGITS, channel_for, mobile_digits
from .relevance import GOING_TO_HAPPEN, decision_time, still_true

# Strikes whose patients are told of decisions. A suspended strike's notices wait.
NOTICE_STRIKE_STATUSES = (StrikeStatus.ANNOUNCED, StrikeStatus.CONFIRMED)
# ...but a patient who may think their booking is off is put right even then.
CORRECTING_STRIKE_STATUSES = (*NOTICE_STRIKE_STATUSES, StrikeStatus.SUSPENDED)
GENERATING_ROLES = (Membership.Role.OPERATIONS, Membership.Role.ADMIN)
PATIENT = "appointment__patient__"


class NoticesRefused(DomainError):
    """Generation was asked for by someone who may not, or for a strike it cannot serve."""


@dataclass(frozen=True)
class GenerationResult:
    created: dict[str, int] = field(default_factory=dict)  # by kind
    withdrawn: int = 0

    @property
    def total(self) -> int:
        return sum(self.created.values())


def notices_generate(
    *,
    now: dt.datetime | None = None,
    strike: Strike | None = None,
    actor: Any = None,
    early: bool = False,
) -> GenerationResult:
    """Create every notice now owed, for every strike or only ``strike``.

    ``early`` (staff asking for one strike's notices before its window opens) skips the
    wait for the window; the strike must still be announced or confirmed and not yet
    started. ``actor`` None is the scheduler, which works for every trust; a member of
    staff generates for the trusts where they are operations staff or an admin.
    Notices that are no longer true are withdrawn in the same transaction.
    """
    now = now or timezone.now()
    if early and strike is None:
        raise NoticesRefused("Notices can be sent early for one strike at a time.")
    impacts = StrikeImpact.objects.all()
    notices = Notice.objects.all()
    if actor is not None:
        may_act = trust_ids_for(actor, roles=GENERATING_ROLES)
        if may_act is not None:
            if not may_act.exists():
                raise NoticesRefused(
                    "Only operations staff and trust admins can generate patient notices."
                )
            impacts = impacts.filter(appointment__trust__in=may_act)
            notices = notices.filter(appointment__trust__in=may_act)
    if strike is not None:
        impacts = impacts.filter(strike=strike)
        notices = notices.filter(strike=strike)
        if early and (strike.status not in NOTICE_STRIKE_STATUSES or now >= strike.starts_at):
            raise NoticesRefused(
                f"'{strike}' is {strike.get_status_display().lower()}"
                + (" and has started" if now >= strike.starts_at else "")
                + ": notices can be sent early only before an announced or confirmed "
                "strike starts."
            )
    open_ids = _strikes_in_notice_window(now, strike, early)
    with transaction.atomic():
        withdrawn = notices_withdraw_untrue(notices, now=now)
        created = {
            NoticeKind.POSTPONED: _insert(
                _owed_postponed(impacts, open_ids, now), NoticeKind.POSTPONED, now
            ),
            NoticeKind.GOING_AHEAD: _insert(
                _owed_going_ahead(impacts, open_ids, now), NoticeKind.GOING_AHEAD, now
            ),
            NoticeKind.REINSTATED: _insert(
                _owed_reinstated(impacts, now), NoticeKind.REINSTATED, now
            ),
            NoticeKind.RESCHEDULED: _insert(
                _owed_rescheduled(impacts, now), NoticeKind.RESCHEDULED, now
            ),
        }
    return GenerationResult(created={str(k): v for k, v in created.items()}, withdrawn=withdrawn)


def notices_withdraw_untrue(notices: QuerySet[Notice], *, now: dt.datetime) -> int:
    """Withdraw unsent notices (waiting, or failed) that are no longer true of a booking
    still ahead. One whose appointment has passed unsent stays as it is, overdue: the
    record must show that patient was never told."""
    return (
        notices.filter(
            status__in=(NoticeStatus.PENDING, NoticeStatus.FAILED), appointment__starts_at__gt=now
        )
        .exclude(still_true(now))
        .update(status=NoticeStatus.WITHDRAWN, next_attempt_at=None, updated_at=now)
    )


def notice_window_opens(strike: Strike) -> dt.datetime:
    return strike.starts_at - dt.timedelta(days=strike.notice_lead_days)


def _strikes_in_notice_window(now: dt.datetime, strike: Strike | None, early: bool) -> list[int]:
    candidates = Strike.objects.filter(status__in=NOTICE_STRIKE_STATUSES, starts_at__gt=now)
    if strike is not None:
        candidates = candidates.filter(pk=strike.pk)
    # A handful of strikes at most: the lead time differs per strike, so compare here.
    return [
        candidate.pk
        for candidate in candidates.only("pk", "starts_at", "notice_lead_days")
        if early or notice_window_opens(candidate) <= now
    ]


def _not_yet(kind: str) -> Combinable:
    """No notice of ``kind`` reports what the row's ``notice_about`` says."""
    return ~Exists(
        Notice.objects.filter(
            appointment=OuterRef("appointment"),
            strike=OuterRef("strike"),
            kind=kind,
            about=OuterRef("notice_about"),
        )
    )


def _believes_postponed() -> Exists:
    """The patient may have been told this strike postponed the booking, and has not
    been told since that it goes ahead."""
    correction = Notice.objects.filter(
        possibly_told(),
        appointment=OuterRef("appointment"),
        strike=OuterRef("strike"),
        kind__in=(NoticeKind.GOING_AHEAD, NoticeKind.REINSTATED),
        created_at__gt=OuterRef("created_at"),
    )
    return Exists(
        Notice.objects.filter(
            possibly_told(),
            appointment=OuterRef("appointment"),
            strike=OuterRef("strike"),
            kind=NoticeKind.POSTPONED,
        ).exclude(Exists(correction))
    )


def _owed_postponed(impacts: QuerySet, open_ids: list[int], now: dt.datetime) -> QuerySet:
    return (
        impacts.filter(
            strike__in=open_ids,
            outcome=Outcome.POSTPONED,
            appointment__status=Status.POSTPONED,
            appointment__starts_at__gt=now,
        )
        .annotate(notice_about=decision_time(), notice_due_by=F("strike__starts_at"))
        .filter(_not_yet(NoticeKind.POSTPONED))
    )


def _owed_going_ahead(impacts: QuerySet, open_ids: list[int], now: dt.datetime) -> QuerySet:
    asked_for = Q(
        strike__in=open_ids,
        strike__send_going_ahead_notices=True,
        appointment__starts_at=F("slot_starts_at"),
    )
    # A patient who may think their booking is off is told at once, window or not.
    correction = Q(strike__status__in=CORRECTING_STRIKE_STATUSES) & _believes_postponed()
    return (
        impacts.filter(
            outcome=Outcome.GOING_AHEAD,
            reinstated_at__isnull=True,
            appointment__status__in=GOING_TO_HAPPEN,
            appointment__starts_at__gt=now,
        )
        .filter(asked_for | correction)
        .annotate(notice_about=decision_time(), notice_due_by=F("strike__starts_at"))
        .filter(_not_yet(NoticeKind.GOING_AHEAD))
    )


def _owed_reinstated(impacts: QuerySet, now: dt.datetime) -> QuerySet:
    return (
        impacts.filter(
            _believes_postponed(),
            strike__status=StrikeStatus.CALLED_OFF,
            reinstated_at__isnull=False,
            appointment__status__in=GOING_TO_HAPPEN,
            appointment__starts_at__gt=now,
        )
        .annotate(notice_about=F("reinstated_at"), notice_due_by=F("appointment__starts_at"))
        .filter(_not_yet(NoticeKind.REINSTATED))
    )


def _owed_rescheduled(impacts: QuerySet, now: dt.datetime) -> QuerySet:
    return (
        impacts.filter(
            outcome=Outcome.POSTPONED,
            appointment__status=Status.RESCHEDULED,
            appointment__starts_at__gt=now,
        )
        .annotate(
            notice_about=F("appointment__starts_at"), notice_due_by=F("appointment__starts_at")
        )
        .filter(_not_yet(NoticeKind.RESCHEDULED))
    )


def _insert(owed: QuerySet, kind: str, now: dt.datetime) -> int:
    rows = (
        # One order for every run, so two runs at once take the unique index's locks in
        # the same order and queue rather than deadlock.
        owed.order_by("appointment_id")
        .annotate(**{MOBILE_DIGITS: mobile_digits(PATIENT)})
        .annotate(notice_channel=channel_for(PATIENT))
        .values("appointment_id", "strike_id", "notice_channel", "notice_due_by", "notice_about")
    )
    return insert_select(
        into=Notice,
        select=rows,
        columns={
            "appointment": "appointment_id",
            "strike": "strike_id",
            "channel": "notice_channel",
            "due_by": "notice_due_by",
            "about": "notice_about",
        },
        constants={
            "kind": kind,
            "status": NoticeStatus.PENDING,
            "attempts": 0,
            "provider_reference": "",
            "last_error": "",
            "created_at": now,
            "updated_at": now,
        },
        ignore_conflicts=True,
    )
