"""The exam lifecycle on the server's clock: start (shuffled per attempt, stable on reload), autosave
(idempotent, an older save never overwrites a newer one), deadline and grace, submit and grading, the
auto-submit job, attempts allowed, one open attempt, results released after the attempt or the window;
and the correct answers never in any answer to the candidate before release."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command

from tests.conftest import assert_error
from training import services
from training.models import Attempt, AttemptAnswer, Question

from .kit import make_bank, make_exam, right_answer, wrong_answer


@pytest.fixture
def exam(people, clock):
    bank = make_bank(unit=people.org.hvac, per_kind=3)
    questions = list(bank.questions.order_by("code")[:10])
    return make_exam(unit=people.org.hvac, bank=bank, questions=questions, points=Decimal("10"),
                     time_limit_minutes=30, attempts_allowed=2)


def start(people, exam, user=None):
    return people.client(user or people.learner).post(f"exams/{exam.pk}/attempts")


def save(people, attempt_id, answers, user=None):
    return people.client(user or people.learner).raw("PUT", f"attempts/{attempt_id}/answers",
                                                     json.dumps({"answers": answers}))


def secrets_of(exam) -> list[str]:
    """Strings only the key can contain: explanations and fill-in answers."""
    found = []
    for question in Question.objects.filter(pk__in=exam.paper.values("question_id")):
        found.append(question.explanation)
        if question.kind == "fill":
            found.extend(alt for blank in question.answer for alt in blank)
    return found


FORBIDDEN_KEYS = {"correct_answer", "explanation", "correct", "awarded"}


def assert_no_answers(body: dict | list, exam) -> None:
    """Nothing in a candidate-facing body gives the key away before release."""
    text = json.dumps(body, ensure_ascii=False)
    for secret in secrets_of(exam):
        assert secret not in text, secret

    def walk(node):
        if isinstance(node, dict):
            assert not (FORBIDDEN_KEYS & set(node)) or node.get("result") is None, node
            for key, value in node.items():
                if key == "result":
                    assert value is None
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(body)


def answers_for(body, *, right=True, seq=1):
    questions = {q.pk: q for q in Question.objects.filter(pk__in=[q["question_id"] for q in body["questions"]])}
    return [{"question_id": q["question_id"], "seq": seq,
             "answer": (right_answer if right else wrong_answer)(questions[q["question_id"]])} for q in body["questions"]]


def test_start_shuffles_per_attempt_and_a_reload_shows_the_same_paper(people, exam, clock):
    first = start(people, exam)
    assert first.status_code == 201, first.content
    body = first.json()
    assert len(body["questions"]) == 10 and body["remaining_s"] == 30 * 60
    again = start(people, exam)  # a second tap, a reload: the same open attempt
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    assert again.json()["questions"] == body["questions"]
    assert people.client(people.learner).get(f"attempts/{body['id']}").json()["questions"] == body["questions"]
    other = start(people, exam, user=people.learner2).json()
    orders = [[q["question_id"] for q in body["questions"]], [q["question_id"] for q in other["questions"]]]
    options = [[o["key"] for q in b["questions"] for o in q["options"]] for b in (body, other)]
    assert sorted(orders[0]) == sorted(orders[1])
    assert orders[0] != orders[1] or options[0] != options[1]  # 10! × 4!^k orders: equal only by a miracle
    attempt = Attempt.objects.get(pk=body["id"])
    assert [entry["q"] for entry in attempt.paper] == orders[0]


def test_no_correct_answer_reaches_the_candidate_before_release(people, exam, clock):
    exam.release = "after_close"
    exam.closes_at = clock.now + timedelta(hours=2)
    exam.save()
    client = people.client(people.learner)
    bodies = []
    started = start(people, exam)
    bodies.append(started.json())
    attempt_id = started.json()["id"]
    bodies.append(save(people, attempt_id, answers_for(started.json(), right=False)).json())
    bodies.append(client.get(f"attempts/{attempt_id}").json())
    bodies.append(client.get("exams").json())
    bodies.append(client.post(f"attempts/{attempt_id}/submit").json())
    bodies.append(client.get(f"attempts/{attempt_id}").json())
    bodies.append(client.get("exams").json())
    for body in bodies:
        assert_no_answers(body, exam)
    assert bodies[-2]["state"] == "submitted" and bodies[-2]["released"] is False
    assert bodies[-1][0]["attempts"][0]["score"] is None
    # After the window closes the results and explanations are shown.
    clock.advance(hours=3)
    result = client.get(f"attempts/{attempt_id}").json()
    assert result["released"] is True and result["result"]["score"] == "0.0"
    assert {item["correct_answer"] is not None for item in result["result"]["items"]} == {True}
    assert all(item["explanation"] for item in result["result"]["items"])


def test_autosave_is_idempotent_and_an_older_save_never_wins(people, exam, clock):
    body = start(people, exam).json()
    qid = next(q["question_id"] for q in body["questions"] if q["kind"] == "single")
    assert save(people, body["id"], [{"question_id": qid, "answer": "C", "seq": 2}]).json()["results"] == [
        {"question_id": qid, "status": "saved", "seq": 2}]
    again = save(people, body["id"], [{"question_id": qid, "answer": "C", "seq": 2}]).json()
    assert again["results"][0]["status"] == "stale"
    late = save(people, body["id"], [{"question_id": qid, "answer": "A", "seq": 1}])  # sent offline earlier
    assert late.status_code == 200 and late.json()["results"][0]["status"] == "stale"
    assert AttemptAnswer.objects.get(attempt_id=body["id"], question_id=qid).answer == "C"
    newer = save(people, body["id"], [{"question_id": qid, "answer": "B", "seq": 3}]).json()
    assert newer["results"][0]["status"] == "saved"
    shown = people.client(people.learner).get(f"attempts/{body['id']}").json()["answers"]
    assert shown == [{"question_id": qid, "answer": "B", "seq": 3}]


def test_refusals_change_nothing(people, exam, clock):
    body = start(people, exam).json()
    questions = {q["question_id"]: q for q in body["questions"]}
    single = next(q for q in body["questions"] if q["kind"] == "single")
    outside = Question.objects.exclude(pk__in=questions).first()
    assert_error(save(people, body["id"], [{"question_id": outside.pk, "answer": "A", "seq": 1},
                                           {"question_id": single["question_id"], "answer": "A", "seq": 1}]),
                 422, "question_not_in_attempt")
    assert_error(save(people, body["id"], [{"question_id": single["question_id"], "answer": "Z", "seq": 1}]),
                 422, "invalid_answer")
    assert_error(save(people, body["id"], [{"question_id": single["question_id"], "answer": True, "seq": 1}]),
                 422, "invalid_answer")
    assert_error(people.client(people.learner).raw("PUT", f"attempts/{body['id']}/answers", "[1, 2]"), 422)
    assert_error(save(people, body["id"], [{"question_id": single["question_id"], "answer": "A", "seq": 1}],
                      user=people.learner2), 404)
    assert not AttemptAnswer.objects.exists()
    people.client(people.learner).post(f"attempts/{body['id']}/submit")
    assert_error(save(people, body["id"], [{"question_id": single["question_id"], "answer": "A", "seq": 9}]),
                 409, "attempt_submitted")
    assert_error(people.client(people.learner).post(f"attempts/{body['id']}/submit", {"answers": [
        {"question_id": single["question_id"], "answer": "A", "seq": 9}]}), 409, "attempt_submitted")
    assert not AttemptAnswer.objects.filter(seq=9).exists()


def test_the_server_keeps_the_clock(people, exam, clock, settings):
    settings.EXAM_GRACE_SECONDS = 30
    body = start(people, exam).json()
    single = next(q for q in body["questions"] if q["kind"] == "single")
    clock.advance(minutes=30, seconds=20)  # past the limit, inside the grace
    assert save(people, body["id"], [{"question_id": single["question_id"], "answer": "B", "seq": 1}]).status_code == 200
    clock.advance(seconds=20)  # past the grace
    refused = assert_error(save(people, body["id"], [{"question_id": single["question_id"], "answer": "A", "seq": 2}]),
                           409, "attempt_time_over")
    assert refused["detail"]["deadline_at"]
    assert AttemptAnswer.objects.get(attempt_id=body["id"]).answer == "B"
    # A submit without answers now grades what was saved, as an automatic submission at the deadline.
    done = people.client(people.learner).post(f"attempts/{body['id']}/submit").json()
    attempt = Attempt.objects.get(pk=body["id"])
    assert done["state"] == "auto_submitted" and attempt.submitted_at == attempt.deadline_at
    assert attempt.points == Decimal("10.0") and attempt.score == Decimal("10.0") and attempt.passed is False


def test_an_attempt_left_open_is_submitted_by_the_scheduler(people, exam, clock, settings):
    settings.SCHEDULED_JOBS = {"exam_auto_submit": ("training.jobs.auto_submit_expired", 30)}
    body = start(people, exam).json()
    save(people, body["id"], answers_for(body))
    clock.advance(minutes=10)
    call_command("run_scheduler", "--once")
    assert Attempt.objects.get(pk=body["id"]).state == "in_progress"
    clock.advance(minutes=25)
    from django.core.cache import cache

    cache.clear()  # the scheduler's per-interval lock
    call_command("run_scheduler", "--once")
    attempt = Attempt.objects.get(pk=body["id"])
    assert attempt.state == "auto_submitted" and attempt.submitted_at == attempt.deadline_at
    assert attempt.score == Decimal("100.0") and attempt.passed is True
    assert services.auto_submit_expired() == {}  # once


def test_attempts_allowed_and_one_open_attempt(people, exam, clock):
    client = people.client(people.learner)
    first = start(people, exam).json()
    client.post(f"attempts/{first['id']}/submit", {"answers": answers_for(first, right=False)})
    second = start(people, exam)
    assert second.status_code == 201 and second.json()["number"] == 2
    client.post(f"attempts/{second.json()['id']}/submit")
    refused = assert_error(start(people, exam), 409, "attempts_exhausted")
    assert refused["detail"] == {"attempts_allowed": 2, "used": 2}
    assert Attempt.objects.filter(user=people.learner).count() == 2


def test_one_open_attempt_is_a_database_rule(people, exam, clock):
    from django.db import IntegrityError, transaction

    attempt, _ = services.start_attempt(user=people.learner, exam_id=exam.pk)
    with pytest.raises(IntegrityError), transaction.atomic():
        Attempt.objects.create(exam=exam, user=people.learner, number=2, started_at=clock.now,
                               deadline_at=clock.now, paper=[], total_points=0)


def test_grading_on_submit(people, exam, clock):
    body = start(people, exam).json()
    answers = answers_for(body)
    wrong = {q.pk: q for q in Question.objects.filter(pk__in=[a["question_id"] for a in answers[:3]])}
    for entry in answers[:3]:
        entry["answer"] = wrong_answer(wrong[entry["question_id"]])
    done = people.client(people.learner).post(f"attempts/{body['id']}/submit", {"answers": answers}).json()
    assert done["released"] is True
    assert done["result"]["points"] == "70.0" and done["result"]["total_points"] == "100.0"
    assert done["result"]["score"] == "70.0" and done["result"]["passed"] is True
    again = people.client(people.learner).post(f"attempts/{body['id']}/submit").json()
    assert again["result"] == done["result"]


def test_window_and_eligibility(people, exam, clock):
    exam.opens_at = clock.now + timedelta(hours=1)
    exam.save()
    assert_error(start(people, exam), 409, "exam_not_open")
    clock.advance(hours=2)
    exam.closes_at = clock.now - timedelta(minutes=1)
    exam.save()
    assert_error(start(people, exam), 409, "exam_closed")
    assert_error(start(people, exam, user=people.outsider), 404)
    assert not Attempt.objects.exists()


def test_a_deadline_never_outlasts_the_window(people, exam, clock):
    exam.closes_at = clock.now + timedelta(minutes=10)
    exam.save()
    body = start(people, exam).json()
    assert body["remaining_s"] == 600


def test_random_paper_by_tag_and_difficulty(people, clock):
    from training.models import KnowledgeTag

    bank = make_bank(unit=people.org.hvac, per_kind=3, tags=("制冷原理", "安全规范"))
    cooling, safety = KnowledgeTag.objects.get(name="制冷原理"), KnowledgeTag.objects.get(name="安全规范")
    exam = make_exam(unit=people.org.hvac, bank=bank, mode="random",
                     rules=[(cooling, "easy", 3, Decimal("10")), (safety, "", 5, Decimal("14"))])
    body = start(people, exam).json()
    questions = Question.objects.filter(pk__in=[q["question_id"] for q in body["questions"]])
    assert len(body["questions"]) == 8 and questions.count() == 8
    assert sum(1 for q in questions if q.tags.filter(pk=cooling.pk).exists() and q.difficulty == "easy") == 3
    assert sum(1 for q in questions if q.tags.filter(pk=safety.pk).exists()) == 5
    assert Attempt.objects.get(pk=body["id"]).total_points == Decimal("100.0")


def test_start_and_submit_queries_do_not_grow_with_the_bank(people, clock):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from training.models import KnowledgeTag

    counts = []
    for per_kind, name in ((2, "小题库"), (40, "大题库")):
        bank = make_bank(unit=people.org.hvac, name=name, per_kind=per_kind, prefix=name)
        tag = KnowledgeTag.objects.get(name="制冷原理")
        exam = make_exam(unit=people.org.hvac, bank=bank, mode="random", title=name,
                         rules=[(tag, "", 5, Decimal("10")), (None, "hard", 5, Decimal("10"))])
        client = people.client(people.learner)
        with CaptureQueriesContext(connection) as started:
            body = client.post(f"exams/{exam.pk}/attempts").json()
        answers = answers_for(body)
        with CaptureQueriesContext(connection) as submitted:
            client.post(f"attempts/{body['id']}/submit", {"answers": answers})
        counts.append((len(started), len(submitted)))
    assert counts[0] == counts[1], counts


def test_selectors_for_a_contest_theory_event(people, exam, clock):
    """What issue 17's theory event reads: a graded attempt's outcome and each person's best score."""
    from training import selectors

    client = people.client(people.learner)
    first = start(people, exam).json()
    client.post(f"attempts/{first['id']}/submit", {"answers": answers_for(first, right=False)})
    second = start(people, exam).json()
    client.post(f"attempts/{second['id']}/submit", {"answers": answers_for(second)})
    open_one = start(people, exam, user=people.learner2).json()
    assert selectors.graded_attempt(open_one["id"]) is None  # still in progress: no result yet
    graded = selectors.graded_attempt(first["id"])
    assert graded["score"] == Decimal("0.0") and graded["passed"] is False and graded["user_id"] == people.learner.pk
    best = selectors.best_scores(exam_id=exam.pk, user_ids=[people.learner.pk, people.learner2.pk])
    assert best == {people.learner.pk: {"attempt_id": second["id"], "score": Decimal("100.0"), "passed": True,
                                        "submitted_at": Attempt.objects.get(pk=second["id"]).submitted_at}}
    assert selectors.passed_exam_score(user_id=people.learner.pk, exam_id=exam.pk) == Decimal("100.0")
