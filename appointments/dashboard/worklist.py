"""A strike's worklist: the bookings it puts at risk, filtered, and decided in bulk.

GET lists the impacts the user may see (undecided ones unless the filter says otherwise).
Deciding is two POSTs: ``confirm`` states the exact count (computed by the decision service
itself, then rolled back), ``decide`` makes the decision only if that count still holds,
then goes back to the list with the result. Without JavaScript each step is a page and the
last one redirects back (post/redirect/get); with htmx each step swaps the results region
only. Viewers see the list without names or actions, and a POST from them is a 403.
"""

import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from appointments.models import Outcome
from config.errors import DomainError
from strikes.models import Strike
from strikes.services.decisions import OPEN_FOR_DECISIONS
from trusts.pages import StaffContext, is_htmx, staff_page

from .worklist_decisions import (
    MATCHING,
    DecisionForm,
    confirm_label,
    consequence,
    decide_as_confirmed,
    decision_preview,
    done,
    left_alone,
    question,
)
from .worklist_filters import OUTCOME_LABELS, WorklistFilterForm
from .worklist_rows import name_trust_ids, page_links, visible_impacts, worklist_page

PAGE = "dashboard/worklist/page.jinja"
WORKLIST = "dashboard/worklist/_worklist.jinja"  # filters and results
RESULTS = "dashboard/worklist/_results.jinja"
CONFIRM_PAGE = "dashboard/worklist/confirm.jinja"
CONFIRM = "dashboard/worklist/_confirm.jinja"


def _strike(strike_id: uuid.UUID) -> Strike:
    return get_object_or_404(Strike, public_id=strike_id)


def _url(name: str, strike: Strike, query: Mapping[str, Any] | None = None) -> str:
    base = reverse(name, args=[strike.public_id])
    return f"{base}?{urlencode(query)}" if query else base


def _may_decide_here(staff: StaffContext, strike: Strike, filters: WorklistFilterForm) -> bool:
    """Whether to offer the bulk actions at all: not where the service would refuse every
    one of them (a viewer, a closed strike, a trust filter naming a trust only viewed)."""
    if strike.status not in OPEN_FOR_DECISIONS or not staff.may_act_anywhere:
        return False
    trust = filters.cleaned_data.get("trust")
    return not trust or staff.may_act_at(filters.trust_ids[trust])


def _results_context(request: HttpRequest, strike: Strike, data: Mapping[str, Any]) -> dict:
    staff = request.staff  # type: ignore[attr-defined]
    filters = WorklistFilterForm(data, strike=strike, staff=staff)
    visible = visible_impacts(strike, staff)
    context: dict[str, Any] = {
        "strike": strike,
        "filters": filters,
        "worklist_url": _url("dashboard_worklist", strike),
        "confirm_url": _url("dashboard_worklist_confirm", strike),
        "decisions_open": strike.status in OPEN_FOR_DECISIONS,
        "shows_names": bool(name_trust_ids(staff)),
        "filter_errors": [
            {"text": error, "href": f"#{name}"}
            for name, errors in filters.errors.items()
            for error in errors
        ],
        "rows": [],
        "empty": None,
    }
    if not filters.is_valid():
        return context
    query = filters.query()
    page, rows = worklist_page(
        impacts=filters.impacts(visible), staff=staff, page_number=data.get("page")
    )
    if not rows:
        if not visible.exists():
            context["empty"] = "not_assessed"
        elif filters.is_default:
            context["empty"] = "all_decided"
        else:
            context["empty"] = "no_matches"
    context.update(
        query=query,
        page=page,
        rows=rows,
        total=page.paginator.count,
        outcome=filters.cleaned_data["outcome"],
        outcome_label=str(OUTCOME_LABELS[filters.cleaned_data["outcome"]]).lower(),
        shows_trust=filters.shows_trust,
        may_decide=_may_decide_here(staff, strike, filters),
        pages=page_links(page, query, context["worklist_url"]),
        clear_url=context["worklist_url"],
        decided_url=_url("dashboard_worklist", strike, {"outcome": Outcome.POSTPONED}),
        decided_here_url=_url(
            "dashboard_worklist", strike, {**query, "outcome": Outcome.POSTPONED}
        ),
    )
    return context


@staff_page
@require_GET
def worklist(request: HttpRequest, strike_id: uuid.UUID) -> HttpResponse:
    strike = _strike(strike_id)
    context = _results_context(request, strike, request.GET)
    if is_htmx(request):
        response = render(request, WORKLIST, context)
        if "query" in context:
            # The address bar shows the chosen filters only, not every empty field.
            address = {**context["query"], "page": context["page"].number}
            if address["page"] == 1:
                del address["page"]
            response["HX-Push-Url"] = _url("dashboard_worklist", strike, address)
        return response
    title = _("Worklist")
    context["page_title"] = f"{_('Error: ')}{title}" if context["filter_errors"] else title
    return render(request, PAGE, context)


def _back(
    request: HttpRequest, strike: Strike, filters: WorklistFilterForm, page: Any = None
) -> HttpResponse:
    """To the list the person came from, with the messages just added: the results region
    under htmx, a redirect otherwise (post/redirect/get)."""
    query = filters.query() if filters.is_valid() else {}
    if page:
        query["page"] = str(page)
    if is_htmx(request):
        return render(request, RESULTS, _results_context(request, strike, query))
    return redirect(_url("dashboard_worklist", strike, query))


def _asked(request: HttpRequest, strike: Strike, *, confirming: bool) -> DecisionForm:
    if not request.staff.may_act_anywhere:  # type: ignore[attr-defined]
        raise PermissionDenied(_("Viewers cannot make strike decisions."))
    filters = WorklistFilterForm(request.POST, strike=strike, staff=request.staff)  # type: ignore[attr-defined]
    return DecisionForm(request.POST, filters=filters, confirming=confirming)


def _refused(
    request: HttpRequest, strike: Strike, asked: DecisionForm, problem: str
) -> HttpResponse:
    messages.error(request, problem)
    return _back(request, strike, asked.filters, request.POST.get("page"))


def _first_error(asked: DecisionForm) -> str:
    return str(next(iter(asked.errors.values()))[0])


@staff_page
@require_POST
def confirm(request: HttpRequest, strike_id: uuid.UUID) -> HttpResponse:
    strike = _strike(strike_id)
    asked = _asked(request, strike, confirming=False)
    if not asked.is_valid():
        return _refused(request, strike, asked, _first_error(asked))
    try:
        preview = decision_preview(
            strike=strike, outcome=asked.outcome, selection=asked.selection(), actor=request.user
        )
    except DomainError as refusal:
        return _refused(request, strike, asked, str(refusal))
    context: dict[str, Any] = {
        "strike": strike,
        "asked": asked,
        "preview": preview,
        "question": question(asked.outcome, preview.changed),
        "consequence": consequence(asked.outcome, strike),
        "confirm_label": confirm_label(asked.outcome, preview.changed),
        "nothing_to_do": done(preview) if preview.changed == 0 else None,
        "left_alone": left_alone(preview),
        "matching": asked.scope == MATCHING,
        "query": asked.filters.query() if asked.filters.is_valid() else {},
        "page_number": request.POST.get("page", ""),
        "worklist_url": _url("dashboard_worklist", strike),
        "decide_url": _url("dashboard_worklist_decide", strike),
    }
    context["back_url"] = _url("dashboard_worklist", strike, context["query"])
    if is_htmx(request):
        return render(request, CONFIRM, context)
    context["page_title"] = context["question"]
    return render(request, CONFIRM_PAGE, context)


@staff_page
@require_POST
def decide(request: HttpRequest, strike_id: uuid.UUID) -> HttpResponse:
    strike = _strike(strike_id)
    asked = _asked(request, strike, confirming=True)
    if not asked.is_valid():
        return _refused(request, strike, asked, _first_error(asked))
    try:
        result = decide_as_confirmed(
            strike=strike,
            outcome=asked.outcome,
            selection=asked.selection(),
            actor=request.user,
            expected=asked.cleaned_data["expected"],
        )
    except DomainError as refusal:
        return _refused(request, strike, asked, str(refusal))
    summary = " ".join([done(result), *left_alone(result)])
    if result.changed:
        messages.success(request, summary)
    else:
        messages.warning(request, summary)
    return _back(request, strike, asked.filters, request.POST.get("page"))


urlpatterns = [
    path("strikes/<uuid:strike_id>/worklist/", worklist, name="dashboard_worklist"),
    path(
        "strikes/<uuid:strike_id>/worklist/confirm/",
        confirm,
        name="dashboard_worklist_confirm",
    ),
    path("strikes/<uuid:strike_id>/worklist/decide/", decide, name="dashboard_worklist_decide"),
]
