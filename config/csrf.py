"""The page shown when a form is refused by Django's CSRF check (CSRF_FAILURE_VIEW)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache


@never_cache
def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """403 with what to do next, in plain words.

    ``reason`` is Django's technical cause ("CSRF cookie not set." and the like): it
    helps an attacker probing the check more than a patient, so it is not shown.
    """
    return render(
        request,
        "errors/csrf_failure.jinja",
        {"page_title": _("Sorry, your form could not be sent")},
        status=403,
    )
