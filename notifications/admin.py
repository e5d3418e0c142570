from django.contrib import admin

from .models import Notification, OutboxMessage


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["recipient", "kind", "title", "created_at", "read_at"]
    list_filter = ["kind", "read_at"]
    search_fields = ["title", "body", "recipient__display_name"]
    readonly_fields = ["recipient", "kind", "title", "body", "data", "created_at", "read_at"]


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ["kind", "recipient", "state", "attempts", "next_attempt_at", "errcode", "sent_at"]
    list_filter = ["state", "kind"]
    search_fields = ["recipient__display_name", "openid", "dedupe_key"]
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]
    actions = ["retry_now"]

    @admin.action(description="立即重试所选消息")
    def retry_now(self, request, queryset):
        from django.utils import timezone

        queryset.filter(state__in=["pending", "failed"]).update(state="pending", next_attempt_at=timezone.now())

    def has_add_permission(self, request):
        return False
