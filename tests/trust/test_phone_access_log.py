"""Reads of somebody else's full phone number are in the access log (issue 18): one `phone_unmasked` entry
per answer that carried any — who read them, through which path, whose (never the numbers) — and none for
a person reading their own, for masked answers, or for refused requests."""

from __future__ import annotations

import uuid

import pytest
from django.http import JsonResponse

from accounts.models import Role
from accounts.selectors import visible_phone
from audit.middleware import PhoneAccessLog
from audit.models import AccessLogEntry
from experts import services as experts_services
from experts.models import Speciality
from tests.conftest import assert_error


def unmasked():
    return list(AccessLogEntry.objects.filter(action="phone_unmasked").order_by("at", "id"))


def test_an_admin_reading_someone_elses_phone_is_one_entry_per_answer(rf, org, make_user):
    admin = make_user("管理员", roles=[(Role.ADMIN, org.bureau)])
    owners = [make_user(f"用户{n}", phone=f"1380013800{n}") for n in range(3)]
    nobody = make_user("无手机")

    def view_as(viewer):
        def view(_request):
            return JsonResponse({"phones": [visible_phone(o, viewer) for o in [*owners, nobody]]})
        return view

    request = rf.get("/api/v1/workorders")
    request.user = admin
    body = PhoneAccessLog(view_as(admin))(request)
    assert b"13800138001" in body.content
    [entry] = unmasked()
    assert entry.actor == admin and entry.target == "/api/v1/workorders" and entry.ip == "127.0.0.1"
    assert entry.detail == {"targets": sorted(f"user:{o.pk}" for o in owners), "count": 3}
    assert "13800138001" not in str(entry.detail)

    for viewer in (owners[0], make_user("旁人")):  # a person's own number; a masked answer
        request = rf.get("/api/v1/me")
        request.user = viewer
        PhoneAccessLog(view_as(viewer) if viewer != owners[0] else
                       (lambda _r: JsonResponse({"phone": visible_phone(owners[0], owners[0])})))(request)
    assert len(unmasked()) == 1


def test_a_refused_answer_is_not_logged(rf, org, make_user):
    admin = make_user("管理员", roles=[(Role.ADMIN, org.bureau)])
    owner = make_user("用户", phone="13800138000")

    def view(_request):
        visible_phone(owner, admin)
        return JsonResponse({"code": "conflict"}, status=409)

    request = rf.get("/api/v1/x")
    request.user = admin
    PhoneAccessLog(view)(request)
    assert unmasked() == []


@pytest.fixture
def roster_people(db, org, make_user):
    from experts.specialities import ensure_tree

    ensure_tree()
    manager = make_user("专家库管理员", roles=[(Role.ROSTER_MANAGER, org.bureau)])
    person = make_user("专家甲", unit=org.hvac, phone="13900001111")
    expert = experts_services.create_expert(name="专家甲", user=person, org_unit=org.hvac, phone="13900001111",
                                            categories=["judge"])
    outside = experts_services.create_expert(name="院校乙", unit_name="某职业学院", phone="13900002222",
                                             categories=["lecturer"])
    return manager, person, expert, outside


def test_roster_reads_and_the_roster_export_with_full_phones_are_logged(api, roster_people, make_user, org):
    manager, person, expert, outside = roster_people
    client = api.as_user(manager)
    listing = client.get("experts").json()
    assert {e["phone"] for e in listing["items"]} == {"13900001111", "13900002222"}
    [entry] = unmasked()
    assert entry.actor == manager and entry.target == "/api/v1/experts"
    assert entry.detail["targets"] == sorted([f"expert:{expert.pk}", f"expert:{outside.pk}"])
    assert client.get(f"experts/{outside.pk}").json()["phone"] == "13900002222"
    assert unmasked()[-1].detail["targets"] == [f"expert:{outside.pk}"]
    assert client.get("experts/roster.xlsx").status_code == 200
    assert unmasked()[-1].target == "/api/v1/experts/roster.xlsx"
    assert AccessLogEntry.objects.filter(action="export", target="/api/v1/experts/roster.xlsx").exists()

    applicant = make_user("申请人", unit=org.bas, phone="13700007777")
    application = api.as_user(applicant).post("experts/applications", {
        "client_id": str(uuid.uuid4()), "categories": ["judge"],
        "speciality_ids": [Speciality.objects.get(code="hvac-chiller").pk]}).json()
    before = len(unmasked())
    assert api.as_user(applicant).get(f"experts/applications/{application['id']}").json()["phone"] == "13700007777"
    assert len(unmasked()) == before  # the applicant's own number
    client.get(f"experts/applications/{application['id']}")
    assert unmasked()[-1].detail["targets"] == [f"expert_application:{application['id']}"]

    count = len(unmasked())
    api.as_user(person).get("experts/me")  # an expert reading their own record
    assert_error(api.as_user(make_user("旁人")).get("experts"), 403, "not_roster_manager")
    assert len(unmasked()) == count
