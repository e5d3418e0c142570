from django.contrib import admin

from .models import Dimension, Indicator, IndicatorSystem


class DimensionInline(admin.TabularInline):
    model = Dimension
    extra = 0
    fields = ["order", "code", "name", "weight", "description"]

    def has_change_permission(self, request, obj=None):
        return obj is None or not obj.is_published

    has_add_permission = has_delete_permission = has_change_permission  # type: ignore[assignment]


@admin.register(IndicatorSystem)
class IndicatorSystemAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "version", "state", "published_at"]
    list_filter = ["state"]
    readonly_fields = ["state", "published_at", "published_by"]
    inlines = [DimensionInline]

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (obj is None or not obj.is_published)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (obj is None or not obj.is_published)


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "dimension", "weight", "measure"]
    list_filter = ["dimension__system"]

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (obj is None or not obj.dimension.system.is_published)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (obj is None or not obj.dimension.system.is_published)
