"""Notices staff deliver themselves: letters printed in house, and the phone call list.

Dispatch never claims phone notices, nor letters when ``STRIKEDESK_LETTERS == "print"``;
they wait here, ``pending``, until a member of staff records that the letter was posted
or the call was made. Every record is one conditional UPDATE that repeats the conditions
the list was built with (still owed, still true, at this trust, by someone who may), so
a letter withdrawn or posted by a colleague since the page was loaded is not touched.

When letters go through the provider, only the ones it failed are offered for printing:
a pending letter is still the backend's to send, and printing it too would post it twice.
"""

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import F, QuerySet
from django.utils import timezone

from appointments.models import Channel, Notice, NoticeQuerySet, NoticeStatus
from config.errors import DomainError
from strikes.models import Strike
from trusts.models import Membership, Trust
from trusts.scope import trust_ids_for

from .dispatch import channels_sent_by_backend
from .messages import NOTICE_RELATIONS
from .relevance import still_true

BY_HAND_ROLES = (Membership.Role.OPERATIONS, Membership.Role.ADMIN)
# What the provider column says for a notice staff delivered, in place of a provider's id.
POSTED_BY_HAND = "posted by hand"
CALLED_BY_HAND = "called by hand"
# Reasons a call did not reach the patient. A fixed list, not free text: last_error is
# read beside logs and must never hold what someone typed about a patient.
NOT_REACHED_NOTES = {
    "": "No answer",
    "voicemail": "No answer, voicemail left",
    "engaged": "Line engaged",
}


class ByHandRefused(DomainError):
    """The user may not print, post or call for this trust, or the request makes no sense."""


class NoticeNotFound(DomainError):
    """No such notice, or one the user may not see: the two read the same on purpose."""


class NoticeNotOwed(DomainError):
    """The notice is no longer waiting for a call (recorded already, or withdrawn)."""


def may_handle(user: Any, trust: Trust) -> bool:
    """Operations staff and trust admins of ``trust``, and national (superuser) users."""
    trust_ids = trust_ids_for(user, roles=BY_HAND_ROLES)
    return trust_ids is None or trust_ids.filter(trust=trust).exists()


def _require_may_handle(user: Any, trust: Trust, doing: str) -> None:
    if not may_handle(user, trust):
        raise ByHandRefused(f"Only operations staff and trust admins of {trust.name} can {doing}.")


def letter_statuses_to_print() -> tuple[str, ...]:
    if Channel.LETTER in channels_sent_by_backend():
        return (NoticeStatus.FAILED,)
    return (NoticeStatus.PENDING, NoticeStatus.FAILED)


def _owed(
    *, strike: Strike, trust: Trust, channel: str, statuses: Iterable[str], now: dt.datetime
) -> NoticeQuerySet:
    return Notice.objects.filter(
        strike=strike,
        appointment__trust=trust,
        channel=channel,
        status__in=list(statuses),
    ).filter(still_true(now))


def letters_for_print(
    *, strike: Strike, trust: Trust, user: Any, now: dt.datetime
) -> QuerySet[Notice]:
    """The strike's letters at ``trust`` still to be printed and posted, oldest due first,
    with everything ``compose()`` reads loaded."""
    _require_may_handle(user, trust, "print patient letters")
    return (
        _owed(
            strike=strike,
            trust=trust,
            channel=Channel.LETTER,
            statuses=letter_statuses_to_print(),
            now=now,
        )
        .select_related(*NOTICE_RELATIONS)
        .order_by("due_by", "pk")
    )


def letters_mark_posted(
    *,
    strike: Strike,
    trust: Trust,
    notice_ids: Iterable[int],
    actor: Any,
    now: dt.datetime | None = None,
) -> int:
    """Record the listed letters as posted by ``actor``; returns how many were.

    Ids that are not owed letters of this strike at this trust (posted already, withdrawn
    since printing, another trust's, unknown) are skipped, not refused: the rest were
    posted all the same and must be recorded. The caller reports the difference,
    ``len(set(notice_ids)) - posted``, so staff can check the letters that were skipped.
    """
    now = now or timezone.now()
    _require_may_handle(actor, trust, "mark letters as posted")
    ids = set(notice_ids)
    if not ids:
        return 0
    return (
        _owed(
            strike=strike,
            trust=trust,
            channel=Channel.LETTER,
            statuses=letter_statuses_to_print(),
            now=now,
        )
        .filter(pk__in=ids)
        # The role again inside the statement, so a membership removed meanwhile counts.
        .for_user(actor, roles=BY_HAND_ROLES)
        .update(
            status=NoticeStatus.SENT,
            sent_at=now,
            handled_by=actor,
            provider_reference=POSTED_BY_HAND,
            last_error="",
            next_attempt_at=None,
            updated_at=now,
        )
    )


def call_list(*, strike: Strike, trust: Trust, user: Any, now: dt.datetime) -> QuerySet[Notice]:
    """The strike's patients at ``trust`` whom staff must phone, most urgent first.

    Only phone notices: letters are printed or sent by the provider, never read out.
    """
    _require_may_handle(user, trust, "see the call list")
    return (
        _owed(
            strike=strike,
            trust=trust,
            channel=Channel.PHONE,
            statuses=(NoticeStatus.PENDING, NoticeStatus.FAILED),
            now=now,
        )
        .select_related(*NOTICE_RELATIONS, "handled_by")
        .order_by("due_by", "pk")
    )


def notice_mark_called(
    *,
    notice_id: int,
    actor: Any,
    now: dt.datetime | None = None,
    reached: bool = True,
    note: str = "",
) -> Notice:
    """Record a call to the patient about one phone notice; returns the notice as saved.

    Reached: the notice is sent, by ``actor`` at ``now``. Not reached: it stays on the
    list (pending), one more try counted, with who tried last and why it failed, from
    ``NOT_REACHED_NOTES`` (``note`` is one of its keys). A notice of a trust the actor
    does not belong to is not found, exactly like one that does not exist.
    """
    now = now or timezone.now()
    if reached and note:
        raise ByHandRefused("A note is recorded only for a call that did not reach the patient.")
    if note not in NOT_REACHED_NOTES:
        raise ByHandRefused(
            f"Unknown call note {note!r}; use one of: "
            + ", ".join(repr(key) for key in NOT_REACHED_NOTES if key)
            + "."
        )
    visible = Notice.objects.for_user(actor).filter(pk=notice_id, channel=Channel.PHONE)
    notice = visible.select_related("appointment__trust").first()
    if notice is None:
        raise NoticeNotFound(f"There is no phone notice {notice_id}.")
    _require_may_handle(actor, notice.appointment.trust, "record calls to patients")
    owed = (
        visible.filter(status__in=(NoticeStatus.PENDING, NoticeStatus.FAILED))
        .filter(still_true(now))
        .for_user(actor, roles=BY_HAND_ROLES)
    )
    if reached:
        changes: dict[str, Any] = {
            "status": NoticeStatus.SENT,
            "sent_at": now,
            "provider_reference": CALLED_BY_HAND,
            "last_error": "",
        }
    else:
        # Pending, not failed: a notice nobody answered is still owed and stays listed.
        changes = {"status": NoticeStatus.PENDING, "last_error": NOT_REACHED_NOTES[note]}
    updated = owed.update(
        **changes,
        handled_by=actor,
        attempts=F("attempts") + 1,
        next_attempt_at=None,
        updated_at=now,
    )
    if not updated:
        raise NoticeNotOwed(
            f"Notice {notice_id} is no longer on the call list: a call was already "
            "recorded, or it was withdrawn because it is no longer true."
        )
    notice.refresh_from_db()
    return notice
