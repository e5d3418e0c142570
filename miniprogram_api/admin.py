from django.contrib import admin

from .models import IdempotencyRecord


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(admin.ModelAdmin):
    list_display = ["scope", "key", "user", "status_code", "created_at"]
    list_filter = ["scope", "status_code"]
    search_fields = ["key", "user__display_name"]
    readonly_fields = ["user", "scope", "key", "request_hash", "status_code", "response", "created_at"]

    def has_add_permission(self, request):
        return False
