from django.contrib import admin
from django.utils.html import format_html

from miniprogram_api.admin import ReadOnlyAdmin

from .models import Photo
from .presenters import file_url


@admin.register(Photo)
class PhotoAdmin(ReadOnlyAdmin):
    list_display = ["id", "preview", "uploader", "width", "height", "taken_at", "uploaded_at", "owner_type",
                    "owner_id"]
    list_filter = ["original_format", "owner_type"]
    search_fields = ["uploader__display_name", "sha256", "client_id"]
    date_hierarchy = "uploaded_at"

    @admin.display(description="缩略图")
    def preview(self, obj):
        return format_html('<img src="{}" style="height:48px">', file_url(obj.thumbnail, None)) if obj.thumbnail else "—"
