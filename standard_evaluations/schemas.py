from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from ninja import Field, Schema

from miniprogram_api.schemas import Date, Id, Int


class UnitRef(Schema):
    id: int
    name: str


class StandardRef(Schema):
    id: int
    code: str
    title: str
    level: str
    category: str


class ImplementationFigures(Schema):
    runs: int
    problem_runs: int
    problem_share: float | None
    corrective_orders: int
    closed_orders: int
    median_close_minutes: float | None
    learners: int
    exam_answers: int
    exam_correct: int
    exam_pass_rate: float | None


class ImplementationMonth(ImplementationFigures):
    month: str


class FailingStep(Schema):
    procedure_code: str
    position: int
    title: str
    count: int
    fail: int
    flag: int


class ImplementationOut(Schema):
    standard: StandardRef
    unit: UnitRef
    date_from: str
    date_to: str
    procedures: int
    published_procedures: int
    points: int
    totals: ImplementationFigures
    months: list[ImplementationMonth]
    failing_steps: list[FailingStep]


class IndicatorOut(Schema):
    id: int
    code: str
    name: str
    weight: Decimal
    max_score: Decimal
    scoring_rule: str
    evidence_required: list[str]
    evidence_labels: list[str]
    measure: str


class DimensionOut(Schema):
    id: int
    code: str
    name: str
    weight: Decimal
    description: str
    indicators: list[IndicatorOut]


class SystemHead(Schema):
    id: int
    code: str
    version: int
    name: str
    basis: str
    description: str
    state: str
    published_at: datetime | None
    dimension_count: int | None = None
    indicator_count: int | None = None


class SystemOut(SystemHead):
    dimensions: list[DimensionOut]


class SystemListOut(Schema):
    count: int
    items: list[SystemHead]


class PanelDrawIn(Schema):
    count: Int = Field(..., ge=1, le=30, description="抽取评审专家人数（确认后入专家组）")
    backups: Int = Field(0, ge=0, le=30, description="备选人数（有人谢绝时依次递补）")
    speciality_ids: list[Id] = Field(default_factory=list, max_length=30, description="专业（含下级），不填为不限")


class EvaluationCampaignIn(Schema):
    system_id: Id
    standard_id: Id
    unit_id: Id
    title: str = Field(min_length=1, max_length=200)
    date_from: Date
    date_to: Date
    expert_ids: list[Id] = Field(default_factory=list, max_length=50,
                                 description="指定的评审专家；与 panel_draw 至少填一项")
    panel_draw: PanelDrawIn | None = Field(None, description="从专家库抽取评审专家（回避被评价单位）")
    threshold: Decimal | None = Field(None, ge=0, le=100, max_digits=5, decimal_places=2,
                                      description="整改阈值：指标得分率（%）低于此值列为问题，默认 60")


class CloseIn(Schema):
    reason: str = Field("", max_length=300, description="评审未全部完成时必填")


class EvaluationPanelSeatOut(Schema):
    seat_id: int
    position: int
    is_backup: bool
    status: str
    expert_code: str
    expert_name: str


class PanelDrawOut(Schema):
    draw_id: int
    seed: str
    candidates: int
    avoid_units: list[int]
    members: list[EvaluationPanelSeatOut]
    backups: list[EvaluationPanelSeatOut]


class EvaluationPanelMemberOut(Schema):
    expert_id: int
    name: str
    source: str
    draw_id: int | None


class ScoreIn(Schema):
    indicator_id: Id
    score: Decimal = Field(max_digits=6, decimal_places=2)
    comment: str = Field("", max_length=2000)
    evidence: list[dict] = Field(default_factory=list, max_length=50)


class ScoredIndicator(Schema):
    id: int
    code: str
    name: str
    weight: Decimal
    experts_scored: int
    reviewed: bool
    score: Decimal | None
    percent: Decimal | None
    prefilled: dict | None


class ScoredDimension(Schema):
    id: int
    code: str
    name: str
    weight: Decimal
    score: Decimal | None
    indicators: list[ScoredIndicator]


class Progress(Schema):
    indicators: int
    reviewed: int
    share: float | None


class CampaignStandard(Schema):
    id: int
    code: str
    title: str


class EvaluationCampaignOut(Schema):
    id: int
    title: str
    state: str
    system: SystemHead
    standard: CampaignStandard
    unit: UnitRef
    date_from: Date
    date_to: Date
    panel_size: int
    panel: list[EvaluationPanelMemberOut]
    threshold: Decimal
    closed_at: datetime | None
    close_reason: str
    progress: Progress
    score: Decimal | None
    dimensions: list[ScoredDimension]


class EvaluationActionOut(Schema):
    id: int
    item_key: str
    item_label: str
    score: Decimal
    threshold: Decimal
    owner: str | None
    due_date: Date
    state: str


class PreviousActionOut(EvaluationActionOut):
    """An action of an earlier evaluation of the same (standard, unit), with its re-check outcome."""
    campaign_id: int = Field(description="the earlier evaluation that opened it")
    campaign_title: str
    recheck: Literal["pending", "passed", "failed"] = Field(
        description="pending: not re-checked yet; passed: re-scored at or above the threshold (复查通过); "
                    "failed: still below it (复查未通过, a new action is opened by the re-checking evaluation)")
    recheck_score: Decimal | None = Field(description="the score rate (%) of the re-checking evaluation")
    recheck_campaign_id: int | None = Field(description="the evaluation that re-checked it")


class ReportOut(EvaluationCampaignOut):
    strengths: list[ScoredIndicator]
    problems: list[ScoredIndicator]
    actions: list[EvaluationActionOut]
    previous_actions: list[PreviousActionOut] = Field(
        description="the previous evaluation's actions, and older ones this evaluation re-checked")
    draws: list[PanelDrawOut]
