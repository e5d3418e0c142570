"""Answers of the training API as plain dicts (the schemas in schemas.py document them).

What a candidate sees of an attempt is built here, in one place: the stems and options in the attempt's
recorded order, their own saved answers — and the correct answers and explanations only once the
attempt's results are released (`selectors.released`). Tests search every candidate-facing body for the
keys before release.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.utils import timezone

from accounts.models import User

from . import grading, selectors
from .models import Attempt, AttemptAnswer, Course, Enrolment, Exam, Lesson, LessonProgress, Question


def article_blocks(text: str) -> list[dict]:
    """An article as structured text: "# " lines are headings, blank lines separate paragraphs. It is
    never HTML, so nothing in it can run in the mini-program's rich-text view."""
    blocks, paragraph = [], []

    def flush():
        if paragraph:
            blocks.append({"kind": "paragraph", "text": "\n".join(paragraph)})
            paragraph.clear()

    for line in (text or "").splitlines():
        stripped = line.strip()
        if stripped.startswith("# "):
            flush()
            blocks.append({"kind": "heading", "text": stripped[2:].strip()})
        elif not stripped:
            flush()
        else:
            paragraph.append(stripped)
    flush()
    return blocks


def enrolment_out(enrolment: Enrolment | None) -> dict | None:
    if enrolment is None:
        return None
    return {"course_id": enrolment.course_id, "source": enrolment.source, "enrolled_at": enrolment.enrolled_at,
            "due_date": enrolment.due_date, "overdue": selectors.is_overdue(enrolment),
            "completed_at": enrolment.completed_at}


def standards_of(course_ids: list[int]) -> dict[int, list[dict]]:
    out: dict[int, list[dict]] = defaultdict(list)
    for row in Course.standards.through.objects.filter(course_id__in=course_ids).select_related("standard") \
            .order_by("standard__code"):
        out[row.course_id].append({"id": row.standard_id, "code": row.standard.code, "title": row.standard.title})
    return out


def course_out(course: Course, *, lessons: int, mine: dict | None, standards: list[dict]) -> dict:
    enrolment = mine["enrolment"] if mine else None
    return {
        "id": course.pk, "title": course.title, "summary": course.summary,
        "cover_url": course.cover.url if course.cover else None, "layers": course.layers,
        "stage": course.stage, "stage_label": course.get_stage_display(), "area": course.area,
        "area_label": course.get_area_display(), "studio": {"id": course.org_unit_id, "name": course.org_unit.name},
        "learning_hours": course.learning_hours, "lessons": lessons, "state": course.state,
        "open_enrolment": course.open_enrolment, "prevent_skipping": course.prevent_skipping,
        "standards": standards, "enrolled": enrolment is not None,
        "progress_pct": selectors.pct(mine["done"], lessons) if mine else None,
        "due_date": enrolment.due_date if enrolment else None, "overdue": selectors.is_overdue(enrolment),
        "completed_at": enrolment.completed_at if enrolment else None,
    }


def course_list(user: User, courses: list[Course]) -> list[dict]:
    ids = [c.pk for c in courses]
    progress = selectors.progress_by_course(user, ids)
    standards = standards_of(ids)
    return [course_out(c, lessons=c.lesson_count, mine=progress.get(c.pk), standards=standards[c.pk]) for c in courses]


def progress_out(progress: LessonProgress | None, lesson: Lesson) -> dict | None:
    if progress is None:
        return None
    duration = lesson.media.duration_s if lesson.media_id and lesson.kind == Lesson.Kind.VIDEO else None
    watched = (grading.to_decimal(grading.Fraction(progress.credited_s) * 100 / grading.Fraction(duration))
               if duration else None)
    return {"completed": progress.completed_at is not None, "completed_at": progress.completed_at,
            "credited_s": progress.credited_s, "position_s": progress.position_s, "furthest_s": progress.furthest_s,
            "watched_pct": min(watched, Decimal("100")) if watched is not None else None}


def lesson_out(lesson: Lesson, progress: LessonProgress | None) -> dict:
    return {
        "id": lesson.pk, "title": lesson.title, "kind": lesson.kind, "kind_label": lesson.get_kind_display(),
        "duration_s": lesson.media.duration_s if lesson.media_id else None, "has_media": lesson.media_id is not None,
        "article": article_blocks(lesson.article) if lesson.kind == Lesson.Kind.ARTICLE else None,
        "procedure": ({"id": lesson.procedure_id, "code": lesson.procedure.code, "title": lesson.procedure.title}
                      if lesson.procedure_id else None),
        "exam_id": lesson.exam_id, "progress": progress_out(progress, lesson),
    }


def course_detail(user: User, course: Course) -> dict:
    lessons = list(Lesson.objects.filter(course=course).select_related("chapter", "media", "procedure")
                   .order_by("chapter__order", "chapter_id", "order", "id"))
    progress = selectors.my_lesson_progress(user, [course.pk])
    mine = selectors.progress_by_course(user, [course.pk]).get(course.pk)
    chapters: dict[int, dict] = {}
    for lesson in lessons:
        chapter = chapters.setdefault(lesson.chapter_id, {"id": lesson.chapter_id, "title": lesson.chapter.title,
                                                          "lessons": []})
        chapter["lessons"].append(lesson_out(lesson, progress.get(lesson.pk)))
    out = course_out(course, lessons=len(lessons), mine=mine, standards=standards_of([course.pk])[course.pk])
    exams = selectors.visible_exams(user).filter(course=course, state=Exam.State.PUBLISHED).values("id", "title")
    out.update(completion_share=selectors.completion_share(course), chapters=list(chapters.values()),
               enrolment=enrolment_out(mine["enrolment"] if mine else None), exams=list(exams))
    return out


def my_learning_out(user: User) -> dict:
    rows = selectors.my_learning(user)
    standards = standards_of([r["course"].pk for r in rows])
    courses = []
    for row in rows:
        enrolment = row["enrolment"]
        courses.append({
            "course": course_out(row["course"], lessons=row["lessons"], mine={"enrolment": enrolment,
                                                                               "done": row["completed_lessons"]},
                                 standards=standards[row["course"].pk]),
            "lessons": row["lessons"], "completed_lessons": row["completed_lessons"],
            "progress_pct": row["progress_pct"], "due_date": enrolment.due_date, "overdue": row["overdue"],
            "completed_at": enrolment.completed_at, "resume": row["resume"], "hours": row["hours"],
        })
    return {"courses": courses, "hours": selectors.total_hours(rows),
            "completed": sum(1 for r in rows if r["enrolment"].completed_at),
            "in_progress": sum(1 for r in rows if not r["enrolment"].completed_at),
            "overdue": sum(1 for r in rows if r["overdue"])}


# --- exams ---------------------------------------------------------------------------------------------------
def exam_info(exam: Exam) -> dict:
    return {"id": exam.pk, "title": exam.title, "time_limit_minutes": exam.time_limit_minutes,
            "pass_mark": exam.pass_mark, "attempts_allowed": exam.attempts_allowed, "opens_at": exam.opens_at,
            "closes_at": exam.closes_at, "release": exam.release}


def remaining(attempt: Attempt, now=None) -> int:
    if attempt.state != Attempt.State.IN_PROGRESS:
        return 0
    return max(0, int((attempt.deadline_at - (now or timezone.now())).total_seconds()))


def attempt_out(attempt: Attempt, exam: Exam | None = None) -> dict:
    """The attempt as its candidate sees it (three queries: the questions, the saved answers, the exam)."""
    exam = exam or attempt.exam
    now = timezone.now()
    questions = getattr(attempt, "_questions", None) or selectors.questions_by_id(entry["q"] for entry in attempt.paper)
    saved = {} if getattr(attempt, "_no_answers", False) else getattr(attempt, "_saved", None)
    if saved is None:
        saved = {a.question_id: a for a in AttemptAnswer.objects.filter(attempt=attempt)}
    paper = []
    for entry in attempt.paper:
        question = questions.get(entry["q"])
        if question is None:
            continue
        texts = {str(o.get("key")): str(o.get("text", "")) for o in question.options or []}
        paper.append({"question_id": question.pk, "kind": question.kind, "stem": question.stem,
                      "options": [{"key": key, "text": texts.get(key, "")} for key in entry["o"]],
                      "blanks": grading.blanks_of(question.answer) if question.kind == Question.Kind.FILL else 0,
                      "points": Decimal(entry["p"])})
    answers = [{"question_id": qid, "answer": row.answer, "seq": row.seq} for qid, row in saved.items()]
    is_released = selectors.released(attempt, exam, now)
    result = None
    if is_released:
        items = []
        for entry in attempt.paper:
            question = questions.get(entry["q"])
            if question is None:
                continue
            row = saved.get(question.pk)
            items.append({"question_id": question.pk, "awarded": row.awarded if row and row.awarded is not None
                          else Decimal("0.0"), "correct": bool(row and row.correct),
                          "your_answer": row.answer if row else None, "correct_answer": question.answer,
                          "explanation": question.explanation})
        result = {"points": attempt.points, "total_points": attempt.total_points, "score": attempt.score,
                  "passed": bool(attempt.passed), "items": items}
    return {"id": attempt.pk, "exam": exam_info(exam), "number": attempt.number, "state": attempt.state,
            "started_at": attempt.started_at, "deadline_at": attempt.deadline_at, "remaining_s": remaining(attempt, now),
            "submitted_at": attempt.submitted_at, "questions": paper, "answers": answers, "released": is_released,
            "result": result}


def attempt_brief(attempt: Attempt, exam: Exam) -> dict:
    shown = selectors.released(attempt, exam)
    return {"id": attempt.pk, "number": attempt.number, "state": attempt.state, "started_at": attempt.started_at,
            "submitted_at": attempt.submitted_at, "released": shown, "score": attempt.score if shown else None,
            "passed": attempt.passed if shown else None}


def my_exams_out(user: User) -> list[dict]:
    out = []
    now = timezone.now()
    for row in selectors.my_exams(user):
        exam, attempts = row["exam"], row["attempts"]
        window = (exam.opens_at is None or exam.opens_at <= now) and (exam.closes_at is None or now < exam.closes_at)
        left = max(exam.attempts_allowed - len(attempts), 0)
        open_one = any(a.state == Attempt.State.IN_PROGRESS for a in attempts)
        out.append({"exam": exam_info(exam), "course_id": exam.course_id,
                    "may_start": window and (left > 0 or open_one), "attempts_left": left,
                    "attempts": [attempt_brief(a, exam) for a in attempts]})
    return out
