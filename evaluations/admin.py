from django.contrib import admin
from django.utils import timezone

from miniprogram_api.admin import ReadOnlyAdmin

from .models import ActionEvent, Campaign, Completion, ImprovementAction, SurveyTemplate


@admin.register(SurveyTemplate)
class SurveyTemplateAdmin(admin.ModelAdmin):
    list_display = ("title", "code", "target_kind", "builtin")


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ("title", "target_kind", "target_label", "opens_at", "closes_at", "anonymous")
    list_filter = ("target_kind", "anonymous")
    readonly_fields = ("questions", "evaluated_at", "created_by", "client_id")
    filter_horizontal = ("audience_units",)

    def get_readonly_fields(self, request, obj=None):
        fields = tuple(super().get_readonly_fields(request, obj))
        if obj is not None and Completion.objects.filter(campaign=obj).exists():
            # The same rule as the API (409 anonymity_locked): fixed once anyone has answered.
            fields += ("anonymous", "min_responses", "audience_kind", "target_kind", "target_id")
            if obj.closes_at <= timezone.now():
                # Reopening a closed anonymous campaign and closing it again would let its results be
                # compared before and after the late answers (docs/adr/0040).
                fields += ("opens_at", "closes_at")
        return fields


@admin.register(ImprovementAction)
class ImprovementActionAdmin(admin.ModelAdmin):
    list_display = ("target_label", "item_label", "score", "owner", "due_date", "state", "recheck")
    list_filter = ("state", "recheck", "target_kind")


@admin.register(ActionEvent)
class ActionEventAdmin(ReadOnlyAdmin):
    list_display = ("action", "kind", "actor", "at")

# Completions and responses are not in the admin: who answered is the status page's, what was answered
# the results' — side by side in one admin they would invite exactly the linking the design prevents.
