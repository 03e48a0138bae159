from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from .models import Membership, Service, Site, StaffGroup, Trust
from .scope import trust_ids_for


class TrustScopedAdmin(admin.ModelAdmin):
    """Admin pages list only the records of the signed-in user's trusts (national: all)."""

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = super().get_queryset(request)
        if hasattr(queryset, "for_user"):
            return queryset.for_user(request.user)
        return queryset


class ReadOnlyAdmin(admin.ModelAdmin):
    """History and reference rows: visible, never edited through the admin."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class SiteInline(admin.TabularInline):
    model = Site
    extra = 0


@admin.register(Trust)
class TrustAdmin(admin.ModelAdmin):
    list_display = ["ods_code", "name", "kind", "region"]
    list_filter = ["kind", "region"]
    search_fields = ["ods_code", "name"]
    inlines = [SiteInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        trust_ids = trust_ids_for(request.user)
        queryset = super().get_queryset(request)
        return queryset if trust_ids is None else queryset.filter(pk__in=trust_ids)


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "town", "trust"]
    list_filter = ["trust"]
    search_fields = ["code", "name", "town"]
    list_select_related = ["trust"]


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "treatment_function_code", "emergency"]
    list_filter = ["emergency", "staff_groups"]
    search_fields = ["code", "name", "treatment_function_code"]
    filter_horizontal = ["staff_groups"]


@admin.register(StaffGroup)
class StaffGroupAdmin(ReadOnlyAdmin):
    list_display = ["code", "name"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "trust", "role"]
    list_filter = ["role", "trust"]
    search_fields = ["user__username", "trust__ods_code", "trust__name"]
    autocomplete_fields = ["user", "trust"]
