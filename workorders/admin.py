"""Work orders in the admin: categories are configured here; orders are corrected (each correction
appended to their history), never added or deleted; the history and the number sequence are shown only."""

from __future__ import annotations

from django.contrib import admin

from miniprogram_api.admin import ReadOnlyAdmin

from .models import WorkOrder, WorkOrderCategory, WorkOrderEvent, WorkOrderSequence
from .services import record_edit


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
