"""Rounds (issue 17): the top N of a published preliminary advance to the final (everyone tied with the
N-th advances too); the final carries a share of the preliminary total (30 % + 70 %) or starts fresh, and
its published results are the event's results."""

import random
import uuid
from decimal import Decimal

from competitions import rounds, services
from competitions.models import Aspect, AuditLog, Entry, Event, PanelMember, Section
from tests.competitions.conftest import Kit
from tests.conftest import assert_error

MEASURED = [("实操", "100", [("测量项", "measurement", "100", 3)])]


def test_qualification_with_ties_at_the_cut():
    rows = [{"rank": r, "code": c} for r, c in [(1, "A3"), (2, "A1"), (3, "A2"), (3, "A5"), (5, "A4")]]
    assert [r["code"] for r in rounds.qualified(rows, 2)[0]] == ["A3", "A1"]
    advanced, cut = rounds.qualified(rows, 3)
    assert [r["code"] for r in advanced] == ["A3", "A1", "A2", "A5"] and cut == 3
    assert len(rounds.qualified(rows, 10)[0]) == 5 and rounds.qualified([], 3) == ([], None)


def measure(kit, entry, value, aspect):
    judges = kit.free_judges(entry)
    item = {"client_id": str(uuid.uuid4()), "entry_id": entry.id, "aspect_id": aspect.id, "value": str(value)}
    assert kit.post_marks(judges[0], [item]).status_code == 200
    for judge in judges:
        assert kit.client(judge).post(f"judging/entries/{entry.id}/submit").status_code in (200, 201)


def preliminary(api, org, make_user, totals):
    kit = Kit(api, org, make_user, scheme=MEASURED)
    for entry, total in zip(kit.entries, totals, strict=True):
        measure(kit, entry, total, kit.measurement)
    services.lock_event(actor=kit.chief, event_id=kit.event.id)
    kit.recheck()
    services.publish_event(actor=kit.chief, event_id=kit.event.id)
    return kit


def final_of(kit, *, qualifiers, carry_share):
    final = Event.objects.create(contest=kit.contest, name="暖通故障排除（决赛）", order=1, code_prefix="F",
                                 previous_round=kit.event, qualifiers=qualifiers, carry_share=Decimal(carry_share))
    section = Section.objects.create(event=final, name="实操", weight=Decimal("100"))
    aspect = Aspect.objects.create(section=section, name="决赛测量项", kind="measurement", max_mark=Decimal("100"))
    for member in PanelMember.objects.filter(event=kit.event):
        PanelMember.objects.create(event=final, judge=member.judge, is_chief=member.is_chief)
    return final, aspect


def test_the_top_n_advance_with_ties_and_the_final_carries_30_percent(api, org, make_user):
    kit = preliminary(api, org, make_user, ["90", "80", "80", "70"])  # ranks 1, 2, 2, 4
    final, aspect = final_of(kit, qualifiers=2, carry_share="30")
    chief = kit.client(kit.chief)
    assert_error(kit.client(kit.judges[1]).post(f"judging/events/{final.id}/advance"), 403, "not_chief_judge")
    advanced = chief.post(f"judging/events/{final.id}/advance")
    assert advanced.status_code == 201, advanced.content
    body = advanced.json()
    assert body["advanced"] == 3 and body["cut_rank"] == 2  # the two tied at 2nd both go through
    entries = {e.contestant_id: e for e in Entry.objects.filter(event=final)}
    people = [e.contestant_id for e in kit.entries]
    assert set(entries) == set(people[:3])
    assert [entries[p].carried_total for p in people[:3]] == [Decimal("90.00"), Decimal("80.00"), Decimal("80.00")]
    assert entries[people[0]].carried_from_id == kit.entries[0].id
    assert_error(chief.post(f"judging/events/{final.id}/advance"), 409, "already_advanced")
    assert AuditLog.objects.filter(event=final, action="advance").count() == 1
    services.open_event(actor=kit.chief, event_id=final.id, rng=random.Random(3))
    finals = {p: Entry.objects.get(event=final, contestant_id=p) for p in people[:3]}
    own = {people[0]: "60", people[1]: "95", people[2]: "70"}
    for person, entry in finals.items():
        measure(kit, entry, own[person], aspect)
    jury = chief.get(f"competitions/{kit.contest.id}/jury-board").json()
    rows = {r["entry_id"]: r for r in next(e for e in jury["events"] if e["id"] == final.id)["rows"]}
    # 0.3 × 90 + 0.7 × 60 = 69.00; 0.3 × 80 + 0.7 × 95 = 90.50; 0.3 × 80 + 0.7 × 70 = 73.00
    got = {p: (rows[finals[p].id]["total"], rows[finals[p].id]["rank"]) for p in people[:3]}
    assert got == {people[0]: ("69.00", 3), people[1]: ("90.50", 1), people[2]: ("73.00", 2)}
    services.lock_event(actor=kit.chief, event_id=final.id)
    kit.recheck(event_id=final.id)
    services.publish_event(actor=kit.chief, event_id=final.id)
    results = chief.get(f"competitions/{kit.contest.id}/results").json()["items"]
    last = [r for r in results if r["event_id"] == final.id][-1]
    assert [row["total"] for row in last["rows"]] == ["90.50", "73.00", "69.00"]


def test_a_fresh_final_ignores_the_preliminary(api, org, make_user):
    kit = preliminary(api, org, make_user, ["90", "80", "75", "70"])
    final, aspect = final_of(kit, qualifiers=2, carry_share="0")
    assert kit.client(kit.chief).post(f"judging/events/{final.id}/advance").json()["advanced"] == 2
    services.open_event(actor=kit.chief, event_id=final.id, rng=random.Random(3))
    first, second = (Entry.objects.get(event=final, contestant_id=e.contestant_id) for e in kit.entries[:2])
    measure(kit, first, "50", aspect)
    measure(kit, second, "60", aspect)
    rows = {r["entry_id"]: r for r in kit.client(kit.chief).get(f"competitions/{kit.contest.id}/jury-board")
            .json()["events"][1]["rows"]}
    assert (rows[second.id]["total"], rows[second.id]["rank"]) == ("60.00", 1)
    assert (rows[first.id]["total"], rows[first.id]["rank"]) == ("50.00", 2)


def test_advancing_needs_a_published_previous_round(api, org, make_user):
    kit = Kit(api, org, make_user, scheme=MEASURED)
    final, _ = final_of(kit, qualifiers=2, carry_share="30")
    chief = kit.client(kit.chief)
    assert_error(chief.post(f"judging/events/{final.id}/advance"), 409, "previous_not_published")
    assert_error(chief.post(f"judging/events/{kit.event.id}/advance"), 422, "no_previous_round")
    Event.objects.filter(pk=final.pk).update(qualifiers=None)
    assert_error(chief.post(f"judging/events/{final.id}/advance"), 422, "qualifiers_required")
    assert not Entry.objects.filter(event=final).exists()


def test_teams_advance_as_the_same_teams(api, org, make_user):
    from competitions import teams
    from competitions.models import EntryMember

    kit = Kit(api, org, make_user, scheme=MEASURED, open_event=False,
              contestant_units=[org.hvac_team, org.hvac_team, org.base, org.bas])
    Entry.objects.filter(event=kit.event).delete()
    Event.objects.filter(pk=kit.event.pk).update(participation="team")
    kit.event.refresh_from_db()
    a, b, c, d = kit.contestants
    kit.entries = [teams.add_team(event=kit.event, name="甲队", captain=a, members=[b]),
                   teams.add_team(event=kit.event, name="乙队", captain=d, members=[c])]
    services.open_event(actor=kit.chief, event_id=kit.event.id, rng=random.Random(5))
    kit.refresh()
    measure(kit, kit.entries[0], "70", kit.measurement)
    measure(kit, kit.entries[1], "85", kit.measurement)
    services.lock_event(actor=kit.chief, event_id=kit.event.id)
    kit.recheck()
    services.publish_event(actor=kit.chief, event_id=kit.event.id)
    final, _ = final_of(kit, qualifiers=1, carry_share="50")
    Event.objects.filter(pk=final.pk).update(participation="team")
    body = kit.client(kit.chief).post(f"judging/events/{final.id}/advance").json()
    assert body["advanced"] == 1 and body["entries"][0]["name"] == "乙队（选手4、选手3）"
    [team] = Entry.objects.filter(event=final)
    assert (team.team_name, team.carried_total, team.carried_from_id) == ("乙队", Decimal("85.00"), kit.entries[1].id)
    assert list(EntryMember.objects.filter(entry=team).values_list("member_id", flat=True)) == [d.pk, c.pk]
