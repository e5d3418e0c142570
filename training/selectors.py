"""Reads of training: who sees which course and exam, the catalogue and its 3 × 4 grid, a course with my
progress, my learning, attempts as the candidate sees them, the setter's item analysis, the leader's view.

Permissions live here and in services (docs/adr/0024):
- a learner (anyone logged in) sees published courses and exams of the units above and at their own (a
  bureau-wide course reaches everyone under the bureau, a studio's course only that studio), and what they
  are enrolled in; anything else is the same 404 as a missing id;
- a trainer (讲师) authors courses, banks and exams of their subtree, drafts included, and reads item analyses;
- a workshop leader assigns courses and reads the learning of their studio's subtree;
- an admin does everything.
Every read runs a fixed number of queries whatever the number of courses, lessons, questions or learners.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from accounts.models import OrgUnit, Role, User
from accounts.selectors import containing, grants_of, has_role, is_admin, scope_q
from miniprogram_api.clock import by_month, month_of
from miniprogram_api.errors import forbidden, not_found

from . import grading
from .models import (
    Attempt,
    AttemptAnswer,
    Course,
    Enrolment,
    Exam,
    Layer,
    Lesson,
    LessonProgress,
    Question,
    Stage,
)

AUTHORS = (Role.TRAINER,)
MANAGERS = (Role.TRAINER, Role.WORKSHOP_LEADER)
GRADED = (Attempt.State.SUBMITTED, Attempt.State.AUTO_SUBMITTED)


# --- scope -----------------------------------------------------------------------------------------
def unit_prefixes(user: User) -> set[str]:
    """Every unit path at or above the user's own unit and their granted units: a course or exam of any
    of these reaches them."""
    paths = [path for _, _, path in grants_of(user)]
    if user.primary_org_unit_id:
        cached = getattr(user, "_home_path", None)
        if cached is None:
            cached = OrgUnit.objects.filter(pk=user.primary_org_unit_id).values_list("path", flat=True).first() or ""
            setattr(user, "_home_path", cached)  # noqa: B010 - memoised on the request's user, like grants_of
        paths.append(cached)
    prefixes = set()
    for path in paths:
        parts = [p for p in path.split("/") if p]
        for end in range(1, len(parts) + 1):
            prefixes.add("/" + "/".join(parts[:end]) + "/")
    return prefixes


def visible_courses(user: User) -> QuerySet:
    courses = Course.objects.select_related("org_unit")
    if is_admin(user):
        return courses
    reach = Q(state=Course.State.PUBLISHED, org_unit__path__in=unit_prefixes(user))
    mine = Q(pk__in=Enrolment.objects.filter(user=user).values("course_id")) & ~Q(state=Course.State.DRAFT)
    return courses.filter(reach | mine | scope_q(user, MANAGERS, "org_unit__path"))


def get_course(user: User, course_id: int) -> Course:
    course = visible_courses(user).filter(pk=course_id).first()
    if course is None:
        raise not_found("课程")
    return course


def may_author(user: User, unit: OrgUnit) -> bool:
    return has_role(user, AUTHORS, unit)


def may_manage(user: User, unit: OrgUnit) -> bool:
    return has_role(user, MANAGERS, unit)


def authored_course(user: User, course_id: int) -> Course:
    course = get_course(user, course_id)
    if not may_author(user, course.org_unit):
        raise forbidden("只有本单位的讲师或管理员可以编辑课程", code="not_a_trainer")
    return course


def managed_unit(user: User, unit_id: int) -> OrgUnit:
    """A unit the user may manage learning in (trainer or workshop leader of it or above, or admin); else 404."""
    unit = OrgUnit.objects.filter(pk=unit_id).first()
    if unit is None or not may_manage(user, unit):
        raise not_found("工作室")
    return unit


def visible_exams(user: User) -> QuerySet:
    exams = Exam.objects.select_related("org_unit", "course")
    if is_admin(user):
        return exams
    reach = Q(state=Exam.State.PUBLISHED, org_unit__path__in=unit_prefixes(user)) & (
        Q(course__isnull=True) | Q(course__in=Enrolment.objects.filter(user=user).values("course_id")))
    return exams.filter(reach | scope_q(user, AUTHORS, "org_unit__path"))


def get_exam(user: User, exam_id: int) -> Exam:
    exam = visible_exams(user).filter(pk=exam_id).first()
    if exam is None:
        raise not_found("考试")
    return exam


def may_sit(user: User, exam: Exam) -> bool:
    if exam.state != Exam.State.PUBLISHED:
        return False
    if not is_admin(user) and exam.org_unit.path not in unit_prefixes(user):
        return False
    return exam.course_id is None or Enrolment.objects.filter(user=user, course_id=exam.course_id).exists()


def authored_exam(user: User, exam_id: int) -> Exam:
    exam = get_exam(user, exam_id)
    if not may_author(user, exam.org_unit):
        raise forbidden("只有本单位的讲师或管理员可以查看试题分析", code="not_a_trainer")
    return exam


def my_attempt(user: User, attempt_id: int, *, for_update: bool = False) -> Attempt:
    attempts = Attempt.objects.filter(user=user)
    if for_update:
        attempts = attempts.select_for_update()
    attempt = attempts.filter(pk=attempt_id).first()
    if attempt is None:
        raise not_found("答卷")
    return attempt


# --- the catalogue ---------------------------------------------------------------------------------
LAYER_FLAGS: dict[str, str] = {Layer.DECISION: "for_decision", Layer.MANAGEMENT: "for_management",
                               Layer.EXECUTION: "for_execution"}


def catalogue(user: User, *, layer: str | None = None, stage: str | None = None, area: str | None = None,
              standard: int | None = None, studio: int | None = None, mine: bool | None = None) -> QuerySet:
    courses = visible_courses(user)
    if layer:
        courses = courses.filter(**{LAYER_FLAGS[layer]: True})
    if stage:
        courses = courses.filter(stage=stage)
    if area:
        courses = courses.filter(area=area)
    if standard is not None:
        courses = courses.filter(pk__in=Course.standards.through.objects.filter(standard_id=standard)
                                 .values("course_id"))
    if studio is not None:
        courses = courses.filter(org_unit_id=studio)
    enrolled = Enrolment.objects.filter(user=user).values("course_id")
    if mine is True:
        courses = courses.filter(pk__in=enrolled)
    elif mine is False:
        courses = courses.exclude(pk__in=enrolled)
    return courses.annotate(lesson_count=Count("lessons", distinct=True)).order_by("stage", "title", "id")


def progress_by_course(user: User, course_ids: list[int]) -> dict[int, dict]:
    """My enrolment and completed-lesson count per course (two queries for any number of courses)."""
    out: dict[int, dict] = {}
    for enrolment in Enrolment.objects.filter(user=user, course_id__in=course_ids):
        out[enrolment.course_id] = {"enrolment": enrolment, "done": 0}
    for row in (LessonProgress.objects.filter(user=user, course_id__in=list(out), completed_at__isnull=False)
                .values("course_id").annotate(n=Count("pk"))):
        out[row["course_id"]]["done"] = row["n"]
    return out


def pct(done: int, total: int) -> Decimal:
    if not total:
        return Decimal("0")
    return grading.to_decimal(grading.Fraction(done * 100, total))


def matrix(user: User) -> dict:
    """The "3+4" grid: published courses per audience layer × stage, as the user can see them."""
    visible = visible_courses(user).filter(state=Course.State.PUBLISHED)
    counts = {(row["stage"]): row for row in visible.values("stage").annotate(
        decision=Count("pk", filter=Q(for_decision=True)), management=Count("pk", filter=Q(for_management=True)),
        execution=Count("pk", filter=Q(for_execution=True)))}
    cells = []
    for layer, layer_label in Layer.choices:
        for stage, stage_label in Stage.choices:
            cells.append({"layer": layer, "layer_label": layer_label, "stage": stage, "stage_label": stage_label,
                          "count": counts.get(stage, {}).get(layer, 0)})
    return {"layers": [{"key": k, "label": v} for k, v in Layer.choices],
            "stages": [{"key": k, "label": v} for k, v in Stage.choices],
            "cells": cells, "total": visible.count()}


# --- a course and my learning --------------------------------------------------------------------------
def lessons_of(course_ids: list[int]) -> dict[int, list[Lesson]]:
    out: dict[int, list[Lesson]] = defaultdict(list)
    for lesson in (Lesson.objects.filter(course_id__in=course_ids).select_related("chapter", "media")
                   .order_by("course_id", "chapter__order", "chapter_id", "order", "id")):
        out[lesson.course_id].append(lesson)
    return out


def my_lesson_progress(user: User, course_ids: list[int]) -> dict[int, LessonProgress]:
    return {p.lesson_id: p for p in LessonProgress.objects.filter(user=user, course_id__in=course_ids)}


def completion_share(course: Course) -> Decimal:
    from django.conf import settings

    return course.completion_share or Decimal(str(settings.TRAINING_COMPLETION_SHARE))


def is_overdue(enrolment: Enrolment | None, today: date | None = None) -> bool:
    if enrolment is None or enrolment.due_date is None or enrolment.completed_at is not None:
        return False
    return enrolment.due_date < (today or timezone.localdate())


def my_learning(user: User) -> list[dict]:
    """Every course I am enrolled in: progress, due date, overdue, resume point, hours (five queries)."""
    enrolments = list(Enrolment.objects.filter(user=user).select_related("course", "course__org_unit")
                      .order_by("completed_at", "due_date", "-enrolled_at"))
    course_ids = [e.course_id for e in enrolments]
    lessons = lessons_of(course_ids)
    progress = my_lesson_progress(user, course_ids)
    today = timezone.localdate()
    rows = []
    for enrolment in enrolments:
        course = enrolment.course
        course_lessons = lessons[course.pk]
        done = sum(1 for lesson in course_lessons if progress.get(lesson.pk) and progress[lesson.pk].completed_at)
        resume = None
        # Resume where the learner left a lesson unfinished most recently (else the last one touched).
        touched = [progress[lesson.pk] for lesson in course_lessons if lesson.pk in progress]
        unfinished = [p for p in touched if p.completed_at is None]
        latest = max(unfinished or touched, key=lambda p: p.updated_at, default=None)
        if latest is not None:
            lesson = next(lesson for lesson in course_lessons if lesson.pk == latest.lesson_id)
            resume = {"lesson_id": lesson.pk, "title": lesson.title, "position_s": latest.position_s}
        rows.append({
            "course": course, "enrolment": enrolment, "lessons": len(course_lessons), "completed_lessons": done,
            "progress_pct": pct(done, len(course_lessons)), "overdue": is_overdue(enrolment, today),
            "resume": resume,
            "hours": course.learning_hours if enrolment.completed_at else Decimal("0"),
        })
    return rows


def total_hours(rows: list[dict]) -> Decimal:
    return sum((row["hours"] for row in rows), Decimal("0"))


# --- exams as the candidate sees them ---------------------------------------------------------------------
def questions_by_id(ids) -> dict[int, Question]:
    return {q.pk: q for q in Question.objects.filter(pk__in=list(ids))}


def released(attempt: Attempt, exam: Exam, now=None) -> bool:
    """Results and explanations are shown after the attempt, or only once the window has closed."""
    if attempt.state not in GRADED:
        return False
    if exam.release == Exam.Release.AFTER_SUBMIT:
        return True
    return exam.closes_at is not None and (now or timezone.now()) >= exam.closes_at


def my_exams(user: User) -> list[dict]:
    exams = list(visible_exams(user).filter(state=Exam.State.PUBLISHED).order_by("-created_at"))
    attempts: dict[int, list[Attempt]] = defaultdict(list)
    for attempt in Attempt.objects.filter(user=user, exam__in=[e.pk for e in exams]).order_by("number"):
        attempts[attempt.exam_id].append(attempt)
    return [{"exam": exam, "attempts": attempts[exam.pk]} for exam in exams]


# --- read by higher apps (apprenticeships, competitions) ---------------------------------------------
def graded_attempt(attempt_id: int) -> dict[str, Any] | None:
    """A graded attempt's outcome — score out of 100 (Decimal), passed, when — or None. For a contest's
    theory event (issue 17) and anyone else who needs an exam result without reading our tables."""
    row = (Attempt.objects.filter(pk=attempt_id, state__in=GRADED)
           .values("id", "exam_id", "user_id", "score", "passed", "submitted_at", "state").first())
    return dict(row) if row is not None else None


def best_scores(*, exam_id: int, user_ids: list[int] | None = None) -> dict[int, dict]:
    """Per user: their best graded attempt of the exam {attempt_id, score, passed, submitted_at} (one query)."""
    attempts = Attempt.objects.filter(exam_id=exam_id, state__in=GRADED)
    if user_ids is not None:
        attempts = attempts.filter(user_id__in=user_ids)
    best: dict[int, dict] = {}
    for row in attempts.values("id", "user_id", "score", "passed", "submitted_at").order_by("-score", "submitted_at", "id"):
        best.setdefault(row["user_id"], {"attempt_id": row["id"], "score": row["score"], "passed": row["passed"],
                                         "submitted_at": row["submitted_at"]})
    return best


def passed_exam_score(*, user_id: int, exam_id: int) -> Decimal | None:
    """The best score of a passed attempt, or None: an apprentice's theory score at 出师."""
    return (Attempt.objects.filter(user_id=user_id, exam_id=exam_id, state__in=GRADED, passed=True)
            .order_by("-score").values_list("score", flat=True).first())


def completed_courses(*, user_id: int, before=None) -> list[Enrolment]:
    """The user's completed enrolments (course joined), oldest first."""
    enrolments = Enrolment.objects.filter(user_id=user_id, completed_at__isnull=False).select_related("course")
    if before is not None:
        enrolments = enrolments.filter(completed_at__lt=before)
    return list(enrolments.order_by("completed_at", "id"))


def passed_attempts(*, user_id: int, before=None) -> list[Attempt]:
    """The user's first passed attempt of each exam (exam joined)."""
    attempts = Attempt.objects.filter(user_id=user_id, state__in=GRADED, passed=True).select_related("exam")
    if before is not None:
        attempts = attempts.filter(submitted_at__lt=before)
    first: dict[int, Attempt] = {}
    for attempt in attempts.order_by("submitted_at", "id"):
        first.setdefault(attempt.exam_id, attempt)
    return list(first.values())


# --- the setter's analysis --------------------------------------------------------------------------------
def analysis(user: User, exam_id: int) -> dict:
    """Item analysis and score distribution over every graded attempt (four queries)."""
    exam = authored_exam(user, exam_id)
    attempts = list(Attempt.objects.filter(exam=exam, state__in=GRADED).values("id", "user_id", "score", "passed",
                                                                                "paper"))
    awarded: defaultdict[int, dict[int, Decimal]] = defaultdict(dict)
    for row in AttemptAnswer.objects.filter(attempt__exam=exam, attempt__state__in=GRADED).values(
            "attempt_id", "question_id", "awarded"):
        awarded[row["attempt_id"]][row["question_id"]] = row["awarded"] or Decimal("0")
    results = []
    for attempt in attempts:
        shares: dict[int, grading.Fraction] = {}
        for entry in attempt["paper"]:
            got = awarded[attempt["id"]].get(entry["q"], Decimal("0"))
            shares[entry["q"]] = grading.Fraction(got) / grading.Fraction(Decimal(entry["p"]))
        results.append(grading.AttemptResult(attempt["id"], attempt["score"] or Decimal("0"), shares))
    stats = grading.item_analysis(results)
    questions = questions_by_id(stats)
    scores = [r.score for r in results]
    items = []
    for qid, figures in sorted(stats.items(), key=lambda kv: questions[kv[0]].code if kv[0] in questions else ""):
        question = questions.get(qid)
        items.append({"question_id": qid, "code": question.code if question else "", "kind": question.kind if question else "",
                      "stem": question.stem if question else "", "difficulty": question.difficulty if question else "",
                      **figures})
    passed = sum(1 for a in attempts if a["passed"])
    return {
        "exam": exam, "attempts": len(attempts), "candidates": len({a["user_id"] for a in attempts}),
        "mean": (grading.to_decimal(grading.Fraction(sum(scores, Decimal("0"))) / len(scores)) if scores else None),
        "median": grading.median(scores), "pass_rate": pct(passed, len(attempts)) if attempts else None,
        "group_size": grading.group_size(len(attempts)), "distribution": grading.distribution(scores), "items": items,
    }


# --- the leader's view ------------------------------------------------------------------------------------
def unit_members(unit: OrgUnit) -> QuerySet:
    """People of a unit's subtree: by their own unit or by a grant there."""
    return User.objects.filter(Q(primary_org_unit__path__startswith=unit.path)
                               | Q(grants__org_unit__path__startswith=unit.path), is_active=True).distinct()


def studio_learning(user: User, studio_id: int, today: date | None = None) -> dict:
    """Per person of the studio's subtree: assigned vs completed courses, behind (overdue), learning
    hours, exam attempts and passes; per course: assigned, completed, overdue. Six queries for any size."""
    unit = managed_unit(user, studio_id)
    today = today or timezone.localdate()
    members = list(unit_members(unit).order_by("display_name", "id").values("id", "display_name", "username"))
    ids = [m["id"] for m in members]
    enrolments = Enrolment.objects.filter(user_id__in=ids)
    per_user: dict[int, dict[str, Any]] = {row["user_id"]: dict(row) for row in enrolments.values("user_id").annotate(
        enrolled=Count("pk"), assigned=Count("pk", filter=Q(source=Enrolment.Source.ASSIGNED)),
        completed=Count("pk", filter=Q(completed_at__isnull=False)),
        overdue=Count("pk", filter=Q(completed_at__isnull=True, due_date__lt=today)),
        hours=Sum("course__learning_hours", filter=Q(completed_at__isnull=False)))}
    exams: dict[int, dict[str, Any]] = {row["user_id"]: dict(row) for row in Attempt.objects.filter(
        user_id__in=ids, state__in=GRADED)
             .values("user_id").annotate(attempts=Count("pk"), passes=Count("pk", filter=Q(passed=True)),
                                         exams_passed=Count("exam", filter=Q(passed=True), distinct=True))}
    rows = []
    for member in members:
        e: dict[str, Any] = per_user.get(member["id"], {})
        x: dict[str, Any] = exams.get(member["id"], {})
        rows.append({
            "user": {"id": member["id"], "name": member["display_name"] or member["username"]},
            "enrolled": e.get("enrolled", 0), "assigned": e.get("assigned", 0), "completed": e.get("completed", 0),
            "overdue": e.get("overdue", 0), "hours": e.get("hours") or Decimal("0"),
            "exam_attempts": x.get("attempts", 0), "exams_passed": x.get("exams_passed", 0),
            "pass_rate": pct(x.get("passes", 0), x["attempts"]) if x.get("attempts") else None,
        })
    courses = []
    for row in (enrolments.values("course_id", "course__title").annotate(
            enrolled=Count("pk"), assigned=Count("pk", filter=Q(source=Enrolment.Source.ASSIGNED)),
            completed=Count("pk", filter=Q(completed_at__isnull=False)),
            overdue=Count("pk", filter=Q(completed_at__isnull=True, due_date__lt=today))).order_by("course__title")):
        courses.append({"course_id": row["course_id"], "title": row["course__title"], "enrolled": row["enrolled"],
                        "assigned": row["assigned"], "completed": row["completed"], "overdue": row["overdue"],
                        "completion_pct": pct(row["completed"], row["enrolled"])})
    attempts_total = sum(r["exam_attempts"] for r in rows)
    passed_total = sum(x.get("passes", 0) for x in exams.values())
    return {
        "studio": {"id": unit.pk, "name": unit.name}, "today": today, "people": len(rows),
        "totals": {"enrolled": sum(r["enrolled"] for r in rows), "assigned": sum(r["assigned"] for r in rows),
                   "completed": sum(r["completed"] for r in rows), "overdue": sum(r["overdue"] for r in rows),
                   "behind": sum(1 for r in rows if r["overdue"]),
                   "hours": sum((r["hours"] for r in rows), Decimal("0")),
                   "exam_attempts": attempts_total,
                   "pass_rate": pct(passed_total, attempts_total) if attempts_total else None},
        "rows": rows, "courses": courses,
    }


def studio_learning_workbook(user: User, studio_id: int) -> tuple[bytes, str]:
    """The studio's learning view as an xlsx (same rows and figures as the JSON) and its file name."""
    from .export import learning_workbook

    data = studio_learning(user, studio_id)
    return learning_workbook(data), f"learning-{studio_id}-{data['today']:%Y%m%d}.xlsx"


# --- for evaluations (issue 15): survey targets, audiences and the learning level of a course report ------
def course_brief(course_id: int) -> dict | None:
    """A course as another app names it: id, title, owner (its creator), unit path, taught standards."""
    course = Course.objects.filter(pk=course_id).select_related("org_unit").first()
    if course is None:
        return None
    return {"id": course.pk, "title": course.title, "owner_id": course.created_by_id,
            "org_unit_id": course.org_unit_id, "org_unit_path": course.org_unit.path,
            "standard_ids": list(course.standards.values_list("id", flat=True))}


def exam_brief(exam_id: int) -> dict | None:
    exam = Exam.objects.filter(pk=exam_id).select_related("org_unit").first()
    if exam is None:
        return None
    return {"id": exam.pk, "title": exam.title, "course_id": exam.course_id, "org_unit_id": exam.org_unit_id,
            "org_unit_path": exam.org_unit.path}


def enrollee_ids(course_id: int) -> QuerySet:
    """User ids enrolled in the course (a subquery: use it in `pk__in`)."""
    return Enrolment.objects.filter(course_id=course_id).values("user_id")


def candidate_ids(exam_id: int) -> QuerySet:
    """User ids who sat the exam (a graded attempt), as a subquery."""
    return Attempt.objects.filter(exam_id=exam_id, state__in=GRADED).values("user_id")


def course_enrolments(course_id: int) -> list:
    """(user_id, enrolled_at, completed_at) of every enrolment of the course."""
    return list(Enrolment.objects.filter(course_id=course_id).values("user_id", "enrolled_at", "completed_at"))


def course_exam_results(course_id: int) -> list[dict]:
    """Each exam of the course with its candidates' best graded scores: [{exam_id, title, pass_mark, best}]."""
    out = []
    for exam in Exam.objects.filter(course_id=course_id).order_by("id"):
        out.append({"exam_id": exam.pk, "title": exam.title, "pass_mark": exam.pass_mark,
                    "best": best_scores(exam_id=exam.pk)})
    return out


# --- figures for supervision (issue 16): scoped by a unit path the caller has already been checked for --
def standard_learning_months(*, standard_id: int, path: str, start, end) -> dict[date, dict]:
    """Per Shanghai month, for people whose unit lies under `path`: learners who completed a course
    teaching the standard (distinct per month), and the graded answers to questions tagged with the
    standard (a knowledge tag linked to it) with how many were right. Two queries."""
    out: dict[date, dict] = {}
    completions = (Enrolment.objects.filter(course__standards__id=standard_id, completed_at__gte=start,
                                            completed_at__lt=end, user__primary_org_unit__path__startswith=path)
                   .annotate(month=by_month("completed_at")).values("month")
                   .annotate(learners=Count("user_id", distinct=True)).order_by("month"))
    for row in completions:
        out.setdefault(month_of(row["month"]), {"learners": 0, "answers": 0, "correct": 0})["learners"] = \
            row["learners"]
    tagged = Question.objects.filter(tags__standard_id=standard_id).values("id")
    answers = (AttemptAnswer.objects.filter(question_id__in=tagged, attempt__state__in=GRADED,
                                            attempt__submitted_at__gte=start, attempt__submitted_at__lt=end,
                                            attempt__user__primary_org_unit__path__startswith=path)
               .annotate(month=by_month("attempt__submitted_at")).values("month")
               .annotate(answers=Count("id"), correct=Count("id", filter=Q(correct=True))).order_by("month"))
    for answered in answers:
        entry = out.setdefault(month_of(answered["month"]), {"learners": 0, "answers": 0, "correct": 0})
        entry["answers"], entry["correct"] = answered["answers"], answered["correct"]
    return out


def standard_learner_count(*, standard_id: int, path: str, start, end) -> int:
    """Distinct learners under `path` who completed a course teaching the standard in [start, end)."""
    return (Enrolment.objects.filter(course__standards__id=standard_id, completed_at__gte=start, completed_at__lt=end,
                                     user__primary_org_unit__path__startswith=path)
            .values("user_id").distinct().count())


def unit_summary(*, units: list[OrgUnit], start, end) -> dict[int, dict]:
    """Per unit (its subtree, by each person's unit; units[0] covers the others): courses assigned to its
    people in [start, end) and how many of those are completed, completions in the window and their 学时,
    graded exam attempts in the window and how many passed. Three queries."""
    root = units[0].path
    out: dict[int, dict[str, Any]] = {u.pk: {"assigned": 0, "assigned_completed": 0, "completed": 0, "hours": Decimal("0"), "attempts": 0,
                  "passed": 0} for u in units}
    people = Q(user__primary_org_unit__path__startswith=root)
    for row in (Enrolment.objects.filter(people, source=Enrolment.Source.ASSIGNED, enrolled_at__gte=start,
                                         enrolled_at__lt=end)
                .values("user__primary_org_unit__path")
                .annotate(n=Count("id"), done=Count("id", filter=Q(completed_at__isnull=False))).order_by()):
        for unit_id in containing(units, row["user__primary_org_unit__path"]):
            out[unit_id]["assigned"] += row["n"]
            out[unit_id]["assigned_completed"] += row["done"]
    for done in (Enrolment.objects.filter(people, completed_at__gte=start, completed_at__lt=end)
                .values("user__primary_org_unit__path")
                .annotate(n=Count("id"), hours=Sum("course__learning_hours")).order_by()):
        for unit_id in containing(units, done["user__primary_org_unit__path"]):
            out[unit_id]["completed"] += done["n"]
            out[unit_id]["hours"] += done["hours"] or Decimal("0")
    for sat in (Attempt.objects.filter(people, state__in=GRADED, submitted_at__gte=start, submitted_at__lt=end)
                .values("user__primary_org_unit__path")
                .annotate(n=Count("id"), passed=Count("id", filter=Q(passed=True))).order_by()):
        for unit_id in containing(units, sat["user__primary_org_unit__path"]):
            out[unit_id]["attempts"] += sat["n"]
            out[unit_id]["passed"] += sat["passed"]
    return out
