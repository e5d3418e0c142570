"""Recheck before publication (复核), as Chinese contest rules require: after the lock, every entry in
the top 10 and at least 15 % of the others (rounded up) are drawn at random and recorded, and each drawn
entry must be confirmed by a second official before the event may be published (docs/SCORING.md,
ADR 0072).

The draw is reproducible as the expert roster's draws are (ADR 0031): the non-top entries are sorted by
sha256(seed + ":" + code) in hex, ascending, and the first ones are drawn; the seed and the ranked list
at the lock are stored, so anyone can re-run it (`verify`).

Who: the chief judge draws; the confirmer is an official other than the chief judge who locked the
event and other than the one who drew — the arbitration group (监督仲裁) or another chief judge of the
contest's unit (admins hold every role). This module depends on models, selectors and the board only;
services.publish_event calls `require_complete`."""

from __future__ import annotations

import hashlib
import math
import secrets
from collections.abc import Sequence
from decimal import Decimal

from django.db import transaction

from accounts.models import Role, User
from accounts.selectors import has_role
from miniprogram_api.errors import conflict, forbidden, not_found, unprocessable

from . import board
from .models import AuditLog, Entry, Event, RecheckConfirmation, RecheckDraw
from .selectors import can_see_jury, get_event, require_chief

TOP_N = 10
SHARE = Decimal("0.15")


def recheck_order(seed: str, codes: Sequence[str]) -> list[str]:
    """The documented order: sha256(f"{seed}:{code}") in hex, ascending (ties by code)."""
    return sorted(codes, key=lambda code: (hashlib.sha256(f"{seed}:{code}".encode()).hexdigest(), code))


def sample(candidates: list[dict], seed: str, top_n: int = TOP_N, share: Decimal = SHARE) -> list[dict]:
    """Every candidate ranked 1..top_n (ties at the edge included), then ceil(share × the rest) of the
    rest in recheck_order. Returns the drawn rows in rank order with `why` ("top" or "sampled")."""
    top = [c for c in candidates if c["rank"] is not None and c["rank"] <= top_n]
    rest = [c for c in candidates if c not in top]
    count = math.ceil(Decimal(len(rest)) * share)
    by_code = {c["code"]: c for c in rest}
    sampled = {code for code in recheck_order(seed, list(by_code))[:count]}
    drawn = [{**c, "why": "top"} for c in top] + [{**by_code[code], "why": "sampled"} for code in sorted(sampled)]
    return sorted(drawn, key=lambda c: (c["rank"] if c["rank"] is not None else 10**9, c["code"]))


def current_draw(event: Event) -> RecheckDraw | None:
    """The draw of the event's current lock (None when not locked or not drawn yet)."""
    if event.locked_at is None:
        return None
    return RecheckDraw.objects.filter(event=event, locked_at=event.locked_at).first()


def remaining(draw: RecheckDraw) -> list[dict]:
    confirmed = set(RecheckConfirmation.objects.filter(draw=draw).values_list("entry_id", flat=True))
    return [row for row in draw.drawn if row["entry_id"] not in confirmed]


def require_complete(event: Event) -> RecheckDraw:
    """The publication gate: 409 until the current lock's recheck is drawn and every drawn entry confirmed."""
    draw = current_draw(event)
    if draw is None:
        raise conflict("recheck_not_drawn", f"成绩公布前须先抽取复核名单（前 {TOP_N} 名全部复核，"
                       f"其余选手至少抽取 {int(SHARE * 100)}%）")
    left = remaining(draw)
    if left:
        raise conflict("recheck_incomplete", f"还有 {len(left)} 名选手的复核未经第二名工作人员确认，不能公布成绩",
                       detail={"remaining": len(left), "entries": [{"entry_id": r["entry_id"], "code": r["code"]}
                                                                   for r in left]})
    return draw


def _audit(event: Event, action: str, actor: User, entry: Entry | None = None, data: dict | None = None) -> None:
    AuditLog.objects.create(contest_id=event.contest_id, event=event, action=action, actor=actor, entry=entry,
                            data=data or {})


def _locked(event_id: int) -> Event:
    event = get_event(event_id)
    board.lock(event.contest_id)
    return Event.objects.select_related("contest__org_unit").get(pk=event.pk)  # fresh, under the lock


@transaction.atomic
def draw(*, actor: User, event_id: int, seed: str | None = None) -> RecheckDraw:
    event = _locked(event_id)
    require_chief(actor, event)
    if event.state != Event.State.LOCKED or event.locked_at is None:
        raise conflict("event_not_locked", "项目锁定后才能抽取复核名单")
    if current_draw(event) is not None:
        raise conflict("recheck_drawn", "本次锁定的复核名单已抽取，不能重新抽取")
    seed = (seed or "").strip() or secrets.token_hex(16)
    if len(seed) > 64:
        raise unprocessable("validation_error", "随机种子最多 64 个字符", detail={"field": "seed"})
    rows = board.compute_event(event)["jury_rows"]
    candidates = [{"entry_id": r["entry_id"], "code": r["code"], "rank": r["rank"], "total": r["total"]} for r in rows]
    drawn = sample(candidates, seed)
    made = RecheckDraw.objects.create(event=event, locked_at=event.locked_at, seed=seed, top_n=TOP_N, share=SHARE,
                                      candidates=candidates, drawn=drawn, drawn_by=actor)
    _audit(event, AuditLog.Action.RECHECK_DRAW, actor, data={
        "draw_id": made.id, "seed": seed, "algorithm": made.algorithm, "candidates": len(candidates),
        "drawn": [r["code"] for r in drawn]})
    return made


def is_recheck_official(user: User, event: Event) -> bool:
    return has_role(user, (Role.ARBITRATOR, Role.CHIEF_JUDGE), event.contest.org_unit)


@transaction.atomic
def confirm(*, actor: User, event_id: int, entry_id: int, note: str = "") -> tuple[RecheckConfirmation, bool]:
    """The second official confirms a drawn entry's result. Idempotent: a confirmed entry answers with
    its confirmation (created False)."""
    event = _locked(event_id)
    if not is_recheck_official(actor, event):
        raise forbidden("只有监督仲裁组或其他裁判长可以确认复核", code="not_recheck_official")
    made = current_draw(event)
    if made is None:
        raise conflict("recheck_not_drawn", "本项目当前没有待确认的复核名单")
    row = next((r for r in made.drawn if r["entry_id"] == entry_id), None)
    if row is None:
        raise not_found("复核名单中的选手")
    existing = RecheckConfirmation.objects.filter(draw=made, entry_id=entry_id).select_related("confirmed_by").first()
    if existing is not None:
        return existing, False
    locker = AuditLog.objects.filter(event=event, action=AuditLog.Action.LOCK).order_by("-id").values_list(
        "actor_id", flat=True).first()
    if actor.id in (locker, made.drawn_by_id):
        raise forbidden("复核须由锁定项目、抽取名单的裁判长以外的另一名工作人员确认", code="recheck_same_official")
    note = (note or "").strip()[:200]
    confirmation = RecheckConfirmation.objects.create(draw=made, entry_id=entry_id, total=row["total"] or "",
                                                      note=note, confirmed_by=actor)
    entry = Entry.objects.get(pk=entry_id)
    _audit(event, AuditLog.Action.RECHECK_CONFIRM, actor, entry=entry, data={
        "draw_id": made.id, "code": row["code"], "total": row["total"], "note": note,
        "remaining": len(remaining(made))})
    return confirmation, True


def verify(made: RecheckDraw) -> bool:
    """Re-run the draw from its stored seed and ranked list: does it give the stored list?"""
    again = sample(made.candidates, made.seed, made.top_n, made.share)
    return [r["entry_id"] for r in again] == [r["entry_id"] for r in made.drawn]


def recheck_out(event: Event, made: RecheckDraw | None) -> dict:
    confirmations = {c.entry_id: c for c in RecheckConfirmation.objects.filter(draw=made).select_related(
        "confirmed_by")} if made else {}
    entries = []
    for row in made.drawn if made else []:
        c = confirmations.get(row["entry_id"])
        entries.append({**row, "confirmed": c is not None,
                        "confirmed_by": {"id": c.confirmed_by_id, "name": c.confirmed_by.name} if c else None,
                        "confirmed_at": c.confirmed_at.isoformat() if c else None, "note": c.note if c else ""})
    return {
        "event_id": event.id, "state": event.state, "drawn": made is not None,
        "draw_id": made.id if made else None, "seed": made.seed if made else None,
        "algorithm": made.algorithm if made else None,
        "rule": f"前 {TOP_N} 名全部复核，其余选手按 sha256(随机种子:加密号) 升序抽取至少 {int(SHARE * 100)}%（向上取整）",
        "drawn_by": {"id": made.drawn_by_id, "name": made.drawn_by.name} if made else None,
        "drawn_at": made.created_at.isoformat() if made else None,
        "candidates": len(made.candidates) if made else 0,
        "reproduced": verify(made) if made else None,
        "entries": entries, "remaining": sum(1 for e in entries if not e["confirmed"]),
    }


def recheck_status(*, user: User, event_id: int) -> dict:
    """The current recheck of an event, for the jury (chief judge, arbitration, admin)."""
    event = get_event(event_id)
    if not can_see_jury(user, event.contest):
        raise forbidden("只有裁判长、监督仲裁和管理员可以查看", code="not_jury")
    made = current_draw(event)
    if made is None and event.state == Event.State.PUBLISHED:  # the draw the publication went through
        made = RecheckDraw.objects.filter(event=event).select_related("drawn_by").order_by("-id").first()
    return recheck_out(event, made)
