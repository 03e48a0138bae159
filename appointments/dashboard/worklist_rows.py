"""The worklist's rows: one page of a strike's impacts, read as plain values.

Patient names are personal data the worklist only needs for people who phone and write to
patients: operations staff and trust admins, by membership, at the booking's own trust.
Viewers, staff of other trusts and national administrators without a membership at that
trust see the booking reference instead, and for them the database is not even asked for
the name (the column is NULL in the SQL, or absent when the user has no such trust).
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Page, Paginator
from django.db.models import Case, CharField, F, QuerySet, Value, When
from django.db.models.functions import Concat
from django.utils.translation import gettext_lazy as _

from appointments.models import Kind, Outcome, Priority, StrikeImpact
from appointments.references import format_booking_reference
from strikes.models import Strike
from trusts.pages import StaffContext

ROWS_PER_PAGE = 50
OUTCOME_TAG = {
    Outcome.AT_RISK: "nhsuk-tag--orange",
    Outcome.POSTPONED: "nhsuk-tag--red",
    Outcome.GOING_AHEAD: "nhsuk-tag--green",
    Outcome.EXEMPT: "nhsuk-tag--grey",
}
# Short enough for a tag in a narrow column; the filter says "At risk (undecided)".
OUTCOME_TAG_LABELS = {
    Outcome.AT_RISK: _("At risk"),
    Outcome.POSTPONED: _("Postponed"),
    Outcome.GOING_AHEAD: _("Going ahead"),
    Outcome.EXEMPT: _("Exempt"),
}
_COLUMNS = (
    "pk",
    "outcome",
    "slot_starts_at",
    "appointment__reference",
    "appointment__trust_id",
    "appointment__trust__name",
    "appointment__site__name",
    "appointment__service__name",
    "appointment__kind",
    "appointment__priority",
)


def name_trust_ids(staff: StaffContext) -> frozenset[int]:
    """Trusts whose patients' names ``staff`` may read in the worklist: those where they
    are operations staff or a trust admin by membership. Being national is not enough:
    national oversight works from references and counts, not names."""
    return frozenset(role.trust.pk for role in staff.roles if role.may_act)


def visible_impacts(strike: Strike, staff: StaffContext) -> QuerySet[StrikeImpact]:
    return StrikeImpact.objects.for_user(staff.user).filter(strike=strike)


@dataclass(frozen=True)
class WorklistRow:
    impact_id: int
    raw_reference: str
    slot_starts_at: dt.datetime
    trust_id: int
    trust_name: str
    site_name: str
    service_name: str
    kind: str
    priority: str
    outcome: str
    patient_name: str | None
    may_decide: bool

    @property
    def reference(self) -> str:
        return format_booking_reference(self.raw_reference)

    @property
    def kind_label(self) -> str:
        return str(Kind(self.kind).label)

    @property
    def priority_label(self) -> str:
        return str(Priority(self.priority).label)

    @property
    def outcome_label(self) -> str:
        return str(OUTCOME_TAG_LABELS[Outcome(self.outcome)])

    @property
    def outcome_tag(self) -> str:
        return OUTCOME_TAG[Outcome(self.outcome)]


def _with_names(impacts: QuerySet[StrikeImpact], trust_ids: frozenset[int]) -> QuerySet:
    columns = impacts.values(*_COLUMNS)
    if not trust_ids:
        return columns
    return columns.annotate(
        patient_name=Case(
            When(
                appointment__trust_id__in=sorted(trust_ids),
                then=Concat(
                    F("appointment__patient__given_name"),
                    Value(" "),
                    F("appointment__patient__family_name"),
                    output_field=CharField(),
                ),
            ),
            default=Value(None),
            output_field=CharField(),
        )
    )


def worklist_page(
    *, impacts: QuerySet[StrikeImpact], staff: StaffContext, page_number: Any
) -> tuple[Page, list[WorklistRow]]:
    """One page of ``impacts`` (already filtered and ordered) as rows."""
    paginator = Paginator(_with_names(impacts, name_trust_ids(staff)), ROWS_PER_PAGE)
    page = paginator.get_page(page_number)
    rows = [
        WorklistRow(
            impact_id=values["pk"],
            raw_reference=values["appointment__reference"],
            slot_starts_at=values["slot_starts_at"],
            trust_id=values["appointment__trust_id"],
            trust_name=values["appointment__trust__name"],
            site_name=values["appointment__site__name"],
            service_name=values["appointment__service__name"],
            kind=values["appointment__kind"],
            priority=values["appointment__priority"],
            outcome=values["outcome"],
            patient_name=values.get("patient_name"),
            may_decide=staff.may_act_at(values["appointment__trust_id"]),
        )
        for values in page.object_list
    ]
    return page, rows


def page_links(page: Page, query: dict[str, str], base: str) -> dict[str, Any]:
    """The design system's numbered pagination: the first and last pages and those either
    side of this one, with an ellipsis for each gap, every link keeping the filters."""

    def href(number: int) -> str:
        return f"{base}?{urlencode({**query, 'page': number})}"

    last = page.paginator.num_pages
    shown = sorted({1, last, *range(max(1, page.number - 1), min(last, page.number + 1) + 1)})
    items: list[dict[str, Any]] = []
    for previous, number in zip([0, *shown], shown, strict=False):
        if previous and number - previous > 1:
            items.append({"ellipsis": True})
        items.append({"number": number, "href": href(number), "current": number == page.number})
    return {
        "items": items,
        "previous": {"href": href(page.number - 1)} if page.has_previous() else None,
        "next": {"href": href(page.number + 1)} if page.has_next() else None,
    }
