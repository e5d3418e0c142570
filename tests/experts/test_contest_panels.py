"""Contest panels from the roster: drawn (avoiding the contestants' units and declared avoidance; a
confirmation seats the judge and records the engagement) or picked by the organiser with a reason."""

from __future__ import annotations

from competitions.models import Contest, Event, PanelMember
from competitions.services import add_entry
from experts.models import Engagement, Seat
from tests.conftest import assert_error


def make_event(org, make_user):
    contest = Contest.objects.create(name="暖通技能比武", org_unit=org.base)
    event = Event.objects.create(contest=contest, name="冷水机组巡检")
    contestant = make_user("选手甲", unit=org.hvac_team)
    add_entry(event=event, contestant=contestant)
    return event, contestant


def test_drawn_judges_avoid_the_contestants_unit_and_take_their_seat_on_confirming(api, org, make_user, manager,
                                                                                   roster):
    event, contestant = make_event(org, make_user)
    roster["bas1"].avoidances.create(person=contestant, reason="亲属")
    response = api.as_user(manager).post(f"judging/events/{event.pk}/judge-draws", {"count": 3, "backups": 1})
    assert response.status_code == 201, response.content
    body = response.json()
    # Judges of the HVAC studio (the contestant's team is inside it) and bas1 are out: base1, base2, bas2,
    # outside qualify.
    assert body["candidates"] == 4
    drawn = {s["expert_code"] for s in body["members"] + body["backups"]}
    assert drawn == {roster[k].code for k in ("base1", "base2", "bas2", "outside")}

    seat = Seat.objects.filter(draw_id=body["draw_id"], is_backup=False, expert__user__isnull=False).first()
    me = api.as_user(seat.expert.user)
    assert me.post(f"experts/invitations/{seat.pk}/answer", {"accept": True}).status_code == 200
    member = PanelMember.objects.get(event=event, judge=seat.expert.user)
    assert (member.source, member.draw_id) == ("drawn", body["draw_id"])
    engagement = Engagement.objects.get(expert=seat.expert)
    assert (engagement.kind, engagement.title, engagement.role) == ("contest", "暖通技能比武 · 冷水机组巡检", "裁判")
    assert me.get("experts/me").json()["engagements"][0]["kind_label"] == "执裁比武"


def test_too_few_judges_for_an_event_is_422_with_the_count(api, org, make_user, manager, roster):
    event, _ = make_event(org, make_user)
    error = assert_error(api.as_user(manager).post(f"judging/events/{event.pk}/judge-draws", {"count": 6}), 422,
                         "not_enough_experts")
    assert error["detail"]["qualified"] == 5  # base1, base2, bas1, bas2, outside
    assert not Seat.objects.exists()


def test_picking_a_judge_needs_a_roster_judge_a_reason_and_no_conflict(api, org, make_user, manager, roster):
    event, contestant = make_event(org, make_user)
    admin = api.as_user(manager)
    url = f"judging/events/{event.pk}/panel"
    anyone = make_user("随便一人", unit=org.base)
    assert_error(admin.post(url, {"user_id": anyone.pk, "reason": "熟人"}), 422, "not_a_roster_judge")
    assert_error(admin.post(url, {"user_id": roster["lecturer"].user_id, "reason": "讲师"}), 422, "not_a_roster_judge")
    assert_error(admin.post(url, {"user_id": roster["suspended"].user_id, "reason": "暂停"}), 422, "not_a_roster_judge")
    assert_error(admin.post(url, {"user_id": roster["hvac1"].user_id, "reason": "本工作室"}), 422, "judge_must_avoid")
    roster["base1"].avoidances.create(person=contestant)
    assert_error(admin.post(url, {"user_id": roster["base1"].user_id, "reason": "回避"}), 422, "judge_must_avoid")
    assert_error(admin.post(url, {"user_id": roster["base2"].user_id, "reason": ""}), 422)
    assert not PanelMember.objects.exists()

    picked = admin.post(url, {"user_id": roster["base2"].user_id, "reason": "空调末端专家，赛项需要"})
    assert picked.status_code == 201, picked.content
    assert picked.json()["source"] == "picked" and picked.json()["reason"] == "空调末端专家，赛项需要"
    assert_error(admin.post(url, {"user_id": roster["base2"].user_id, "reason": "再来"}), 409, "already_on_panel")
    assert Engagement.objects.filter(expert=roster["base2"], kind="contest").count() == 1


def test_only_the_organiser_forms_the_panel_and_only_before_scoring(api, org, make_user, manager, roster):
    event, _ = make_event(org, make_user)
    judge = api.as_user(roster["base2"].user)
    assert_error(judge.post(f"judging/events/{event.pk}/judge-draws", {"count": 1}), 403, "not_organiser")
    assert_error(judge.post(f"judging/events/{event.pk}/panel", {"user_id": roster["base2"].user_id, "reason": "我"}),
                 403, "not_organiser")
    Event.objects.filter(pk=event.pk).update(state=Event.State.OPEN)
    assert_error(api.as_user(manager).post(f"judging/events/{event.pk}/judge-draws", {"count": 1}), 409,
                 "event_not_draft")
    assert_error(api.as_user(manager).post("judging/events/999999/judge-draws", {"count": 1}), 404)


def test_a_seat_added_in_the_admin_needs_a_roster_judge_and_a_reason(org, make_user, roster):
    from competitions.admin import PanelMemberForm

    event, _ = make_event(org, make_user)
    anyone = make_user("随便一人", unit=org.base)
    assert not PanelMemberForm({"event": event.pk, "judge": anyone.pk, "reason": "熟人"}).is_valid()
    assert not PanelMemberForm({"event": event.pk, "judge": roster["base2"].user_id, "reason": ""}).is_valid()
    form = PanelMemberForm({"event": event.pk, "judge": roster["base2"].user_id, "reason": "赛项需要"})
    assert form.is_valid(), form.errors
    assert form.save().source == "picked"


def test_a_team_events_panel_avoids_every_team_member_not_only_the_captain(api, org, make_user, manager, roster):
    from competitions import teams

    contest = Contest.objects.create(name="团体比武", org_unit=org.base)
    event = Event.objects.create(contest=contest, name="团体巡检", participation="team")
    captain, member = make_user("队长甲", unit=org.bas), make_user("队员乙", unit=org.bas)
    teams.add_team(event=event, name="基地队", captain=captain, members=[member])
    roster["base1"].avoidances.create(person=member, reason="亲属")
    admin = api.as_user(manager)
    assert_error(admin.post(f"judging/events/{event.pk}/panel", {"user_id": roster["base1"].user_id,
                                                                 "reason": "回避"}), 422, "judge_must_avoid")
    body = admin.post(f"judging/events/{event.pk}/judge-draws", {"count": 1}).json()
    assert roster["base1"].code not in {s["expert_code"] for s in body["members"] + body["backups"]}
    # The BAS studio's judges avoid the team's unit, base1 the member: hvac1, hvac2, base2, outside qualify.
    assert body["candidates"] == 4
