"""Grading and item analysis on hand-worked data (docs/adr/0022)."""

from __future__ import annotations

import io
from decimal import Decimal
from fractions import Fraction

import pytest
from openpyxl import load_workbook

from accounts.models import Role, User
from accounts.services import grant_role
from tests.conftest import assert_error
from training import grading, services
from training.models import Attempt, Question

from .kit import make_bank, make_exam

D = Decimal


def test_each_kind_against_its_key():
    assert grading.grade("single", "B", "B", D(5)) == grading.Graded(Fraction(5), True)
    assert grading.grade("single", "B", "C", D(5)).awarded == 0
    assert grading.grade("true_false", False, False, D(2)).correct
    assert not grading.grade("true_false", False, None, D(2)).correct
    # Multiple choice is all or nothing: a subset or an extra option scores nothing.
    assert grading.grade("multiple", ["A", "B", "D"], ["D", "A", "B"], D(6)).awarded == 6
    assert grading.grade("multiple", ["A", "B", "D"], ["A", "B"], D(6)).awarded == 0
    assert grading.grade("multiple", ["A", "B", "D"], ["A", "B", "C", "D"], D(6)).awarded == 0
    # Fill in the blank: points split equally; answers normalised (NFKC, spaces, case).
    key = [["7℃", "七摄氏度"], ["HVAC"], ["12"]]
    assert grading.grade("fill", key, ["７℃ ", "hvac", "13"], D(10)) == grading.Graded(Fraction(20, 3), False)
    assert grading.to_decimal(Fraction(20, 3)) == D("6.7")
    assert grading.grade("fill", key, "7℃", D(10)).awarded == 0  # a malformed answer is simply wrong


def test_score_is_rounded_half_up_once_at_the_end():
    # 2/3 + 2/3 + 2/3 of a point = 2 of 3 points → 66.666… → 66.7
    total = Fraction(2, 3) * 3
    assert grading.score_of(total, D(3)) == D("66.7")
    assert grading.score_of(Fraction(1, 8), D(1)) == D("12.5")
    assert grading.score_of(Fraction(1, 2000), D(1)) == D("0.1")  # 0.05 rounds up


def test_item_analysis_by_hand():
    """Ten attempts; the 27 % groups have round(2.7) = 3 attempts each.

    scores: a1 95, a2 90, a3 85 (upper) … a8 30, a9 20, a10 10 (lower)
    question 1 right in a1 a2 a3 a4 a5 and a9:  p = 6/10 = 0.60; upper 3/3, lower 1/3: D = 0.67
    question 2 right in a8 a9 a10 and a1:      p = 4/10 = 0.40; upper 1/3, lower 3/3: D = −0.67
    question 3 half credit everywhere:          p = 0.50, D = 0.00
    question 4 only in a1 and a10 (random paper): upper has a1 (1), lower a10 (0): D = 1.00
    """
    scores = [95, 90, 85, 70, 60, 55, 40, 30, 20, 10]
    q1 = {1, 2, 3, 4, 5, 9}
    q2 = {8, 9, 10, 1}
    results = []
    for n, score in enumerate(scores, start=1):
        items = {1: Fraction(int(n in q1)), 2: Fraction(int(n in q2)), 3: Fraction(1, 2)}
        if n == 1:
            items[4] = Fraction(1)
        if n == 10:
            items[4] = Fraction(0)
        results.append(grading.AttemptResult(n, D(score), items))
    stats = grading.item_analysis(results)
    assert grading.group_size(10) == 3
    assert stats[1] == {"attempts": 10, "difficulty_index": D("0.60"), "discrimination": D("0.67")}
    assert stats[2] == {"attempts": 10, "difficulty_index": D("0.40"), "discrimination": D("-0.67")}
    assert stats[3] == {"attempts": 10, "difficulty_index": D("0.50"), "discrimination": D("0.00")}
    assert stats[4] == {"attempts": 2, "difficulty_index": D("0.50"), "discrimination": D("1.00")}
    bands = grading.distribution(D(s) for s in scores + [100])
    assert [b["count"] for b in bands] == [0, 1, 1, 1, 1, 1, 1, 1, 1, 3]
    assert grading.median([D(s) for s in scores]) == D("57.5")


def test_group_size_rounds_and_keeps_one():
    assert [grading.group_size(n) for n in (0, 1, 2, 3, 4, 10, 100)] == [0, 1, 1, 1, 1, 3, 27]


@pytest.fixture
def graded(people, clock):
    """Four candidates sit a five-question fixed paper (20 points each): scores 80, 40, 20, 20."""
    bank = make_bank(unit=people.org.hvac, per_kind=2, tags=("制冷原理",))
    questions = list(bank.questions.order_by("code")[:5])
    exam = make_exam(unit=people.org.hvac, bank=bank, questions=questions, points=D("20"))
    keys = {q.pk: q for q in questions}
    patterns = {  # which of the five questions each candidate gets right
        people.learner: [1, 1, 1, 1, 0], people.learner2: [1, 1, 0, 0, 0],
        people.leader: [1, 0, 0, 0, 0], people.trainer: [0, 0, 0, 0, 1],
    }
    from .kit import right_answer, wrong_answer

    for user, pattern in patterns.items():
        attempt, _ = services.start_attempt(user=user, exam_id=exam.pk)
        answers = [services.AnswerIn(q.pk, (right_answer if hit else wrong_answer)(keys[q.pk]), 1)
                   for q, hit in zip(questions, pattern, strict=True)]
        services.submit(user=user, attempt_id=attempt.pk, answers=answers)
    return exam, questions


def test_the_setters_analysis_and_its_spreadsheet(people, graded):
    exam, questions = graded
    body = people.client(people.trainer).get(f"exams/{exam.pk}/analysis").json()
    assert body["attempts"] == 4 and body["candidates"] == 4 and body["group_size"] == 1
    assert body["mean"] == "40.0" and body["median"] == "30.0" and body["pass_rate"] == "25.0"
    by_code = {i["code"]: i for i in body["items"]}
    first, fifth = by_code[questions[0].code], by_code[questions[4].code]
    # Q1 right for three of four; upper group (80) right, lower group (20, the trainer) wrong.
    assert first["difficulty_index"] == "0.75" and first["discrimination"] == "1.00"
    assert fifth["difficulty_index"] == "0.25" and fifth["discrimination"] == "-1.00"
    assert [b["count"] for b in body["distribution"]] == [0, 0, 2, 0, 1, 0, 0, 0, 1, 0]
    response = people.client(people.trainer).get(f"exams/{exam.pk}/analysis.xlsx")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = list(sheet.iter_rows(min_row=4, values_only=True))
    assert [r[0] for r in rows] == [i["code"] for i in body["items"]]
    assert rows[0][5] == 0.75 and rows[0][6] == 1.0
    assert Attempt.objects.filter(exam=exam, state="submitted").count() == 4


def test_only_setters_read_the_analysis(people, graded):
    exam, _ = graded
    assert_error(people.client(people.learner).get(f"exams/{exam.pk}/analysis"), 403, "not_a_trainer")
    assert_error(people.client(people.outsider).get(f"exams/{exam.pk}/analysis"), 404)
    assert people.client(people.admin).get(f"exams/{exam.pk}/analysis").status_code == 200


def test_analysis_queries_do_not_grow_with_the_class(people, clock):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from .kit import right_answer

    counts = []
    for size, name in ((2, "小班"), (12, "大班")):
        bank = make_bank(unit=people.org.hvac, name=name, per_kind=2, tags=(name,), prefix=name)
        exam = make_exam(unit=people.org.hvac, bank=bank, title=name)
        for n in range(size):
            candidate = User.objects.create(username=f"{name}-{n}", primary_org_unit=people.org.hvac)
            grant_role(user=candidate, role=Role.WORKER, org_unit=people.org.hvac)
            attempt, _ = services.start_attempt(user=candidate, exam_id=exam.pk)
            keys = {q.pk: q for q in Question.objects.filter(pk__in=[e["q"] for e in attempt.paper])}
            services.submit(user=candidate, attempt_id=attempt.pk,
                            answers=[services.AnswerIn(pk, right_answer(q), 1) for pk, q in list(keys.items())[:n % 5]])
        client = people.client(people.trainer)
        client.get("ping")
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"exams/{exam.pk}/analysis").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
