"""The admin of the API layer (idempotency records) and the base class for admins of facts."""

from django.contrib import admin

from .models import IdempotencyRecord


class ReadOnlyAdmin(admin.ModelAdmin):
    """For facts (append-only rows, logs): the admin shows them, it never adds, edits or deletes."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(admin.ModelAdmin):
    list_display = ["scope", "key", "user", "status_code", "created_at"]
    list_filter = ["scope", "status_code"]
    search_fields = ["key", "user__display_name"]
    readonly_fields = ["user", "scope", "key", "request_hash", "status_code", "response", "created_at"]

    def has_add_permission(self, request):
        return False
