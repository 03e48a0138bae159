"""A strike's status moves from its page: confirm, suspend, resume, complete, and a
call-off that first says how many bookings it will reinstate.

Only national administrators move a strike (the lifecycle services' permission; the API's
``require_strike_manager``): anyone else gets 403 before anything is read or written. A
move the strike's status does not allow is the service's refusal, shown as a message.
"""

import uuid
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from config.errors import DomainError
from strikes.models import Strike
from strikes.services import (
    may_change_strikes,
    strike_call_off,
    strike_call_off_preview,
    strike_complete,
    strike_confirm,
    strike_resume,
    strike_suspend,
)
from trusts.pages import staff_page

from .strike_page import back_to_strike, strike_facts, strike_or_404

MOVES: dict[str, Callable[..., Strike]] = {
    "confirm": strike_confirm,
    "suspend": strike_suspend,
    "resume": strike_resume,
    "complete": strike_complete,
}


def _require_manager(user: Any) -> None:
    if not may_change_strikes(user):
        raise PermissionDenied(_("Only national administrators can change a strike's status."))


@staff_page
@require_POST
def strike_status(request: HttpRequest, strike_id: uuid.UUID) -> HttpResponse:
    strike = strike_or_404(strike_id)
    _require_manager(request.user)
    move = MOVES.get(request.POST.get("action", ""))
    if move is None:
        messages.error(request, _("Choose one of the status buttons."))
        return back_to_strike(request, strike)
    try:
        moved = move(strike=strike, actor=request.user)
    except DomainError as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(
            request,
            _("%(strike)s is now %(status)s.")
            % {"strike": moved.title, "status": moved.get_status_display().lower()},
        )
    return back_to_strike(request, strike)


@staff_page
@require_http_methods(["GET", "POST"])
def strike_call_off_confirm(request: HttpRequest, strike_id: uuid.UUID) -> HttpResponse:
    strike = strike_or_404(strike_id)
    _require_manager(request.user)
    if request.method == "POST":
        return _call_off(request, strike)
    try:
        would_reinstate = strike_call_off_preview(strike=strike, actor=request.user)
    except DomainError as refusal:
        messages.error(request, str(refusal))
        return back_to_strike(request, strike)
    return render(
        request,
        "dashboard/strikes/call_off.jinja",
        {
            **strike_facts(strike, timezone.now()),
            "page_title": _("Call off %(strike)s") % {"strike": strike.title},
            "nav": "strikes",
            "would_reinstate": would_reinstate,
        },
    )


def _call_off(request: HttpRequest, strike: Strike) -> HttpResponse:
    try:
        result = strike_call_off(strike=strike, actor=request.user)
    except DomainError as refusal:
        messages.error(request, str(refusal))
        return back_to_strike(request, strike)
    text = _("%(strike)s is called off.") % {"strike": strike.title} + " "
    text += ngettext(
        "%(count)s booking was reinstated; its patient will be told it goes ahead.",
        "%(count)s bookings were reinstated; their patients will be told they go ahead.",
        result.reinstated,
    ) % {"count": f"{result.reinstated:,}"}
    messages.success(request, text)
    if result.still_postponed:
        messages.warning(
            request,
            ngettext(
                "%(count)s postponed booking's time had already passed: it stays postponed "
                "and waits for a new date in the backlog.",
                "%(count)s postponed bookings' times had already passed: they stay postponed "
                "and wait for a new date in the backlog.",
                result.still_postponed,
            )
            % {"count": f"{result.still_postponed:,}"},
        )
    return back_to_strike(request, strike)
