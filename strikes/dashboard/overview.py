"""The staff dashboard's home: every strike, happening now, coming up and past, each with
a readiness line per trust the user may see. Also the URL patterns of every strike page
this package's overview area serves (strikes/dashboard/urls.py adds them up)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from strikes.services import may_create_strikes
from trusts.pages import staff_page

from . import assess, lifecycle, participation, strike_page
from .readiness import CURRENT, PAST, UPCOMING, strikes_overview
from .strike_page import STATUS_COLOURS


@staff_page
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    groups = strikes_overview(user=request.user, now=now)
    sections = [
        (CURRENT, _("Happening now"), groups[CURRENT]),
        (UPCOMING, _("Coming up"), groups[UPCOMING]),
        (PAST, _("Past, called off or completed"), groups[PAST]),
    ]
    staff = request.staff  # type: ignore[attr-defined]
    return render(
        request,
        "dashboard/strikes/overview.jinja",
        {
            "page_title": _("Strikes"),
            "nav": "strikes",
            "sections": [section for section in sections if section[2]],
            "status_colours": STATUS_COLOURS,
            "no_trust": not staff.national and not staff.roles,
            "may_create_strikes": may_create_strikes(request.user),
        },
    )


urlpatterns = [
    path("", dashboard, name="dashboard"),
    path("strikes/<uuid:strike_id>/", strike_page.strike_page, name="dashboard_strike"),
    path(
        "strikes/<uuid:strike_id>/trusts/<str:ods_code>/participation/",
        participation.participation_edit,
        name="dashboard_strike_participation",
    ),
    path("strikes/<uuid:strike_id>/assess/", assess.assess, name="dashboard_strike_assess"),
    path(
        "strikes/<uuid:strike_id>/status/",
        lifecycle.strike_status,
        name="dashboard_strike_status",
    ),
    path(
        "strikes/<uuid:strike_id>/call-off/",
        lifecycle.strike_call_off_confirm,
        name="dashboard_strike_call_off",
    ),
]
