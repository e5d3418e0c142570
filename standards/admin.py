"""Admins set up standards, procedures (draft → publish), points and labels here."""

from __future__ import annotations

from django.contrib import admin, messages
from django.http import HttpResponse
from django.urls import reverse
from django.utils.html import format_html

from miniprogram_api.errors import ApiError

from . import labels, selectors, services
from .models import PracticePoint, Procedure, ProcedureVersion, QRCode, Standard, Step


class ProcedureInline(admin.TabularInline):
    model = Procedure
    extra = 0
    fields = ["code", "title", "studio", "current_version"]
    readonly_fields = ["current_version"]
    show_change_link = True


@admin.register(Standard)
class StandardAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "level", "category", "status", "version", "effective_date"]
    list_filter = ["category", "level", "status"]
    search_fields = ["code", "title"]
    inlines = [ProcedureInline]


class VersionInline(admin.TabularInline):
    model = ProcedureVersion
    extra = 0
    fields = ["number", "status", "published_at", "change_note"]
    readonly_fields = fields
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Procedure)
class ProcedureAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "standard", "studio", "current_version"]
    list_filter = ["studio", "standard__category"]
    search_fields = ["code", "title", "standard__code", "standard__title"]
    autocomplete_fields = ["standard", "studio"]
    readonly_fields = ["current_version"]
    inlines = [VersionInline]
    actions = ["new_draft"]

    @admin.action(description="新建草稿（复制现行版本的步骤）")
    def new_draft(self, request, queryset):
        for procedure in queryset:
            draft = services.create_draft(procedure=procedure, actor=request.user)
            url = reverse("admin:standards_procedureversion_change", args=[draft.pk])
            self.message_user(request, format_html('{}：<a href="{}">草稿 v{}</a> 可编辑', procedure, url, draft.number),
                              messages.SUCCESS)


class StepInline(admin.StackedInline):
    model = Step
    extra = 0
    fk_name = "version"
    fields = [("position", "type", "required"), "title", "instructions", ("unit", "lower_limit", "upper_limit"),
              ("threshold", "min_photos"), "options", ("condition_step", "condition_verdicts")]

    def _editable(self, obj) -> bool:
        return obj is None or not obj.is_published

    def has_add_permission(self, request, obj=None):
        return self._editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._editable(obj) and super().has_delete_permission(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "condition_step":
            version_id = request.resolver_match.kwargs.get("object_id") if request.resolver_match else None
            kwargs["queryset"] = Step.objects.filter(version_id=version_id) if version_id else Step.objects.none()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(ProcedureVersion)
class ProcedureVersionAdmin(admin.ModelAdmin):
    list_display = ["procedure", "number", "status", "published_at", "published_by"]
    list_filter = ["status", "procedure__studio"]
    search_fields = ["procedure__code", "procedure__title"]
    autocomplete_fields = ["procedure"]
    inlines = [StepInline]
    actions = ["publish"]
    readonly_fields = ["status", "published_at", "published_by", "created_by", "created_at"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.is_published:
            return ["procedure", "number", "change_note", *self.readonly_fields]
        return self.readonly_fields

    def has_add_permission(self, request):
        return False  # drafts come from the procedure's "新建草稿" action: numbered, one at a time

    def has_delete_permission(self, request, obj=None):
        return (obj is None or not obj.is_published) and super().has_delete_permission(request, obj)

    @admin.action(description="发布所选草稿（发布后不可修改）")
    def publish(self, request, queryset):
        for version in queryset:
            try:
                services.publish_version(version=version, actor=request.user)
                self.message_user(request, f"已发布 {version.procedure} v{version.number}", messages.SUCCESS)
            except ApiError as error:
                self.message_user(request, f"{version}：{error.message}", messages.ERROR)


class QRCodeInline(admin.TabularInline):
    model = QRCode
    extra = 0
    fields = ["code", "created_at", "created_by", "revoked_at", "revoke_reason"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(PracticePoint)
class PracticePointAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "studio", "location_text", "is_active", "active_code"]
    list_filter = ["is_active", "studio"]
    search_fields = ["code", "name", "location_text", "qr_codes__code"]
    autocomplete_fields = ["studio"]
    filter_horizontal = ["procedures"]
    inlines = [QRCodeInline]
    actions = ["print_labels", "rotate_codes", "deactivate"]

    @admin.display(description="有效二维码")
    def active_code(self, obj):
        qr = services.active_code(obj)
        return format_html("<code>{}</code>", qr.code) if qr else "—"

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if not change:
            services.ensure_code(point=form.instance, actor=request.user)

    @admin.action(description="打印标签（A4 PDF，3×7）")
    def print_labels(self, request, queryset):
        points = list(queryset.select_related("studio").order_by("code"))
        try:
            data = [selectors.label_data(p) for p in points]
            pdf = labels.labels_pdf(data)
        except ApiError as error:
            self.message_user(request, error.message, messages.ERROR)
            return None
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = 'attachment; filename="labels.pdf"'
        return response

    @admin.action(description="更换二维码（旧码作废）")
    def rotate_codes(self, request, queryset):
        for point in queryset:
            services.rotate_code(point=point, actor=request.user, reason="后台更换")
        self.message_user(request, f"已为 {queryset.count()} 个实操点更换二维码，请重新打印标签", messages.SUCCESS)

    @admin.action(description="停用所选实操点")
    def deactivate(self, request, queryset):
        for point in queryset:
            point.is_active = False
            point.save(update_fields=["is_active", "updated_at"])
        self.message_user(request, "已停用", messages.SUCCESS)


@admin.register(QRCode)
class QRCodeAdmin(admin.ModelAdmin):
    list_display = ["code", "point", "created_at", "revoked_at", "revoke_reason"]
    list_filter = ["revoked_at", "point__studio"]
    search_fields = ["code", "point__code", "point__name"]
    fields = ["point", "code", "created_at", "created_by", "revoked_at", "revoked_by", "revoke_reason",
              "wxacode_fetched_at"]
    readonly_fields = fields
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="作废所选二维码")
    def revoke(self, request, queryset):
        for qr in queryset.filter(revoked_at__isnull=True).select_related("point"):
            services.revoke_code(point=qr.point, actor=request.user, reason="后台作废")
        self.message_user(request, "已作废", messages.SUCCESS)
