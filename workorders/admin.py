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
    WorkOrderEvent,
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


class WorkOrderEventInline(admin.TabularInline):
    model = WorkOrderEvent
    extra = 0
    fields = ["created_at", "action", "actor", "from_state", "to_state", "reason", "changes", "data"]
    readonly_fields = fields
    can_delete = False
    ordering = ["created_at", "id"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(WorkOrder)
class WorkOrderAdmin(admin.ModelAdmin):
    """States move only through the lifecycle (the mini-program's actions); here an administrator may
    correct what was reported — category, place, description, urgency — and each correction is
    appended to the order's history. Deadlines stay as they were fixed at the report."""

    list_display = ["number", "state", "urgency", "category", "studio", "assignee", "requester", "created_at",
                    "respond_by", "finish_by", "rating"]
    list_filter = ["state", "urgency", "source", "category", "studio"]
    search_fields = ["number", "description", "location_text", "requester__display_name", "assignee__display_name"]
    date_hierarchy = "created_at"
    editable = ["category", "point", "location_text", "description", "urgency"]
    readonly_fields = ["number", "state", "studio", "requester", "assignee", "source", "run", "step", "step_record",
                       "client_id", "created_at", "respond_by", "finish_by", "responded_at", "arrived_at",
                       "completed_at", "closed_at", "respond_overdue_at", "finish_overdue_at", "arrival_scan",
                       "arrival_flags", "completion_note", "rating", "rating_comment", "runs_done"]
    fields = ["number", "state", *editable, "studio", "requester", "assignee", "source", "run", "step",
              "step_record", "client_id", "created_at", "respond_by", "finish_by", "responded_at", "arrived_at",
              "completed_at", "closed_at", "respond_overdue_at", "finish_overdue_at", "arrival_scan",
              "arrival_flags", "completion_note", "rating", "rating_comment", "runs_done"]
    autocomplete_fields = ["category", "point"]
    inlines = [WorkOrderEventInline]

    def has_add_permission(self, request):
        return False  # orders are reported in the mini-program or raised by failing steps

    def has_delete_permission(self, request, obj=None):
        return False  # the history is kept; cancel instead

    def save_model(self, request, obj, form, change):
        from .order_services import record_edit

        record_edit(order=obj, actor=request.user, changed=[f for f in form.changed_data if f in self.editable])


@admin.register(WorkOrderEvent)
class WorkOrderEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "order", "action", "actor", "from_state", "to_state", "reason"]
    list_filter = ["action", "to_state"]
    search_fields = ["order__number", "actor__display_name", "reason"]
    date_hierarchy = "created_at"


@admin.register(WorkOrderSequence)
class WorkOrderSequenceAdmin(ReadOnlyAdmin):
    list_display = ["day", "last"]
