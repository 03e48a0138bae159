"""The strike's staff-out page: how many of each striking staff group were absent at each
trust on each strike day, with the totals.

Operations staff and admins record their trusts' figures, one form per trust per strike
day, saved through ``staff_absence_upsert`` (saving again replaces). Viewers read them.
A form with one bad figure saves nothing and comes back with the error beside it.
"""

import datetime as dt
import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from rest_framework.exceptions import ValidationError

from config.jinja2 import long_date
from strikes.models import Strike
from strikes.services import staff_absence_upsert
from trusts.models import StaffGroup, Trust
from trusts.pages import staff_page
from trusts.scope import trust_ids_for

from .staff_out_data import DayForm, field_id, staff_out


@staff_page
@require_http_methods(["GET", "POST"])
def staff_out_page(request: HttpRequest, strike_id: uuid.UUID) -> HttpResponse:
    strike = get_object_or_404(Strike, public_id=strike_id)
    if request.method == "POST":
        return _save(request, strike)
    return _render(request, strike)


def _render(request: HttpRequest, strike: Strike, refused: DayForm | None = None) -> HttpResponse:
    table = staff_out(strike=strike, user=request.user, staff=request.staff)  # type: ignore[attr-defined]
    groups = _striking_groups(strike)
    sections = []
    for row in table.trusts:
        forms = []
        if row.may_act and groups:
            for day in strike.local_days():
                if refused and (refused.trust.pk, refused.day) == (row.trust.pk, day):
                    forms.append(refused)
                    continue
                recorded = {
                    group.code: count
                    for group in groups
                    if (count := row.count(day, group)) is not None
                }
                forms.append(DayForm(trust=row.trust, day=day, groups=groups, recorded=recorded))
        sections.append({"row": row, "forms": forms})
    title = _("Staff out")
    context: dict[str, Any] = {
        "nav": "strikes",
        "page_title": f"{_('Error: ')}{title}" if refused else title,
        "strike": strike,
        "strike_tab": "staff_out",
        "table": table,
        "groups": groups,
        "sections": sections,
        "errors": refused.error_list() if refused else [],
        "field_id": field_id,
        "day_label": _day_label,
    }
    return render(request, "dashboard/staff_out/page.jinja", context)


def _day_label(day: dt.date) -> str:
    """Short enough for a column heading on a phone: "Wed 8 Jul"."""
    return date_format(day, "D j M")


def _striking_groups(strike: Strike) -> list[StaffGroup]:
    return list(strike.staff_groups.order_by("name"))


def _save(request: HttpRequest, strike: Strike) -> HttpResponse:
    trust = _trust_in_scope(request, request.POST.get("trust", ""))
    if not request.staff.may_act_at(trust.pk):  # type: ignore[attr-defined]
        raise PermissionDenied(
            _("Only operations staff and trust admins of %(trust)s can record staff out.")
            % {"trust": trust.name}
        )
    back = reverse("dashboard_staff_out", args=[strike.public_id])
    try:
        day = dt.date.fromisoformat(request.POST.get("date", ""))
    except ValueError:
        day = None
    if day not in strike.local_days():
        messages.error(
            request, _("That is not a day of this strike. Reload the page and try again.")
        )
        return redirect(back)
    table = staff_out(strike=strike, user=request.user, staff=request.staff)  # type: ignore[attr-defined]
    row = next((r for r in table.trusts if r.trust.pk == trust.pk), None)
    groups = _striking_groups(strike)
    recorded = {
        group.code: count
        for group in groups
        if row and (count := row.count(day, group)) is not None
    }
    form = DayForm(request.POST, trust=trust, day=day, groups=groups, recorded=recorded)
    if not form.is_valid():
        return _render(request, strike, refused=form)
    counts = form.counts()
    try:
        with transaction.atomic():
            for group, count in counts.items():
                staff_absence_upsert(
                    strike=strike,
                    trust=trust,
                    actor=request.user,
                    date=day,
                    staff_group=group,
                    count=count,
                )
    except ValidationError as refusal:
        # The form checked what the service checks; a strike edited meanwhile lands here.
        form.add_error(None, " ".join(_messages_of(refusal.detail)))
        return _render(request, strike, refused=form)
    saved = ", ".join(f"{count:,} {group.name.lower()}" for group, count in counts.items())
    messages.success(
        request,
        _("Saved for %(trust)s on %(day)s: %(saved)s.")
        % {"trust": trust.name, "day": long_date(day), "saved": saved},
    )
    return redirect(f"{back}#trust-{trust.ods_code}")


def _trust_in_scope(request: HttpRequest, ods_code: str) -> Trust:
    """Another trust's code reads exactly like an unknown one."""
    trusts = Trust.objects.filter(ods_code=ods_code.upper())
    visible = trust_ids_for(request.user)
    if visible is not None:
        trusts = trusts.filter(pk__in=visible)
    trust = trusts.first()
    if trust is None:
        raise Http404("No such trust.")
    return trust


def _messages_of(detail: Any) -> list[str]:
    if isinstance(detail, dict):
        return [m for value in detail.values() for m in _messages_of(value)]
    if isinstance(detail, list):
        return [m for value in detail for m in _messages_of(value)]
    return [str(detail)]


urlpatterns = [
    path("strikes/<uuid:strike_id>/staff-out/", staff_out_page, name="dashboard_staff_out"),
]
