from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from ninja import Field, Schema

from miniprogram_api.schemas import Date, Id


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


class CampaignIn(Schema):
    system_id: Id
    standard_id: Id
    unit_id: Id
    title: str = Field(min_length=1, max_length=200)
    date_from: Date
    date_to: Date
    expert_ids: list[Id] = Field(min_length=1, max_length=50)


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


class CampaignOut(Schema):
    id: int
    title: str
    state: str
    system: SystemHead
    standard: CampaignStandard
    unit: UnitRef
    date_from: Date
    date_to: Date
    panel_size: int
    progress: Progress
    score: Decimal | None
    dimensions: list[ScoredDimension]
