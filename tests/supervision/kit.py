"""Known data for supervision's figures, written straight into the tables (the read side is under test;
the write paths have their own tests): runs with step records, corrective orders, course completions and
graded answers, at given Shanghai times."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils import timezone

from practice.models import ProcedureRun, StepRecord
from standards.models import Verdict
from training.models import (
    Attempt,
    AttemptAnswer,
    Course,
    Enrolment,
    Exam,
    KnowledgeTag,
    Question,
    QuestionBank,
)
from workorders.models import WorkOrder

SH = ZoneInfo("Asia/Shanghai")


def sh(*args) -> datetime:
    """A Shanghai wall time as an aware datetime."""
    return datetime(*args, tzinfo=SH)


def run(*, procedure, point, performer, started, verdict=Verdict.PASS, completed=True, records=()) -> ProcedureRun:
    """A run with effective step records: records = [(position, verdict)]; a record given as
    (position, verdict, earlier_verdict) first writes the earlier one and supersedes it."""
    version = procedure.current_version
    row = ProcedureRun.objects.create(
        client_id=str(uuid.uuid4()), performer=performer, point=point, studio=point.studio, procedure=procedure,
        version=version, status=ProcedureRun.Status.COMPLETED if completed else ProcedureRun.Status.OPEN,
        verdict=verdict if completed else None, started_at=started,
        completed_at=started + timedelta(minutes=20) if completed else None)
    steps = {s.position: s for s in version.steps.all()}
    for spec in records:
        position, final = spec[0], spec[1]
        previous = None
        if len(spec) > 2:
            previous = StepRecord.objects.create(run=row, step=steps[position], client_id=str(uuid.uuid4()),
                                                 recorded_by=performer, verdict=spec[2], recorded_at=started)
        StepRecord.objects.create(run=row, step=steps[position], client_id=str(uuid.uuid4()), recorded_by=performer,
                                  verdict=final, recorded_at=started, supersedes=previous)
    return row


def corrective(*, of_run, requester, created, closed_after_minutes=None, state="submitted") -> WorkOrder:
    closed = state in ("confirmed", "cancelled") and closed_after_minutes is not None
    return WorkOrder.objects.create(
        number=f"WO-T-{uuid.uuid4().hex[:10]}", point=of_run.point, studio=of_run.studio, description="实操步骤异常",
        requester=requester, source=WorkOrder.Source.RUN_STEP, run=of_run, created_at=created, state=state,
        closed_at=created + timedelta(minutes=closed_after_minutes) if closed else None,
        rating=5 if state == "confirmed" else None)


def course(*, unit, standards, title="空调通风系统运行管理") -> Course:
    row = Course.objects.create(title=title, stage="post_skill", area="hvac", org_unit=unit, state="published",
                                learning_hours=Decimal("2"))
    row.standards.set(standards)
    return row


def complete(*, user, course_row, at) -> Enrolment:
    return Enrolment.objects.create(course=course_row, user=user, completed_at=at)


def bank(*, unit, standard) -> tuple[Question, Question]:
    """A bank with a question tagged with the standard and one that is not."""
    qbank = QuestionBank.objects.create(name=f"题库{uuid.uuid4().hex[:6]}", org_unit=unit)
    tag, _ = KnowledgeTag.objects.get_or_create(name=f"知识点 {standard.code}", defaults={"standard": standard})
    tagged = Question.objects.create(bank=qbank, code="Q1", kind="true_false", stem="冷冻水供水温度应为 7℃", answer=True)
    tagged.tags.set([tag])
    plain = Question.objects.create(bank=qbank, code="Q2", kind="true_false", stem="其他题目", answer=False)
    return tagged, plain


def attempt(*, user, unit, answers, submitted, state=Attempt.State.SUBMITTED) -> Attempt:
    """answers = [(question, correct)]."""
    exam = Exam.objects.create(title=f"考试{uuid.uuid4().hex[:6]}", org_unit=unit, state="published")
    row = Attempt.objects.create(exam=exam, user=user, number=1, state=state, started_at=submitted - timedelta(minutes=30),
                                 deadline_at=submitted + timedelta(minutes=30),
                                 submitted_at=submitted if state != Attempt.State.IN_PROGRESS else None, paper=[],
                                 total_points=Decimal("10"), passed=all(c for _, c in answers))
    for question, correct in answers:
        AttemptAnswer.objects.create(attempt=row, question=question, saved_at=submitted, correct=correct,
                                     awarded=Decimal("5") if correct else Decimal("0"))
    return row


def now() -> datetime:
    return timezone.now()
