"""The live board: computed once per change inside the change's transaction, stored with its seq, sent
after commit.

Every write that moves a contest's board calls `lock(contest_id)` first (a row lock on ContestBoard)
and `advance(...)` last. So within one contest, changes are serialised, `seq` is strictly increasing
across every server process, and the rows stored with seq N are exactly the state after change N.
The update messages (one for the public, one for the jury) are serialised once, stored in
BoardUpdate for resync, and handed to the channel layer only after commit; consumers forward the text.
"""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable
from fractions import Fraction

from django.db import transaction
from django.utils import timezone

from miniprogram_api.realtime import publish_after_commit

from . import scoring
from .models import (
    Aspect,
    BoardUpdate,
    Contest,
    ContestBoard,
    Entry,
    Event,
    Mark,
    ModerationRequest,
    PanelMember,
    SheetSubmission,
)
from .selectors import is_recused, studio_or_team_ids

KEEP_UPDATES = 1000  # update messages kept per contest for resync; older gaps get a snapshot


def public_group(contest_id: int) -> str:
    return f"board.{contest_id}.public"


def jury_group(contest_id: int) -> str:
    return f"board.{contest_id}.jury"


def judge_group(user_id: int) -> str:
    return f"judge.{user_id}"


def dumps(message: dict) -> str:
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"), default=str)


def lock(contest_id: int) -> ContestBoard:
    """Lock the contest's board row for the rest of the transaction (must be inside atomic)."""
    board = ContestBoard.objects.select_for_update().filter(contest_id=contest_id).first()
    if board is None:
        ContestBoard.objects.get_or_create(contest_id=contest_id)
        board = ContestBoard.objects.select_for_update().get(contest_id=contest_id)
    return board


# --- computing one event -------------------------------------------------------------------------
def compute_event(event: Event) -> dict:
    """The event's rows, jury view and the live public view, from the stored marks (a fixed number of
    queries whatever the number of entries, judges or marks; plain rows, no model instances, because
    this runs inside the board lock on every change)."""
    aspects = list(Aspect.objects.filter(section__event=event)
                   .order_by("section__order", "section_id", "order", "id")
                   .values("id", "name", "kind", "max_mark", "scale_max", "section_id", "section__name",
                           "section__weight"))
    sections, seen = [], set()
    for aspect in aspects:
        if aspect["section_id"] not in seen:
            seen.add(aspect["section_id"])
            sections.append({"id": aspect["section_id"], "name": aspect["section__name"],
                             "weight": aspect["section__weight"]})
    entries = list(Entry.objects.filter(event=event).exclude(code="").order_by("code").values(
        "id", "code", "contestant__display_name", "contestant__username", "org_unit__path", "org_unit__name"))
    judges = list(PanelMember.objects.filter(event=event, is_chief=False)
                  .values_list("judge_id", "judge__primary_org_unit__path"))
    st = studio_or_team_ids()
    judgement_latest: dict[tuple[int, int, int], Fraction] = {}
    measurement_latest: dict[tuple[int, int], Fraction] = {}
    kinds = {a["id"]: a["kind"] for a in aspects}
    exact: dict = {}  # marks take few distinct values: convert each once
    for judge_id, entry_id, aspect_id, value in (Mark.objects.filter(event=event).order_by("id")
                                                 .values_list("judge_id", "entry_id", "aspect_id", "value")):
        fraction = exact.get(value)
        if fraction is None:
            fraction = exact[value] = scoring.exact(value)
        if kinds.get(aspect_id) == Aspect.Kind.MEASUREMENT:
            measurement_latest[(entry_id, aspect_id)] = fraction
        else:
            judgement_latest[(judge_id, entry_id, aspect_id)] = fraction
    open_remarks: dict[int, list[int]] = {}
    for entry_id, aspect_id in ModerationRequest.objects.filter(
            event=event, status=ModerationRequest.Status.OPEN).values_list("entry_id", "aspect_id"):
        open_remarks.setdefault(entry_id, []).append(aspect_id)
    submitted: dict[int, set[int]] = {}
    for entry_id, judge_id in SheetSubmission.objects.filter(entry__event=event).values_list("entry_id", "judge_id"):
        submitted.setdefault(entry_id, set()).add(judge_id)

    published = event.state == Event.State.PUBLISHED
    chain_ids = [s["id"] for s in sections]
    if event.tie_break_chain:
        chosen = [int(i) for i in event.tie_break_chain if int(i) in seen]
        chain_ids = chosen or chain_ids
    ranked = []
    for entry in entries:
        eid = entry["id"]
        panel = [judge_id for judge_id, path in judges if not is_recused(path, entry["org_unit__path"], st)]
        by_section: dict[int, Fraction] = {s["id"]: Fraction(0) for s in sections}
        flags, marked, expected = [], 0, 0
        for aspect in aspects:
            aid = aspect["id"]
            if aspect["kind"] == Aspect.Kind.MEASUREMENT:
                expected += 1
                value = measurement_latest.get((eid, aid))
                if value is not None:
                    marked += 1
                    by_section[aspect["section_id"]] += value
                continue
            values = [judgement_latest[(j, eid, aid)] for j in panel if (j, eid, aid) in judgement_latest]
            expected += len(panel)
            marked += len(values)
            agg = scoring.aggregate(values, event.aggregation, event.trim_k)
            if agg is not None:
                by_section[aspect["section_id"]] += scoring.judgement_score(
                    max_mark=aspect["max_mark"], aggregated=agg, scale_max=aspect["scale_max"])
            if scoring.needs_moderation(values, tolerance=event.tolerance, scale_max=aspect["scale_max"]):
                limit = scoring.spread_limit(event.tolerance, aspect["scale_max"])
                flags.append({"aspect_id": aid, "aspect": aspect["name"],
                              "spread": str(scoring.round_half_up(max(values) - min(values))),
                              "limit": str(scoring.round_half_up(limit))})
        total = scoring.round_half_up(sum(by_section.values(), Fraction(0)))
        shown = {sid: scoring.round_half_up(v) for sid, v in by_section.items()}
        tie = tuple(shown[sid] for sid in chain_ids) if event.tie_break_by_sections else ()
        ranked.append(scoring.Ranked(key=entry, total=total, tie_break=tie, extra={
            "sections": {str(sid): str(v) for sid, v in shown.items()}, "flags": flags,
            "marked": marked, "expected": expected,
            "submitted": len(submitted.get(eid, set()) & set(panel)), "judges": len(panel),
            "remarks": sorted(open_remarks.get(eid, [])),
        }))
    jury_rows, public_rows = [], []
    for item in sorted(scoring.assign_ranks(ranked), key=lambda r: (r.rank, r.key["code"])):
        entry = item.key
        name = entry["contestant__display_name"] or entry["contestant__username"]
        public_rows.append({"rank": item.rank, "code": entry["code"], "name": name if published else None,
                            "total": str(item.total), "sections": item.extra["sections"]})
        jury_rows.append({"rank": item.rank, "code": entry["code"], "entry_id": entry["id"], "name": name,
                          "unit": entry["org_unit__name"] or "", "total": str(item.total), **item.extra})
    header = {"id": event.id, "name": event.name, "state": event.state,
              "sections": [{"id": s["id"], "name": s["name"], "weight": str(s["weight"])} for s in sections]}
    jury_header = {**header, "aspects": [{"id": a["id"], "name": a["name"], "section_id": a["section_id"],
                                         "kind": a["kind"]} for a in aspects]}
    return {"header": header, "jury_header": jury_header, "jury_rows": jury_rows, "public_rows": public_rows}


# --- advancing the board -------------------------------------------------------------------------
def is_frozen_at(contest: Contest, now) -> bool:
    return bool(contest.freeze_at and now >= contest.freeze_at)


def _changed(old_rows: list[dict] | None, new_rows: list[dict]) -> tuple[list[dict], list[str]]:
    old = {row["code"]: row for row in old_rows or []}
    new_codes = {row["code"] for row in new_rows}
    changed = [row for row in new_rows if old.get(row["code"]) != row]
    removed = sorted(code for code in old if code not in new_codes)
    return changed, removed


def advance(board: ContestBoard, event_ids: Iterable[int]) -> int:
    """Recompute the given events once, bump seq, store the new state and the update messages, and
    queue them for after commit. `board` must have been locked by `lock()` in this transaction."""
    contest = Contest.objects.get(pk=board.contest_id)
    now = timezone.now()
    time_frozen = is_frozen_at(contest, now)
    state = board.state or {}
    events_state: dict = state.get("events", {})
    on_board = list(Event.objects.filter(contest=contest).exclude(state=Event.State.DRAFT)
                    .order_by("order", "id"))
    wanted = {int(e) for e in event_ids}
    public_events, jury_events = [], []
    new_events = {}
    for event in on_board:
        key = str(event.id)
        previous = events_state.get(key)
        if event.id not in wanted and previous is not None:
            new_events[key] = previous
            continue
        computed = compute_event(event)
        frozen = time_frozen and event.state != Event.State.PUBLISHED
        if frozen:
            public_rows = previous["public_rows"] if previous else []
        else:
            public_rows = computed["public_rows"]
        header = {**computed["header"], "frozen": frozen}
        jury_header = {**computed["jury_header"], "frozen": frozen}
        current = {"header": header, "jury_header": jury_header, "jury_rows": computed["jury_rows"],
                   "public_rows": public_rows}
        new_events[key] = current
        rows, removed = _changed(previous and previous["public_rows"], public_rows)
        if rows or removed or not previous or previous["header"] != header:
            public_events.append({**header, "rows": rows, "removed": removed})
        rows, removed = _changed(previous and previous["jury_rows"], current["jury_rows"])
        if rows or removed or not previous or previous["jury_header"] != jury_header:
            jury_events.append({**jury_header, "rows": rows, "removed": removed})
    gone = [int(k) for k in events_state if k not in new_events]  # back to draft or deleted
    board.seq += 1
    board.state = {"order": [e.id for e in on_board], "events": new_events}
    board.save(update_fields=["seq", "state", "updated_at"])
    ts = round(time.time() * 1000, 3)  # epoch ms, stamped as the update is built (just before commit)
    any_unpublished = any(e.state != Event.State.PUBLISHED for e in on_board)
    public_text = dumps({"type": "update", "seq": board.seq, "ts": ts, "frozen": time_frozen and any_unpublished,
                         "events": public_events, "removed_events": gone})
    jury_text = dumps({"type": "update", "seq": board.seq, "ts": ts, "frozen": time_frozen and any_unpublished,
                       "events": jury_events, "removed_events": gone})
    BoardUpdate.objects.create(contest_id=contest.id, seq=board.seq, public_text=public_text, jury_text=jury_text)
    if board.seq % 100 == 0:
        BoardUpdate.objects.filter(contest_id=contest.id, seq__lte=board.seq - KEEP_UPDATES).delete()
    publish_after_commit(public_group(contest.id), {"type": "board.update", "seq": board.seq, "text": public_text})
    publish_after_commit(jury_group(contest.id), {"type": "board.update", "seq": board.seq, "text": jury_text})
    return board.seq


@transaction.atomic
def rebuild(contest_id: int) -> int:
    """Recompute every event of a contest (after an admin edit of the scheme, or from the shell)."""
    board = lock(contest_id)
    return advance(board, Event.objects.filter(contest_id=contest_id).values_list("id", flat=True))


# --- reading the board ---------------------------------------------------------------------------
_snapshot_cache: OrderedDict = OrderedDict()
_cache_lock = threading.Lock()


def snapshot_text(contest_id: int, *, jury: bool) -> str | None:
    found = snapshot(contest_id, jury=jury)
    return found[1] if found else None


def snapshot(contest_id: int, *, jury: bool) -> tuple[int, str] | None:
    """(seq, snapshot message) for a contest as of its current seq, serialised once per (seq, view,
    frozen) and reused for every viewer who connects at that seq. None if the contest does not exist."""
    head = (ContestBoard.objects.filter(contest_id=contest_id)
            .values_list("seq", "updated_at", "contest__freeze_at").first())
    if head is None:
        return None
    seq, updated_at, freeze_at = head
    now = timezone.now()
    time_frozen = bool(freeze_at and now >= freeze_at)
    key = (contest_id, seq, updated_at, jury, time_frozen)
    with _cache_lock:
        found = _snapshot_cache.get(key)
        if found is not None:
            _snapshot_cache.move_to_end(key)
            return found
    board = ContestBoard.objects.select_related("contest").get(contest_id=contest_id)
    found = (board.seq, dumps(build_snapshot(board, jury=jury, now=now)))
    with _cache_lock:
        _snapshot_cache[(contest_id, board.seq, board.updated_at, jury, time_frozen)] = found
        while len(_snapshot_cache) > 256:
            _snapshot_cache.popitem(last=False)
    return found


def build_snapshot(board: ContestBoard, *, jury: bool, now=None) -> dict:
    contest = board.contest
    now = now or timezone.now()
    time_frozen = is_frozen_at(contest, now)
    state = board.state or {}
    events = []
    any_unpublished = False
    for event_id in state.get("order", []):
        data = state["events"].get(str(event_id))
        if not data:
            continue
        header = data["jury_header"] if jury else data["header"]
        published = header["state"] == Event.State.PUBLISHED
        any_unpublished = any_unpublished or not published
        # Freeze may have begun since the last change: the stored public rows are the standings then.
        events.append({**header, "frozen": time_frozen and not published,
                       "rows": data["jury_rows"] if jury else data["public_rows"]})
    return {"type": "snapshot", "seq": board.seq, "ts": int(time.time() * 1000),
            "frozen": time_frozen and any_unpublished,
            "freeze_at": contest.freeze_at.isoformat() if contest.freeze_at else None,
            "contest": {"id": contest.id, "name": contest.name}, "view": "jury" if jury else "public",
            "events": events}


def current_seq(contest_id: int) -> int | None:
    return ContestBoard.objects.filter(contest_id=contest_id).values_list("seq", flat=True).first()


def updates_since(contest_id: int, since: int, *, jury: bool) -> list[tuple[int, str]] | None:
    """The update messages after seq `since`, in order, or None when some are no longer kept (or the
    client is ahead of us, e.g. after a database restore): then the client needs a snapshot."""
    current = ContestBoard.objects.filter(contest_id=contest_id).values_list("seq", flat=True).first()
    if current is None or since > current or since < 0:
        return None
    if since == current:
        return []
    field = "jury_text" if jury else "public_text"
    rows = list(BoardUpdate.objects.filter(contest_id=contest_id, seq__gt=since, seq__lte=current)
                .order_by("seq").values_list("seq", field))
    if [seq for seq, _ in rows] != list(range(since + 1, current + 1)):
        return None
    return rows


def updates_between(contest_id: int, after: int, upto: int, *, jury: bool) -> list[tuple[int, str]] | None:
    """Update messages with after < seq <= upto, or None if any is missing."""
    field = "jury_text" if jury else "public_text"
    rows = list(BoardUpdate.objects.filter(contest_id=contest_id, seq__gt=after, seq__lte=upto)
                .order_by("seq").values_list("seq", field))
    if [seq for seq, _ in rows] != list(range(after + 1, upto + 1)):
        return None
    return rows
