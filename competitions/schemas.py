from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from ninja import Schema
from pydantic import Field

from miniprogram_api.schemas import Id, Int, int_between


class AspectOut(Schema):
    id: int
    name: str
    kind: Literal["measurement", "judgement"]
    max_mark: Decimal
    scale_max: int | None = Field(None, description="评判项的分制上限（测量项为 null）")


class SectionOut(Schema):
    id: int
    name: str
    order: int
    weight: Decimal
    aspects: list[AspectOut]


class EventOut(Schema):
    id: int
    name: str
    state: Literal["draft", "open", "locked", "published"]
    aggregation: Literal["mean", "trimmed"]
    trim_k: int
    tolerance: Decimal
    locked_at: datetime | None
    published_at: datetime | None
    appeal_deadline: datetime | None
    sections: list[SectionOut]
    # teams, rounds, sign-up, theory (issue 17; docs/SCORING.md)
    participation: Literal["individual", "team"] = Field(description="个人赛或团体赛")
    team_min: int
    team_max: int
    kind: Literal["practical", "theory"] = Field(description="实操或理论考试")
    previous_round_id: int | None = Field(description="上一轮（预赛）的项目 ID")
    qualifiers: int | None = Field(description="上一轮前 N 名晋级本轮")
    carry_share: Decimal = Field(description="带入上一轮总分的比例（%），0 表示重新计分")
    min_skill_level: str = Field(description="报名最低技能等级（空表示不限）")
    unit_quota: int | None = Field(description="每单位报名名额（空表示不限）")
    signup_open: bool = Field(description="正在接受报名（POST …/events/{event_id}/signups）")


class ContestOut(Schema):
    id: int
    name: str
    venue: str
    starts_at: datetime | None
    freeze_at: datetime | None
    appeal_window_minutes: int
    events: list[EventOut]


class EventBrief(Schema):
    id: int
    name: str
    state: str


class ContestListItem(Schema):
    id: int
    name: str
    venue: str
    starts_at: datetime | None
    events: list[EventBrief]


class AssignmentEntry(Schema):
    id: int
    code: str
    recused: bool = Field(description="回避：不能给该选手评分")
    submitted: bool = Field(description="我对该选手的评分表已提交")


class AssignmentAspect(Schema):
    id: int
    section_id: int
    name: str
    kind: Literal["measurement", "judgement"]
    max_mark: Decimal
    scale_max: int | None


class AssignmentMark(Schema):
    entry_id: int
    aspect_id: int
    value: Decimal
    revision: int
    client_id: str
    submitted: bool


class RemarkOut(Schema):
    id: int
    entry_id: int
    aspect_id: int
    reason: str
    source: str


class AssignmentEvent(Schema):
    id: int
    name: str
    state: str
    contest_id: int
    contest_name: str
    role: Literal["judge", "chief_judge"]
    entries: list[AssignmentEntry]
    aspects: list[AssignmentAspect]
    marks: list[AssignmentMark] = Field(description="只有我自己的评分（每项最新修订）")
    remarks: list[RemarkOut] = Field(description="请我复评的项目")


class AssignmentsOut(Schema):
    events: list[AssignmentEvent]


class MarkIn(Schema):
    client_id: str = Field(..., min_length=1, max_length=100, description="手机生成的 UUID，重发时不变")
    entry_id: Id
    aspect_id: Id
    value: Decimal = Field(..., description="测量项 0–满分（两位小数）；评判项 0–分制上限的整数")
    kind: Literal["measurement", "judgement"] | None = Field(None, description="可选：与评分项类型核对")


class MarksIn(Schema):
    marks: list[MarkIn] = Field(..., min_length=1, max_length=200)


class OverrideIn(Schema):
    client_id: str = Field(..., min_length=1, max_length=100)
    judge_id: Id | None = Field(None, description="评判项必填：更正哪位裁判的分")
    entry_id: Id
    aspect_id: Id
    value: Decimal
    reason: str = Field(..., max_length=1000)


class RemarkIn(Schema):
    entry_id: Id
    aspect_id: Id
    reason: str = Field(..., max_length=1000)
    judge_ids: list[Id] | None = Field(None, description="留空表示本项目全部（非回避）裁判")


class ChiefReasonIn(Schema):
    reason: str = Field(..., max_length=1000)


class PublishIn(Schema):
    appeal_window_minutes: int_between(0, 7 * 24 * 60) | None = Field(None, description="默认取比武设置（120 分钟）")


class AppealIn(Schema):
    client_id: str = Field(..., min_length=1, max_length=100)
    aspect_id: Id | None = None
    reason: str = Field(..., max_length=2000)


class DecisionIn(Schema):
    decision: Literal["upheld", "rejected"]
    reason: str = Field(..., max_length=2000)
    aspect_ids: list[Id] | None = Field(None, description="申诉成立时需复评的评分项，默认为申诉所指的评分项")


# --- answers of the contest and judging endpoints (the bodies presenters.py and services.py build) ------
class ContestActorOut(Schema):
    id: int
    name: str


class ContestAuditEntryOut(Schema):
    id: int
    event_id: int | None
    action: str
    action_display: str
    actor: ContestActorOut
    entry_id: int | None
    aspect_id: int | None
    reason: str
    data: dict[str, Any]
    created_at: datetime


class ContestAuditOut(Schema):
    items: list[ContestAuditEntryOut]


class ContestAppealOut(Schema):
    id: int
    entry_id: int
    aspect_id: int | None
    reason: str
    status: str
    decision_reason: str
    created_at: datetime
    decided_at: datetime | None
    remark_request_ids: list[int]


class ContestAppealFiledOut(ContestAppealOut):
    replayed: bool = Field(description="同一 client_id 的重发：返回第一次的结果")


class ContestAppealListOut(Schema):
    items: list[ContestAppealOut]


class JudgingMarkOut(Schema):
    id: int
    entry_id: int
    aspect_id: int
    value: str = Field(description="两位小数的字符串，如 \"8.50\"")
    revision: int
    source: str
    submitted: bool
    created_at: datetime


class JudgingMarkResultOut(Schema):
    client_id: str
    status: int = Field(description="这一条的结果：201 新记录，200 重发，4xx 拒绝（见 code、message）")
    replayed: bool | None = None
    mark: JudgingMarkOut | None = None
    code: str | None = None
    message: str | None = None


class JudgingMarksOut(Schema):
    results: list[JudgingMarkResultOut]
    seq: dict[str, int] = Field(description="比武 id → 本批评分后的榜单序号（websocket 按 seq 补齐）")


class JudgingOverrideOut(Schema):
    mark: JudgingMarkOut
    seq: int | None = None
    replayed: bool


class JudgingSheetOut(Schema):
    entry_id: int
    submitted: bool
    submitted_at: datetime
    replayed: bool


class JudgingEventStateOut(Schema):
    id: int
    state: str
    locked_at: datetime | None
    published_at: datetime | None
    appeal_deadline: datetime | None


class JudgingDrawOut(Schema):
    drawn: int = Field(description="本次分配加密号的选手数")


class JudgingRemarkRequestOut(Schema):
    id: int
    entry_id: int
    aspect_id: int
    judges: list[Any]
    reason: str
    status: str
    source: str | None = None
    created_at: datetime | None = None


class JudgingModerationOut(Schema):
    flags: list[dict[str, Any]] = Field(description="分差超限等提示：entry_id、code 及提示内容")
    requests: list[JudgingRemarkRequestOut]
    lock_problems: dict[str, Any] = Field(description="锁定前缺项：sheets、measurements、remarks")


class BoardContestOut(Schema):
    id: int
    name: str


class BoardSnapshotOut(Schema):
    """The board as the websocket's first message (`type` = snapshot); rows per event."""

    type: str
    seq: int
    ts: int
    frozen: bool
    freeze_at: datetime | None
    contest: BoardContestOut
    view: str = Field(description="public 或 jury")
    events: list[dict[str, Any]]


# --- panels from the expert roster (issue 15) ---------------------------------------------------------
class JudgeDrawIn(Schema):
    count: Int = Field(..., ge=1, le=30, description="抽取裁判人数")
    backups: Int = Field(0, ge=0, le=30, description="备选人数（有人谢绝时依次递补）")
    specialities: list[Id] = Field(default_factory=list, max_length=30, description="专业（含下级），不填为不限")


class PanelSeatOut(Schema):
    seat_id: int
    position: int
    is_backup: bool
    status: str
    expert_code: str
    expert_name: str


class JudgeDrawOut(Schema):
    draw_id: int
    seed: str
    candidates: int
    members: list[PanelSeatOut]
    backups: list[PanelSeatOut]


class PickJudgeIn(Schema):
    user_id: Id | None = Field(None, description="专家库中有账号的裁判")
    expert_id: Id | None = Field(None,
                                 description="或：专家库条目（系统外专家没有账号时自动建号，凭绑定码首次登录）")
    reason: str = Field(..., min_length=1, max_length=200, description="指定理由（记录在案）")
    is_chief: bool = False


class PanelMemberOut(Schema):
    judge_id: int
    judge_name: str
    is_chief: bool
    source: str
    reason: str
    draw_id: int | None
    bound: bool = Field(description="该裁判的账号是否已绑定微信（系统外专家须凭绑定码首次登录后才能评分）")



class SectionWeightIn(Schema):
    id: Id
    weight: Decimal


class AspectChangeIn(Schema):
    id: Id
    max_mark: Decimal | None = None
    scale_max: int_between(1, 100) | None = None


class SchemeChangeIn(Schema):
    """The chief judge's change of an opened event's scheme: only the fields given change."""
    reason: str = Field(..., max_length=1000)
    aggregation: Literal["mean", "trimmed"] | None = None
    trim_k: int_between(0, 5) | None = None
    tolerance: Decimal | None = None
    tie_break_by_sections: bool | None = None
    sections: list[SectionWeightIn] = Field(default_factory=list)
    aspects: list[AspectChangeIn] = Field(default_factory=list)


class SchemeChangeItem(Schema):
    what: str = Field(..., description="event.tolerance、section:{id}.weight、aspect:{id}.max_mark 等")
    old: str | int | bool | None
    new: str | int | bool | None


class SchemeChangeOut(Schema):
    event_id: int
    audit_id: int
    changes: list[SchemeChangeItem]
    seq: int


class ResultVersionOut(Schema):
    event_id: int
    event: str
    version: int
    published_at: str
    published_by: str
    reason: str
    appeal_id: int | None
    rows: list[dict[str, Any]] = Field(description="[{entry_id, code, name, rank, total, sections}]")
    changes: list[dict[str, Any]] = Field(description="[{entry_id, code, name, old_rank, new_rank, old_total, new_total}]")


class ResultVersionsOut(Schema):
    items: list[ResultVersionOut]


class JudgeAnalyticsEventOut(Schema):
    event_id: int
    event: str
    state: str
    aggregation: str
    judges: list[dict[str, Any]] = Field(description="每位裁判：marks、entries、signed_deviation、absolute_deviation、"
                                                     "outside_tolerance、outside_share、rank_correlation、own_unit、other_units")


class JudgeAnalyticsOut(Schema):
    contest_id: int
    unit: str = Field(description="偏差的单位：percent_of_scale（分制的百分比）")
    events: list[JudgeAnalyticsEventOut]


# --- recheck before publication (competitions/recheck.py) -----------------------------------------------
class RecheckDrawIn(Schema):
    seed: str | None = Field(None, max_length=64, description="随机种子（可当场公开；不填则随机生成）")


class RecheckConfirmIn(Schema):
    note: str = Field("", max_length=200, description="复核说明（可选）")


class PersonRefOut(Schema):
    id: int
    name: str


class RecheckEntryOut(Schema):
    entry_id: int
    code: str
    rank: int | None
    total: str | None
    why: Literal["top", "sampled"] = Field(description="top：前 10 名；sampled：其余选手中随机抽取")
    confirmed: bool
    confirmed_by: PersonRefOut | None
    confirmed_at: str | None
    note: str


class RecheckOut(Schema):
    event_id: int
    state: str
    drawn: bool
    draw_id: int | None
    seed: str | None
    algorithm: str | None
    rule: str
    drawn_by: PersonRefOut | None
    drawn_at: str | None
    candidates: int = Field(description="锁定时参与排名的选手数")
    reproduced: bool | None = Field(description="按记录的种子和名次重新抽取，结果是否与记录一致")
    entries: list[RecheckEntryOut]
    remaining: int = Field(description="尚未确认的人数")


class RecheckConfirmOut(Schema):
    entry_id: int
    code: str
    total: str
    confirmed_by: PersonRefOut
    confirmed_at: str
    note: str
    replayed: bool


# --- practical timing and awards (H5) ----------------------------------------------------------------------
class TimingIn(Schema):
    client_id: str = Field(..., min_length=1, max_length=100, description="手机生成的 UUID，重发时不变")


class EntryTimingOut(Schema):
    started_at: str | None
    stopped_at: str | None = Field(description="到时停止规则下超过限时的，为开始时间 + 限时")
    running: bool
    stopped_automatically: bool
    elapsed_seconds: int | None
    limit_seconds: int | None
    overtime_seconds: int
    overtime_minutes: int = Field(description="超时的分钟数（不足一分钟按一分钟计）")
    penalty: str = Field(description="从总分中扣除的分数")


class TimingOut(Schema):
    entry_id: int
    code: str
    kind: Literal["start", "stop"]
    at: str
    client_id: str
    timing: EntryTimingOut
    replayed: bool


class AwardOut(Schema):
    entry_id: int
    code: str
    name: str
    unit: str
    tier: str
    tier_order: int = Field(description="1 为最高奖；优胜奖排在最后")
    rank: int
    total: str
    certificate_code: str | None = Field(description="有效的获奖证书验证码（GET /api/v1/certificates/{code}）")


class AwardTierOut(Schema):
    name: str
    value: str


class EventAwardsOut(Schema):
    id: int
    name: str
    mode: Literal["share", "rank"] | None
    tiers: list[AwardTierOut]
    merit: bool
    version: int | None = Field(description="奖项依据的成绩版本")
    awards: list[AwardOut]


class ContestAwardsOut(Schema):
    contest_id: int
    events: list[EventAwardsOut] = Field(description="仅已公布成绩的项目")
    counts: dict[str, int] = Field(description="各奖项人数")


class AwardCredentialOut(Schema):
    format: Literal["application/vc+jwt"]
    url: str
    jwt: str
    id: str
    issuer: str
    key_id: str
    status_list_url: str
    status_index: int


class AwardCertificateOut(Schema):
    valid: bool
    kind: Literal["award"] = Field(description="获奖证书（出师证书的回答没有 kind）")
    code: str
    contestant_name: str
    unit_name: str
    contest_name: str
    event_name: str
    tier: str
    rank: int
    result_version: int
    issued_at: datetime
    issued_on: Any
    png_url: str
    credential: AwardCredentialOut | None
