"""Exactly-once writes for requests that phones retry.

Two tools, one rule. `replay_or_create` (and `create_once`, its second half) is for rows that carry
the phone's `client_id` themselves (runs, step records, photos, reviews, reports, evidence …): the
unique constraint on the row is the guarantee, so a replay is safe even after idempotency records are
purged, and each item of a batch is deduplicated on its own. `run_once` is for writes without such a
row: it stores the first response.

For `run_once`: a write carries a client-generated key (`client_id` in the body or an `Idempotency-Key` header).
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
from typing import Any, TypeVar

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from ninja import Status

from .errors import ApiError
from .models import IdempotencyRecord

HEADER = "HTTP_IDEMPOTENCY_KEY"

Row = TypeVar("Row")


def create_once(create: Callable[[], Row], *, find: Callable[[], Row | None],
                check: Callable[[Row], None] | None = None,
                on_integrity_error: Callable[[], Exception] | None = None) -> tuple[Row, bool]:
    """`create()` in a savepoint. Two copies of one request racing each other meet the row's unique
    constraint: the loser's savepoint rolls back and `find()` gives it the winner's row (`created=False`,
    after `check(row)`, which raises when the client_id was used for another request). An IntegrityError
    with no row to find is another constraint: `on_integrity_error()` names it (else it propagates)."""
    try:
        with transaction.atomic():
            return create(), True
    except IntegrityError:
        existing = find()
        if existing is None:
            if on_integrity_error is not None:
                raise on_integrity_error() from None
            raise
        if check is not None:
            check(existing)
        return existing, False


def replay_or_create(*, client_id: str | None, find: Callable[[], Row | None], create: Callable[[], Row],
                     check: Callable[[Row], None] | None = None,
                     on_integrity_error: Callable[[], Exception] | None = None) -> tuple[Row, bool]:
    """The row this `client_id` already made (`created=False`), else `create_once(create)`.

    `find()` looks the row up by (user, client_id), `create()` validates and inserts. Without a client_id
    there is nothing to replay: the row is simply created. Writes that must lock a parent row and look
    again before creating (a copy that waited for the lock) call `find()` and `create_once` themselves."""
    if client_id:
        existing = find()
        if existing is not None:
            if check is not None:
                check(existing)
            return existing, False
        return create_once(create, find=find, check=check, on_integrity_error=on_integrity_error)
    with transaction.atomic():
        return create(), True


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
