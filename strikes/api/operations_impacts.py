"""The list of a strike's impacts: which bookings it touches and what was decided.

Ordered by (``slot_starts_at``, id): the time each booking was due inside the strike,
which is the order staff work through a strike in, and local to StrikeImpact so the
keyset pages walk the (strike, slot_starts_at) index instead of sorting a join.
"""

import datetime as dt

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.generics import ListAPIView

from appointments.models import Kind, Outcome, Priority, StrikeImpact
from strikes.models import LONDON

from .operation_serializers import ImpactSerializer
from .operations_base import STRIKE_ID, TAGS, StrikeOperationView


class ImpactFilter(django_filters.FilterSet):
    trust = django_filters.CharFilter(
        method="by_code",
        field_name="appointment__trust__ods_code",
        help_text="The trust's ODS code.",
    )
    site = django_filters.CharFilter(
        method="by_code", field_name="appointment__site__code", help_text="The site's code."
    )
    service = django_filters.CharFilter(
        field_name="appointment__service__code", help_text="The service's code."
    )
    kind = django_filters.ChoiceFilter(
        field_name="appointment__kind", choices=Kind.choices, help_text="Kind of booking."
    )
    priority = django_filters.ChoiceFilter(
        field_name="appointment__priority", choices=Priority.choices, help_text="Priority."
    )
    outcome = django_filters.ChoiceFilter(choices=Outcome.choices, help_text="The outcome.")
    date = django_filters.DateFilter(
        method="on_day",
        help_text="Local (Europe/London) day the booking was due inside the strike, "
        "YYYY-MM-DD: the same day a decision's where.date selects.",
    )

    class Meta:
        model = StrikeImpact
        fields: list[str] = []

    def by_code(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        # ODS and site codes are stored upper-case; people type them either way.
        return queryset.filter(**{name: value.upper()})

    def on_day(self, queryset: QuerySet, name: str, value: dt.date) -> QuerySet:
        start = dt.datetime.combine(value, dt.time(), tzinfo=LONDON)
        queryset = queryset.filter(slot_starts_at__gte=start)
        if value == dt.date.max:
            return queryset  # no next midnight to stop at
        end = dt.datetime.combine(value + dt.timedelta(days=1), dt.time(), tzinfo=LONDON)
        return queryset.filter(slot_starts_at__lt=end)


@extend_schema_view(
    get=extend_schema(
        operation_id="strike_impacts_list",
        tags=TAGS,
        summary="The bookings the strike touches, and their outcome",
        description=(
            "Impacts at the trusts you may see, ordered by the time each booking was due "
            "inside the strike (`slot_starts_at`), then id. Keyset pages: follow `next`."
        ),
        parameters=[STRIKE_ID],
    )
)
class ImpactListView(StrikeOperationView, ListAPIView):
    serializer_class = ImpactSerializer
    filterset_class = ImpactFilter
    keyset_ordering = ("slot_starts_at", "id")

    def get_queryset(self) -> QuerySet[StrikeImpact]:
        if getattr(self, "swagger_fake_view", False):
            return StrikeImpact.objects.none()
        return (
            StrikeImpact.objects.for_user(self.request.user)
            .filter(strike=self.get_strike())
            .select_related("appointment__trust", "appointment__site", "appointment__service")
        )
