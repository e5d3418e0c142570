"""Request and response schemas of training. Seconds and scores are Decimals (JSON strings, exact)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Schema
from pydantic import Field

from miniprogram_api.schema_types import Text
from miniprogram_api.schemas import Date, DateTime, Id, Int

ClientId = Field(..., min_length=1, max_length=100, description="手机生成的唯一编号（UUID），重发时保持不变")
Seconds = Annotated[Decimal, Field(ge=0, le=86400, max_digits=8, decimal_places=3)]
LayerKey = Literal["decision", "management", "execution"]
StageKey = Literal["theory", "guidance", "post_skill", "certification"]
AnswerValue = bool | str | list[Annotated[str, Field(max_length=200)]] | None
# The key: as an answer, except fill-in-the-blank, which lists the accepted answers of each blank.
KeyValue = bool | str | list[str] | list[list[str]] | None


# --- in -------------------------------------------------------------------------------------------------
class AssignmentIn(Schema):
    course_id: Id
    user_ids: list[Id] = Field(default_factory=list, max_length=2000)
    org_unit_ids: list[Id] = Field(default_factory=list, max_length=200)
    roles: list[Literal["worker", "master", "apprentice", "workshop_leader", "trainer", "dispatcher", "judge",
                        "chief_judge", "arbitrator"]] = Field(default_factory=list, max_length=10)
    due_date: Date | None = Field(None, description="完成期限（北京时间日期），不填为不限期")
    client_id: Text | None = Field(None, min_length=1, max_length=100, description="重发时保持不变")


class ProgressItemIn(Schema):
    client_id: Text = ClientId
    lesson_id: Id
    position_s: Seconds = Field(..., description="当前播放位置（秒），用于续播")
    watched: list[tuple[Seconds, Seconds]] = Field(default_factory=list, max_length=200,
                                                   description="本次上报以来看过的区间 [[从, 到], …]（秒）")
    at: DateTime = Field(..., description="手机记录这条进度的时间")


class ProgressIn(Schema):
    items: list[ProgressItemIn] = Field(..., min_length=1, max_length=200)


class AnswerIn(Schema):
    question_id: Id
    answer: AnswerValue = Field(..., description="单选 \"A\"；多选 [\"A\",\"C\"]；判断 true/false；填空 [\"…\", …]；null 清空")
    seq: Int = Field(..., ge=0, le=2**53, description="本题的客户端序号：每次修改加一；较旧的保存晚到时不会覆盖较新的")


class AnswersIn(Schema):
    answers: list[AnswerIn] = Field(..., min_length=1, max_length=500)


class SubmitIn(Schema):
    answers: list[AnswerIn] = Field(default_factory=list, max_length=500,
                                    description="交卷时一并提交的最后答案（可不填）")


# --- out ------------------------------------------------------------------------------------------------
class TrainingNamedOut(Schema):
    id: int
    name: str


class StandardBriefOut(Schema):
    id: int
    code: str
    title: str


class LessonProcedureOut(Schema):
    id: int
    code: str
    title: str


class EnrolmentOut(Schema):
    course_id: int
    source: str
    enrolled_at: datetime
    due_date: date | None
    overdue: bool
    completed_at: datetime | None


class CourseOut(Schema):
    id: int
    title: str
    summary: str
    cover_url: str | None
    layers: list[str]
    stage: str
    stage_label: str
    area: str
    area_label: str
    studio: TrainingNamedOut
    learning_hours: Decimal
    lessons: int
    state: str
    open_enrolment: bool
    prevent_skipping: bool
    standards: list[StandardBriefOut]
    enrolled: bool
    progress_pct: Decimal | None
    due_date: date | None
    overdue: bool
    completed_at: datetime | None


class CourseListOut(Schema):
    count: int
    items: list[CourseOut]


class MatrixKeyOut(Schema):
    key: str
    label: str


class MatrixCellOut(Schema):
    layer: str
    layer_label: str
    stage: str
    stage_label: str
    count: int


class MatrixOut(Schema):
    layers: list[MatrixKeyOut]
    stages: list[MatrixKeyOut]
    cells: list[MatrixCellOut]
    total: int


class ArticleBlockOut(Schema):
    kind: Literal["heading", "paragraph"]
    text: str


class LessonProgressOut(Schema):
    completed: bool
    completed_at: datetime | None
    credited_s: Decimal
    position_s: Decimal
    furthest_s: Decimal
    watched_pct: Decimal | None


class LessonOut(Schema):
    id: int
    title: str
    kind: str
    kind_label: str
    duration_s: Decimal | None
    has_media: bool
    article: list[ArticleBlockOut] | None
    procedure: LessonProcedureOut | None
    exam_id: int | None
    progress: LessonProgressOut | None


class ChapterOut(Schema):
    id: int
    title: str
    lessons: list[LessonOut]


class ExamBriefOut(Schema):
    id: int
    title: str


class CourseDetailOut(CourseOut):
    completion_share: Decimal
    chapters: list[ChapterOut]
    enrolment: EnrolmentOut | None
    exams: list[ExamBriefOut]


class AssignmentOut(Schema):
    id: int
    course_id: int
    due_date: date | None
    enrolled: list[int]
    updated: list[int]
    unchanged: list[int]


class ProgressResultOut(Schema):
    client_id: str
    status: Literal["accepted", "duplicate", "rejected"]
    lesson_id: int | None
    code: str | None
    message: str | None
    clamped: bool
    capped: bool
    credited_s: Decimal | None
    watched_s: Decimal | None
    position_s: Decimal | None
    furthest_s: Decimal | None
    lesson_completed: bool
    course_completed: bool


class ProgressOut(Schema):
    results: list[ProgressResultOut]
    accepted: int
    duplicate: int
    rejected: int


class ResumeOut(Schema):
    lesson_id: int
    title: str
    position_s: Decimal


class MyCourseOut(Schema):
    course: CourseOut
    lessons: int
    completed_lessons: int
    progress_pct: Decimal
    due_date: date | None
    overdue: bool
    completed_at: datetime | None
    resume: ResumeOut | None
    hours: Decimal


class MyLearningOut(Schema):
    courses: list[MyCourseOut]
    hours: Decimal
    completed: int
    in_progress: int
    overdue: int


class MediaLinkOut(Schema):
    lesson_id: int
    kind: str
    url: str
    poster_url: str | None
    content_type: str
    expires_at: datetime
    duration_s: Decimal | None
    resume_position_s: Decimal
    max_seek_s: Decimal | None = Field(..., description="禁止跳过时：可拖动到的最远位置（秒）")


class MediaOut(Schema):
    id: int
    kind: str
    content_type: str
    size_bytes: int
    duration_s: Decimal | None
    video_codec: str
    audio_codec: str
    width: int | None
    height: int | None
    pages: int | None


class ChoiceOut(Schema):
    key: str
    text: str


class PaperQuestionOut(Schema):
    question_id: int
    kind: str
    stem: str
    options: list[ChoiceOut]
    blanks: int
    points: Decimal


class SavedAnswerOut(Schema):
    question_id: int
    answer: AnswerValue
    seq: int


class ResultItemOut(Schema):
    question_id: int
    awarded: Decimal
    correct: bool
    your_answer: AnswerValue
    correct_answer: KeyValue = Field(..., description="填空题为每个空的可接受答案列表")
    explanation: str


class AttemptResultOut(Schema):
    points: Decimal
    total_points: Decimal
    score: Decimal
    passed: bool
    items: list[ResultItemOut]


class ExamInfoOut(Schema):
    id: int
    title: str
    time_limit_minutes: int
    pass_mark: Decimal
    attempts_allowed: int
    opens_at: datetime | None
    closes_at: datetime | None
    release: str


class AttemptOut(Schema):
    id: int
    exam: ExamInfoOut
    number: int
    state: str
    started_at: datetime
    deadline_at: datetime
    remaining_s: int
    submitted_at: datetime | None
    questions: list[PaperQuestionOut]
    answers: list[SavedAnswerOut]
    released: bool
    result: AttemptResultOut | None


class SaveResultOut(Schema):
    question_id: int
    status: Literal["saved", "stale"]
    seq: int


class SaveOut(Schema):
    attempt_id: int
    remaining_s: int
    results: list[SaveResultOut]


class AttemptBriefOut(Schema):
    id: int
    number: int
    state: str
    started_at: datetime
    submitted_at: datetime | None
    released: bool
    score: Decimal | None
    passed: bool | None


class MyExamOut(Schema):
    exam: ExamInfoOut
    course_id: int | None
    may_start: bool
    attempts_left: int
    attempts: list[AttemptBriefOut]


class DistributionOut(Schema):
    low: int = Field(..., description="分数段下限（含）")
    high: int = Field(..., description="分数段上限（不含；最后一段含 100）")
    count: int


class ItemAnalysisOut(Schema):
    question_id: int
    code: str
    kind: str
    stem: str
    difficulty: str
    attempts: int
    difficulty_index: Decimal
    discrimination: Decimal | None


class AnalysisOut(Schema):
    exam: ExamInfoOut
    attempts: int
    candidates: int
    mean: Decimal | None
    median: Decimal | None
    pass_rate: Decimal | None
    group_size: int
    distribution: list[DistributionOut]
    items: list[ItemAnalysisOut]


class ImportErrorOut(Schema):
    row: int
    field: str
    message: str


class ImportOut(Schema):
    bank_id: int
    created: int
    updated: int
    rejected: int
    errors: list[ImportErrorOut]


class LearnerRowOut(Schema):
    user: TrainingNamedOut
    enrolled: int
    assigned: int
    completed: int
    overdue: int
    hours: Decimal
    exam_attempts: int
    exams_passed: int
    pass_rate: Decimal | None


class CourseRowOut(Schema):
    course_id: int
    title: str
    enrolled: int
    assigned: int
    completed: int
    overdue: int
    completion_pct: Decimal


class LearningTotalsOut(Schema):
    enrolled: int
    assigned: int
    completed: int
    overdue: int
    behind: int
    hours: Decimal
    exam_attempts: int
    pass_rate: Decimal | None


class StudioLearningOut(Schema):
    studio: TrainingNamedOut
    today: date
    people: int
    totals: LearningTotalsOut
    rows: list[LearnerRowOut]
    courses: list[CourseRowOut]
