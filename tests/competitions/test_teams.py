"""Team events (issue 17): an entry of 2–5 people with one code, marked as one; the board and the results
name the team and its members; a person is in one team per event; apprenticeship reads find members."""

import random

import pytest

from competitions import selectors, services, teams
from competitions.models import Entry, EntryMember, Event, PublishedResult
from miniprogram_api.errors import ApiError
from tests.competitions.conftest import Kit
from tests.conftest import CJK


def team_kit(api, org, make_user):
    kit = Kit(api, org, make_user, open_event=False, contestant_units=[org.hvac_team, org.hvac_team, org.base, org.bas])
    Entry.objects.filter(event=kit.event).delete()  # the kit's individual entries: this is a team event
    Event.objects.filter(pk=kit.event.pk).update(participation="team")
    kit.event.refresh_from_db()
    people = kit.contestants + [make_user(f"队员{n}", unit=org.base) for n in range(1, 4)]
    kit.people = people
    kit.entries = [
        teams.add_team(event=kit.event, name="暖通一队", captain=people[0], members=[people[1], people[2]]),
        teams.add_team(event=kit.event, name="楼控联队", captain=people[3], members=[people[4]]),
    ]
    return kit


def refused(code, fn, **kwargs):
    with pytest.raises(ApiError) as caught:
        fn(**kwargs)
    assert caught.value.code == code and CJK.search(caught.value.message), caught.value.message
    return caught.value


def test_a_team_is_one_entry_with_one_code_marked_as_one_and_named_with_its_members(api, org, make_user):
    kit = team_kit(api, org, make_user)
    first, second = kit.entries
    assert [m.member_id for m in EntryMember.objects.filter(entry=first)] == [p.pk for p in kit.people[:3]]
    assert EntryMember.objects.get(entry=first, member=kit.people[0]).is_captain
    services.open_event(actor=kit.chief, event_id=kit.event.id, rng=random.Random(7))
    kit.refresh()
    assert first.code and second.code and first.code != second.code
    detail = kit.client(kit.spectator).get(f"competitions/{kit.contest.id}").json()["events"][0]
    assert (detail["participation"], detail["team_min"], detail["team_max"], detail["kind"]) == ("team", 2, 5,
                                                                                                   "practical")
    kit.complete(first, judgement_values=[3, 3, 3, 3, 3], measurement="18")
    kit.complete(second, judgement_values=[1, 1, 1, 1, 1], measurement="10")
    jury = kit.client(kit.chief).get(f"competitions/{kit.contest.id}/jury-board").json()
    rows = {r["entry_id"]: r for r in jury["events"][0]["rows"]}
    assert rows[first.id]["name"] == "暖通一队（选手1、选手2、选手3）" and rows[first.id]["rank"] == 1
    assert rows[second.id]["name"] == "楼控联队（选手4、队员1）"
    services.lock_event(actor=kit.chief, event_id=kit.event.id)
    kit.recheck()
    services.publish_event(actor=kit.chief, event_id=kit.event.id)
    [result] = PublishedResult.objects.filter(event=kit.event)
    assert [r["name"] for r in result.rows] == ["暖通一队（选手1、选手2、选手3）", "楼控联队（选手4、队员1）"]
    public = api.get(f"competitions/{kit.contest.id}/board").json()
    assert public["events"][0]["rows"][0]["name"] == "暖通一队（选手1、选手2、选手3）"
    # Other apps (apprenticeship evidence) find a member's team entry and everyone it stands for.
    member = kit.people[2]
    assert [e.id for e in selectors.entries_of(kit.event, contestant=member)] == [first.id]
    assert [e.id for e in selectors.published_events_of(member)] == [kit.event.id]
    from accounts.models import User  # a contest survey's audience (evaluations) includes every member

    assert set(User.objects.filter(pk__in=selectors.contestant_ids(kit.contest.id)).values_list("pk", flat=True)) \
        == {p.pk for p in kit.people[:5]}
    assert selectors.entry_people([first, second]) == {first.id: [p.pk for p in kit.people[:3]],
                                                       second.id: [kit.people[3].pk, kit.people[4].pk]}


def test_team_rules_have_stable_codes_and_chinese_messages(api, org, make_user):
    kit = team_kit(api, org, make_user)
    extra = [make_user(f"新人{n}", unit=org.base) for n in range(6)]
    event = kit.event
    refused("team_size", teams.add_team, event=event, name="单人队", captain=extra[0], members=[])
    refused("team_size", teams.add_team, event=event, name="六人队", captain=extra[0], members=extra[1:6])
    refused("team_duplicate_member", teams.check_team, event=event, name="重复队", people=[extra[0], extra[0]])
    refused("team_name_required", teams.add_team, event=event, name="  ", captain=extra[0], members=[extra[1]])
    error = refused("already_in_team", teams.add_team, event=event, name="抢人队", captain=extra[0],
                    members=[kit.people[1]])
    assert error.status == 409 and error.detail["user_ids"] == [kit.people[1].pk]
    Event.objects.filter(pk=event.pk).update(team_max=3)
    event.refresh_from_db()
    refused("team_size", teams.add_team, event=event, name="四人队", captain=extra[0], members=extra[1:4])
    assert Entry.objects.filter(event=event).count() == 2  # nothing written by the refusals
    refused("team_mixed_units", teams.add_team, event=event, name="混编队", captain=make_user("暖通人", unit=org.hvac),
            members=[make_user("楼控人", unit=org.bas)])
    individual = Event.objects.create(contest=kit.contest, name="个人赛")
    refused("not_team_event", teams.add_team, event=individual, name="队", captain=extra[0], members=[extra[1]])


def test_a_team_of_the_wrong_size_stops_the_event_from_opening(api, org, make_user):
    kit = team_kit(api, org, make_user)
    EntryMember.objects.filter(entry=kit.entries[1], is_captain=False).delete()  # one person left
    response = kit.client(kit.chief).post(f"judging/events/{kit.event.id}/open")
    assert response.status_code == 422 and response.json()["code"] == "scheme_invalid"
    assert any("楼控联队" in p for p in response.json()["detail"]["problems"])


def test_the_database_keeps_a_person_in_one_team_per_event(api, org, make_user):
    from django.db import IntegrityError, transaction

    kit = team_kit(api, org, make_user)
    with pytest.raises(IntegrityError), transaction.atomic():
        EntryMember.objects.create(event=kit.event, entry=kit.entries[1], member=kit.people[0])


def test_a_team_competes_for_its_members_studio_so_its_judges_step_aside(api, org, make_user):
    """A base captain with a member from the HVAC studio's team: the entry is the HVAC studio's, and the
    HVAC studio's judge (judge 1) is recused from it."""
    kit = team_kit(api, org, make_user)
    captain, member = make_user("基地队长", unit=org.base), make_user("暖通队员", unit=org.hvac_team)
    mixed = teams.add_team(event=kit.event, name="基地暖通队", captain=captain, members=[member])
    assert mixed.org_unit == org.hvac_team and mixed.contestant == captain
    services.open_event(actor=kit.chief, event_id=kit.event.id, rng=random.Random(7))
    entries = kit.client(kit.judges[0]).get("judging/assignments").json()["events"][0]["entries"]
    assert {e["id"]: e["recused"] for e in entries}[mixed.id] is True


def test_team_names_cost_the_board_no_extra_query(api, org, make_user):
    """The board names a team from the entry itself (ADR 0077): computing a team event takes as many
    queries as an individual one, and one team mark as many as an individual mark."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from competitions import board

    individual = Kit(api, org, make_user)
    team = team_kit(api, org, make_user)
    services.open_event(actor=team.chief, event_id=team.event.id, rng=random.Random(7))
    team.refresh()
    counts = []
    for kit in (individual, team):
        with CaptureQueriesContext(connection) as compute:
            board.compute_event(kit.event)
        with CaptureQueriesContext(connection) as mark:
            assert kit.mark(kit.judges[1], kit.entries[1], kit.judgement[0], 2).status_code == 200
        counts.append((len(compute), len(mark)))
    assert counts[0] == counts[1], counts
