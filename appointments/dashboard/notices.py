"""The strike's notices page: how far sending has got, the by-hand work per trust, and
what failed, with "create and send now" and "retry" for those who may act.

The bar's numbers are ``notice_progress``, as the API's summary that the page polls
(static/js/notice-progress.mjs). Generation and retry call the services the API calls,
which narrow to the trusts where the user acts; the page only offers them to such users
and a viewer's POST is refused (403) before anything runs.
"""

import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from appointments.models import NoticeKind
from appointments.notices import NoticesRefused, notice_window_opens, notices_generate
from appointments.notices.dispatch import notices_retry_failed
from appointments.notices.progress import notice_progress
from appointments.tasks import dispatch_soon
from config.errors import DomainError
from strikes.models import Strike
from trusts.pages import staff_page

from .notices_data import (
    ProgressFigures,
    failed_notices,
    failed_rows,
    letters_sent_by_provider,
    may_send_early,
    trust_work,
    why_no_notices,
)

RETRY_ALL = "all"
RETRY_SELECTED = "selected"


def _kind_name(kind: str) -> str:
    names: dict[str, str] = {
        NoticeKind.POSTPONED: _("Postponed"),
        NoticeKind.GOING_AHEAD: _("Going ahead"),
        NoticeKind.REINSTATED: _("Reinstated"),
        NoticeKind.RESCHEDULED: _("New date"),
    }
    return names.get(kind, kind)


def _strike(strike_id: uuid.UUID) -> Strike:
    return get_object_or_404(Strike, public_id=strike_id)


def _require_acting(request: HttpRequest, doing: str) -> None:
    if not request.staff.may_act_anywhere:  # type: ignore[attr-defined]
        raise PermissionDenied(
            _("Only operations staff and trust admins can %(doing)s.") % {"doing": doing}
        )


def _page(
    request: HttpRequest,
    strike: Strike,
    *,
    retry_error: str = "",
) -> HttpResponse:
    now = timezone.now()
    staff = request.staff  # type: ignore[attr-defined]
    figures = ProgressFigures.of(notice_progress(strike=strike, user=request.user, now=now))
    failed, failed_total = failed_rows(strike, request.user, staff)
    work = trust_work(strike=strike, user=request.user, staff=staff, now=now)
    title = _("Patient notices")
    context: dict[str, Any] = {
        "nav": "strikes",
        "page_title": f"{_('Error: ')}{title}" if retry_error else title,
        "strike": strike,
        "strike_tab": "notices",
        "figures": figures,
        "summary_url": reverse("api-strike-notices-summary", args=[strike.public_id]),
        "may_generate": staff.may_act_anywhere,
        "may_send_early": may_send_early(strike, now),
        "window_opens": notice_window_opens(strike),
        "why": why_no_notices(strike, request.user, now) if not figures.total else None,
        "trusts": work,
        "several_trusts": len(work) > 1,
        "letters_by_provider": letters_sent_by_provider(),
        "failed": failed,
        "failed_total": failed_total,
        "may_retry_any": any(row.may_retry for row in failed),
        "first_retryable": next((row.notice.pk for row in failed if row.may_retry), None),
        "kind_names": {kind: _kind_name(kind) for kind in NoticeKind.values},
        "retry_error": retry_error,
    }
    return render(request, "dashboard/notices/page.jinja", context)


@staff_page
@require_GET
def notices_page(request: HttpRequest, strike_id: uuid.UUID) -> HttpResponse:
    return _page(request, _strike(strike_id))


@staff_page
@require_POST
def notices_generate_now(request: HttpRequest, strike_id: uuid.UUID) -> HttpResponse:
    strike = _strike(strike_id)
    _require_acting(request, _("create patient notices"))
    early = request.POST.get("early") == "yes"
    back = redirect("dashboard_notices", strike_id=strike.public_id)
    try:
        result = notices_generate(strike=strike, actor=request.user, early=early)
    except NoticesRefused as refusal:
        messages.error(request, str(refusal))
        return back
    if result.total:
        # After this request commits, as the API and the admin start it.
        dispatch_soon()
        kinds = ", ".join(
            f"{count} {_kind_name(kind).lower()}" for kind, count in result.created.items() if count
        )
        messages.success(
            request,
            ngettext(
                "%(count)d notice created (%(kinds)s). Sending has started.",
                "%(count)d notices created (%(kinds)s). Sending has started.",
                result.total,
            )
            % {"count": result.total, "kinds": kinds},
        )
    else:
        nothing = _("No new notices were needed: every patient owed one already has it.")
        if may_send_early(strike, timezone.now()) and not early:
            nothing = _(
                "No new notices were created: the notice window has not opened yet. Choose "
                "“Send before the notice window opens” to create postponement notices now."
            )
        messages.info(request, nothing)
    if result.withdrawn:
        messages.warning(
            request,
            ngettext(
                "%(count)d unsent notice was withdrawn because it is no longer true.",
                "%(count)d unsent notices were withdrawn because they are no longer true.",
                result.withdrawn,
            )
            % {"count": result.withdrawn},
        )
    return back


@staff_page
@require_POST
def notices_retry(request: HttpRequest, strike_id: uuid.UUID) -> HttpResponse:
    strike = _strike(strike_id)
    _require_acting(request, _("resend notices"))
    which = request.POST.get("retry")
    chosen = failed_notices(strike, request.user)
    if which == RETRY_SELECTED:
        try:
            ids = frozenset(int(value) for value in request.POST.getlist("notice"))
        except ValueError:
            ids = frozenset()
        if not ids:
            return _page(
                request,
                strike,
                retry_error=_("Select the failed notices to retry, or choose Retry all failed."),
            )
        chosen = chosen.filter(pk__in=ids)
        asked = len(ids)
    elif which == RETRY_ALL:
        asked = chosen.count()
    else:
        return _page(request, strike, retry_error=_("Choose Retry selected or Retry all failed."))
    try:
        retried = notices_retry_failed(notices=chosen, actor=request.user)
    except DomainError as refusal:
        raise PermissionDenied(str(refusal)) from refusal
    if retried:
        dispatch_soon()
        messages.success(
            request,
            ngettext(
                "%(count)d failed notice is being sent again.",
                "%(count)d failed notices are being sent again.",
                retried,
            )
            % {"count": retried},
        )
    skipped = asked - retried
    if skipped:
        messages.warning(
            request,
            ngettext(
                "%(count)d notice was not retried: it is no longer failed, or it is at a "
                "trust where you cannot act.",
                "%(count)d notices were not retried: they are no longer failed, or they "
                "are at a trust where you cannot act.",
                skipped,
            )
            % {"count": skipped},
        )
    if not retried and not skipped:
        messages.info(request, _("There were no failed notices to retry."))
    return redirect("dashboard_notices", strike_id=strike.public_id)


urlpatterns = [
    path("strikes/<uuid:strike_id>/notices/", notices_page, name="dashboard_notices"),
    path(
        "strikes/<uuid:strike_id>/notices/create/",
        notices_generate_now,
        name="dashboard_notices_generate",
    ),
    path("strikes/<uuid:strike_id>/notices/retry/", notices_retry, name="dashboard_notices_retry"),
]
