"""Shapes of the report endpoints: one strike's figures (per trust, per trust per day, per
day, published beside computed) and strikes compared.

Plain serializers over the plain dicts the views build from ``strikes.reports``; nothing
here reads the database.
"""

from rest_framework import serializers

from strikes.models import ReportedMetric, StrikeStatus


class StaffAbsentSerializer(serializers.Serializer):
    date = serializers.DateField(help_text="The strike day (Europe/London).")
    staff_group = serializers.CharField(help_text="Staff group code, e.g. nurses.")
    count = serializers.IntegerField(help_text="How many were out.")


class ReportedSerializer(serializers.Serializer):
    metric = serializers.ChoiceField(
        choices=ReportedMetric.choices, help_text="Which figure was published."
    )
    date = serializers.DateField(allow_null=True, help_text="The day it is about; null: all.")
    value = serializers.DecimalField(
        max_digits=12, decimal_places=2, help_text="The figure as published."
    )
    computed = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        allow_null=True,
        help_text="StrikeDesk's own figure for the same thing; null with nothing to compare.",
    )
    difference = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        allow_null=True,
        help_text="Computed minus published: -10 where the publication claims 10 more.",
    )
    source = serializers.CharField(help_text="Who published it, and where.")


class CountsSerializer(serializers.Serializer):
    """Bookings counts: a trust's, a day's, a strike's; the same names everywhere."""

    planned = serializers.IntegerField(help_text="Bookings due in the strike window.")
    in_strike = serializers.IntegerField(help_text="Those the strike touches.")
    exempt = serializers.IntegerField(help_text="Exempt from the strike.")
    at_risk = serializers.IntegerField(help_text="At risk, not yet decided.")
    going_ahead = serializers.IntegerField(help_text="Decided (or reinstated) to go ahead.")
    reinstated = serializers.IntegerField(help_text="Going ahead because of a call-off.")
    postponed_outpatient = serializers.IntegerField(help_text="Outpatient bookings postponed.")
    postponed_inpatient = serializers.IntegerField(
        help_text="Inpatient and day-case bookings postponed."
    )
    postponed_total = serializers.IntegerField(help_text="All postponed: the two added up.")
    postponed_pct = serializers.DecimalField(
        max_digits=5,
        decimal_places=1,
        allow_null=True,
        help_text="Postponed as a percentage of planned; null with nothing planned.",
    )
    awaiting_new_date = serializers.IntegerField(help_text="Postponed, no new date yet.")
    rescheduled = serializers.IntegerField(help_text="Postponed and given a new date.")


class FiguresSerializer(CountsSerializer):
    staff_absent = StaffAbsentSerializer(
        many=True, help_text="Staff out per strike day and staff group."
    )
    reported = ReportedSerializer(
        many=True, help_text="Published figures beside the computed ones."
    )
    staff_absent_peak = serializers.IntegerField(
        help_text="Staff out on the busiest day, all staff groups: a headcount, where adding "
        "the days up would count someone out on two days twice."
    )


class ReportRowSerializer(FiguresSerializer):
    trust = serializers.CharField(help_text="The trust's ODS code.")
    participating = serializers.BooleanField(help_text="Whether its staff take part.")
    counted = serializers.BooleanField(
        help_text="In the totals: taking part, or decisions were made for it."
    )
    trust_name = serializers.CharField(help_text="The trust's name.")


class ReportTotalsSerializer(FiguresSerializer):
    """The counted rows added up; ``reported`` holds area-wide figures (national only)."""


class ReportDayRowSerializer(CountsSerializer):
    """One trust on one strike day."""

    date = serializers.DateField(help_text="The strike day (Europe/London).")
    trust = serializers.CharField(help_text="The trust's ODS code.")
    trust_name = serializers.CharField(help_text="The trust's name.")
    participating = serializers.BooleanField(help_text="Whether its staff take part.")
    counted = serializers.BooleanField(help_text="In the day's totals.")
    staff_absent_total = serializers.IntegerField(help_text="Staff out that day, all groups.")


class ReportDayTotalSerializer(CountsSerializer):
    """The counted trusts on one strike day, added up."""

    date = serializers.DateField(help_text="The strike day (Europe/London).")
    staff_absent_total = serializers.IntegerField(help_text="Staff out that day, all groups.")


class ReportSerializer(serializers.Serializer):
    days = serializers.ListField(
        child=serializers.DateField(), help_text="The strike days (Europe/London)."
    )
    rows = ReportRowSerializer(many=True, help_text="One per trust you may see, by name.")
    totals = ReportTotalsSerializer(help_text="The counted trusts' rows added up.")
    by_day = ReportDayRowSerializer(
        many=True,
        help_text="Per trust (in the order of `rows`) per day (in the order of `days`), "
        "leaving out a trust's days with no booking and no staff out (all zero); a booking "
        "counts on the local day its slot was in the strike.",
    )
    day_totals = ReportDayTotalSerializer(
        many=True,
        help_text="Per day of `days` (in order), the counted trusts' `by_day` rows added up, "
        "leaving out days with nothing (all zero); they add up to `totals`.",
    )


class ReportQuerySerializer(serializers.Serializer):
    format = serializers.ChoiceField(
        choices=[("json", "JSON"), ("csv", "CSV")],
        default="json",
        help_text="csv: NHS England's situation report, as a file download.",
    )


# --- strikes compared -----------------------------------------------------------------


class ComparedStrikeSerializer(CountsSerializer):
    id = serializers.UUIDField(help_text="The strike's id in this API's URLs.")
    title = serializers.CharField(help_text="The strike's title.")
    status = serializers.ChoiceField(choices=StrikeStatus.choices, help_text="Where it stands.")
    starts_at = serializers.DateTimeField(help_text="When the walkout starts.")
    ends_at = serializers.DateTimeField(help_text="When it ends (exclusive).")
    days = serializers.ListField(
        child=serializers.DateField(), help_text="The strike days (Europe/London)."
    )
    staff_absent_peak = serializers.IntegerField(
        help_text="Staff out on the strike's busiest day, all groups, at the trusts taking "
        "part that you may see."
    )


class StrikeComparisonSerializer(serializers.Serializer):
    rows = ComparedStrikeSerializer(
        many=True, help_text="One per strike, earliest first; figures for your trusts only."
    )
    most_disruptive = serializers.UUIDField(
        allow_null=True,
        help_text="The id of the strike with the most bookings postponed (a tie goes to the "
        "earlier strike); null when none postponed any.",
    )
    most_disruptive_pct = serializers.UUIDField(
        allow_null=True,
        help_text="The id of the strike that postponed the largest share of its planned "
        "bookings; null when none postponed any.",
    )


class ComparisonQuerySerializer(serializers.Serializer):
    format = serializers.ChoiceField(
        choices=[("json", "JSON"), ("csv", "CSV")],
        default="json",
        help_text="csv: the same rows as a file download.",
    )
