"""Status page lockouts in the admin: who is being refused, and a way to let them back.

Read-only apart from "Lift lockout". Superusers see every lockout; other staff see only
lockouts of booking references belonging to their own trusts' bookings. A client
address belongs to no trust, so address lockouts are for superusers alone.
"""

from django.contrib import admin, messages
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from appointments.models import Appointment
from appointments.references import normalise_booking_reference
from trusts.admin import ReadOnlyAdmin
from trusts.scope import is_national

from .attempts import AttemptStoreUnavailable, lockouts_lift
from .models import CheckLockout, LockoutScope


class LockoutStateFilter(admin.SimpleListFilter):
    title = gettext_lazy("state")
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list:
        return [
            ("active", gettext_lazy("Active: still refusing")),
            ("lifted", gettext_lazy("Lifted by staff")),
            ("ended", gettext_lazy("Ended by itself")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        now = timezone.now()
        if self.value() == "active":
            return queryset.filter(lifted_at__isnull=True, locked_until__gt=now)
        if self.value() == "lifted":
            return queryset.filter(lifted_at__isnull=False)
        if self.value() == "ended":
            return queryset.filter(lifted_at__isnull=True, locked_until__lte=now)
        return queryset


_DETAIL = (
    "scope",
    "key",
    "first_refused_at",
    "locked_until",
    "refused_count",
    "lifted_at",
    "lifted_by",
)


@admin.register(CheckLockout)
class CheckLockoutAdmin(ReadOnlyAdmin):
    list_display = [
        "scope",
        "key",
        "first_refused_at",
        "locked_until",
        "refused_count",
        "is_active",
        "lifted_at",
        "lifted_by",
    ]
    list_filter = [LockoutStateFilter, "scope"]
    search_fields = ["=key"]
    list_select_related = ["lifted_by"]
    fields = _DETAIL
    readonly_fields = _DETAIL
    actions = ["lift"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = super().get_queryset(request)
        if is_national(request.user):
            return queryset
        references = Appointment.objects.for_user(request.user).values("reference")
        return queryset.filter(scope=LockoutScope.REFERENCE, key__in=references)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        # Staff paste references as patients read them ("k7qm-3xda-9rt2"); the key is
        # stored normalised. Addresses are matched as typed.
        term = search_term.strip()
        if not term:
            return queryset, False
        return queryset.filter(Q(key=term) | Q(key=normalise_booking_reference(term))), False

    @admin.display(boolean=True, description=gettext_lazy("active"))
    def is_active(self, lockout: CheckLockout) -> bool:
        return lockout.lifted_at is None and lockout.locked_until > timezone.now()

    def has_lift_permission(self, request: HttpRequest) -> bool:
        # Seeing lockouts takes the view permission; letting someone back in, change.
        return request.user.has_perm("appointments.change_checklockout")

    @admin.action(description=gettext_lazy("Lift lockout"), permissions=["lift"])
    def lift(self, request: HttpRequest, lockouts: QuerySet) -> None:
        try:
            count = lockouts_lift(lockouts, by=request.user)
        except AttemptStoreUnavailable:
            self.message_user(
                request,
                gettext("The attempt counter did not answer; nothing was lifted."),
                messages.ERROR,
            )
            return
        self.message_user(
            request,
            gettext("%(count)s lockouts lifted: the next check is allowed.")
            % {"count": f"{count:,}"},
        )
