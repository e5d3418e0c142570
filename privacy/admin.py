from django.contrib import admin

from miniprogram_api.admin import ReadOnlyAdmin

from .models import DataExport, PrivacyAcceptance


@admin.register(PrivacyAcceptance)
class PrivacyAcceptanceAdmin(ReadOnlyAdmin):
    list_display = ["user", "version", "accepted_at"]
    list_filter = ["version"]
    search_fields = ["user__display_name", "user__username"]
    date_hierarchy = "accepted_at"


@admin.register(DataExport)
class DataExportAdmin(ReadOnlyAdmin):
    list_display = ["id", "user", "status", "rows", "size_bytes", "requested_at", "ready_at", "downloaded_at"]
    list_filter = ["status"]
    search_fields = ["user__display_name", "user__username"]
    date_hierarchy = "requested_at"
