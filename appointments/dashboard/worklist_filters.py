"""The worklist's filters: one form, read once, turned into both the list and the decision.

The list is ``ImpactFilter`` (the filter the ``/api/v1/strikes/<id>/impacts/`` endpoint
uses) and a decision "for every booking matching these filters" is a ``Selection`` given
to ``impacts_decide``. Both are built here from the same cleaned values, so the rows a
person looks at and the bookings a decision changes are chosen by the same criteria.

The form only offers, and only accepts, what this strike and this user can have: the
trusts they may see, those trusts' sites, the strike's local days. A hand-edited URL
with an unknown site or a day outside the strike is a form error, never a 500 and never
an empty list that looks like "nothing at risk".
"""

import datetime as dt
from typing import Any, cast

from django import forms
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from appointments.models import Kind, Outcome, Priority, StrikeImpact
from strikes.api.operations_impacts import ImpactFilter
from strikes.models import LONDON, Strike
from strikes.services import Selection
from trusts.models import Service, Site, Trust
from trusts.pages import StaffContext
from trusts.scope import trust_ids_for

# What the worklist can show: the undecided bookings (the work), or the decided ones (to
# change a decision). Exempt bookings always go ahead and are not anyone's work.
LISTED_OUTCOMES = (Outcome.AT_RISK, Outcome.POSTPONED, Outcome.GOING_AHEAD)
OUTCOME_LABELS = {
    Outcome.AT_RISK: _("At risk (undecided)"),
    Outcome.POSTPONED: _("Postponed"),
    Outcome.GOING_AHEAD: _("Going ahead"),
}

_MOST_URGENT_FIRST = Case(
    *(When(appointment__priority=p, then=Value(rank)) for rank, p in enumerate(Priority.values)),
    output_field=IntegerField(),
)
# Every order ends on the impact's id so pages never repeat or skip a row.
SORTS: dict[str, tuple[Any, tuple[Any, ...]]] = {
    "time": (_("Time"), ("slot_starts_at", "id")),
    "site": (_("Site"), ("appointment__site__name", "slot_starts_at", "id")),
    "service": (_("Service"), ("appointment__service__name", "slot_starts_at", "id")),
    "priority": (_("Priority (most urgent first)"), ("urgency", "slot_starts_at", "id")),
    "reference": (_("Booking reference"), ("appointment__reference", "id")),
}
FILTER_FIELDS = ("trust", "site", "service", "kind", "day", "priority", "outcome")


def strike_local_dates(strike: Strike) -> list[dt.date]:
    """Every local date the walkout touches, so every booking in it has a day to filter
    by (``Strike.local_days`` leaves out a last stretch ending before noon, which still
    holds bookings)."""
    first = strike.starts_at.astimezone(LONDON).date()
    last = (strike.ends_at - dt.timedelta(microseconds=1)).astimezone(LONDON).date()
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


class WorklistFilterForm(forms.Form):
    trust = forms.ChoiceField(label=_("Trust"), required=False)
    site = forms.ChoiceField(label=_("Site"), required=False)
    service = forms.ChoiceField(label=_("Service"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    day = forms.ChoiceField(label=_("Day"), required=False)
    priority = forms.ChoiceField(label=_("Priority"), required=False)
    outcome = forms.ChoiceField(label=_("Decision"), required=False)
    sort = forms.ChoiceField(label=_("Sort by"), required=False)

    def __init__(self, data: Any, *, strike: Strike, staff: StaffContext) -> None:
        # Only the form's own keys: the page number and the bulk form's fields travel in
        # the same query string or body.
        given = {key: data.get(key) or "" for key in (*FILTER_FIELDS, "sort")}
        # ODS and site codes are stored upper-case; people type them either way.
        given.update(trust=given["trust"].upper(), site=given["site"].upper())
        super().__init__(given)
        self.strike = strike
        self.staff = staff
        trusts = self._trusts()
        self.shows_trust = staff.national or len(trusts) > 1
        self.trust_ids = {trust.ods_code: trust.pk for trust in trusts}
        everything: list[tuple[str, Any]] = [("", _("All"))]
        sites = Site.objects.filter(trust__in=trusts).select_related("trust")
        services = Service.objects.order_by("name").values_list("code", "name")
        self.offered: dict[str, list[tuple[str, Any]]] = {
            "trust": everything + [(t.ods_code, t.name) for t in trusts],
            "site": everything
            + [
                (s.code, f"{s.name} ({s.trust.name})" if self.shows_trust else s.name)
                for s in sites.order_by("trust__name", "name")
            ],
            "service": everything + list(services),
            "kind": everything + list(Kind.choices),
            "day": everything
            + [(d.isoformat(), date_format(d, "l j F Y")) for d in strike_local_dates(strike)],
            "priority": everything + list(Priority.choices),
            "outcome": [(o.value, OUTCOME_LABELS[o]) for o in LISTED_OUTCOMES],
            "sort": [(key, label) for key, (label, _order) in SORTS.items()],
        }
        for name, offered in self.offered.items():
            self._choice_field(name).choices = offered
        for name, message in (
            ("trust", _("Choose a trust from the list")),
            (
                "site",
                _("Choose a site from the list: there is no site with that code at your trusts"),
            ),
            ("service", _("Choose a service from the list: there is no service with that code")),
            ("kind", _("Choose a kind of booking from the list")),
            ("day", _("Choose a day of this strike from the list")),
            ("priority", _("Choose a priority from the list")),
            ("outcome", _("Choose a decision from the list")),
            ("sort", _("Choose an order from the list")),
        ):
            self.fields[name].error_messages["invalid_choice"] = message

    def _choice_field(self, name: str) -> forms.ChoiceField:
        # Every field of this form is one; the cast is for the type checker.
        return cast(forms.ChoiceField, self.fields[name])

    def _trusts(self) -> list[Trust]:
        """The trusts the user may see that take part in this strike (by ballot or not:
        an assessed trust that later stood down still has bookings to look at)."""
        trusts = Trust.objects.filter(participations__strike=self.strike)
        visible = trust_ids_for(self.staff.user)
        if visible is not None:
            trusts = trusts.filter(pk__in=visible)
        return list(trusts.distinct().order_by("name"))

    def clean_outcome(self) -> str:
        return self.cleaned_data["outcome"] or Outcome.AT_RISK

    def clean_sort(self) -> str:
        return self.cleaned_data["sort"] or "time"

    def clean_day(self) -> dt.date | None:
        day = self.cleaned_data["day"]
        return dt.date.fromisoformat(day) if day else None

    @property
    def values(self) -> dict[str, Any]:
        """The cleaned filters, empty ones dropped."""
        return {name: self.cleaned_data[name] for name in FILTER_FIELDS if self.cleaned_data[name]}

    @property
    def is_default(self) -> bool:
        """No filter but the default "undecided" one: the whole of the strike's work."""
        return self.values == {"outcome": Outcome.AT_RISK}

    def query(self) -> dict[str, str]:
        """The filters and order as query parameters (for links that keep them)."""
        params = {name: str(self.data[name]) for name in (*FILTER_FIELDS, "sort")}
        return {name: value for name, value in params.items() if value}

    def selects(self) -> list[dict[str, Any]]:
        """Parameters for the design system's select macro, one per filter, keeping what
        was chosen (even a choice the form refused is shown as not chosen, with its error)."""
        shown = [name for name in (*FILTER_FIELDS, "sort") if name != "trust" or self.shows_trust]
        selects = []
        for name in shown:
            current = str(self.data.get(name) or "")
            params: dict[str, Any] = {
                "id": name,
                "name": name,
                "label": {"text": str(self.fields[name].label)},
                "items": [
                    {"value": value, "text": str(text), "selected": value == current}
                    for value, text in self.offered[name]
                ],
                "formGroup": {"classes": "sd-worklist-filters__field"},
            }
            if self.errors.get(name):
                params["errorMessage"] = {"text": self.errors[name][0]}
            selects.append(params)
        return selects

    def impacts(self, visible: QuerySet[StrikeImpact]) -> QuerySet[StrikeImpact]:
        """``visible`` narrowed by the API's own filter and put in the chosen order."""
        values = self.values
        data = {
            "trust": values.get("trust", ""),
            "site": values.get("site", ""),
            "service": values.get("service", ""),
            "kind": values.get("kind", ""),
            "priority": values.get("priority", ""),
            "outcome": values["outcome"],
            "date": values["day"].isoformat() if "day" in values else "",
        }
        filtered = ImpactFilter(data=data, queryset=visible).qs
        _label, order = SORTS[self.cleaned_data["sort"]]
        return filtered.alias(urgency=_MOST_URGENT_FIRST).order_by(*order)

    def selection(self) -> Selection:
        """The same filters as a decision's selection.

        Undecided bookings are the default: no current outcome is named, which is how
        ``impacts_decide`` decides "the undecided ones among these" and counts the ones
        already decided this way as unchanged (so a second identical submission says
        "already postponed"). Naming postponed or going ahead is what lets a filter
        reverse earlier decisions.
        """
        values = self.values
        outcome = values["outcome"]
        return Selection(
            trust=values.get("trust"),
            site=values.get("site"),
            service=values.get("service"),
            kind=values.get("kind"),
            day=values.get("day"),
            priority=values.get("priority"),
            current_outcome=None if outcome == Outcome.AT_RISK else outcome,
        )
