"""Delivery receipts from GOV.UK Notify: what became of a notice after Notify took it.

Notify posts one receipt per notification, and again (up to five times) while we do
not answer 2xx, so a receipt may come twice, late, or before the worker that sent the
notice has recorded it sent. Every change is therefore one conditional UPDATE on the
statuses it may move from: a repeat finds nothing to move, ``delivered`` is never taken
back, and a failure never overrides ``delivered``.

``provider_reference`` is what tells attempts apart. Dispatch stores Notify's id only
when it records a notice sent, so while a notice is ``sending`` any id already stored
belongs to an earlier attempt (one Notify failed itself, see ``technical-failure``):
a receipt for it is old news, and one for another id may be the new attempt's, arriving
before its worker recorded it; it is refused, and Notify tries again later.

The receipt's ``to`` (the phone number or email address) is never read: it is not
stored, logged, or repeated in an error.
"""

import datetime as dt
import logging
import uuid
from dataclasses import dataclass
from typing import Any

from django.db.models import DateTimeField, F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from appointments.models import Channel, Notice, NoticeStatus
from config.errors import DomainError

from .dispatch import MAX_ATTEMPTS, retry_wait

logger = logging.getLogger(__name__)

DELIVERED = "delivered"
PERMANENT_FAILURE = "permanent-failure"
TEMPORARY_FAILURE = "temporary-failure"
TECHNICAL_FAILURE = "technical-failure"
RECEIPT_STATUSES = (DELIVERED, PERMANENT_FAILURE, TEMPORARY_FAILURE, TECHNICAL_FAILURE)
NOTIFICATION_TYPES = (Channel.SMS, Channel.EMAIL, Channel.LETTER)
# Notice ids are bigint-sized at most; a longer "reference" cannot be one of ours.
LONGEST_REFERENCE = 18

WHY = {
    PERMANENT_FAILURE: "the address or number could not be reached",
    TEMPORARY_FAILURE: "the phone or inbox did not take it before Notify gave up",
    TECHNICAL_FAILURE: "Notify failed before sending it",
}


class ReceiptRefused(DomainError):
    """A delivery receipt that cannot be applied. Messages carry ids, never the
    recipient."""


class ReceiptMalformed(ReceiptRefused):
    """The receipt is not what Notify sends."""


class ReceiptForUnknownNotice(ReceiptRefused):
    """The receipt's reference is no notice of ours."""


class ReceiptMismatch(ReceiptRefused):
    """The receipt is about another notification than the one stored on the notice."""


@dataclass(frozen=True)
class Receipt:
    """The parts of a Notify receipt we act on."""

    notification_id: str
    notice_id: int
    status: str
    notification_type: str | None
    sent_at: dt.datetime | None


@dataclass(frozen=True)
class ReceiptOutcome:
    notice_id: int
    status: str  # the notice's status after the receipt
    changed: bool


def notify_receipt_record(*, payload: dict, now: dt.datetime | None = None) -> ReceiptOutcome:
    """Apply one Notify delivery receipt to its notice; return the notice's status.

    A receipt that changes nothing (a repeat, or news older than what we know) is not
    an error: it returns ``changed=False`` so Notify stops sending it.
    """
    now = now or timezone.now()
    receipt = _parse(payload)
    notice = Notice.objects.filter(pk=receipt.notice_id).first()
    if notice is None:
        raise ReceiptForUnknownNotice(f"There is no notice {receipt.notice_id}.")
    stored = notice.provider_reference
    if stored and _canonical(stored) != receipt.notification_id:
        raise ReceiptMismatch(
            f"The receipt for notice {notice.pk} is about Notify notification "
            f"{receipt.notification_id}, not the one stored for it."
        )
    if receipt.notification_type and receipt.notification_type != notice.channel:
        raise ReceiptMismatch(
            f"The receipt for notice {notice.pk} is for a {receipt.notification_type}, "
            f"but the notice was a {notice.channel}."
        )

    changed = _apply(notice, receipt, now) == 1
    status = Notice.objects.values_list("status", flat=True).get(pk=notice.pk)
    logger.log(
        logging.INFO if receipt.status == DELIVERED else logging.WARNING,
        "Notify receipt for notice %s: %s; notice %s %s",
        notice.pk,
        receipt.status,
        "now" if changed else "stays",
        status,
    )
    return ReceiptOutcome(notice_id=notice.pk, status=status, changed=changed)


def _apply(notice: Notice, receipt: Receipt, now: dt.datetime) -> int:
    """One conditional UPDATE; returns how many rows it moved (0 or 1)."""
    # The stored id (as Notify spelt it) was checked to be this receipt's; the receipt's
    # own id covers a worker recording it sent between our read and this update.
    ours = Q(provider_reference__in={"", notice.provider_reference, receipt.notification_id})
    # Sent with this id (or with none recorded), or sending on the attempt Notify is
    # reporting on: its worker has not recorded it yet, so no id is stored.
    movable = Q(status=NoticeStatus.SENT) & ours
    movable |= Q(status=NoticeStatus.SENDING, provider_reference="")
    if receipt.status == DELIVERED:
        # Notify accepted an earlier try whose answer we never got, and we are about to
        # send it again: knowing it arrived saves the patient a second copy.
        movable |= Q(status=NoticeStatus.PENDING, provider_reference="")
        # ...or one withdrawn since (a call-off): the record must say the patient has
        # it, so that generation tells them the strike is off.
        movable |= Q(status=NoticeStatus.WITHDRAWN, provider_reference="", attempts__gt=0)
    target = Notice.objects.filter(movable, pk=notice.pk)
    common = {"provider_reference": receipt.notification_id, "updated_at": now}

    if receipt.status == DELIVERED:
        return target.update(
            status=NoticeStatus.DELIVERED,
            sent_at=Coalesce(F("sent_at"), Value(receipt.sent_at or now, DateTimeField())),
            next_attempt_at=None,
            last_error="",
            **common,
        )
    if receipt.status in (PERMANENT_FAILURE, TEMPORARY_FAILURE):
        return target.update(
            status=NoticeStatus.FAILED,
            last_error=f"GOV.UK Notify reported {receipt.status}: {WHY[receipt.status]}.",
            **common,
        )
    # technical-failure: Notify's fault, nothing reached the patient, so send it again,
    # unless it has had its tries. Notify's id stays on it, which is how a repeat of
    # this receipt is recognised while the next try is in flight.
    retrying = target.filter(attempts=notice.attempts, attempts__lt=MAX_ATTEMPTS).update(
        status=NoticeStatus.PENDING,
        sent_at=None,
        claimed_at=None,
        next_attempt_at=now + retry_wait(notice.attempts),
        last_error=f"GOV.UK Notify reported {TECHNICAL_FAILURE}: {WHY[TECHNICAL_FAILURE]}; "
        "it will be sent again.",
        **common,
    )
    if retrying:
        return retrying
    return target.filter(attempts__gte=MAX_ATTEMPTS).update(
        status=NoticeStatus.FAILED,
        last_error=f"GOV.UK Notify reported {TECHNICAL_FAILURE}: {WHY[TECHNICAL_FAILURE]}, "
        f"after {MAX_ATTEMPTS} tries.",
        **common,
    )


def _parse(payload: Any) -> Receipt:
    if not isinstance(payload, dict):
        raise ReceiptMalformed("A Notify receipt must be a JSON object.")
    notification_id = _uuid(payload.get("id"))
    if notification_id is None:
        raise ReceiptMalformed("The receipt's id must be Notify's notification id (a UUID).")
    reference = payload.get("reference")
    if not (
        isinstance(reference, str)
        and reference.isascii()
        and reference.isdigit()
        and len(reference) <= LONGEST_REFERENCE
    ):
        raise ReceiptMalformed("The receipt's reference must be a notice id (digits).")
    status = payload.get("status")
    if status not in RECEIPT_STATUSES:
        raise ReceiptMalformed(
            "The receipt's status must be one of " + ", ".join(RECEIPT_STATUSES) + "."
        )
    notification_type = payload.get("notification_type")
    if notification_type is not None and notification_type not in NOTIFICATION_TYPES:
        raise ReceiptMalformed(
            "The receipt's notification_type must be one of " + ", ".join(NOTIFICATION_TYPES) + "."
        )
    return Receipt(
        notification_id=notification_id,
        notice_id=int(reference),
        status=status,
        notification_type=notification_type,
        sent_at=_moment(payload, "sent_at"),
    )


def _uuid(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None


def _canonical(reference: str) -> str:
    return _uuid(reference) or reference


def _moment(payload: dict, key: str) -> dt.datetime | None:
    value = payload.get(key)
    if value is None:
        return None
    try:
        moment = parse_datetime(value) if isinstance(value, str) else None
    except ValueError:  # well formed but impossible, such as a 31st of February
        moment = None
    if moment is None:
        raise ReceiptMalformed(f"The receipt's {key} must be an ISO 8601 time or null.")
    if timezone.is_naive(moment):
        # Notify's times are UTC; one without an offset is read as such.
        moment = timezone.make_aware(moment, dt.UTC)
    return moment
