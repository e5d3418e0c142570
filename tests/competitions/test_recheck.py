"""Recheck before publication (复核): the top 10 and at least 15 % of the rest, drawn reproducibly from a
recorded seed, each confirmed by a second official before publish; per role; in the audit log."""

import hashlib
import math

import pytest

from accounts.models import Role
from competitions import recheck
from competitions.models import AuditLog, RecheckConfirmation, RecheckDraw
from miniprogram_api.append_only import AppendOnlyError
from tests.conftest import assert_error


def locked(kit):
    for n, entry in enumerate(kit.entries):
        kit.complete(entry, measurement=str(19 - n))  # distinct totals: no tie at rank 10
    assert kit.client(kit.chief).post(f"judging/events/{kit.event.id}/lock").status_code == 200


def url(kit, tail=""):
    return f"competitions/events/{kit.event.id}/recheck{tail}"


def test_sampling_takes_the_whole_top_ten_and_fifteen_percent_of_the_rest_reproducibly():
    candidates = [{"entry_id": n, "code": f"A{n:02d}", "rank": n, "total": f"{100 - n}.00"} for n in range(1, 34)]
    candidates[10]["rank"] = 10  # a tie at rank 10: both are "the top 10"
    drawn = recheck.sample(candidates, "seed-1")
    top = [d for d in drawn if d["why"] == "top"]
    sampled = [d for d in drawn if d["why"] == "sampled"]
    assert [d["code"] for d in top] == [f"A{n:02d}" for n in range(1, 12)]
    rest = [c["code"] for c in candidates[11:]]
    assert len(sampled) == math.ceil(len(rest) * 0.15) == 4  # 22 others: 3.3 → 4
    # anyone can redo it with a sha256 tool: the rest sorted by sha256("seed-1:" + code), first 4
    by_hash = sorted(rest, key=lambda code: hashlib.sha256(f"seed-1:{code}".encode()).hexdigest())
    assert {d["code"] for d in sampled} == set(by_hash[:4])
    assert recheck.sample(candidates, "seed-1") == drawn
    few = candidates[:4]
    assert [d["why"] for d in recheck.sample(few, "x")] == ["top"] * 4  # nothing beyond the top 10: no sample


def test_the_recheck_flow_draw_confirm_publish(make_kit, org, make_user):
    kit = make_kit(contestant_units=[org.base] * 12)
    chief, arbitrator = kit.client(kit.chief), kit.client(kit.arbitrator)
    assert_error(chief.post(url(kit), {}), 409, "event_not_locked")
    locked(kit)
    assert_error(chief.post(f"judging/events/{kit.event.id}/publish", {}), 409, "recheck_not_drawn")
    assert arbitrator.get(url(kit)).json()["drawn"] is False
    # only the chief judge draws
    assert_error(kit.client(kit.judges[1]).post(url(kit), {}), 403, "not_chief_judge")
    assert_error(arbitrator.post(url(kit), {}), 403, "not_chief_judge")
    response = chief.post(url(kit), {"seed": "2026-12-01 现场公布"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["seed"] == "2026-12-01 现场公布" and body["reproduced"] is True and body["candidates"] == 12
    assert [e["why"] for e in body["entries"]].count("top") == 10
    assert [e["why"] for e in body["entries"]].count("sampled") == 1  # ceil(2 × 15 %)
    assert body["remaining"] == 11
    assert_error(chief.post(url(kit), {"seed": "another"}), 409, "recheck_drawn")  # no fishing for a sample
    # publish refuses, naming how many remain
    refused = assert_error(chief.post(f"judging/events/{kit.event.id}/publish", {}), 409, "recheck_incomplete")
    assert "11 名" in refused["message"] and refused["detail"]["remaining"] == 11
    first = body["entries"][0]["entry_id"]
    # the chief judge who locked and drew may not confirm; a panel judge or a spectator neither
    assert_error(chief.post(url(kit, f"/{first}/confirm"), {}), 403, "recheck_same_official")
    assert_error(kit.client(kit.judges[0]).post(url(kit, f"/{first}/confirm"), {}), 403, "not_recheck_official")
    assert_error(kit.client(kit.spectator).post(url(kit, f"/{first}/confirm"), {}), 403, "not_recheck_official")
    not_drawn = next(e.id for e in kit.entries if e.id not in {r["entry_id"] for r in body["entries"]})
    assert_error(arbitrator.post(url(kit, f"/{not_drawn}/confirm"), {}), 404, "not_found")
    done = arbitrator.post(url(kit, f"/{first}/confirm"), {"note": "与原始评分表核对无误"})
    assert done.status_code == 201 and done.json()["replayed"] is False
    assert done.json()["total"] == body["entries"][0]["total"]
    again = arbitrator.post(url(kit, f"/{first}/confirm"), {})
    assert again.status_code == 200 and again.json()["replayed"] is True
    assert RecheckConfirmation.objects.count() == 1
    # another chief judge of the unit is a second official too
    other_chief = make_user("副裁判长", roles=[(Role.CHIEF_JUDGE, org.base)], unit=org.base)
    second = body["entries"][1]["entry_id"]
    assert kit.client(other_chief).post(url(kit, f"/{second}/confirm"), {}).status_code == 201
    refused = assert_error(chief.post(f"judging/events/{kit.event.id}/publish", {}), 409, "recheck_incomplete")
    assert "9 名" in refused["message"]
    for row in body["entries"][2:]:
        assert arbitrator.post(url(kit, f"/{row['entry_id']}/confirm"), {}).status_code == 201
    status = arbitrator.get(url(kit)).json()
    assert status["remaining"] == 0 and all(e["confirmed"] for e in status["entries"])
    assert status["entries"][1]["confirmed_by"]["name"] == "副裁判长"
    assert chief.post(f"judging/events/{kit.event.id}/publish", {}).status_code == 200
    # the record stays readable after publication; the audit log has the draw and every confirmation
    assert chief.get(url(kit)).json()["draw_id"] == body["draw_id"]
    log = list(AuditLog.objects.filter(event=kit.event).values_list("action", "data"))
    draws = [d for a, d in log if a == "recheck_draw"]
    assert len(draws) == 1 and draws[0]["seed"] == "2026-12-01 现场公布" and len(draws[0]["drawn"]) == 11
    assert sum(1 for a, _ in log if a == "recheck_confirm") == 11
    publish = next(d for a, d in log if a == "publish")
    assert publish["recheck_draw_id"] == body["draw_id"]
    assert_error(kit.client(kit.spectator).get(url(kit)), 403, "not_jury")
    assert_error(kit.client(kit.judges[1]).get(url(kit)), 403, "not_jury")


def test_an_unlock_voids_the_draw_and_the_facts_are_append_only(kit):
    locked(kit)
    chief = kit.client(kit.chief)
    assert chief.post(url(kit), {}).status_code == 201
    made = RecheckDraw.objects.get()
    assert len(made.seed) == 32  # a random seed when none is given, recorded
    assert chief.post(f"judging/events/{kit.event.id}/unlock", {"reason": "核对发现录入错误"}).status_code == 200
    assert chief.post(f"judging/events/{kit.event.id}/lock").status_code == 200
    assert_error(chief.post(f"judging/events/{kit.event.id}/publish", {}), 409, "recheck_not_drawn")
    assert chief.get(url(kit)).json()["drawn"] is False
    assert chief.post(url(kit), {}).status_code == 201  # a new draw for the new lock
    assert RecheckDraw.objects.count() == 2
    with pytest.raises(AppendOnlyError):
        made.save()
    with pytest.raises(AppendOnlyError):
        made.delete()


def test_an_admin_may_confirm(kit, make_user, org):
    locked(kit)
    body = kit.client(kit.chief).post(url(kit), {}).json()
    admin = make_user("管理员", roles=[(Role.ADMIN, org.bureau)], unit=org.bureau)
    entry = body["entries"][0]["entry_id"]
    assert kit.client(admin).post(url(kit, f"/{entry}/confirm"), {}).status_code == 201
