"""What the staff-out page reads and validates: the counts recorded per trust, day and
staff group with their totals, and the form for one trust's day.

Counts are few (trusts x days x staff groups), read in one query at the user's trusts
and added up here. Writes go through ``staff_absence_upsert``, one per staff group, all
or nothing.
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from strikes.models import StaffAbsence, Strike
from trusts.models import StaffGroup, Trust
from trusts.scope import trust_ids_for

# More staff of one group than any trust employs is a typing slip, not a figure: the
# largest NHS trusts employ about 20,000 people in all.
MOST_STAFF_OUT = 20_000


@dataclass
class TrustStaffOut:
    trust: Trust
    may_act: bool
    counts: dict[tuple[dt.date, str], int] = field(default_factory=dict)

    def count(self, day: dt.date, group: StaffGroup) -> int | None:
        return self.counts.get((day, group.code))

    def day_total(self, day: dt.date) -> int:
        return sum(n for (date, _group), n in self.counts.items() if date == day)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class StaffOut:
    days: list[dt.date]
    groups: list[StaffGroup]
    trusts: list[TrustStaffOut]

    def day_total(self, day: dt.date) -> int:
        return sum(trust.day_total(day) for trust in self.trusts)

    def group_day(self, group: StaffGroup, day: dt.date) -> int:
        return sum(trust.count(day, group) or 0 for trust in self.trusts)

    def group_total(self, group: StaffGroup) -> int:
        return sum(self.group_day(group, day) for day in self.days)

    @property
    def total(self) -> int:
        return sum(trust.total for trust in self.trusts)

    @property
    def recorded(self) -> bool:
        return any(trust.counts for trust in self.trusts)


def trusts_in_view(strike: Strike, user: Any) -> QuerySet[Trust]:
    """The user's trusts that take part in the strike, or have staff out recorded."""
    involved = Q(participations__strike=strike, participations__participating=True) | Q(
        staff_absences__strike=strike
    )
    trusts = Trust.objects.filter(involved).distinct().order_by("name")
    visible = trust_ids_for(user)
    return trusts if visible is None else trusts.filter(pk__in=visible)


def staff_out(*, strike: Strike, user: Any, staff: Any) -> StaffOut:
    trusts = {
        trust.pk: TrustStaffOut(trust, staff.may_act_at(trust.pk))
        for trust in trusts_in_view(strike, user)
    }
    rows = StaffAbsence.objects.filter(strike=strike, trust__in=list(trusts)).values_list(
        "trust_id", "date", "staff_group_id", "count"
    )
    days = set(strike.local_days())
    group_codes = set(strike.staff_groups.values_list("code", flat=True))
    for trust_id, date, group, count in rows:
        trusts[trust_id].counts[(date, group)] = count
        # A figure for a day or group the strike no longer has (its window or groups
        # were edited) is still shown, rather than vanishing from the totals.
        days.add(date)
        group_codes.add(group)
    return StaffOut(
        days=sorted(days),
        groups=list(StaffGroup.objects.filter(code__in=group_codes).order_by("name")),
        trusts=list(trusts.values()),
    )


def field_id(trust: Trust, day: dt.date, group: StaffGroup) -> str:
    return f"count-{trust.ods_code}-{day.isoformat()}-{group.code}"


class DayForm(forms.Form):
    """How many of each staff group were out at one trust on one strike day. A blank
    means "not known yet", except where a figure was recorded: that is only replaced."""

    def __init__(
        self,
        *args: Any,
        trust: Trust,
        day: dt.date,
        groups: list[StaffGroup],
        recorded: dict[str, int],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.trust, self.day, self.groups, self.recorded = trust, day, groups, recorded
        for group in groups:
            name = group.name.lower()
            self.fields[group.code] = forms.IntegerField(
                required=False,
                min_value=0,
                max_value=MOST_STAFF_OUT,
                error_messages={
                    "invalid": _("Enter the number of %(group)s out as a whole number, like 12")
                    % {"group": name},
                    "min_value": _("The number of %(group)s out cannot be less than 0")
                    % {"group": name},
                    "max_value": _(
                        "The number of %(group)s out must be %(most)s or fewer: check the figure"
                    )
                    % {"group": name, "most": f"{MOST_STAFF_OUT:,}"},
                },
            )

    def add_prefix(self, field_name: str) -> str:
        return f"count-{field_name}"

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for group in self.groups:
            if group.code in self.errors:
                continue
            if cleaned.get(group.code) is None and group.code in self.recorded:
                self.add_error(
                    group.code,
                    _(
                        "Enter the number of %(group)s out (0 if none): a figure recorded "
                        "before can be changed but not removed"
                    )
                    % {"group": group.name.lower()},
                )
        if not self.errors and all(cleaned.get(g.code) is None for g in self.groups):
            raise forms.ValidationError(
                _("Enter the number of staff out for at least one staff group")
            )
        return cleaned

    def value(self, group: StaffGroup) -> str:
        """What the box shows: what was typed, after a refusal; else what is recorded."""
        if self.is_bound:
            return str(self.data.get(self.add_prefix(group.code), ""))
        recorded = self.recorded.get(group.code)
        return "" if recorded is None else str(recorded)

    def error(self, group: StaffGroup) -> str | None:
        if not self.is_bound:
            return None
        messages = self.errors.get(group.code)
        return str(messages[0]) if messages else None

    def counts(self) -> dict[StaffGroup, int]:
        return {
            group: self.cleaned_data[group.code]
            for group in self.groups
            if self.cleaned_data.get(group.code) is not None
        }

    def error_list(self) -> list[dict[str, str]]:
        """The NHS error summary's entries, each linking to its field."""
        entries = []
        for message in self.non_field_errors():
            first = self.groups[0] if self.groups else None
            href = f"#{field_id(self.trust, self.day, first)}" if first else "#"
            entries.append({"text": str(message), "href": href})
        for group in self.groups:
            for message in self.errors.get(group.code, []):
                entries.append(
                    {"text": str(message), "href": f"#{field_id(self.trust, self.day, group)}"}
                )
        return entries
