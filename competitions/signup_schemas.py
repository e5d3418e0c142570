"""Schemas of sign-up, the lot draw, team entries and rounds (issue 17)."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from ninja import Schema
from pydantic import Field

from miniprogram_api.schemas import Id


class SignUpIn(Schema):
    skill_level: Literal["", "level5", "level4", "level3", "level2", "level1"] = Field(
        "", description="申报的国家职业技能等级（level5 五级/初级工 … level1 一级/高级技师）")
    certificate_no: str = Field("", max_length=64, description="技能等级证书编号，供主办方审核")
    team_name: str = Field("", max_length=100, description="团体赛：队名")
    members: list[Id] = Field(default_factory=list, max_length=5, description="团体赛：队员用户 ID（不含或含队长均可）")


class SignUpMemberOut(Schema):
    id: int
    name: str


class SignUpOut(Schema):
    id: int
    event_id: int
    applicant_id: int
    applicant: str
    unit: str
    team_name: str
    members: list[SignUpMemberOut]
    skill_level: str
    certificate_no: str
    status: Literal["pending", "approved", "rejected"]
    decision_reason: str
    decided_at: str | None
    created_at: str
    entry_id: int | None
    code: str | None = Field(description="抽签后的加密号")
    workstation: str | None = Field(description="抽签后的工位号")


class SignUpListOut(Schema):
    items: list[SignUpOut]


class SignUpDecisionIn(Schema):
    decision: Literal["approved", "rejected"]
    reason: str = Field("", max_length=1000, description="不通过时必填")


class LotDrawIn(Schema):
    seed: str | None = Field(None, max_length=64, description="留空则随机生成；记录在案，可复核")


class LotDrawRowOut(Schema):
    signup_id: int
    entry_id: int
    code: str
    workstation: str
    name: str


class LotDrawOut(Schema):
    event_id: int
    seed: str
    algorithm: str
    rule: str
    drawn_by: str
    drawn_at: str
    verified: bool = Field(description="按记录的种子重新计算，结果一致")
    rows: list[LotDrawRowOut]


class AdvanceOut(Schema):
    event_id: int
    from_event_id: int
    qualifiers: int = Field(description="设定的晋级名额 N")
    advanced: int = Field(description="实际晋级数（第 N 名并列者一并晋级）")
    cut_rank: int | None
    carry_share: Decimal
    entries: list[dict]


class TheoryScoresOut(Schema):
    event_id: int
    exam_id: int
    scored: int
    missing: list[int] = Field(description="没有已评分答卷的参赛记录 ID（总分记 0）")
