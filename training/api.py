"""线上培训与认证考核: the catalogue and its grid, enrolment and assignments, learning records, lesson files
behind signed links, exams and attempts, item analysis, the leader's view. Parse, call, return."""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from ninja import Router, Status

from miniprogram_api.errors import ApiError
from miniprogram_api.idempotency import created_or_replayed
from miniprogram_api.ratelimit import check_rate
from miniprogram_api.schemas import Bool, Id, Limit, Offset
from miniprogram_api.signed_urls import url as signed_url

from . import export, presenters, selectors, services
from .models import Area, Lesson, LessonMedia
from .schemas import (
    AnalysisOut,
    AnswersIn,
    AssignmentIn,
    AssignmentOut,
    AttemptOut,
    CourseDetailOut,
    CourseListOut,
    EnrolmentOut,
    ImportOut,
    LayerKey,
    MatrixOut,
    MediaLinkOut,
    MediaOut,
    MyExamOut,
    MyLearningOut,
    ProgressIn,
    ProgressOut,
    SaveOut,
    StageKey,
    SubmitIn,
)

# One router per URL prefix this app owns (docs/ARCHITECTURE.md, "Who owns which URL"). The studio's
# learning view lives under /studios, which apprenticeships owns: its studios router serves it from
# `selectors.studio_learning` and `selectors.studio_learning_workbook`.
courses_router = Router(tags=["线上培训"])
course_assignments_router = Router(tags=["线上培训"])
learning_router = Router(tags=["线上培训"])
lessons_router = Router(tags=["线上培训"])
exams_router = Router(tags=["认证考核"])
attempts_router = Router(tags=["认证考核"])
question_banks_router = Router(tags=["认证考核"])

XLSX_DOC = {"responses": {200: {"description": "Excel 工作簿", "content": {export.XLSX: {}}}}}
UPLOAD_DOC = {
    "requestBody": {
        "content": {"multipart/form-data": {"schema": {
            "type": "object", "required": ["file"],
            "properties": {"file": {"type": "string", "format": "binary"}}}}},
        "required": True,
    }
}
AreaKey = Literal[tuple(Area.values)]


def _upload(request: HttpRequest, limit: int):
    """The multipart `file` of an upload, refused before reading when the declared size is too big."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    from . import video

    if declared > limit + 64 * 1024:
        raise video.too_large(limit, declared)
    if request.content_type != "multipart/form-data":
        raise ApiError("unsupported_media_type", "请以 multipart/form-data 上传文件（字段名 file）", status=415)
    try:
        upload = request.FILES.get("file")
    except MultiPartParserError:
        raise ApiError("bad_request", "上传内容格式不正确", status=400) from None
    if upload is None:
        raise ApiError("validation_error", "提交的数据不符合要求：file", status=422,
                       detail=[{"field": "file", "type": "missing", "message": "缺少必填字段"}])
    return upload


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=export.XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- the catalogue ---------------------------------------------------------------------------------------
@courses_router.get("", response=CourseListOut, summary="课程目录（按层级、阶段、领域、标准、工作室、我的课程筛选）")
def list_courses(request: HttpRequest, layer: LayerKey | None = None, stage: StageKey | None = None,
                 area: AreaKey | None = None, standard: Id | None = None, studio: Id | None = None,
                 mine: Bool | None = None, limit: Limit = 20,
                 offset: Offset = 0):
    courses = selectors.catalogue(request.user, layer=layer, stage=stage, area=area, standard=standard,
                                  studio=studio, mine=mine)
    page = list(courses[offset:offset + limit])
    return {"count": courses.count(), "items": presenters.course_list(request.user, page)}


@courses_router.get("/matrix", response=MatrixOut, summary="“3+4”课程矩阵：三个层级 × 四个阶段的课程数")
def course_matrix(request: HttpRequest):
    return selectors.matrix(request.user)


@courses_router.get("/{int:course_id}", response=CourseDetailOut, summary="课程详情：章节、课时与我的学习进度")
def course_detail(request: HttpRequest, course_id: Id):
    return presenters.course_detail(request.user, selectors.get_course(request.user, course_id))


@courses_router.post("/{int:course_id}/enrol", response={200: EnrolmentOut, 201: EnrolmentOut},
             summary="报名课程（开放报名的课程；重复报名返回原记录，200）")
def enrol(request: HttpRequest, course_id: Id):
    enrolment, created = services.enrol(user=request.user, course_id=course_id)
    return created_or_replayed(created, presenters.enrolment_out(enrolment))


@course_assignments_router.post("", response={200: AssignmentOut, 201: AssignmentOut},
             summary="讲师、负责人或管理员：向人员、单位或角色指派课程（可设完成期限，逐人通知）")
def assign(request: HttpRequest, payload: AssignmentIn):
    result = services.assign(actor=request.user, course_id=payload.course_id, user_ids=payload.user_ids,
                             org_unit_ids=payload.org_unit_ids, roles=list(payload.roles),
                             due_date=payload.due_date, client_id=payload.client_id)
    return created_or_replayed(result.created, {
        "id": result.assignment.pk, "course_id": result.assignment.course_id, "due_date": result.assignment.due_date,
        "enrolled": result.enrolled, "updated": result.updated, "unchanged": result.unchanged})


# --- learning ---------------------------------------------------------------------------------------------
@learning_router.post("/progress", response=ProgressOut,
             summary="上报学习进度（可离线积攒后批量补传；每条 client_id 只计一次，逐条返回结果）")
def record_progress(request: HttpRequest, payload: ProgressIn):
    check_rate(request, "progress")
    outcomes = services.record_progress(user=request.user, items=[
        services.ProgressIn(client_id=i.client_id, lesson_id=i.lesson_id, position_s=i.position_s,
                            watched=[(a, b) for a, b in i.watched], at=i.at) for i in payload.items])
    results = [{"client_id": o.client_id, "status": o.status, "lesson_id": o.lesson_id,
                "code": o.error.code if o.error else None, "message": o.error.message if o.error else None,
                "clamped": o.clamped, "capped": o.capped, "credited_s": o.credited_s, "watched_s": o.watched_s,
                "position_s": o.position_s, "furthest_s": o.furthest_s, "lesson_completed": o.lesson_completed,
                "course_completed": o.course_completed} for o in outcomes]
    return {"results": results, **{s: sum(1 for r in results if r["status"] == s)
                                   for s in ("accepted", "duplicate", "rejected")}}


@learning_router.get("/mine", response=MyLearningOut, summary="我的学习：课程、进度、期限、续播位置、学时")
def my_learning(request: HttpRequest):
    return presenters.my_learning_out(request.user)


@lessons_router.get("/{int:lesson_id}/media", response=MediaLinkOut,
            summary="课时视频或文档的临时链接（签名、限时；视频支持 Range 拖动）")
def lesson_media(request: HttpRequest, lesson_id: Id):
    lesson, media = services.open_media(user=request.user, lesson_id=lesson_id)
    link, expires = signed_url(media.path)
    poster = signed_url(media.poster_path)[0] if media.poster_path else None
    progress = lesson.progress.filter(user=request.user).first()
    from datetime import UTC, datetime

    no_skip = lesson.kind == Lesson.Kind.VIDEO and lesson.course.prevent_skipping
    return {"lesson_id": lesson.pk, "kind": media.kind, "url": request.build_absolute_uri(link),
            "poster_url": request.build_absolute_uri(poster) if poster else None, "content_type": media.content_type,
            "expires_at": datetime.fromtimestamp(expires, tz=UTC), "duration_s": media.duration_s,
            "resume_position_s": progress.position_s if progress else 0,
            "max_seek_s": (progress.furthest_s if progress else 0) if no_skip else None}


@lessons_router.post("/{int:lesson_id}/media", response={201: MediaOut}, openapi_extra=UPLOAD_DOC,
             summary="讲师：上传课时视频（MP4：H.264/AAC）或文档（PDF）；时长、编码与封面帧取自文件本身")
def upload_lesson_media(request: HttpRequest, lesson_id: Id):
    check_rate(request, "upload")
    from django.conf import settings

    upload = _upload(request, max(settings.TRAINING_VIDEO_MAX_BYTES, settings.TRAINING_DOCUMENT_MAX_BYTES))
    lesson = Lesson.objects.filter(pk=lesson_id).values_list("kind", flat=True).first()
    limit = settings.TRAINING_DOCUMENT_MAX_BYTES if lesson == Lesson.Kind.DOCUMENT else settings.TRAINING_VIDEO_MAX_BYTES
    if upload.size > limit:
        from . import video

        raise video.too_large(limit, upload.size)
    path = getattr(upload, "temporary_file_path", None)
    if path is None:  # a small upload held in memory
        import tempfile

        with tempfile.NamedTemporaryFile(suffix=".upload", delete=False) as handle:
            for chunk in upload.chunks():
                handle.write(chunk)
        path = handle.name
        cleanup = True
    else:
        path, cleanup = path(), False
    try:
        media = services.upload_media(actor=request.user, lesson_id=lesson_id, path=path, size=upload.size,
                                      name=upload.name or "")
    finally:
        if cleanup:
            import os

            os.unlink(path)
    return Status(201, media_out(media))


def media_out(media: LessonMedia) -> dict:
    return {"id": media.pk, "kind": media.kind, "content_type": media.content_type, "size_bytes": media.size_bytes,
            "duration_s": media.duration_s, "video_codec": media.video_codec, "audio_codec": media.audio_codec,
            "width": media.width, "height": media.height, "pages": media.pages}


# --- exams ------------------------------------------------------------------------------------------------
@exams_router.get("", response=list[MyExamOut], summary="我可以参加的考试与我的答卷")
def my_exams(request: HttpRequest):
    return presenters.my_exams_out(request.user)


@exams_router.post("/{int:exam_id}/attempts", response={200: AttemptOut, 201: AttemptOut},
             summary="开始考试（题目与选项按本次答卷打乱；未交卷时再次调用返回原答卷，200）")
def start_attempt(request: HttpRequest, exam_id: Id):
    attempt, created = services.start_attempt(user=request.user, exam_id=exam_id)
    return created_or_replayed(created, presenters.attempt_out(attempt))


@attempts_router.get("/{int:attempt_id}", response=AttemptOut,
            summary="我的答卷：答题中为试卷与已保存答案；成绩公布后含得分、正确答案与解析")
def attempt_detail(request: HttpRequest, attempt_id: Id):
    return presenters.attempt_out(selectors.my_attempt(request.user, attempt_id))


@attempts_router.put("/{int:attempt_id}/answers", response=SaveOut,
            summary="自动保存答案（幂等；每题带序号 seq，较旧的保存晚到不会覆盖较新的）")
def save_answers(request: HttpRequest, attempt_id: Id, payload: AnswersIn):
    attempt, results = services.save_answers(user=request.user, attempt_id=attempt_id, answers=[
        services.AnswerIn(a.question_id, a.answer, a.seq) for a in payload.answers])
    return {"attempt_id": attempt.pk, "remaining_s": presenters.remaining(attempt), "results": results}


@attempts_router.post("/{int:attempt_id}/submit", response=AttemptOut,
             summary="交卷并立即评分（可附最后答案；重复交卷返回原结果）")
def submit(request: HttpRequest, attempt_id: Id, payload: SubmitIn | None = None):
    answers = [services.AnswerIn(a.question_id, a.answer, a.seq) for a in payload.answers] if payload else None
    attempt, _ = services.submit(user=request.user, attempt_id=attempt_id, answers=answers or None)
    return presenters.attempt_out(attempt)


@exams_router.get("/{int:exam_id}/analysis", response=AnalysisOut,
            summary="讲师：试题分析（难度系数、高低分组 27% 区分度）与成绩分布")
def exam_analysis(request: HttpRequest, exam_id: Id):
    data = selectors.analysis(request.user, exam_id)
    return {**data, "exam": presenters.exam_info(data["exam"])}


@exams_router.get("/{int:exam_id}/analysis.xlsx", openapi_extra=XLSX_DOC, summary="讲师：试题分析导出 Excel")
def exam_analysis_xlsx(request: HttpRequest, exam_id: Id):
    data = selectors.analysis(request.user, exam_id)
    return _xlsx(export.analysis_workbook(data), f"exam-{exam_id}-analysis.xlsx")


@question_banks_router.post("/{int:bank_id}/import", response=ImportOut, openapi_extra=UPLOAD_DOC,
             summary="讲师：从 Excel 导入试题（按题号新增或更新；逐行报告错误）")
def import_questions(request: HttpRequest, bank_id: Id):
    check_rate(request, "upload")
    upload = _upload(request, 10 * 1024 * 1024)
    return services.import_questions(actor=request.user, bank_id=bank_id, data=upload.read())

