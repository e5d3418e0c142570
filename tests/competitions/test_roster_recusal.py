"""Recusal also follows the roster's avoidance lists (issue 15): a judge whose expert record declares the
contestant's unit (回避单位) or the contestant (回避人员) is recused from that entry, exactly as from a
contestant of their own studio or team: marks and sheets refused (403 recused), the entry flagged in
their assignments, the board aggregating without them, the lock not waiting for their sheet."""

from __future__ import annotations

import json
import random
import uuid

import pytest

from competitions import board, services, teams
from competitions.models import Mark, SheetSubmission
from experts import services as experts_services
from tests.competitions.conftest import Kit
from tests.conftest import assert_error


@pytest.fixture
def avoiding(make_kit):
    """The kit before opening; judge 2 declares the BAS studio (contestant 2's unit) a unit to avoid,
    judge 3 declares contestant 4 a person to avoid; then the event opens."""
    kit = make_kit(open_event=False)
    unit_avoider = experts_services.create_expert(name="裁判2", user=kit.judges[1], categories=["judge"])
    unit_avoider.avoidances.create(org_unit=kit.org.bas, reason="曾在该工作室任职")
    person_avoider = experts_services.create_expert(name="裁判3", user=kit.judges[2], categories=["judge"])
    person_avoider.avoidances.create(person=kit.contestants[3], reason="亲属")
    services.open_event(actor=kit.chief, event_id=kit.event.id, rng=random.Random(7))
    kit.refresh()
    return kit


def jury_row(kit, entry):
    snap = json.loads(board.snapshot_text(kit.contest.id, jury=True))
    return next(r for r in snap["events"][0]["rows"] if r["code"] == entry.code)


def test_a_judge_avoiding_a_unit_or_person_is_recused_for_those_entries(avoiding):
    kit = avoiding
    bas_entry, other = kit.entries[1], kit.entries[2]
    mine = kit.client(kit.judges[1]).get("judging/assignments").json()["events"][0]["entries"]
    assert {e["id"] for e in mine if e["recused"]} == {bas_entry.id}
    theirs = kit.client(kit.judges[2]).get("judging/assignments").json()["events"][0]["entries"]
    assert {e["id"] for e in theirs if e["recused"]} == {kit.entries[3].id}

    body = assert_error(kit.mark(kit.judges[1], bas_entry, kit.judgement[0], 2), 403, "recused")
    assert "回避" in body["message"]
    assert_error(kit.mark(kit.judges[2], kit.entries[3], kit.judgement[0], 2), 403, "recused")
    assert not Mark.objects.filter(judge__in=kit.judges[1:3], entry__in=[bas_entry, kit.entries[3]]).exists()
    assert kit.mark(kit.judges[1], other, kit.judgement[0], 2).status_code == 200
    assert_error(kit.client(kit.judges[1]).post(f"judging/entries/{bas_entry.id}/submit"), 403, "recused")
    assert not SheetSubmission.objects.filter(judge=kit.judges[1], entry=bas_entry).exists()


def test_the_board_aggregates_without_the_avoiding_judge_and_the_lock_does_not_wait(avoiding):
    kit = avoiding
    bas_entry = kit.entries[1]
    # Five judges; judge 2 avoids the BAS studio, judge 3 contestant 4: four judge each of those entries.
    assert jury_row(kit, bas_entry)["judges"] == 4
    assert jury_row(kit, kit.entries[3])["judges"] == 4  # judge 3 avoids contestant 4
    assert jury_row(kit, kit.entries[2])["judges"] == 5
    free = [j for j in kit.judges if j != kit.judges[1]]
    for i, judge in enumerate(free):
        marks = [{"client_id": str(uuid.uuid4()), "entry_id": bas_entry.id, "aspect_id": a.id, "value": "2"}
                 for a in kit.judgement]
        if i == 0:
            marks.append({"client_id": str(uuid.uuid4()), "entry_id": bas_entry.id,
                          "aspect_id": kit.measurement.id, "value": "10"})
        assert all(r["status"] == 201 for r in kit.post_marks(judge, marks).json()["results"])
        assert kit.client(judge).post(f"judging/entries/{bas_entry.id}/submit").status_code == 201
    row = jury_row(kit, bas_entry)
    assert (row["submitted"], row["judges"], row["marked"]) == (4, 4, 1 + 4 * 2)
    problems = services.lock_problems(kit.event)
    assert not [s for s in problems["sheets"] if s["entry_id"] == bas_entry.id]
    # The whole event recomputed from the database gives the rows the marks moved the board to.
    stored = json.loads(board.snapshot_text(kit.contest.id, jury=True))["events"][0]["rows"]
    assert {r["code"]: r["total"] for r in stored} == {
        r["code"]: r["total"] for r in board.compute_event(kit.event)["jury_rows"]}


def test_a_re_mark_cannot_ask_an_avoiding_judge(avoiding):
    kit = avoiding
    chief = kit.client(kit.chief)
    response = chief.post(f"judging/events/{kit.event.id}/moderation",
                          {"entry_id": kit.entries[1].id, "aspect_id": kit.judgement[0].id, "reason": "分差过大",
                           "judge_ids": [kit.judges[1].id]})
    assert_error(response, 422, "judge_not_on_panel")


def test_the_mark_path_reads_avoidance_once_whatever_the_data(avoiding):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count(kit, entry):
        item = {"client_id": str(uuid.uuid4()), "entry_id": entry.id, "aspect_id": kit.judgement[0].id,
                "value": "1"}
        with CaptureQueriesContext(connection) as ctx:
            assert kit.post_marks(kit.judges[3], [item]).status_code == 200
        return len(ctx)

    avoiding.mark(avoiding.judges[3], avoiding.entries[3], avoiding.judgement[1], 1)  # the client's token
    few = count(avoiding, avoiding.entries[2])
    for entry in avoiding.entries[:3]:
        avoiding.mark(avoiding.judges[4], entry, avoiding.judgement[1], 2)
    assert count(avoiding, avoiding.entries[0]) == few
    assert few <= 13  # the 12 of a mark (test_judging) and one read of the panel's declared avoidance


# --- teams (issue 17): a declared person avoidance covers every member of a team, not only its captain ----
def team_avoiding(api, org, make_user, *, extra_teams=0):
    """The team kit (暖通一队: 选手1–3; 楼控联队: captain 选手4 and member 队员1); judge 3 declares 队员1 — a
    member, not the captain — a person to avoid; then the event opens."""
    from tests.competitions.test_teams import team_kit

    kit = team_kit(api, org, make_user)
    for n in range(extra_teams):
        pair = [make_user(f"加队{n}-{k}", unit=org.base) for k in range(2)]
        kit.entries.append(teams.add_team(event=kit.event, name=f"加队{n}", captain=pair[0], members=[pair[1]]))
    expert = experts_services.create_expert(name="裁判3", user=kit.judges[2], categories=["judge"])
    expert.avoidances.create(person=kit.people[4], reason="亲属")
    services.open_event(actor=kit.chief, event_id=kit.event.id, rng=random.Random(7))
    kit.refresh()
    return kit


def test_a_judge_avoiding_a_team_member_is_recused_from_the_team_everywhere(api, org, make_user):
    kit = team_avoiding(api, org, make_user)
    first, team = kit.entries
    judge = kit.judges[2]
    mine = kit.client(judge).get("judging/assignments").json()["events"][0]["entries"]
    assert {e["id"]: e["recused"] for e in mine} == {first.id: False, team.id: True}
    body = assert_error(kit.mark(judge, team, kit.judgement[0], 2), 403, "recused")
    assert "回避" in body["message"]
    assert kit.mark(judge, first, kit.judgement[0], 2).status_code == 200
    assert_error(kit.client(judge).post(f"judging/entries/{team.id}/submit"), 403, "recused")
    assert not Mark.objects.filter(judge=judge, entry=team).exists()
    assert not SheetSubmission.objects.filter(judge=judge, entry=team).exists()
    chief = kit.client(kit.chief)
    assert_error(chief.post("judging/marks/override", {
        "client_id": "ov-team", "judge_id": judge.id, "entry_id": team.id, "aspect_id": kit.judgement[0].id,
        "value": "3", "reason": "裁判录入错误，经核对原始评分表更正"}), 422, "recused")
    assert_error(chief.post(f"judging/events/{kit.event.id}/moderation", {
        "entry_id": team.id, "aspect_id": kit.judgement[0].id, "reason": "分差过大", "judge_ids": [judge.id]}),
        422, "judge_not_on_panel")
    assert not Mark.objects.filter(judge=judge, entry=team).exists()


def test_the_board_aggregates_a_team_without_the_judge_avoiding_a_member(api, org, make_user):
    kit = team_avoiding(api, org, make_user)
    first, team = kit.entries
    # Five judges: judge 1 (HVAC studio) steps aside from 暖通一队, judge 3 (avoids 队员1) from 楼控联队.
    assert (jury_row(kit, first)["judges"], jury_row(kit, team)["judges"]) == (4, 4)
    free = [j for j in kit.judges if j != kit.judges[2]]
    for i, judge in enumerate(free):
        marks = [{"client_id": str(uuid.uuid4()), "entry_id": team.id, "aspect_id": a.id, "value": str(i % 3 + 1)}
                 for a in kit.judgement]
        if i == 0:
            marks.append({"client_id": str(uuid.uuid4()), "entry_id": team.id, "aspect_id": kit.measurement.id,
                          "value": "10"})
        assert all(r["status"] == 201 for r in kit.post_marks(judge, marks).json()["results"])
        assert kit.client(judge).post(f"judging/entries/{team.id}/submit").status_code == 201
    row = jury_row(kit, team)
    assert (row["submitted"], row["judges"], row["marked"]) == (4, 4, 1 + 4 * 2)
    assert not [s for s in services.lock_problems(kit.event)["sheets"] if s["entry_id"] == team.id]
    stored = json.loads(board.snapshot_text(kit.contest.id, jury=True))["events"][0]["rows"]
    computed = board.compute_event(kit.event)["jury_rows"]
    assert {r["code"]: (r["total"], r["judges"]) for r in stored} == {
        r["code"]: (r["total"], r["judges"]) for r in computed}


def test_team_members_cost_one_query_only_when_a_judge_avoids_a_person(api, org, make_user):
    """Computing a team event and one team mark read the team members once (one query, whatever the
    number of teams) when a judge of the panel avoids a person; an individual event never reads them."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.competitions.test_teams import team_kit

    def counts(kit, entry):
        with CaptureQueriesContext(connection) as compute:
            board.compute_event(kit.event)
        with CaptureQueriesContext(connection) as mark:
            assert kit.mark(kit.judges[3], entry, kit.judgement[0], 2).status_code == 200
        return len(compute), len(mark)

    individual = Kit(api, org, make_user, open_event=False)
    expert = experts_services.create_expert(name="裁判3", user=individual.judges[2], categories=["judge"])
    expert.avoidances.create(person=individual.contestants[3], reason="亲属")
    services.open_event(actor=individual.chief, event_id=individual.event.id, rng=random.Random(7))
    individual.refresh()
    plain = team_kit(api, org, make_user)  # no avoidance declared: members are never read
    services.open_event(actor=plain.chief, event_id=plain.event.id, rng=random.Random(7))
    plain.refresh()
    small, large = team_avoiding(api, org, make_user), team_avoiding(api, org, make_user, extra_teams=3)
    for kit in (individual, plain, small, large):  # the client's token, read once per client
        kit.mark(kit.judges[3], kit.entries[0], kit.judgement[1], 1)
    base = counts(plain, plain.entries[1])
    with_avoidance = counts(individual, individual.entries[1])
    assert with_avoidance == (base[0] + 1, base[1] + 1)  # the declared avoidance, as before teams counted
    assert counts(small, small.entries[1]) == counts(large, large.entries[1]) == (base[0] + 2, base[1] + 2)
