"""Agreements from templates: one at a time or a cohort, idempotent, checked (roles, dates, one open
agreement per apprentice), drafts activated by the leader."""

from datetime import date

from accounts.models import Role
from apprenticeships.models import Agreement, PlanItem
from notifications.models import Notification
from tests.conftest import assert_error

from .conftest import new_id


def _body(teaching, **extra):
    return {"studio_id": teaching.org.hvac.pk, "apprentice_id": teaching.apprentice.pk,
            "master_id": teaching.master.pk, "template_id": teaching.template.pk, "start_date": "2026-03-02",
            "client_id": new_id(), **extra}


def test_a_template_makes_the_plan_and_a_resend_makes_nothing_twice(teaching, clock):
    clock.set(date(2026, 3, 2))
    leader = teaching.client(teaching.leader)
    body = _body(teaching)
    first = leader.post("apprenticeships", body)
    again = leader.post("apprenticeships", body)
    assert (first.status_code, again.status_code) == (201, 200) and first.json()["id"] == again.json()["id"]
    agreement = first.json()
    assert agreement["state"] == "draft" and agreement["rag"] is None
    assert agreement["template"]["name"] == "暖通中级工培养计划" and agreement["target_level_label"] == "四级/中级工"
    assert agreement["end_date"] == "2027-03-01" and agreement["review_interval_weeks"] == 12
    assert [i["competency"]["code"] for i in agreement["plan"]] == ["K1", "S1", "S2", "B1", "C1", "M1"]
    assert {i["state"] for i in agreement["plan"]} == {"not_started"}
    s1 = teaching.item(agreement, "S1")["competency"]
    assert s1["procedures"][0]["title"] == teaching.practice.procedure.title and s1["stage"] == "post_skill"
    assert Agreement.objects.count() == 1 and PlanItem.objects.count() == 6

    active = leader.post(f"apprenticeships/{agreement['id']}/activate")
    assert active.status_code == 200 and active.json()["state"] == "active" and active.json()["rag"] == "green"
    assert leader.post(f"apprenticeships/{agreement['id']}/activate").status_code == 200  # harmless twice
    told = Notification.objects.filter(kind="apprenticeship", title="师带徒协议已生效")
    assert sorted(n.recipient_id for n in told) == sorted([teaching.apprentice.pk, teaching.master.pk])


def test_bad_agreements_are_refused_with_a_reason(teaching, make_user):
    leader = teaching.client(teaching.leader)
    worker = teaching.practice.worker
    assert_error(leader.post("apprenticeships", _body(teaching, apprentice_id=worker.pk)), 422, "not_an_apprentice")
    assert_error(leader.post("apprenticeships", _body(teaching, master_id=worker.pk)), 422, "not_a_master")
    assert_error(leader.post("apprenticeships", _body(teaching, template_id=999999)), 422, "unknown_template")
    assert_error(leader.post("apprenticeships", _body(teaching, end_date="2026-03-01")), 422, "validation_error")
    assert_error(leader.post("apprenticeships", _body(teaching, studio_id=teaching.org.hvac_team.pk)),
                 422, "not_a_studio")
    assert_error(teaching.client(teaching.master).post("apprenticeships", _body(teaching)), 404, "not_found")
    assert leader.post("apprenticeships", _body(teaching)).status_code == 201
    assert_error(leader.post("apprenticeships", _body(teaching)), 409, "agreement_exists")
    assert Agreement.objects.count() == 1


def test_a_cohort_from_one_template_each_apprentice_on_its_own(teaching, make_user):
    hvac = teaching.org.hvac
    second = make_user("周小川", roles=[(Role.APPRENTICE, hvac)], unit=hvac)
    other_master = make_user("钱师傅", roles=[(Role.MASTER, hvac)], unit=hvac)
    teaching.create()  # 李文博 already has one
    body = {"studio_id": hvac.pk, "template_id": teaching.template.pk, "master_id": teaching.master.pk,
            "start_date": "2026-09-01", "client_id": new_id(),
            "apprentices": [{"apprentice_id": second.pk, "master_id": other_master.pk},
                            {"apprentice_id": teaching.apprentice.pk},
                            {"apprentice_id": teaching.practice.worker.pk}]}
    leader = teaching.client(teaching.leader)
    result = leader.post("apprenticeships/cohort", body).json()["results"]
    assert [(r["status"], r["code"]) for r in result] == [
        ("created", None), ("rejected", "agreement_exists"), ("rejected", "not_an_apprentice")]
    created = Agreement.objects.get(pk=result[0]["agreement_id"])
    assert created.master == other_master and created.start_date == date(2026, 9, 1) and created.items.count() == 6
    resent = leader.post("apprenticeships/cohort", body).json()["results"]
    assert resent[0]["status"] == "already_had" and resent[0]["agreement_id"] == created.pk
    assert Agreement.objects.count() == 2


def test_leaders_list_their_templates(teaching):
    templates = teaching.client(teaching.leader).get("apprenticeships/templates").json()
    assert [(t["name"], t["competencies"], t["planned_hours"]) for t in templates] == [("暖通中级工培养计划", 6, 400.0)]
    assert teaching.client(teaching.practice.bas_leader).get("apprenticeships/templates").json() == []
