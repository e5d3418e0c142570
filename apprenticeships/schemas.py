from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from ninja import Schema
from pydantic import Field

from media.schemas import PhotoOut
from miniprogram_api.schema_types import Text
from miniprogram_api.schemas import Bool, Date, Id, int_between

ClientId = Field(..., min_length=1, max_length=100, description="手机生成的唯一编号（UUID），重发时保持不变")
OptionalClientId = Field(None, min_length=1, max_length=100, description="手机生成的唯一编号（UUID），重发时保持不变")
RatingLevels = Literal["not_met", "partially_met", "met", "skilled"]
Rag = Literal["green", "amber", "red"]
States = Literal["draft", "active", "completed", "terminated"]


# --- in ------------------------------------------------------------------------------------------
class AgreementIn(Schema):
    studio_id: Id
    apprentice_id: Id
    master_id: Id
    template_id: Id
    start_date: Date
    end_date: Date | None = Field(None, description="不填则按模板的培养周期计算")
    planned_hours: Decimal | None = Field(None, ge=0, le=10000, decimal_places=1,
                                          description="不填则取模板的计划学时")
    review_interval_weeks: int_between(1, 52) | None = Field(None, description="不填则取模板或工作室设置（默认 12 周）")
    client_id: Text | None = OptionalClientId


class CohortMemberIn(Schema):
    apprentice_id: Id
    master_id: Id | None = Field(None, description="不填则为批次的师傅")


class CohortIn(Schema):
    studio_id: Id
    template_id: Id
    master_id: Id
    start_date: Date
    end_date: Date | None = None
    apprentices: list[CohortMemberIn] = Field(..., min_length=1, max_length=200)
    client_id: Text = ClientId


class AgreementReasonIn(Schema):
    reason: Text = Field(..., min_length=1, max_length=500)


class AgreementCompleteIn(Schema):
    grade: Literal["excellent", "pass", "fail"] = Field(..., description="出师等级：优秀 / 合格 / 不合格")
    theory_score: Decimal | None = Field(None, ge=0, le=100, decimal_places=1, description="理论成绩（百分制）")
    practical_score: Decimal | None = Field(None, ge=0, le=100, decimal_places=1, description="实操成绩（百分制）")
    comment: Text = Field("", max_length=2000)


class HoursIn(Schema):
    client_id: Text = ClientId
    date: Date | None = Field(None, description="实训日期（北京时间），不填为今天")
    hours: Decimal = Field(..., gt=0, le=24, decimal_places=1, description="学时，精确到 0.1")
    description: Text = Field("", max_length=500, description="做了什么")
    plan_item_id: Id | None = Field(None, description="对应的能力项（可不填）")


class EvidenceIn(Schema):
    client_id: Text = ClientId
    kind: Literal["media", "master_note"] = Field(..., description="media：照片（先上传）；master_note：师傅记录")
    plan_item_id: Id | None = None
    description: Text = Field("", max_length=2000)
    date: Date | None = Field(None, description="发生日期（北京时间），不填为今天")
    photo_ids: list[Id] = Field(default_factory=list, max_length=9)


class RatingIn(Schema):
    level: RatingLevels = Field(..., description="未达到 not_met / 基本达到 partially_met / 达到 met / 熟练 skilled")
    comment: Text = Field("", max_length=2000)
    client_id: Text | None = OptionalClientId


class CommentIn(Schema):
    comment: Text = Field("", max_length=2000)


class ApprenticeshipReviewIn(Schema):
    summary: Text = Field(..., min_length=1, max_length=4000)
    next_steps: Text = Field("", max_length=2000)
    is_final: Bool = Field(False, description="出师评价（三方签字后才能办理出师）")
    client_id: Text | None = OptionalClientId


class BulkCountersignIn(Schema):
    plan_item_ids: list[Id] = Field(..., min_length=1, max_length=2000)
    comment: Text = Field("", max_length=500)


# --- out -----------------------------------------------------------------------------------------
class ApprenticeshipPersonOut(Schema):
    id: int
    name: str


class NamedOut(Schema):
    id: int
    name: str


class ProcedureBriefOut(Schema):
    id: int
    code: str
    title: str


class CompetencyOut(Schema):
    id: int
    code: str
    name: str
    description: str
    layer: Literal["decision", "management", "execution"]
    stage: Literal["theory", "guidance", "post_skill", "certification"]
    kind: Literal["knowledge", "skill", "behaviour"]
    target_level: str
    procedures: list[ProcedureBriefOut]
    accepts_contest_results: bool


class RatingOut(Schema):
    id: int
    level: RatingLevels
    label: str
    proficient: bool
    comment: str
    rated_by: ApprenticeshipPersonOut
    created_at: datetime


class CountersignOut(Schema):
    signed_by: ApprenticeshipPersonOut
    signed_at: datetime
    comment: str


class EvidenceRunOut(Schema):
    id: int
    procedure_id: int
    procedure_title: str
    point_code: str
    completed_at: datetime | None


class EvidenceContestOut(Schema):
    contest: str
    event: str
    event_id: int
    rank: int | None
    total: str | None
    entries: int
    code: str
    version: int = Field(1, description="成绩公布版本：更正后重新公布的成绩为第 2、3… 版")
    previous_rank: int | None = Field(None, description="更正前的名次（仅更正版本）")
    previous_total: str | None = Field(None, description="更正前的总分（仅更正版本）")


class EvidenceOut(Schema):
    id: int
    kind: Literal["approved_run", "contest_result", "practice_hours", "media", "master_note", "course_completed",
                  "exam_passed"]
    plan_item_id: int | None
    description: str
    occurred_on: date
    hours: float | None
    run: EvidenceRunOut | None
    contest: EvidenceContestOut | None
    photos: list[PhotoOut]
    status: Literal["submitted", "signed"]
    signed_by: ApprenticeshipPersonOut | None
    signed_at: datetime | None
    withdrawn: bool = Field(..., description="实操记录后来被退回：不再作为证据")
    created_by: ApprenticeshipPersonOut | None = Field(..., description="为空表示系统自动记录")
    created_at: datetime
    client_id: str | None


class PlanItemOut(Schema):
    id: int
    competency: CompetencyOut
    state: Literal["not_started", "in_progress", "rated", "signed"]
    rating: RatingOut | None
    ratings_count: int
    countersign: CountersignOut | None
    evidence: list[EvidenceOut]


class SignatureOut(Schema):
    role: Literal["apprentice", "master", "leader"]
    signer: ApprenticeshipPersonOut
    comment: str
    signed_at: datetime


class ApprenticeshipReviewOut(Schema):
    id: int
    number: int
    is_final: bool
    summary: str
    next_steps: str
    opened_by: ApprenticeshipPersonOut
    created_at: datetime
    signatures: list[SignatureOut]
    missing: list[Literal["apprentice", "master", "leader"]]
    complete: bool
    completed_on: date | None


class CertificateBriefOut(Schema):
    code: str
    grade: str
    issued_at: datetime
    revoked: bool
    verify_url: str
    png_url: str
    credential_url: str = Field(..., description="可验证电子证书下载地址（application/vc+jwt）")


class RagReasonOut(Schema):
    code: Literal["progress_behind", "hours_behind", "inactive", "review_overdue", "review_due_soon", "past_end_date"]
    level: Literal["amber", "red"]
    message: str
    value: float
    threshold: float


class ProgressFields(Schema):
    progress_pct: float = Field(..., description="已确认能力项 ÷ 计划能力项 × 100")
    expected_pct: float = Field(..., description="协议已过时间占比 × 100")
    hours: float
    expected_hours: float = Field(..., description="计划学时 × 已过时间占比")
    rag: Rag | None = Field(..., description="风险：green/amber/red；仅执行中的协议有")
    rag_reasons: list[RagReasonOut]
    next_review_due: date | None
    review_overdue: bool
    last_activity: date | None
    days_inactive: int | None


class AgreementOut(ProgressFields):
    id: int
    state: States
    studio: NamedOut
    master: ApprenticeshipPersonOut
    apprentice: ApprenticeshipPersonOut
    template: NamedOut | None
    target_level: str
    target_level_label: str
    start_date: date
    end_date: date
    planned_hours: float
    review_interval_weeks: int
    grade: Literal["excellent", "pass", "fail"] | None
    completed_at: datetime | None
    terminated_at: datetime | None
    termination_reason: str
    competencies_total: int
    competencies_signed: int
    ready_for_countersign: list[int] = Field(..., description="最新评定已达到、待负责人确认的计划能力项 id")
    unsigned_evidence: int
    final_review_signed: bool
    plan: list[PlanItemOut]
    general_evidence: list[EvidenceOut] = Field(..., description="不针对某一能力项的证据（如综合学时）")
    reviews: list[ApprenticeshipReviewOut]
    certificate: CertificateBriefOut | None


class AgreementListOut(Schema):
    count: int
    items: list[AgreementOut]


class CohortItemOut(Schema):
    apprentice_id: int
    status: Literal["created", "already_had", "rejected"]
    agreement_id: int | None
    code: str | None
    message: str | None
    detail: object | None = None


class CohortOut(Schema):
    results: list[CohortItemOut]


class CountersignItemOut(Schema):
    plan_item_id: int
    status: Literal["signed", "already_signed", "rejected"]
    code: str | None
    message: str | None


class BulkCountersignOut(Schema):
    results: list[CountersignItemOut]
    signed: int
    rejected: int


class SignedOut(Schema):
    id: int
    status: Literal["signed"]
    signed_by: ApprenticeshipPersonOut
    signed_at: datetime
    role: Literal["apprentice", "master", "leader"] | None = None


class TemplateOut(Schema):
    id: int
    name: str
    studio: NamedOut
    framework: NamedOut
    target_level: str
    target_level_label: str
    duration_weeks: int
    planned_hours: float
    review_interval_weeks: int | None
    competencies: int


class DashboardRowOut(ProgressFields):
    agreement_id: int
    state: States
    apprentice: ApprenticeshipPersonOut
    master: ApprenticeshipPersonOut
    studio: NamedOut
    target_level: str
    start_date: date
    end_date: date
    behind_pct: float = Field(..., description="expected_pct − progress_pct")
    competencies_total: int
    competencies_signed: int
    ready_for_countersign: list[int]
    unsigned_evidence: int


class RagCountsOut(Schema):
    red: int
    amber: int
    green: int


class DashboardOut(Schema):
    studio: NamedOut
    today: date = Field(..., description="计算所用的日期（北京时间）")
    counts: RagCountsOut
    count: int
    sort: str
    rows: list[DashboardRowOut]


class CredentialOut(Schema):
    format: Literal["application/vc+jwt"] = Field(..., description="VC-JOSE-COSE：JWS（EdDSA/Ed25519）")
    url: str = Field(..., description="下载可验证电子证书（application/vc+jwt）")
    jwt: str = Field(..., description="W3C 可验证凭证（Open Badges 3.0 OpenBadgeCredential），紧凑 JWS")
    id: str
    issuer: str = Field(..., description="发证方 did:web；公钥见 /.well-known/did.json 与 /.well-known/jwks.json")
    key_id: str
    status_list_url: str = Field(..., description="撤销状态列表（Bitstring Status List）")
    status_index: int


class CertificateOut(Schema):
    valid: bool
    code: str
    apprentice_name: str
    master_name: str
    studio_name: str
    target_level: str
    target_level_label: str
    grade: str
    grade_label: str
    start_date: date
    end_date: date
    competencies: int
    issued_at: datetime
    issued_on: date
    png_url: str
    credential: CredentialOut | None = Field(None, description="可验证电子证书；早于此功能签发的证书为空")
