"""促: an item below the threshold opens an improvement action (整改) for the target's owner with a due date;
the owner submits evidence, an organiser closes or returns it; the next campaign on the same target
re-checks it."""

from __future__ import annotations

from datetime import date

import pytest

from evaluations import services
from evaluations.models import ImprovementAction
from notifications.models import Notification
from tests.conftest import assert_error

from .kit import course_answers

pytestmark = pytest.mark.django_db


def run_campaign(world, clock, practice_score: int, *, count: int = 6) -> dict:
    survey = world.campaign(days=2)
    for learner in world.learners[:count]:
        answers = {**course_answers(4), "method_practice": practice_score}
        assert world.answer(survey["id"], learner, answers).status_code == 201
    assert world.client(world.trainer).post(f"surveys/{survey['id']}/close").status_code == 200
    return survey


def test_a_low_item_opens_an_action_for_the_owner_tracked_to_closure(world, clock):
    survey = run_campaign(world, clock, practice_score=2)
    (action,) = world.client(world.trainer).get("improvement-actions").json()
    # method_practice 2.00 < 3.50; the course overall (4 + 4 + 4 + 2 + 4) / 5 = 3.60 is not below.
    assert (action["item_key"], action["score"], action["threshold"]) == ("method_practice", "2.00", "3.50")
    assert action["target"] == {"kind": "course", "id": world.course.pk, "label": "空调系统运行管理"}
    assert action["owner"] == "钱讲师" and action["state"] == "open" and action["recheck"] == "pending"
    assert action["due_date"] == "2026-04-01"  # closed 2026-03-02 + 30 days
    assert Notification.objects.filter(recipient=world.trainer, kind="improvement_action").count() == 1
    # Closing again evaluates nothing twice.
    world.client(world.trainer).post(f"surveys/{survey['id']}/close")
    assert ImprovementAction.objects.count() == 1

    url = f"improvement-actions/{action['id']}"
    assert world.client(world.learners[0]).get("improvement-actions").json() == []
    assert_error(world.client(world.learners[0]).get(url), 404, "action_not_found")
    assert_error(world.client(world.leader).post(url + "/evidence", {"evidence": "x"}), 403, "not_action_owner")
    assert_error(world.client(world.leader).post(url + "/review", {"accept": True}), 409, "action_not_submitted")
    done = world.client(world.trainer).post(url + "/evidence", {"evidence": "每节课增加 30 分钟实操"}).json()
    assert done["state"] == "submitted"
    assert_error(world.client(world.trainer).post(url + "/review", {"accept": True}), 403, "not_organiser")
    assert_error(world.client(world.leader).post(url + "/review", {"accept": False}), 422, "reason_required")
    returned = world.client(world.leader).post(url + "/review", {"accept": False, "note": "请附上新课表"}).json()
    assert returned["state"] == "open"
    world.client(world.trainer).post(url + "/evidence", {"evidence": "新课表：每节课 30 分钟实操"})
    closed = world.client(world.leader).post(url + "/review", {"accept": True, "note": "已核实"}).json()
    assert closed["state"] == "closed"
    assert [e["kind"] for e in closed["events"]] == ["opened", "evidence", "returned", "evidence", "closed"]
    assert_error(world.client(world.trainer).post(url + "/evidence", {"evidence": "再改"}), 409, "action_closed")


def test_the_next_campaign_rechecks_the_action(world, clock):
    run_campaign(world, clock, practice_score=2)
    clock.advance(days=30)
    run_campaign(world, clock, practice_score=4)
    first = ImprovementAction.objects.get()
    assert (first.recheck, str(first.recheck_score)) == ("passed", "4.00")


def test_a_failed_recheck_keeps_the_finding_open_with_a_new_action(world, clock):
    run_campaign(world, clock, practice_score=2)
    clock.advance(days=30)
    second = run_campaign(world, clock, practice_score=3)
    first, new = ImprovementAction.objects.order_by("id")
    assert (first.recheck, str(first.recheck_score)) == ("failed", "3.00")
    assert (new.source_id, new.item_key, new.recheck) == (second["id"], "method_practice", "pending")


def test_suppressed_results_open_nothing(world, clock):
    run_campaign(world, clock, practice_score=1, count=3)  # anonymous, 3 < 5 answers
    assert not ImprovementAction.objects.exists()


def test_the_service_is_generic_over_targets(world, clock):
    action, created = services.open_action(
        target_kind="standard", target_id=7, target_label="DB 50/T 1053-2020", source_kind="standard_evaluation",
        source_id=3, source_label="2026 年标准实施评价", item_key="process", item_label="实施过程", score=2,
        threshold=3, owner=world.leader, org_unit=world.org.hvac, due_date=date(2026, 4, 1))
    again, created_again = services.open_action(
        target_kind="standard", target_id=7, target_label="DB 50/T 1053-2020", source_kind="standard_evaluation",
        source_id=3, source_label="2026 年标准实施评价", item_key="process", item_label="实施过程", score=2,
        threshold=3, owner=world.leader, org_unit=world.org.hvac, due_date=date(2026, 4, 1))
    assert (created, created_again, again.pk) == (True, False, action.pk)
    assert services.recheck(target_kind="standard", target_id=7, source_id=4, scores={"process": 3},
                            threshold=3)[0].recheck == "passed"


def test_the_scheduler_evaluates_campaigns_that_closed_by_themselves(world, clock):
    survey = world.campaign(days=1)
    for learner in world.learners[:5]:
        world.answer(survey["id"], learner, {**course_answers(4), "effect_apply": 2})  # overall 3.60
    assert services.evaluate_closed() == 0  # still open
    clock.advance(days=2)
    assert services.evaluate_closed() == 1 and services.evaluate_closed() == 0
    assert list(ImprovementAction.objects.values_list("item_key", flat=True)) == ["effect_apply"]


def test_a_trainer_campaign_yields_the_rating_for_the_expert_roster(world, clock, monkeypatch):
    pushed = []
    monkeypatch.setattr(services, "push_trainer_rating", pushed.append)
    survey = world.campaign(template="trainer", target_kind="trainer", target_id=world.trainer.pk,
                            course_id=world.course.pk, days=1)
    assert survey["target"]["label"] == "讲师 钱讲师（空调系统运行管理）"
    for learner in world.learners[:5]:
        world.answer(survey["id"], learner, {"trainer": {"expertise": 5, "delivery": 4, "answers": 4,
                                                         "preparation": 5}, "nps": 9})
    world.client(world.leader).post(f"surveys/{survey['id']}/close")
    (rating,) = pushed
    assert (rating["source"], str(rating["score"]), rating["responses"], rating["user"]) == (
        f"survey:{survey['id']}", "4.50", 5, world.trainer)


def test_a_trainer_on_the_roster_gets_the_campaigns_rating_on_the_expert_record(world, clock):
    from experts.models import Expert

    expert = Expert.objects.create(code="ZJ-9001", user=world.trainer, name="钱讲师")
    survey = world.campaign(template="trainer", target_kind="trainer", target_id=world.trainer.pk,
                            course_id=world.course.pk, days=1)
    for learner in world.learners[:5]:
        world.answer(survey["id"], learner, {"trainer": {"expertise": 5, "delivery": 4, "answers": 4,
                                                         "preparation": 5}, "nps": 9})
    world.client(world.leader).post(f"surveys/{survey['id']}/close")
    (rating,) = expert.ratings.all()
    assert (rating.source, str(rating.score), rating.responses) == (f"survey:{survey['id']}", "4.50", 5)
    # the campaign was about one course: it is a course taught on the record
    (taught,) = expert.engagements.all()
    assert (taught.kind, taught.ref, taught.title) == ("course", f"training.course:{world.course.pk}",
                                                       world.course.title)
