"""Records of what was done are evidence: the admin shows them, it does not edit them."""

from __future__ import annotations

from django.contrib import admin

from miniprogram_api.admin import ReadOnlyAdmin

from .models import ProcedureRun, RunReview, ScanLog, StepRecord


class StepRecordInline(admin.TabularInline):
    model = StepRecord
    extra = 0
    fields = ["step", "value", "verdict", "note", "recorded_at", "is_correction", "correction_reason", "supersedes"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class RunReviewInline(admin.TabularInline):
    model = RunReview
    extra = 0
    fields = ["reviewer", "decision", "comment", "created_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ProcedureRun)
class ProcedureRunAdmin(ReadOnlyAdmin):
    list_display = ["id", "performer", "point", "procedure", "version", "status", "verdict", "started_at", "flags"]
    list_filter = ["status", "verdict", "studio", "procedure"]
    search_fields = ["performer__display_name", "point__code", "point__name", "procedure__title", "client_id"]
    date_hierarchy = "started_at"
    inlines = [StepRecordInline, RunReviewInline]


@admin.register(StepRecord)
class StepRecordAdmin(ReadOnlyAdmin):
    list_display = ["id", "run", "step", "verdict", "recorded_by", "recorded_at", "is_correction"]
    list_filter = ["verdict", "is_correction", "step__type"]
    search_fields = ["step__title", "recorded_by__display_name", "client_id"]


@admin.register(RunReview)
class RunReviewAdmin(ReadOnlyAdmin):
    list_display = ["run", "reviewer", "decision", "created_at"]
    list_filter = ["decision"]
    search_fields = ["reviewer__display_name", "comment"]


@admin.register(ScanLog)
class ScanLogAdmin(ReadOnlyAdmin):
    list_display = ["scanned_at", "user", "code", "point", "outcome", "source", "suspicious", "flags", "distance_m"]
    list_filter = ["outcome", "source", "suspicious", "via_sync", "point__studio"]
    search_fields = ["code", "user__display_name", "point__code", "point__name"]
    date_hierarchy = "scanned_at"
