"""Query filters for the bookings and notices lists, strict about what they accept.

A value the filter cannot read (an unknown status, a date without an offset, a
malformed id) is a 400 naming the filter, never silently ignored: an integration that
mistypes a filter must not get every booking back and think they matched. An unknown
trust, site or service code is a well-formed question with no answer: an empty list.

Codes are matched through a scalar subquery (``trust_id = (SELECT id ... WHERE
ods_code = ...)``) rather than a join, so PostgreSQL has the id before it starts and
keeps walking the (starts_at, id) or (trust, starts_at) index in page order.
"""

from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet, Subquery
from django.utils import timezone

from appointments.models import (
    Appointment,
    Channel,
    Kind,
    Notice,
    NoticeKind,
    NoticeQuerySet,
    NoticeStatus,
    Priority,
    Status,
)
from appointments.references import is_well_formed_booking_reference, normalise_booking_reference
from config.api.fields import OFFSET_EXAMPLE
from config.api.filters import AwareDateTimeFilter, StrictBooleanFilter
from trusts.models import Service, Site, Trust


class BookingReferenceFormField(forms.Field):
    default_error_messages = {"invalid": "Not a booking reference (12 characters)."}

    def to_python(self, value: Any) -> Any:
        if value in self.empty_values:
            return None
        reference = normalise_booking_reference(str(value))
        if not is_well_formed_booking_reference(reference):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return reference


class BookingReferenceFilter(django_filters.CharFilter):
    field_class = BookingReferenceFormField


def _id_of(model: Any, **lookup: str) -> Subquery:
    # No ordering: the code is unique, and a model's default order would add a sort or join.
    return Subquery(model.objects.filter(**lookup).order_by().values("pk")[:1])


class AppointmentFilter(django_filters.FilterSet):
    trust = django_filters.CharFilter(
        method="filter_trust", help_text="Only this trust's bookings (ODS code, e.g. RM1)."
    )
    site = django_filters.CharFilter(
        method="filter_site", help_text="Only bookings at this site (site code, e.g. RM102)."
    )
    service = django_filters.CharFilter(
        method="filter_service", help_text="Only bookings for this service (its code)."
    )
    kind = django_filters.ChoiceFilter(choices=Kind.choices, help_text="Only this kind.")
    status = django_filters.ChoiceFilter(choices=Status.choices, help_text="Only this status.")
    priority = django_filters.ChoiceFilter(
        choices=Priority.choices, help_text="Only this priority."
    )
    starts_after = AwareDateTimeFilter(
        field_name="starts_at",
        lookup_expr="gte",
        help_text="Bookings starting at or after this time (inclusive). ISO 8601 with offset, "
        f"e.g. {OFFSET_EXAMPLE} (URL-encode the + as %2B).",
    )
    starts_before = AwareDateTimeFilter(
        field_name="starts_at",
        lookup_expr="lt",
        help_text="Bookings starting before this time (exclusive), so a day is "
        "starts_after=<midnight>&starts_before=<next midnight>. ISO 8601 with offset.",
    )

    class Meta:
        model = Appointment
        fields: list[str] = []

    def filter_trust(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(trust_id=_id_of(Trust, ods_code=value.strip().upper()))

    def filter_site(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(site_id=_id_of(Site, code=value.strip().upper()))

    def filter_service(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(service_id=_id_of(Service, code=value.strip()))


class NoticeFilter(django_filters.FilterSet):
    strike = django_filters.UUIDFilter(
        field_name="strike__public_id", help_text="Only notices about this strike (its id)."
    )
    trust = django_filters.CharFilter(
        method="filter_trust", help_text="Only notices for this trust's bookings (ODS code)."
    )
    kind = django_filters.ChoiceFilter(choices=NoticeKind.choices, help_text="Only this kind.")
    channel = django_filters.ChoiceFilter(choices=Channel.choices, help_text="Only this channel.")
    status = django_filters.ChoiceFilter(
        choices=NoticeStatus.choices, help_text="Only this status."
    )
    overdue = StrictBooleanFilter(
        method="filter_overdue",
        help_text="true: only notices past their due_by that the patient has not had (pending, "
        "sending or failed); false: every other notice.",
    )
    reference = BookingReferenceFilter(
        field_name="appointment__reference",
        help_text="Only notices about this booking (its reference; hyphens and spaces allowed).",
    )

    class Meta:
        model = Notice
        fields: list[str] = []

    def filter_trust(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(appointment__trust_id=_id_of(Trust, ods_code=value.strip().upper()))

    def filter_overdue(self, queryset: NoticeQuerySet, name: str, value: bool) -> QuerySet:
        now = timezone.now()
        if value:
            return queryset.overdue(now)
        return queryset.exclude(pk__in=Notice.objects.overdue(now).values("pk"))
