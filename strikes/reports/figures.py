"""The counts every strike report is made of, and the grouped queries that produce them.

Every count comes from a handful of GROUP BY queries (per trust and local day), whatever
the number of bookings; Python only adds up the aggregated rows.
"""

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, TypeVar

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import TruncDate

from appointments.models import Appointment, Kind, Outcome, Status, StrikeImpact
from trusts.models import Trust
from trusts.scope import TrustScopedQuerySet, is_national, trust_ids_for

from ..models import LONDON, Participation, StaffAbsence, Strike

POSTPONED = Q(outcome=Outcome.POSTPONED)
INPATIENT_KINDS = (Kind.INPATIENT, Kind.DAY_CASE)
# A postponed booking that has since been given a new date, whether or not it has come yet.
HAS_NEW_DATE = (Status.RESCHEDULED, Status.ATTENDED, Status.DID_NOT_ATTEND)
ONE_DECIMAL = Decimal("0.1")
ScopedQuerySet = TypeVar("ScopedQuerySet", bound=TrustScopedQuerySet)


def impact_tallies() -> dict[str, Count]:
    """The Count(filter=...) aggregates over StrikeImpact rows, named as Figures fields."""
    return {
        "in_strike": Count("pk"),
        "exempt": Count("pk", filter=Q(outcome=Outcome.EXEMPT)),
        "at_risk": Count("pk", filter=Q(outcome=Outcome.AT_RISK)),
        "going_ahead": Count("pk", filter=Q(outcome=Outcome.GOING_AHEAD)),
        "reinstated": Count("pk", filter=Q(reinstated_at__isnull=False)),
        "postponed_outpatient": Count(
            "pk", filter=POSTPONED & Q(appointment__kind=Kind.OUTPATIENT)
        ),
        "postponed_inpatient": Count(
            "pk", filter=POSTPONED & Q(appointment__kind__in=INPATIENT_KINDS)
        ),
        "awaiting_new_date": Count(
            "pk", filter=POSTPONED & Q(appointment__status=Status.POSTPONED)
        ),
        "rescheduled": Count("pk", filter=POSTPONED & Q(appointment__status__in=HAS_NEW_DATE)),
    }


def percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part * 100) / Decimal(whole)).quantize(ONE_DECIMAL, ROUND_HALF_UP)


@dataclass(frozen=True)
class Figures:
    """Bookings counts for one trust (or a total), over a strike or one of its days.

    ``planned`` is every booking due in the window; ``in_strike`` those the strike
    touches, split by outcome (``reinstated`` is the part of ``going_ahead`` a call-off
    put back). The postponed are split outpatient / inpatient and day case, and by
    whether they have a new date yet.
    """

    planned: int = 0
    in_strike: int = 0
    exempt: int = 0
    at_risk: int = 0
    going_ahead: int = 0
    reinstated: int = 0
    postponed_outpatient: int = 0
    postponed_inpatient: int = 0
    awaiting_new_date: int = 0
    rescheduled: int = 0

    @property
    def postponed_total(self) -> int:
        # From the parts, so a total can never disagree with what it adds up.
        return self.postponed_outpatient + self.postponed_inpatient

    @property
    def postponed_pct(self) -> Decimal | None:
        """Postponed as a percentage of planned, to one decimal; None with nothing planned."""
        return percent(self.postponed_total, self.planned)

    def __add__(self, other: "Figures") -> "Figures":
        return Figures(
            **{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)}
        )

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> "Figures":
        """From a row of ``impact_tallies()``: every booking the strike touches is planned."""
        names = {f.name for f in fields(cls)} - {"planned"}
        return cls(planned=row["in_strike"], **{name: row[name] or 0 for name in names})


@dataclass(frozen=True)
class TrustRef:
    id: int
    ods_code: str
    name: str
    kind: str
    region: str

    @classmethod
    def of(cls, trust: Trust) -> "TrustRef":
        return cls(trust.pk, trust.ods_code, trust.name, trust.kind, trust.region)


@dataclass(frozen=True)
class StrikeSummary:
    public_id: uuid.UUID
    title: str
    status: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    days: tuple[dt.date, ...]

    @classmethod
    def of(cls, strike: Strike) -> "StrikeSummary":
        return cls(
            strike.public_id,
            strike.title,
            strike.status,
            strike.starts_at,
            strike.ends_at,
            tuple(strike.local_days()),
        )


@dataclass(frozen=True)
class StaffCount:
    staff_group: str  # StaffGroup code
    count: int


@dataclass(frozen=True)
class DayRow:
    """One trust on one strike day."""

    trust: TrustRef
    participating: bool
    date: dt.date
    figures: Figures
    staff_absent: tuple[StaffCount, ...] = ()  # staff groups with a count, by code

    @property
    def staff_absent_total(self) -> int:
        return sum(s.count for s in self.staff_absent)

    def staff_absent_for(self, staff_group: str) -> int:
        return sum(s.count for s in self.staff_absent if s.staff_group == staff_group)


@dataclass(frozen=True)
class Collected:
    """The aggregated rows of one strike, before a report shapes them."""

    strike: StrikeSummary
    national: bool
    days: tuple[dt.date, ...]
    staff_groups: tuple[str, ...]  # codes with a count in this strike
    trusts: tuple[tuple[TrustRef, bool], ...]  # (trust, participating), by name
    by_day: tuple[DayRow, ...]

    def counted_trust_ids(self) -> frozenset[int]:
        """The trusts totals add up: those taking part, and any that dropped out after
        decisions were made for them (those postponements still happened)."""
        decided = {
            day.trust.id
            for day in self.by_day
            if day.figures.postponed_total or day.figures.going_ahead
        }
        return frozenset({trust.id for trust, taking_part in self.trusts if taking_part} | decided)


def is_national_user(user: Any) -> bool:
    """``None`` is the command line, an operator with shell access: national."""
    return user is None or is_national(user)


def scoped(queryset: ScopedQuerySet, user: Any) -> ScopedQuerySet:
    return queryset if user is None else queryset.for_user(user)


def in_trusts(queryset: QuerySet, user: Any, path: str = "trust") -> QuerySet:
    """For models without ``for_user``: rows at the user's trusts."""
    trust_ids = None if user is None else trust_ids_for(user)
    return queryset if trust_ids is None else queryset.filter(**{f"{path}__in": trust_ids})


def unassessed_in_window(strike_ref: Any) -> Q:
    """Bookings due in the window that have no impact for the strike: they were planned,
    the strike did not touch them. ``strike_ref`` is a Strike or an OuterRef to one."""
    return Q(
        ~Exists(StrikeImpact.objects.filter(strike=strike_ref, appointment=OuterRef("pk")))
    ) & ~Q(status=Status.CANCELLED)


def collect(*, strike: Strike, user: Any) -> Collected:
    """Figures per trust per local strike day, and staff out, in four queries."""
    participations = in_trusts(
        Participation.objects.filter(strike=strike).select_related("trust"), user
    )
    # Sorted here, not by the database: SQLite and PostgreSQL collate names differently.
    trusts = tuple(
        sorted(
            ((TrustRef.of(p.trust), p.participating) for p in participations),
            key=lambda pair: (pair[0].name.casefold(), pair[0].ods_code),
        )
    )
    in_report = Participation.objects.filter(strike=strike).values("trust_id")

    cells: dict[tuple[int, dt.date], Figures] = defaultdict(Figures)
    days = strike.local_days()
    impacts = (
        scoped(StrikeImpact.objects.all(), user)
        .filter(strike=strike, appointment__trust__in=in_report)
        .annotate(day=TruncDate("slot_starts_at", tzinfo=LONDON))
        .order_by()
        .values("appointment__trust_id", "day")
        .annotate(**impact_tallies())
    )
    for row in impacts:
        key = (row["appointment__trust_id"], _strike_day(row["day"], days))
        cells[key] += Figures.from_row(row)
    others = (
        scoped(Appointment.objects.all(), user)
        .filter(
            unassessed_in_window(strike),
            trust__in=in_report,
            starts_at__gte=strike.starts_at,
            starts_at__lt=strike.ends_at,
        )
        .annotate(day=TruncDate("starts_at", tzinfo=LONDON))
        .order_by()
        .values("trust_id", "day")
        .annotate(planned=Count("pk"))
    )
    for other in others:
        cells[(other["trust_id"], _strike_day(other["day"], days))] += Figures(
            planned=other["planned"]
        )

    staff: dict[tuple[int, dt.date], list[StaffCount]] = defaultdict(list)
    absences = (
        in_trusts(StaffAbsence.objects.filter(strike=strike, trust__in=in_report), user)
        .order_by("staff_group_id")
        .values_list("trust_id", "date", "staff_group_id", "count")
    )
    for trust_id, date, group, count in absences:
        staff[(trust_id, date)].append(StaffCount(group, count))
    # A count entered for a day that is not a strike day still gets a row of its own,
    # rather than vanishing from the report.
    all_days = tuple(sorted({*days, *(date for _, date in staff)}))
    by_day = tuple(
        DayRow(
            trust=trust,
            participating=participating,
            date=day,
            figures=cells.get((trust.id, day), Figures()),
            staff_absent=tuple(staff.get((trust.id, day), ())),
        )
        for trust, participating in trusts
        for day in all_days
    )
    return Collected(
        strike=StrikeSummary.of(strike),
        national=is_national_user(user),
        days=all_days,
        staff_groups=tuple(sorted({s.staff_group for counts in staff.values() for s in counts})),
        trusts=trusts,
        by_day=by_day,
    )


def _strike_day(day: dt.date, days: list[dt.date]) -> dt.date:
    # The stretch of a walkout ending before noon belongs to the day before (see
    # strike_days), so a 07:00 slot on the morning it ends counts on the last strike day.
    if day > days[-1]:
        return days[-1]
    return max(day, days[0])


def summed(figures: Iterable[Figures]) -> Figures:
    return sum(figures, Figures())
