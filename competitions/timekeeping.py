"""Start and stop of an entry's practical task (docs/SCORING.md "Timing"): by the chief judge or a timekeeper
of the event. Start and stop are append-only facts (`TimingRecord`, database triggers), once each per entry
(a unique constraint), idempotent by `client_id` (a replay answers the recorded fact); a second start with
another client_id is refused `409 timing_already_started`. The arithmetic is competitions/timing.py."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from miniprogram_api.errors import conflict, forbidden, not_found
from miniprogram_api.idempotency import replay_or_create

from . import board
from .models import Entry, Event, Timekeeper, TimingRecord
from .selectors import is_chief
from .services import audit
from .timing import figures


# --- permissions --------------------------------------------------------------------------------------
def is_timekeeper(user: User, event: Event) -> bool:
    return Timekeeper.objects.filter(event=event, user=user).exists() or is_chief(user, event)


def require_timekeeper(user: User, event: Event) -> None:
    if not is_timekeeper(user, event):
        raise forbidden("只有本项目的裁判长或计时员可以计时", code="not_timekeeper")


# --- start and stop -----------------------------------------------------------------------------------
def record(*, actor: User, entry_id: int, kind: str, client_id: str) -> tuple[dict, bool]:
    """Start or stop an entry's task now. A replay of the same client_id answers the recorded fact
    (created False); a second start (or stop) is refused 409; a stop before the start 409."""

    def find():
        return TimingRecord.objects.filter(actor=actor, client_id=client_id).select_related("entry__event").first()

    def check(found: TimingRecord) -> None:
        if found.entry_id != entry_id or found.kind != kind:
            raise conflict("client_id_reused", "该 client_id 已用于另一条计时记录")

    def create() -> TimingRecord:
        return _create(actor=actor, entry_id=entry_id, kind=kind, client_id=client_id)

    def duplicate() -> Exception:
        return _already(kind)

    row, created = replay_or_create(client_id=client_id, find=find, create=create, check=check,
                                    on_integrity_error=duplicate)
    return timing_out(row), created


def _already(kind: str) -> Exception:
    if kind == TimingRecord.Kind.START:
        return conflict("timing_already_started", "该选手的实操已开始计时，不能重复开始")
    return conflict("timing_already_stopped", "该选手的实操已停止计时")


@transaction.atomic
def _create(*, actor: User, entry_id: int, kind: str, client_id: str) -> TimingRecord:
    entry = Entry.objects.select_related("event__contest").filter(pk=entry_id).first()
    if entry is None:
        raise not_found("参赛选手")
    locked = board.lock(entry.event.contest_id)
    event = Event.objects.select_related("contest").get(pk=entry.event_id)
    require_timekeeper(actor, event)
    if not event.time_limit_minutes:
        raise conflict("timing_not_enabled", "该项目未设实操限时，无需计时")
    if event.state != Event.State.OPEN:
        raise conflict("event_not_open", "只有评分中的项目可以计时")
    if not entry.code:
        raise conflict("entry_not_drawn", "该选手尚未抽签")
    facts = dict(TimingRecord.objects.filter(entry=entry).values_list("kind", "at"))
    if kind in facts:
        raise _already(kind)
    if kind == TimingRecord.Kind.STOP and TimingRecord.Kind.START not in facts:
        raise conflict("timing_not_started", "该选手的实操尚未开始计时")
    try:
        with transaction.atomic():
            row = TimingRecord.objects.create(entry=entry, kind=kind, at=timezone.now(), actor=actor,
                                              client_id=client_id)
    except IntegrityError:
        raise _already(kind) from None
    audit(event=event, action="timing_" + kind, actor=actor, entry=entry, data={"at": row.at.isoformat()})
    board.advance(locked, [event.id])
    return row


def timing_out(row: TimingRecord) -> dict:
    entry = Entry.objects.select_related("event").get(pk=row.entry_id)
    facts = dict(TimingRecord.objects.filter(entry=entry).values_list("kind", "at"))
    return {"entry_id": entry.id, "code": entry.code, "kind": row.kind, "at": row.at.isoformat(),
            "client_id": row.client_id,
            "timing": figures(entry.event, facts.get("start"), facts.get("stop"))}
