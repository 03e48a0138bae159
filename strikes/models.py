"""Strikes (industrial action), each trust's participation, staff out, published figures."""

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from trusts.models import Service, StaffGroup, Trust

LONDON = ZoneInfo("Europe/London")


class Union(models.Model):
    """A trade union that calls strikes: RCN, BMA, CSP..."""

    code = models.CharField(max_length=10, primary_key=True)
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class StrikeStatus(models.TextChoices):
    ANNOUNCED = "announced", "Announced"
    CONFIRMED = "confirmed", "Confirmed"
    SUSPENDED = "suspended", "Suspended"
    CALLED_OFF = "called_off", "Called off"
    COMPLETED = "completed", "Completed"


# How a strike's status may change, and the service that makes each move (strikes/services).
ALLOWED_STRIKE_MOVES: dict[str, frozenset[str]] = {
    StrikeStatus.ANNOUNCED: frozenset(
        {StrikeStatus.CONFIRMED, StrikeStatus.SUSPENDED, StrikeStatus.CALLED_OFF}
    ),
    StrikeStatus.CONFIRMED: frozenset(
        {StrikeStatus.SUSPENDED, StrikeStatus.CALLED_OFF, StrikeStatus.COMPLETED}
    ),
    # Resuming returns a suspended strike to where it was; talks may still fail after.
    StrikeStatus.SUSPENDED: frozenset(
        {StrikeStatus.ANNOUNCED, StrikeStatus.CONFIRMED, StrikeStatus.CALLED_OFF}
    ),
    StrikeStatus.CALLED_OFF: frozenset(),
    StrikeStatus.COMPLETED: frozenset(),
}


class Strike(models.Model):
    """One walkout: a union's staff groups out from ``starts_at`` until ``ends_at``.

    The window is half-open, ``[starts_at, ends_at)``: a booking at exactly ``ends_at``
    is after the walkout. Times are stored in UTC and shown in Europe/London.
    """

    Status = StrikeStatus

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(max_length=200)
    unions = models.ManyToManyField(Union, related_name="strikes")
    staff_groups = models.ManyToManyField(StaffGroup, related_name="strikes")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ANNOUNCED)
    emergency_care_only = models.BooleanField(
        default=False,
        help_text="Only emergency services (flagged in the catalogue) are exempt; "
        "the exempt services listed below are then ignored.",
    )
    protect_urgent = models.BooleanField(
        default=True, help_text="Urgent and cancer bookings are exempt unless this is off."
    )
    exempt_services = models.ManyToManyField(
        Service, blank=True, related_name="exempt_in_strikes", help_text="Agreed derogations."
    )
    notice_lead_days = models.PositiveSmallIntegerField(
        default=3,
        validators=[MaxValueValidator(60)],
        help_text="Notices to patients go out from this many days before the walkout "
        "starts; every one is due by the start.",
    )
    send_going_ahead_notices = models.BooleanField(
        default=False,
        help_text="Also tell patients whose at-risk booking was decided to go ahead to "
        "attend as normal. Patients already told of a postponement that was reversed are "
        "always told.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_at__lt=F("ends_at")), name="strike_starts_before_it_ends"
            ),
            models.CheckConstraint(
                condition=Q(status__in=StrikeStatus.values), name="strike_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(notice_lead_days__lte=60), name="strike_notice_lead_days_range"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def local_days(self) -> list[dt.date]:
        return strike_days(self.starts_at, self.ends_at)


def strike_days(starts_at: dt.datetime, ends_at: dt.datetime) -> list[dt.date]:
    """The days a walkout counts as, in Europe/London, for reports and staff-out forms.

    Every local date from the start, except that a final stretch ending before noon
    (a 48-hour walkout from 08:00 ends at 08:00) is the tail of the day before, not a
    strike day of its own. A walkout across a clock change still counts calendar days.
    """
    first = starts_at.astimezone(LONDON).date()
    last = max(first, (ends_at - dt.timedelta(hours=12)).astimezone(LONDON).date())
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


class StrikeStatusChange(models.Model):
    """Who moved a strike from one status to another, and when. Written by the services
    in strikes/services/lifecycle.py, never edited."""

    strike = models.ForeignKey(Strike, on_delete=models.CASCADE, related_name="status_changes")
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty for the system (the demo loader, a scheduled job).",
    )
    from_status = models.CharField(max_length=20, choices=StrikeStatus.choices)
    to_status = models.CharField(max_length=20, choices=StrikeStatus.choices)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(from_status__in=StrikeStatus.values)
                & Q(to_status__in=StrikeStatus.values),
                name="strike_status_change_statuses_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.strike_id}: {self.from_status} -> {self.to_status} at {self.at:%Y-%m-%d}"


class Participation(models.Model):
    """Whether a trust's staff take part in a strike, as its own ballot decided."""

    strike = models.ForeignKey(Strike, on_delete=models.CASCADE, related_name="participations")
    trust = models.ForeignKey(Trust, on_delete=models.PROTECT, related_name="participations")
    participating = models.BooleanField()
    ballot_turnout = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text="Percent of members who voted.",
    )
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["trust__name"]
        constraints = [
            models.UniqueConstraint(fields=["strike", "trust"], name="participation_one_per_trust"),
            models.CheckConstraint(
                condition=Q(ballot_turnout__isnull=True)
                | Q(ballot_turnout__gte=0, ballot_turnout__lte=100),
                name="participation_turnout_is_percent",
            ),
        ]

    def __str__(self) -> str:
        taking_part = "takes part" if self.participating else "does not take part"
        return f"{self.trust.ods_code} {taking_part} in {self.strike}"


class StaffAbsence(models.Model):
    """How many of one staff group were out at one trust on one day of a strike."""

    strike = models.ForeignKey(Strike, on_delete=models.CASCADE, related_name="staff_absences")
    trust = models.ForeignKey(Trust, on_delete=models.PROTECT, related_name="staff_absences")
    date = models.DateField(help_text="The strike day, in Europe/London.")
    staff_group = models.ForeignKey(StaffGroup, on_delete=models.PROTECT)
    count = models.PositiveIntegerField()

    class Meta:
        ordering = ["date", "trust__name", "staff_group"]
        constraints = [
            models.UniqueConstraint(
                fields=["strike", "trust", "date", "staff_group"], name="staff_absence_one_per_day"
            ),
            models.CheckConstraint(
                condition=Q(count__gte=0), name="staff_absence_count_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.count} {self.staff_group_id} out at {self.trust.ods_code} on {self.date}"


class ReportedMetric(models.TextChoices):
    PLANNED = "planned", "Planned bookings"
    POSTPONED_TOTAL = "postponed_total", "Postponed (total)"
    POSTPONED_OUTPATIENT = "postponed_outpatient", "Postponed outpatient"
    POSTPONED_INPATIENT = "postponed_inpatient", "Postponed inpatient and day case"
    POSTPONED_PCT = "postponed_pct", "Postponed as % of planned"
    AWAITING_NEW_DATE = "awaiting_new_date", "Awaiting a new date"
    RESCHEDULED = "rescheduled", "Rescheduled"
    STAFF_ABSENT = "staff_absent", "Staff absent"


class ReportedFigure(models.Model):
    """A figure a trust or a newspaper published for a strike.

    Kept beside what StrikeDesk computes so a report can show both and the difference,
    e.g. a headline total of 4,736 whose parts add up to 4,726.
    """

    Metric = ReportedMetric

    strike = models.ForeignKey(Strike, on_delete=models.CASCADE, related_name="reported_figures")
    trust = models.ForeignKey(
        Trust,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reported_figures",
        help_text="Empty for a figure about a whole area.",
    )
    area = models.CharField(
        max_length=100, blank=True, help_text="For an area-wide figure, e.g. Norfolk and Waveney."
    )
    covers = models.ManyToManyField(
        Trust,
        blank=True,
        related_name="+",
        help_text="For an area figure: the trusts it counts, so reports can compare it.",
    )
    metric = models.CharField(max_length=30, choices=Metric.choices)
    date = models.DateField(null=True, blank=True, help_text="For a figure about one day.")
    value = models.DecimalField(max_digits=12, decimal_places=2)
    source = models.CharField(max_length=200, help_text="Who published it, and where.")
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["strike", "trust__name", "metric"]
        constraints = [
            # A figure is about one trust or one named area, never both or neither.
            models.CheckConstraint(
                condition=(Q(trust__isnull=False) & Q(area=""))
                | (Q(trust__isnull=True) & ~Q(area="")),
                name="reported_figure_trust_or_area",
            ),
            models.CheckConstraint(
                condition=Q(metric__in=ReportedMetric.values), name="reported_figure_metric_valid"
            ),
        ]

    def __str__(self) -> str:
        about = self.trust.ods_code if self.trust else self.area
        return f"{about}: {self.get_metric_display()} = {self.value}"
