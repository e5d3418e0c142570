from django.contrib import admin

from miniprogram_api.admin import ReadOnlyAdmin

from .models import PrivacyAcceptance


@admin.register(PrivacyAcceptance)
class PrivacyAcceptanceAdmin(ReadOnlyAdmin):
    list_display = ["user", "version", "accepted_at"]
    list_filter = ["version"]
    search_fields = ["user__display_name", "user__username"]
    date_hierarchy = "accepted_at"
