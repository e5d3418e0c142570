from __future__ import annotations

from ninja import Schema


class UnitOut(Schema):
    id: int
    name: str
    kind: str
    parent_id: int | None = None


class CountBy(Schema):
    key: str
    label: str
    standards: int
    with_recent_runs: int


class StandardsBlock(Schema):
    effective: int
    with_recent_runs: int
    with_recent_runs_share: float | None
    by_level: list[CountBy]
    by_category: list[CountBy]


class PracticeBlock(Schema):
    runs: int
    passed: int
    pass_rate: float | None
    problem_runs: int
    scans: int
    flagged_scans: int
    flagged_share: float | None


class WorkOrdersBlock(Schema):
    orders: int
    completed: int
    deadlines_met: int
    deadlines_met_rate: float | None
    median_response_minutes: float | None
    rated: int
    satisfaction: float | None


class TrainingBlock(Schema):
    assigned: int
    assigned_completed: int
    assigned_completion_rate: float | None
    completed: int
    hours: float
    exam_attempts: int
    exam_passed: int
    exam_pass_rate: float | None


class ContestsBlock(Schema):
    held: int
    events_published: int
    contestants: int
    awards: int
    awards_by_tier: dict[str, int]


class ApprenticeshipsBlock(Schema):
    active: int
    red: int
    amber: int
    green: int
    completed_this_year: int


class EvaluationsBlock(Schema):
    available: bool
    survey_response_rate: float | None
    mean_satisfaction: float | None
    open_improvement_actions: int | None
    improvement_actions_opened: int | None = None
    surveys_closed: int | None = None
    survey_audience: int | None = None
    survey_responded: int | None = None


class UnitFigures(Schema):
    unit: UnitOut
    standards: StandardsBlock
    practice: PracticeBlock
    workorders: WorkOrdersBlock
    training: TrainingBlock
    contests: ContestsBlock
    apprenticeships: ApprenticeshipsBlock
    evaluations: EvaluationsBlock


class OverviewOut(Schema):
    unit: UnitOut
    date_from: str
    date_to: str
    generated_at: str
    total: UnitFigures
    units: list[UnitFigures]
