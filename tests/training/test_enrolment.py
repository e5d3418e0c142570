"""Enrolment, assignments to people, units and roles with a due date, their notifications, the reminder
job (once per due date) and overdue flags; practice lessons completed by approved runs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command

from accounts.models import Role
from notifications.models import Notification
from tests.conftest import assert_error
from training import services
from training.models import Assignment, Enrolment, LessonProgress

from .kit import make_course, new_id


@pytest.fixture
def course(people, clock):
    return make_course(unit=people.org.hvac, title="冷水机组运行", kinds=("article",))


def test_enrol_once(people, course):
    client = people.client(people.learner)
    first = client.post(f"courses/{course.pk}/enrol")
    assert first.status_code == 201 and first.json()["source"] == "self"
    again = client.post(f"courses/{course.pk}/enrol")
    from datetime import datetime

    assert again.status_code == 200
    assert datetime.fromisoformat(again.json()["enrolled_at"]) == datetime.fromisoformat(first.json()["enrolled_at"])
    assert Enrolment.objects.filter(course=course).count() == 1


def test_enrolment_refusals_change_nothing(people, course, clock):
    closed = make_course(unit=people.org.hvac, title="仅限指派", open_enrolment=False)
    draft = make_course(unit=people.org.hvac, title="草稿", published=False)
    assert_error(people.client(people.learner).post(f"courses/{closed.pk}/enrol"), 403, "enrolment_closed")
    assert_error(people.client(people.outsider).post(f"courses/{course.pk}/enrol"), 404)
    assert_error(people.client(people.learner).post(f"courses/{draft.pk}/enrol"), 404)
    assert_error(people.client(people.trainer).post(f"courses/{draft.pk}/enrol"), 409, "course_not_published")
    assert not Enrolment.objects.exists()


def assign(people, actor, **body):
    return people.client(actor).post("course-assignments", {"client_id": new_id(), **body})


def test_assign_to_people_units_and_roles_with_a_due_date(people, course, clock):
    due = (clock.today + timedelta(days=10)).isoformat()
    response = assign(people, people.leader, course_id=course.pk, user_ids=[people.learner.pk],
                      org_unit_ids=[people.org.hvac_team.pk], roles=[Role.TRAINER], due_date=due)
    assert response.status_code == 201, response.content
    body = response.json()
    assert sorted(body["enrolled"]) == sorted([people.learner.pk, people.learner2.pk, people.trainer.pk])
    enrolments = Enrolment.objects.filter(course=course)
    assert {e.source for e in enrolments} == {"assigned"} and {str(e.due_date) for e in enrolments} == {due}
    told = Notification.objects.filter(kind="training_assigned")
    assert sorted(n.recipient_id for n in told) == sorted(body["enrolled"])
    assert "冷水机组运行" in told.first().body
    # The phone resends: the first answer, nothing new.
    replay = people.client(people.leader).post("course-assignments", {
        "client_id": "same", "course_id": course.pk, "user_ids": [people.learner.pk]})
    again = people.client(people.leader).post("course-assignments", {
        "client_id": "same", "course_id": course.pk, "user_ids": [people.learner.pk]})
    assert replay.status_code == 201 and again.status_code == 200
    assert Assignment.objects.count() == 2 and Notification.objects.filter(kind="training_assigned").count() == 3


def test_an_earlier_due_date_tightens_an_enrolment(people, course, clock):
    Enrolment.objects.create(course=course, user=people.learner)
    response = assign(people, people.trainer, course_id=course.pk, user_ids=[people.learner.pk],
                      due_date=(clock.today + timedelta(days=3)).isoformat())
    assert response.json()["updated"] == [people.learner.pk]
    assert Enrolment.objects.get(user=people.learner).due_date == clock.today + timedelta(days=3)


def test_assignment_refusals(people, course, clock):
    assert_error(assign(people, people.learner, course_id=course.pk, user_ids=[people.learner2.pk]), 403,
                 "assignment_not_allowed")
    assert_error(assign(people, people.leader, course_id=course.pk, user_ids=[people.outsider.pk]), 403,
                 "target_out_of_scope")
    assert_error(assign(people, people.leader, course_id=course.pk, org_unit_ids=[people.org.bas.pk]), 403,
                 "target_out_of_scope")
    assert_error(assign(people, people.leader, course_id=course.pk), 422, "no_targets")
    assert_error(assign(people, people.leader, course_id=course.pk, user_ids=[people.learner.pk],
                        due_date=(clock.today - timedelta(days=1)).isoformat()), 422, "invalid_due_date")
    assert_error(assign(people, people.leader, course_id=course.pk, user_ids=[2**40]), 422, "unknown_users")
    assert_error(people.client(people.leader).post("course-assignments", ["not", "an", "object"]), 422)
    assert not Enrolment.objects.exists() and not Notification.objects.exists()


def test_reminders_before_the_due_date_once_and_overdue_flags(people, course, clock, settings):
    settings.TRAINING_REMINDER_DAYS = 3
    settings.SCHEDULED_JOBS = {"training_due_reminders": ("training.jobs.remind_due", 3600)}
    assign(people, people.leader, course_id=course.pk, user_ids=[people.learner.pk, people.learner2.pk],
           due_date=(clock.today + timedelta(days=5)).isoformat())
    assert services.remind_due() == {}  # five days ahead: not yet
    clock.advance(days=2)
    assert services.remind_due() == {"reminded": 2, "overdue": 0}
    assert services.remind_due() == {}  # deduplicated per enrolment and due date
    # One learner finishes; the other is overdue after the date, flagged on read and told once.
    article = course.lessons.get()
    people.client(people.learner).post("learning/progress", {"items": [{
        "client_id": new_id(), "lesson_id": article.pk, "position_s": 0, "watched": [], "at": clock.now.isoformat()}]})
    clock.advance(days=4)
    from django.core.cache import cache

    cache.clear()
    call_command("run_scheduler", "--once")
    assert Notification.objects.filter(kind="training_overdue").count() == 1
    assert Notification.objects.get(kind="training_overdue").recipient == people.learner2
    mine = people.client(people.learner2).get("learning/mine").json()
    assert mine["overdue"] == 1 and mine["courses"][0]["overdue"] is True
    assert people.client(people.learner).get("learning/mine").json()["courses"][0]["overdue"] is False
    assert services.remind_due() == {}


def test_practice_lessons_complete_by_approved_runs(practice, clock, people):
    """A practice lesson links a procedure: the learner's approved run completes it — a run approved before
    enrolling too (backfill)."""
    from practice import services as work

    course = make_course(unit=practice.org.hvac, title="冷水机组巡检实操", kinds=("practice", "practice"),
                         procedure=practice.procedure)
    client = practice.client(practice.apprentice)
    earlier = practice.finished_run(client)
    work.review_run(reviewer=practice.master, run_id=earlier, decision="approved")
    enrolled = client.post(f"courses/{course.pk}/enrol")
    assert enrolled.status_code == 201
    progress = LessonProgress.objects.filter(user=practice.apprentice, course=course)
    assert progress.count() == 2 and all(p.completed_by_run == earlier for p in progress)
    assert Enrolment.objects.get(course=course, user=practice.apprentice).completed_at is not None
    # By the signal: a second learner enrolled first, then runs and is approved.
    other = practice.worker
    Enrolment.objects.create(course=course, user=other)
    run = practice.finished_run(practice.client(other))
    work.review_run(reviewer=practice.master, run_id=run, decision="approved")
    assert LessonProgress.objects.filter(user=other, course=course, completed_by_run=run).count() == 2
    refused = practice.client(other).post("learning/progress", {"items": [{
        "client_id": new_id(), "lesson_id": course.lessons.first().pk, "position_s": 0, "watched": [],
        "at": clock.now.isoformat()}]}).json()
    assert refused["results"][0]["code"] == "completed_by_practice"
