"""What the access log records when Django or lower apps tell it something."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from accounts.models import RoleGrant

from .models import AccessLogEntry
from .services import record


def _is_admin(request) -> bool:
    return request is not None and request.path.startswith("/" + _admin_prefix())


def _admin_prefix() -> str:
    from django.conf import settings

    return getattr(settings, "ADMIN_PATH", "admin/").lstrip("/")


@receiver(user_logged_in)
def admin_login(sender, request, user, **kwargs):
    if _is_admin(request):
        record(action=AccessLogEntry.Action.ADMIN_LOGIN, actor=user, request=request, target="admin")


@receiver(user_login_failed)
def admin_login_failed(sender, credentials, request=None, **kwargs):
    if _is_admin(request):
        username = str(credentials.get("username", ""))[:150]  # Django already hides the password
        record(action=AccessLogEntry.Action.ADMIN_LOGIN_FAILED, actor_label=username, request=request,
               target="admin")


@receiver(post_save, sender=RoleGrant)
def role_granted(sender, instance, created, **kwargs):
    if created:
        record(action=AccessLogEntry.Action.ROLE_GRANTED, target=f"user:{instance.user_id}",
               detail={"role": instance.role, "org_unit_id": instance.org_unit_id})


@receiver(post_delete, sender=RoleGrant)
def role_revoked(sender, instance, **kwargs):
    record(action=AccessLogEntry.Action.ROLE_REVOKED, target=f"user:{instance.user_id}",
           detail={"role": instance.role, "org_unit_id": instance.org_unit_id})
