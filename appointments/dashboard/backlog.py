"""The backlog: postponed bookings awaiting a new date, and giving one a new date.

Listed most urgent first, then the oldest referral. Patients' names appear only to the
operations staff and admins of the booking's trust; the reschedule action only for them.
The new date goes through ``appointments.services`` (which writes the history), and the
patient's "new date" notice follows from the booking's new status at the notice
scheduler's next run.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from appointments.models import Appointment, Kind, Patient, Priority, Status
from appointments.references import format_booking_reference
from appointments.selectors import appointment_by_reference
from appointments.services import appointment_reschedule, appointment_reschedule_at_site
from config.api.permissions import trusts_for
from config.errors import DomainError
from config.jinja2 import clock_time, long_date
from trusts.models import Site
from trusts.pages import is_htmx, staff_page

from .backlog_forms import WAIT_DAYS, BacklogFilterForm, RescheduleForm
from .backlog_queries import (
    backlog_rows,
    counts_by_service,
    counts_by_trust,
    in_backlog_order,
    services_with_postponements,
    sites_with_postponements,
    still_waiting_after,
    strikes_with_postponements,
    waiting_bookings,
)

PAGE_SIZE = 25
# Only these survive the round trip through the reschedule page back to the list.
FILTER_PARAMETERS = ("trust", "strike", "service", "site", "after_days", "page")


@dataclass(frozen=True)
class BacklogRow:
    reference: str
    trust_name: str
    was_due: dt.datetime
    site: str
    service: str
    kind: str
    priority: str
    priority_value: str
    referral_received_on: dt.date | None
    days_waiting: int
    patient_name: str | None  # None: the user may not see who it is
    may_reschedule: bool


@staff_page
@require_GET
def backlog(request: HttpRequest) -> HttpResponse:
    user = request.user
    staff = request.staff  # type: ignore[attr-defined]
    trusts = list(trusts_for(user).order_by("name"))
    form = BacklogFilterForm(
        request.GET,
        trusts=trusts,
        strikes=strikes_with_postponements(user),
        services=services_with_postponements(user),
        sites=sites_with_postponements(user),
    )
    filters = form.filters()
    bookings = waiting_bookings(user, filters)
    page = Paginator(backlog_rows(in_backlog_order(bookings)), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    filtering = any((filters.trust, filters.strike, filters.service_code, filters.site_code))
    context = {
        "nav": "backlog",
        "page_title": (_("Error: ") if form.errors else "") + _("Backlog"),
        "form": form,
        "errors": _error_list(form),
        "selects": _filter_selects(form, several_trusts=len(trusts) > 1),
        "rows": _rows(page, staff),
        "page": page,
        "pagination": _pagination(request, page),
        "total": page.paginator.count,
        "filtering": filtering,
        "by_trust": counts_by_trust(bookings),
        "by_service": counts_by_service(bookings),
        "still_waiting": still_waiting_after(user=user, days=form.days_after, filters=filters),
        "after_days": form.days_after,
        "wait_day_items": [
            {"value": str(n), "text": ngettext("%(num)s day", "%(num)s days", n) % {"num": n}}
            for n in WAIT_DAYS
        ],
        "back": _backlog_query(request.GET),
    }
    template = "dashboard/backlog/_results.jinja" if is_htmx(request) else None
    return render(request, template or "dashboard/backlog/index.jinja", context)


def _rows(page: Page, staff: Any) -> list[BacklogRow]:
    acting = staff.acting_trust_ids
    named = [row.patient_id for row in page if acting is None or row.trust_id in acting]
    names = {
        patient.id: f"{patient.given_name} {patient.family_name}"
        for patient in Patient.objects.filter(pk__in=named).values_list(
            "id", "given_name", "family_name", named=True
        )
    }
    today = timezone.localdate()
    return [
        BacklogRow(
            reference=row.reference,
            trust_name=row.trust__name,
            was_due=row.starts_at,
            site=row.site__name,
            service=row.service__name,
            kind=Kind(row.kind).label,
            priority=Priority(row.priority).label,
            priority_value=row.priority,
            referral_received_on=row.referral_received_on,
            days_waiting=(today - timezone.localtime(row.starts_at).date()).days,
            patient_name=names.get(row.patient_id),
            may_reschedule=acting is None or row.trust_id in acting,
        )
        for row in page
    ]


def _filter_selects(form: BacklogFilterForm, *, several_trusts: bool) -> list[dict[str, Any]]:
    """The design system's select parameters for each filter, "All ..." first."""
    chosen = form.value_of
    options = {
        "trust": (
            _("Trust"),
            _("All your trusts"),
            [(code, trust.name) for code, trust in form.trusts.items()],
        ),
        "strike": (
            _("Strike"),
            _("All strikes"),
            [(public_id, strike.title) for public_id, strike in form.strikes.items()],
        ),
        "service": (
            _("Service"),
            _("All services"),
            [(service.code, service.name) for service in form.services],
        ),
        "site": (
            _("Site"),
            _("All sites"),
            [
                (site.code, f"{site.name} ({site.trust.ods_code})" if several_trusts else site.name)
                for site in form.sites
            ],
        ),
    }
    if not several_trusts:
        del options["trust"]
    return [
        {
            "id": f"filter-{name}",
            "name": name,
            "label": {"text": label},
            "errorMessage": {"text": form.errors[name][0]} if name in form.errors else False,
            "items": [{"value": "", "text": everything}]
            + [
                {"value": value, "text": text, "selected": value == chosen[name]}
                for value, text in values
            ],
        }
        for name, (label, everything, values) in options.items()
    ]


def _error_list(form: BacklogFilterForm) -> list[dict[str, str]]:
    return [
        {"text": str(errors[0]), "href": f"#filter-{name.replace('_', '-')}"}
        for name, errors in form.errors.items()
    ]


def _backlog_query(params: QueryDict) -> str:
    """The list's own parameters, re-encoded: nothing else is carried or redirected to."""
    kept = {name: params[name] for name in FILTER_PARAMETERS if params.get(name)}
    return urlencode(kept)


def _pagination(request: HttpRequest, page: Page) -> dict[str, Any]:
    """Previous and next links keeping the filters, labelled "Page 2 of 5"."""

    def link(number: int) -> dict[str, str]:
        params = request.GET.copy()
        params["page"] = str(number)
        return {
            "href": f"?{_backlog_query(params)}",
            "labelText": _("Page %(number)s of %(of)s")
            % {"number": number, "of": page.paginator.num_pages},
        }

    return {
        "previous": link(page.previous_page_number()) if page.has_previous() else None,
        "next": link(page.next_page_number()) if page.has_next() else None,
    }


@staff_page
@require_http_methods(["GET", "POST"])
def reschedule(request: HttpRequest, reference: str) -> HttpResponse:
    booking = appointment_by_reference(user=request.user, reference=reference)
    if booking is None:
        raise Http404
    if not request.staff.may_act_at(booking.trust_id):  # type: ignore[attr-defined]
        raise PermissionDenied
    back = _backlog_query(QueryDict(request.POST.get("back") or request.GET.get("back", "")))
    backlog_url = reverse("dashboard_backlog") + (f"?{back}" if back else "")
    if booking.status != Status.POSTPONED:
        messages.warning(
            request,
            _("Booking %(reference)s is not waiting for a new date: it is %(status)s.")
            % {
                "reference": format_booking_reference(booking.reference),
                "status": Status(booking.status).label.lower(),
            },
        )
        return redirect(backlog_url)
    sites = Site.objects.filter(trust_id=booking.trust_id).order_by("name", "code")
    form = RescheduleForm(
        request.POST if request.method == "POST" else None,
        sites=sites,
        current_site=booking.site,
    )
    if request.method == "POST" and form.is_valid():
        try:
            moved = _reschedule(booking, form.cleaned_data, request.user)
        except DomainError as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, _rescheduled_message(moved))
            return redirect(backlog_url)
    return render(
        request,
        "dashboard/backlog/reschedule.jinja",
        {
            "nav": "backlog",
            "page_title": (_("Error: ") if form.errors else "")
            + _("Give %(reference)s a new date")
            % {"reference": format_booking_reference(booking.reference)},
            "booking": booking,
            "form": form,
            "site_items": [{"value": site.code, "text": site.name} for site in sites],
            "back": back,
            "backlog_url": backlog_url,
        },
    )


def _reschedule(booking: Appointment, cleaned: dict[str, Any], actor: Any) -> Appointment:
    site: Site = cleaned["site"]
    if site.pk == booking.site_id:
        return appointment_reschedule(
            appointment=booking, starts_at=cleaned["starts_at"], actor=actor
        )
    return appointment_reschedule_at_site(
        appointment=booking, starts_at=cleaned["starts_at"], site=site, actor=actor
    )


def _rescheduled_message(booking: Appointment) -> str:
    return _(
        "Booking %(reference)s now has a new date: %(date)s at %(time)s, %(site)s. "
        "The patient will be sent their new date."
    ) % {
        "reference": format_booking_reference(booking.reference),
        "date": long_date(booking.starts_at),
        "time": clock_time(booking.starts_at),
        "site": booking.site.name,
    }


urlpatterns = [
    path("backlog/", backlog, name="dashboard_backlog"),
    path(
        "backlog/<str:reference>/reschedule/",
        reschedule,
        name="dashboard_backlog_reschedule",
    ),
]
