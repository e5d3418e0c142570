"""Request and response schemas of 四评四促. Scores are Decimals (JSON strings, exact)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from ninja import Schema
from pydantic import Field, StrictInt, StrictStr

from miniprogram_api.schema_types import Text
from miniprogram_api.schemas import Id, Int

TargetKindKey = Literal["course", "exam", "trainer", "contest", "studio"]
AudienceKindKey = Literal["enrollees", "candidates", "contestants", "org_units"]
AnswerValue = StrictInt | StrictStr | list[StrictStr] | dict[StrictStr, StrictInt] | None


# --- in -------------------------------------------------------------------------------------------------
class CampaignIn(Schema):
    template_id: Id
    title: Text = Field(..., min_length=1, max_length=200)
    target_kind: TargetKindKey
    target_id: Id
    course_id: Id | None = Field(None, description="讲师评价：所讲课程（按课程学员参评时必填）")
    audience_kind: AudienceKindKey
    audience_unit_ids: list[Id] = Field(default_factory=list, max_length=200)
    org_unit_id: Id | None = Field(None, description="组织单位；默认为评价对象所属单位")
    opens_at: datetime
    closes_at: datetime
    anonymous: bool = True
    min_responses: Int = Field(5, ge=1, le=100, description="匿名结果与交叉分析单元格的最少答卷数")
    threshold: Decimal = Field(Decimal("3.50"), ge=1, le=5, max_digits=3, decimal_places=2,
                               description="5 分制均分低于此值即发起整改")
    action_days: Int = Field(30, ge=1, le=365, description="整改期限（天）")
    client_id: Text | None = Field(None, min_length=1, max_length=100)


class SurveyTemplateIn(Schema):
    code: str = Field(..., min_length=2, max_length=50, pattern=r"^[a-z0-9][a-z0-9_-]*$")
    title: Text = Field(..., min_length=1, max_length=100)
    description: Text = Field("", max_length=1000)
    target_kind: TargetKindKey
    questions: list[dict[StrictStr, Any]] = Field(..., min_length=1, max_length=100,
                                                  description="题目定义，格式见 docs/API.md（key、kind、title、required、"
                                                              "options、rows、scale、show_if、dimension、max_length）")


class ResponseIn(Schema):
    client_id: Text = Field(..., min_length=1, max_length=100, description="手机生成的唯一编号（UUID），重发时保持不变")
    answers: dict[StrictStr, AnswerValue] = Field(..., max_length=200,
                                                  description="{题目编号: 答案}：单选为选项值，多选为选项值列表，"
                                                              "量表/NPS 为整数，矩阵为 {行编号: 整数}，填空为文字")
    answered_at: datetime | None = Field(None, description="离线填写时手机上的作答时间")


class AnonymityIn(Schema):
    anonymous: bool


class ActionEvidenceIn(Schema):
    evidence: Text = Field(..., min_length=1, max_length=4000)


class ActionReviewIn(Schema):
    accept: bool
    note: Text = Field("", max_length=1000)


# --- out ------------------------------------------------------------------------------------------------
class SurveyOptionOut(Schema):
    value: str
    label: str


class MatrixRowDefOut(Schema):
    key: str
    label: str


class SurveyScaleOut(Schema):
    min: int
    max: int


class SurveyQuestionOut(Schema):
    key: str
    kind: Literal["single", "multiple", "scale", "nps", "matrix", "text"]
    title: str
    required: bool
    dimension: str = ""
    options: list[SurveyOptionOut] = []
    rows: list[MatrixRowDefOut] = []
    scale: SurveyScaleOut | None = None
    max_length: int | None = None
    show_if: dict[str, Any] | None = Field(None, description='{"question": 前面的题号, "in": [取值]}：满足时才显示')


class SurveyTemplateOut(Schema):
    id: int
    code: str
    title: str
    description: str
    target_kind: str
    builtin: bool
    questions: list[SurveyQuestionOut]


class SurveyTargetOut(Schema):
    kind: str
    id: int
    label: str


class CampaignOut(Schema):
    id: int
    title: str
    template: str
    target: SurveyTargetOut
    audience_kind: str
    opens_at: datetime
    closes_at: datetime
    state: Literal["scheduled", "open", "closed"]
    anonymous: bool
    min_responses: int
    responded: bool = Field(..., description="我是否已提交")
    organiser: bool = Field(..., description="我是否为组织者")


class CampaignDetailOut(CampaignOut):
    questions: list[SurveyQuestionOut]


class SurveyReceiptOut(Schema):
    survey_id: int
    client_id: str
    submitted_on: date
    anonymous: bool


class NonRespondentOut(Schema):
    id: int
    name: str
    org_unit: str


class SurveyStatusOut(Schema):
    state: str
    audience: int = Field(..., description="当前参评范围内的人数")
    responded: int = Field(..., description="其中已提交的人数")
    responded_total: int = Field(..., description="全部提交数（含已不在参评范围内的人）")
    rate: Decimal = Field(..., description="回收率（%）")
    non_respondents: list[NonRespondentOut]


class SurveyRemindOut(Schema):
    reminded: int


class ScalePointOut(Schema):
    value: str
    label: str
    count: int
    share: Decimal


class MatrixRowOut(Schema):
    key: str
    label: str
    answered: int
    mean: Decimal | None
    distribution: list[ScalePointOut]


class SurveyNpsOut(Schema):
    promoters: int
    passives: int
    detractors: int
    score: Decimal | None


class QuestionResultOut(Schema):
    key: str
    kind: str
    title: str
    dimension: str
    answered: int
    mean: Decimal | None
    nps: SurveyNpsOut | None
    distribution: list[ScalePointOut]
    rows: list[MatrixRowOut]
    texts: list[str]


class ScoredItemOut(Schema):
    key: str
    label: str = ""
    dimension: str = ""
    n: int
    score: Decimal | None


class SurveyUnitRefOut(Schema):
    id: int | None
    name: str


class SurveyUnitCellOut(Schema):
    org_unit: SurveyUnitRefOut
    suppressed: bool
    count: int
    overall: Decimal | None
    items: list[ScoredItemOut]


class SurveyResultsOut(Schema):
    survey_id: int
    title: str
    anonymous: bool
    count: int
    suppressed: Literal["open", "too_few"] | None = Field(..., description="结果不显示的原因")
    suppressed_message: str
    min_responses: int
    overall: Decimal | None = Field(..., description="5 分制总体得分")
    dimensions: dict[str, Decimal | None]
    questions: list[QuestionResultOut]
    items: list[ScoredItemOut]
    units: list[SurveyUnitCellOut]


class SurveyTrendPointOut(Schema):
    campaign_id: int
    title: str
    opens_at: datetime
    closes_at: datetime
    count: int
    suppressed: str | None
    overall: Decimal | None
    dimensions: dict[str, Decimal | None]
    nps: Decimal | None


class ActionEventOut(Schema):
    kind: str
    actor: str | None
    note: str
    at: datetime


class ActionOut(Schema):
    id: int
    target: SurveyTargetOut
    source_kind: str
    source_id: int
    source_label: str
    item_key: str
    item_label: str
    score: Decimal
    threshold: Decimal
    owner: str | None
    due_date: date
    overdue: bool
    state: Literal["open", "submitted", "closed"]
    evidence: str
    recheck: Literal["pending", "passed", "failed"]
    recheck_score: Decimal | None
    events: list[ActionEventOut] = []


class ReactionOut(Schema):
    campaign_id: int
    title: str
    target_kind: str
    count: int
    suppressed: str | None
    overall: Decimal | None
    nps: Decimal | None


class LearningOut(Schema):
    exam_id: int
    title: str
    candidates: int
    mean_score: Decimal | None
    pass_rate: Decimal | None


class RunRatesOut(Schema):
    runs: int
    fail: int
    flag: int
    fail_rate: Decimal | None
    flag_rate: Decimal | None


class BehaviourOut(Schema):
    learners: int = Field(..., description="已结业学员数")
    standards: int = Field(..., description="课程所授标准数")
    before: RunRatesOut
    after: RunRatesOut


class OrderOutcomesOut(Schema):
    completed: int
    deadlines_met: int
    deadline_rate: Decimal | None
    rated: int
    satisfaction: Decimal | None


class ResultsLevelOut(Schema):
    studios: list[str]
    before: OrderOutcomesOut | None
    after: OrderOutcomesOut | None
    cut_before: datetime | None = Field(None, description="此前报修的工单计入“培训前”（首位学员结业时间）")
    cut_after: datetime | None = Field(None, description="此后报修的工单计入“培训后”（末位学员结业时间）")


class CourseRefOut(Schema):
    id: int
    title: str


class CourseReportOut(Schema):
    course: CourseRefOut
    reaction: list[ReactionOut]
    learning: list[LearningOut]
    behaviour: BehaviourOut
    results: ResultsLevelOut
