"""Writes of the access log: `record(...)` from any higher app, in the caller's transaction."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from accounts.models import User

from .models import AccessLogEntry


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def record(*, action: str, actor: User | None = None, actor_label: str = "", target: str = "",
           request: HttpRequest | None = None, detail: dict[str, Any] | None = None) -> AccessLogEntry:
    """Append one entry. Never put secrets or unmasked phone numbers into `detail`."""
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    label = actor_label or (actor.get_username() if actor is not None else "")
    return AccessLogEntry.objects.create(action=action, actor=actor, actor_label=label[:150], target=target[:200],
                                         ip=client_ip(request), detail=detail or {})
