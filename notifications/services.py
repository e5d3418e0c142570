"""Telling people: one call writes the in-app notification and the WeChat outbox row in the caller's
transaction; the live websocket message goes out after commit."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import User, WechatIdentity
from miniprogram_api.realtime import publish_after_commit

from . import templates
from .models import Notification, OutboxMessage


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def notification_payload(notification: Notification) -> dict:
    return {
        "id": notification.pk,
        "kind": notification.kind,
        "title": notification.title,
        "body": notification.body,
        "data": notification.data,
        "created_at": notification.created_at.isoformat(),
        "read": notification.read_at is not None,
    }


@transaction.atomic
def notify(*, recipients: Iterable[User], kind: str, title: str, body: str = "", data: dict | None = None,
           values: dict | None = None, dedupe_key: str) -> list[Notification]:
    """Notify each recipient once per `dedupe_key` (e.g. "workorder:12:dispatch:3"): an in-app message
    and, when a template is configured for `kind`, a WeChat subscribe message through the outbox.

    `values` fill the template's fields (see notifications.templates); `data` travels with the in-app
    message (ids the mini-program needs to open the right page).
    """
    data = data or {}
    values = {**data, "title": title, "body": body, **(values or {})}
    unique = {user.pk: user for user in recipients if user is not None}
    if not unique:
        return []
    openids = dict(WechatIdentity.objects.filter(user_id__in=unique, appid=settings.WECHAT_APPID)
                   .values_list("user_id", "openid"))
    rendered = templates.render(kind, values)
    created = []
    for user_id, user in unique.items():
        key = f"{dedupe_key}:{user_id}"
        outbox, was_new = OutboxMessage.objects.get_or_create(dedupe_key=key, defaults=_outbox_fields(
            user=user, kind=kind, openid=openids.get(user_id, ""), rendered=rendered))
        if not was_new:
            continue  # this event was already announced to this person
        notification = Notification.objects.create(recipient=user, kind=kind, title=title[:100], body=body[:500],
                                                   data=data)
        created.append(notification)
        publish_after_commit(user_group(user_id), {"type": "notification.message",
                                                   "payload": notification_payload(notification)})
    return created


def _outbox_fields(*, user: User, kind: str, openid: str, rendered) -> dict:
    if rendered is None or not openid:
        reason = "未配置订阅消息模板" if rendered is None else "用户没有微信身份"
        return {"recipient": user, "kind": kind, "openid": openid, "state": OutboxMessage.State.SKIPPED,
                "last_error": reason}
    template_id, page, payload = rendered
    return {"recipient": user, "kind": kind, "openid": openid, "template_id": template_id, "page": page,
            "data": payload}


def drop_unsent(*, user: User) -> int:
    """WeChat messages to `user` not sent yet are deleted (a deleted person is no longer written to)."""
    return OutboxMessage.objects.filter(recipient=user, state__in=["pending", "failed"]).delete()[0]


def mark_read(*, user: User, ids: list[int] | None = None, before: datetime | None = None) -> int:
    """Mark some (or all) of the user's notifications read; returns how many changed."""
    query = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        query = query.filter(pk__in=ids)
    if before is not None:
        query = query.filter(created_at__lte=before)
    return query.update(read_at=timezone.now())
