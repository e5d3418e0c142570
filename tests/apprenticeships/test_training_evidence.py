"""Training becomes evidence: a completed course (with its 学时, counted in the agreement's hours) and a
passed exam, once each, by signal or backfilled when the agreement is made; the theory score at 出师 comes
from the template's theory exam."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from apprenticeships.models import Evidence, PlanTemplate
from tests.conftest import assert_error
from tests.training.kit import make_bank, make_course, make_exam, right_answer, wrong_answer
from training import services as training
from training.models import Enrolment, Question


@pytest.fixture
def kit(teaching, clock, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    clock.set(date(2026, 3, 2))
    course = make_course(unit=teaching.org.hvac, title="冷水机组运行规范", kinds=("article",), hours=Decimal("6"))
    bank = make_bank(unit=teaching.org.hvac, per_kind=2, tags=("制冷原理",))
    exam = make_exam(unit=teaching.org.hvac, bank=bank, questions=list(bank.questions.order_by("code")[:5]),
                     points=Decimal("20"), attempts_allowed=3)
    return course, exam


def complete_course(teaching, course, clock):
    Enrolment.objects.get_or_create(course=course, user=teaching.apprentice)
    response = teaching.client(teaching.apprentice).post("learning/progress", {"items": [{
        "client_id": f"read-{course.pk}", "lesson_id": course.lessons.get().pk, "position_s": 0, "watched": [],
        "at": clock.now.isoformat()}]})
    assert response.json()["results"][0]["course_completed"] is True


def sit(teaching, exam, right: int):
    attempt, _ = training.start_attempt(user=teaching.apprentice, exam_id=exam.pk)
    keys = {q.pk: q for q in Question.objects.filter(pk__in=[e["q"] for e in attempt.paper])}
    answers = [training.AnswerIn(pk, (right_answer if n < right else wrong_answer)(keys[pk]), 1)
               for n, pk in enumerate(keys)]
    attempt, _ = training.submit(user=teaching.apprentice, attempt_id=attempt.pk, answers=answers)
    return attempt


def test_a_completed_course_and_a_passed_exam_become_evidence_once(teaching, kit, clock):
    course, exam = kit
    agreement = teaching.create(start=date(2026, 3, 2))
    complete_course(teaching, course, clock)
    failed = sit(teaching, exam, right=2)
    assert failed.passed is False
    assert not Evidence.objects.filter(kind="exam_passed").exists()
    sit(teaching, exam, right=4)
    sit(teaching, exam, right=5)  # a better pass: still one piece of evidence for the exam
    evidence = Evidence.objects.filter(agreement_id=agreement["id"]).exclude(kind="approved_run")
    assert sorted(e.kind for e in evidence) == ["course_completed", "exam_passed"]
    course_evidence = evidence.get(kind="course_completed")
    assert course_evidence.hours == Decimal("6.0") and "冷水机组运行规范" in course_evidence.description
    assert "80.0" in evidence.get(kind="exam_passed").description
    detail = teaching.detail(agreement["id"])
    assert detail["hours"] == 6.0  # the course's 学时 count towards the agreement's hours
    kinds = {e["kind"] for e in detail["general_evidence"]}
    assert {"course_completed", "exam_passed"} <= kinds


def test_training_done_before_the_agreement_is_backfilled(teaching, kit, clock):
    course, exam = kit
    complete_course(teaching, course, clock)
    sit(teaching, exam, right=5)
    agreement = teaching.create(start=date(2026, 3, 2))
    kinds = sorted(Evidence.objects.filter(agreement_id=agreement["id"], kind__in=["course_completed", "exam_passed"])
                   .values_list("kind", flat=True))
    assert kinds == ["course_completed", "exam_passed"]


def test_the_theory_score_at_completion_comes_from_the_exam(teaching, kit, clock):
    course, exam = kit
    PlanTemplate.objects.filter(pk=teaching.template.pk).update(theory_exam=exam)
    agreement = teaching.create(start=date(2026, 3, 2))
    teaching.sign_off_everything(agreement)
    teaching.review(agreement["id"], final=True)
    leader = teaching.client(teaching.leader)
    refused = assert_error(leader.post(f"apprenticeships/{agreement['id']}/complete",
                                       {"grade": "pass", "theory_score": "90"}), 409, "theory_exam_not_passed")
    assert refused["detail"] == {"exam_id": exam.pk}
    sit(teaching, exam, right=2)
    sit(teaching, exam, right=4)
    done = leader.post(f"apprenticeships/{agreement['id']}/complete", {"grade": "pass", "theory_score": "99",
                                                                      "practical_score": "85"})
    assert done.status_code == 200, done.content
    from apprenticeships.models import Agreement

    completed = Agreement.objects.get(pk=agreement["id"])
    assert completed.theory_score == Decimal("80.0") and completed.practical_score == Decimal("85")
