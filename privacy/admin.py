from django.contrib import admin, messages

from miniprogram_api.admin import ReadOnlyAdmin
from miniprogram_api.errors import ApiError

from . import services
from .models import DataExport, DeletionRequest, PrivacyAcceptance


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


@admin.register(DeletionRequest)
class DeletionRequestAdmin(ReadOnlyAdmin):
    """Admins review deletion requests: approving anonymises the person at once (it cannot be undone)."""

    list_display = ["id", "user", "status", "reason", "requested_at", "decided_by", "decided_at", "pseudonym"]
    list_filter = ["status"]
    search_fields = ["user__display_name", "user__username", "pseudonym"]
    date_hierarchy = "requested_at"
    actions = ["approve", "reject"]

    def _decide(self, request, queryset, approve: bool) -> None:
        done, refused = 0, []
        for item in queryset.filter(status=DeletionRequest.Status.REQUESTED):
            try:
                services.decide_deletion(deletion_request=item, admin=request.user, approve=approve)
                done += 1
            except ApiError as error:
                refused.append(f"{item.pk}：{error.message}")
        verb = "已匿名化" if approve else "已驳回"
        self.message_user(request, f"{verb} {done} 个申请", messages.SUCCESS)
        if refused:
            self.message_user(request, "；".join(refused), messages.WARNING)

    @admin.action(description="批准并匿名化所选申请（不可撤销）")
    def approve(self, request, queryset):
        self._decide(request, queryset, True)

    @admin.action(description="驳回所选申请")
    def reject(self, request, queryset):
        self._decide(request, queryset, False)
