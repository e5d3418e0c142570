"""Builders of training data for tests and benchmarks: courses with every lesson kind, a question bank with
every question kind, exams (fixed and random), and the people around them."""

from __future__ import annotations

import uuid
from decimal import Decimal
from pathlib import Path

from accounts.models import Role
from training import services
from training.models import (
    Chapter,
    Course,
    Exam,
    ExamQuestion,
    ExamRule,
    KnowledgeTag,
    Lesson,
    LessonMedia,
    Question,
    QuestionBank,
)

ROOT = Path(__file__).resolve().parents[2]
DEMO_VIDEO = ROOT / "fixtures" / "media" / "demo-lesson.mp4"


def new_id() -> str:
    return str(uuid.uuid4())


def video_media(duration: Decimal | None = None) -> LessonMedia:
    """The committed demo MP4, stored privately like an upload; `duration` pretends it is longer."""
    media = services.store_media(actor=None, kind=LessonMedia.Kind.VIDEO, path=str(DEMO_VIDEO),
                                 size=DEMO_VIDEO.stat().st_size, name="demo-lesson.mp4")
    if duration is not None:
        LessonMedia.objects.filter(pk=media.pk).update(duration_s=duration)
        media.refresh_from_db()
    return media


def make_course(*, unit, title: str = "空调系统运行管理", stage: str = "post_skill", area: str = "hvac",
                layers=("execution",), kinds=("video",), duration: Decimal | None = None, published: bool = True,
                open_enrolment: bool = True, prevent_skipping: bool = False, procedure=None, exam=None,
                hours: Decimal = Decimal("2"), standards=()) -> Course:
    course = Course.objects.create(
        title=title, summary=f"{title}课程简介", stage=stage, area=area, org_unit=unit, learning_hours=hours,
        for_decision="decision" in layers, for_management="management" in layers, for_execution="execution" in layers,
        open_enrolment=open_enrolment, prevent_skipping=prevent_skipping,
        state=Course.State.PUBLISHED if published else Course.State.DRAFT)
    course.standards.set(standards)
    chapter = Chapter.objects.create(course=course, title="第一章", order=1)
    for order, kind in enumerate(kinds):
        extra = {}
        if kind == "video":
            extra["media"] = video_media(duration)
        elif kind == "article":
            extra["article"] = "# 要点\n巡检前确认机组运行状态。\n\n<script>alert(1)</script>记录读数。"
        elif kind == "practice":
            extra["procedure"] = procedure
        elif kind == "quiz":
            extra["exam"] = exam
        Lesson.objects.create(course=course, chapter=chapter, title=f"课时{order + 1}（{kind}）", kind=kind,
                              order=order, **extra)
    return course


def make_bank(*, unit, name: str = "暖通题库", per_kind: int = 3, tags=("制冷原理", "安全规范"), prefix: str = "Q") -> QuestionBank:
    """A bank with `per_kind` questions of each kind for each tag, difficulties cycling easy/medium/hard."""
    bank = QuestionBank.objects.create(name=name, org_unit=unit)
    tag_rows = [KnowledgeTag.objects.get_or_create(name=t)[0] for t in tags]
    difficulties = ["easy", "medium", "hard"]
    n = 0
    for tag in tag_rows:
        for index in range(per_kind):
            difficulty = difficulties[index % 3]
            specs = [
                ("single", f"单选题{n}：冷冻水供水温度一般为？", [{"key": "A", "text": "2℃"}, {"key": "B", "text": "7℃"},
                                                         {"key": "C", "text": "20℃"}, {"key": "D", "text": "35℃"}], "B"),
                ("multiple", f"多选题{n}：巡检时应检查哪些项？", [{"key": "A", "text": "报警面板"},
                                                         {"key": "B", "text": "供回水温度"},
                                                         {"key": "C", "text": "办公室绿植"}, {"key": "D", "text": "运行声音"}],
                 ["A", "B", "D"]),
                ("true_false", f"判断题{n}：带电检修时可以不挂警示牌。", [], False),
                ("fill", f"填空题{n}：冷冻水供水温度为 ___，回水温度为 ___。", [],
                 [["7摄氏度", "七摄氏度"], ["12摄氏度", "十二摄氏度"]]),
            ]
            for kind, stem, options, answer in specs:
                n += 1
                question = Question.objects.create(bank=bank, code=f"{prefix}{n:04d}", kind=kind, stem=stem, options=options,
                                                   answer=answer, difficulty=difficulty,
                                                   explanation=f"解析{n}：依据暖通运行规程第{n}条。")
                question.tags.add(tag)
    return bank


def make_exam(*, unit, bank: QuestionBank, title: str = "暖通中级工理论考试", questions=None, points=Decimal("10"),
              mode: str = "fixed", rules=(), **extra) -> Exam:
    exam = Exam.objects.create(title=title, org_unit=unit, bank=bank, mode=mode, state=Exam.State.PUBLISHED, **extra)
    if mode == "fixed":
        chosen = questions if questions is not None else list(bank.questions.order_by("code")[:10])
        for order, question in enumerate(chosen):
            ExamQuestion.objects.create(exam=exam, question=question, points=points, order=order)
    for order, (tag, difficulty, count, each) in enumerate(rules):
        ExamRule.objects.create(exam=exam, tag=tag, difficulty=difficulty, count=count, points=each, order=order)
    return exam


def right_answer(question: Question):
    return question.answer if question.kind != "fill" else [alternatives[0] for alternatives in question.answer]


def wrong_answer(question: Question):
    if question.kind == "single":
        return "A" if question.answer != "A" else "B"
    if question.kind == "multiple":
        return ["C"]
    if question.kind == "true_false":
        return not question.answer
    return ["错"] * len(question.answer)


class People:
    """Learner, trainer, leader and admin of the HVAC studio's world, and an outsider from the BAS studio."""

    def __init__(self, org, make_user, api):
        self.org, self.api = org, api
        self.learner = make_user("李文博", roles=[(Role.APPRENTICE, org.hvac), (Role.WORKER, org.hvac)], unit=org.hvac)
        self.learner2 = make_user("赵子涵", roles=[(Role.WORKER, org.hvac)], unit=org.hvac_team)
        self.trainer = make_user("钱讲师", roles=[(Role.TRAINER, org.hvac)], unit=org.hvac)
        self.leader = make_user("孙立强", roles=[(Role.WORKSHOP_LEADER, org.hvac)], unit=org.hvac)
        self.admin = make_user("周建国", roles=[(Role.ADMIN, org.bureau)], unit=org.bureau)
        self.outsider = make_user("陈宇", roles=[(Role.WORKER, org.bas)], unit=org.bas)
        self._clients: dict[int, object] = {}

    def client(self, user):
        if user.pk not in self._clients:
            self._clients[user.pk] = self.api.as_user(user)
        return self._clients[user.pk]
