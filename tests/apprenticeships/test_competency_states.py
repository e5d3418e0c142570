"""A competency in a plan: not_started → in_progress (evidence) → rated (the master, 4-point scale,
re-rating appends) → signed (the leader countersigns a proficient rating; final)."""

from apprenticeships.models import Countersign, Rating
from tests.conftest import assert_error

from .conftest import new_id


def test_a_competency_moves_through_its_states_and_history_is_kept(teaching):
    agreement = teaching.create()
    item = teaching.item(agreement, "S2")
    assert item["state"] == "not_started" and item["rating"] is None and item["evidence"] == []

    photo = teaching.practice.good_values(teaching.client(teaching.apprentice))[7]  # an uploaded photo id
    response = teaching.client(teaching.apprentice).post(f"apprenticeships/{agreement['id']}/evidence", {
        "client_id": new_id(), "kind": "media", "plan_item_id": item["id"], "description": "过滤网清洗前后对比",
        "photo_ids": photo})
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "submitted" and len(response.json()["photos"]) == 1
    assert teaching.item(teaching.detail(agreement["id"]), "S2")["state"] == "in_progress"

    assert teaching.rate(item["id"], "partially_met", comment="排查思路对，速度偏慢").status_code == 201
    rated = teaching.item(teaching.detail(agreement["id"]), "S2")
    assert rated["state"] == "rated"
    assert rated["rating"]["level"] == "partially_met" and rated["rating"]["label"] == "基本达到"
    assert rated["rating"]["proficient"] is False

    # Not yet proficient: the leader cannot sign it off.
    assert_error(teaching.countersign(item["id"]), 409, "not_proficient")

    # Re-rating appends; the latest counts.
    assert teaching.rate(item["id"], "met").status_code == 201
    rated = teaching.item(teaching.detail(agreement["id"]), "S2")
    assert rated["rating"]["level"] == "met" and rated["rating"]["proficient"] and rated["ratings_count"] == 2
    assert list(Rating.objects.filter(plan_item_id=item["id"]).values_list("level", flat=True)) == \
        ["partially_met", "met"]
    assert item["id"] in teaching.detail(agreement["id"])["ready_for_countersign"]

    response = teaching.countersign(item["id"])
    assert response.status_code == 201, response.content
    signed = teaching.item(teaching.detail(agreement["id"]), "S2")
    assert signed["state"] == "signed" and signed["countersign"]["signed_by"]["id"] == teaching.leader.pk
    assert Countersign.objects.get(plan_item_id=item["id"]).rating.level == "met"

    # Final: no more ratings, and countersigning again changes nothing.
    assert_error(teaching.rate(item["id"], "skilled"), 409, "competency_signed_off")
    again = teaching.countersign(item["id"])
    assert again.status_code == 200 and again.json()["status"] == "already_signed"
    assert Countersign.objects.count() == 1 and Rating.objects.count() == 2


def test_a_rating_without_evidence_is_rated_and_progress_counts_only_signed(teaching):
    agreement = teaching.create()
    item = teaching.item(agreement, "K1")
    teaching.rate(item["id"], "skilled")
    detail = teaching.detail(agreement["id"])
    assert teaching.item(detail, "K1")["state"] == "rated"
    assert detail["progress_pct"] == 0.0
    teaching.countersign(item["id"])
    detail = teaching.detail(agreement["id"])
    assert detail["competencies_signed"] == 1 and detail["competencies_total"] == 6
    assert detail["progress_pct"] == 16.7


def test_only_the_apprentices_own_master_rates(teaching, make_user):
    agreement = teaching.create()
    item = teaching.item(agreement, "K1")
    other_master = make_user("另一位师傅", roles=[("master", teaching.org.hvac)], unit=teaching.org.hvac)
    assert_error(teaching.rate(item["id"], user=teaching.leader), 403, "not_the_master")
    assert_error(teaching.rate(item["id"], user=teaching.apprentice), 403, "not_the_master")
    assert_error(teaching.rate(item["id"], user=other_master), 404, "not_found")  # not their apprentice
    assert not Rating.objects.exists()


def test_a_rating_resent_with_its_client_id_is_stored_once(teaching):
    agreement = teaching.create()
    item = teaching.item(agreement, "K1")
    body = {"level": "met", "client_id": new_id(), "comment": "掌握"}
    master = teaching.client(teaching.master)
    first = master.post(f"apprenticeships/plan-items/{item['id']}/ratings", body)
    again = master.post(f"apprenticeships/plan-items/{item['id']}/ratings", body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"] and Rating.objects.count() == 1
    other = teaching.item(agreement, "S2")
    assert_error(master.post(f"apprenticeships/plan-items/{other['id']}/ratings", body), 409, "client_id_conflict")


def test_a_leader_does_not_countersign_their_own_rating(teaching, make_user):
    master_leader = make_user("师傅兼负责人", roles=[("master", teaching.org.hvac), ("workshop_leader", teaching.org.hvac)],
                              unit=teaching.org.hvac)
    apprentice = make_user("徒弟乙", roles=[("apprentice", teaching.org.hvac)], unit=teaching.org.hvac)
    agreement = teaching.create(apprentice=apprentice, master=master_leader)
    item = teaching.item(agreement, "K1")
    assert teaching.rate(item["id"], "met", user=master_leader).status_code == 201
    assert_error(teaching.countersign(item["id"], user=master_leader), 403, "cannot_countersign_own_rating")
    assert teaching.countersign(item["id"]).status_code == 201  # another leader may


def test_nothing_is_rated_before_the_agreement_is_active(teaching):
    agreement = teaching.create(activate=False)
    assert agreement["state"] == "draft"
    item = teaching.item(agreement, "K1")
    assert_error(teaching.rate(item["id"]), 409, "agreement_not_active")
