"""Exactly-once writes for requests that phones retry.

A write carries a client-generated key (`client_id` in the body or an `Idempotency-Key` header).
The first request stores its response under (user, scope, key) in the same transaction as the write;
a replay returns that response and creates nothing. Two copies arriving at once: the second blocks on
the unique index until the first commits, then replays it. A failed write stores nothing, so the
phone may correct and resend. The same key with a different body is refused (409).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from ninja import Status

from .errors import ApiError
from .models import IdempotencyRecord

HEADER = "HTTP_IDEMPOTENCY_KEY"


@dataclass
class IdempotentResult:
    status: int
    body: Any
    replayed: bool


def request_key(request: HttpRequest, client_id: Any = None) -> str:
    """The idempotency key of a request: the body's client_id, else the Idempotency-Key header."""
    key = str(client_id) if client_id else request.META.get(HEADER, "").strip()
    if not key:
        raise ApiError("idempotency_key_required", "缺少请求编号（client_id 或 Idempotency-Key 请求头）",
                       status=422, detail={"field": "client_id"})
    if len(key) > 100:
        raise ApiError("validation_error", "请求编号过长（最多 100 个字符）", status=422,
                       detail=[{"field": "client_id", "type": "string_too_long", "message": "内容过长"}])
    return key


def fingerprint(payload: Any) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str, ensure_ascii=False).encode()).hexdigest()


def run_once(*, user, scope: str, key: str, payload: Any, write: Callable[[], tuple[int, Any]]) -> IdempotentResult:
    """Run `write` (returning status and a JSON-able body) at most once per (user, scope, key)."""
    digest = fingerprint(payload)
    existing = IdempotencyRecord.objects.filter(user=user, scope=scope, key=key).first()
    if existing is not None:
        return _replay(existing, digest)
    try:
        with transaction.atomic():
            record = IdempotencyRecord.objects.create(user=user, scope=scope, key=key, request_hash=digest)
            status, body = write()
            record.status_code, record.response = status, body
            record.save(update_fields=["status_code", "response"])
    except IntegrityError:
        existing = IdempotencyRecord.objects.filter(user=user, scope=scope, key=key).first()
        if existing is None:
            raise
        return _replay(existing, digest)
    return IdempotentResult(status=status, body=body, replayed=False)


def _replay(record: IdempotencyRecord, digest: str) -> IdempotentResult:
    if record.request_hash != digest:
        raise ApiError("idempotency_conflict", "该请求编号已用于内容不同的请求", status=409,
                       detail={"key": record.key})
    return IdempotentResult(status=record.status_code, body=record.response, replayed=True)


def created_or_replayed(created: bool, body) -> Status:
    """201 for a new row, 200 for a replay that found the row an earlier copy created."""
    return Status(201 if created else 200, body)
