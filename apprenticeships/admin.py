"""Admin of 师徒带教: frameworks, templates and settings are edited here; agreements are created here or
from the mini-program; ratings, countersigns, evidence, signatures and reviews are facts, shown read-only."""

from __future__ import annotations

from django.contrib import admin, messages

from miniprogram_api.admin import ReadOnlyAdmin
from miniprogram_api.errors import ApiError

from . import services
from .models import (
    Agreement,
    Certificate,
    Competency,
    CompetencyFramework,
    Countersign,
    Evidence,
    EvidenceSignature,
    PlanItem,
    PlanTemplate,
    PlanTemplateItem,
    Rating,
    Review,
    ReviewSignature,
    StudioSettings,
)


@admin.register(StudioSettings)
class StudioSettingsAdmin(admin.ModelAdmin):
    list_display = ["studio", "review_interval_weeks", "red_behind_pct", "amber_behind_pct", "red_hours_behind_pct",
                    "amber_hours_behind_pct", "red_inactive_days", "amber_inactive_days", "amber_review_due_days"]
    search_fields = ["studio__name"]
    list_filter = ["review_interval_weeks"]
    autocomplete_fields = ["studio"]


class CompetencyInline(admin.TabularInline):
    model = Competency
    extra = 0
    fields = ["order", "code", "name", "layer", "stage", "kind", "target_level", "accepts_contest_results"]
    show_change_link = True


@admin.register(CompetencyFramework)
class CompetencyFrameworkAdmin(admin.ModelAdmin):
    list_display = ["name", "studio", "is_active", "created_at"]
    list_filter = ["is_active", "studio"]
    search_fields = ["name", "description", "studio__name"]
    autocomplete_fields = ["studio"]
    inlines = [CompetencyInline]


@admin.register(Competency)
class CompetencyAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "framework", "layer", "stage", "kind", "target_level", "accepts_contest_results"]
    list_filter = ["framework", "layer", "stage", "kind", "target_level", "accepts_contest_results"]
    search_fields = ["code", "name", "description"]
    filter_horizontal = ["procedures"]


class PlanTemplateItemInline(admin.TabularInline):
    model = PlanTemplateItem
    extra = 0
    autocomplete_fields = ["competency"]


@admin.register(PlanTemplate)
class PlanTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "studio", "framework", "target_level", "duration_weeks", "planned_hours", "is_active"]
    list_filter = ["studio", "target_level", "is_active"]
    search_fields = ["name", "framework__name"]
    inlines = [PlanTemplateItemInline]


@admin.register(PlanTemplateItem)
class PlanTemplateItemAdmin(admin.ModelAdmin):
    list_display = ["template", "competency", "order"]
    list_filter = ["template"]
    search_fields = ["template__name", "competency__code", "competency__name"]
    autocomplete_fields = ["competency"]


class PlanItemInline(admin.TabularInline):
    model = PlanItem
    extra = 0
    fields = ["order", "competency"]
    autocomplete_fields = ["competency"]
    show_change_link = True


@admin.register(Agreement)
class AgreementAdmin(admin.ModelAdmin):
    list_display = ["apprentice", "master", "studio", "target_level", "start_date", "end_date", "state", "grade"]
    list_filter = ["state", "studio", "target_level", "grade"]
    search_fields = ["apprentice__display_name", "apprentice__username", "master__display_name", "client_id"]
    autocomplete_fields = ["studio", "master", "apprentice"]
    date_hierarchy = "start_date"
    readonly_fields = ["state", "created_by", "client_id", "created_at", "activated_at", "activated_by", "completed_at",
                       "completed_by", "grade", "theory_score", "practical_score", "completion_comment",
                       "terminated_at", "terminated_by", "termination_reason"]
    inlines = [PlanItemInline]
    actions = ["activate_selected"]

    def save_model(self, request, obj, form, change):
        adding = obj.pk is None
        if adding:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
        if adding and obj.template_id:  # the same plan the API would make from the template
            PlanItem.objects.bulk_create([
                PlanItem(agreement=obj, competency_id=item.competency_id, order=position)
                for position, item in enumerate(obj.template.items.order_by("order", "id"))
            ], ignore_conflicts=True)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.backfill_evidence(agreement=form.instance)

    @admin.action(description="协议生效")
    def activate_selected(self, request, queryset):
        for agreement in queryset:
            try:
                services.activate(actor=request.user, agreement_id=agreement.pk)
            except ApiError as error:
                self.message_user(request, f"{agreement}：{error.message}", messages.ERROR)
        self.message_user(request, "已处理所选协议", messages.SUCCESS)


@admin.register(PlanItem)
class PlanItemAdmin(admin.ModelAdmin):
    list_display = ["agreement", "competency", "order", "created_at"]
    list_filter = ["agreement__studio", "competency__stage", "competency__kind"]
    search_fields = ["agreement__apprentice__display_name", "competency__code", "competency__name"]
    raw_id_fields = ["agreement"]
    autocomplete_fields = ["competency"]


@admin.register(Rating)
class RatingAdmin(ReadOnlyAdmin):
    list_display = ["plan_item", "level", "rated_by", "created_at"]
    list_filter = ["level", "plan_item__agreement__studio"]
    search_fields = ["plan_item__agreement__apprentice__display_name", "plan_item__competency__name", "comment"]


@admin.register(Countersign)
class CountersignAdmin(ReadOnlyAdmin):
    list_display = ["plan_item", "signed_by", "created_at"]
    list_filter = ["plan_item__agreement__studio"]
    search_fields = ["plan_item__agreement__apprentice__display_name", "plan_item__competency__name"]


@admin.register(Evidence)
class EvidenceAdmin(ReadOnlyAdmin):
    list_display = ["agreement", "kind", "plan_item", "occurred_on", "hours", "created_by", "created_at"]
    list_filter = ["kind", "agreement__studio", "occurred_on"]
    search_fields = ["agreement__apprentice__display_name", "description", "client_id"]
    date_hierarchy = "occurred_on"


@admin.register(EvidenceSignature)
class EvidenceSignatureAdmin(ReadOnlyAdmin):
    list_display = ["evidence", "signed_by", "created_at"]
    list_filter = ["evidence__kind"]
    search_fields = ["evidence__agreement__apprentice__display_name", "signed_by__display_name", "comment"]


class ReviewSignatureInline(admin.TabularInline):
    model = ReviewSignature
    extra = 0
    fields = ["role", "signer", "comment", "created_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Review)
class ReviewAdmin(ReadOnlyAdmin):
    list_display = ["agreement", "number", "is_final", "opened_by", "created_at"]
    list_filter = ["is_final", "agreement__studio"]
    search_fields = ["agreement__apprentice__display_name", "summary"]
    inlines = [ReviewSignatureInline]


@admin.register(ReviewSignature)
class ReviewSignatureAdmin(ReadOnlyAdmin):
    list_display = ["review", "role", "signer", "created_at"]
    list_filter = ["role"]
    search_fields = ["review__agreement__apprentice__display_name", "signer__display_name"]


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdmin):
    list_display = ["code", "apprentice_name", "studio_name", "target_level", "grade", "issued_at", "revoked_at"]
    list_filter = ["grade", "target_level", "revoked_at"]
    search_fields = ["code", "apprentice_name", "master_name", "studio_name"]
    actions = ["revoke"]

    @admin.action(description="撤销所选证书")
    def revoke(self, request, queryset):
        pending = list(queryset.filter(revoked_at__isnull=True).values_list("pk", flat=True))
        for pk in pending:  # the service also flips the credential's bit in its status list
            services.revoke_certificate(certificate_id=pk, reason=f"由 {request.user} 在管理后台撤销")
        count = len(pending)
        self.message_user(request, f"已撤销 {count} 张证书", messages.SUCCESS)

    def has_change_permission(self, request, obj=None):
        return False
