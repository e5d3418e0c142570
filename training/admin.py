"""Admin of training: trainers build courses, lessons (uploading videos and documents through the same
checks as the API), question banks and exams here; learning records and graded attempts are facts, shown
read-only."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages

from miniprogram_api.admin import ReadOnlyAdmin
from miniprogram_api.errors import ApiError

from . import services
from .models import (
    Assignment,
    Attempt,
    AttemptAnswer,
    Chapter,
    Course,
    Enrolment,
    Exam,
    ExamQuestion,
    ExamRule,
    KnowledgeTag,
    Lesson,
    LessonMedia,
    LessonProgress,
    ProgressItem,
    Question,
    QuestionBank,
)


class ChapterInline(admin.TabularInline):
    model = Chapter
    extra = 0
    fields = ["order", "title"]


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ["title", "stage", "area", "org_unit", "learning_hours", "state", "open_enrolment", "prevent_skipping"]
    list_filter = ["state", "stage", "area", "for_decision", "for_management", "for_execution", "org_unit"]
    search_fields = ["title", "summary"]
    autocomplete_fields = ["org_unit"]
    filter_horizontal = ["standards"]
    inlines = [ChapterInline]


class LessonForm(forms.ModelForm):
    upload = forms.FileField(label="上传视频或文档", required=False,
                             help_text="视频：MP4（H.264/AAC）；文档：PDF。时长、编码与封面帧取自文件本身")

    class Meta:
        model = Lesson
        fields = ["course", "chapter", "title", "kind", "order", "media", "article", "procedure", "exam"]


@admin.register(Lesson)
class LessonAdmin(admin.ModelAdmin):
    form = LessonForm
    list_display = ["title", "course", "chapter", "kind", "order", "media"]
    list_filter = ["kind", "course"]
    search_fields = ["title", "course__title"]
    raw_id_fields = ["media", "procedure", "exam"]

    def save_model(self, request, obj, form, change):
        upload = form.cleaned_data.get("upload")
        if upload is not None:
            kind = LessonMedia.Kind.DOCUMENT if obj.kind == Lesson.Kind.DOCUMENT else LessonMedia.Kind.VIDEO
            path = upload.temporary_file_path() if hasattr(upload, "temporary_file_path") else None
            if path is None:
                import tempfile

                with tempfile.NamedTemporaryFile(delete=False) as handle:
                    for chunk in upload.chunks():
                        handle.write(chunk)
                path = handle.name
            try:
                obj.media = services.store_media(actor=request.user, kind=kind, path=path, size=upload.size,
                                                 name=upload.name or "")
            except ApiError as error:
                messages.error(request, f"文件未保存：{error.message}")
        super().save_model(request, obj, form, change)


@admin.register(LessonMedia)
class LessonMediaAdmin(ReadOnlyAdmin):
    list_display = ["original_name", "kind", "content_type", "duration_s", "video_codec", "audio_codec", "size_bytes",
                    "uploaded_at"]
    list_filter = ["kind"]
    search_fields = ["original_name", "sha256"]


@admin.register(Enrolment)
class EnrolmentAdmin(admin.ModelAdmin):
    list_display = ["user", "course", "source", "due_date", "enrolled_at", "completed_at"]
    list_filter = ["source", "course"]
    search_fields = ["user__display_name", "course__title"]
    raw_id_fields = ["user", "assignment"]
    readonly_fields = ["completed_at"]


@admin.register(Assignment)
class AssignmentAdmin(ReadOnlyAdmin):
    list_display = ["course", "due_date", "created_by", "created_at"]
    list_filter = ["course"]


@admin.register(LessonProgress)
class LessonProgressAdmin(ReadOnlyAdmin):
    list_display = ["user", "lesson", "credited_s", "position_s", "furthest_s", "completed_at", "updated_at"]
    list_filter = ["course"]
    search_fields = ["user__display_name", "lesson__title"]


@admin.register(ProgressItem)
class ProgressItemAdmin(ReadOnlyAdmin):
    list_display = ["user", "lesson", "client_id", "position_s", "outcome", "credited_s", "client_at", "received_at"]
    list_filter = ["outcome"]
    search_fields = ["user__display_name", "client_id"]


@admin.register(KnowledgeTag)
class KnowledgeTagAdmin(admin.ModelAdmin):
    list_display = ["name", "standard", "competency_code"]
    search_fields = ["name", "competency_code"]


class QuestionInline(admin.TabularInline):
    model = Question
    extra = 0
    fields = ["code", "kind", "difficulty", "stem", "is_active"]
    show_change_link = True


@admin.register(QuestionBank)
class QuestionBankAdmin(admin.ModelAdmin):
    list_display = ["name", "org_unit", "course", "created_at"]
    search_fields = ["name"]
    autocomplete_fields = ["org_unit"]
    inlines = [QuestionInline]


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ["code", "bank", "kind", "difficulty", "stem", "is_active"]
    list_filter = ["bank", "kind", "difficulty", "is_active", "tags"]
    search_fields = ["code", "stem"]
    filter_horizontal = ["tags"]


class ExamQuestionInline(admin.TabularInline):
    model = ExamQuestion
    extra = 0
    raw_id_fields = ["question"]


class ExamRuleInline(admin.TabularInline):
    model = ExamRule
    extra = 0


@admin.register(Exam)
class ExamAdmin(admin.ModelAdmin):
    list_display = ["title", "org_unit", "course", "mode", "time_limit_minutes", "pass_mark", "attempts_allowed",
                    "opens_at", "closes_at", "state"]
    list_filter = ["state", "mode", "release"]
    search_fields = ["title"]
    autocomplete_fields = ["org_unit"]
    inlines = [ExamQuestionInline, ExamRuleInline]


class AttemptAnswerInline(admin.TabularInline):
    model = AttemptAnswer
    extra = 0
    fields = ["question", "answer", "seq", "saved_at", "awarded", "correct"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Attempt)
class AttemptAdmin(ReadOnlyAdmin):
    list_display = ["user", "exam", "number", "state", "started_at", "deadline_at", "submitted_at", "score", "passed"]
    list_filter = ["state", "passed", "exam"]
    search_fields = ["user__display_name", "exam__title"]
    inlines = [AttemptAnswerInline]
