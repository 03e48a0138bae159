"""What the bookings and notices endpoints show, and the shape of what they accept.

Output serializers declare every field with its help text (the OpenAPI schema is built
from them); the import reuses the field definitions. None of them writes: views pass
validated data to the services in ``appointments/services.py``.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from django.utils import timezone
from rest_framework import serializers

from appointments.models import Channel, Kind, NoticeKind, NoticeStatus, Priority, Status
from config.api.fields import OFFSET_EXAMPLE, AwareDateTimeField


class PatientSerializer(serializers.Serializer):
    nhs_number = serializers.CharField(
        max_length=10, help_text="The patient's NHS number: 10 digits passing the Modulus 11 check."
    )
    given_name = serializers.CharField(max_length=100, help_text="Given (first) name.")
    family_name = serializers.CharField(max_length=100, help_text="Family name (surname).")
    date_of_birth = serializers.DateField(help_text="Date of birth, YYYY-MM-DD.")
    postcode = serializers.CharField(
        max_length=8, allow_blank=True, help_text="UK postcode, e.g. NR4 7UY; may be empty."
    )
    phone = serializers.CharField(
        max_length=20,
        allow_blank=True,
        help_text="Phone number; a UK mobile lets notices go by text message. May be empty.",
    )
    email = serializers.EmailField(allow_blank=True, help_text="Email address; may be empty.")
    address = serializers.ListField(
        child=serializers.CharField(max_length=200),
        help_text="Address lines in order, without the postcode; a letter needs the first.",
    )
    preferred_channel = serializers.ChoiceField(
        choices=Channel.choices,
        help_text="How the patient prefers to be told: sms, email, letter or phone.",
    )


class AppointmentSerializer(serializers.Serializer):
    reference = serializers.CharField(
        read_only=True,
        help_text="StrikeDesk's booking reference, 12 characters (patients see it in groups "
        "of four, e.g. K7QM-3XDA-9RT2).",
    )
    external_id = serializers.CharField(
        max_length=64, help_text="The trust's own id for the booking (its PAS id)."
    )
    trust = serializers.CharField(
        source="trust.ods_code", help_text="ODS code of the trust that holds the booking."
    )
    site = serializers.CharField(source="site.code", help_text="Code of the site, e.g. RM102.")
    service = serializers.CharField(
        source="service.code", help_text="Code of the clinical service, e.g. chemotherapy."
    )
    kind = serializers.ChoiceField(
        choices=Kind.choices, help_text="outpatient, inpatient or day_case."
    )
    starts_at = AwareDateTimeField(
        help_text="When the appointment starts (ISO 8601 with offset, shown in London time)."
    )
    priority = serializers.ChoiceField(
        choices=Priority.choices,
        help_text="Clinical priority: urgent, cancer (suspected), soon or routine.",
    )
    referral_received_on = serializers.DateField(
        allow_null=True, help_text="When the referral was received (for waiting-time order)."
    )
    status = serializers.ChoiceField(
        choices=Status.choices,
        read_only=True,
        help_text="booked, postponed (awaiting a new date), rescheduled, cancelled, attended "
        "or did_not_attend.",
    )
    patient = PatientSerializer(help_text="The patient the booking is for.")


_DATETIME = AwareDateTimeField()
_DATE = serializers.DateField()


def booking_rows_data(rows: Iterable[Any], patients: Mapping[int, Any]) -> list[dict]:
    """What ``AppointmentSerializer`` gives, built from ``selectors.booking_rows`` and
    ``selectors.patients_by_id``: several times faster than a serializer per row, for
    pages of up to 500. A test holds the two to the same output."""
    data = []
    for row in rows:
        patient = patients[row.patient_id]
        data.append(
            {
                "reference": row.reference,
                "external_id": row.external_id,
                "trust": row.trust__ods_code,
                "site": row.site__code,
                "service": row.service__code,
                "kind": row.kind,
                "starts_at": _DATETIME.to_representation(row.starts_at),
                "priority": row.priority,
                "referral_received_on": _DATE.to_representation(row.referral_received_on),
                "status": row.status,
                "patient": {
                    "nhs_number": patient.nhs_number,
                    "given_name": patient.given_name,
                    "family_name": patient.family_name,
                    "date_of_birth": _DATE.to_representation(patient.date_of_birth),
                    "postcode": patient.postcode,
                    "phone": patient.phone,
                    "email": patient.email,
                    "address": [str(line) for line in patient.address or ()],
                    "preferred_channel": patient.preferred_channel,
                },
            }
        )
    return data


class AppointmentChangeSerializer(serializers.Serializer):
    """PATCH: any of these; other fields of a booking are read-only and ignored if sent."""

    status = serializers.ChoiceField(
        choices=Status.choices,
        required=False,
        help_text="The new status, if an allowed move from the current one (else 409). "
        "postponed comes from a strike decision (POST /strikes/{id}/decisions/) and "
        "rescheduled from POST /appointments/{reference}/reschedule/, so both are refused "
        "here; sending the current status changes nothing.",
    )
    priority = serializers.ChoiceField(
        choices=Priority.choices, required=False, help_text="urgent, cancer, soon or routine."
    )
    referral_received_on = serializers.DateField(
        required=False, allow_null=True, help_text="When the referral was received; null clears."
    )


class RescheduleSerializer(serializers.Serializer):
    starts_at = AwareDateTimeField(
        help_text=f"The new date and time, in the future, with offset, e.g. {OFFSET_EXAMPLE}."
    )
    site = serializers.CharField(
        required=False,
        help_text="Code of the site it moves to, one of the booking's trust's sites; "
        "unchanged if left out.",
    )

    def validate_starts_at(self, value: Any) -> Any:
        # The service refuses it too; checked here so the error names the field.
        if value <= timezone.now():
            raise serializers.ValidationError("A new date must be in the future.")
        return value


class NoticeSerializer(serializers.Serializer):
    """A notice owed to a patient, with no personal data: the booking says who."""

    id = serializers.IntegerField(help_text="The notice's id.")
    reference = serializers.CharField(
        source="appointment.reference", help_text="Booking reference of the booking it is about."
    )
    strike = serializers.UUIDField(
        source="strike.public_id", help_text="Id of the strike it is about."
    )
    trust = serializers.CharField(
        source="appointment.trust.ods_code", help_text="ODS code of the booking's trust."
    )
    kind = serializers.ChoiceField(
        choices=NoticeKind.choices,
        help_text="postponed, going_ahead (attend as normal), reinstated (strike called off) "
        "or rescheduled (new date).",
    )
    channel = serializers.ChoiceField(
        choices=Channel.choices, help_text="How it is sent: sms, email, letter or phone."
    )
    status = serializers.ChoiceField(
        choices=NoticeStatus.choices,
        help_text="pending, sending, sent, delivered, failed, or withdrawn (no longer true "
        "before it went out).",
    )
    due_by = AwareDateTimeField(help_text="The patient must have it by then.")
    sent_at = AwareDateTimeField(
        allow_null=True,
        help_text="When the provider accepted it (or staff handled it); null until then.",
    )
    attempts = serializers.IntegerField(help_text="How many times sending has been tried.")
    last_error = serializers.CharField(
        help_text="Why the last try failed (no personal data); empty if it did not."
    )
    provider_reference = serializers.CharField(
        help_text="The provider's id for the message (GOV.UK Notify's notification id); "
        "empty until sent."
    )
    created_at = AwareDateTimeField(help_text="When the notice was created.")
