"""Admin hardening for 等保 2.0 level 2: password complexity and lockout after repeated failures.

Lockout counts failed admin logins per account and per client address in the cache (Redis in production,
shared by every worker). `LOGIN_LOCKOUT_FAILURES` failures for one account, or
`LOGIN_LOCKOUT_ADDRESS_FAILURES` from one address, lock it for `LOGIN_LOCKOUT_SECONDS`: while locked even the
right password is refused (the backend raises PermissionDenied, which Django reports as a failed login).
A successful login clears the account's count.
"""

from __future__ import annotations

import hashlib
import re

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.dispatch import receiver


class ComplexityValidator:
    """At least three of: lower-case letters, upper-case letters, digits, other characters."""

    KINDS = (r"[a-z]", r"[A-Z]", r"\d", r"[^A-Za-z0-9]")

    def validate(self, password: str, user=None) -> None:
        if sum(1 for kind in self.KINDS if re.search(kind, password)) < 3:
            raise ValidationError("密码须包含大写字母、小写字母、数字、符号中的至少三类", code="password_too_simple")

    def get_help_text(self) -> str:
        return "密码须包含大写字母、小写字母、数字、符号中的至少三类。"


def _key(kind: str, value: str) -> str:
    return f"lockout:{kind}:{hashlib.sha256(value.lower().encode()).hexdigest()[:32]}"


def _address(request) -> str:
    return (request.META.get("REMOTE_ADDR") or "") if request is not None else ""


def is_locked(username: str, address: str) -> bool:
    account = cache.get(_key("account", username), 0) >= settings.LOGIN_LOCKOUT_FAILURES
    by_address = bool(address) and cache.get(_key("address", address), 0) >= settings.LOGIN_LOCKOUT_ADDRESS_FAILURES
    return account or by_address


def _bump(key: str) -> None:
    if not cache.add(key, 1, settings.LOGIN_LOCKOUT_SECONDS):
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, settings.LOGIN_LOCKOUT_SECONDS)


class LockoutModelBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        name = username or kwargs.get("username") or ""
        if is_locked(str(name), _address(request)):
            raise PermissionDenied("locked out")
        return super().authenticate(request, username=username, password=password, **kwargs)


@receiver(user_login_failed)
def count_failure(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))
    if username:
        _bump(_key("account", username))
    address = _address(request)
    if address:
        _bump(_key("address", address))


@receiver(user_logged_in)
def clear_failures(sender, request, user, **kwargs):
    cache.delete(_key("account", user.get_username()))
