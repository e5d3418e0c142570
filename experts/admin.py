"""Admin of the roster: managers keep experts (certifications, avoidance), the speciality tree, review
applications; draws are facts, shown read-only."""

from __future__ import annotations

from django.contrib import admin, messages

from miniprogram_api.admin import ReadOnlyAdmin
from miniprogram_api.errors import ApiError

from . import services
from .models import (
    Application,
    Avoidance,
    Certification,
    Draw,
    Engagement,
    Expert,
    ExpertCategory,
    Rating,
    Seat,
    Speciality,
)


@admin.register(Speciality)
class SpecialityAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "parent", "order"]
    list_filter = ["parent"]
    search_fields = ["name", "code"]


class CategoryInline(admin.TabularInline):
    model = ExpertCategory
    extra = 0


class CertificationInline(admin.TabularInline):
    model = Certification
    extra = 0


class AvoidanceInline(admin.TabularInline):
    model = Avoidance
    fk_name = "expert"
    extra = 0
    raw_id_fields = ["person"]


class EngagementInline(admin.TabularInline):
    model = Engagement
    extra = 0
    readonly_fields = ["kind", "ref", "title", "role", "occurred_on"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Expert)
class ExpertAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "unit_name", "org_unit", "title", "skill_level", "status"]
    list_filter = ["status", "categories__category", "specialities"]
    search_fields = ["code", "name", "unit_name"]
    filter_horizontal = ["specialities"]
    raw_id_fields = ["user"]
    inlines = [CategoryInline, CertificationInline, AvoidanceInline, EngagementInline]

    def get_readonly_fields(self, request, obj=None):
        return ["code", "joined_at"] if obj else ["joined_at"]

    def get_fields(self, request, obj=None):
        fields = ["user", "name", "org_unit", "unit_name", "title", "skill_level", "phone", "status", "specialities"]
        return (["code", *fields, "joined_at"]) if obj else fields

    def save_model(self, request, obj, form, change):
        if not change:  # the next code, under the counter's lock, like an approval
            obj.code = services.next_code()
        super().save_model(request, obj, form, change)


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    list_display = ["name", "unit_name", "org_unit", "status", "created_at", "reviewed_by"]
    list_filter = ["status"]
    readonly_fields = ["applicant", "client_id", "name", "org_unit", "unit_name", "title", "skill_level", "phone",
                       "categories", "statement", "cv_name", "status", "reason", "reviewed_by", "reviewed_at",
                       "expert", "created_at"]
    exclude = ["specialities", "cv_path"]
    actions = ["approve"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="审核通过所选申请")
    def approve(self, request, queryset):
        for application in queryset:
            try:
                expert = services.approve_application(actor=request.user, application_id=application.pk)
            except ApiError as error:
                self.message_user(request, f"{application}：{error.message}", messages.ERROR)
            else:
                self.message_user(request, f"{application.name} 已入库，编号 {expert.code}")


class SeatInline(admin.TabularInline):
    model = Seat
    extra = 0
    readonly_fields = ["position", "expert", "is_backup", "status", "invited_at", "answered_at", "reason"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Draw)
class DrawAdmin(ReadOnlyAdmin):
    list_display = ["id", "purpose", "subject", "count", "backups", "seed", "drawn_by", "created_at"]
    search_fields = ["purpose", "subject"]
    inlines = [SeatInline]


@admin.register(Rating)
class RatingAdmin(ReadOnlyAdmin):
    list_display = ["expert", "title", "score", "scale_max", "responses", "rated_on"]
