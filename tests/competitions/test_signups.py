"""Sign-up and the lot draw (issue 17): eligibility by skill level, the per-unit quota, one sign-up per
person, the organiser's decision with a reason, and a recorded, reproducible draw of codes and
workstations that creates the entries, once."""

import hashlib

import pytest

from accounts.models import Role
from competitions.models import AuditLog, Contest, Entry, EntryMember, Event, LotDraw, SignUp
from tests.conftest import assert_error


@pytest.fixture
def setup(api, org, make_user):
    contest = Contest.objects.create(name="报名测试比武", org_unit=org.base)
    event = Event.objects.create(contest=contest, name="暖通故障排除", min_skill_level="level4", unit_quota=1,
                                 signup_open=True)
    organiser = make_user("主办方", roles=[(Role.ADMIN, org.base)], unit=org.base)
    people = {
        "hvac": make_user("暖通选手", unit=org.hvac), "hvac2": make_user("暖通选手二", unit=org.hvac),
        "bas": make_user("楼控选手", unit=org.bas), "base": make_user("基地选手", unit=org.base),
        "low": make_user("初级工", unit=org.base),
    }
    url = f"competitions/{contest.id}/events/{event.id}"
    return type("S", (), {"contest": contest, "event": event, "organiser": organiser, "people": people, "url": url,
                          "api": api, "org": org, "make_user": make_user})


def apply(s, who, **body):
    return s.api.as_user(s.people[who] if isinstance(who, str) else who).post(
        f"{s.url}/signups", {"skill_level": "level4", "certificate_no": "4403-001", **body})


def test_eligibility_quota_and_one_sign_up_per_person(setup):
    s = setup
    assert s.api.post(f"{s.url}/signups", {}).status_code == 401
    # An event open for sign-up is shown to contestants although it is in draft; a closed one refuses.
    listed = s.api.as_user(s.people["low"]).get(f"competitions/{s.contest.id}").json()["events"]
    assert [(e["id"], e["signup_open"], e["min_skill_level"]) for e in listed] == [(s.event.id, True, "level4")]
    Event.objects.filter(pk=s.event.pk).update(signup_open=False)
    assert_error(apply(s, "hvac"), 409, "signup_closed")
    Event.objects.filter(pk=s.event.pk).update(signup_open=True)
    body = assert_error(apply(s, "low", skill_level="level5"), 422, "not_eligible")
    assert "四级/中级工" in body["message"]
    assert_error(apply(s, "low", skill_level=""), 422, "not_eligible")
    ok = apply(s, "hvac", skill_level="level3")
    assert ok.status_code == 201, ok.content
    assert ok.json()["status"] == "pending" and ok.json()["unit"] == "暖通作业技师工作室"
    # the phone resends the same application after a lost answer: the same sign-up, nothing new
    again = apply(s, "hvac", skill_level="level3")
    assert again.status_code == 200 and again.json()["id"] == ok.json()["id"], again.content
    assert_error(apply(s, "hvac"), 409, "already_signed_up")  # a different second application
    assert_error(apply(s, "hvac2"), 409, "unit_quota_full")  # one per unit
    assert apply(s, "bas").status_code == 201
    assert_error(apply(s, "base", team_name="某队"), 422, "not_team_event")
    assert SignUp.objects.filter(event=s.event).count() == 2


def test_the_organiser_decides_with_a_reason_and_each_sees_what_they_may(setup):
    s = setup
    first = apply(s, "hvac").json()
    second = apply(s, "bas").json()
    decide = f"{s.url}/signups/{first['id']}/decide"
    assert_error(s.api.as_user(s.people["bas"]).post(decide, {"decision": "approved"}), 403, "not_organiser")
    organiser = s.api.as_user(s.organiser)
    assert_error(organiser.post(decide, {"decision": "rejected"}), 422, "reason_required")
    rejected = organiser.post(decide, {"decision": "rejected", "reason": "证书编号无法核实"})
    assert rejected.status_code == 200 and rejected.json()["decision_reason"] == "证书编号无法核实"
    assert_error(organiser.post(decide, {"decision": "approved"}), 409, "signup_decided")
    # A rejection frees the unit's place: the same person may apply again.
    again = apply(s, "hvac", certificate_no="4403-002")
    assert again.status_code == 201
    mine = s.api.as_user(s.people["bas"]).get(f"{s.url}/signups").json()["items"]
    assert [i["id"] for i in mine] == [second["id"]]
    everything = organiser.get(f"{s.url}/signups").json()["items"]
    assert [i["status"] for i in everything] == ["rejected", "pending", "pending"]
    assert AuditLog.objects.filter(action="signup_decided", event=s.event).count() == 1


def test_the_lot_draw_is_recorded_reproducible_and_once(setup):
    s = setup
    ids = []
    for who in ("hvac", "bas", "base"):
        ids.append(apply(s, who).json()["id"])
    organiser = s.api.as_user(s.organiser)
    assert_error(organiser.post(f"{s.url}/draw-lots", {"seed": "公证处-2026"}), 409, "signups_pending")
    for n, signup_id in enumerate(ids):
        organiser.post(f"{s.url}/signups/{signup_id}/decide",
                       {"decision": "approved" if n < 2 else "rejected", "reason": "" if n < 2 else "名额已满"})
    assert_error(s.api.as_user(s.people["hvac"]).post(f"{s.url}/draw-lots", {}), 403, "not_organiser")
    drawn = organiser.post(f"{s.url}/draw-lots", {"seed": "公证处-2026"})
    assert drawn.status_code == 201, drawn.content
    body = drawn.json()
    # Recomputed by hand from the rule: sha256("seed:id") ascending for codes, sha256("seed:ws:id") for seats.
    approved = ids[:2]
    by_code = sorted(approved, key=lambda i: hashlib.sha256(f"公证处-2026:{i}".encode()).hexdigest())
    by_seat = sorted(approved, key=lambda i: hashlib.sha256(f"公证处-2026:ws:{i}".encode()).hexdigest())
    rows = {r["signup_id"]: r for r in body["rows"]}
    assert {i: rows[i]["code"] for i in approved} == {i: f"A{n:02d}" for n, i in enumerate(by_code, 1)}
    assert {i: rows[i]["workstation"] for i in approved} == {i: f"{n:02d}" for n, i in enumerate(by_seat, 1)}
    assert body["seed"] == "公证处-2026" and body["verified"] is True
    entries = {e.contestant_id: e for e in Entry.objects.filter(event=s.event)}
    assert set(entries) == {s.people["hvac"].pk, s.people["bas"].pk}
    assert entries[s.people["hvac"].pk].code == rows[ids[0]]["code"]
    assert entries[s.people["hvac"].pk].workstation == rows[ids[0]]["workstation"]
    assert_error(organiser.post(f"{s.url}/draw-lots", {}), 409, "lots_drawn")
    assert_error(apply(s, "hvac2"), 409, "signup_closed")
    # The contestant learns where to stand, not the code the judges will see (blind judging).
    mine = s.api.as_user(s.people["hvac"]).get(f"{s.url}/signups").json()["items"]
    assert mine[0]["code"] is None and mine[0]["workstation"] == rows[ids[0]]["workstation"]
    assert organiser.get(f"{s.url}/signups").json()["items"][0]["code"] == rows[ids[0]]["code"]
    from notifications.models import Notification

    seat = Notification.objects.get(recipient=s.people["hvac"], kind="contest_workstation")
    assert rows[ids[0]]["workstation"] in seat.body and rows[ids[0]]["code"] not in seat.body
    assert Notification.objects.filter(recipient=s.people["base"], kind="contest_signup_decided").count() == 1
    # Until publication only the organiser sees the draw (it pairs codes with names); it cannot be rewritten.
    assert_error(s.api.as_user(s.people["bas"]).get(f"{s.url}/draw-lots"), 403, "not_organiser")
    assert organiser.get(f"{s.url}/draw-lots").json()["rows"] == body["rows"]
    from django.db import DatabaseError, transaction  # the database refuses, not only the model

    with pytest.raises(DatabaseError), transaction.atomic():
        LotDraw.objects.filter(event=s.event).update(seed="换一个种子")
    assert LotDraw.objects.get(event=s.event).seed == "公证处-2026"


def test_a_team_signs_up_through_its_captain_and_the_draw_creates_the_team(setup):
    s = setup
    Event.objects.filter(pk=s.event.pk).update(participation="team", unit_quota=None, min_skill_level="")
    mate1, mate2 = s.make_user("队员甲", unit=s.org.hvac), s.make_user("队员乙", unit=s.org.hvac)
    assert_error(apply(s, "hvac", team_name="暖通队", members=[]), 422, "team_size")
    team = apply(s, "hvac", team_name="暖通队", members=[mate1.pk, mate2.pk])
    assert team.status_code == 201, team.content
    assert [m["name"] for m in team.json()["members"]] == ["暖通选手", "队员甲", "队员乙"]
    assert_error(apply(s, "hvac2", team_name="抢人队", members=[mate1.pk]), 409, "already_in_team")
    assert_error(apply(s, "hvac2", team_name="混编队", members=[s.people["bas"].pk]), 422, "team_mixed_units")
    assert_error(apply(s, "bas", team_name="幽灵队", members=[999999]), 422, "unknown_members")
    other = apply(s, "bas", team_name="楼控队", members=[s.people["base"].pk]).json()
    organiser = s.api.as_user(s.organiser)
    for signup_id in (team.json()["id"], other["id"]):
        assert organiser.post(f"{s.url}/signups/{signup_id}/decide", {"decision": "approved"}).status_code == 200
    assert organiser.post(f"{s.url}/draw-lots", {"seed": "t"}).status_code == 201
    entry = Entry.objects.get(event=s.event, team_name="暖通队")
    assert entry.code and entry.workstation and entry.contestant_id == s.people["hvac"].pk
    assert list(EntryMember.objects.filter(entry=entry).values_list("member_id", flat=True)) == [
        s.people["hvac"].pk, mate1.pk, mate2.pk]


def test_unknown_event_of_the_contest_is_404(setup):
    s = setup
    other = Contest.objects.create(name="别的比武", org_unit=s.org.base)
    assert_error(s.api.as_user(s.people["hvac"]).post(f"competitions/{other.id}/events/{s.event.id}/signups", {}),
                 404, "event_not_found")
