"""Draws: reproducible from the recorded seed and candidates, avoidance, backups called on a decline,
too many asked → 422 with how many qualify and nothing written."""

from __future__ import annotations

import hashlib

from experts import selectors, services
from experts.models import Draw, Seat
from notifications.models import Notification
from tests.conftest import assert_error

from .conftest import spec


def body(**extra):
    return {"purpose": "暖通技能比武裁判组", "specialities": [spec("hvac")], "categories": ["judge"], "count": 2,
            "backups": 1, **extra}


def test_draw_records_candidates_and_seed_and_verify_reproduces_it(api, manager, roster):
    admin = api.as_user(manager)
    response = admin.post("experts/draws", body())
    assert response.status_code == 201, response.content
    draw = response.json()
    # Qualified: the active HVAC judges (subtree of 暖通), not the lecturer, not the suspended one.
    assert [c["code"] for c in draw["candidates"]] == sorted(
        roster[k].code for k in ("hvac1", "hvac2", "base1", "base2", "outside"))
    assert len(draw["members"]) == 2 and len(draw["backup_seats"]) == 1
    assert {s["status"] for s in draw["members"]} == {"invited"}
    assert draw["backup_seats"][0]["status"] == "standby"

    # The documented procedure, computed here by hand with hashlib.
    order = sorted((hashlib.sha256(f"{draw['seed']}:{c['code']}".encode()).hexdigest(), c["code"])
                   for c in draw["candidates"])
    assert [s["expert_code"] for s in draw["members"]] == [code for _, code in order[:2]]
    assert draw["backup_seats"][0]["expert_code"] == order[2][1]

    verify = admin.get(f"experts/draws/{draw['id']}/verify").json()
    assert verify["matches"] is True and "sha256" in verify["procedure"]
    assert verify["recorded_members"] == verify["expected_members"]


def test_same_seed_same_candidates_same_result(roster, manager):
    first = services.draw(actor=manager, purpose="复核", count=3, backups=2, categories=["judge"], seed="abc123")
    second = services.draw(actor=manager, purpose="复核", count=3, backups=2, categories=["judge"], seed="abc123")
    assert ([s.expert_id for s in first.seats.order_by("position")]
            == [s.expert_id for s in second.seats.order_by("position")])
    other = services.draw(actor=manager, purpose="复核", count=3, backups=2, categories=["judge"], seed="xyz789")
    assert selectors.draw_order("abc123", ["a", "b", "c"]) == selectors.draw_order("abc123", ["c", "a", "b"])
    assert other.seed == "xyz789"


def test_a_tampered_record_does_not_verify(api, manager, roster):
    draw = services.draw(actor=manager, purpose="复核", count=2, backups=0, categories=["judge"])
    seat = draw.seats.get(position=1)
    replacement = next(e for e in (roster["bas1"], roster["bas2"]) if not draw.seats.filter(expert=e).exists())
    Seat.objects.filter(pk=seat.pk).update(expert=replacement)
    assert api.as_user(manager).get(f"experts/draws/{draw.pk}/verify").json()["matches"] is False


def test_avoidance_units_and_declared_lists_are_never_drawn(org, make_user, manager, roster):
    contestant = make_user("选手", unit=org.hvac_team)
    roster["base1"].avoidances.create(person=contestant, reason="师徒关系")
    roster["base2"].avoidances.create(org_unit=org.hvac, reason="原工作单位")
    for seed in ("s1", "s2", "s3", "s4", "s5"):
        draw = services.draw(actor=manager, purpose="比武", count=1, backups=0, speciality_ids=[spec("hvac")],
                             categories=["judge"], avoid_unit_ids=[org.hvac.pk], avoid_person_ids=[contestant.pk],
                             seed=seed)
        # hvac1 (in the studio), hvac2 (in its team), base1 (avoids the contestant), base2 (avoids the studio)
        assert [c["code"] for c in draw.candidates] == [roster["outside"].code]


def test_outside_unit_by_name_is_avoided(org, manager, roster):
    from accounts.services import ensure_org_unit

    college = ensure_org_unit(name="常州工程职业技术学院", kind="team", parent=org.bureau)
    draw = services.draw(actor=manager, purpose="评审", count=1, categories=["judge"], avoid_unit_ids=[college.pk])
    assert roster["outside"].code not in [c["code"] for c in draw.candidates]


def test_too_many_asked_is_422_with_the_count_and_writes_nothing(api, org, manager, roster):
    admin = api.as_user(manager)
    error = assert_error(admin.post("experts/draws", body(count=5, backups=1)), 422, "not_enough_experts")
    assert error["detail"] == {"qualified": 5, "requested": 6}
    assert "5" in error["message"]
    error = assert_error(admin.post("experts/draws", body(count=4, avoid_units=[org.hvac.pk])), 422,
                         "not_enough_experts")
    assert error["detail"]["qualified"] == 3
    assert not Draw.objects.exists() and not Seat.objects.exists() and not Notification.objects.exists()


def test_bad_draw_requests(api, make_user, org, manager, roster):
    admin = api.as_user(manager)
    assert_error(admin.post("experts/draws", body(count=0)), 422)
    assert_error(admin.post("experts/draws", body(categories=["boss"])), 422)
    assert_error(admin.post("experts/draws", body(specialities=[999999])), 422, "unknown_speciality")
    assert_error(admin.post("experts/draws", body(avoid_units=[999999])), 422, "unknown_org_unit")
    assert_error(admin.raw("POST", "experts/draws", b'"draw"'), 422)
    worker = api.as_user(make_user("普通员工", unit=org.hvac))
    assert_error(worker.post("experts/draws", body()), 403, "not_roster_manager")
    assert_error(worker.get("experts/draws/1"), 403)
    assert not Draw.objects.exists()


def test_confirm_decline_and_the_backup_chain(api, manager, roster):
    draw = services.draw(actor=manager, purpose="暖通比武", count=1, backups=2, categories=["judge"],
                         speciality_ids=[spec("hvac")], seed="chain")
    seats = list(draw.seats.order_by("position").select_related("expert__user"))
    # outside experts have no account: pick a seed-independent check of the people involved
    member, first_backup, second_backup = seats
    for seat in seats:
        assert seat.expert.user is not None or seat.expert.code == roster["outside"].code

    def client(seat):
        return api.as_user(seat.expert.user)

    if member.expert.user is None:  # an outside expert answers by phone; the manager records it
        services.answer(actor=manager, seat_id=member.pk, accept=False, reason="外出", on_behalf=True)
    else:
        invitations = client(member).get("experts/invitations").json()
        assert [i["seat"]["id"] for i in invitations] == [member.pk]
        assert_error(client(member).post(f"experts/invitations/{member.pk}/answer", {"accept": False}), 422,
                     "reason_required")
        declined = client(member).post(f"experts/invitations/{member.pk}/answer", {"accept": False, "reason": "出差"})
        assert declined.json()["status"] == "declined"
        assert_error(client(member).post(f"experts/invitations/{member.pk}/answer", {"accept": True}), 409,
                     "seat_answered")
    first_backup.refresh_from_db()
    assert first_backup.status == "invited"
    services.answer(actor=first_backup.expert.user or manager, seat_id=first_backup.pk, accept=False, reason="生病",
                    on_behalf=first_backup.expert.user is None)
    second_backup.refresh_from_db()
    assert second_backup.status == "invited"
    services.answer(actor=second_backup.expert.user or manager, seat_id=second_backup.pk, accept=False,
                    reason="回避", on_behalf=second_backup.expert.user is None)
    # No backup left: the manager is told.
    assert Notification.objects.filter(recipient=manager, kind="expert_draw_short").count() == 1


def test_an_invitation_is_only_answered_by_its_expert_and_a_backup_waits(api, org, make_user, manager, roster):
    draw = services.draw(actor=manager, purpose="楼宇自控评审", count=1, backups=1, categories=["judge"],
                         speciality_ids=[spec("bas")], seed="bas")
    member, backup = draw.seats.order_by("position").select_related("expert__user")
    notified = Notification.objects.filter(kind="expert_draw").values_list("recipient_id", flat=True)
    assert list(notified) == [member.expert.user_id]  # backups are not bothered until called
    stranger = api.as_user(make_user("别人", unit=org.hvac))
    assert_error(stranger.post(f"experts/invitations/{member.pk}/answer", {"accept": True}), 404, "seat_not_found")
    assert_error(api.as_user(backup.expert.user).post(f"experts/invitations/{backup.pk}/answer", {"accept": True}),
                 409, "seat_not_invited")
    me = api.as_user(member.expert.user)
    assert me.post(f"experts/invitations/{member.pk}/answer", {"accept": True}).json()["status"] == "confirmed"
    assert me.post(f"experts/invitations/{member.pk}/answer", {"accept": True}).status_code == 200  # a resend
    backup.refresh_from_db()
    assert backup.status == "standby"


def test_a_manager_records_an_outside_experts_answer_by_phone(api, make_user, org, manager, roster):
    draw = services.draw(actor=manager, purpose="院校评审", count=1, backups=1, categories=["judge"],
                         speciality_ids=[spec("hvac-chiller")], seed="phone")
    member = draw.seats.get(position=1)
    url = f"experts/draws/{draw.pk}/seats/{member.pk}/answer"
    assert_error(api.as_user(make_user("别人", unit=org.hvac)).post(url, {"accept": True}), 403)
    assert_error(api.as_user(manager).post(f"experts/draws/{draw.pk + 1}/seats/{member.pk}/answer",
                                           {"accept": True}), 404)
    answered = api.as_user(manager).post(url, {"accept": False, "reason": "电话谢绝"})
    assert answered.status_code == 200 and answered.json()["status"] == "declined"
    assert draw.seats.get(position=2).status == "invited"


def test_two_declines_at_once_call_two_different_backups(postgres, org, make_user, manager, roster):
    import threading

    from django.db import connection

    draw = services.draw(actor=manager, purpose="并发谢绝", count=2, backups=2, categories=["judge"], seed="race")
    members = list(draw.seats.filter(is_backup=False).select_related("expert"))
    barrier = threading.Barrier(2)
    errors = []

    def decline(seat):
        try:
            barrier.wait()
            services.answer(actor=manager, seat_id=seat.pk, accept=False, reason="冲突", on_behalf=True)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=decline, args=(seat,)) for seat in members]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(draw.seats.filter(is_backup=True).values_list("status", flat=True)) == ["invited", "invited"]


def test_a_drawn_expert_gets_a_wechat_subscribe_message_through_the_outbox(settings, manager, roster):
    import json
    from pathlib import Path

    from accounts.models import WechatIdentity
    from notifications.models import OutboxMessage

    settings.WECHAT_SUBSCRIBE_TEMPLATES = json.loads(
        (Path(settings.BASE_DIR) / "fixtures" / "demo_subscribe_templates.json").read_text(encoding="utf-8"))
    for key in ("bas1", "bas2"):
        WechatIdentity.objects.create(user=roster[key].user, appid=settings.WECHAT_APPID, openid=f"openid-{key}")
    draw = services.draw(actor=manager, purpose="楼宇自控评审", count=1, categories=["judge"],
                         speciality_ids=[spec("bas")])
    seat = draw.seats.get()
    message = OutboxMessage.objects.get(recipient=seat.expert.user)
    assert message.template_id == "demo-tpl-expert-draw"
    assert message.page == f"pages/experts/invitation?seat={seat.pk}"
    assert message.data["thing1"]["value"] == "楼宇自控评审"
