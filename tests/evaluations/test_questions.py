"""Question types and conditions, checked on the server: every type, required, ranges, and a question shown
only if an earlier answer is X (its answer refused while hidden)."""

from __future__ import annotations

import pytest

from evaluations import builtin, questions
from evaluations.models import SurveyTemplate
from miniprogram_api.errors import ApiError

QUESTIONS = questions.validate_definition([
    {"key": "role", "kind": "single", "title": "您的岗位", "options": [{"value": "w", "label": "一线"},
                                                                 {"value": "m", "label": "管理"}]},
    {"key": "topics", "kind": "multiple", "title": "关注的内容", "required": False,
     "options": [{"value": "a", "label": "甲"}, {"value": "b", "label": "乙"}, {"value": "c", "label": "丙"}]},
    {"key": "score", "kind": "scale", "title": "满意度"},
    {"key": "nps", "kind": "nps", "title": "推荐度"},
    {"key": "grid", "kind": "matrix", "title": "各方面", "rows": [{"key": "x", "label": "场地"},
                                                               {"key": "y", "label": "设备"}]},
    {"key": "why", "kind": "text", "title": "原因", "show_if": {"question": "score", "in": [1, 2]}, "max_length": 20},
    {"key": "mgmt", "kind": "text", "title": "管理建议", "required": False, "show_if": {"question": "role", "in": ["m"]}},
])
GOOD = {"role": "w", "topics": ["c", "a"], "score": 4, "nps": 10, "grid": {"x": 5, "y": 3}}


def code_of(answers: dict) -> str:
    with pytest.raises(ApiError) as caught:
        questions.check_answers(QUESTIONS, answers)
    assert caught.value.status == 422
    return caught.value.code


def test_every_type_is_accepted_and_normalised():
    accepted = questions.check_answers(QUESTIONS, GOOD)
    assert accepted["topics"] == ["a", "c"]  # in the options' order
    assert accepted["grid"] == {"x": 5, "y": 3}
    assert "why" not in accepted and "mgmt" not in accepted


@pytest.mark.parametrize(("change", "code"), [
    ({"role": "z"}, "invalid_answer"),
    ({"topics": ["a", "a"]}, "invalid_answer"),
    ({"topics": "a"}, "invalid_answer"),
    ({"score": 6}, "invalid_answer"),
    ({"score": 0}, "invalid_answer"),
    ({"score": True}, "invalid_answer"),
    ({"nps": 11}, "invalid_answer"),
    ({"nps": -1}, "invalid_answer"),
    ({"grid": {"x": 5}}, "answer_required"),
    ({"grid": {"x": 5, "y": 3, "z": 1}}, "invalid_answer"),
    ({"grid": {"x": 5, "y": 9}}, "invalid_answer"),
    ({"role": None}, "answer_required"),
    ({"extra": 1}, "unknown_question"),
])
def test_wrong_answers_are_refused_with_the_questions_key(change, code):
    assert code_of({**GOOD, **change}) == code


def test_nps_takes_zero_to_ten():
    assert questions.check_answers(QUESTIONS, {**GOOD, "nps": 0})["nps"] == 0


def test_a_condition_shows_a_question_only_after_the_named_answer():
    # Hidden (score 4): an answer to it is refused, not silently stored.
    assert code_of({**GOOD, "why": "太吵"}) == "answer_to_hidden_question"
    # Shown (score 2) and required: needed, and then kept.
    assert code_of({**GOOD, "score": 2}) == "answer_required"
    assert questions.check_answers(QUESTIONS, {**GOOD, "score": 2, "why": "太吵"})["why"] == "太吵"
    assert code_of({**GOOD, "score": 2, "why": "长" * 21}) == "invalid_answer"
    # Shown but optional.
    assert "mgmt" not in questions.check_answers(QUESTIONS, {**GOOD, "role": "m"})
    assert code_of({**GOOD, "mgmt": "多沟通"}) == "answer_to_hidden_question"


def test_a_text_answer_with_control_characters_is_refused():
    assert code_of({**GOOD, "score": 1, "why": "a\x00b"}) == "invalid_answer"


@pytest.mark.parametrize("bad", [
    [],
    [{"key": "a", "kind": "essay", "title": "x"}],
    [{"key": "a", "kind": "single", "title": "x", "options": [{"value": "1", "label": "一"}]}],
    [{"key": "a", "kind": "scale", "title": "x", "scale": {"min": 3, "max": 2}}],
    [{"key": "a", "kind": "matrix", "title": "x", "rows": []}],
    [{"key": "a", "kind": "text", "title": "x", "show_if": {"question": "b", "in": ["1"]}},
     {"key": "b", "kind": "single", "title": "y", "options": [{"value": "1", "label": "一"}, {"value": "2", "label": "二"}]}],
    [{"key": "a", "kind": "text", "title": "x"}, {"key": "a", "kind": "text", "title": "y"}],
])
def test_bad_definitions_are_refused(bad):
    with pytest.raises(ApiError) as caught:
        questions.validate_definition(bad)
    assert caught.value.code == "invalid_questions"


def test_the_builtin_templates_are_installed_in_chinese(db):
    from evaluations.services import ensure_builtin_templates

    ensure_builtin_templates()  # no-op after the migration; reinstalls after a transactional test's flush
    codes = set(SurveyTemplate.objects.filter(builtin=True).values_list("code", flat=True))
    assert codes == {t["code"] for t in builtin.TEMPLATES} == {
        "training_organisation", "training_form", "course", "assessment", "trainer", "contest"}
    course = SurveyTemplate.objects.get(code="course")
    assert {q.get("dimension") for q in course.questions} >= {"内容", "方式", "效果"}
    assessment = SurveyTemplate.objects.get(code="assessment")
    assert {q.get("dimension") for q in assessment.questions} >= {"目标", "要点", "过程"}
    kinds = {q["kind"] for t in SurveyTemplate.objects.filter(builtin=True) for q in t.questions}
    assert kinds == set(questions.KINDS)
