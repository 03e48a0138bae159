from collections.abc import Callable
from contextvars import ContextVar

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from appointments.notices import notices_generate
from appointments.notices.progress import notice_progress
from appointments.tasks import dispatch_soon
from config.errors import DomainError
from trusts.admin import ReadOnlyAdmin
from trusts.models import Trust
from trusts.scope import trust_ids_for

from .models import Participation, ReportedFigure, StaffAbsence, Strike, StrikeStatusChange, Union
from .services import (
    strike_call_off,
    strike_complete,
    strike_confirm,
    strike_resume,
    strike_suspend,
)


class ParticipationInline(admin.TabularInline):
    model = Participation
    extra = 0
    autocomplete_fields = ["trust"]


class StaffAbsenceInline(admin.TabularInline):
    model = StaffAbsence
    extra = 0
    autocomplete_fields = ["trust"]


class ReportedFigureInline(admin.TabularInline):
    model = ReportedFigure
    extra = 0
    autocomplete_fields = ["trust"]


class StatusChangeInline(admin.TabularInline):
    """Who moved the strike through its life. Read-only: written by the services."""

    model = StrikeStatusChange
    extra = 0
    can_delete = False
    fields = ("at", "from_status", "to_status", "actor", "detail")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


def _status_action(
    service: Callable[..., object], description: str
) -> Callable[[admin.ModelAdmin, HttpRequest, QuerySet[Strike]], None]:
    """An admin action moving each selected strike through ``service``, which checks the
    move and records it (a call-off also reinstates postponed bookings)."""

    def action(modeladmin: admin.ModelAdmin, request: HttpRequest, strikes: QuerySet) -> None:
        for strike in strikes:
            try:
                outcome = service(strike=strike, actor=request.user)
            except DomainError as error:
                modeladmin.message_user(request, str(error), messages.ERROR)
                continue
            reinstated = getattr(outcome, "reinstated", None)
            extra = f" {reinstated:,} bookings reinstated." if reinstated is not None else ""
            modeladmin.message_user(request, f"{strike}: {description.lower()}.{extra}")

    action.__name__ = service.__name__
    return admin.action(description=description, permissions=["change"])(action)


@admin.action(description="Send patient notices now (before the notice window opens)")
def send_notices_now(modeladmin: admin.ModelAdmin, request: HttpRequest, strikes: QuerySet) -> None:
    for strike in strikes:
        try:
            result = notices_generate(strike=strike, early=True, actor=request.user)
        except DomainError as error:
            modeladmin.message_user(request, str(error), messages.ERROR)
            continue
        if result.total:
            dispatch_soon()
        modeladmin.message_user(
            request,
            f"{strike}: {result.total:,} notices created"
            + (f", {result.withdrawn:,} no longer true withdrawn" if result.withdrawn else "")
            + ". Workers send them within a minute.",
        )


@admin.register(Strike)
class StrikeAdmin(admin.ModelAdmin):
    list_display = ["title", "starts_at", "ends_at", "status", "emergency_care_only"]
    list_filter = ["status", "unions", "staff_groups", "emergency_care_only"]
    search_fields = ["title", "public_id"]
    date_hierarchy = "starts_at"
    filter_horizontal = ["unions", "staff_groups", "exempt_services"]
    inlines = [ParticipationInline, StaffAbsenceInline, ReportedFigureInline, StatusChangeInline]
    actions = [
        _status_action(strike_confirm, "Confirm"),
        _status_action(strike_suspend, "Suspend"),
        _status_action(strike_resume, "Resume"),
        _status_action(strike_call_off, "Call off (reinstates postponed bookings still ahead)"),
        _status_action(strike_complete, "Mark completed"),
        send_notices_now,
    ]

    def get_readonly_fields(self, request, obj=None):
        # A strike's status moves only through the actions, which keep bookings in step.
        fixed = ["public_id", "created_at", "updated_at"]
        if obj is None:
            return fixed
        _viewing_user.set(request.user)
        return [*fixed, "status", "patient_notices"]

    @admin.display(description="Patient notices")
    def patient_notices(self, strike: Strike) -> str:
        user = _viewing_user.get()
        return _patient_notices(strike, user) if user is not None else ""


# The admin instance is shared by every request, and a read-only field sees only the
# object; the user whose trusts it may show travels in the request's own context.
_viewing_user: ContextVar[object | None] = ContextVar("strike_admin_viewing_user", default=None)


def _patient_notices(strike: Strike, user: object) -> str:
    """Progress for the trusts ``user`` sees, and where to print letters and make calls."""
    progress = notice_progress(strike=strike, user=user)
    counts = ", ".join(
        f"{count:,} {status}" for status, count in sorted(progress.by_status.items())
    )
    summary = format_html(
        "{} notices ({}); <strong>{} overdue</strong>",
        f"{progress.total:,}",
        counts or "none yet",
        f"{progress.overdue:,}",
    )
    trusts = Trust.objects.filter(
        participations__strike=strike, participations__participating=True
    ).order_by("ods_code")
    visible = trust_ids_for(user)
    if visible is not None:
        trusts = trusts.filter(pk__in=visible)
    links = format_html_join(
        "",
        '<li>{}: <a href="{}">letters to print</a>, <a href="{}">patients to call</a></li>',
        (
            (
                trust.name,
                reverse("notices_letters", args=[strike.public_id, trust.ods_code]),
                reverse("notices_calls", args=[strike.public_id, trust.ods_code]),
            )
            for trust in trusts
        ),
    )
    return format_html("{}<ul>{}</ul>", summary, links)


@admin.register(Union)
class UnionAdmin(ReadOnlyAdmin):
    list_display = ["code", "name"]


@admin.register(Participation)
class ParticipationAdmin(admin.ModelAdmin):
    list_display = ["strike", "trust", "participating", "ballot_turnout"]
    list_filter = ["participating", "strike", "trust"]
    search_fields = ["trust__name", "trust__ods_code", "strike__title"]
    list_select_related = ["strike", "trust"]


@admin.register(StaffAbsence)
class StaffAbsenceAdmin(admin.ModelAdmin):
    list_display = ["strike", "trust", "date", "staff_group", "count"]
    list_filter = ["strike", "trust", "staff_group"]
    list_select_related = ["strike", "trust", "staff_group"]


@admin.register(ReportedFigure)
class ReportedFigureAdmin(admin.ModelAdmin):
    list_display = ["strike", "trust", "area", "metric", "date", "value", "source"]
    list_filter = ["strike", "metric"]
    filter_horizontal = ["covers"]
    search_fields = ["source", "area", "trust__name"]
    list_select_related = ["strike", "trust"]
