from django.contrib import admin

from miniprogram_api.admin import ReadOnlyAdmin

from .models import IssuedCredential, Revocation, StatusList


@admin.register(IssuedCredential)
class IssuedCredentialAdmin(ReadOnlyAdmin):
    list_display = ["reference", "kind", "status_list", "status_index", "issued_at"]
    list_filter = ["kind"]
    search_fields = ["reference", "credential_id"]


@admin.register(Revocation)
class RevocationAdmin(ReadOnlyAdmin):
    list_display = ["credential", "revoked_at", "reason"]
    search_fields = ["credential__reference"]


@admin.register(StatusList)
class StatusListAdmin(ReadOnlyAdmin):
    list_display = ["id", "purpose", "size", "next_index", "created_at"]
