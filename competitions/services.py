"""Every write of a contest. Each locks the contest's board row first (so changes of one contest are
serialised across processes), writes append-only facts, advances the board, and queues its news for
after the commit."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from miniprogram_api.errors import ApiError, conflict, forbidden, not_found, unprocessable
from miniprogram_api.idempotency import run_once
from miniprogram_api.realtime import publish_after_commit
from notifications.services import notify

from . import board, presenters, signals, teams, timing
from .models import (
    Appeal,
    Aspect,
    AuditLog,
    Contest,
    ContestBoard,
    Entry,
    Event,
    Mark,
    ModerationRequest,
    PanelMember,
    PublishedResult,
    Section,
    SheetSubmission,
    scheme_change_allowed,
)
from .recheck import require_complete as require_recheck_complete
from .selectors import (
    affiliation_sql,
    declared_avoidance,
    declares_avoidance,
    entries_members,
    recused_from,
    require_arbitrator,
    require_chief,
    seat_recused,
    studio_or_team_ids,
    team_members,
)
from .ws_schemas import JudgeServerMessage

RECUSED = "您需回避该选手（同一工作室或班组，或专家库登记的回避单位、回避人员），不能评分"
MIN_PANEL_FOR_JUDGEMENT = 3  # WorldSkills: judgement aspects need three or more judges


def audit(*, event: Event, action: str, actor: User, entry: Entry | None = None, aspect: Aspect | None = None,
          reason: str = "", data: dict | None = None) -> AuditLog:
    return AuditLog.objects.create(contest_id=event.contest_id, event=event, action=action, actor=actor,
                                   entry=entry, aspect=aspect, reason=reason, data=data or {})


def judge_news(message: dict) -> dict:
    """A channel-layer message for judges' consoles, its frame built through the published schema."""
    text = JudgeServerMessage.model_validate(message).model_dump_json(exclude_unset=True)  # no null `reason`
    return {"type": "judge.message", "text": text}


def notify_judges(event: Event, message: dict, judge_ids: list[int] | None = None) -> None:
    if judge_ids is None:
        judge_ids = list(PanelMember.objects.filter(event=event).values_list("judge_id", flat=True))
    news = judge_news(message)
    for judge_id in judge_ids:
        publish_after_commit(board.judge_group(judge_id), news)


def _locked_event(event_id: int) -> tuple[Event, ContestBoard]:
    """Lock the event's contest board, then read the event fresh (its state may just have changed)."""
    contest_id = Event.objects.filter(pk=event_id).values_list("contest_id", flat=True).first()
    if contest_id is None:
        raise not_found("比赛项目")
    locked = board.lock(contest_id)
    return Event.objects.select_related("contest__org_unit").get(pk=event_id), locked


def _reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise unprocessable("reason_required", "请填写原因", detail={"field": "reason"})
    return reason


# --- setting up ------------------------------------------------------------------------------------
def scheme_problems(event: Event) -> list[str]:
    """What stops the event from opening: weights not summing to 100, empty sections, aspects whose
    max marks do not add up to their section's weight, a panel too small."""
    problems = []
    sections = list(Section.objects.filter(event=event).prefetch_related("aspects"))
    if not sections:
        return ["项目还没有评分模块"]
    total = sum((s.weight for s in sections), Decimal(0))
    if total != Decimal(100):
        problems.append(f"各模块权重之和应为 100，现为 {total}")
    has_judgement = False
    for section in sections:
        aspects = list(section.aspects.all())
        if not aspects:
            problems.append(f"模块“{section.name}”没有评分项")
            continue
        marks = sum((a.max_mark for a in aspects), Decimal(0))
        if marks != section.weight:
            problems.append(f"模块“{section.name}”各评分项满分之和应为 {section.weight}，现为 {marks}")
        has_judgement = has_judgement or any(a.kind == Aspect.Kind.JUDGEMENT for a in aspects)
    judges = PanelMember.objects.filter(event=event, is_chief=False).count()
    if event.kind == "theory":  # issue 17: a theory event is scored from its exam, not by a panel
        pass
    elif judges == 0:
        problems.append("裁判组还没有裁判")
    elif has_judgement and judges < MIN_PANEL_FOR_JUDGEMENT:
        problems.append(f"有评判项的项目至少需要 {MIN_PANEL_FOR_JUDGEMENT} 名裁判，现有 {judges} 名")
    if not Entry.objects.filter(event=event).exists():
        problems.append("项目还没有参赛选手")
    problems += teams.team_problems(event)  # issue 17: team sizes
    return problems


def add_entry(*, event: Event, contestant: User, org_unit=None) -> Entry:
    entry, _ = Entry.objects.get_or_create(event=event, contestant=contestant,
                                           defaults={"org_unit": org_unit or contestant.primary_org_unit})
    return entry


def _draw(event: Event, rng: random.Random | None = None) -> list[Entry]:
    """抽签: a random, unpredictable code for every entry that has none yet."""
    rng = rng or random.SystemRandom()
    entries = list(Entry.objects.filter(event=event).order_by("id"))
    used = {e.code for e in entries if e.code}
    undrawn = [e for e in entries if not e.code]
    if not undrawn:
        return []
    free = [f"{event.code_prefix}{n:02d}" for n in range(1, len(entries) + 1)]
    free = [code for code in free if code not in used]
    while len(free) < len(undrawn):
        free.append(f"{event.code_prefix}{len(entries) + len(free) + 1:02d}")
    rng.shuffle(free)
    now = timezone.now()
    for entry, code in zip(undrawn, free, strict=False):
        entry.code, entry.drawn_at = code, now
        entry.save(update_fields=["code", "drawn_at"])
    return undrawn


@transaction.atomic
def draw_codes(*, actor: User, event_id: int, rng: random.Random | None = None) -> list[Entry]:
    event, locked = _locked_event(event_id)
    require_chief(actor, event)
    if event.state in (Event.State.LOCKED, Event.State.PUBLISHED):
        raise conflict("event_locked", "项目已锁定，不能再抽签")
    drawn = _draw(event, rng)
    if drawn:
        audit(event=event, action=AuditLog.Action.DRAW, actor=actor, data={"entries": len(drawn)})
        if event.state != Event.State.DRAFT:
            board.advance(locked, [event.id])
    return drawn


@transaction.atomic
def open_event(*, actor: User, event_id: int, rng: random.Random | None = None) -> Event:
    event, locked = _locked_event(event_id)
    require_chief(actor, event)
    if event.state != Event.State.DRAFT:
        raise conflict("event_not_draft", "项目已开始评分")
    problems = scheme_problems(event)
    if problems:
        raise unprocessable("scheme_invalid", "评分方案不完整：" + "；".join(problems), detail={"problems": problems})
    _draw(event, rng)
    event.state = Event.State.OPEN
    event.save(update_fields=["state"])
    audit(event=event, action=AuditLog.Action.OPEN, actor=actor)
    board.advance(locked, [event.id])
    notify_judges(event, {"type": "event_state", "event_id": event.id, "state": event.state})
    return event


# --- the frozen scheme ---------------------------------------------------------------------------------
@dataclass
class SchemeChange:
    """What the chief judge changes after the event opened (None: unchanged)."""
    aggregation: str | None = None
    trim_k: int | None = None
    tolerance: Decimal | None = None
    tie_break_by_sections: bool | None = None
    section_weights: dict[int, Decimal] = field(default_factory=dict)
    aspect_max_marks: dict[int, Decimal] = field(default_factory=dict)
    aspect_scales: dict[int, int] = field(default_factory=dict)


def _shown(value) -> Any:
    return str(value) if isinstance(value, Decimal) else value


def _bad_field(field_name: str, message: str) -> ApiError:
    return unprocessable("validation_error", message, detail={"field": field_name})


@transaction.atomic
def change_scheme(*, actor: User, event_id: int, reason: str, change: SchemeChange) -> dict:
    """The scheme of an opened event changes only here: by the chief judge, with a reason, checked as
    at opening, written to the audit log and to the event's `scheme_changes` (the jury board shows
    them). Never after publication; in draft the organiser edits the scheme in the admin."""
    event, locked = _locked_event(event_id)
    require_chief(actor, event)
    reason = _reason(reason)
    if event.state == Event.State.PUBLISHED:
        raise conflict("scheme_frozen", "成绩已公布，评分方案不能再修改")
    if event.state == Event.State.DRAFT:
        raise conflict("event_not_open", "项目尚未开始评分，请在管理后台编辑评分方案")
    changes: list[dict] = []

    def record(what: str, old, new) -> None:
        if old != new:
            changes.append({"what": what, "old": _shown(old), "new": _shown(new)})

    if change.aggregation is not None and change.aggregation not in Event.Aggregation.values:
        raise _bad_field("aggregation", "汇总方式应为 mean 或 trimmed")
    if change.trim_k is not None and not 0 <= change.trim_k <= 5:
        raise _bad_field("trim_k", "去掉最高、最低的个数应为 0–5")
    if change.tolerance is not None and not Decimal(0) <= change.tolerance <= Decimal(3):
        raise _bad_field("tolerance", "分差容限应为 0–3（按 0–3 分制）")
    sections = {s.id: s for s in Section.objects.filter(event=event)}
    aspects = {a.id: a for a in Aspect.objects.filter(section__event=event)}
    if set(change.section_weights) - set(sections):
        raise _bad_field("sections", "模块不属于该项目")
    if (set(change.aspect_max_marks) | set(change.aspect_scales)) - set(aspects):
        raise _bad_field("aspects", "评分项不属于该项目")
    with scheme_change_allowed():
        for name in ("aggregation", "trim_k", "tolerance", "tie_break_by_sections"):
            new = getattr(change, name)
            if new is not None:
                record(f"event.{name}", getattr(event, name), new)
                setattr(event, name, new)
        event.save(update_fields=["aggregation", "trim_k", "tolerance", "tie_break_by_sections"])
        for sid, weight in change.section_weights.items():
            section = sections[sid]
            if not Decimal(0) <= weight <= Decimal(100) or weight != weight.quantize(Decimal("0.01")):
                raise _bad_field("sections", "权重应为 0–100，最多两位小数")
            record(f"section:{sid}.weight", section.weight, weight)
            section.weight = weight
            section.save(update_fields=["weight"])
        for aid in sorted(set(change.aspect_max_marks) | set(change.aspect_scales)):
            aspect = aspects[aid]
            if aid in change.aspect_max_marks:
                value = change.aspect_max_marks[aid]
                if value <= 0 or value != value.quantize(Decimal("0.01")):
                    raise _bad_field("aspects", "满分应大于 0，最多两位小数")
                record(f"aspect:{aid}.max_mark", aspect.max_mark, value)
                aspect.max_mark = value
            if aid in change.aspect_scales:
                scale = change.aspect_scales[aid]
                if aspect.kind != Aspect.Kind.JUDGEMENT or not 1 <= scale <= 100:
                    raise _bad_field("aspects", "只有评判项有分制上限，应为 1–100")
                record(f"aspect:{aid}.scale_max", aspect.scale_max, scale)
                aspect.scale_max = scale
            aspect.save(update_fields=["max_mark", "scale_max"])
        problems = scheme_problems(event)
        out_of_range = [a.name for a in aspects.values() if Mark.objects.filter(aspect=a).filter(
            Q(value__gt=a.max_mark) if a.kind == Aspect.Kind.MEASUREMENT else Q(value__gt=a.scale_max)).exists()]
        if out_of_range:
            problems.append("已有评分超出新的满分或分制：" + "、".join(out_of_range))
        if problems:
            raise unprocessable("scheme_invalid", "评分方案不完整：" + "；".join(problems), detail={"problems": problems})
        if not changes:
            raise unprocessable("no_change", "没有任何改动")
        now = timezone.now()
        entry = {"at": now.isoformat(), "actor": {"id": actor.id, "name": actor.name}, "reason": reason,
                 "state": event.state, "changes": changes}
        event.scheme_changes = [*event.scheme_changes, entry]
        event.save(update_fields=["scheme_changes"])
    logged = audit(event=event, action=AuditLog.Action.SCHEME_CHANGE, actor=actor, reason=reason,
                   data={"changes": changes})
    seq = board.advance(locked, [event.id])
    notify_judges(event, {"type": "scheme_change", "event_id": event.id, "reason": reason, "changes": changes})
    return {"event_id": event.id, "audit_id": logged.id, "changes": changes, "seq": seq}


# --- marks ----------------------------------------------------------------------------------------
@dataclass
class MarkItem:
    client_id: str
    entry_id: int
    aspect_id: int
    value: Decimal
    kind: str | None = None


@dataclass
class MarkBatch:
    results: list[dict] = field(default_factory=list)
    seq: dict[int, int] = field(default_factory=dict)

    @property
    def accepted(self) -> bool:
        return any(r["status"] in (200, 201) for r in self.results)


class Refusal(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(code)
        self.status, self.code, self.message = status, code, message


def check_value(aspect: Aspect, value: Decimal) -> None:
    """Measurement: 0..max_mark with at most 2 decimals. Judgement: an integer 0..scale_max."""
    try:
        if not value.is_finite():
            raise Refusal(422, "mark_invalid", "分值不是有效数字")
        # An int for a finite value (only NaN, sNaN and Infinity have 'n', 'N', 'F').
        exponent = cast(int, value.normalize().as_tuple().exponent)
    except InvalidOperation:
        raise Refusal(422, "mark_invalid", "分值不是有效数字") from None
    if aspect.kind == Aspect.Kind.JUDGEMENT:
        if value != value.to_integral_value():
            raise Refusal(422, "mark_not_integer", f"评判项“{aspect.name}”只能打 0–{aspect.scale_max} 的整数分")
        if not 0 <= value <= aspect.scale_max:
            raise out_of_range(aspect, Decimal(aspect.scale_max))
    else:
        if exponent < -2:
            raise Refusal(422, "mark_precision", f"测量项“{aspect.name}”的分值最多两位小数")
        if not 0 <= value <= aspect.max_mark:
            raise out_of_range(aspect, Decimal(aspect.max_mark))


def plain_number(value: Decimal) -> str:
    """10, 2.5, 0.75: no exponent, no trailing zeros (the way a judge writes a mark)."""
    text = format(value.normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def out_of_range(aspect: Aspect, upper: Decimal) -> Refusal:
    """One text for every aspect kind: what the judge sees is "分值应在 0–N 之间", N written plainly."""
    label = "评判项" if aspect.kind == Aspect.Kind.JUDGEMENT else "测量项"
    return Refusal(422, "mark_out_of_range", f"{label}“{aspect.name}”的分值应在 0–{plain_number(upper)} 之间")


def two_places(value: Decimal) -> str:
    return str(Decimal(value).quantize(Decimal("0.01")))


def mark_out(mark: Mark, submitted: bool) -> dict:
    return {"id": mark.id, "entry_id": mark.entry_id, "aspect_id": mark.aspect_id, "value": two_places(mark.value),
            "revision": mark.revision, "source": mark.source, "submitted": submitted,
            "created_at": mark.created_at.isoformat()}


def _same(mark: Mark, item: MarkItem) -> bool:
    return mark.entry_id == item.entry_id and mark.aspect_id == item.aspect_id and mark.value == item.value


def record_marks(*, judge: User, items: list[MarkItem]) -> MarkBatch:
    """A judge's batch of marks: each is created, replayed (same client_id, same mark) or refused with
    its own code; the accepted ones move the board once per contest.

    A fixed number of queries whatever the size of the contest (12 for one mark, counting the token and
    BEGIN/COMMIT; one more each when the entry has a submitted sheet or an open re-mark request:
    tests/competitions/test_judging.py): the rows it needs are read once, after the board lock, and
    only the marked entries' rows are recomputed (board.recompute_entries)."""
    try:
        return _record_marks(judge=judge, items=items)
    except IntegrityError:
        # Only a race the board lock does not cover can get here (one client_id sent to two contests at
        # once): the whole batch is refused and nothing of it is written.
        raise conflict("mark_conflict", "评分冲突，请重试") from None


@transaction.atomic
def _record_marks(*, judge: User, items: list[MarkItem]) -> MarkBatch:
    entry_rows = {e.id: e for e in Entry.objects.filter(id__in=[i.entry_id for i in items])
                  .select_related("org_unit", "event", "contestant")
                  .annotate(affiliation=affiliation_sql("org_unit__path"))}
    event_ids = {e.event_id for e in entry_rows.values()}
    wanted_aspects = {i.aspect_id for i in items}
    aspects: dict[int, Aspect] = {}
    scheme: dict[int, list[dict]] = {}  # every aspect of the marked events, in board order
    for candidate in (Aspect.objects.filter(Q(id__in=wanted_aspects) | Q(section__event_id__in=event_ids))
                      .select_related("section").order_by("section__order", "section_id", "order", "id")):
        if candidate.id in wanted_aspects:
            aspects[candidate.id] = candidate
        if candidate.section.event_id in event_ids:
            scheme.setdefault(candidate.section.event_id, []).append(board_aspect(candidate))
    contest_ids = sorted({e.event.contest_id for e in entry_rows.values()})
    locked = {cid: board.lock(cid) for cid in contest_ids}  # always in the same order
    # Read after the lock: states, panels, marks, sheets and requests are current.
    contest_events: dict[int, list[Event]] = {}
    events: dict[int, Event] = {}
    for event in Event.objects.filter(contest_id__in=contest_ids).select_related("contest"):
        contest_events.setdefault(event.contest_id, []).append(event)
        events[event.id] = event
    members: dict[int, Any] = {}  # PanelMember rows annotated with the judge's affiliation
    panels: dict[int, list[board.PanelSeat]] = {}
    seats = list(PanelMember.objects.filter(event_id__in=event_ids).annotate(
        affiliation=affiliation_sql("judge__primary_org_unit__path"), avoids=declares_avoidance("judge_id")))
    # The roster's avoidance lists, read only when a judge of these panels has declared any (one query).
    declared = declared_avoidance({s.judge_id for s in seats if s.avoids}) if any(s.avoids for s in seats) else {}
    for seat in seats:
        if seat.judge_id == judge.id:
            members[seat.event_id] = seat
        if not seat.is_chief:
            panels.setdefault(seat.event_id, []).append((seat.judge_id, seat.affiliation, declared.get(seat.judge_id)))
    # A team's members, read only when a judge of these panels avoids a person (one query).
    in_teams = team_members([e.id for e in entry_rows.values() if e.team_name], declared.values())
    board_rows = {entry_id: board_entry(entry, in_teams) for entry_id, entry in entry_rows.items()}
    touched = list(entry_rows)
    client_ids = [i.client_id for i in items]
    kinds = {a["id"]: a["kind"] for rows in scheme.values() for a in rows}
    latest = board.Marks(kinds=kinds)
    existing: dict[str, Mark] = {}
    revisions: dict[tuple[int, int], int] = {}
    for stored_mark in (Mark.objects.annotate(is_latest=board.latest_revision())
                        .filter(Q(judge=judge, client_id__in=client_ids) | Q(entry_id__in=touched, is_latest=True))):
        if stored_mark.judge_id == judge.id and stored_mark.client_id in client_ids:
            existing[stored_mark.client_id] = stored_mark
        if stored_mark.is_latest and stored_mark.entry_id in entry_rows:
            latest.add(stored_mark.id, stored_mark.judge_id, stored_mark.entry_id, stored_mark.aspect_id,
                       stored_mark.value)
            if stored_mark.judge_id == judge.id:
                revisions[(stored_mark.entry_id, stored_mark.aspect_id)] = stored_mark.revision
    # The board as of the last change says which of these entries have submitted sheets or open re-mark
    # requests (every service that adds either advances the board): only those are read.
    stored = {row["entry_id"]: row for locked_board in locked.values()
              for event_state in (locked_board.state or {}).get("events", {}).values()
              for row in event_state["jury_rows"]}
    known = all(entry_id in stored for entry_id in touched)
    sheets: dict[int, set[int]] = {}
    if not known or any(stored[entry_id]["submitted"] for entry_id in touched):
        for entry_id, judge_id in (SheetSubmission.objects.filter(entry_id__in=touched)
                                   .values_list("entry_id", "judge_id")):
            sheets.setdefault(entry_id, set()).add(judge_id)
    submitted = {entry_id for entry_id, judges in sheets.items() if judge.id in judges}
    requests: dict[tuple[int, int], ModerationRequest] = {}
    remarks: dict[int, dict[int, list[int]]] = {}  # event → entry → aspects with an open request
    if not known or any(stored[entry_id]["remarks"] for entry_id in touched):
        for req in ModerationRequest.objects.filter(entry_id__in=touched, status=ModerationRequest.Status.OPEN):
            remarks.setdefault(req.event_id, {}).setdefault(req.entry_id, []).append(req.aspect_id)
            if judge.id in req.judges:
                requests[(req.entry_id, req.aspect_id)] = req
    batch = MarkBatch()
    moved: dict[int, dict[int, set[int]]] = {}  # contest → event → entries
    touched_requests: dict[int, ModerationRequest] = {}
    acks = []
    for item in items:
        try:
            prior = existing.get(item.client_id)
            if prior is not None:
                if not _same(prior, item):
                    raise Refusal(409, "idempotency_conflict", "该评分编号已用于内容不同的评分")
                result: dict[str, Any] = {"client_id": item.client_id, "status": 200, "replayed": True,
                                          "mark": mark_out(prior, prior.entry_id in submitted)}
                batch.results.append(result)
                acks.append({**result["mark"], "client_id": item.client_id, "replayed": True})
                continue
            entry, aspect = entry_rows.get(item.entry_id), aspects.get(item.aspect_id)
            if entry is None:
                raise Refusal(404, "entry_not_found", "参赛选手不存在")
            if aspect is None:
                raise Refusal(404, "aspect_not_found", "评分项不存在")
            if aspect.section.event_id != entry.event_id:
                raise Refusal(422, "aspect_not_in_event", "该评分项不属于这名选手的比赛项目")
            if item.kind and item.kind != aspect.kind:
                raise Refusal(422, "wrong_aspect_kind", f"评分项“{aspect.name}”是{aspect.get_kind_display()}项")
            event = events[entry.event_id]
            member = members.get(event.id)
            if member is None or member.is_chief:
                raise Refusal(403, "not_on_panel", "您不是该项目的评分裁判")
            if seat_recused(member.affiliation, declared.get(judge.id), board_rows[entry.id]):
                raise Refusal(403, "recused", RECUSED)
            request = requests.get((entry.id, aspect.id))
            if request is None:
                if event.state == Event.State.DRAFT:
                    raise Refusal(409, "event_not_open", "项目尚未开始评分")
                if event.state != Event.State.OPEN:
                    raise Refusal(409, "event_locked", "项目成绩已锁定，不能再评分")
                if entry.id in submitted:
                    raise Refusal(409, "sheet_submitted", "该选手的评分表已提交，如需更改请联系裁判长")
            check_value(aspect, item.value)
            revision = revisions.get((entry.id, aspect.id), 0) + 1
            # No savepoint: under the board lock nobody else writes this judge's marks of this contest.
            mark = Mark.objects.create(
                event_id=event.id, entry=entry, aspect=aspect, judge=judge, value=item.value,
                revision=revision, client_id=item.client_id, actor=judge,
                source=Mark.Source.REMARK if request else Mark.Source.JUDGE, request=request,
                reason=request.reason if request else "")
            revisions[(entry.id, aspect.id)] = revision
            latest.add(mark.id, judge.id, entry.id, aspect.id, mark.value)
            existing[item.client_id] = mark
            moved.setdefault(event.contest_id, {}).setdefault(event.id, set()).add(entry.id)
            if request:
                touched_requests[request.id] = request
            result = {"client_id": item.client_id, "status": 201, "replayed": False,
                      "mark": mark_out(mark, entry.id in submitted)}
            batch.results.append(result)
            acks.append({**result["mark"], "client_id": item.client_id, "replayed": False})
        except Refusal as refusal:
            batch.results.append({"client_id": item.client_id, "status": refusal.status, "code": refusal.code,
                                  "message": refusal.message})
    for request in touched_requests.values():
        if _maybe_resolve(request, judge):
            remarks[request.event_id][request.entry_id].remove(request.aspect_id)
    for contest_id, by_event in moved.items():
        state = (locked[contest_id].state or {}).get("events", {})
        computed = {}
        for event_id, entry_ids in by_event.items():
            recomputed = board.recompute_entries(
                events[event_id], state.get(str(event_id)), aspects=scheme.get(event_id, []),
                entries=[board_rows[e] for e in entry_ids], panel=panels.get(event_id, []),
                marks=latest, remarks=remarks.get(event_id, {}), submitted=sheets)
            if recomputed is not None:
                computed[event_id] = recomputed
        batch.seq[contest_id] = board.advance(locked[contest_id], by_event, events=contest_events[contest_id],
                                              computed=computed)
    for request in touched_requests.values():  # the last re-mark after publication: a new version
        if request.status == ModerationRequest.Status.RESOLVED and events[request.event_id].state == \
                Event.State.PUBLISHED:
            republish_if_changed(event=events[request.event_id], locked=locked[events[request.event_id].contest_id],
                                 actor=judge, reason=request.reason, appeal=request.appeal)
    if acks:
        publish_after_commit(board.judge_group(judge.id), judge_news({"type": "ack", "marks": acks}))
    return batch


def board_aspect(aspect: Aspect) -> dict:
    """An aspect as the board reads it (board.ASPECT_FIELDS)."""
    return {"id": aspect.id, "name": aspect.name, "kind": aspect.kind, "max_mark": aspect.max_mark,
            "scale_max": aspect.scale_max, "section_id": aspect.section_id, "section__name": aspect.section.name,
            "section__weight": aspect.section.weight, "section__event_id": aspect.section.event_id}


def board_entry(entry: Entry, in_teams: dict[int, frozenset[int]]) -> dict:
    """An entry (annotated with `affiliation`) as the board reads it (board.entry_key); `in_teams`: the
    `team_members` read for recusal."""
    unit = entry.org_unit
    return {"id": entry.id, "code": entry.code,
            "name": entry.contestant.display_name or entry.contestant.username,
            "unit": unit.name if unit is not None else "", "affiliation": getattr(entry, "affiliation", None),
            "unit_path": unit.path if unit is not None else None, "contestant_id": entry.contestant_id,
            "member_ids": in_teams.get(entry.id, frozenset()), **_board_entry_extra(entry)}


def _board_entry_extra(entry: Entry) -> dict:
    """Teams and rounds (issue 17): a team is named by the team and its members; a later round's carry."""
    extra: dict = {"carried_total": entry.carried_total}
    if entry.team_name:
        extra["name"] = teams.team_label(entry.team_name, entry.team_members)
    return extra


def _maybe_resolve(request: ModerationRequest, actor: User) -> bool:
    """A re-mark is done when every judge asked has added a mark for it (one mark for a measurement).
    True when this resolved it."""
    done = set(Mark.objects.filter(request=request).values_list("judge_id", flat=True))
    measurement = request.aspect.kind == Aspect.Kind.MEASUREMENT
    if (measurement and done) or (not measurement and set(request.judges) <= done):
        request.status, request.resolved_at = ModerationRequest.Status.RESOLVED, timezone.now()
        request.save(update_fields=["status", "resolved_at"])
        audit(event=request.event, action=AuditLog.Action.REMARK_DONE, actor=actor, entry=request.entry,
              aspect=request.aspect, reason=request.reason, data={"request_id": request.id})
        return True
    return False


@transaction.atomic
def submit_sheet(*, judge: User, entry_id: int) -> tuple[SheetSubmission, bool]:
    """My sheet for this entry is final. Submitting again returns the first submission."""
    entry = Entry.objects.select_related("org_unit").filter(pk=entry_id).first()
    if entry is None:
        raise not_found("参赛选手", code="entry_not_found")
    event, locked = _locked_event(entry.event_id)
    member = PanelMember.objects.filter(event=event, judge=judge, is_chief=False).first()
    if member is None:
        raise forbidden("您不是该项目的评分裁判", code="not_on_panel")
    declared = declared_avoidance([judge.pk])
    if recused_from(judge, entry, studio_or_team_ids(), declared, entries_members([entry], declared)):
        raise forbidden(RECUSED, code="recused")
    done = SheetSubmission.objects.filter(entry=entry, judge=judge).first()
    if done is not None:
        return done, False
    if event.state != Event.State.OPEN:
        raise conflict("event_locked" if event.state != Event.State.DRAFT else "event_not_open",
                       "项目当前不能提交评分表")
    judgement = set(Aspect.objects.filter(section__event=event, kind=Aspect.Kind.JUDGEMENT)
                    .values_list("id", flat=True))
    marked = set(Mark.objects.filter(entry=entry, judge=judge).values_list("aspect_id", flat=True))
    missing = sorted(judgement - marked)
    if missing:
        raise conflict("sheet_incomplete", f"还有 {len(missing)} 个评判项未评分", detail={"aspect_ids": missing})
    submission = SheetSubmission.objects.create(entry=entry, judge=judge)
    board.advance(locked, [event.id])
    return submission, True


def override_mark(*, actor: User, client_id: str, judge_id: int | None, entry_id: int, aspect_id: int,
                  value: Decimal, reason: str) -> dict:
    """The chief judge changes a mark after the sheet is final: a new revision with actor and reason,
    logged; the old marks stay."""
    payload = {"judge_id": judge_id, "entry_id": entry_id, "aspect_id": aspect_id, "value": str(value),
               "reason": reason}

    def write():
        return 201, _override(actor=actor, client_id=client_id, judge_id=judge_id, entry_id=entry_id,
                              aspect_id=aspect_id, value=value, reason=reason)

    result = run_once(user=actor, scope="competitions.override", key=client_id, payload=payload, write=write)
    return {**result.body, "replayed": result.replayed}


def _override(*, actor, client_id, judge_id, entry_id, aspect_id, value, reason) -> dict:
    reason = _reason(reason)
    entry = Entry.objects.select_related("org_unit").filter(pk=entry_id).first()
    aspect = Aspect.objects.select_related("section").filter(pk=aspect_id).first()
    if entry is None or aspect is None:
        raise not_found("选手或评分项")
    if aspect.section.event_id != entry.event_id:
        raise unprocessable("aspect_not_in_event", "该评分项不属于这名选手的比赛项目")
    event, locked = _locked_event(entry.event_id)
    require_chief(actor, event)
    if event.state == Event.State.PUBLISHED:
        raise conflict("event_published", "成绩已公布，更改须经申诉复评")
    if event.state == Event.State.DRAFT:
        raise conflict("event_not_open", "项目尚未开始评分")
    if aspect.kind == Aspect.Kind.JUDGEMENT or judge_id is not None:
        member = PanelMember.objects.filter(event=event, judge_id=judge_id, is_chief=False).select_related(
            "judge__primary_org_unit").first()
        if member is None:
            raise unprocessable("judge_not_on_panel", "请指定本项目裁判组中的一名裁判")
        declared = declared_avoidance([member.judge_id])
        if recused_from(member.judge, entry, studio_or_team_ids(), declared, entries_members([entry], declared)):
            raise unprocessable("recused", "该裁判对此选手需回避")
        target = member.judge
    else:
        target = actor
    try:
        check_value(aspect, value)
    except Refusal as refusal:
        raise ApiError(refusal.code, refusal.message, status=refusal.status) from None
    previous = Mark.objects.filter(judge=target, entry=entry, aspect=aspect).order_by("-revision").first()
    mark = Mark.objects.create(event=event, entry=entry, aspect=aspect, judge=target, value=value,
                               revision=(previous.revision if previous else 0) + 1, client_id=client_id,
                               source=Mark.Source.OVERRIDE, actor=actor, reason=reason)
    audit(event=event, action=AuditLog.Action.OVERRIDE, actor=actor, entry=entry, aspect=aspect, reason=reason,
          data={"mark_id": mark.id, "judge_id": target.id, "old": two_places(previous.value) if previous else None,
                "new": two_places(value), "revision": mark.revision})
    seq = board.advance(locked, [event.id])
    if target.id != actor.id:
        notify_judges(event, {"type": "override", "event_id": event.id, "entry_id": entry.id, "code": entry.code,
                              "aspect_id": aspect.id, "value": str(value), "revision": mark.revision,
                              "reason": reason}, [target.id])
    return {"mark": mark_out(mark, True), "seq": seq}


# --- moderation and the chief judge's actions -----------------------------------------------------
def _create_remark(*, event: Event, entry: Entry, aspect: Aspect, reason: str, actor: User,
                   judge_ids: list[int] | None, source: str, appeal: Appeal | None = None) -> ModerationRequest:
    panel = list(PanelMember.objects.filter(event=event, is_chief=False).select_related("judge__primary_org_unit"))
    st, declared = studio_or_team_ids(), declared_avoidance([m.judge_id for m in panel])
    in_teams = entries_members([entry], declared)
    eligible = [m.judge_id for m in panel if not recused_from(m.judge, entry, st, declared, in_teams)]
    if judge_ids:
        wrong = sorted(set(judge_ids) - set(eligible))
        if wrong:
            raise unprocessable("judge_not_on_panel", "所选裁判不在本项目裁判组或需回避", detail={"judge_ids": wrong})
        judges = sorted(set(judge_ids))
    else:
        judges = eligible
    if ModerationRequest.objects.filter(entry=entry, aspect=aspect, status=ModerationRequest.Status.OPEN).exists():
        raise conflict("remark_pending", "该评分项已有待完成的复评")
    request = ModerationRequest.objects.create(event=event, entry=entry, aspect=aspect, judges=judges,
                                               source=source, appeal=appeal, reason=reason, requested_by=actor)
    audit(event=event, action=AuditLog.Action.MODERATION, actor=actor, entry=entry, aspect=aspect, reason=reason,
          data={"request_id": request.id, "judges": judges, "source": source,
                "appeal_id": appeal.id if appeal else None})
    notify_judges(event, {"type": "moderation", "request_id": request.id, "event_id": event.id,
                          "entry_id": entry.id, "code": entry.code, "aspect_id": aspect.id,
                          "aspect": aspect.name, "reason": reason, "source": source}, judges)
    return request


@transaction.atomic
def request_remark(*, actor: User, event_id: int, entry_id: int, aspect_id: int, reason: str,
                   judge_ids: list[int] | None = None) -> ModerationRequest:
    """Resolve a flagged aspect by asking judges to mark it again (their new marks are new revisions)."""
    reason = _reason(reason)
    event, locked = _locked_event(event_id)
    require_chief(actor, event)
    if event.state != Event.State.OPEN:
        raise conflict("event_locked", "只能在评分中发起复评；已锁定的项目请先解锁")
    entry = Entry.objects.select_related("org_unit").filter(pk=entry_id, event=event).first()
    aspect = Aspect.objects.filter(pk=aspect_id, section__event=event).first()
    if entry is None or aspect is None:
        raise not_found("选手或评分项")
    request = _create_remark(event=event, entry=entry, aspect=aspect, reason=reason, actor=actor,
                             judge_ids=judge_ids, source=ModerationRequest.Source.MODERATION)
    board.advance(locked, [event.id])
    return request


def lock_problems(event: Event) -> dict:
    """What is missing before the event may be locked: sheets, measurement marks, open re-marks."""
    entries = list(Entry.objects.filter(event=event).select_related("org_unit"))
    panel = list(PanelMember.objects.filter(event=event, is_chief=False).select_related("judge__primary_org_unit"))
    st, declared = studio_or_team_ids(), declared_avoidance([m.judge_id for m in panel])
    in_teams = entries_members(entries, declared)
    submitted = set(SheetSubmission.objects.filter(entry__event=event).values_list("entry_id", "judge_id"))
    measurement = list(Aspect.objects.filter(section__event=event, kind=Aspect.Kind.MEASUREMENT)
                       .values_list("id", flat=True))
    measured = set(Mark.objects.filter(event=event, aspect_id__in=measurement).values_list("entry_id", "aspect_id"))
    sheets, unmeasured = [], []
    for entry in entries:
        for member in panel:
            if not recused_from(member.judge, entry, st, declared, in_teams) and \
                    (entry.id, member.judge_id) not in submitted:
                sheets.append({"entry_id": entry.id, "code": entry.code, "judge_id": member.judge_id,
                               "judge": member.judge.name})
        for aspect_id in measurement:
            if (entry.id, aspect_id) not in measured:
                unmeasured.append({"entry_id": entry.id, "code": entry.code, "aspect_id": aspect_id})
    remarks = list(ModerationRequest.objects.filter(event=event, status=ModerationRequest.Status.OPEN)
                   .values_list("id", flat=True))
    return {"sheets": sheets, "measurements": unmeasured, "remarks": remarks}


@transaction.atomic
def lock_event(*, actor: User, event_id: int) -> Event:
    event, locked = _locked_event(event_id)
    require_chief(actor, event)
    if event.state != Event.State.OPEN:
        raise conflict("event_not_open", "只有评分中的项目可以锁定")
    problems = lock_problems(event)
    if problems["remarks"]:
        raise conflict("moderation_open", "还有未完成的复评，不能锁定", detail=problems)
    if problems["sheets"] or problems["measurements"]:
        raise conflict("sheets_incomplete", f"还有 {len(problems['sheets'])} 份评分表未提交、"
                       f"{len(problems['measurements'])} 个测量项未录入", detail=problems)
    running = timing.unfinished(event)  # H5: a timed task must be stopped (or over, by the stop rule)
    if running:
        raise conflict("timing_running", f"还有 {len(running)} 名选手的实操未停止计时", detail={"entries": running})
    event.state, event.locked_at = Event.State.LOCKED, timezone.now()
    event.save(update_fields=["state", "locked_at"])
    audit(event=event, action=AuditLog.Action.LOCK, actor=actor)
    board.advance(locked, [event.id])
    notify_judges(event, {"type": "event_state", "event_id": event.id, "state": event.state})
    return event


@transaction.atomic
def unlock_event(*, actor: User, event_id: int, reason: str) -> Event:
    reason = _reason(reason)
    event, locked = _locked_event(event_id)
    require_chief(actor, event)
    if event.state == Event.State.PUBLISHED:
        raise conflict("event_published", "成绩已公布，不能解锁；更改须经申诉复评")
    if event.state != Event.State.LOCKED:
        raise conflict("event_not_locked", "项目未锁定")
    event.state, event.locked_at = Event.State.OPEN, None
    event.save(update_fields=["state", "locked_at"])
    audit(event=event, action=AuditLog.Action.UNLOCK, actor=actor, reason=reason)
    board.advance(locked, [event.id])
    notify_judges(event, {"type": "event_state", "event_id": event.id, "state": event.state, "reason": reason})
    return event


@transaction.atomic
def publish_event(*, actor: User, event_id: int, appeal_window_minutes: int | None = None) -> Event:
    """Codes are decrypted to names on every board and export; the appeal window opens."""
    event, locked = _locked_event(event_id)
    require_chief(actor, event)
    if event.state != Event.State.LOCKED:
        raise conflict("event_not_locked", "请先锁定项目再公布成绩")
    recheck = require_recheck_complete(event)  # 复核: the top 10 and >= 15 % of the rest, confirmed
    minutes = event.contest.appeal_window_minutes if appeal_window_minutes is None else appeal_window_minutes
    now = timezone.now()
    event.state, event.published_at = Event.State.PUBLISHED, now
    event.appeal_deadline = now + timedelta(minutes=minutes)
    event.save(update_fields=["state", "published_at", "appeal_deadline"])
    audit(event=event, action=AuditLog.Action.PUBLISH, actor=actor,
          data={"appeal_deadline": event.appeal_deadline.isoformat(), "recheck_draw_id": recheck.id})
    board.advance(locked, [event.id])
    if not PublishedResult.objects.filter(event=event).exists():
        PublishedResult.objects.create(event=event, version=1, rows=_result_rows(locked, event.id), published_by=actor)
    signals.event_published.send(sender=Event, event=event, actor=actor)  # results as apprentices' evidence
    notify_judges(event, {"type": "event_state", "event_id": event.id, "state": event.state})
    return event


# --- republication ----------------------------------------------------------------------------------
def _result_rows(locked: ContestBoard, event_id: int) -> list[dict]:
    """The event's results as the board just computed them (inside the board lock)."""
    rows = (locked.state or {}).get("events", {}).get(str(event_id), {}).get("jury_rows", [])
    return [{"entry_id": r["entry_id"], "code": r["code"], "name": r["name"], "rank": r["rank"], "total": r["total"],
             "sections": r["sections"], **{k: r[k] for k in ("award", "timing") if k in r}} for r in rows]


def republish_if_changed(*, event: Event, locked: ContestBoard, actor: User, reason: str = "",
                         appeal: Appeal | None = None) -> PublishedResult | None:
    """After publication, once no re-mark of the event is open: when a rank or a total moved since the
    last published version, publish a new version with its change log, tell the contestants affected,
    and let other apps follow (apprenticeship evidence). `board.advance` must have run in this
    transaction."""
    if event.state != Event.State.PUBLISHED:
        return None
    if ModerationRequest.objects.filter(event=event, status=ModerationRequest.Status.OPEN).exists():
        return None
    rows = _result_rows(locked, event.id)
    last = PublishedResult.objects.filter(event=event).order_by("-version").first()
    before = {r["entry_id"]: r for r in (last.rows if last else [])}
    changes = []
    for row in rows:
        old = before.get(row["entry_id"])
        if old is None or (old["rank"], old["total"]) != (row["rank"], row["total"]):
            changes.append({"entry_id": row["entry_id"], "code": row["code"], "name": row["name"],
                            "old_rank": old["rank"] if old else None, "new_rank": row["rank"],
                            "old_total": old["total"] if old else None, "new_total": row["total"]})
    if last is not None and not changes:
        return None
    version = (last.version if last else 0) + 1
    result = PublishedResult.objects.create(event=event, version=version, rows=rows, changes=changes,
                                            reason=reason, appeal=appeal, published_by=actor)
    audit(event=event, action=AuditLog.Action.REPUBLISH, actor=actor, reason=reason,
          data={"version": version, "changes": changes, "appeal_id": appeal.id if appeal else None})
    contestants = {e.id: e.contestant for e in Entry.objects.filter(
        pk__in=[c["entry_id"] for c in changes]).select_related("contestant")}
    contest = event.contest
    for change in changes:
        person = contestants.get(change["entry_id"])
        if person is None:
            continue
        moved = (f"名次 {change['old_rank']} → {change['new_rank']}，总分 {change['old_total']} → "
                 f"{change['new_total']}" if change["old_rank"] is not None else
                 f"第 {change['new_rank']} 名，总分 {change['new_total']}")
        notify(recipients=[person], kind="contest_result_changed", title="比武成绩已更正",
               body=f"{contest.name} · {event.name}：{moved}（第 {version} 版成绩）",
               data={"contest_id": contest.id, "event_id": event.id, "version": version},
               dedupe_key=f"contest:{event.id}:result:{version}:entry:{change['entry_id']}")
    signals.results_republished.send(sender=Event, event=event, actor=actor, result=result,
                                     entry_ids=[c["entry_id"] for c in changes])
    return result


# --- appeals ---------------------------------------------------------------------------------------
def file_appeal(*, user: User, entry_id: int, aspect_id: int | None, reason: str, client_id: str) -> dict:
    payload = {"entry_id": entry_id, "aspect_id": aspect_id, "reason": reason}

    def write():
        return 201, _file_appeal(user=user, entry_id=entry_id, aspect_id=aspect_id, reason=reason,
                                 client_id=client_id)

    result = run_once(user=user, scope="competitions.appeal", key=client_id, payload=payload, write=write)
    return {**result.body, "replayed": result.replayed}


def _file_appeal(*, user, entry_id, aspect_id, reason, client_id) -> dict:
    reason = _reason(reason)
    from accounts.selectors import is_admin

    entry = Entry.objects.select_related("event").filter(pk=entry_id).first()
    if entry is None:
        raise not_found("参赛选手")
    event = entry.event

    if entry.contestant_id != user.id and not is_admin(user):
        raise not_found("参赛选手")  # existence of others' entries is not revealed
    if event.state != Event.State.PUBLISHED:
        raise conflict("event_not_published", "成绩公布后才能申诉")
    deadline = event.appeal_deadline
    assert deadline is not None  # publish_event sets it together with the published state
    if timezone.now() > deadline:
        raise conflict("appeal_window_closed", "申诉期已过（成绩公布后限时申诉）",
                       detail={"appeal_deadline": deadline.isoformat()})
    aspect = None
    if aspect_id is not None:
        aspect = Aspect.objects.filter(pk=aspect_id, section__event=event).first()
        if aspect is None:
            raise not_found("评分项")
    appeal = Appeal.objects.create(entry=entry, aspect=aspect, filed_by=user, reason=reason, client_id=client_id)
    audit(event=event, action=AuditLog.Action.APPEAL_FILED, actor=user, entry=entry, aspect=aspect, reason=reason,
          data={"appeal_id": appeal.id})
    return presenters.appeal_out(appeal)


@transaction.atomic
def decide_appeal(*, actor: User, appeal_id: int, decision: str, reason: str,
                  aspect_ids: list[int] | None = None) -> dict:
    """Arbitration. Upheld: a re-mark of the aspects concerned, whose marks are added, never edited."""
    reason = _reason(reason)
    appeal = Appeal.objects.select_related("entry__org_unit", "aspect").filter(pk=appeal_id).first()
    if appeal is None:
        raise not_found("申诉")
    event, locked = _locked_event(appeal.entry.event_id)
    require_arbitrator(actor, event.contest)
    appeal = Appeal.objects.select_related("entry__org_unit", "aspect").get(pk=appeal_id)  # fresh, under the lock
    if appeal.status != Appeal.Status.PENDING:
        raise conflict("appeal_decided", "该申诉已裁决")
    if decision not in (Appeal.Status.UPHELD, Appeal.Status.REJECTED):
        raise unprocessable("invalid_decision", "裁决结果应为 upheld 或 rejected")
    remarks = []
    if decision == Appeal.Status.UPHELD:
        ids = aspect_ids or ([appeal.aspect_id] if appeal.aspect_id else [])
        if not ids:
            raise unprocessable("aspects_required", "申诉成立时请指定需复评的评分项", detail={"field": "aspect_ids"})
        aspects = list(Aspect.objects.filter(pk__in=ids, section__event=event))
        if len(aspects) != len(set(ids)):
            raise not_found("评分项")
        for aspect in aspects:
            remarks.append(_create_remark(event=event, entry=appeal.entry, aspect=aspect, reason=reason, actor=actor,
                                          judge_ids=None, source=ModerationRequest.Source.APPEAL, appeal=appeal))
    appeal.status, appeal.decided_by, appeal.decided_at = decision, actor, timezone.now()
    appeal.decision_reason = reason
    appeal.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    audit(event=event, action=AuditLog.Action.APPEAL_DECIDED, actor=actor, entry=appeal.entry, aspect=appeal.aspect,
          reason=reason, data={"appeal_id": appeal.id, "decision": decision,
                               "remark_request_ids": [r.id for r in remarks]})
    if remarks:
        board.advance(locked, [event.id])
    return presenters.appeal_out(appeal)


def contest_of_event(event_id: int) -> Contest:
    return Event.objects.select_related("contest").get(pk=event_id).contest
