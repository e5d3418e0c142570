from datetime import datetime

from ninja import Schema
from pydantic import Field


class PrivacyGuideOut(Schema):
    version: str
    title: str
    text: str


class PrivacyAcceptIn(Schema):
    version: str = Field(..., min_length=1, max_length=32, description="所同意的指引版本（GET /privacy 的 version）")


class PrivacyAcceptanceOut(Schema):
    version: str
    accepted_at: datetime


class DataExportOut(Schema):
    id: int
    status: str = Field(..., description="pending：生成中，稍后再次请求即可下载；ready：可下载")
    requested_at: datetime
    rows: int


class DeletionRequestIn(Schema):
    reason: str = Field("", max_length=500, description="申请说明（可不填）")


class DeletionRequestOut(Schema):
    id: int
    status: str = Field(..., description="requested：待管理员审核；approved：已匿名化；rejected：已驳回")
    requested_at: datetime
