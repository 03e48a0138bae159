from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from config.errors import DomainError
from trusts.admin import ReadOnlyAdmin, TrustScopedAdmin

from .models import (
    UNSENT_STATUSES,
    Appointment,
    AppointmentEvent,
    Notice,
    Patient,
    StrikeImpact,
)
from .notices.dispatch import notices_retry_failed
from .status_check import admin as status_check_admin  # noqa: F401 - registers lockouts
from .tasks import dispatch_soon


class AppointmentEventInline(admin.TabularInline):
    """The booking's history, newest last. Read-only: history is append-only."""

    model = AppointmentEvent
    extra = 0
    can_delete = False
    fields = ("at", "action", "from_status", "to_status", "strike", "actor", "batch_id", "detail")
    readonly_fields = fields
    ordering = ["at", "id"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Patient)
class PatientAdmin(TrustScopedAdmin):
    list_display = ["id", "nhs_number", "family_name", "given_name", "preferred_channel"]
    list_filter = ["preferred_channel"]
    search_fields = ["=nhs_number", "family_name", "postcode"]


@admin.register(Appointment)
class AppointmentAdmin(TrustScopedAdmin):
    list_display = [
        "reference",
        "starts_at",
        "trust",
        "site",
        "service",
        "kind",
        "priority",
        "status",
    ]
    list_filter = ["status", "kind", "priority", "trust", "service"]
    search_fields = ["=reference", "=external_id", "=patient__nhs_number"]
    list_select_related = ["trust", "site", "service"]
    date_hierarchy = "starts_at"
    raw_id_fields = ["patient"]
    # Status changes go through the services, which write the history; not by hand here.
    readonly_fields = ["reference", "status", "original_starts_at", "created_at", "updated_at"]
    inlines = [AppointmentEventInline]


@admin.register(StrikeImpact)
class StrikeImpactAdmin(TrustScopedAdmin, ReadOnlyAdmin):
    list_display = [
        "appointment",
        "strike",
        "outcome",
        "slot_starts_at",
        "decided_at",
        "decided_by",
        "reinstated_at",
    ]
    list_filter = ["strike", "outcome"]
    search_fields = ["=appointment__reference"]
    list_select_related = ["appointment", "strike", "decided_by"]


class OverdueFilter(admin.SimpleListFilter):
    title = "deadline"
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", "Overdue: deadline passed, not sent")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.overdue(timezone.now())
        return queryset


@admin.register(Notice)
class NoticeAdmin(TrustScopedAdmin, ReadOnlyAdmin):
    list_display = [
        "id",
        "appointment",
        "strike",
        "kind",
        "channel",
        "status",
        "due_by",
        "is_overdue",
        "sent_at",
        "attempts",
        "last_error",
    ]
    list_filter = [OverdueFilter, "status", "kind", "channel", "strike"]
    search_fields = ["=appointment__reference", "=provider_reference"]
    list_select_related = ["appointment", "strike"]
    actions = ["send_again"]

    @admin.display(boolean=True, description="overdue")
    def is_overdue(self, notice: Notice) -> bool:
        return notice.status in UNSENT_STATUSES and notice.due_by <= timezone.now()

    @admin.action(description="Send again (failed notices)", permissions=["view"])
    def send_again(self, request: HttpRequest, notices: QuerySet) -> None:
        try:
            count = notices_retry_failed(notices=notices, actor=request.user)
        except DomainError as error:
            self.message_user(request, str(error), messages.ERROR)
            return
        if count:
            dispatch_soon()
        self.message_user(request, f"{count:,} failed notices will be sent again.")


@admin.register(AppointmentEvent)
class AppointmentEventAdmin(TrustScopedAdmin, ReadOnlyAdmin):
    list_display = ["at", "appointment", "action", "from_status", "to_status", "strike", "actor"]
    list_filter = ["action", "to_status", "strike"]
    search_fields = ["=appointment__reference", "=batch_id"]
    list_select_related = ["appointment", "strike", "actor"]
    date_hierarchy = "at"
