"""Blind judging, provably: a judge who watches every public channel of an open event (the websocket
stream as stored for resync, the board snapshot, the contest pages) and knows their own marks tries to
work out a fellow judge's mark. The public figures of an entry appear only once its whole panel has
submitted (docs/SCORING.md), so the attempt leaves every other judge with several possible marks.
The same attempt on the jury stream (the chief judge's view, live by design) does find the mark, which
shows the attempt is a real one."""

import itertools
import json
import uuid
from fractions import Fraction

from competitions import board, scoring
from competitions.models import BoardUpdate

OBSERVER_MARK = 7
MARKS = [8, OBSERVER_MARK, 5, 9, 6]  # judges 0..4 on 规范性 (0–10); judge 1 is the observer


def public_texts(kit, since=0):
    """Everything public about the contest from seq `since` on: the update messages as sent, the board
    snapshot (websocket and HTTP) and the contest pages."""
    texts = list(BoardUpdate.objects.filter(contest=kit.contest, seq__gt=since).order_by("seq")
                 .values_list("public_text", flat=True))
    texts.append(kit.api.get(f"competitions/{kit.contest.id}/board").content.decode())
    spectator = kit.client(kit.spectator)
    texts.append(spectator.get(f"competitions/{kit.contest.id}").content.decode())
    texts.append(spectator.get("competitions").content.decode())
    return texts


def figures_of(texts, code, section_id):
    """Every figure of the section ever shown for the entry in those texts (None: no figure)."""
    seen = []
    for text in texts:
        message = json.loads(text)
        events = message.get("events", []) if isinstance(message, dict) else []
        for event in events:
            for row in event.get("rows", []) or []:
                if row.get("code") == code:
                    seen.append((row.get("total"), (row.get("sections") or {}).get(str(section_id))))
    return seen


def section_figure(values, kit):
    """The 规范 section as the board rounds it, from five marks (trimmed mean, max 40, scale 10)."""
    agg = scoring.aggregate([Fraction(v) for v in values], kit.event.aggregation, kit.event.trim_k)
    return str(scoring.round_half_up(scoring.judgement_score(max_mark=40, aggregated=agg, scale_max=10)))


def possible_marks(kit, shown_figures):
    """For each other judge, the marks consistent with every figure shown and the observer's own mark."""
    possible = {j: set() for j in (0, 2, 3, 4)}
    for others in itertools.product(range(11), repeat=4):
        values = [others[0], OBSERVER_MARK, *others[1:]]
        if all(section_figure(values, kit) == shown for shown in shown_figures):
            for j, v in zip((0, 2, 3, 4), others, strict=True):
                possible[j].add(v)
    return possible


def mark(kit, judge, entry, aspect, value):
    item = {"client_id": str(uuid.uuid4()), "entry_id": entry.id, "aspect_id": aspect.id, "value": str(value)}
    assert kit.post_marks(judge, [item]).status_code == 200


def test_the_public_stream_of_an_open_event_tells_nothing_about_one_judges_mark(kit):
    entry = kit.entries[2]  # a base contestant: nobody is recused, five judges
    crafted, conduct = kit.judgement  # 工艺 (0–3) and 规范性 (0–10)
    section = kit.sections[1].id
    start = board.current_seq(kit.contest.id)
    # judges mark one by one, then submit one by one; the observer watches after every step
    for index, judge in enumerate(kit.judges):
        if index == 0:
            mark(kit, judge, entry, kit.measurement, "12.5")
        mark(kit, judge, entry, crafted, 2)
        mark(kit, judge, entry, conduct, MARKS[index])
        assert figures_of(public_texts(kit, start), entry.code, section) and all(
            f == (None, None) for f in figures_of(public_texts(kit, start), entry.code, section))
    for index, judge in enumerate(kit.judges):
        # a correction before submission is invisible too
        if index == 3:
            mark(kit, judge, entry, conduct, 10)
            mark(kit, judge, entry, conduct, MARKS[index])
        assert kit.client(judge).post(f"judging/entries/{entry.id}/submit").status_code == 201
        shown = [f for f in figures_of(public_texts(kit, start), entry.code, section) if f != (None, None)]
        if index < len(kit.judges) - 1:
            assert shown == [], f"figures public after {index + 1} of 5 sheets"
    # the whole panel has submitted: the figures are public now
    figures = {f[1] for f in shown}
    assert figures == {section_figure(MARKS, kit)} == {"28.00"}
    possible = possible_marks(kit, figures)
    for judge, values in possible.items():
        assert MARKS[judge] in values and len(values) >= 3, (judge, values)
    # every public channel carried the same figure or none: nothing else to difference
    assert {f[1] for f in figures_of(public_texts(kit, start), entry.code, section)} <= {None, "28.00"}


def test_the_same_attempt_on_the_jury_stream_finds_the_mark_the_chief_judge_may_see(kit):
    entry = kit.entries[2]
    conduct = kit.judgement[1]
    section = kit.sections[1].id
    mark(kit, kit.judges[1], entry, conduct, OBSERVER_MARK)
    start = board.current_seq(kit.contest.id)
    mark(kit, kit.judges[2], entry, conduct, 4)
    jury = [json.loads(t) for t in BoardUpdate.objects.filter(contest=kit.contest, seq__gt=start)
            .values_list("jury_text", flat=True)]
    row = next(r for m in jury for e in m["events"] for r in e["rows"] if r["code"] == entry.code)
    assert row["marked"] == 2  # the chief judge sees progress and the partial aggregate
    # two marks (fewer than 5: plain mean): 40 × (7 + a) / 2 / 10 = shown → a is determined
    found = [a for a in range(11)
             if str(scoring.round_half_up(Fraction(40) * Fraction(OBSERVER_MARK + a, 2) / 10))
             == row["sections"][str(section)]]
    assert found == [4]
    # while the public saw no figure for the entry at all
    assert {f for f in figures_of(public_texts(kit, start), entry.code, section)} == {(None, None)}


def test_public_ranks_count_only_entries_with_public_figures(kit):
    done, busy = kit.entries[2], kit.entries[3]
    kit.complete(done)
    mark(kit, kit.judges[1], busy, kit.measurement, "20")  # live on the jury board only
    rows = {r["code"]: r for r in json.loads(board.snapshot_text(kit.contest.id, jury=False))["events"][0]["rows"]}
    assert rows[done.code]["rank"] == 1 and rows[done.code]["scored"] is True
    assert rows[busy.code] == {"rank": None, "code": busy.code, "name": None, "total": None, "scored": False,
                               "sections": {str(s.id): None for s in kit.sections}}
    jury = {r["code"]: r for r in json.loads(board.snapshot_text(kit.contest.id, jury=True))["events"][0]["rows"]}
    assert jury[busy.code]["rank"] == 2 and jury[busy.code]["total"] == "20.00"


def test_an_open_re_mark_takes_the_entrys_figures_off_the_public_board(kit):
    entry = kit.entries[2]
    kit.complete(entry)
    public = {r["code"]: r for r in json.loads(board.snapshot_text(kit.contest.id, jury=False))["events"][0]["rows"]}
    assert public[entry.code]["total"] is not None
    response = kit.client(kit.chief).post(f"judging/events/{kit.event.id}/moderation", {
        "entry_id": entry.id, "aspect_id": kit.judgement[1].id, "reason": "分差过大，请复评",
        "judge_ids": [kit.judges[1].id]})
    assert response.status_code == 201
    public = {r["code"]: r for r in json.loads(board.snapshot_text(kit.contest.id, jury=False))["events"][0]["rows"]}
    assert public[entry.code]["total"] is None  # a single judge's new mark would show as a difference
