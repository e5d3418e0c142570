from django.contrib import admin

from miniprogram_api.admin import ReadOnlyAdmin

from .models import AccessLogEntry


@admin.register(AccessLogEntry)
class AccessLogEntryAdmin(ReadOnlyAdmin):
    list_display = ["at", "action", "actor_label", "target", "ip"]
    list_filter = ["action"]
    search_fields = ["actor_label", "target", "ip"]
    date_hierarchy = "at"
