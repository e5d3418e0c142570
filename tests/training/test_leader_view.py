"""The leader's view of a studio's learning (assigned vs completed, behind, hours, pass rates) and its xlsx;
question import with per-row errors; who may do what, per role."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from accounts.models import Role, User
from accounts.services import grant_role
from tests.conftest import assert_error
from training import services
from training.models import Enrolment, Question, QuestionBank

from .kit import make_bank, make_course, make_exam, new_id, right_answer


@pytest.fixture
def studio(people, clock):
    org = people.org
    first = make_course(unit=org.hvac, title="冷水机组运行", kinds=("article",), hours=Decimal("2"))
    second = make_course(unit=org.bureau, title="会议服务基本规范", kinds=("article",), hours=Decimal("1.5"))
    due = clock.today + timedelta(days=7)
    services.assign(actor=people.leader, course_id=first.pk, user_ids=[people.learner.pk, people.learner2.pk],
                    org_unit_ids=[], roles=[], due_date=due)
    Enrolment.objects.create(course=second, user=people.learner)
    people.client(people.learner).post("learning/progress", {"items": [
        {"client_id": new_id(), "lesson_id": course.lessons.get().pk, "position_s": 0, "watched": [],
         "at": clock.now.isoformat()} for course in (first, second)]})
    bank = make_bank(unit=org.hvac, per_kind=1, tags=("制冷原理",))
    exam = make_exam(unit=org.hvac, bank=bank, questions=list(bank.questions.order_by("code")[:4]),
                     points=Decimal("25"), attempts_allowed=2)
    for user, right in ((people.learner, 4), (people.learner2, 1), (people.learner2, 3)):
        attempt, _ = services.start_attempt(user=user, exam_id=exam.pk)
        keys = [Question.objects.get(pk=e["q"]) for e in attempt.paper]
        services.submit(user=user, attempt_id=attempt.pk,
                        answers=[services.AnswerIn(q.pk, right_answer(q), 1) for q in keys[:right]])
    clock.advance(days=8)  # 赵子涵 is now behind on the assigned course
    return first, second, exam


def test_the_studio_view(people, studio):
    body = people.client(people.leader).get(f"studios/{people.org.hvac.pk}/learning").json()
    rows = {row["user"]["name"]: row for row in body["rows"]}
    li, zhao = rows["李文博"], rows["赵子涵"]
    assert (li["enrolled"], li["assigned"], li["completed"], li["overdue"], li["hours"]) == (2, 1, 2, 0, "3.5")
    assert (zhao["enrolled"], zhao["assigned"], zhao["completed"], zhao["overdue"], zhao["hours"]) == (1, 1, 0, 1, "0")
    assert (li["exam_attempts"], li["exams_passed"], li["pass_rate"]) == (1, 1, "100.0")
    assert (zhao["exam_attempts"], zhao["exams_passed"], zhao["pass_rate"]) == (2, 1, "50.0")
    assert body["totals"]["behind"] == 1 and body["totals"]["pass_rate"] == "66.7"
    courses = {c["title"]: c for c in body["courses"]}
    assert courses["冷水机组运行"] == {"course_id": studio[0].pk, "title": "冷水机组运行", "enrolled": 2, "assigned": 2,
                                    "completed": 1, "overdue": 1, "completion_pct": "50.0"}
    assert rows["孙立强"]["enrolled"] == 0  # everyone of the studio is listed, learning or not


def test_the_studio_view_as_xlsx(people, studio):
    json_rows = people.client(people.leader).get(f"studios/{people.org.hvac.pk}/learning").json()["rows"]
    response = people.client(people.leader).get(f"studios/{people.org.hvac.pk}/learning.xlsx")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    people_sheet = list(book["人员"].iter_rows(min_row=4, values_only=True))
    assert [r[0] for r in people_sheet] == [r["user"]["name"] for r in json_rows]
    li = next(r for r in people_sheet if r[0] == "李文博")
    assert li[1:6] == (2, 1, 2, 0, 3.5)
    assert "赵子涵" in [r[0] for r in people_sheet] and "冷水机组运行" in [r[0] for r in book["课程"].iter_rows(values_only=True)]


def test_who_sees_the_studio_view(people, studio):
    path = f"studios/{people.org.hvac.pk}/learning"
    assert people.client(people.trainer).get(path).status_code == 200
    assert people.client(people.admin).get(path).status_code == 200
    assert_error(people.client(people.learner).get(path), 404)
    assert_error(people.client(people.outsider).get(path), 404)
    outside_leader = User.objects.create(username="bas-leader", primary_org_unit=people.org.bas)
    grant_role(user=outside_leader, role=Role.WORKSHOP_LEADER, org_unit=people.org.bas)
    assert_error(people.api.as_user(outside_leader).get(path), 404)
    assert_error(people.api.get(path), 401)


def test_studio_view_queries_do_not_grow_with_the_class(people, clock):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for n in (2, 20):
        team = people.org.hvac_team
        course = make_course(unit=people.org.hvac, title=f"课程{n}", kinds=("article",))
        for i in range(n):
            user = User.objects.create(username=f"class-{n}-{i}", primary_org_unit=team)
            Enrolment.objects.create(course=course, user=user, due_date=clock.today)
        client = people.client(people.leader)
        client.get("ping")
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"studios/{people.org.hvac.pk}/learning").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


# --- question import ------------------------------------------------------------------------------------------
def workbook(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["题号", "题型", "题干", "选项A", "选项B", "选项C", "选项D", "答案", "难度", "知识点", "解析"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def import_(people, user, bank, data):
    client = people.client(user)
    return client.client.post(f"/api/v1/question-banks/{bank.pk}/import",
                              {"file": SimpleUploadedFile("bank.xlsx", data)}, HTTP_AUTHORIZATION=f"Bearer {client.token}")


def test_import_questions_with_per_row_errors(people, clock):
    bank = QuestionBank.objects.create(name="导入题库", org_unit=people.org.hvac)
    data = workbook([
        ["H1", "单选", "冷冻水供水温度？", "5℃", "7℃", "9℃", "", "B", "易", "制冷原理", "按规程 7℃"],
        ["H2", "多选", "巡检项目？", "面板", "温度", "绿植", "声音", "A,B,D", "中", "巡检、安全规范", ""],
        ["H3", "判断", "可以带电检修。", "", "", "", "", "错", "难", "安全规范", ""],
        ["H4", "填空", "供水 ___ 回水 ___", "", "", "", "", "7/七|12", "", "", ""],
        ["H5", "单选", "没有答案", "甲", "乙", "", "", "E", "易", "", ""],
        ["H6", "问答", "题型不对", "", "", "", "", "x", "", "", ""],
        ["", "单选", "没有题号", "甲", "乙", "", "", "A", "", "", ""],
        ["H1", "单选", "重复题号", "甲", "乙", "", "", "A", "", "", ""],
    ])
    response = import_(people, people.trainer, bank, data)
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["created"], body["updated"], body["rejected"]) == (4, 0, 4)
    assert [(e["row"], e["field"]) for e in body["errors"]] == [(6, "答案"), (7, "题型"), (8, "题号"), (9, "题号")]
    assert all(e["message"] for e in body["errors"])
    questions = {q.code: q for q in Question.objects.filter(bank=bank)}
    assert questions["H2"].answer == ["A", "B", "D"] and questions["H3"].answer is False
    assert questions["H4"].answer == [["7", "七"], ["12"]] and questions["H1"].difficulty == "easy"
    assert sorted(t.name for t in questions["H2"].tags.all()) == ["安全规范", "巡检"]
    # Importing again updates by 题号.
    again = import_(people, people.trainer, bank, workbook([["H1", "单选", "改过的题干", "5℃", "7℃", "", "", "B", "中", "", ""]]))
    assert again.json()["updated"] == 1
    assert Question.objects.get(bank=bank, code="H1").stem == "改过的题干"


def test_import_refusals(people, clock):
    bank = QuestionBank.objects.create(name="导入题库", org_unit=people.org.hvac)
    assert_error(import_(people, people.trainer, bank, b"not a spreadsheet"), 415, "not_a_spreadsheet")
    book = Workbook()
    book.active.append(["题干"])
    buffer = io.BytesIO()
    book.save(buffer)
    assert_error(import_(people, people.trainer, bank, buffer.getvalue()), 422, "missing_columns")
    assert_error(import_(people, people.learner, bank, workbook([])), 404)
    assert_error(import_(people, people.leader, bank, workbook([])), 404)
    assert not Question.objects.exists()


# --- permissions per role --------------------------------------------------------------------------------------
def test_permissions_per_role(people, clock):
    """learner, trainer, workshop leader, admin, outsider — on the HVAC studio's course and exam."""
    course = make_course(unit=people.org.hvac, title="冷水机组运行", kinds=("article",))
    draft = make_course(unit=people.org.hvac, title="草稿", published=False)
    bank = make_bank(unit=people.org.hvac, per_kind=1, tags=("制冷原理",))
    exam = make_exam(unit=people.org.hvac, bank=bank, questions=list(bank.questions.all()[:2]))
    expected = {
        #               see course, see draft, enrol, assign, sit exam, analysis, studio view
        "learner": (200, 404, 201, 403, 201, 403, 404),
        "trainer": (200, 200, 201, 201, 201, 200, 200),
        "leader": (200, 200, 201, 201, 201, 403, 200),
        "admin": (200, 200, 201, 201, 201, 200, 200),
        "outsider": (404, 404, 404, 403, 404, 404, 404),
    }
    for role, statuses in expected.items():
        user = getattr(people, role)
        client = people.client(user)
        got = (
            client.get(f"courses/{course.pk}").status_code,
            client.get(f"courses/{draft.pk}").status_code,
            client.post(f"courses/{course.pk}/enrol").status_code,
            client.post("course-assignments", {"course_id": course.pk, "user_ids": [people.learner2.pk],
                                               "client_id": new_id()}).status_code,
            client.post(f"exams/{exam.pk}/attempts").status_code,
            client.get(f"exams/{exam.pk}/analysis").status_code,
            client.get(f"studios/{people.org.hvac.pk}/learning").status_code,
        )
        assert got == statuses, (role, got)
