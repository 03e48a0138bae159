"""The public status page: "Is my appointment going ahead?" (ADR 006).

The flow is post/redirect/get. A matching reference and date of birth set a signed,
short-lived cookie naming the booking, and the answer page reads it, so refreshing never
resubmits the form and the answer's URL carries nothing. Every failure, whichever of the
two was wrong, renders the same form with the same message and status.
"""

import datetime as dt
import logging
import math
import uuid

from django.conf import settings
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from .answers import Answer, answer_for, booking_matching
from .attempts import AttemptStoreUnavailable, Refused, attempt_start, attempt_succeeded
from .calendar import appointment_calendar
from .client_address import client_address
from .forms import StatusCheckForm
from .strike_information import strike_for_patients, strikes_for_patients

logger = logging.getLogger(__name__)

ANSWER_COOKIE = "strikedesk_check"
_ANSWER_SALT = "strikedesk.status_check.answer"
# Long enough to read the answer and download the calendar file; short enough that the
# next person at a shared computer does not find it.
ANSWER_LIFETIME = dt.timedelta(minutes=30)


@never_cache
@require_http_methods(["GET", "POST"])
def check(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _form_page(request, StatusCheckForm())
    form = StatusCheckForm(request.POST)
    if not form.is_valid():
        return _form_page(request, form)
    reference = form.cleaned_data["reference"]
    try:
        attempt = attempt_start(reference=reference, address=client_address(request))
    except AttemptStoreUnavailable:
        logger.exception("status check: the attempt store did not answer")
        return render(request, "status_check/unavailable.jinja", status=503)
    if isinstance(attempt, Refused):
        return _too_many_attempts(request, attempt)
    appointment_id = booking_matching(
        reference=reference, date_of_birth=form.cleaned_data["date_of_birth"]
    )
    if appointment_id is None:
        logger.info("status check: no booking matched")
        return _form_page(request, form, no_match=True)
    attempt_succeeded(attempt)
    logger.info("status check: matched booking %s", appointment_id)
    response = redirect(reverse("status_check_answer"), permanent=False)
    response.status_code = 303  # "see other": the browser GETs the answer
    response.set_signed_cookie(
        ANSWER_COOKIE,
        str(appointment_id),
        salt=_ANSWER_SALT,
        path=reverse("status_check"),
        secure=request.is_secure() or settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    return response


@never_cache
@require_GET
def answer(request: HttpRequest) -> HttpResponse:
    found = _remembered_answer(request)
    if found is None:
        return _forget(redirect(reverse("status_check")))
    return render(request, "status_check/answer.jinja", {"answer": found})


@never_cache
@require_GET
def answer_calendar(request: HttpRequest) -> HttpResponse:
    found = _remembered_answer(request)
    if found is None:  # the answer expired: ask again, as the answer page does
        return _forget(redirect(reverse("status_check")))
    if not found.attend:
        raise Http404(_("There is no appointment to add to a calendar."))
    response = HttpResponse(
        appointment_calendar(found), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="hospital-appointment.ics"'
    return response


@require_GET
def strike_action(request: HttpRequest) -> HttpResponse:
    return render(request, "status_check/strike_action.jinja", {"strikes": strikes_for_patients()})


@require_GET
def strike_action_detail(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    strike = strike_for_patients(public_id)
    if strike is None:
        raise Http404(_("There is no strike at this address."))
    return render(request, "status_check/strike_action.jinja", {"strikes": [strike]})


def _form_page(
    request: HttpRequest, form: StatusCheckForm, *, no_match: bool = False
) -> HttpResponse:
    return render(request, "status_check/check.jinja", {"form": form, "no_match": no_match})


def _too_many_attempts(request: HttpRequest, refused: Refused) -> HttpResponse:
    logger.warning("status check: refused by the %s limit", refused.scope)
    response = render(
        request,
        "status_check/too_many_attempts.jinja",
        {"refused": refused, "retry_at": timezone.localtime(refused.retry_at)},
        status=429,
    )
    seconds = (refused.retry_at - timezone.now()).total_seconds()
    response["Retry-After"] = str(max(1, math.ceil(seconds)))
    return response


def _remembered_answer(request: HttpRequest) -> Answer | None:
    try:
        appointment_id = int(
            request.get_signed_cookie(ANSWER_COOKIE, salt=_ANSWER_SALT, max_age=ANSWER_LIFETIME)
        )
    except (KeyError, signing.BadSignature, ValueError):
        return None
    return answer_for(appointment_id=appointment_id)


def _forget(response: HttpResponse) -> HttpResponse:
    response.delete_cookie(ANSWER_COOKIE, path=reverse("status_check"), samesite="Lax")
    return response
