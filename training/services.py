"""Writes of training: enrolment and assignments, learning records, lesson media, question import, exam
attempts (start, autosave, submit, auto-submit) and grading.

Exactly once, backed by the database: an enrolment per (course, user), a progress item per (user,
client_id), one open attempt per (exam, user) and an attempt number per (exam, user, number) — unique
constraints — and a lesson's progress or an attempt is changed only under its row lock. Signals
(`training.signals`) tell the apps above us (apprenticeships) inside the writing transaction.
"""

from __future__ import annotations

import logging
import random
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import OrgUnit, User
from accounts.selectors import is_admin, scope_paths
from miniprogram_api.errors import ApiError, conflict, forbidden, not_found, unprocessable
from miniprogram_api.signed_urls import store_private
from notifications.services import notify

from . import grading, selectors, signals, video, watch
from .models import (
    Assignment,
    Attempt,
    AttemptAnswer,
    Course,
    Enrolment,
    Exam,
    Lesson,
    LessonMedia,
    LessonProgress,
    ProgressItem,
    Question,
)

logger = logging.getLogger(__name__)


# --- enrolment ---------------------------------------------------------------------------------------
@transaction.atomic
def enrol(*, user: User, course_id: int) -> tuple[Enrolment, bool]:
    """Self-enrolment in an open, published course the user can see. Enrolling twice returns the first."""
    course = selectors.get_course(user, course_id)
    existing = Enrolment.objects.filter(course=course, user=user).first()
    if existing is not None:
        return existing, False
    if course.state != Course.State.PUBLISHED:
        raise conflict("course_not_published", "课程尚未发布，暂不能报名", detail={"state": course.state})
    if not course.open_enrolment and not is_admin(user):
        raise forbidden("该课程不开放自主报名，请等待负责人指派", code="enrolment_closed")
    if not (is_admin(user) or course.org_unit.path in selectors.unit_prefixes(user)):
        raise forbidden("该课程只对开课单位人员开放", code="enrolment_closed")
    return _enrol(course=course, user=user, source=Enrolment.Source.SELF)


def _enrol(*, course: Course, user: User, source: str, assignment: Assignment | None = None,
           due_date: date | None = None) -> tuple[Enrolment, bool]:
    try:
        with transaction.atomic():
            enrolment = Enrolment.objects.create(course=course, user=user, source=source, assignment=assignment,
                                                 due_date=due_date)
    except IntegrityError:  # a concurrent copy
        return Enrolment.objects.get(course=course, user=user), False
    backfill_practice(enrolment=enrolment)
    return enrolment, True


@dataclass
class AssignResult:
    assignment: Assignment
    created: bool
    enrolled: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)


def _in_scope(paths: list[str] | None, path: str) -> bool:
    return paths is None or any(path.startswith(p) for p in paths)


@transaction.atomic
def assign(*, actor: User, course_id: int, user_ids: list[int], org_unit_ids: list[int], roles: list[str],
           due_date: date | None, client_id: str | None = None) -> AssignResult:
    """A trainer, workshop leader or admin assigns a course to people, units or holders of a role, inside
    their own scope, with an optional due date; each person is enrolled once and notified."""
    if client_id:
        existing = Assignment.objects.filter(created_by=actor, client_id=client_id).first()
        if existing is not None:
            if existing.course_id != course_id:
                raise conflict("client_id_conflict", "该客户端编号已用于另一次指派", detail={"assignment_id": existing.pk})
            return AssignResult(existing, False, unchanged=list(existing.enrolments.values_list("user_id", flat=True)))
    paths = scope_paths(actor, selectors.MANAGERS)
    if paths is not None and not paths:
        raise forbidden("只有讲师、工作室负责人或管理员可以指派课程", code="assignment_not_allowed")
    course = selectors.get_course(actor, course_id)
    if course.state != Course.State.PUBLISHED:
        raise conflict("course_not_published", "课程尚未发布，不能指派", detail={"state": course.state})
    if due_date is not None and due_date < timezone.localdate():
        raise unprocessable("invalid_due_date", "完成期限不能早于今天",
                            detail=[{"field": "due_date", "type": "invalid", "message": "不能早于今天"}])
    if not (user_ids or org_unit_ids or roles):
        raise unprocessable("no_targets", "请至少指定人员、单位或角色之一")
    people = {u.pk: u for u in User.objects.filter(pk__in=user_ids, is_active=True).select_related("primary_org_unit")}
    missing = sorted(set(user_ids) - set(people))
    if missing:
        raise unprocessable("unknown_users", "部分人员不存在", detail={"user_ids": missing})
    units = {u.pk: u for u in OrgUnit.objects.filter(pk__in=org_unit_ids)}
    missing = sorted(set(org_unit_ids) - set(units))
    if missing:
        raise unprocessable("unknown_org_units", "部分单位不存在", detail={"org_unit_ids": missing})
    outside_units = [u.pk for u in units.values() if not _in_scope(paths, u.path)]
    if outside_units:
        raise forbidden("只能向本人管理范围内的单位指派课程", code="target_out_of_scope")
    targets: dict[int, User] = {}
    outside_people = []
    for person in people.values():
        person_paths = [p for _, _, p in selectors.grants_of(person)]
        if person.primary_org_unit is not None:
            person_paths.append(person.primary_org_unit.path)
        if not any(_in_scope(paths, p) for p in person_paths):
            outside_people.append(person.pk)
        targets[person.pk] = person
    if outside_people:
        raise forbidden("只能向本人管理范围内的人员指派课程", code="target_out_of_scope")
    for unit in units.values():
        for person in selectors.unit_members(unit):
            targets.setdefault(person.pk, person)
    if roles:
        from accounts.models import RoleGrant

        grants = RoleGrant.objects.filter(role__in=roles, user__is_active=True).select_related("user", "org_unit")
        for grant in grants:
            if _in_scope(paths, grant.org_unit.path):
                targets.setdefault(grant.user_id, grant.user)
    try:
        with transaction.atomic():
            assignment = Assignment.objects.create(course=course, due_date=due_date, roles=sorted(set(roles)),
                                                   created_by=actor, client_id=client_id or None)
    except IntegrityError:
        existing = Assignment.objects.get(created_by=actor, client_id=client_id)
        return AssignResult(existing, False, unchanged=list(existing.enrolments.values_list("user_id", flat=True)))
    assignment.users.set(people.values())
    assignment.org_units.set(units.values())
    result = AssignResult(assignment, True)
    enrolled = {e.user_id: e for e in Enrolment.objects.filter(course=course, user_id__in=targets).select_for_update()}
    for user_id, person in targets.items():
        enrolment = enrolled.get(user_id)
        if enrolment is None:
            _enrol(course=course, user=person, source=Enrolment.Source.ASSIGNED, assignment=assignment,
                   due_date=due_date)
            result.enrolled.append(user_id)
        elif enrolment.completed_at is None and due_date and (enrolment.due_date is None or due_date < enrolment.due_date):
            enrolment.due_date, enrolment.assignment, enrolment.source = due_date, assignment, Enrolment.Source.ASSIGNED
            enrolment.save(update_fields=["due_date", "assignment", "source"])
            result.updated.append(user_id)
        else:
            result.unchanged.append(user_id)
    told = [targets[i] for i in result.enrolled + result.updated]
    if told:
        due = f"，请于 {due_date:%Y-%m-%d} 前完成" if due_date else ""
        notify(recipients=told, kind="training_assigned", title="新的学习任务", body=f"《{course.title}》{due}",
               data={"course_id": course.pk, "assignment_id": assignment.pk},
               dedupe_key=f"training:assignment:{assignment.pk}")
    return result


# --- learning records ------------------------------------------------------------------------------------
@dataclass
class ProgressOutcome:
    client_id: str
    status: str  # accepted, duplicate, rejected
    lesson_id: int | None = None
    clamped: bool = False
    capped: bool = False
    credited_s: Decimal | None = None
    watched_s: Decimal | None = None
    position_s: Decimal | None = None
    furthest_s: Decimal | None = None
    lesson_completed: bool = False
    course_completed: bool = False
    error: ApiError | None = None


@dataclass
class ProgressIn:
    client_id: str
    lesson_id: int
    position_s: Decimal
    watched: list[tuple[Decimal, Decimal]]
    at: datetime


def record_progress(*, user: User, items: list[ProgressIn]) -> list[ProgressOutcome]:
    """Fold a batch of progress items into the learner's lessons, each item once and on its own: a bad
    item is reported and loses nothing else; a resent item is `duplicate` and changes nothing."""
    results = []
    lessons: dict[int, Lesson | None] = {}
    wanted = {item.lesson_id for item in items}
    for lesson in Lesson.objects.filter(pk__in=wanted).select_related("course", "media"):
        lessons[lesson.pk] = lesson
    enrolled = set(Enrolment.objects.filter(user=user, course__lessons__in=wanted).values_list("course_id", flat=True))
    for item in items:
        try:
            with transaction.atomic():
                results.append(_record_one(user=user, item=item, lesson=lessons.get(item.lesson_id),
                                           enrolled=enrolled))
        except ApiError as error:
            results.append(ProgressOutcome(item.client_id, "rejected", lesson_id=item.lesson_id, error=error))
        except IntegrityError:  # the same item arriving twice at once: the first one counts
            results.append(ProgressOutcome(item.client_id, "duplicate", lesson_id=item.lesson_id))
    return results


def _record_one(*, user: User, item: ProgressIn, lesson: Lesson | None, enrolled: set[int]) -> ProgressOutcome:
    seen = ProgressItem.objects.filter(user=user, client_id=item.client_id).values("lesson_id").first()
    if seen is not None:
        return ProgressOutcome(item.client_id, "duplicate", lesson_id=seen["lesson_id"])
    if lesson is None:
        raise ApiError("lesson_not_found", "课时不存在", status=404)
    if lesson.course_id not in enrolled:
        raise ApiError("not_enrolled", "你还没有报名该课程，学习记录未保存", status=403)
    if lesson.kind == Lesson.Kind.PRACTICE:
        raise conflict("completed_by_practice", "实操课时由审核通过的实操记录自动完成，无需上报进度")
    if lesson.kind == Lesson.Kind.QUIZ:
        raise conflict("completed_by_quiz", "测验课时在测验及格后自动完成，无需上报进度")
    for start, end in item.watched:
        if end < start:
            raise unprocessable("invalid_range", f"观看区间 [{start}, {end}] 的结束早于开始",
                                detail={"range": [start, end]})
    now = timezone.now()
    progress = _locked_progress(user=user, lesson=lesson, now=now)
    duration = lesson.media.duration_s if lesson.kind == Lesson.Kind.VIDEO and lesson.media is not None else None
    if lesson.kind == Lesson.Kind.VIDEO and duration is None:
        raise conflict("lesson_has_no_video", "该课时尚未上传视频")
    outcome = ProgressOutcome(item.client_id, "accepted", lesson_id=lesson.pk)
    before = progress.credited_s
    position: Decimal
    if duration is not None:
        clamped = watch.clamp(item.watched, duration)
        position = min(watch.q(item.position_s), duration)
        outcome.clamped = clamped.clamped or watch.q(item.position_s) > duration
        stored = [(Decimal(a), Decimal(b)) for a, b in progress.ranges]
        merged = watch.union(stored + clamped.ranges)
        counted = watch.countable(merged, prevent_skipping=lesson.course.prevent_skipping)
        elapsed = Decimal((now - progress.opened_at).total_seconds())
        progress.ranges = [[str(a), str(b)] for a, b in merged]
        progress.credited_s = watch.credit(credited=progress.credited_s, countable_s=counted, elapsed_s=elapsed,
                                           grace_s=Decimal(settings.TRAINING_WALL_CLOCK_GRACE_SECONDS))
        progress.furthest_s = watch.contiguous_end(merged)
        outcome.capped = progress.credited_s < counted
        outcome.watched_s = watch.length(merged)
        share = selectors.completion_share(lesson.course)
        done = progress.credited_s >= (duration * share).quantize(watch.TENTH)
    else:  # a document or an article: opened and read
        position = watch.q(item.position_s)
        done = True
    if progress.position_at is None or item.at >= progress.position_at:
        progress.position_s, progress.position_at = position, item.at  # an older report never moves it back
    if done and progress.completed_at is None:
        progress.completed_at = now
        outcome.lesson_completed = True
    progress.save()
    ProgressItem.objects.create(user=user, client_id=item.client_id, lesson=lesson, position_s=watch.q(item.position_s),
                                watched=[[str(a), str(b)] for a, b in item.watched], client_at=item.at, received_at=now,
                                outcome=ProgressItem.Outcome.CLAMPED if outcome.clamped else ProgressItem.Outcome.ACCEPTED,
                                credited_s=progress.credited_s - before)
    if outcome.lesson_completed:
        outcome.course_completed = _complete_course_if_done(user=user, course=lesson.course)
    outcome.credited_s, outcome.position_s, outcome.furthest_s = progress.credited_s, progress.position_s, progress.furthest_s
    outcome.lesson_completed = progress.completed_at is not None
    return outcome


def _locked_progress(*, user: User, lesson: Lesson, now: datetime) -> LessonProgress:
    """The learner's row for the lesson, locked; created (opened now) if this is the first contact."""
    progress = LessonProgress.objects.select_for_update().filter(user=user, lesson=lesson).first()
    if progress is None:
        try:
            with transaction.atomic():
                LessonProgress.objects.create(user=user, lesson=lesson, course_id=lesson.course_id, opened_at=now)
        except IntegrityError:
            pass  # another device opened it at the same moment
        progress = LessonProgress.objects.select_for_update().get(user=user, lesson=lesson)
    return progress


def _complete_lesson(*, user: User, lesson: Lesson, run_id: int | None = None) -> bool:
    now = timezone.now()
    progress = _locked_progress(user=user, lesson=lesson, now=now)
    if progress.completed_at is not None:
        return False
    progress.completed_at, progress.completed_by_run = now, run_id
    progress.save(update_fields=["completed_at", "completed_by_run", "updated_at"])
    _complete_course_if_done(user=user, course=lesson.course)
    return True


def _complete_course_if_done(*, user: User, course: Course) -> bool:
    """When every lesson is complete, the enrolment is completed once (its row locked) and announced."""
    total = Lesson.objects.filter(course=course).count()
    done = LessonProgress.objects.filter(user=user, course=course, completed_at__isnull=False).count()
    if total == 0 or done < total:
        return False
    enrolment = Enrolment.objects.select_for_update().filter(course=course, user=user).first()
    if enrolment is None or enrolment.completed_at is not None:
        return False
    enrolment.completed_at = timezone.now()
    enrolment.save(update_fields=["completed_at"])
    signals.course_completed.send(sender=Enrolment, enrolment=enrolment, course=course)
    notify(recipients=[user], kind="training_completed", title="课程已结业",
           body=f"《{course.title}》全部课时已完成，获得 {course.learning_hours} 学时",
           data={"course_id": course.pk}, dedupe_key=f"training:completed:{enrolment.pk}")
    return True


def open_media(*, user: User, lesson_id: int) -> tuple[Lesson, LessonMedia]:
    """A learner (or the course's author) asks for a lesson's file: the first time starts the lesson's wall
    clock (the moment from which watching can be credited)."""
    lesson = Lesson.objects.select_related("course", "media", "course__org_unit").filter(pk=lesson_id).first()
    if lesson is None or not selectors.visible_courses(user).filter(pk=lesson.course_id).exists():
        raise not_found("课时")
    if lesson.media is None:
        raise not_found("课时文件", code="no_media")
    author = selectors.may_author(user, lesson.course.org_unit)
    enrolled = Enrolment.objects.filter(user=user, course_id=lesson.course_id).exists()
    if not (enrolled or author):
        raise forbidden("请先报名该课程", code="not_enrolled")
    if enrolled and lesson.kind == Lesson.Kind.VIDEO:
        with transaction.atomic():
            _locked_progress(user=user, lesson=lesson, now=timezone.now())
    return lesson, lesson.media


# --- practice lessons: completed by approved runs ------------------------------------------------------------
def complete_practice(*, run) -> int:
    """An approved run completes the performer's practice lessons of its procedure (courses they are
    enrolled in). Called inside the review's transaction (signal run_approved)."""
    lessons = Lesson.objects.filter(kind=Lesson.Kind.PRACTICE, procedure_id=run.procedure_id,
                                    course__enrolments__user_id=run.performer_id).select_related("course")
    user = User.objects.get(pk=run.performer_id)
    return sum(_complete_lesson(user=user, lesson=lesson, run_id=run.pk) for lesson in lessons)


def backfill_practice(*, enrolment: Enrolment) -> int:
    """Runs approved before enrolling count for the course's practice lessons."""
    from practice.selectors import approved_runs

    lessons = list(Lesson.objects.filter(course_id=enrolment.course_id, kind=Lesson.Kind.PRACTICE,
                                         procedure__isnull=False).select_related("course"))
    if not lessons:
        return 0
    runs: dict[int, int] = {}
    for run in approved_runs(user=enrolment.user, procedure=[lesson.procedure_id for lesson in lessons]) \
            .order_by("completed_at", "id"):
        runs.setdefault(run.procedure_id, run.pk)
    return sum(_complete_lesson(user=enrolment.user, lesson=lesson, run_id=runs[lesson.procedure_id])
               for lesson in lessons if lesson.procedure_id in runs)


# --- lesson files ----------------------------------------------------------------------------------------------
def upload_media(*, actor: User, lesson_id: int, path: str, size: int, name: str = "") -> LessonMedia:
    """A trainer uploads a lesson's MP4 (H.264/AAC) or PDF. The file is checked and described from its
    own bytes (duration, codecs, poster), stored privately and attached to the lesson."""
    lesson = Lesson.objects.select_related("course", "course__org_unit").filter(pk=lesson_id).first()
    if lesson is None or not selectors.visible_courses(actor).filter(pk=lesson.course_id).exists():
        raise not_found("课时")
    if not selectors.may_author(actor, lesson.course.org_unit):
        raise forbidden("只有本单位的讲师或管理员可以上传课程文件", code="not_a_trainer")
    if lesson.kind not in (Lesson.Kind.VIDEO, Lesson.Kind.DOCUMENT):
        raise conflict("lesson_takes_no_file", "只有视频和文档课时可以上传文件", detail={"kind": lesson.kind})
    media = store_media(actor=actor, kind=lesson.kind, path=path, size=size, name=name)
    with transaction.atomic():
        Lesson.objects.filter(pk=lesson.pk).update(media=media)
    return media


def store_media(*, actor: User | None, kind: str, path: str, size: int, name: str = "") -> LessonMedia:
    import hashlib

    limit = settings.TRAINING_VIDEO_MAX_BYTES if kind == LessonMedia.Kind.VIDEO else settings.TRAINING_DOCUMENT_MAX_BYTES
    if size > limit:
        raise video.too_large(limit, size)
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    stamp = timezone.now().strftime("%Y/%m")
    key = uuid.uuid4().hex
    fields: dict = {}
    if kind == LessonMedia.Kind.VIDEO:
        info = video.probe_video(path)
        stored, content_type = f"lessons/{stamp}/{key}.mp4", "video/mp4"
        poster = f"lessons/{stamp}/{key}-poster.jpg"
        store_private(poster, info.poster_jpeg)
        fields = {"duration_s": info.duration_s, "video_codec": info.video_codec, "audio_codec": info.audio_codec,
                  "width": info.width, "height": info.height, "poster_path": poster}
    else:
        pages = video.check_pdf(path)
        stored, content_type = f"lessons/{stamp}/{key}.pdf", "application/pdf"
        fields = {"pages": pages}
    store_private(stored, path)
    return LessonMedia.objects.create(kind=kind, path=stored, original_name=name[:200], content_type=content_type,
                                      size_bytes=size, sha256=digest.hexdigest(), uploaded_by=actor, **fields)


# --- reminders ------------------------------------------------------------------------------------------------------
def remind_due(today: date | None = None) -> dict:
    """Learners hear once per enrolment and due date: REMINDER_DAYS before it, and once it has passed."""
    today = today or timezone.localdate()
    soon = today + timedelta(days=settings.TRAINING_REMINDER_DAYS)
    open_due = Enrolment.objects.filter(completed_at__isnull=True, due_date__isnull=False).select_related("course", "user")
    counts = {}
    for key, enrolments, kind, title, verb in (
            ("reminded", open_due.filter(due_date__gte=today, due_date__lte=soon), "training_due", "学习任务即将到期", "请于"),
            ("overdue", open_due.filter(due_date__lt=today), "training_overdue", "学习任务已逾期", "应于")):
        counts[key] = 0
        for enrolment in enrolments:
            with transaction.atomic():
                sent = notify(recipients=[enrolment.user], kind=kind, title=title,
                              body=f"《{enrolment.course.title}》{verb} {enrolment.due_date:%Y-%m-%d} 前完成",
                              data={"course_id": enrolment.course_id},
                              dedupe_key=f"training:{key}:{enrolment.pk}:{enrolment.due_date:%Y%m%d}")
            counts[key] += len(sent)
    return counts if any(counts.values()) else {}


# --- exams: start --------------------------------------------------------------------------------------------------
def deadline_for(exam: Exam, started: datetime) -> datetime:
    deadline = started + timedelta(minutes=exam.time_limit_minutes)
    if exam.closes_at is not None:
        deadline = min(deadline, exam.closes_at)
    return deadline


def build_paper(exam: Exam, rng: random.Random) -> tuple[list[dict], dict[int, Question]]:
    """The attempt's paper: [{"q": question id, "p": points, "o": option keys in the order shown}], and the
    chosen questions. A random paper reads the bank's (id, difficulty, tag) rows once and draws every rule
    from them: three queries whatever the bank's size and the number of rules."""
    if exam.mode == Exam.Mode.FIXED:
        chosen = [(row.question_id, row.points) for row in exam.paper.filter(question__is_active=True)]
    else:
        pool: dict[int, tuple[str, set[int]]] = {}
        for pk, difficulty, tag in Question.objects.filter(bank_id=exam.bank_id, is_active=True) \
                .values_list("pk", "difficulty", "tags"):
            pool.setdefault(pk, (difficulty, set()))[1].add(tag)
        chosen, taken = [], set()
        for rule in exam.rules.all():
            ids = sorted(pk for pk, (difficulty, tags) in pool.items() if pk not in taken
                         and (not rule.tag_id or rule.tag_id in tags) and (not rule.difficulty or difficulty == rule.difficulty))
            picked = rng.sample(ids, min(rule.count, len(ids)))
            taken.update(picked)
            chosen.extend((pk, rule.points) for pk in picked)
    if not chosen:
        raise conflict("paper_empty", "试卷中没有可用的试题，请联系讲师")
    if exam.shuffle_questions:
        rng.shuffle(chosen)
    questions = selectors.questions_by_id(pk for pk, _ in chosen)
    paper = []
    for pk, points in chosen:
        keys = [str(o.get("key")) for o in questions[pk].options or []]
        if exam.shuffle_options:
            rng.shuffle(keys)
        paper.append({"q": pk, "p": str(points), "o": keys})
    return paper, questions


@transaction.atomic
def start_attempt(*, user: User, exam_id: int) -> tuple[Attempt, bool]:
    """Start (or resume) an attempt. The open attempt is returned while it runs; one past its deadline is
    submitted first. More attempts than allowed → 409."""
    exam = selectors.get_exam(user, exam_id)
    if not selectors.may_sit(user, exam):
        raise forbidden("你不在本次考试的考生范围内", code="not_eligible")
    now = timezone.now()
    # The person's attempts of this exam, locked: the open one (if any) and how many were used.
    mine = list(Attempt.objects.select_for_update().filter(exam=exam, user=user).order_by("number"))
    open_attempt = next((a for a in mine if a.state == Attempt.State.IN_PROGRESS), None)
    if open_attempt is not None:
        open_attempt.exam = exam
        if now <= open_attempt.deadline_at:
            return open_attempt, False
        finalise(open_attempt, state=Attempt.State.AUTO_SUBMITTED, at=open_attempt.deadline_at)
    if exam.opens_at and now < exam.opens_at:
        raise conflict("exam_not_open", f"考试尚未开始，开始时间 {timezone.localtime(exam.opens_at):%Y-%m-%d %H:%M}",
                       detail={"opens_at": exam.opens_at.isoformat()})
    if exam.closes_at and now >= exam.closes_at:
        raise conflict("exam_closed", "考试已结束", detail={"closes_at": exam.closes_at.isoformat()})
    used = len(mine)
    if used >= exam.attempts_allowed:
        raise conflict("attempts_exhausted", f"本考试最多可参加 {exam.attempts_allowed} 次，你已用完",
                       detail={"attempts_allowed": exam.attempts_allowed, "used": used})
    paper, questions = build_paper(exam, random.Random(secrets.randbits(64)))
    total = sum((Decimal(entry["p"]) for entry in paper), Decimal("0"))
    try:
        with transaction.atomic():
            attempt = Attempt.objects.create(exam=exam, user=user, number=used + 1, started_at=now,
                                             deadline_at=deadline_for(exam, now), paper=paper, total_points=total)
    except IntegrityError:  # a second tap that raced the first: both get the same attempt
        winner = Attempt.objects.filter(exam=exam, user=user, state=Attempt.State.IN_PROGRESS).first()
        if winner is None:
            raise conflict("attempts_exhausted", "本考试的次数已用完") from None
        return winner, False
    # What the presenter would otherwise read again: the chosen questions, and no answers yet.
    setattr(attempt, "_questions", questions)  # noqa: B010
    setattr(attempt, "_no_answers", True)  # noqa: B010
    return attempt, True


# --- exams: answers ------------------------------------------------------------------------------------------------
@dataclass
class AnswerIn:
    question_id: int
    answer: object
    seq: int


def _check_answer(kind: str, keys: list[str], blanks: int, answer) -> bool:
    if answer is None:
        return True  # clearing an answer
    if kind == Question.Kind.SINGLE:
        return isinstance(answer, str) and answer in keys
    if kind == Question.Kind.MULTIPLE:
        return (isinstance(answer, list) and all(isinstance(a, str) and a in keys for a in answer)
                and len(answer) == len(set(answer)))
    if kind == Question.Kind.TRUE_FALSE:
        return isinstance(answer, bool)
    if kind == Question.Kind.FILL:
        return (isinstance(answer, list) and len(answer) == blanks
                and all(isinstance(a, str) and len(a) <= 200 for a in answer))
    return False


def _open_for_answers(attempt: Attempt, now: datetime) -> None:
    if attempt.state != Attempt.State.IN_PROGRESS:
        raise conflict("attempt_submitted", "已交卷，不能再修改答案", detail={"state": attempt.state})
    if now > attempt.deadline_at + timedelta(seconds=settings.EXAM_GRACE_SECONDS):
        raise conflict("attempt_time_over", "考试时间已到，答案未保存（系统将按已保存的答案自动交卷）",
                       detail={"deadline_at": attempt.deadline_at.isoformat()})


def _save(attempt: Attempt, answers: list[AnswerIn], now: datetime) -> list[dict]:
    """Validate every answer first (a bad one refuses the whole request, nothing saved), then keep each
    unless an answer with a higher or equal seq is already stored."""
    in_paper = {entry["q"]: entry for entry in attempt.paper}
    foreign = sorted({a.question_id for a in answers} - set(in_paper))
    if foreign:
        raise unprocessable("question_not_in_attempt", "提交的题目不在本次试卷中", detail={"question_ids": foreign})
    questions = {q["pk"]: q for q in Question.objects.filter(pk__in=[a.question_id for a in answers])
                 .values("pk", "kind", "answer")}
    bad = [a.question_id for a in answers if a.question_id not in questions or not _check_answer(
        questions[a.question_id]["kind"], in_paper[a.question_id]["o"],
        grading.blanks_of(questions[a.question_id]["answer"]), a.answer)]
    if bad:
        raise unprocessable("invalid_answer", "答案格式不符合题型要求", detail={"question_ids": bad})
    latest: dict[int, AnswerIn] = {}
    for answer in answers:  # the same question twice in one request: the higher seq wins
        if answer.question_id not in latest or answer.seq > latest[answer.question_id].seq:
            latest[answer.question_id] = answer
    stored = {a.question_id: a for a in AttemptAnswer.objects.filter(attempt=attempt, question_id__in=latest)}
    results, create, update = [], [], []
    for qid, answer in latest.items():
        row = stored.get(qid)
        if row is None:
            create.append(AttemptAnswer(attempt=attempt, question_id=qid, answer=answer.answer, seq=answer.seq,
                                        saved_at=now))
        elif answer.seq > row.seq:
            row.answer, row.seq, row.saved_at = answer.answer, answer.seq, now
            update.append(row)
        else:
            results.append({"question_id": qid, "status": "stale", "seq": row.seq})
            continue
        results.append({"question_id": qid, "status": "saved", "seq": answer.seq})
    AttemptAnswer.objects.bulk_create(create)
    AttemptAnswer.objects.bulk_update(update, ["answer", "seq", "saved_at"])
    return results


@transaction.atomic
def save_answers(*, user: User, attempt_id: int, answers: list[AnswerIn]) -> tuple[Attempt, list[dict]]:
    attempt = selectors.my_attempt(user, attempt_id, for_update=True)
    now = timezone.now()
    _open_for_answers(attempt, now)
    return attempt, _save(attempt, answers, now)


@transaction.atomic
def submit(*, user: User, attempt_id: int, answers: list[AnswerIn] | None = None) -> tuple[Attempt, bool]:
    """Hand in (with last answers, if any) and grade at once. Submitting again returns the graded attempt.
    After the deadline and its grace the saved answers are graded as an automatic submission."""
    attempt = selectors.my_attempt(user, attempt_id, for_update=True)
    if attempt.state != Attempt.State.IN_PROGRESS:
        if answers:
            raise conflict("attempt_submitted", "已交卷，不能再修改答案", detail={"state": attempt.state})
        return attempt, False
    now = timezone.now()
    late = now > attempt.deadline_at + timedelta(seconds=settings.EXAM_GRACE_SECONDS)
    if late:
        if answers:
            raise conflict("attempt_time_over", "考试时间已到，答案未保存（系统将按已保存的答案自动交卷）",
                           detail={"deadline_at": attempt.deadline_at.isoformat()})
        finalise(attempt, state=Attempt.State.AUTO_SUBMITTED, at=attempt.deadline_at)
        return attempt, True
    if answers:
        _save(attempt, answers, now)
    finalise(attempt, state=Attempt.State.SUBMITTED, at=min(now, attempt.deadline_at + timedelta(
        seconds=settings.EXAM_GRACE_SECONDS)))
    return attempt, True


def finalise(attempt: Attempt, *, state: str, at: datetime) -> Attempt:
    """Grade the saved answers (call with the attempt's row locked) and close the attempt."""
    questions = selectors.questions_by_id(entry["q"] for entry in attempt.paper)
    keys = {pk: {"kind": q.kind, "answer": q.answer} for pk, q in questions.items()}
    saved = {a.question_id: a for a in AttemptAnswer.objects.filter(attempt=attempt)}
    total = Fraction(0)
    changed = []
    for entry in attempt.paper:
        key = keys.get(entry["q"])
        row = saved.get(entry["q"])
        if key is None or row is None:
            continue
        result = grading.grade(key["kind"], key["answer"], row.answer, Decimal(entry["p"]))
        row.awarded, row.correct = grading.to_decimal(result.awarded), result.correct
        total += result.awarded
        changed.append(row)
    AttemptAnswer.objects.bulk_update(changed, ["awarded", "correct"])
    attempt.points = grading.to_decimal(total)
    attempt.score = grading.score_of(total, attempt.total_points)
    attempt.passed = attempt.score >= attempt.exam.pass_mark
    attempt.state, attempt.submitted_at = state, at
    attempt.save(update_fields=["points", "score", "passed", "state", "submitted_at"])
    setattr(attempt, "_questions", questions)  # noqa: B010 - the presenter shows them without reading again
    setattr(attempt, "_saved", saved)  # noqa: B010
    if attempt.passed:
        signals.exam_passed.send(sender=Attempt, attempt=attempt)
        for lesson in Lesson.objects.filter(kind=Lesson.Kind.QUIZ, exam_id=attempt.exam_id,
                                            course__enrolments__user_id=attempt.user_id).select_related("course"):
            _complete_lesson(user=attempt.user, lesson=lesson)
    return attempt


def auto_submit_expired(now: datetime | None = None) -> dict:
    """Scheduled: attempts still open after their deadline (and its grace) are graded as they stand, at
    the deadline. Each in its own transaction, skipping rows a candidate's own submit holds."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.EXAM_GRACE_SECONDS)
    done = 0
    for pk in Attempt.objects.filter(state=Attempt.State.IN_PROGRESS, deadline_at__lt=cutoff).values_list("pk", flat=True):
        with transaction.atomic():
            attempt = (Attempt.objects.select_for_update(skip_locked=True).select_related("exam", "user")
                       .filter(pk=pk, state=Attempt.State.IN_PROGRESS).first())
            if attempt is None:
                continue
            finalise(attempt, state=Attempt.State.AUTO_SUBMITTED, at=attempt.deadline_at)
            done += 1
    return {"auto_submitted": done} if done else {}



# --- question banks ------------------------------------------------------------------------------------------------
@transaction.atomic
def import_questions(*, actor: User, bank_id: int, data: bytes) -> dict:
    """Questions from an xlsx sheet, matched by 题号 within the bank (a re-import updates them). Each row
    is checked on its own: valid rows are written, invalid ones reported with their row number and field."""
    from .models import KnowledgeTag, QuestionBank
    from .question_import import parse_workbook

    bank = QuestionBank.objects.select_related("org_unit").filter(pk=bank_id).first()
    if bank is None or not selectors.may_author(actor, bank.org_unit):
        raise not_found("题库")
    rows, errors = parse_workbook(data)
    existing = {q.code: q for q in Question.objects.filter(bank=bank, code__in=[r["code"] for r in rows])}
    tag_names = {name for row in rows for name in row["tags"]}
    tags = {t.name: t for t in KnowledgeTag.objects.filter(name__in=tag_names)}
    for name in tag_names - set(tags):
        tags[name] = KnowledgeTag.objects.create(name=name)
    created = updated = 0
    for row in rows:
        fields = {k: row[k] for k in ("kind", "stem", "options", "answer", "explanation", "difficulty")}
        question = existing.get(row["code"])
        if question is None:
            question = Question.objects.create(bank=bank, code=row["code"], **fields)
            created += 1
        else:
            for key, value in fields.items():
                setattr(question, key, value)
            question.is_active = True
            question.save()
            updated += 1
        question.tags.set([tags[name] for name in row["tags"]])
    return {"bank_id": bank.pk, "created": created, "updated": updated, "rejected": len(errors), "errors": errors}
