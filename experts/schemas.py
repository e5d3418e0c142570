"""Request and response schemas of the expert roster."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from ninja import Schema
from pydantic import Field

from miniprogram_api.schema_types import Text
from miniprogram_api.schemas import Date, Id, Int

CategoryKey = Literal["local", "lecturer", "judge", "reviewer"]


# --- in -------------------------------------------------------------------------------------------------
class ApplicationIn(Schema):
    client_id: Text | None = Field(None, min_length=1, max_length=64, description="重发时保持不变")
    name: Text = Field("", max_length=40, description="姓名，不填为账号姓名")
    categories: list[CategoryKey] = Field(..., max_length=4, description="申请的专家类别")
    speciality_ids: list[Id] = Field(..., max_length=30)
    org_unit_id: Id | None = Field(None, description="系统内单位，不填为本人所属单位")
    unit_name: Text = Field("", max_length=100, description="工作单位（系统外单位填写）")
    title: Text = Field("", max_length=40, description="职称")
    skill_level: Text = Field("", max_length=20, description="技能等级")
    phone: Text = Field("", max_length=20)
    statement: Text = Field("", max_length=4000, description="个人简介、主要业绩")


class RejectIn(Schema):
    reason: Text = Field(..., min_length=1, max_length=300)


class DrawIn(Schema):
    purpose: Text = Field(..., min_length=1, max_length=200, description="用途，例如某比武项目的裁判组")
    specialities: list[Id] = Field(default_factory=list, max_length=30, description="专业（含下级），不填为不限")
    categories: list[CategoryKey] = Field(default_factory=list, max_length=4, description="类别，不填为不限")
    count: Int = Field(..., ge=1, le=50)
    backups: Int = Field(0, ge=0, le=50)
    avoid_units: list[Id] = Field(default_factory=list, max_length=200,
                                  description="回避单位：选手所在单位、被评价单位等（含下级单位）")
    avoid_persons: list[Id] = Field(default_factory=list, max_length=500, description="回避人员（用户 id）")


class InvitationAnswerIn(Schema):
    accept: bool
    reason: Text = Field("", max_length=200, description="谢绝原因（谢绝时必填）")


class CertificationIn(Schema):
    client_id: Text | None = Field(None, min_length=1, max_length=64, description="重发时保持不变")
    name: Text = Field(..., min_length=1, max_length=100, description="证书名称")
    number: Text = Field("", max_length=60, description="证书编号")
    issued_on: Date | None = Field(None, description="发证日期")
    expires_on: Date | None = Field(None, description="有效期至（长期有效不填）")


# --- out ------------------------------------------------------------------------------------------------
class SpecialityOut(Schema):
    id: int
    name: str
    code: str
    parent_id: int | None


class CertificationOut(Schema):
    id: int
    name: str
    number: str
    issued_on: date | None
    expires_on: date | None
    expired: bool


class AvoidanceOut(Schema):
    org_unit_id: int | None
    unit_name: str
    person_id: int | None
    person_name: str
    reason: str


class JudgingSummaryOut(Schema):
    """The judge's analytics of one published event (competitions; docs/SCORING.md "Judge analytics"):
    deviations in percent of the aspect's scale."""
    event_id: int
    event: str
    contest: str
    marks: int
    entries: int
    signed_deviation: str | None
    absolute_deviation: str | None
    outside_tolerance: int
    outside_share: str | None
    rank_correlation: str | None
    own_unit_signed_deviation: str | None
    other_units_signed_deviation: str | None


class EngagementOut(Schema):
    kind: str
    kind_label: str
    ref: str
    title: str
    role: str
    occurred_on: date
    judging: JudgingSummaryOut | None = Field(None, description="执裁比武且成绩已公布时：该裁判在该项目的评分偏差汇总")


class ExpertRatingOut(Schema):
    source: str
    title: str
    score: Decimal
    scale_max: Decimal
    responses: int
    rated_on: date


class ExpertOut(Schema):
    id: int
    code: str
    name: str
    user_id: int | None
    org_unit_id: int | None
    unit: str
    title: str
    skill_level: str
    phone: str = Field(..., description="他人查看时打码")
    status: str
    status_label: str
    categories: list[str]
    category_labels: list[str]
    speciality_ids: list[int]
    specialities: list[str]


class ExpertRecordOut(ExpertOut):
    certifications: list[CertificationOut]
    avoidances: list[AvoidanceOut]
    engagements: list[EngagementOut]
    ratings: list[ExpertRatingOut]
    rating_mean: Decimal | None


class ExpertPage(Schema):
    count: int
    items: list[ExpertOut]


class ApplicationOut(Schema):
    id: int
    name: str
    applicant_id: int | None
    org_unit_id: int | None
    unit: str
    title: str
    skill_level: str
    phone: str
    categories: list[str]
    speciality_ids: list[int]
    statement: str
    cv_name: str
    cv_url: str | None = Field(None, description="简历的限时链接")
    status: str
    status_label: str
    reason: str
    expert_id: int | None
    expert_code: str | None
    created_at: datetime
    reviewed_at: datetime | None


class BindingCodeOut(Schema):
    expert_id: int
    user_id: int
    binding_code: str = Field(..., description="一次性绑定码：专家首次微信登录时填写；再次生成则旧码作废")
    expires_at: datetime


class SeatOut(Schema):
    id: int
    position: int
    is_backup: bool
    status: str
    status_label: str
    expert_id: int
    expert_code: str
    expert_name: str
    unit: str
    invited_at: datetime | None
    answered_at: datetime | None
    reason: str


class CandidateOut(Schema):
    id: int
    code: str


class DrawOut(Schema):
    id: int
    purpose: str
    subject: str
    specialities: list[int]
    categories: list[str]
    count: int
    backups: int
    avoid_units: list[int]
    avoid_persons: list[int]
    seed: str
    algorithm: str
    candidates: list[CandidateOut]
    created_at: datetime
    members: list[SeatOut]
    backup_seats: list[SeatOut]


class VerifyOut(Schema):
    draw_id: int
    algorithm: str
    seed: str
    candidates: list[str]
    expected_members: list[str]
    expected_backups: list[str]
    recorded_members: list[str]
    recorded_backups: list[str]
    matches: bool
    procedure: str


class InvitationOut(Schema):
    seat: SeatOut
    draw_id: int
    purpose: str


class CountRow(Schema):
    category: str
    label: str
    count: int


class SpecialityCount(Schema):
    speciality_id: int
    name: str
    count: int


class CountsOut(Schema):
    total: int
    by_category: list[CountRow]
    by_speciality: list[SpecialityCount]
