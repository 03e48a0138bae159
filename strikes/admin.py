from django.contrib import admin

from trusts.admin import ReadOnlyAdmin

from .models import Participation, ReportedFigure, StaffAbsence, Strike, Union


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


@admin.register(Strike)
class StrikeAdmin(admin.ModelAdmin):
    list_display = ["title", "starts_at", "ends_at", "status", "emergency_care_only"]
    list_filter = ["status", "unions", "staff_groups", "emergency_care_only"]
    search_fields = ["title", "public_id"]
    date_hierarchy = "starts_at"
    readonly_fields = ["public_id", "created_at", "updated_at"]
    filter_horizontal = ["unions", "staff_groups", "exempt_services"]
    inlines = [ParticipationInline, StaffAbsenceInline, ReportedFigureInline]


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
    search_fields = ["source", "area", "trust__name"]
    list_select_related = ["strike", "trust"]
