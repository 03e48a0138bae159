"""Reads behind the backlog page: postponed bookings still waiting for a new date.

Everything is narrowed by the trust scope first (``for_user``) and then by the page's
filters, and every count is a grouped query, so the page costs the same few statements
whatever the size of the backlog.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Case,
    Count,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.lookups import Exact
from django.utils import timezone

from appointments.models import Appointment, AppointmentEvent, Priority, Status, StrikeImpact
from strikes.models import Strike
from strikes.reports.figures import POSTPONED
from trusts.models import Service, Site, Trust

# Declared most urgent first in appointments.models.Priority; the backlog keeps that order.
URGENCY = Case(
    *(When(priority=value, then=Value(rank)) for rank, value in enumerate(Priority.values)),
    default=Value(len(Priority.values)),
    output_field=IntegerField(),
)

ROW_COLUMNS = (
    "id",
    "reference",
    "trust_id",
    "trust__ods_code",
    "trust__name",
    "site__name",
    "service__name",
    "kind",
    "starts_at",
    "priority",
    "referral_received_on",
    "patient_id",
)


@dataclass(frozen=True)
class BacklogFilters:
    """The page's filters, already checked against what the user may see."""

    trust: Trust | None = None
    strike: Strike | None = None
    service_code: str | None = None
    site_code: str | None = None


def postponed_by(strike: Strike | OuterRef) -> Exists:
    return Exists(StrikeImpact.objects.filter(POSTPONED, strike=strike, appointment=OuterRef("pk")))


def waiting_bookings(user: Any, filters: BacklogFilters = BacklogFilters()) -> QuerySet:
    """The user's trusts' bookings awaiting a new date, narrowed by ``filters``, unordered."""
    bookings = Appointment.objects.for_user(user).filter(status=Status.POSTPONED)
    if filters.trust is not None:
        bookings = bookings.filter(trust=filters.trust)
    if filters.strike is not None:
        bookings = bookings.filter(postponed_by(filters.strike))
    if filters.service_code:
        bookings = bookings.filter(service__code=filters.service_code)
    if filters.site_code:
        bookings = bookings.filter(site__code=filters.site_code)
    return bookings


def in_backlog_order(bookings: QuerySet) -> QuerySet:
    """Most urgent first, then the oldest referral (unknown referral dates last), then
    the slot the booking lost; the id makes every page boundary stable."""
    return bookings.annotate(urgency=URGENCY).order_by(
        "urgency",
        F("referral_received_on").asc(nulls_last=True),
        "starts_at",
        "id",
    )


def backlog_rows(bookings: QuerySet) -> QuerySet:
    """One page's bookings as plain named rows (no model instances for five tables)."""
    return bookings.values_list(*ROW_COLUMNS, named=True)


def counts_by_trust(bookings: QuerySet) -> list[dict[str, Any]]:
    return list(
        bookings.order_by()
        .values("trust__ods_code", "trust__name")
        .annotate(waiting=Count("pk"))
        .order_by("trust__name", "trust__ods_code")
    )


def counts_by_service(bookings: QuerySet) -> list[dict[str, Any]]:
    return list(
        bookings.order_by()
        .values("service__code", "service__name")
        .annotate(waiting=Count("pk"))
        .order_by("-waiting", "service__name")
    )


@dataclass(frozen=True)
class StillWaiting:
    """One strike's postponed bookings, and how many had no new date ``days`` after it."""

    strike: Strike
    days: int
    postponed: int
    waiting: int
    cutoff: dt.datetime

    @property
    def cutoff_passed(self) -> bool:
        """Before the cutoff the count is "waiting so far", not yet the final figure."""
        return self.cutoff <= timezone.now()


def still_waiting_after(
    *, user: Any, days: int, filters: BacklogFilters = BacklogFilters()
) -> list[StillWaiting]:
    """Per strike: bookings it postponed, and those still postponed ``days`` after its end.

    A booking's status at the cutoff is the ``to_status`` of its last history event at or
    before it: a booking given a new date later than the cutoff still counts as waiting
    then, and one rescheduled before it does not, whatever happened to it since. Before
    the cutoff comes this is the reports' ``awaiting_new_date`` (postponed by the strike,
    still postponed now). One grouped statement for every strike.
    """
    impacts = StrikeImpact.objects.for_user(user).filter(POSTPONED)
    if filters.trust is not None:
        impacts = impacts.filter(appointment__trust=filters.trust)
    if filters.strike is not None:
        impacts = impacts.filter(strike=filters.strike)
    if filters.service_code:
        impacts = impacts.filter(appointment__service__code=filters.service_code)
    if filters.site_code:
        impacts = impacts.filter(appointment__site__code=filters.site_code)
    status_then = Subquery(
        AppointmentEvent.objects.filter(
            appointment=OuterRef("appointment"), at__lte=OuterRef("cutoff")
        )
        .exclude(to_status="")
        .order_by("-at", "-pk")
        .values("to_status")[:1]
    )
    rows = (
        impacts.annotate(
            cutoff=ExpressionWrapper(
                F("strike__ends_at") + Value(dt.timedelta(days=days)),
                output_field=DateTimeField(),
            )
        )
        .order_by()
        .values("strike_id")
        .annotate(
            postponed=Count("pk"),
            waiting=Count("pk", filter=Q(Exact(status_then, Status.POSTPONED))),
        )
    )
    counts = {row["strike_id"]: row for row in rows}
    strikes = Strike.objects.filter(pk__in=counts).order_by("-starts_at", "pk")
    return [
        StillWaiting(
            strike=strike,
            days=days,
            postponed=counts[strike.pk]["postponed"],
            waiting=counts[strike.pk]["waiting"],
            cutoff=strike.ends_at + dt.timedelta(days=days),
        )
        for strike in strikes
    ]


def strikes_with_postponements(user: Any) -> QuerySet[Strike]:
    """Strikes that postponed any of the user's trusts' bookings, newest first."""
    return Strike.objects.filter(
        Exists(_postponed_impacts(user).filter(strike=OuterRef("pk")))
    ).order_by("-starts_at", "pk")


def _postponed_impacts(user: Any) -> QuerySet[StrikeImpact]:
    return StrikeImpact.objects.for_user(user).filter(POSTPONED)


def services_with_postponements(user: Any) -> QuerySet[Service]:
    """Services the filter offers: those with a postponed booking at the user's trusts
    (ever, so a filter whose last booking was just rescheduled stays valid)."""
    return Service.objects.filter(
        Exists(_postponed_impacts(user).filter(appointment__service=OuterRef("pk")))
    ).order_by("name", "code")


def sites_with_postponements(user: Any) -> QuerySet[Site]:
    return (
        Site.objects.filter(
            Exists(_postponed_impacts(user).filter(appointment__site=OuterRef("pk")))
        )
        .select_related("trust")
        .order_by("trust__name", "name", "code")
    )
