"""Apprentices see only themselves, masters only their apprentices, leaders their studio's subtree;
anything outside scope is a 404 that does not reveal whether it exists."""

import pytest

from accounts.models import Role
from apprenticeships.models import Evidence, Rating
from tests.conftest import assert_error

from .conftest import new_id


@pytest.fixture
def people(teaching, make_user):
    org = teaching.org
    other_apprentice = make_user("赵子涵", roles=[(Role.APPRENTICE, org.hvac)], unit=org.hvac)
    other_master = make_user("钱师傅", roles=[(Role.MASTER, org.hvac)], unit=org.hvac)
    base_leader = make_user("基地负责人", roles=[(Role.WORKSHOP_LEADER, org.base)], unit=org.base)
    team_leader = make_user("班组长", roles=[(Role.WORKSHOP_LEADER, org.hvac_team)], unit=org.hvac_team)
    mine = teaching.create()
    theirs = teaching.create(apprentice=other_apprentice, master=other_master)
    return type("People", (), {"other_apprentice": other_apprentice, "other_master": other_master,
                               "base_leader": base_leader, "team_leader": team_leader, "mine": mine,
                               "theirs": theirs})


def test_an_apprentice_sees_only_themself(teaching, people):
    li = teaching.client(teaching.apprentice)
    mine = li.get("apprenticeships/mine").json()
    assert mine["id"] == people.mine["id"] and mine["apprentice"]["name"] == "李文博"
    assert li.get(f"apprenticeships/{people.mine['id']}").status_code == 200
    assert_error(li.get(f"apprenticeships/{people.theirs['id']}"), 404, "not_found")
    listed = li.get("apprenticeships").json()
    assert [a["id"] for a in listed["items"]] == [people.mine["id"]]
    assert li.get("apprenticeships", {"role": "master"}).json()["count"] == 0
    assert_error(li.get(f"studios/{teaching.org.hvac.pk}/dashboard"), 404, "not_found")
    assert_error(teaching.hours(people.theirs["id"], 1), 404, "not_found")
    assert_error(teaching.client(teaching.practice.worker).get("apprenticeships/mine"), 404, "no_agreement")


def test_a_master_sees_only_their_apprentices(teaching, people):
    wang = teaching.client(teaching.master)
    listed = wang.get("apprenticeships", {"role": "master"}).json()
    assert [a["apprentice"]["name"] for a in listed["items"]] == ["李文博"]
    assert len(listed["items"][0]["plan"]) == 6  # the whole plan at a glance
    assert_error(wang.get(f"apprenticeships/{people.theirs['id']}"), 404, "not_found")
    their_item = teaching.item(people.theirs, "K1")["id"]
    assert_error(teaching.rate(their_item), 404, "not_found")
    evidence = teaching.hours(people.theirs["id"], 2, user=people.other_apprentice).json()
    assert_error(wang.post(f"apprenticeships/evidence/{evidence['id']}/sign", {}), 404, "not_found")
    assert_error(wang.post(f"apprenticeships/{people.theirs['id']}/reviews",
                           {"summary": "越权评价", "client_id": new_id()}), 404, "not_found")
    assert not Rating.objects.exists()


def test_leaders_see_their_studios_subtree(teaching, people):
    for user in (teaching.leader, people.base_leader):
        client = teaching.client(user)
        assert client.get(f"apprenticeships/{people.theirs['id']}").status_code == 200
        listed = client.get("apprenticeships", {"role": "leader"}).json()
        assert listed["count"] == 2
        assert client.get(f"studios/{teaching.org.hvac.pk}/dashboard").json()["count"] == 2
    # The base's leader also sees the building-automation studio (empty); the HVAC leader does not.
    assert teaching.client(people.base_leader).get(f"studios/{teaching.org.bas.pk}/dashboard").json()["count"] == 0
    assert_error(teaching.client(teaching.leader).get(f"studios/{teaching.org.bas.pk}/dashboard"), 404, "not_found")
    # A team leader below the studio does not see agreements held at the studio.
    team = teaching.client(people.team_leader)
    assert_error(team.get(f"apprenticeships/{people.mine['id']}"), 404, "not_found")
    assert_error(team.get(f"studios/{teaching.org.hvac.pk}/dashboard"), 404, "not_found")


def test_another_studios_leader_cannot_act_on_it(teaching, people):
    bas = teaching.client(teaching.practice.bas_leader)
    agreement_id = people.mine["id"]
    for path, body in ((f"apprenticeships/{agreement_id}", None),
                       (f"apprenticeships/{agreement_id}/activate", {}),
                       (f"apprenticeships/{agreement_id}/terminate", {"reason": "越权"}),
                       (f"apprenticeships/{agreement_id}/complete", {"grade": "pass"}),
                       (f"apprenticeships/plan-items/{teaching.item(people.mine, 'K1')['id']}/countersign", {})):
        response = bas.get(path) if body is None else bas.post(path, body)
        assert_error(response, 404, "not_found")
    create = bas.post("apprenticeships", {"studio_id": teaching.org.hvac.pk, "apprentice_id": teaching.apprentice.pk,
                                          "master_id": teaching.master.pk, "template_id": teaching.template.pk,
                                          "start_date": "2026-03-02"})
    assert_error(create, 404, "not_found")


def test_unknown_and_foreign_ids_look_the_same(teaching, people):
    outsider = teaching.client(teaching.practice.bas_master)
    existing = outsider.get(f"apprenticeships/{people.mine['id']}")
    missing = outsider.get("apprenticeships/999999")
    assert existing.status_code == missing.status_code == 404
    assert existing.json() == missing.json()
    assert not Evidence.objects.filter(created_by=teaching.practice.bas_master).exists()
