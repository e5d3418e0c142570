from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.conf import settings
from ninja import Schema
from pydantic import Field

from media.schemas import PhotoOut
from miniprogram_api.schema_types import Text
from miniprogram_api.schemas import DateTime, Id
from standards.schemas import PointBriefOut, ProcedureTreeOut, StudioOut

from .services import ScanPlace

ClientId = Field(..., min_length=1, max_length=100, description="手机生成的唯一编号（UUID），重发时保持不变")


class OfflineScanIn(Schema):
    """How the point was scanned, for runs made offline (the scan is logged when they sync)."""

    source: Literal["camera", "manual"] = "camera"
    client_time: DateTime | None = None
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    accuracy: float | None = Field(None, ge=0, le=100000, description="定位精度（米）")


class RunIn(Schema):
    client_id: Text = ClientId
    point_code: Text = Field(..., min_length=1, max_length=64,
                            description="扫到的二维码码值（或手动输入的标签编号，如 HVAC-01，会被标记为可疑）")
    procedure_version_id: Id
    started_at: DateTime
    scan_id: Id | None = Field(None, description="GET /scan 返回的 scan_id；不填时自动关联本人最近一次扫码")
    scan: OfflineScanIn | None = Field(None, description="离线扫码的情况（没有 scan_id 时）")

    def scan_place(self) -> ScanPlace | None:
        if self.scan is None:
            return None
        return ScanPlace(source=self.scan.source, client_time=self.scan.client_time,
                         latitude=self.scan.latitude, longitude=self.scan.longitude, accuracy=self.scan.accuracy)


class StepIn(Schema):
    client_id: Text = ClientId
    step_id: Id
    value: Any = Field(None, description='check: "pass"|"flag"|"fail"；number/meter：数字；choice：选项值；'
                                         "text：文字；photo/signature：不填（图片放 photo_ids）")
    note: Text = Field("", max_length=2000)
    photo_ids: list[Id] = Field(default_factory=list, max_length=9)
    recorded_at: DateTime | None = None


class CorrectionIn(StepIn):
    reason: Text = Field(..., min_length=1, max_length=500, description="更正原因")


class RunCompleteIn(Schema):
    completed_at: DateTime | None = None


class RunReviewIn(Schema):
    decision: Literal["approved", "rejected"]
    comment: Text = Field("", max_length=2000, description="退回时必填")
    client_id: Text | None = Field(None, min_length=1, max_length=100)


class SyncRunIn(RunIn):
    steps: list[StepIn] = Field(default_factory=list, max_length=settings.SYNC_MAX_STEPS)
    completed_at: DateTime | None = Field(None, description="填写则在记录步骤后完成该实操")


class SyncIn(Schema):
    runs: list[Any] = Field(
        ..., max_length=settings.SYNC_MAX_RUNS,
        description="离线产生的实操，按发生顺序；每项的字段见 SyncRunIn（run 字段 + steps + completed_at）。"
                    "每项单独校验：格式错误的一项会被拒绝，不影响其他项",
    )


# --- responses ----------------------------------------------------------------------------------------
class PersonOut(Schema):
    id: int
    name: str


class RecordOut(Schema):
    id: int
    client_id: str
    run_id: int
    step_id: int
    value: Any
    verdict: Literal["pass", "flag", "fail"]
    note: str
    photo_ids: list[int]
    photos: list[PhotoOut]
    recorded_at: datetime
    received_at: datetime
    supersedes_id: int | None
    superseded: bool
    is_correction: bool
    correction_reason: str


class RunPointOut(Schema):
    id: int
    code: str
    name: str


class RunProcedureOut(Schema):
    id: int
    code: str
    title: str
    standard_code: str


class RunOut(Schema):
    id: int
    client_id: str
    status: Literal["open", "completed"]
    verdict: Literal["pass", "flag", "fail"] | None
    review_state: Literal["pending", "approved", "rejected"] | None
    point: RunPointOut
    studio: StudioOut
    procedure: RunProcedureOut
    procedure_version_id: int
    version: int
    performer: PersonOut
    flags: list[str]
    scan_id: int | None
    started_at: datetime
    completed_at: datetime | None
    created_at: datetime


class RunReviewOut(Schema):
    id: int
    run_id: int
    decision: Literal["approved", "rejected"]
    comment: str
    reviewer: PersonOut
    created_at: datetime


class WorkOrderBriefOut(Schema):
    id: int
    number: str
    state: str
    urgency: str
    step_id: int | None
    description: str
    created_at: datetime


class RunDetailOut(RunOut):
    records: list[RecordOut]
    reviews: list[RunReviewOut]
    work_orders: list[WorkOrderBriefOut]


class RunListOut(Schema):
    count: int
    items: list[RunOut]


class OpenRunRecordOut(Schema):
    step_id: int
    record_id: int
    verdict: str


class OpenRunOut(Schema):
    id: int
    client_id: str
    procedure_id: int
    procedure_version_id: int
    started_at: datetime
    records: list[OpenRunRecordOut]


class ScanOut(Schema):
    scan_id: int
    code: str
    flags: list[str] = Field(..., description="可疑标记：manual_entry / outside_radius / clock_skew")
    suspicious: bool
    point: PointBriefOut
    procedures: list[ProcedureTreeOut]
    open_run: OpenRunOut | None
    open_runs: list[OpenRunOut]
    server_time: datetime


class SyncPartOut(Schema):
    status: Literal["created", "already_had", "rejected"]
    code: str | None = None
    message: str | None = None
    detail: Any = None


class SyncStepOut(SyncPartOut):
    client_id: str | None
    step_id: int | None
    record: RecordOut | None


class SyncRunOut(SyncPartOut):
    client_id: str | None
    run_id: int | None
    run: RunOut | None
    steps: list[SyncStepOut]
    complete: SyncPartOut | None


class SyncOut(Schema):
    results: list[SyncRunOut]
    server_time: datetime
