from __future__ import annotations

from datetime import date
from typing import Literal

from ninja import Schema
from pydantic import Field

from miniprogram_api.schema_types import Text


class StudioOut(Schema):
    id: int
    name: str


class ConditionOut(Schema):
    step_id: int
    verdicts: list[str] = Field(..., description="前置步骤的结论为其中之一时才显示本步骤，例如 [\"fail\", \"flag\"]")


class OptionOut(Schema):
    value: str
    label: str
    verdict: Literal["pass", "flag", "fail"]


class StepOut(Schema):
    id: int
    position: int
    title: str
    instructions: str
    type: Literal["check", "number", "choice", "text", "photo", "signature", "meter"]
    required: bool
    unit: str
    lower_limit: float | None = Field(None, description="数值步骤：低于下限判为不合格")
    upper_limit: float | None = Field(None, description="数值步骤：高于上限判为不合格")
    threshold: float | None = Field(None, description="仪表读数步骤：超过阈值判为关注")
    min_photos: int = Field(0, description="照片步骤的最少张数；签名为 1")
    options: list[OptionOut]
    condition: ConditionOut | None


class ProcedureTreeOut(Schema):
    id: int
    version_id: int
    version: int
    code: str
    title: str
    standard_code: str
    standard_title: str
    steps: list[StepOut]


class PointBriefOut(Schema):
    id: int
    code: str
    name: str
    location_text: str
    studio: StudioOut
    latitude: float | None
    longitude: float | None
    radius_m: int | None
    is_active: bool


class PointProcedureOut(Schema):
    id: int
    code: str
    title: str
    standard_code: str
    version_id: int | None


class PointOut(PointBriefOut):
    qr_code: str | None = Field(None, description="当前有效的二维码码值（作废后为 null）")
    qr_link: str | None = Field(None, description="二维码内容：PUBLIC_BASE_URL/q/<码值>")
    procedures: list[PointProcedureOut]
    label_url: str
    wxacode_url: str


class PointListOut(Schema):
    count: int
    items: list[PointOut]


class CodeChangeIn(Schema):
    reason: Text = Field("", max_length=200, description="原因（标签丢失、被复制等）")


class StandardProcedureOut(Schema):
    id: int
    code: str
    title: str
    version_id: int | None


class StandardOut(Schema):
    id: int
    code: str
    title: str
    level: str
    level_display: str
    category: str
    category_display: str
    status: str
    status_display: str
    version: str
    effective_date: date | None
    procedures: list[StandardProcedureOut]
