"""Records of what was done are evidence: the admin shows them, it does not edit them."""

from __future__ import annotations

from django.contrib import admin
from django.utils.html import format_html

from .models import (
    Photo,
    ProcedureRun,
    RunReview,
    ScanLog,
    StepRecord,
    WorkOrder,
    WorkOrderCategory,
    WorkOrderSequence,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


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


@admin.register(Photo)
class PhotoAdmin(ReadOnlyAdmin):
    list_display = ["id", "preview", "uploader", "width", "height", "taken_at", "uploaded_at", "owner_type",
                    "owner_id"]
    list_filter = ["original_format", "owner_type"]
    search_fields = ["uploader__display_name", "sha256", "client_id"]
    date_hierarchy = "uploaded_at"

    @admin.display(description="缩略图")
    def preview(self, obj):
        return format_html('<img src="{}" style="height:48px">', obj.thumbnail.url) if obj.thumbnail else "—"


@admin.register(WorkOrderCategory)
class WorkOrderCategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "studio", "required_procedure", "is_active"]
    list_filter = ["is_active", "studio"]
    search_fields = ["name"]
    autocomplete_fields = ["studio", "required_procedure"]


@admin.register(WorkOrder)
class WorkOrderAdmin(admin.ModelAdmin):
    list_display = ["number", "state", "urgency", "source", "point", "requester", "created_at"]
    list_filter = ["state", "urgency", "source", "category"]
    search_fields = ["number", "description", "location_text", "requester__display_name"]
    date_hierarchy = "created_at"
    readonly_fields = ["number", "source", "run", "step", "step_record", "requester", "client_id", "created_at"]
    autocomplete_fields = ["category", "point"]


@admin.register(WorkOrderSequence)
class WorkOrderSequenceAdmin(ReadOnlyAdmin):
    list_display = ["day", "last"]
