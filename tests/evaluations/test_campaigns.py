"""Campaigns and responses: who is asked (live, through training's enrolments), what I should fill in, one
response per person even when anonymous, a resend is the same response, and each bad input a clear Chinese
4xx that changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from evaluations.models import Campaign, Completion, Response, SurveyTemplate
from tests.conftest import assert_error
from training.models import Enrolment

from .kit import course_answers, new_id

pytestmark = pytest.mark.django_db


def test_an_organiser_opens_a_campaign_and_the_enrollees_see_it(world, clock):
    survey = world.campaign()
    assert survey["target"] == {"kind": "course", "id": world.course.pk, "label": "空调系统运行管理"}
    assert survey["state"] == "open" and survey["anonymous"] is True
    assert [q["key"] for q in survey["questions"]][:2] == ["content_fit", "content_standard"]
    mine = world.client(world.learners[0]).get("surveys/mine").json()
    assert [(s["id"], s["responded"]) for s in mine] == [(survey["id"], False)]
    assert world.client(world.outsider).get("surveys/mine").json() == []
    assert_error(world.client(world.outsider).get(f"surveys/{survey['id']}"), 404, "survey_not_found")
    detail = world.client(world.learners[0]).get(f"surveys/{survey['id']}").json()
    assert detail["organiser"] is False and len(detail["questions"]) == 8


def test_only_organisers_open_campaigns(world, clock):
    body = {"template_id": SurveyTemplate.objects.get(code="course").pk, "title": "x", "target_kind": "course",
            "target_id": world.course.pk, "audience_kind": "enrollees", "opens_at": "2026-03-01T08:00:00+08:00",
            "closes_at": "2026-03-09T08:00:00+08:00"}
    assert_error(world.client(world.learners[0]).post("surveys", body), 403, "not_organiser")
    assert_error(world.client(world.outsider).post("surveys", body), 403, "not_organiser")
    assert_error(world.client(world.trainer).post("surveys", {**body, "audience_kind": "contestants"}), 422,
                 "invalid_audience")
    assert_error(world.client(world.trainer).post("surveys", {**body, "target_id": 999999}), 404, "target_not_found")
    assert_error(world.client(world.trainer).post("surveys", {**body, "closes_at": body["opens_at"]}), 422,
                 "invalid_window")
    assert_error(world.client(world.trainer).post("surveys", {**body, "audience_kind": "org_units",
                                                             "audience_unit_ids": [world.org.bas.pk]}), 403,
                 "audience_out_of_scope")
    assert not Campaign.objects.exists()
    in_scope = world.client(world.trainer).post("surveys", {**body, "audience_kind": "org_units",
                                                            "audience_unit_ids": [world.org.hvac_team.pk]})
    assert in_scope.status_code == 201
    assert world.client(world.trainer).get(f"surveys/{in_scope.json()['id']}/status").json()["audience"] == 6
    client_id = new_id()
    first = world.client(world.leader).post("surveys", {**body, "client_id": client_id})
    again = world.client(world.leader).post("surveys", {**body, "client_id": client_id})
    assert (first.status_code, again.status_code) == (201, 200) and first.json()["id"] == again.json()["id"]


def test_one_response_per_person_and_a_resend_is_the_same_response(world, clock):
    survey = world.campaign()
    learner = world.learners[0]
    client_id = new_id()
    first = world.answer(survey["id"], learner, course_answers(4), client_id)
    assert first.status_code == 201, first.content
    assert first.json() == {"survey_id": survey["id"], "client_id": client_id, "submitted_on": "2026-03-02",
                            "anonymous": True}
    again = world.answer(survey["id"], learner, course_answers(4), client_id)
    assert again.status_code == 200 and again.json() == first.json()
    assert_error(world.answer(survey["id"], learner, course_answers(2)), 409, "already_responded")
    assert (Completion.objects.count(), Response.objects.count()) == (1, 1)
    assert world.client(learner).get("surveys/mine").json()[0]["responded"] is True


def test_bad_responses_change_nothing(world, clock):
    survey = world.campaign(days=2)
    learner = world.learners[1]
    assert_error(world.answer(survey["id"], world.outsider, course_answers(4)), 404, "survey_not_found")
    assert_error(world.answer(survey["id"], learner, {"content_fit": 9}), 422, "invalid_answer")
    assert_error(world.client(learner).post(f"surveys/{survey['id']}/responses", [1, 2]), 422)
    assert_error(world.client(learner).post(f"surveys/{survey['id']}/responses",
                                            {"client_id": new_id(), "answers": {"content_fit": True}}), 422)
    # Someone not enrolled but able to see the campaign (an organiser) is outside the audience.
    assert_error(world.answer(survey["id"], world.trainer, course_answers(4)), 403, "not_in_audience")
    clock.advance(days=3, hours=1)  # past the close and the offline grace
    assert_error(world.answer(survey["id"], learner, course_answers(4)), 409, "survey_closed")
    assert not Completion.objects.exists() and not Response.objects.exists()


def test_a_response_queued_offline_before_the_close_is_taken_within_the_grace(world, clock):
    survey = world.campaign(days=1)
    answered_at = clock.now + timedelta(hours=20)
    clock.advance(hours=30)  # closed 7 h ago (it opened an hour before the test's now)
    learner = world.learners[2]
    late = world.client(learner).post(f"surveys/{survey['id']}/responses", {
        "client_id": new_id(), "answers": course_answers(5), "answered_at": answered_at.isoformat()})
    assert late.status_code == 201, late.content
    assert_error(world.client(world.learners[3]).post(f"surveys/{survey['id']}/responses", {
        "client_id": new_id(), "answers": course_answers(5), "answered_at": clock.now.isoformat()}), 409,
        "survey_closed")


def test_before_the_window_opens_nobody_answers(world, clock):
    survey = world.campaign()
    Campaign.objects.filter(pk=survey["id"]).update(opens_at=clock.now + timedelta(days=1),
                                                    closes_at=clock.now + timedelta(days=2))
    assert world.client(world.learners[0]).get("surveys/mine").json() == []
    assert_error(world.answer(survey["id"], world.learners[0], course_answers(4)), 409, "survey_not_open")


def test_the_audience_is_who_has_access_now(world, clock):
    survey = world.campaign()
    newcomer = world.outsider
    assert_error(world.answer(survey["id"], newcomer, course_answers(4)), 404, "survey_not_found")
    Enrolment.objects.create(course=world.course, user=newcomer)
    assert [s["id"] for s in world.client(newcomer).get("surveys/mine").json()] == [survey["id"]]
    assert world.answer(survey["id"], newcomer, course_answers(4)).status_code == 201
    status = world.client(world.trainer).get(f"surveys/{survey['id']}/status").json()
    assert (status["audience"], status["responded"]) == (9, 1)


def test_anonymity_cannot_change_once_someone_has_responded(world, clock):
    survey = world.campaign()
    url = f"surveys/{survey['id']}/anonymity"
    assert world.client(world.trainer).post(url, {"anonymous": False}).json()["anonymous"] is False
    assert world.client(world.trainer).post(url, {"anonymous": True}).json()["anonymous"] is True
    assert_error(world.client(world.learners[0]).post(url, {"anonymous": False}), 403, "not_organiser")
    world.answer(survey["id"], world.learners[0], course_answers(4))
    assert_error(world.client(world.trainer).post(url, {"anonymous": False}), 409, "anonymity_locked")
    assert Campaign.objects.get(pk=survey["id"]).anonymous is True
    assert Response.objects.get().respondent_id is None


def test_a_named_campaign_keeps_the_respondent(world, clock):
    survey = world.campaign(anonymous=False)
    world.answer(survey["id"], world.learners[0], course_answers(4))
    assert Response.objects.get().respondent_id == world.learners[0].pk


def test_organisers_define_templates_with_every_question_type(world, clock):
    body = {"code": "hvac-safety", "title": "安全培训评价", "target_kind": "studio", "questions": [
        {"key": "ok", "kind": "single", "title": "是否发放防护用品", "options": [{"value": "y", "label": "是"},
                                                                        {"value": "n", "label": "否"}]},
        {"key": "what", "kind": "text", "title": "缺少哪些", "show_if": {"question": "ok", "in": ["n"]}},
        {"key": "grid", "kind": "matrix", "title": "各项", "rows": [{"key": "a", "label": "讲解"}]},
    ]}
    created = world.client(world.leader).post("surveys/templates", body)
    assert created.status_code == 201, created.content
    assert [q["kind"] for q in created.json()["questions"]] == ["single", "text", "matrix"]
    assert created.json()["questions"][1]["show_if"] == {"question": "ok", "in": ["n"]}
    assert_error(world.client(world.leader).post("surveys/templates", body), 409, "template_code_taken")
    assert_error(world.client(world.learners[0]).post("surveys/templates", {**body, "code": "x1"}), 403,
                 "not_organiser")
    bad = {**body, "code": "x2", "questions": [{"key": "a", "kind": "essay", "title": "?"}]}
    assert_error(world.client(world.leader).post("surveys/templates", bad), 422, "invalid_questions")
    assert SurveyTemplate.objects.filter(builtin=False).count() == 1
