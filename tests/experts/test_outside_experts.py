"""Outside experts (no account) on a contest panel: seating them — drawn and confirmed by phone, or picked —
makes their account (named, in their unit, no WeChat yet); a manager gives them a one-time binding code,
which their first WeChat login uses to become that account. Every refusal is a Chinese 4xx."""

from __future__ import annotations

from accounts.models import BindingCode, User, WechatIdentity
from competitions.models import Contest, Event, PanelMember
from competitions.services import add_entry
from experts.models import Seat
from tests.conftest import assert_error


def make_event(org, make_user):
    contest = Contest.objects.create(name="暖通技能比武", org_unit=org.base)
    event = Event.objects.create(contest=contest, name="冷水机组巡检")
    add_entry(event=event, contestant=make_user("选手甲", unit=org.hvac_team))
    return event


def test_a_drawn_outside_expert_confirmed_by_phone_gets_an_account_and_a_seat(api, org, make_user, manager, roster):
    event = make_event(org, make_user)
    admin = api.as_user(manager)
    body = admin.post(f"judging/events/{event.pk}/judge-draws", {"count": 5}).json()  # every qualified judge
    outside = roster["outside"]
    seat = Seat.objects.get(draw_id=body["draw_id"], expert=outside)
    answered = admin.post(f"experts/draws/{body['draw_id']}/seats/{seat.pk}/answer", {"accept": True})
    assert answered.status_code == 200, answered.content
    outside.refresh_from_db()
    user = outside.user
    assert user is not None and user.display_name == "院校庚" and not user.has_usable_password()
    assert not WechatIdentity.objects.filter(user=user).exists()
    member = PanelMember.objects.get(event=event, judge=user)
    assert member.source == "drawn"


def test_picking_an_outside_expert_by_roster_entry_makes_their_account(api, org, make_user, manager, roster):
    event = make_event(org, make_user)
    admin = api.as_user(manager)
    url = f"judging/events/{event.pk}/panel"
    assert_error(admin.post(url, {"reason": "无人"}), 422, "judge_required")
    assert_error(admin.post(url, {"expert_id": roster["lecturer"].pk, "reason": "讲师"}), 422, "not_a_roster_judge")
    picked = admin.post(url, {"expert_id": roster["outside"].pk, "reason": "院校专家，赛项需要"})
    assert picked.status_code == 201, picked.content
    assert picked.json()["bound"] is False and picked.json()["judge_name"] == "院校庚"
    roster["outside"].refresh_from_db()
    assert picked.json()["judge_id"] == roster["outside"].user_id
    assert_error(admin.post(url, {"expert_id": roster["outside"].pk, "reason": "再来"}), 409, "already_on_panel")
    users = User.objects.count()
    assert_error(admin.post(url, {"expert_id": roster["hvac1"].pk, "reason": "本工作室"}), 422, "judge_must_avoid")
    assert User.objects.count() == users  # a refusal makes no account


def test_the_binding_code_makes_the_first_wechat_login_the_experts_account(api, org, make_user, manager, roster,
                                                                          fake_wechat):
    outside = roster["outside"]
    assert_error(api.as_user(roster["base1"].user).post(f"experts/{outside.pk}/binding-code"), 403,
                 "not_roster_manager")
    first = api.as_user(manager).post(f"experts/{outside.pk}/binding-code")
    assert first.status_code == 201, first.content
    outside.refresh_from_db()
    assert first.json()["user_id"] == outside.user_id
    second = api.as_user(manager).post(f"experts/{outside.pk}/binding-code").json()  # replaces the first
    assert BindingCode.objects.filter(user_id=outside.user_id).count() == 1

    assert_error(api.post("auth/wechat-login", {"code": "wx-outside-1", "binding_code": first.json()["binding_code"]}),
                 422, "binding_code_invalid")
    assert not WechatIdentity.objects.filter(openid="wx-outside-1").exists()
    login = api.post("auth/wechat-login", {"code": "wx-outside-1", "binding_code": second["binding_code"].lower()})
    assert login.status_code == 200, login.content
    assert login.json()["user"]["id"] == outside.user_id and login.json()["user"]["name"] == "院校庚"
    assert WechatIdentity.objects.get(openid="wx-outside-1").user_id == outside.user_id
    me = api.__class__(login.json()["token"])
    assert me.get("experts/me").json()["code"] == outside.code
    again = api.post("auth/wechat-login", {"code": "wx-outside-1"})  # later logins need no code
    assert again.json()["user"]["id"] == outside.user_id

    assert_error(api.post("auth/wechat-login", {"code": "wx-other", "binding_code": second["binding_code"]}), 422,
                 "binding_code_invalid")  # used once
    assert_error(api.as_user(manager).post(f"experts/{outside.pk}/binding-code"), 409, "account_already_bound")


def test_a_wechat_that_already_logged_in_cannot_take_a_binding_code(api, manager, roster, fake_wechat):
    assert api.post("auth/wechat-login", {"code": "wx-known"}).status_code == 200
    code = api.as_user(manager).post(f"experts/{roster['outside'].pk}/binding-code").json()["binding_code"]
    assert_error(api.post("auth/wechat-login", {"code": "wx-known", "binding_code": code}), 409,
                 "wechat_already_registered")
    assert BindingCode.objects.get().used_at is None
