"""The roster manager (专家库管理员) reviews applications and manages the roster without being an admin;
every other role is refused. Experts keep their own certifications (add with expiry, remove) by API."""

from __future__ import annotations

import uuid

import pytest

from accounts.models import Role
from experts.models import Application, Certification
from tests.conftest import assert_error

from .conftest import spec


def application_body():
    return {"client_id": str(uuid.uuid4()), "categories": ["judge"], "speciality_ids": [spec("hvac-chiller")],
            "title": "技师"}


@pytest.fixture
def roster_manager(org, make_user):
    return make_user("专家库管理员", roles=[(Role.ROSTER_MANAGER, org.bureau)], unit=org.bureau)


MANAGING = [
    ("GET", "experts", None),
    ("GET", "experts/stats", None),
    ("GET", "experts/roster.xlsx", None),
    ("POST", "experts/draws", {"purpose": "评审", "count": 1, "categories": ["judge"]}),
]


@pytest.mark.parametrize("role", [Role.ROSTER_MANAGER, Role.ADMIN])
def test_roster_managers_and_admins_review_and_manage(api, org, make_user, roster, role):
    manager = make_user("管理者", roles=[(role, org.bureau)], unit=org.bureau)
    client = api.as_user(manager)
    for method, path, body in MANAGING:
        response = client.post(path, body) if method == "POST" else client.get(path)
        assert response.status_code in (200, 201), (path, response.content)
    applicant = api.as_user(make_user("申请人", unit=org.hvac_team, phone="13800138000"))
    first = applicant.post("experts/applications", application_body()).json()
    assert [a["id"] for a in client.get("experts/applications").json()] == [first["id"]]
    assert client.get(f"experts/applications/{first['id']}").json()["phone"] == "13800138000"
    approved = client.post(f"experts/applications/{first['id']}/approve")
    assert approved.status_code == 200 and approved.json()["expert_code"].startswith("ZJ-")
    second = api.as_user(make_user("申请人乙", unit=org.bas)).post("experts/applications", application_body()).json()
    rejected = client.post(f"experts/applications/{second['id']}/reject", {"reason": "从业年限不足"})
    assert rejected.json()["status"] == "rejected"


@pytest.mark.parametrize("role", [None, Role.WORKER, Role.WORKSHOP_LEADER, Role.JUDGE, Role.CHIEF_JUDGE,
                                  Role.TRAINER, Role.SUPERVISOR])
def test_other_roles_cannot_review_or_manage(api, org, make_user, roster, role):
    person = make_user("其他人", roles=[(role, org.bureau)] if role else [], unit=org.bureau)
    client = api.as_user(person)
    for method, path, body in MANAGING:
        response = client.post(path, body) if method == "POST" else client.get(path)
        assert_error(response, 403, "not_roster_manager")
    applicant = api.as_user(make_user("申请人", unit=org.hvac_team))
    application = applicant.post("experts/applications", application_body()).json()
    assert client.get("experts/applications").json() == []
    assert_error(client.post(f"experts/applications/{application['id']}/approve"), 403, "not_roster_manager")
    assert_error(client.post(f"experts/applications/{application['id']}/reject", {"reason": "否"}), 403,
                 "not_roster_manager")
    assert Application.objects.get(pk=application["id"]).status == "submitted"


def test_an_expert_adds_lists_and_removes_their_own_certifications(api, roster, monkeypatch):
    from datetime import datetime

    from django.utils import timezone

    now = timezone.make_aware(datetime(2026, 12, 1, 10, 0))
    monkeypatch.setattr(timezone, "now", lambda: now)
    me = api.as_user(roster["hvac1"].user)
    assert me.get("experts/me/certifications").json() == []
    body = {"client_id": "cert-1", "name": "制冷与空调作业操作证", "number": "T3204", "issued_on": "2021-07-01",
            "expires_on": "2027-06-30"}
    created = me.post("experts/me/certifications", body)
    assert created.status_code == 201, created.content
    cert = created.json()
    assert (cert["name"], cert["expires_on"], cert["expired"]) == ("制冷与空调作业操作证", "2027-06-30", False)
    again = me.post("experts/me/certifications", body)
    assert again.status_code == 200 and again.json()["id"] == cert["id"]  # a resend: the same certificate
    assert_error(me.post("experts/me/certifications", {**body, "name": "别的证"}), 409, "idempotency_conflict")
    old = me.post("experts/me/certifications", {"name": "电工作业操作证", "expires_on": "2025-05-01"}).json()
    assert old["expired"] is True
    listed = me.get("experts/me/certifications").json()
    assert [c["id"] for c in listed] == [old["id"], cert["id"]]  # by expiry
    assert {c["id"] for c in me.get("experts/me").json()["certifications"]} == {old["id"], cert["id"]}

    assert_error(me.post("experts/me/certifications", {"name": "倒置", "issued_on": "2024-01-02",
                                                         "expires_on": "2024-01-01"}), 422, "expiry_before_issue")
    assert_error(me.post("experts/me/certifications", {"name": ""}), 422)
    assert_error(me.post("experts/me/certifications", {"name": "证", "expires_on": "2024-13-01"}), 422)

    other = roster["hvac2"].certifications.create(name="他人的证")
    assert_error(me.delete(f"experts/me/certifications/{other.pk}"), 404, "certification_not_found")
    remaining = me.delete(f"experts/me/certifications/{old['id']}")
    assert remaining.status_code == 200 and [c["id"] for c in remaining.json()] == [cert["id"]]
    assert Certification.objects.filter(pk=other.pk).exists()
    assert Certification.objects.filter(expert=roster["hvac1"]).count() == 1


def test_someone_not_on_the_roster_has_no_certifications_to_edit(api, org, make_user):
    me = api.as_user(make_user("路人", unit=org.base))
    assert_error(me.get("experts/me/certifications"), 404, "not_an_expert")
    assert_error(me.post("experts/me/certifications", {"name": "某证"}), 404, "not_an_expert")
    assert_error(me.delete("experts/me/certifications/1"), 404, "not_an_expert")
