"""Reads about bookings and notices, narrowed to what the user may see."""

from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet

from .models import Appointment, Notice, Patient
from .references import is_well_formed_booking_reference, normalise_booking_reference

# A listed booking as plain columns: the booking and the codes of its trust, site and
# service. Model instances for five tables cost several times the query itself on a
# 500-row page; the paginator needs only starts_at and id from each row.
BOOKING_COLUMNS = (
    "id",
    "reference",
    "external_id",
    "trust__ods_code",
    "site__code",
    "service__code",
    "kind",
    "starts_at",
    "priority",
    "referral_received_on",
    "status",
    "patient_id",
)
PATIENT_COLUMNS = (
    "id",
    "nhs_number",
    "given_name",
    "family_name",
    "date_of_birth",
    "postcode",
    "phone",
    "email",
    "address",
    "preferred_channel",
)


def appointments_for(user: Any) -> QuerySet[Appointment]:
    """The user's trusts' bookings with their trust, site, service and patient joined."""
    return Appointment.objects.for_user(user).select_related("trust", "site", "service", "patient")


def booking_rows(bookings: QuerySet[Appointment]) -> QuerySet:
    """``bookings`` as named rows of ``BOOKING_COLUMNS``, for a page of a listing.

    The patient is left out on purpose (see ``patients_by_id``): joined here, the
    planner may hash-join the whole patient table for a page near the end of the list,
    where it expects few rows; trust, site and service are small tables.
    """
    return bookings.select_related(None).values_list(*BOOKING_COLUMNS, named=True)


def patients_by_id(ids: Iterable[int]) -> dict[int, Any]:
    """The patients of one page of bookings, by id: one primary-key lookup."""
    rows = Patient.objects.filter(pk__in=set(ids)).values_list(*PATIENT_COLUMNS, named=True)
    return {row.id: row for row in rows}


def appointment_by_reference(*, user: Any, reference: str) -> Appointment | None:
    """The booking with ``reference`` as a patient or PAS may write it (lower case, with
    hyphens or spaces), if it is among the user's trusts' bookings."""
    normalised = normalise_booking_reference(reference)
    if not is_well_formed_booking_reference(normalised):
        return None
    return appointments_for(user).filter(reference=normalised).first()


def notices_for(user: Any) -> QuerySet[Notice]:
    """The notices for the user's trusts' bookings, with only the columns the API shows
    (a notice's patient is reached through its booking and never read here)."""
    return (
        Notice.objects.for_user(user)
        .select_related("appointment__trust", "strike")
        .only(
            "id",
            "kind",
            "channel",
            "status",
            "due_by",
            "sent_at",
            "attempts",
            "last_error",
            "provider_reference",
            "created_at",
            "appointment__reference",
            "appointment__trust__ods_code",
            "strike__public_id",
        )
    )
