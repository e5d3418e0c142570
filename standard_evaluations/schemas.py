from __future__ import annotations

from ninja import Schema


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
