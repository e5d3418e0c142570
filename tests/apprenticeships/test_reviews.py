"""Reviews every N weeks, signed by apprentice, master and leader; the next one is due N weeks after the
last complete one; overdue reviews turn the agreement red (and the scheduler tells the people)."""

from datetime import date, timedelta

from apprenticeships.models import ReviewSignature
from apprenticeships.services import notify_overdue_reviews
from notifications.models import Notification
from tests.conftest import assert_error

from .conftest import new_id

START = date(2026, 3, 2)


def test_three_signatures_complete_a_review_and_move_the_next_one(teaching, clock):
    clock.set(START)
    agreement = teaching.create(start=START)
    assert agreement["next_review_due"] == "2026-05-25"  # 12 weeks
    clock.set(START + timedelta(days=70))
    review = teaching.review(agreement["id"], signers=[teaching.apprentice, teaching.master])
    assert review["number"] == 1 and review["complete"] is False
    detail = teaching.detail(agreement["id"])
    [shown] = detail["reviews"]
    assert shown["missing"] == ["leader"] and detail["next_review_due"] == "2026-05-25"  # two signatures: not yet
    assert {r["code"] for r in detail["rag_reasons"]} >= {"review_due_soon"}

    clock.set(START + timedelta(days=75))
    signed = teaching.client(teaching.leader).post(f"apprenticeships/reviews/{review['id']}/sign", {"comment": "同意"})
    assert signed.status_code == 201 and signed.json()["role"] == "leader"
    detail = teaching.detail(agreement["id"])
    assert detail["reviews"][0]["complete"] is True and detail["reviews"][0]["completed_on"] == "2026-05-16"
    assert detail["next_review_due"] == "2026-08-08"  # 12 weeks after the third signature
    assert "review_due_soon" not in {r["code"] for r in detail["rag_reasons"]}


def test_an_overdue_review_is_red_and_the_master_and_leader_hear_once(teaching, clock):
    clock.set(START)
    agreement = teaching.create(start=START)
    teaching.hours(agreement["id"], 8)
    clock.set(START + timedelta(weeks=12, days=1))
    detail = teaching.detail(agreement["id"])
    assert detail["review_overdue"] is True and detail["rag"] == "red"
    overdue = next(r for r in detail["rag_reasons"] if r["code"] == "review_overdue")
    assert overdue["level"] == "red" and "逾期 1 天" in overdue["message"]

    assert notify_overdue_reviews() == 1
    notify_overdue_reviews()  # the scheduler runs hourly: still one message per person per due date
    told = Notification.objects.filter(kind="apprenticeship", title="阶段评价已逾期")
    assert sorted(n.recipient_id for n in told) == sorted([teaching.master.pk, teaching.leader.pk])

    teaching.review(agreement["id"])
    assert teaching.detail(agreement["id"])["review_overdue"] is False


def test_who_signs_as_what(teaching, clock, make_user):
    clock.set(START)
    agreement = teaching.create(start=START)
    review = teaching.review(agreement["id"], signers=[])
    worker = teaching.client(teaching.practice.worker)
    assert_error(worker.post(f"apprenticeships/reviews/{review['id']}/sign", {}), 404, "not_found")
    assert_error(teaching.client(teaching.apprentice).post(f"apprenticeships/{agreement['id']}/reviews", {
        "summary": "自评", "client_id": new_id()}), 403, "review_not_allowed")
    first = teaching.client(teaching.apprentice).post(f"apprenticeships/reviews/{review['id']}/sign", {})
    again = teaching.client(teaching.apprentice).post(f"apprenticeships/reviews/{review['id']}/sign", {})
    assert (first.status_code, again.status_code) == (201, 200) and first.json()["role"] == "apprentice"
    other_leader = make_user("副负责人", roles=[("workshop_leader", teaching.org.hvac)], unit=teaching.org.hvac)
    assert teaching.client(other_leader).post(f"apprenticeships/reviews/{review['id']}/sign", {}).json()["role"] \
        == "leader"
    assert_error(teaching.client(teaching.leader).post(f"apprenticeships/reviews/{review['id']}/sign", {}),
                 409, "review_role_signed")
    assert ReviewSignature.objects.filter(review_id=review["id"]).count() == 2


def test_a_review_resent_is_opened_once_and_only_one_final_review(teaching, clock):
    clock.set(START)
    agreement = teaching.create(start=START)
    body = {"summary": "第一阶段总结", "client_id": new_id()}
    master = teaching.client(teaching.master)
    first = master.post(f"apprenticeships/{agreement['id']}/reviews", body)
    again = master.post(f"apprenticeships/{agreement['id']}/reviews", body)
    assert (first.status_code, again.status_code) == (201, 200) and first.json()["id"] == again.json()["id"]
    teaching.review(agreement["id"], final=True, signers=[])
    assert_error(master.post(f"apprenticeships/{agreement['id']}/reviews",
                             {"summary": "再来一次", "is_final": True, "client_id": new_id()}),
                 409, "final_review_exists")
    assert [r["number"] for r in teaching.detail(agreement["id"])["reviews"]] == [1, 2]
