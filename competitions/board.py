"""The live board: computed once per change inside the change's transaction, stored with its seq, sent
after commit.

Every write that moves a contest's board calls `lock(contest_id)` first (a row lock on ContestBoard)
and `advance(...)` last. So within one contest, changes are serialised, `seq` is strictly increasing
across every server process, and the rows stored with seq N are exactly the state after change N.
The update messages (one for the public, one for the jury) are serialised once, stored in
BoardUpdate for resync, and handed to the channel layer only after commit; consumers forward the text.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from miniprogram_api.realtime import publish_after_commit
from miniprogram_api.ws_schemas import WsMessage

from . import prizes, scoring, timing
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
from .selectors import (
    Declared,
    affiliation_sql,
    declared_avoidance,
    declares_avoidance,
    seat_recused,
    team_members,
)
from .ws_schemas import BoardSnapshotMessage, BoardUpdateMessage

PanelSeat = tuple[int, int | None, Declared | None]  # (judge id, affiliation, declared avoidance)
KEEP_UPDATES = 1000  # update messages kept per contest for resync; older gaps get a snapshot


def public_group(contest_id: int) -> str:
    return f"board.{contest_id}.public"


def jury_group(contest_id: int) -> str:
    return f"board.{contest_id}.jury"


def judge_group(user_id: int) -> str:
    return f"judge.{user_id}"


def dumps(schema: type[WsMessage], message: dict) -> str:
    """A board frame, checked against its published schema (competitions/ws_schemas.py) as it is built:
    once per seq and view, then forwarded as text to every screen."""
    return schema.model_validate(message).frame()


def lock(contest_id: int) -> ContestBoard:
    """Lock the contest's board row for the rest of the transaction (must be inside atomic)."""
    board = ContestBoard.objects.select_for_update().filter(contest_id=contest_id).first()
    if board is None:
        ContestBoard.objects.get_or_create(contest_id=contest_id)
        board = ContestBoard.objects.select_for_update().get(contest_id=contest_id)
    return board


# --- computing one event -------------------------------------------------------------------------
def latest_revision() -> Exists:
    """Marks that are the latest revision of their (judge, entry, aspect): an anti-join on the unique
    (judge, entry, aspect, revision) index, the same SQL on PostgreSQL and SQLite, and it combines with
    OR (a mark request reads the latest marks and its replays in one query; ADR 0052)."""
    newer = Mark.objects.filter(judge=OuterRef("judge"), entry=OuterRef("entry"), aspect=OuterRef("aspect"),
                                revision__gt=OuterRef("revision"))
    return ~Exists(newer)


def event_aspects(event_ids) -> dict[int, list[dict]]:
    """Each event's aspects in board order, as plain rows."""
    out: dict[int, list[dict]] = {}
    for aspect in (Aspect.objects.filter(section__event_id__in=list(event_ids))
                   .order_by("section__order", "section_id", "order", "id")
                   .values(*ASPECT_FIELDS)):
        out.setdefault(aspect["section__event_id"], []).append(aspect)
    return out


ASPECT_FIELDS = ("id", "name", "kind", "max_mark", "scale_max", "section_id", "section__name", "section__weight",
                 "section__event_id")
ENTRY_FIELDS = ("id", "code", "contestant_id", "contestant__display_name", "contestant__username", "org_unit__name",
                "org_unit__path", "team_name", "team_members", "carried_total")


def entry_key(entry: dict) -> dict:
    name = entry["contestant__display_name"] or entry["contestant__username"]
    if entry.get("team_name"):  # a team entry is named by the team and its members (issue 17)
        name = scoring.team_label(entry["team_name"], entry.get("team_members") or "")
    return {"id": entry["id"], "code": entry["code"], "name": name,
            "unit": entry["org_unit__name"] or "", "affiliation": entry["affiliation"],
            "unit_path": entry["org_unit__path"], "contestant_id": entry["contestant_id"],
            "team_name": entry.get("team_name") or "", "carried_total": entry.get("carried_total")}


@dataclass
class Marks:
    """The latest marks that decide rows: judgement marks per judge, measurements per (entry, aspect)
    (the last one entered, whoever entered it). `add` keeps them current as a request writes marks."""
    kinds: dict[int, str]
    judgement: dict[tuple[int, int, int], Fraction] = field(default_factory=dict)
    measurement: dict[tuple[int, int], tuple[int, Fraction]] = field(default_factory=dict)
    exact: dict = field(default_factory=dict)  # marks take few distinct values: convert each once

    def add(self, mark_id: int, judge_id: int, entry_id: int, aspect_id: int, value) -> None:
        fraction = self.exact.get(value)
        if fraction is None:
            fraction = self.exact[value] = scoring.exact(value)
        if self.kinds.get(aspect_id) == Aspect.Kind.MEASUREMENT:
            known = self.measurement.get((entry_id, aspect_id))
            if known is None or known[0] < mark_id:
                self.measurement[(entry_id, aspect_id)] = (mark_id, fraction)
        else:
            self.judgement[(judge_id, entry_id, aspect_id)] = fraction


def sections_of(aspects: list[dict]) -> list[dict]:
    sections, seen = [], set()
    for aspect in aspects:
        if aspect["section_id"] not in seen:
            seen.add(aspect["section_id"])
            sections.append({"id": aspect["section_id"], "name": aspect["section__name"],
                             "weight": aspect["section__weight"]})
    return sections


def headers(event: Event, aspects: list[dict]) -> tuple[dict, dict]:
    header = {"id": event.id, "name": event.name, "state": event.state,
              "sections": [{"id": s["id"], "name": s["name"], "weight": str(s["weight"])} for s in sections_of(aspects)]}
    jury_header = {**header, "aspects": [{"id": a["id"], "name": a["name"], "section_id": a["section_id"],
                                         "kind": a["kind"]} for a in aspects],
                   "scheme_changes": event.scheme_changes}  # the chief judge's changes after opening
    return header, jury_header


def _chain(event: Event, sections: list[dict]) -> list[int]:
    chain_ids = [s["id"] for s in sections]
    if event.tie_break_chain:
        present = {s["id"] for s in sections}
        chosen = [int(i) for i in event.tie_break_chain if int(i) in present]
        chain_ids = chosen or chain_ids
    return chain_ids


def entry_row(event: Event, aspects: list[dict], entry: dict, panel: list[PanelSeat], marks: Marks,
              remarks: list[int], submitted: set[int], chain_ids: list[int]) -> scoring.Ranked:
    """One entry's standing from its latest marks: the whole scoring rule of a board row (SCORING.md)."""
    eid = entry["id"]
    judges = [judge_id for judge_id, aff, declared in panel if not seat_recused(aff, declared, entry)]
    by_section: dict[int, Fraction] = {s["id"]: Fraction(0) for s in sections_of(aspects)}
    flags, marked, expected = [], 0, 0
    for aspect in aspects:
        aid = aspect["id"]
        if aspect["kind"] == Aspect.Kind.MEASUREMENT:
            expected += 1
            found = marks.measurement.get((eid, aid))
            if found is not None:
                marked += 1
                by_section[aspect["section_id"]] += found[1]
            continue
        values = [marks.judgement[(j, eid, aid)] for j in judges if (j, eid, aid) in marks.judgement]
        expected += len(judges)
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
    # A later round may carry a share of the previous round's published total (docs/SCORING.md "Rounds");
    # a timed event's overtime penalty comes off the exact total (docs/SCORING.md "Timing").
    timed = timing.of_entry(event, eid)  # None without a time limit
    total = scoring.round_half_up(timing.penalised(
        scoring.with_carry(sum(by_section.values(), Fraction(0)), entry.get("carried_total"), event.carry_share),
        timed))
    shown = {sid: scoring.round_half_up(v) for sid, v in by_section.items()}
    tie = tuple(shown[sid] for sid in chain_ids) if event.tie_break_by_sections else ()
    extra = {
        "sections": {str(sid): str(v) for sid, v in shown.items()}, "flags": flags,
        "marked": marked, "expected": expected,
        "submitted": len(submitted & set(judges)), "judges": len(judges),
        "remarks": sorted(remarks),
    }
    if timed is not None:
        extra["timing"] = timed
    return scoring.Ranked(key=entry, total=total, tie_break=tie, extra=extra)


def _stored_row(event: Event, row: dict, chain_ids: list[int]) -> scoring.Ranked:
    """A row as stored with the previous seq, ready to be ranked again beside recomputed ones."""
    tie = tuple(Decimal(row["sections"][str(sid)]) for sid in chain_ids) if event.tie_break_by_sections else ()
    key = {"id": row["entry_id"], "code": row["code"], "name": row["name"], "unit": row["unit"]}
    return scoring.Ranked(key=key, total=Decimal(row["total"]), tie_break=tie,
                          extra={k: row[k] for k in ROW_EXTRA if k in row})


ROW_EXTRA = ("sections", "flags", "marked", "expected", "submitted", "judges", "remarks", "timing")


def figures_public(extra: dict) -> bool:
    """Blind judging (docs/SCORING.md, "What the public sees while marking"): an entry's figures reach the
    public board only once every judge of its panel has submitted the entry's sheet, every measurement is
    entered and no re-mark of it is open. Before that the public row carries no figure at all, so no
    sequence of public updates can be differenced into one judge's mark. The jury board stays live."""
    return (extra["submitted"] >= extra["judges"] and extra["marked"] >= extra["expected"]
            and not extra["remarks"])


def ranked_views(event: Event, aspects: list[dict], ranked: list[scoring.Ranked]) -> dict:
    published = event.state == Event.State.PUBLISHED
    jury_rows = []
    for item in sorted(scoring.assign_ranks(ranked), key=lambda r: (r.rank, r.key["code"])):
        entry = item.key
        jury_rows.append({"rank": item.rank, "code": entry["code"], "entry_id": entry["id"], "name": entry["name"],
                          "unit": entry["unit"], "total": str(item.total), **item.extra})
    # The public ranks are those of the entries whose figures are public, among themselves only.
    shown = [scoring.Ranked(key=item.key, total=item.total, tie_break=item.tie_break, extra=item.extra)
             for item in ranked if figures_public(item.extra)]
    public_rows = [{"rank": item.rank, "code": item.key["code"], "name": item.key["name"] if published else None,
                    "total": str(item.total), "sections": item.extra["sections"], "scored": True}
                   for item in sorted(scoring.assign_ranks(shown), key=lambda r: (r.rank, r.key["code"]))]
    public_rows += [{"rank": None, "code": item.key["code"], "name": item.key["name"] if published else None,
                     "total": None, "sections": {sid: None for sid in item.extra["sections"]}, "scored": False}
                    for item in sorted(ranked, key=lambda r: r.key["code"]) if not figures_public(item.extra)]
    if published:  # awards appear with the published ranks, never before (docs/SCORING.md "Awards")
        prizes_won = prizes.assign(event, [(row["entry_id"], row["rank"]) for row in jury_rows])
        by_code = {}
        for row in jury_rows:
            row["award"] = prizes_won[row["entry_id"]].name if row["entry_id"] in prizes_won else None
            by_code[row["code"]] = row["award"]
        for row in public_rows:
            row["award"] = by_code.get(row["code"])
    header, jury_header = headers(event, aspects)
    return {"header": header, "jury_header": jury_header, "jury_rows": jury_rows, "public_rows": public_rows}


def compute_event(event: Event) -> dict:
    """The event's rows, jury view and the live public view, from the latest marks (a fixed number of
    queries whatever the number of entries, judges or marks; plain rows, no model instances, because
    this runs inside the board lock)."""
    aspects = event_aspects([event.id]).get(event.id, [])
    entries = [entry_key(e) for e in Entry.objects.filter(event=event).exclude(code="").order_by("code")
               .annotate(affiliation=affiliation_sql("org_unit__path")).values(*ENTRY_FIELDS, "affiliation")]
    panel = panel_of([event.id]).get(event.id, [])
    # A team's members matter only to a judge who declared a person to avoid: read then (one query).
    in_teams = team_members([e["id"] for e in entries if e["team_name"]], [declared for _, _, declared in panel])
    for entry in entries:
        entry["member_ids"] = in_teams.get(entry["id"], frozenset())
    marks = Marks(kinds={a["id"]: a["kind"] for a in aspects})
    for row in (Mark.objects.filter(latest_revision(), event=event)
                .values_list("id", "judge_id", "entry_id", "aspect_id", "value")):
        marks.add(*row)
    remarks: dict[int, list[int]] = {}
    for entry_id, aspect_id in ModerationRequest.objects.filter(
            event=event, status=ModerationRequest.Status.OPEN).values_list("entry_id", "aspect_id"):
        remarks.setdefault(entry_id, []).append(aspect_id)
    submitted: dict[int, set[int]] = {}
    for entry_id, judge_id in SheetSubmission.objects.filter(entry__event=event).values_list("entry_id", "judge_id"):
        submitted.setdefault(entry_id, set()).add(judge_id)
    chain_ids = _chain(event, sections_of(aspects))
    timing.load(event)
    ranked = [entry_row(event, aspects, entry, panel, marks, remarks.get(entry["id"], []),
                        submitted.get(entry["id"], set()), chain_ids) for entry in entries]
    return ranked_views(event, aspects, ranked)


def panel_of(event_ids) -> dict[int, list[PanelSeat]]:
    """(judge id, affiliation, declared avoidance) of every marking judge (not the chief) of each event:
    one query, and one more only when a judge declared avoidance on the roster."""
    rows = list(PanelMember.objects.filter(event_id__in=list(event_ids), is_chief=False)
                .annotate(aff=affiliation_sql("judge__primary_org_unit__path"), avoids=declares_avoidance("judge_id"))
                .values_list("event_id", "judge_id", "aff", "avoids"))
    declared = declared_avoidance({j for _, j, _, avoids in rows if avoids}) if any(r[3] for r in rows) else {}
    out: dict[int, list[PanelSeat]] = {}
    for event_id, judge_id, aff, _ in rows:
        out.setdefault(event_id, []).append((judge_id, aff, declared.get(judge_id)))
    return out


def recompute_entries(event: Event, previous: dict | None, *, aspects: list[dict], entries: list[dict],
                      panel: list[PanelSeat], marks: Marks, remarks: dict[int, list[int]],
                      submitted: dict[int, set[int]]) -> dict | None:
    """The event after a change that touched only `entries` (a mark): their rows recomputed from
    `marks` (the latest marks of those entries, as of this change), every other row taken from the
    previous seq, all ranked again. None when the previous state cannot be reused (no previous state,
    or the scheme or the event's state changed since): then the caller computes the whole event."""
    if previous is None:
        return None
    header, jury_header = headers(event, aspects)
    old_jury = {k: v for k, v in previous["jury_header"].items() if k != "frozen"}
    if old_jury != jury_header:
        return None
    chain_ids = _chain(event, sections_of(aspects))
    timing.load(event)
    touched = {e["id"]: e for e in entries if e["code"]}
    ranked = [entry_row(event, aspects, entry, panel, marks, remarks.get(eid, []), submitted.get(eid, set()),
                        chain_ids) for eid, entry in touched.items()]
    known = {row["entry_id"] for row in previous["jury_rows"]}
    if not set(touched) <= known:
        return None  # an entry the stored board does not know yet
    ranked += [_stored_row(event, row, chain_ids) for row in previous["jury_rows"] if row["entry_id"] not in touched]
    return ranked_views(event, aspects, ranked)


# --- advancing the board -------------------------------------------------------------------------
def is_frozen_at(contest: Contest, now) -> bool:
    return bool(contest.freeze_at and now >= contest.freeze_at)


def _changed(old_rows: list[dict] | None, new_rows: list[dict]) -> tuple[list[dict], list[str]]:
    old = {row["code"]: row for row in old_rows or []}
    new_codes = {row["code"] for row in new_rows}
    changed = [row for row in new_rows if old.get(row["code"]) != row]
    removed = sorted(code for code in old if code not in new_codes)
    return changed, removed


def advance(board: ContestBoard, event_ids: Iterable[int], *, events: list[Event] | None = None,
            computed: dict[int, dict] | None = None) -> int:
    """Recompute the given events once, bump seq, store the new state and the update messages, and
    queue them for after commit. `board` must have been locked by `lock()` in this transaction.

    A caller that already read, after taking the lock, every event of the contest (with its contest)
    passes them as `events`; one that recomputed an event itself (a mark: `recompute_entries`) passes
    the result in `computed`. Otherwise both are read here."""
    if events is None:
        events = list(Event.objects.filter(contest_id=board.contest_id).select_related("contest"))
    contest = events[0].contest if events else Contest.objects.get(pk=board.contest_id)
    now = timezone.now()
    time_frozen = is_frozen_at(contest, now)
    state = board.state or {}
    events_state: dict = state.get("events", {})
    on_board = sorted((e for e in events if e.state != Event.State.DRAFT), key=lambda e: (e.order, e.id))
    computed = computed or {}
    wanted = {int(e) for e in event_ids}
    public_events, jury_events = [], []
    new_events = {}
    for event in on_board:
        key = str(event.id)
        previous = events_state.get(key)
        if event.id not in wanted and previous is not None:
            new_events[key] = previous
            continue
        result = computed.get(event.id) or compute_event(event)
        frozen = time_frozen and event.state != Event.State.PUBLISHED
        if frozen:
            public_rows = previous["public_rows"] if previous else []
        else:
            public_rows = result["public_rows"]
        header = {**result["header"], "frozen": frozen}
        jury_header = {**result["jury_header"], "frozen": frozen}
        current = {"header": header, "jury_header": jury_header, "jury_rows": result["jury_rows"],
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
    frozen_now = time_frozen and any_unpublished
    public_text = dumps(BoardUpdateMessage, {"type": "update", "seq": board.seq, "ts": ts, "frozen": frozen_now,
                                             "events": public_events, "removed_events": gone})
    jury_text = dumps(BoardUpdateMessage, {"type": "update", "seq": board.seq, "ts": ts, "frozen": frozen_now,
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
    found = (board.seq, dumps(BoardSnapshotMessage, build_snapshot(board, jury=jury, now=now)))
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
