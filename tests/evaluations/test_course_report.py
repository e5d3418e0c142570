"""The course's evaluation report: Kirkpatrick's four levels side by side, on hand-worked data."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from practice.models import ProcedureRun
from standards.models import Step
from tests.conftest import assert_error
from tests.practice import make_point, make_procedure, make_standard
from training.models import Attempt, Enrolment, Exam
from workorders.models import WorkOrder

from .kit import course_answers

pytestmark = pytest.mark.django_db
SEQ = itertools.count(1)


def at(day: int, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime(2026, 3, day, hour, 0))


def run(procedure, point, person, verdict: str, day: int):
    ProcedureRun.objects.create(client_id=f"r{next(SEQ)}", performer=person, point=point, studio=point.studio,
                                procedure=procedure, version=procedure.current_version, started_at=at(day, 9),
                                status=ProcedureRun.Status.COMPLETED, verdict=verdict, completed_at=at(day))


def order(studio, requester, *, day: int, met: bool, rating: int):
    created = at(day, 8)
    WorkOrder.objects.create(number=f"WO-T-{next(SEQ)}", studio=studio, requester=requester, state="closed",
                             created_at=created, respond_by=created + timedelta(hours=1),
                             finish_by=created + timedelta(hours=4), responded_at=created + timedelta(minutes=30),
                             completed_at=created + timedelta(hours=3 if met else 6),
                             closed_at=created + timedelta(hours=7), rating=rating)


def attempt(exam, person, score: str, passed: bool):
    Attempt.objects.create(exam=exam, user=person, number=1, state=Attempt.State.SUBMITTED, started_at=at(13),
                           deadline_at=at(13, 11), submitted_at=at(13, 10), paper=[], total_points=Decimal("100"),
                           points=Decimal(score), score=Decimal(score), passed=passed)


def test_four_levels_side_by_side(world, clock, org):
    clock.now = at(20)
    standard, other = make_standard("GB 50365-2019"), make_standard("GB 50243-2016")
    world.course.standards.set([standard])
    steps = [{"title": "检查", "type": Step.Type.CHECK}]
    taught = make_procedure(studio=org.hvac, standard=standard, steps=steps)
    untaught = make_procedure(studio=org.hvac, standard=other, code="SOP-T-002", steps=steps)
    point = make_point(studio=org.hvac, procedures=[taught, untaught])
    a, b, c = world.learners[:3]  # a and b completed the course (3-10, 3-12); c did not
    Enrolment.objects.filter(course=world.course, user=a).update(completed_at=at(10))
    Enrolment.objects.filter(course=world.course, user=b).update(completed_at=at(12))

    # Behaviour. Before: a pass, fail, flag, pass; b fail, fail → 6 runs, 3 fail (50.0 %), 1 flag (16.7 %).
    for verdict, day in (("pass", 2), ("fail", 3), ("flag", 4), ("pass", 5)):
        run(taught, point, a, verdict, day)
    for day in (6, 11):  # b's 3-11 run is still before her own completion
        run(taught, point, b, "fail", day)
    # After: a pass, flag; b pass, pass → 4 runs, 0 fail, 1 flag (25.0 %).
    for person, verdict, day in ((a, "pass", 14), (a, "flag", 15), (b, "pass", 16), (b, "pass", 17)):
        run(taught, point, person, verdict, day)
    run(untaught, point, a, "fail", 16)  # another standard: not counted
    run(taught, point, c, "fail", 16)  # not completed: not counted

    # Results: the studio's orders before 3-10: met (3), missed (2) → 50.0 %, 2.50; after 3-12: both met (5, 4)
    # → 100.0 %, 4.50; the one reported on 3-11, between the two completions, is left out.
    for day, met, rating in ((3, True, 3), (5, False, 2), (11, False, 1), (13, True, 5), (15, True, 4)):
        order(org.hvac, world.outsider, day=day, met=met, rating=rating)

    # Learning: a 80 (passed), b 50 (failed) → mean 65.00, pass rate 50.0 %.
    exam = Exam.objects.create(title="空调运行认证考试", org_unit=org.hvac, course=world.course)
    attempt(exam, a, "80", True)
    attempt(exam, b, "50", False)

    # Reaction: a named survey, two answers of 4 → 4.00.
    survey = world.campaign(anonymous=False, days=2)
    for person in (a, b):
        world.answer(survey["id"], person, course_answers(4))
    clock.advance(days=3)

    report = world.client(world.leader).get(f"surveys/course-reports/{world.course.pk}").json()
    assert report["reaction"] == [{"campaign_id": survey["id"], "title": "空调课程满意度评价", "target_kind": "course",
                                   "count": 2, "suppressed": None, "overall": "4.00", "nps": "0.0"}]
    assert report["learning"] == [{"exam_id": exam.pk, "title": "空调运行认证考试", "candidates": 2,
                                   "mean_score": "65.00", "pass_rate": "50.0"}]
    assert report["behaviour"] == {
        "learners": 2, "standards": 1,
        "before": {"runs": 6, "fail": 3, "flag": 1, "fail_rate": "50.0", "flag_rate": "16.7"},
        "after": {"runs": 4, "fail": 0, "flag": 1, "fail_rate": "0.0", "flag_rate": "25.0"}}
    results = report["results"]
    assert results["studios"] == ["暖通作业技师工作室"]
    assert results["before"] == {"completed": 2, "deadlines_met": 1, "deadline_rate": "50.0", "rated": 2,
                                 "satisfaction": "2.50"}
    assert results["after"] == {"completed": 2, "deadlines_met": 2, "deadline_rate": "100.0", "rated": 2,
                                "satisfaction": "4.50"}


def test_only_organisers_read_the_report(world, clock):
    assert_error(world.client(world.learners[0]).get(f"surveys/course-reports/{world.course.pk}"), 403,
                 "not_organiser")
    assert_error(world.client(world.trainer).get("surveys/course-reports/999999"), 404, "course_not_found")
    empty = world.client(world.trainer).get(f"surveys/course-reports/{world.course.pk}").json()
    assert empty["behaviour"]["before"]["fail_rate"] is None and empty["results"]["before"] is None
