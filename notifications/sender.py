"""The outbox sender: delivers pending WeChat subscribe messages with retries and backoff.

Rows are claimed (state "sending" with a lease) in a short transaction using SKIP LOCKED, then sent
outside any transaction, so several senders can run side by side without sending a row twice and a
slow WeChat never holds database locks. A sender that dies mid-send leaves a lease that expires; the
row is then retried (at-least-once towards WeChat, which has no idempotency key of its own).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from wechat.client import WeChatClient, WeChatError, WeChatUnavailable
from wechat.errors import NOT_SUBSCRIBED

from .models import OutboxMessage

logger = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)
MAX_ATTEMPTS = 25  # about a day and a half of retries with the backoff below


def backoff(attempts: int) -> timedelta:
    """10 s, 20 s, 40 s … capped at an hour (the base is settings.OUTBOX_RETRY_BASE_SECONDS)."""
    return timedelta(seconds=min(settings.OUTBOX_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0), 3600))


def claim(limit: int = 50) -> list[OutboxMessage]:
    now = timezone.now()
    with transaction.atomic():
        rows = list(
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(Q(state=OutboxMessage.State.PENDING, next_attempt_at__lte=now)
                    | Q(state=OutboxMessage.State.SENDING, claimed_until__lt=now))
            .order_by("next_attempt_at", "id")[:limit]
        )
        ids = [row.pk for row in rows]
        OutboxMessage.objects.filter(pk__in=ids).update(state=OutboxMessage.State.SENDING,
                                                        claimed_until=now + LEASE)
    return rows


def send_due(limit: int = 50) -> dict[str, int]:
    """Send what is due now; returns counts by outcome."""
    counts = {"sent": 0, "not_subscribed": 0, "retry": 0, "failed": 0}
    rows = claim(limit)
    if not rows:
        return counts
    client = WeChatClient()
    for row in rows:
        outcome = _send_one(client, row)
        counts[outcome] += 1
    return counts


def _send_one(client: WeChatClient, row: OutboxMessage) -> str:
    now = timezone.now()
    try:
        msgid = client.send_subscribe_message(touser=row.openid, template_id=row.template_id, data=row.data,
                                              page=row.page)
    except WeChatUnavailable as exc:
        return _retry(row, now, exc.errcode, f"微信不可用：{exc.errmsg}")
    except WeChatError as exc:
        if exc.errcode == NOT_SUBSCRIBED:
            OutboxMessage.objects.filter(pk=row.pk).update(
                state=OutboxMessage.State.NOT_SUBSCRIBED, errcode=exc.errcode, attempts=row.attempts + 1,
                last_error="用户未订阅该消息", claimed_until=None)
            return "not_subscribed"
        return _retry(row, now, exc.errcode, f"微信错误 {exc.errcode}：{exc.errmsg}"[:200])
    except Exception as exc:  # a bug or an unexpected answer must not stop the other messages
        logger.exception("outbox %s: unexpected error", row.pk)
        return _retry(row, now, None, f"内部错误：{type(exc).__name__}")
    OutboxMessage.objects.filter(pk=row.pk).update(
        state=OutboxMessage.State.SENT, msgid=msgid, sent_at=now, attempts=row.attempts + 1, claimed_until=None,
        errcode=0, last_error="")
    return "sent"


def _retry(row: OutboxMessage, now, errcode, reason: str) -> str:
    attempts = row.attempts + 1
    failed = attempts >= MAX_ATTEMPTS
    OutboxMessage.objects.filter(pk=row.pk).update(
        state=OutboxMessage.State.FAILED if failed else OutboxMessage.State.PENDING,
        attempts=attempts, next_attempt_at=now + backoff(attempts), claimed_until=None, errcode=errcode,
        last_error=reason[:200])
    logger.warning("outbox %s: attempt %d failed (%s)%s", row.pk, attempts, errcode, " — giving up" if failed else "")
    return "failed" if failed else "retry"


def backlog() -> int:
    return OutboxMessage.objects.filter(state__in=[OutboxMessage.State.PENDING, OutboxMessage.State.SENDING]).count()
