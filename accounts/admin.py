from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import ApiToken, OrgUnit, RoleGrant, User, WechatIdentity


@admin.register(OrgUnit)
class OrgUnitAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "parent", "code"]
    list_filter = ["kind"]
    search_fields = ["name", "code"]
    autocomplete_fields = ["parent"]


class RoleGrantInline(admin.TabularInline):
    model = RoleGrant
    extra = 0
    autocomplete_fields = ["org_unit"]


class WechatIdentityInline(admin.TabularInline):
    model = WechatIdentity
    extra = 0
    fields = ["appid", "openid", "unionid", "created_at", "last_login_at"]
    readonly_fields = fields  # the session key is never shown, not even to admins


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "display_name", "primary_org_unit", "is_active", "last_login"]
    list_filter = ["is_active", "is_staff", "grants__role", "primary_org_unit"]
    search_fields = ["username", "display_name", "phone", "wechat_identities__openid"]
    inlines = [RoleGrantInline, WechatIdentityInline]
    fieldsets = BaseUserAdmin.fieldsets + (("实训", {"fields": ("display_name", "phone", "primary_org_unit")}),)


@admin.register(RoleGrant)
class RoleGrantAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "org_unit", "granted_at"]
    list_filter = ["role", "org_unit"]
    search_fields = ["user__display_name", "user__username", "org_unit__name"]
    autocomplete_fields = ["user", "org_unit"]


@admin.register(WechatIdentity)
class WechatIdentityAdmin(admin.ModelAdmin):
    list_display = ["user", "appid", "openid", "unionid", "last_login_at"]
    search_fields = ["openid", "unionid", "user__display_name"]
    list_filter = ["appid"]
    exclude = ["session_key"]
    readonly_fields = ["user", "appid", "openid", "unionid", "created_at", "last_login_at"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["user", "created_at", "expires_at", "revoked_at", "user_agent"]
    list_filter = ["revoked_at"]
    search_fields = ["user__display_name", "user__username"]
    exclude = ["key_hash"]
    readonly_fields = ["user", "created_at", "expires_at", "user_agent"]
    actions = ["revoke"]

    @admin.action(description="注销所选令牌")
    def revoke(self, request, queryset):
        from django.utils import timezone

        queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())

    def has_add_permission(self, request):
        return False
