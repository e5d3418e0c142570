"""Request and response shapes of the work-order API."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from ninja import Schema
from pydantic import Field

from media.schemas import PhotoOut
from miniprogram_api.schema_types import Text
from miniprogram_api.schemas import DateTime, Id, Int

from .lifecycle import ACTIONS, EVENT_LABELS, STATE_LABELS

States = Literal[tuple(STATE_LABELS)]  # type: ignore[valid-type]
Actions = Literal[tuple(ACTIONS)]  # type: ignore[valid-type]
EventActions = Literal[tuple(EVENT_LABELS)]  # type: ignore[valid-type]
Urgencies = Literal["urgent", "normal", "low"]


# --- requests ------------------------------------------------------------------------------------------
class WorkOrderIn(Schema):
    client_id: Text = Field(..., min_length=1, max_length=100, description="手机生成的唯一编号（UUID），重发时保持不变")
    category: Id = Field(..., description="报修类别 id（GET /workorders/categories）")
    point_code: Text | None = Field(None, max_length=300,
                                    description="扫到的实操点二维码（码值或完整链接）或标签上的编号；填写则自动带出位置")
    location_text: Text = Field("", max_length=200, description="位置；扫码报修时可不填")
    description: Text = Field(..., min_length=1, max_length=2000, description="问题描述")
    urgency: Urgencies = "normal"
    photo_ids: list[Id] = Field(default_factory=list, max_length=9, description="先上传照片（POST /uploads/photos）")


class DispatchIn(Schema):
    assignee_id: Id


class WorkOrderReasonIn(Schema):
    reason: Text = Field(..., min_length=1, max_length=500)


class TransferIn(Schema):
    assignee_id: Id
    reason: Text = Field(..., min_length=1, max_length=500)


class ArriveIn(Schema):
    scan_code: Text | None = Field(None, max_length=300,
                                   description="现场实操点的二维码（码值或完整链接）；手动输入标签编号会被标记为可疑")
    source: Literal["camera", "manual"] = "camera"
    client_time: DateTime | None = None
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    accuracy: float | None = Field(None, ge=0, le=100000, description="定位精度（米）")


class WorkOrderCompleteIn(Schema):
    run_ids: list[Id] = Field(default_factory=list, max_length=20, description="为本工单完成的实操记录（本人、已完成）")
    note: Text = Field("", max_length=2000, description="完工说明")
    photo_ids: list[Id] = Field(default_factory=list, max_length=9)


class ConfirmIn(Schema):
    rating: Int = Field(..., ge=1, le=5, description="满意度 1–5")
    comment: Text = Field("", max_length=1000)


# --- responses -----------------------------------------------------------------------------------------
class Named(Schema):
    id: int
    name: str


class WorkOrderPersonOut(Schema):
    id: int
    name: str
    phone: str | None = None


class PointRefOut(Schema):
    id: int
    code: str
    name: str


class ProcedureRefOut(Schema):
    id: int
    code: str
    title: str


class CategoryOut(Schema):
    id: int
    name: str
    studio: Named | None
    required_procedure: ProcedureRefOut | None


class WorkOrderOut(Schema):
    id: int
    number: str
    state: States
    state_label: str
    urgency: Urgencies
    urgency_label: str
    source: Literal["report", "run_step"]
    category: Named | None
    studio: Named | None
    point: PointRefOut | None
    location_text: str
    description: str
    requester: WorkOrderPersonOut
    assignee: WorkOrderPersonOut | None
    created_at: datetime
    respond_by: datetime | None
    finish_by: datetime | None
    responded_at: datetime | None
    arrived_at: datetime | None
    completed_at: datetime | None
    closed_at: datetime | None
    overdue: bool = Field(..., description="未关闭且已超过尚未达成的时限（响应或完成）")
    overdue_kinds: list[Literal["respond", "finish"]]
    rating: int | None
    allowed_actions: list[Actions] = Field(..., description="你现在可以执行的操作")


class WorkOrderEventOut(Schema):
    id: int
    action: EventActions
    action_label: str
    actor: WorkOrderPersonOut | None = Field(..., description="为空表示系统（超时升级）")
    from_state: States | None
    to_state: States
    reason: str
    changes: dict[str, Any]
    data: dict[str, Any]
    photos: list[PhotoOut]
    created_at: datetime


class RunBriefOut(Schema):
    id: int
    procedure: ProcedureRefOut
    point: PointRefOut
    verdict: Literal["pass", "flag", "fail"] | None
    completed_at: datetime | None


class WorkOrderDetailOut(WorkOrderOut):
    completion_note: str
    rating_comment: str
    arrival_flags: list[str]
    source_run_id: int | None
    source_step_id: int | None
    photos: list[PhotoOut]
    runs: list[RunBriefOut]
    history: list[WorkOrderEventOut]


class WorkOrderListOut(Schema):
    count: int
    items: list[WorkOrderOut]


# --- statistics ----------------------------------------------------------------------------------------
class DurationOut(Schema):
    count: int
    median: float | None
    p90: float | None


class GroupStatsOut(Schema):
    id: int | None
    name: str
    total: int
    completed: int
    overdue: int
    overdue_rate: float | None
    first_response_minutes: DurationOut
    completion_minutes: DurationOut
    rated: int
    satisfaction: float | None


class CountOut(Schema):
    id: int | None
    name: str
    count: int


class StatsOut(Schema):
    date_from: str
    date_to: str
    overall: GroupStatsOut
    by_state: dict[str, int]
    by_category: list[CountOut]
    by_studio: list[GroupStatsOut]
    by_worker: list[GroupStatsOut]
