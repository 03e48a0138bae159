"""One strike's overview page: its facts, who takes part, how ready the user's trusts
are, the assess button, the impact charts and the status actions.

What a user of another trust sees of participation: whether each trust takes part is a
public fact (the public home page lists the trusts taking part), so every trust's row
shows it. Ballot turnout and notes are the trust's own record: the participation API
lists them only for the user's trusts, and so does this page. Only the trust's
operations staff and admins (and national administrators) get an edit link.
"""

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from rest_framework.exceptions import PermissionDenied as ApiPermissionDenied

from appointments.notices.generation import notice_window_opens
from strikes.api.operations_base import require_acting_somewhere
from strikes.models import ALLOWED_STRIKE_MOVES, Participation, Strike, StrikeStatus
from strikes.services import may_change_strikes
from trusts.models import Trust
from trusts.pages import StaffContext, is_htmx, staff_page
from trusts.scope import trust_ids_for

from .readiness import CURRENT, UPCOMING, days_until, readiness_by_strike, strike_phase

# nhsuk-tag colours: a walkout on its way stands out; one that will not happen is grey.
STATUS_COLOURS: dict[str, str] = {
    StrikeStatus.ANNOUNCED: "blue",
    StrikeStatus.CONFIRMED: "orange",
    StrikeStatus.SUSPENDED: "yellow",
    StrikeStatus.CALLED_OFF: "grey",
    StrikeStatus.COMPLETED: "grey",
}
# Statuses in which an assessment means something: a called-off strike is refused by the
# service, and re-assessing a completed one would add bookings nobody can decide now.
ASSESSABLE = (StrikeStatus.ANNOUNCED, StrikeStatus.CONFIRMED, StrikeStatus.SUSPENDED)


def strike_or_404(strike_id: uuid.UUID) -> Strike:
    return get_object_or_404(
        Strike.objects.prefetch_related("unions", "staff_groups", "exempt_services"),
        public_id=strike_id,
    )


def may_assess(user: Any, strike: Strike) -> bool:
    """The API's rule for a real run: national, or acting at a trust taking part."""
    try:
        require_acting_somewhere(user, action="assess this strike", strike=strike)
    except ApiPermissionDenied:
        return False
    return True


@dataclass(frozen=True)
class StatusAction:
    action: str  # the form's value, or "call_off" (its own confirmation page)
    label: str
    hint: str
    variant: str  # nhsuk-button variant


def status_actions(strike: Strike, user: Any, now: dt.datetime) -> list[StatusAction]:
    """The moves the strike's status allows now, for a user allowed to make them."""
    if not may_change_strikes(user):
        return []
    allowed = ALLOWED_STRIKE_MOVES[strike.status]
    actions = []
    if strike.status == StrikeStatus.SUSPENDED:
        actions.append(
            StatusAction(
                "resume",
                _("Resume"),
                _("Talks have failed: back to the status it had before."),
                "secondary",
            )
        )
    elif StrikeStatus.CONFIRMED in allowed:
        actions.append(
            StatusAction(
                "confirm", _("Confirm"), _("The union has confirmed the dates."), "secondary"
            )
        )
    if StrikeStatus.SUSPENDED in allowed:
        actions.append(
            StatusAction(
                "suspend",
                _("Suspend"),
                _("Talks are on: decisions are kept but none are taken."),
                "secondary",
            )
        )
    # The service refuses to complete a strike before it ends: not offered until then.
    if StrikeStatus.COMPLETED in allowed and now >= strike.ends_at:
        actions.append(
            StatusAction("complete", _("Mark completed"), _("The walkout is over."), "secondary")
        )
    if StrikeStatus.CALLED_OFF in allowed:
        actions.append(
            StatusAction(
                "call_off",
                _("Call off"),
                _("Puts back the bookings it postponed; you confirm on the next page."),
                "warning",
            )
        )
    return actions


@dataclass(frozen=True)
class ParticipationRow:
    trust: Trust
    participating: bool | None  # None: not recorded
    own: bool  # one of the user's trusts: turnout and note are shown
    ballot_turnout: Decimal | None
    note: str
    may_edit: bool

    @property
    def turnout_text(self) -> str:
        """ "58%", "61.5%": the stored two decimal places without trailing zeros."""
        if self.ballot_turnout is None:
            return ""
        digits = f"{self.ballot_turnout:f}"
        if "." in digits:
            digits = digits.rstrip("0").rstrip(".")
        return f"{digits}%"


def participation_rows(strike: Strike, staff: StaffContext) -> list[ParticipationRow]:
    """Every trust with a record (taking part or not), and the user's own trusts without
    one, so their staff can record it. Two queries."""
    visible = trust_ids_for(staff.user)
    records = {
        row.trust_id: row
        for row in Participation.objects.filter(strike=strike).select_related("trust")
    }
    own_ids = (
        set(records)
        if visible is None
        else set(Trust.objects.filter(pk__in=visible).values_list("pk", flat=True))
    )
    unrecorded = [role.trust for role in staff.roles if role.trust.pk not in records]
    rows = [
        ParticipationRow(
            trust=record.trust,
            participating=record.participating,
            own=record.trust_id in own_ids,
            ballot_turnout=record.ballot_turnout if record.trust_id in own_ids else None,
            note=record.note if record.trust_id in own_ids else "",
            may_edit=staff.may_act_at(record.trust_id),
        )
        for record in records.values()
    ]
    rows += [
        ParticipationRow(
            trust=trust,
            participating=None,
            own=True,
            ballot_turnout=None,
            note="",
            may_edit=staff.may_act_at(trust.pk),
        )
        for trust in unrecorded
    ]
    return sorted(rows, key=lambda row: row.trust.name)


def impact_charts(strike: Strike, user: Any) -> dict[str, Any]:
    """The charts' context, once strikes/dashboard/charts.py exists; until then the page
    simply has no charts section."""
    try:
        from strikes.dashboard.charts import impact_charts_context
    except ImportError:
        return {"impact_charts_ready": False}
    return {"impact_charts_ready": True, **impact_charts_context(strike=strike, user=user)}


def strike_facts(strike: Strike, now: dt.datetime) -> dict[str, Any]:
    """What the page's heading and facts need beyond the strike itself."""
    phase = strike_phase(strike, now)
    return {
        "strike": strike,
        "phase": phase,
        "status_colour": STATUS_COLOURS[strike.status],
        "notices_open_at": notice_window_opens(strike),
        "days_to_deadline": days_until(strike.starts_at, now) if phase == UPCOMING else None,
        "under_way": phase == CURRENT,
    }


@staff_page
@require_GET
def strike_page(request: HttpRequest, strike_id: uuid.UUID) -> HttpResponse:
    strike = strike_or_404(strike_id)
    staff: StaffContext = request.staff  # type: ignore[attr-defined]
    now = timezone.now()
    readiness = readiness_by_strike(strikes=[strike], user=request.user, now=now)
    context = {
        **strike_facts(strike, now),
        "page_title": strike.title,
        "nav": "strikes",
        "strike_tab": "overview",
        "participation": participation_rows(strike, staff),
        "readiness": readiness.get(strike.pk, ()),
        "may_assess": strike.status in ASSESSABLE and may_assess(request.user, strike),
        "assess_refused_reason": _assess_refused_reason(strike),
        "actions": status_actions(strike, request.user, now),
        **impact_charts(strike, request.user),
    }
    return render(request, "dashboard/strikes/strike.jinja", context)


def _assess_refused_reason(strike: Strike) -> str:
    if strike.status == StrikeStatus.CALLED_OFF:
        return _("This strike was called off, so nothing is at risk and it cannot be assessed.")
    if strike.status == StrikeStatus.COMPLETED:
        return _("This strike is over: its impacts stay as they were decided.")
    return ""


def back_to_strike(request: HttpRequest, strike: Strike) -> HttpResponse:
    """Post/redirect/get to the strike page. An htmx form is sent there by htmx itself
    (HX-Redirect), so the page loads whole, with its charts' scripts and the message."""
    target = reverse("dashboard_strike", kwargs={"strike_id": strike.public_id})
    if is_htmx(request):
        response = HttpResponse(status=200)
        response["HX-Redirect"] = target
        return response
    return redirect(target)
