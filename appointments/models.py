"""Patients, their bookings, what each strike does to a booking, notices, and history."""

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.db.models import IntegerField, Q, Value
from django.db.models.functions import Ord, Substr
from django.db.models.lookups import Exact
from django.utils import timezone

from strikes.models import Strike
from trusts.models import Service, Site, Trust
from trusts.scope import TrustScopedQuerySet, exists_in_trusts, is_national

from .nhs_number import NHS_NUMBER_WEIGHTS, REPEATED_DIGIT_NUMBERS, validate_nhs_number
from .references import REFERENCE_PATTERN, new_booking_reference


def _nhs_digit(position: int) -> models.Expression:
    # ASCII arithmetic instead of a cast, so a stray letter fails the CHECK cleanly
    # rather than raising a conversion error on PostgreSQL.
    return Ord(Substr("nhs_number", position, 1)) - Value(ord("0"), output_field=IntegerField())


def _nhs_number_modulus_11_holds() -> Q:
    weighted = sum(
        (_nhs_digit(position) * weight for position, weight in enumerate(NHS_NUMBER_WEIGHTS, 1)),
        start=Value(0, output_field=IntegerField()),
    )
    return Q(Exact((Value(11) - weighted % 11) % 11, _nhs_digit(10)))


class Channel(models.TextChoices):
    SMS = "sms", "Text message"
    EMAIL = "email", "Email"
    LETTER = "letter", "Letter"
    PHONE = "phone", "Phone call"


class PatientQuerySet(models.QuerySet):
    def for_user(self, user: object) -> "PatientQuerySet":
        if is_national(user):
            return self  # including patients with no booking yet
        # A patient is visible where one of their bookings is, at a trust the user is in.
        return self.filter(exists_in_trusts(Appointment.objects.all(), "patient", user))


class Patient(models.Model):
    nhs_number = models.CharField(
        "NHS number", max_length=10, unique=True, validators=[validate_nhs_number]
    )
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    postcode = models.CharField(max_length=8, blank=True)
    phone = models.CharField(max_length=20, blank=True)
    email = models.EmailField(blank=True)
    address = models.JSONField(default=list, blank=True, help_text="Address lines, in order.")
    preferred_channel = models.CharField(
        max_length=10, choices=Channel.choices, default=Channel.LETTER
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PatientQuerySet.as_manager()

    class Meta:
        ordering = ["family_name", "given_name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(nhs_number__regex=r"\A[0-9]{10}\Z")
                & ~Q(nhs_number__in=REPEATED_DIGIT_NUMBERS)
                & _nhs_number_modulus_11_holds(),
                name="patient_nhs_number_modulus_11",
            ),
            models.CheckConstraint(
                condition=Q(preferred_channel__in=Channel.values),
                name="patient_preferred_channel_valid",
            ),
        ]

    def __str__(self) -> str:
        # Ids, not names: this string ends up in logs and admin breadcrumbs.
        return f"Patient {self.pk}"


class Status(models.TextChoices):
    BOOKED = "booked", "Booked"
    POSTPONED = "postponed", "Postponed, awaiting a new date"
    RESCHEDULED = "rescheduled", "Rescheduled"
    CANCELLED = "cancelled", "Cancelled"
    ATTENDED = "attended", "Attended"
    DID_NOT_ATTEND = "did_not_attend", "Did not attend"


# The only status moves an appointment may make; appointments/services.py applies them.
ALLOWED_STATUS_MOVES: dict[str, frozenset[str]] = {
    Status.BOOKED: frozenset(
        {
            Status.POSTPONED,
            Status.RESCHEDULED,
            Status.CANCELLED,
            Status.ATTENDED,
            Status.DID_NOT_ATTEND,
        }
    ),
    # Back to booked is a call-off reinstating the original date.
    Status.POSTPONED: frozenset({Status.BOOKED, Status.RESCHEDULED, Status.CANCELLED}),
    # A new date can itself fall in a later strike, or be moved again.
    Status.RESCHEDULED: frozenset(
        {
            Status.POSTPONED,
            Status.RESCHEDULED,
            Status.CANCELLED,
            Status.ATTENDED,
            Status.DID_NOT_ATTEND,
        }
    ),
    Status.CANCELLED: frozenset(),
    Status.ATTENDED: frozenset(),
    Status.DID_NOT_ATTEND: frozenset(),
}


class Kind(models.TextChoices):
    OUTPATIENT = "outpatient", "Outpatient"
    INPATIENT = "inpatient", "Inpatient"
    DAY_CASE = "day_case", "Day case"


class Priority(models.TextChoices):
    URGENT = "urgent", "Urgent"
    CANCER = "cancer", "Suspected cancer"
    SOON = "soon", "Soon"
    ROUTINE = "routine", "Routine"


class AppointmentQuerySet(TrustScopedQuerySet):
    trust_path = "trust"


class Appointment(models.Model):
    reference = models.CharField(
        "booking reference",
        max_length=12,
        unique=True,
        default=new_booking_reference,
        editable=False,
    )
    external_id = models.CharField(
        "PAS id", max_length=64, help_text="The trust's own id for the booking."
    )
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="appointments")
    trust = models.ForeignKey(Trust, on_delete=models.PROTECT, related_name="appointments")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="appointments")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="appointments")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    starts_at = models.DateTimeField()
    original_starts_at = models.DateTimeField(
        null=True, blank=True, help_text="When it was first booked for, if it has moved."
    )
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.ROUTINE)
    referral_received_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.BOOKED)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AppointmentQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["trust", "external_id"], name="appointment_external_id_unique_per_trust"
            ),
            models.CheckConstraint(
                condition=Q(reference__regex=REFERENCE_PATTERN), name="appointment_reference_format"
            ),
            models.CheckConstraint(
                condition=~Q(external_id=""), name="appointment_external_id_set"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=Kind.values), name="appointment_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(priority__in=Priority.values), name="appointment_priority_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="appointment_status_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["starts_at", "id"], name="appointment_starts_at"),
            models.Index(fields=["trust", "starts_at"], name="appointment_trust_starts_at"),
        ]

    def __str__(self) -> str:
        return self.reference


class Outcome(models.TextChoices):
    EXEMPT = "exempt", "Exempt"
    AT_RISK = "at_risk", "At risk (undecided)"
    POSTPONED = "postponed", "Postponed"
    GOING_AHEAD = "going_ahead", "Going ahead"


class StrikeImpactQuerySet(TrustScopedQuerySet):
    trust_path = "appointment__trust"


class StrikeImpact(models.Model):
    """What one strike means for one booking that falls inside it."""

    appointment = models.ForeignKey(Appointment, on_delete=models.PROTECT, related_name="impacts")
    strike = models.ForeignKey(Strike, on_delete=models.PROTECT, related_name="impacts")
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    # The booking's time when it fell in the strike. A postponed booking keeps it after
    # it is given a new date, so reports still count it on the strike day it lost.
    slot_starts_at = models.DateTimeField(
        help_text="When the booking was due inside the strike (kept if it is moved later)."
    )
    reinstated_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Set when a call-off put a postponed booking back; its patient must be told.",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = StrikeImpactQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["appointment", "strike"], name="impact_one_per_strike"),
            models.CheckConstraint(
                condition=Q(outcome__in=Outcome.values), name="impact_outcome_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["strike", "outcome"], name="impact_strike_outcome"),
            models.Index(fields=["strike", "slot_starts_at"], name="impact_strike_slot"),
            # "Is this booking's impact in this strike still <outcome>?", asked per notice
            # when claiming: all three columns, so the planner never scans a strike's
            # outcome instead (as it did with stale statistics after a bulk decision).
            models.Index(
                fields=["appointment", "strike", "outcome"], name="impact_booking_strike_outcome"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.appointment_id} in strike {self.strike_id}: {self.outcome}"


class NoticeKind(models.TextChoices):
    POSTPONED = "postponed", "Postponed: we will contact you with a new date"
    GOING_AHEAD = "going_ahead", "Going ahead: attend as normal"
    REINSTATED = "reinstated", "Reinstated: strike called off"
    RESCHEDULED = "rescheduled", "Rescheduled: your new date"


class NoticeStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"
    # No longer true before it went out (the strike was called off, the decision was
    # reversed): kept, never sent. See ADR 004.
    WITHDRAWN = "withdrawn", "Withdrawn before sending"


# A patient may have had the message once it reached the provider.
TOLD_STATUSES = (NoticeStatus.SENDING, NoticeStatus.SENT, NoticeStatus.DELIVERED)


def possibly_told() -> Q:
    """On ``Notice`` rows: the patient may have the message. Besides the told statuses, a
    notice tried before (a timeout, a killed worker) may have reached the provider even
    if it went back to the queue or was withdrawn since; an unanswered call has not."""
    return Q(status__in=TOLD_STATUSES) | (
        Q(attempts__gt=0, status__in=(NoticeStatus.PENDING, NoticeStatus.WITHDRAWN))
        & ~Q(channel=Channel.PHONE)
    )


# Still owed to the patient: not sent yet, or sending failed.
UNSENT_STATUSES = (NoticeStatus.PENDING, NoticeStatus.SENDING, NoticeStatus.FAILED)


class NoticeQuerySet(TrustScopedQuerySet):
    trust_path = "appointment__trust"

    def overdue(self, now: dt.datetime) -> "NoticeQuerySet":
        """Notices the patient should have had by now and has not."""
        return self.filter(status__in=UNSENT_STATUSES, due_by__lte=now)


class Notice(models.Model):
    """One message a patient must get about one booking because of one strike."""

    appointment = models.ForeignKey(Appointment, on_delete=models.PROTECT, related_name="notices")
    strike = models.ForeignKey(Strike, on_delete=models.PROTECT, related_name="notices")
    kind = models.CharField(max_length=20, choices=NoticeKind.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    status = models.CharField(
        max_length=10, choices=NoticeStatus.choices, default=NoticeStatus.PENDING
    )
    due_by = models.DateTimeField(help_text="The patient must have it by then.")
    # What this notice reports: the decision (postponed, going ahead), the call-off
    # (reinstated) or the new date (rescheduled). A new decision or date owes a new
    # notice; the same one, however often generation runs, never does.
    about = models.DateTimeField(
        help_text="The decision, call-off or new date this notice reports (one notice each)."
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    provider_reference = models.CharField(max_length=100, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    # Set when a worker takes it (pending -> sending); the sweep returns a notice whose
    # claim is older than the timeout, because its worker died before finishing.
    claimed_at = models.DateTimeField(null=True, blank=True)
    # After a transient failure: not before this time.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Who made the call or posted the letter, for notices staff deliver by hand.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = NoticeQuerySet.as_manager()

    class Meta:
        constraints = [
            # One notice of each kind per booking, strike and decision (or new date),
            # however often generation runs and however many workers run it.
            models.UniqueConstraint(
                fields=["appointment", "strike", "kind", "about"], name="notice_one_per_decision"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=NoticeKind.values), name="notice_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(channel__in=Channel.values), name="notice_channel_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=NoticeStatus.values), name="notice_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(sent_at__isnull=True)
                | Q(status__in=[NoticeStatus.SENT, NoticeStatus.DELIVERED, NoticeStatus.FAILED]),
                name="notice_sent_at_only_once_sent",
            ),
        ]
        indexes = [
            # The dispatch claim walks pending notices in this order and stops at a batch.
            models.Index(fields=["status", "due_by", "id"], name="notice_status_due_by_id"),
            models.Index(fields=["strike", "status"], name="notice_strike_status"),
        ]

    def __str__(self) -> str:
        return f"Notice {self.pk} ({self.kind}, {self.status})"


class EventAction(models.TextChoices):
    STATUS_CHANGED = "status_changed", "Status changed"
    DECIDED = "decided", "Strike decision"
    REINSTATED = "reinstated", "Reinstated after call-off"
    RESCHEDULED = "rescheduled", "Rescheduled"
    IMPORTED = "imported", "Imported"


class AppointmentEventQuerySet(TrustScopedQuerySet):
    trust_path = "appointment__trust"


class AppointmentEvent(models.Model):
    """Append-only history of a booking. Rows are written by services, never edited
    (the database refuses UPDATE, see the migration)."""

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    # PROTECT: history must keep who did it, so staff who leave are deactivated, not
    # deleted (and the append-only trigger would refuse nulling the column anyway).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty for the system (a scheduled job, an import).",
    )
    strike = models.ForeignKey(
        Strike, null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    action = models.CharField(max_length=20, choices=EventAction.choices)
    from_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    batch_id = models.UUIDField(
        null=True, blank=True, help_text="Shared by every row of one bulk change."
    )
    detail = models.JSONField(default=dict, blank=True)

    objects = AppointmentEventQuerySet.as_manager()

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(action__in=EventAction.values), name="event_action_valid"
            ),
            models.CheckConstraint(
                condition=(Q(from_status="") | Q(from_status__in=Status.values))
                & (Q(to_status="") | Q(to_status__in=Status.values)),
                name="event_statuses_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["appointment", "at"], name="event_appointment_at"),
            models.Index(fields=["batch_id"], name="event_batch"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.from_status}->{self.to_status} for {self.appointment_id}"


def new_batch_id() -> uuid.UUID:
    return uuid.uuid4()


from .status_check.models import CheckFailure, CheckLockout  # noqa: E402,F401
