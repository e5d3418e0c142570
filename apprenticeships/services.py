"""Writes of apprenticeships: agreements and their plans, ratings, countersigns, evidence (by hand
and by itself from approved runs and published contest results), reviews, completion.

Every write that checks an agreement's state locks the agreement row first, so a rating cannot slip
in after completion and two leaders cannot complete it twice. Writes a phone may resend carry a
`client_id` that is unique per user on the row itself: a replay returns the first row (`created`
False), a concurrent copy meets the unique index and returns the winner's row.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from accounts.models import OrgUnit, Role, User
from accounts.selectors import grant_holders, has_role, holders_over
from competitions import selectors as contest_selectors
from credentials import services as credential_services
from media.services import attach_photos, photos_for_attaching
from miniprogram_api.clock import shanghai_day_start
from miniprogram_api.errors import ApiError, conflict, forbidden, not_found, unprocessable
from miniprogram_api.idempotency import create_once
from notifications.services import notify
from practice.models import ProcedureRun, RunReview
from practice.selectors import approved_runs, approvers_of, run_with_place

from . import certificates, selectors
from .models import (
    PROFICIENT_LEVELS,
    Agreement,
    Certificate,
    Countersign,
    Evidence,
    EvidenceSignature,
    PlanItem,
    PlanTemplate,
    Rating,
    Review,
    ReviewSignature,
)
from .progress import DEFAULT_THRESHOLDS

logger = logging.getLogger(__name__)

OPEN_STATES = (Agreement.State.DRAFT, Agreement.State.ACTIVE)
PASS_MARK = Decimal("60")  # theory and practical exams are out of 100, 60 to pass (DOMAIN.md)


# --- helpers -------------------------------------------------------------------------------------
def _locked(agreement_id: int) -> Agreement:
    """The agreement's row, locked for the rest of the transaction (call after the scope check)."""
    return Agreement.objects.select_for_update().get(pk=agreement_id)


def _require_active(agreement: Agreement) -> None:
    if agreement.state != Agreement.State.ACTIVE:
        raise conflict("agreement_not_active", f"协议当前为“{agreement.get_state_display()}”状态，不能进行此操作",
                       detail={"agreement_id": agreement.pk, "state": agreement.state})


def _require_leader(user: User, agreement: Agreement) -> None:
    if not selectors.is_leader_of(user, agreement):
        raise forbidden("只有本工作室负责人可以执行此操作", code="not_workshop_leader")


def _require_master(user: User, agreement: Agreement) -> None:
    if agreement.master_id != user.pk:
        raise forbidden("只有该徒弟的师傅可以执行此操作", code="not_the_master")


def _field_error(field: str, message: str, code: str = "validation_error") -> ApiError:
    return unprocessable(code, f"提交的数据不符合要求：{message}",
                         detail=[{"field": field, "type": "invalid", "message": message}])


def _notify(recipients, *, title: str, body: str, agreement: Agreement, key: str, **data) -> None:
    notify(recipients=recipients, kind="apprenticeship", title=title, body=body,
           data={"agreement_id": agreement.pk, **data}, dedupe_key=f"apprenticeship:{agreement.pk}:{key}")


# --- agreements ----------------------------------------------------------------------------------
def _template(studio: OrgUnit, template_id: int) -> PlanTemplate:
    template = PlanTemplate.objects.select_related("framework").filter(
        pk=template_id, studio=studio, is_active=True).first()
    if template is None:
        raise unprocessable("unknown_template", "培养计划模板不存在或不属于该工作室", detail={"template_id": template_id})
    return template


def _person_with_role(user_id: int, role: str, studio: OrgUnit, code: str, what: str) -> User:
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not has_role(user, role, studio):
        raise unprocessable(code, f"所选人员不是本工作室的{what}", detail={"user_id": user_id})
    return user


@transaction.atomic
def create_agreement(*, actor: User, studio_id: int, apprentice_id: int, master_id: int, template_id: int,
                     start_date: date, end_date: date | None = None, planned_hours: Decimal | None = None,
                     review_interval_weeks: int | None = None, client_id: str | None = None) -> tuple[Agreement, bool]:
    """A draft agreement with its plan made from the template; evidence the apprentice already has
    (approved runs, published contest results) is attached at once."""
    if client_id:
        existing = Agreement.objects.filter(created_by=actor, client_id=client_id).first()
        if existing is not None:
            if existing.apprentice_id != apprentice_id:
                raise conflict("client_id_conflict", "该客户端编号已用于另一份协议", detail={"agreement_id": existing.pk})
            return existing, False
    studio = selectors.led_studio(actor, studio_id)
    if studio.kind != OrgUnit.Kind.STUDIO:
        raise unprocessable("not_a_studio", "师带徒协议须签在技师工作室下", detail={"studio_id": studio_id})
    template = _template(studio, template_id)
    apprentice = _person_with_role(apprentice_id, Role.APPRENTICE, studio, "not_an_apprentice", "徒弟")
    master = _person_with_role(master_id, Role.MASTER, studio, "not_a_master", "师傅")
    if master.pk == apprentice.pk:
        raise _field_error("master_id", "师傅和徒弟不能是同一人")
    end_date = end_date or start_date + timedelta(weeks=template.duration_weeks)
    if end_date <= start_date:
        raise _field_error("end_date", "结束日期必须晚于开始日期")
    if Agreement.objects.filter(apprentice=apprentice, state__in=OPEN_STATES).exists():
        raise conflict("agreement_exists", f"{apprentice.name}已有未结束的师带徒协议", detail={"apprentice_id": apprentice.pk})
    interval = review_interval_weeks or template.review_interval_weeks or \
        selectors.thresholds_for([studio.pk]).get(studio.pk, DEFAULT_THRESHOLDS).review_interval_weeks
    agreement, created = create_once(
        lambda: Agreement.objects.create(
            studio=studio, master=master, apprentice=apprentice, template=template,
            target_level=template.target_level, start_date=start_date, end_date=end_date,
            planned_hours=template.planned_hours if planned_hours is None else planned_hours,
            review_interval_weeks=interval, created_by=actor, client_id=client_id or None),
        # a concurrent copy of this request, or of another for the same apprentice (one open agreement)
        find=lambda: Agreement.objects.filter(created_by=actor, client_id=client_id).first() if client_id else None,
        on_integrity_error=lambda: conflict("agreement_exists", f"{apprentice.name}已有未结束的师带徒协议",
                                            detail={"apprentice_id": apprentice.pk}))
    if not created:
        return agreement, False
    PlanItem.objects.bulk_create([
        PlanItem(agreement=agreement, competency_id=item.competency_id, order=position)
        for position, item in enumerate(template.items.order_by("order", "id"))
    ])
    backfill_evidence(agreement=agreement)
    return agreement, True


@dataclass
class CohortResult:
    apprentice_id: int
    status: str  # created, already_had, rejected
    agreement: Agreement | None = None
    error: ApiError | None = None


def create_cohort(*, actor: User, studio_id: int, template_id: int, start_date: date, end_date: date | None,
                  master_id: int, members: list[tuple[int, int | None]], client_id: str) -> list[CohortResult]:
    """Agreements for a cohort from one template, one per apprentice (each commits on its own; a
    rejected one loses nothing else). Resending the batch with the same client_id creates nothing twice.

    Who may sign is one question for the whole batch, asked first: someone who does not lead the
    studio gets one 403/404, not a list of identical refusals."""
    selectors.led_studio(actor, studio_id)
    results = []
    for apprentice_id, own_master in members:
        try:
            agreement, created = create_agreement(
                actor=actor, studio_id=studio_id, apprentice_id=apprentice_id, master_id=own_master or master_id,
                template_id=template_id, start_date=start_date, end_date=end_date,
                client_id=f"{client_id}:{apprentice_id}")
        except ApiError as error:
            results.append(CohortResult(apprentice_id, "rejected", error=error))
            continue
        results.append(CohortResult(apprentice_id, "created" if created else "already_had", agreement))
    return results


@transaction.atomic
def activate(*, actor: User, agreement_id: int) -> Agreement:
    agreement = selectors.get_agreement(actor, agreement_id)
    _require_leader(actor, agreement)
    locked = _locked(agreement.pk)
    if locked.state == Agreement.State.ACTIVE:
        return locked
    if locked.state != Agreement.State.DRAFT:
        raise conflict("agreement_not_open", "只有草拟状态的协议可以生效", detail={"state": locked.state})
    if not locked.items.exists():
        raise conflict("empty_plan", "培养计划中没有能力项，不能生效")
    locked.state, locked.activated_at, locked.activated_by = Agreement.State.ACTIVE, timezone.now(), actor
    locked.save(update_fields=["state", "activated_at", "activated_by"])
    _notify([agreement.apprentice, agreement.master], title="师带徒协议已生效",
            body=f"{agreement.master.name} 带教 {agreement.apprentice.name}，目标"
                 f"{agreement.get_target_level_display()}，{agreement.start_date:%Y-%m-%d} 至 {agreement.end_date:%Y-%m-%d}",
            agreement=agreement, key="active")
    return locked


@transaction.atomic
def terminate(*, actor: User, agreement_id: int, reason: str) -> Agreement:
    agreement = selectors.get_agreement(actor, agreement_id)
    _require_leader(actor, agreement)
    locked = _locked(agreement.pk)
    if locked.state == Agreement.State.TERMINATED:
        return locked
    if locked.state not in OPEN_STATES:
        raise conflict("agreement_not_open", "已出师的协议不能终止", detail={"state": locked.state})
    locked.state, locked.terminated_at, locked.terminated_by = Agreement.State.TERMINATED, timezone.now(), actor
    locked.termination_reason = reason.strip()
    locked.save(update_fields=["state", "terminated_at", "terminated_by", "termination_reason"])
    _notify([agreement.apprentice, agreement.master], title="师带徒协议已终止", body=locked.termination_reason,
            agreement=agreement, key="terminated")
    return locked


@transaction.atomic
def complete(*, actor: User, agreement_id: int, grade: str, theory_score: Decimal | None = None,
             practical_score: Decimal | None = None, comment: str = "") -> Agreement:
    """出师: every competency countersigned and the final review signed by all three; the leader
    grades it and, unless it is 不合格, a certificate with a verification code is issued."""
    agreement = selectors.get_agreement(actor, agreement_id)
    _require_leader(actor, agreement)
    locked = _locked(agreement.pk)
    if locked.state == Agreement.State.COMPLETED:
        if locked.grade == grade:
            return locked
        raise conflict("agreement_completed", "该协议已办理出师", detail={"grade": locked.grade})
    _require_active(locked)
    facts = selectors.facts_for([locked.pk])[locked.pk]
    if facts["competencies"] == 0 or facts["signed"] < facts["competencies"]:
        missing = list(PlanItem.objects.filter(agreement=locked, countersign__isnull=True)
                       .values("id", "competency__code", "competency__name"))
        raise conflict("plan_incomplete", f"还有 {len(missing)} 项能力未经负责人确认，不能出师",
                       detail={"missing": [{"plan_item_id": m["id"], "code": m["competency__code"],
                                            "name": m["competency__name"]} for m in missing]})
    if not facts["final_review_signed"]:
        raise conflict("final_review_missing", "出师评价尚未由徒弟、师傅和负责人三方签字")
    theory_score = _theory_score(locked, theory_score, grade)
    scores = [s for s in (theory_score, practical_score) if s is not None]
    if grade != Agreement.Grade.FAIL and any(s < PASS_MARK for s in scores):
        raise unprocessable("grade_inconsistent", "理论或实操成绩低于 60 分，出师等级只能为“不合格”",
                            detail={"theory_score": theory_score, "practical_score": practical_score})
    now = timezone.now()
    locked.state, locked.completed_at, locked.completed_by, locked.grade = Agreement.State.COMPLETED, now, actor, grade
    locked.theory_score, locked.practical_score, locked.completion_comment = theory_score, practical_score, comment
    locked.save(update_fields=["state", "completed_at", "completed_by", "grade", "theory_score", "practical_score",
                               "completion_comment"])
    body = f"出师等级：{locked.get_grade_display()}"
    if grade != Agreement.Grade.FAIL:
        certificate = Certificate.objects.create(
            agreement=locked, code=certificates.new_code(), apprentice_name=agreement.apprentice.name,
            master_name=agreement.master.name, studio_name=agreement.studio.name, target_level=locked.target_level,
            grade=grade, start_date=locked.start_date, end_date=locked.end_date,
            competencies=facts["competencies"], issued_at=now, issued_by=actor)
        certificates.issue_credential(certificate, apprentice_id=agreement.apprentice_id)
        body += f"；证书验证码 {certificate.code}"
    _notify([agreement.apprentice, agreement.master], title="师带徒协议已办理出师", body=body, agreement=agreement,
            key="completed")
    return locked


@transaction.atomic
def revoke_certificate(*, certificate_id: int, reason: str) -> Certificate:
    """Revoke a certificate (the admin's action): the public check answers 410 and the credential's bit in
    its status list is set, so a verifier holding only the credential sees it revoked too."""
    certificate = Certificate.objects.select_for_update().get(pk=certificate_id)
    if certificate.revoked_at is None:
        certificate.revoked_at, certificate.revoked_reason = timezone.now(), reason.strip()
        certificate.save(update_fields=["revoked_at", "revoked_reason"])
    credential_services.revoke(reference=certificates.reference(certificate.code), reason=certificate.revoked_reason,
                               at=certificate.revoked_at)
    return certificate


def issue_missing_credentials() -> int:
    """Credentials for certificates issued before they existed (`manage.py issue_certificate_credentials`);
    each in its own transaction, so a long back-fill holds no lock for long. Returns how many were issued."""
    from credentials.selectors import credential_for

    count = 0
    for certificate in Certificate.objects.filter(revoked_at__isnull=True).select_related("agreement").order_by("pk"):
        if credential_for(certificates.reference(certificate.code)) is None:
            with transaction.atomic():
                certificates.issue_credential(certificate, apprentice_id=certificate.agreement.apprentice_id)
            count += 1
    return count


def _theory_score(agreement: Agreement, typed: Decimal | None, grade: str) -> Decimal | None:
    """Where the plan's template names a theory exam, the theory score is the apprentice's best passed
    score in it (read through training's selector), not a typed number; without a pass only 不合格 is
    possible."""
    from training.selectors import passed_exam_score

    if agreement.template_id is None:
        return typed
    template = PlanTemplate.objects.filter(pk=agreement.template_id).select_related("theory_exam").first()
    exam = template.theory_exam if template is not None else None
    if exam is None:
        return typed
    score = passed_exam_score(user_id=agreement.apprentice_id, exam_id=exam.pk)
    if score is None and grade != Agreement.Grade.FAIL:
        raise conflict("theory_exam_not_passed", f"徒弟尚未通过理论考试《{exam.title}》，不能出师",
                       detail={"exam_id": exam.pk})
    return score


# --- ratings and countersigns --------------------------------------------------------------------
def _visible_item(user: User, plan_item_id: int) -> PlanItem:
    item = PlanItem.objects.select_related("competency").filter(
        pk=plan_item_id, agreement__in=selectors.visible_agreements(user).values("pk")).first()
    if item is None:
        raise not_found("能力项")
    item.agreement = selectors.visible_agreements(user).get(pk=item.agreement_id)
    return item


@transaction.atomic
def rate(*, user: User, plan_item_id: int, level: str, comment: str = "",
         client_id: str | None = None) -> tuple[Rating, bool]:
    """The master rates a competency. Re-rating appends; the latest rating counts until the leader
    countersigns, which makes it final."""
    if client_id:
        existing = Rating.objects.filter(rated_by=user, client_id=client_id).first()
        if existing is not None:
            if existing.plan_item_id != plan_item_id:
                raise conflict("client_id_conflict", "该客户端编号已用于另一项评定", detail={"rating_id": existing.pk})
            return existing, False
    item = _visible_item(user, plan_item_id)
    agreement = item.agreement
    _require_master(user, agreement)
    locked = _locked(agreement.pk)
    if client_id:  # a copy that waited for the lock while the first one committed
        existing = Rating.objects.filter(rated_by=user, client_id=client_id, plan_item=item).first()
        if existing is not None:
            return existing, False
    _require_active(locked)
    if Countersign.objects.filter(plan_item=item).exists():
        raise conflict("competency_signed_off", f"“{item.competency.name}”已经负责人确认，不能再评定",
                       detail={"plan_item_id": item.pk})
    rating, created = create_once(
        lambda: Rating.objects.create(plan_item=item, rated_by=user, level=level, comment=comment.strip(),
                                      client_id=client_id or None),
        find=lambda: Rating.objects.filter(rated_by=user, client_id=client_id).first() if client_id else None)
    if not created:
        return rating, False
    _notify([agreement.apprentice], title="师傅完成了一项能力评定",
            body=f"{item.competency.name}：{rating.get_level_display()}", agreement=agreement,
            key=f"rating:{rating.pk}", plan_item_id=item.pk)
    return rating, True


@dataclass
class CountersignResult:
    plan_item_id: int
    status: str  # signed, already_signed, rejected
    countersign: Countersign | None = None
    error: ApiError | None = None


def countersign(*, user: User, plan_item_ids: list[int], comment: str = "",
                within: OrgUnit | None = None) -> list[CountersignResult]:
    """The workshop leader confirms proficient ratings, one item or a whole list (the dashboard's bulk
    action). Each agreement's items commit together under its row lock; a refused item is reported
    and loses nothing else. Countersigning twice is harmless."""
    wanted = list(dict.fromkeys(plan_item_ids))
    visible = selectors.visible_agreements(user)
    if within is not None:  # the dashboard's bulk action covers its own studio's subtree only
        visible = visible.filter(studio__path__startswith=within.path)
    items = {item.pk: item for item in PlanItem.objects.select_related("competency")
             .filter(pk__in=wanted, agreement__in=visible.values("pk"))}
    agreements = {a.pk: a for a in visible.filter(pk__in={i.agreement_id for i in items.values()})}
    results: dict[int, CountersignResult] = {}
    for pk in wanted:
        if pk not in items:
            results[pk] = CountersignResult(pk, "rejected", error=not_found("能力项"))
    by_agreement: dict[int, list[PlanItem]] = {}
    for pk in wanted:
        if pk in items:
            by_agreement.setdefault(items[pk].agreement_id, []).append(items[pk])
    for agreement_id, group in by_agreement.items():
        agreement = agreements[agreement_id]
        try:
            _require_leader(user, agreement)
        except ApiError as error:
            for item in group:
                results[item.pk] = CountersignResult(item.pk, "rejected", error=error)
            continue
        with transaction.atomic():
            locked = _locked(agreement_id)
            signed_now = []
            for item in group:
                results[item.pk] = _countersign_one(user=user, agreement=locked, item=item, comment=comment)
                if results[item.pk].status == "signed":
                    signed_now.append(item)
            if signed_now:
                names = "、".join(i.competency.name for i in signed_now[:3])
                more = f"等 {len(signed_now)} 项" if len(signed_now) > 3 else ""
                _notify([agreement.apprentice, agreement.master], title="负责人确认了能力项",
                        body=f"{names}{more}已确认", agreement=agreement,
                        key=f"countersign:{min(i.pk for i in signed_now)}:{len(signed_now)}")
    return [results[pk] for pk in wanted]


def _countersign_one(*, user: User, agreement: Agreement, item: PlanItem, comment: str) -> CountersignResult:
    existing = Countersign.objects.filter(plan_item=item).first()
    if existing is not None:
        return CountersignResult(item.pk, "already_signed", existing)
    try:
        _require_active(agreement)
    except ApiError as error:
        return CountersignResult(item.pk, "rejected", error=error)
    latest = Rating.objects.filter(plan_item=item).order_by("-created_at", "-id").first()
    if latest is None or latest.level not in PROFICIENT_LEVELS:
        shown = latest.get_level_display() if latest else "尚未评定"
        return CountersignResult(item.pk, "rejected", error=conflict(
            "not_proficient", f"“{item.competency.name}”的最新评定为“{shown}”，达到“达到”及以上才能确认",
            detail={"plan_item_id": item.pk, "level": latest.level if latest else None}))
    if latest.rated_by_id == user.pk:
        return CountersignResult(item.pk, "rejected", error=forbidden(
            "不能确认自己作出的评定，请由其他负责人确认", code="cannot_countersign_own_rating"))
    with transaction.atomic():
        signed = Countersign.objects.create(plan_item=item, rating=latest, signed_by=user, comment=comment.strip())
    return CountersignResult(item.pk, "signed", signed)


# --- evidence ------------------------------------------------------------------------------------
MAX_HOURS_PER_DAY = Decimal("24")

# Who may submit which kind by hand (approved runs and contest results arrive by themselves).
SUBMITTERS: dict[str, set[str]] = {
    Evidence.Kind.PRACTICE_HOURS: {"apprentice", "master"},
    Evidence.Kind.MEDIA: {"apprentice", "master"},
    Evidence.Kind.MASTER_NOTE: {"master"},
}


def _replayed_evidence(*, user: User, client_id: str, agreement_id: int, kind: str) -> Evidence | None:
    existing = Evidence.objects.filter(created_by=user, client_id=client_id).first()
    if existing is not None and (existing.agreement_id != agreement_id or existing.kind != kind):
        raise conflict("client_id_conflict", "该客户端编号已用于另一条记录", detail={"evidence_id": existing.pk})
    return existing


@transaction.atomic
def add_evidence(*, user: User, agreement_id: int, kind: str, client_id: str, plan_item_id: int | None = None,
                 description: str = "", occurred_on: date | None = None, hours: Decimal | None = None,
                 photo_ids: list[int] | None = None) -> tuple[Evidence, bool]:
    """Log practice hours, photos or a master's note. A resend with the same client_id returns the
    first row. The master's own entries are signed by them at once."""
    replay = _replayed_evidence(user=user, client_id=client_id, agreement_id=agreement_id, kind=kind)
    if replay is not None:
        return replay, False
    agreement = selectors.get_agreement(user, agreement_id)
    roles = selectors.role_in(user, agreement)
    if not roles & SUBMITTERS.get(kind, set()):
        who = "师傅" if kind == Evidence.Kind.MASTER_NOTE else "徒弟本人或其师傅"
        raise forbidden(f"只有{who}可以提交此类记录", code="evidence_not_allowed")
    locked = _locked(agreement.pk)
    # A copy that waited for the lock while the first one committed: return that one, check nothing.
    replay = _replayed_evidence(user=user, client_id=client_id, agreement_id=agreement_id, kind=kind)
    if replay is not None:
        return replay, False
    _require_active(locked)
    if plan_item_id is not None and not PlanItem.objects.filter(pk=plan_item_id, agreement=locked).exists():
        raise unprocessable("unknown_plan_item", "该能力项不在此培养计划中", detail={"plan_item_id": plan_item_id})
    today = timezone.localdate()
    occurred_on = occurred_on or today
    if occurred_on > today:
        raise _field_error("date", "日期不能晚于今天", code="invalid_date")
    if occurred_on < locked.start_date:
        raise _field_error("date", f"日期不能早于协议开始日期 {locked.start_date:%Y-%m-%d}", code="invalid_date")
    description = (description or "").strip()
    if kind == Evidence.Kind.PRACTICE_HOURS:
        if hours is None or hours <= 0 or hours > MAX_HOURS_PER_DAY:
            raise _field_error("hours", "学时应大于 0 且不超过 24", code="invalid_hours")
        logged = Evidence.objects.filter(agreement=locked, kind=kind, occurred_on=occurred_on) \
            .aggregate(total=Sum("hours"))["total"] or Decimal("0")
        if logged + hours > MAX_HOURS_PER_DAY:
            raise unprocessable("too_many_hours", f"{occurred_on:%Y-%m-%d} 已记录 {logged} 学时，一天合计不能超过 24 学时",
                                detail={"date": occurred_on, "logged": float(logged), "hours": float(hours)})
    else:
        hours = None
    if kind == Evidence.Kind.MASTER_NOTE and not description:
        raise _field_error("description", "请填写记录内容")
    attached = photos_for_attaching(user=user, photo_ids=photo_ids or [])
    if kind == Evidence.Kind.MEDIA and not attached:
        raise _field_error("photo_ids", "请先上传照片，再提交照片编号")
    evidence, created = create_once(
        lambda: Evidence.objects.create(agreement=locked, plan_item_id=plan_item_id, kind=kind,
                                        description=description, occurred_on=occurred_on, hours=hours,
                                        created_by=user, client_id=client_id),
        find=lambda: Evidence.objects.filter(created_by=user, client_id=client_id).first())
    if not created:
        return evidence, False
    attach_photos(photos=attached, owner=evidence)
    if "master" in roles:
        EvidenceSignature.objects.create(evidence=evidence, signed_by=user)
    return evidence, True


@transaction.atomic
def sign_evidence(*, user: User, evidence_id: int, comment: str = "") -> tuple[EvidenceSignature, bool]:
    evidence = Evidence.objects.filter(pk=evidence_id,
                                       agreement__in=selectors.visible_agreements(user).values("pk")).first()
    if evidence is None:
        raise not_found("证据")
    agreement = selectors.get_agreement(user, evidence.agreement_id)
    _require_master(user, agreement)
    _locked(agreement.pk)
    existing = EvidenceSignature.objects.filter(evidence=evidence).first()
    if existing is not None:
        return existing, False
    return EvidenceSignature.objects.create(evidence=evidence, signed_by=user, comment=comment.strip()), True


# --- automatic evidence --------------------------------------------------------------------------
def _append_auto(rows: list[tuple[Evidence, User | None]]) -> int:
    """Append automatic evidence, each row at most once (the unique constraints decide); sign it by
    whoever vouched for it at the source."""
    added = 0
    for evidence, signer in rows:
        try:
            with transaction.atomic():
                evidence.save()
                if signer is not None:
                    EvidenceSignature.objects.create(evidence=evidence, signed_by=signer)
        except IntegrityError:
            continue
        added += 1
    return added


def _run_evidence(item: PlanItem, run: ProcedureRun) -> Evidence:
    when = timezone.localdate(run.completed_at or run.started_at)
    return Evidence(agreement_id=item.agreement_id, plan_item=item, kind=Evidence.Kind.APPROVED_RUN, run=run,
                    occurred_on=when, description=f"{run.procedure.title}（{run.point.code} {run.point.name}）实操审核通过")


def record_run_evidence(*, run: ProcedureRun, review: RunReview) -> int:
    """An approved run becomes evidence for every competency linking its procedure in the performer's
    open plans. Called inside the review's transaction (`practice.signals.run_approved`)."""
    items = list(PlanItem.objects.filter(agreement__apprentice_id=run.performer_id, agreement__state__in=OPEN_STATES,
                                         competency__procedures=run.procedure_id).distinct())
    if not items:
        return 0
    run = run_with_place(run.pk)
    existing = set(Evidence.objects.filter(run=run, plan_item__in=items).values_list("plan_item_id", flat=True))
    return _append_auto([(_run_evidence(item, run), review.reviewer) for item in items if item.pk not in existing])


def backfill_evidence(*, agreement: Agreement) -> int:
    """Runs approved and contest results published before the plan existed count too (up to the
    agreement's end date)."""
    items = list(PlanItem.objects.filter(agreement=agreement).prefetch_related("competency__procedures"))
    wanted: dict[int, list[PlanItem]] = {}
    for item in items:
        for procedure in item.competency.procedures.all():
            wanted.setdefault(procedure.pk, []).append(item)
    added = 0
    if wanted:
        # Earlier work counts (prior learning); work after the agreement ended does not.
        ended = shanghai_day_start(agreement.end_date + timedelta(days=1))
        runs = list(approved_runs(user=agreement.apprentice, procedure=list(wanted))
                    .filter(completed_at__lt=ended).select_related("procedure", "point").order_by("completed_at", "id"))
        reviewers = approvers_of(runs)  # the latest (approving) review's reviewer
        existing = set(Evidence.objects.filter(agreement=agreement, run__isnull=False)
                       .values_list("plan_item_id", "run_id"))
        added += _append_auto([(_run_evidence(item, run), reviewers.get(run.pk)) for run in runs
                               for item in wanted[run.procedure_id] if (item.pk, run.pk) not in existing])
    before = shanghai_day_start(agreement.end_date + timedelta(days=1))
    for event in contest_selectors.published_events_of(agreement.apprentice, before=before):
        added += record_contest_results(event=event, agreements=[agreement],
                                        entries=contest_selectors.entries_of(event, contestant=agreement.apprentice))
    return added + backfill_training(agreement=agreement)


def record_contest_results(*, event, actor: User | None = None, agreements: list[Agreement] | None = None,
                           entries=None) -> int:
    """A published event's results become evidence for its contestants who have open agreements: for
    each competency that accepts contest results, else for the agreement as a whole. Signed by the
    chief judge who published them. Called inside `publish_event`'s transaction."""
    entries = entries if entries is not None else contest_selectors.entries_of(event)
    people = contest_selectors.entry_people(entries)  # a team entry stands for every member (issue 17)
    if agreements is None:
        agreements = list(Agreement.objects.filter(apprentice__in=[p for ids in people.values() for p in ids],
                                                   state__in=OPEN_STATES))
    if not entries or not agreements:
        return 0
    by_apprentice: dict[int, list[Agreement]] = {}
    for agreement in agreements:
        by_apprentice.setdefault(agreement.apprentice_id, []).append(agreement)
    rows = contest_selectors.published_results(event)
    if actor is None:
        actor = contest_selectors.publisher_of(event)
    items: dict[int, list[PlanItem]] = {}
    for item in PlanItem.objects.filter(agreement__in=agreements, competency__accepts_contest_results=True):
        items.setdefault(item.agreement_id, []).append(item)
    contest = event.contest
    when = timezone.localdate(event.published_at or timezone.now())
    new = []
    for entry in entries:
        row = rows.get(entry.pk)
        for agreement in [a for person in people.get(entry.pk, []) for a in by_apprentice.get(person, [])]:
            data = {"rank": row["rank"] if row else None, "total": row["total"] if row else None,
                    "entries": len(rows), "code": entry.code}
            text = f"{contest.name} · {event.name}"
            if entry.team_name:
                data["team"] = contest_selectors.entry_name(entry)
                text += f"（团队：{data['team']}）"
            if row:
                text += f"：第 {row['rank']} 名（共 {len(rows)} 人），总分 {row['total']}"
            targets: Sequence[PlanItem | None] = items.get(agreement.pk) or [None]
            for target in targets:
                evidence = Evidence(agreement=agreement, plan_item=target, kind=Evidence.Kind.CONTEST_RESULT,
                                    contest_entry=entry, occurred_on=when, description=text, data=data)
                new.append((evidence, actor))
    return _append_auto(new)


def record_contest_correction(*, event, result, entry_ids: list[int]) -> int:
    """A published event was published again (version `result.version`, after an appeal's re-mark):
    the corrected result of each entry that moved becomes new evidence beside the old one (evidence is
    never edited), once per version (`source`), signed by the chief judge who published the event."""
    entries = [e for e in contest_selectors.entries_of(event) if e.pk in set(entry_ids)]
    if not entries:
        return 0
    people = contest_selectors.entry_people(entries)  # a team entry stands for every member (issue 17)
    agreements: dict[int, list[Agreement]] = {}
    for agreement in Agreement.objects.filter(apprentice__in=[p for ids in people.values() for p in ids],
                                              state__in=OPEN_STATES):
        agreements.setdefault(agreement.apprentice_id, []).append(agreement)
    items: dict[int, list[PlanItem]] = {}
    for item in PlanItem.objects.filter(agreement__apprentice__in=list(agreements), agreement__state__in=OPEN_STATES,
                                        competency__accepts_contest_results=True):
        items.setdefault(item.agreement_id, []).append(item)
    rows = {row["entry_id"]: row for row in result.rows}
    changes = {change["entry_id"]: change for change in result.changes}
    signer = contest_selectors.publisher_of(event)
    when = timezone.localdate(result.published_at or timezone.now())
    new = []
    for entry in entries:
        row, change = rows.get(entry.pk), changes.get(entry.pk, {})
        if row is None:
            continue
        team = f"（团队：{contest_selectors.entry_name(entry)}）" if entry.team_name else ""
        text = (f"{event.contest.name} · {event.name}{team}（成绩更正，第 {result.version} 版）：第 {row['rank']} 名"
                f"（共 {len(rows)} 人），总分 {row['total']}")
        data = {"contest": event.contest.name, "event": event.name, "event_id": event.pk,
                "rank": row["rank"], "total": row["total"], "entries": len(rows), "code": entry.code,
                "entry_id": entry.pk, "version": result.version, "previous_rank": change.get("old_rank"),
                "previous_total": change.get("old_total")}
        for agreement in [a for person in people.get(entry.pk, []) for a in agreements.get(person, [])]:
            targets: Sequence[PlanItem | None] = items.get(agreement.pk) or [None]
            for target in targets:
                new.append((Evidence(agreement=agreement, plan_item=target, kind=Evidence.Kind.CONTEST_RESULT,
                                     source=f"competitions.result:{entry.pk}:v{result.version}", occurred_on=when,
                                     description=text, data=data), signer))
    return _append_auto(new)


MAX_EVIDENCE_HOURS = Decimal("999.9")  # Evidence.hours holds four digits


def _exam_items(agreements: list[Agreement]) -> dict[int, list[PlanItem]]:
    """Plan items a theory exam speaks for: the certification-stage knowledge competencies (理论考试)."""
    items: dict[int, list[PlanItem]] = {}
    for item in PlanItem.objects.filter(agreement__in=agreements, competency__stage="certification",
                                        competency__kind="knowledge"):
        items.setdefault(item.agreement_id, []).append(item)
    return items


def record_course_evidence(*, user_id: int, course, completed_at, agreements: list[Agreement] | None = None) -> int:
    """A completed course is evidence for the learner's open agreements, with its 学时 (they count towards
    the planned hours). Called inside the completing transaction (`training.signals.course_completed`)."""
    if agreements is None:
        agreements = list(Agreement.objects.filter(apprentice_id=user_id, state__in=OPEN_STATES))
    hours = min(course.learning_hours, MAX_EVIDENCE_HOURS)
    rows: list[tuple[Evidence, User | None]] = [(Evidence(agreement=agreement, kind=Evidence.Kind.COURSE_COMPLETED, source=f"training.course:{course.pk}",
                      occurred_on=timezone.localdate(completed_at), hours=hours if hours > 0 else None,
                      description=f"完成线上课程《{course.title}》（{course.learning_hours} 学时）",
                      data={"course_id": course.pk}), None) for agreement in agreements]
    return _append_auto(rows)


def record_exam_evidence(*, attempt, agreements: list[Agreement] | None = None) -> int:
    """A passed exam is evidence for the theory competencies of the candidate's open agreements (or the
    agreement as a whole), once per exam. Called inside the grading transaction (`training.signals.exam_passed`)."""
    if agreements is None:
        agreements = list(Agreement.objects.filter(apprentice_id=attempt.user_id, state__in=OPEN_STATES))
    if not agreements:
        return 0
    items = _exam_items(agreements)
    exam = attempt.exam
    rows: list[tuple[Evidence, User | None]] = []
    for agreement in agreements:
        targets: list[PlanItem | None] = [*items.get(agreement.pk, [])] or [None]
        for item in targets:
            rows.append((Evidence(agreement=agreement, plan_item=item, kind=Evidence.Kind.EXAM_PASSED,
                                  source=f"training.exam:{exam.pk}", occurred_on=timezone.localdate(attempt.submitted_at),
                                  description=f"通过《{exam.title}》，成绩 {attempt.score} 分",
                                  data={"exam_id": exam.pk, "attempt_id": attempt.pk, "score": str(attempt.score)}),
                         None))
    return _append_auto(rows)


def backfill_training(*, agreement: Agreement) -> int:
    """Courses completed and exams passed before the agreement count too (up to its end date)."""
    from training.selectors import completed_courses, passed_attempts

    until = shanghai_day_start(agreement.end_date + timedelta(days=1))
    added = 0
    for enrolment in completed_courses(user_id=agreement.apprentice_id, before=until):
        added += record_course_evidence(user_id=agreement.apprentice_id, course=enrolment.course,
                                        completed_at=enrolment.completed_at, agreements=[agreement])
    for attempt in passed_attempts(user_id=agreement.apprentice_id, before=until):
        added += record_exam_evidence(attempt=attempt, agreements=[agreement])
    return added


# --- reviews -------------------------------------------------------------------------------------
@transaction.atomic
def open_review(*, user: User, agreement_id: int, summary: str, next_steps: str = "", is_final: bool = False,
                client_id: str | None = None) -> tuple[Review, bool]:
    """The master or a leader writes up a progress review; the three parties then sign it."""
    if client_id:
        existing = Review.objects.filter(opened_by=user, client_id=client_id).first()
        if existing is not None:
            if existing.agreement_id != agreement_id:
                raise conflict("client_id_conflict", "该客户端编号已用于另一次评价", detail={"review_id": existing.pk})
            return existing, False
    agreement = selectors.get_agreement(user, agreement_id)
    if not selectors.role_in(user, agreement) & {"master", "leader"}:
        raise forbidden("只有师傅或工作室负责人可以发起阶段评价", code="review_not_allowed")
    locked = _locked(agreement.pk)
    if client_id:  # a copy that waited for the lock while the first one committed
        existing = Review.objects.filter(opened_by=user, client_id=client_id, agreement=locked).first()
        if existing is not None:
            return existing, False
    _require_active(locked)
    if is_final and Review.objects.filter(agreement=locked, is_final=True).exists():
        raise conflict("final_review_exists", "出师评价已经发起，请在原评价上签字")
    number = (Review.objects.filter(agreement=locked).order_by("-number").values_list("number", flat=True).first()
              or 0) + 1
    review = Review.objects.create(agreement=locked, number=number, is_final=is_final, summary=summary.strip(),
                                   next_steps=next_steps.strip(), opened_by=user, client_id=client_id or None)
    others = [u for u in (agreement.apprentice, agreement.master) if u.pk != user.pk]
    _notify(others, title=f"请签字确认第{number}次{'出师' if is_final else '阶段'}评价", body=review.summary[:100],
            agreement=agreement, key=f"review:{review.pk}", review_id=review.pk)
    return review, True


@transaction.atomic
def sign_review(*, user: User, review_id: int, comment: str = "") -> tuple[ReviewSignature, bool]:
    """Sign as whichever party the user is and has not yet signed (apprentice, then master, then leader);
    one signature per person and per role. Signing again returns the first signature."""
    review = Review.objects.filter(pk=review_id,
                                   agreement__in=selectors.visible_agreements(user).values("pk")).first()
    if review is None:
        raise not_found("阶段评价")
    agreement = selectors.get_agreement(user, review.agreement_id)
    locked = _locked(agreement.pk)
    mine = ReviewSignature.objects.filter(review=review, signer=user).first()
    if mine is not None:
        return mine, False
    _require_active(locked)
    roles = selectors.role_in(user, agreement)
    if not roles:
        raise forbidden("只有徒弟、师傅和工作室负责人可以签字", code="not_a_party")
    taken = set(ReviewSignature.objects.filter(review=review).values_list("role", flat=True))
    role = next((r for r in ("apprentice", "master", "leader") if r in roles and r not in taken), None)
    if role is None:
        raise conflict("review_role_signed", "该身份已有人签字", detail={"roles": sorted(roles)})
    try:
        with transaction.atomic():
            signature = ReviewSignature.objects.create(review=review, role=role, signer=user, comment=comment.strip())
    except IntegrityError:
        raise conflict("review_role_signed", "该身份已有人签字", detail={"roles": sorted(roles)}) from None
    if len(taken) + 1 == len(ReviewSignature.Role.choices) and review.is_final:
        leaders = holders_over(Role.WORKSHOP_LEADER, agreement.studio.path)
        _notify(leaders, title="出师评价已三方签字", body=f"{agreement.apprentice.name}可以办理出师",
                agreement=agreement, key=f"final:{review.pk}")
    return signature, True


# --- periodic ------------------------------------------------------------------------------------
def notify_overdue_reviews() -> int:
    """Scheduled: tell the master and the studio's leaders once per overdue review (dedupe per due date)."""
    agreements = list(Agreement.objects.filter(state=Agreement.State.ACTIVE).select_related("studio", "master",
                                                                                             "apprentice"))
    facts = selectors.facts_for([a.pk for a in agreements])
    thresholds = selectors.thresholds_for({a.studio_id for a in agreements})
    today = timezone.localdate()
    grants = grant_holders(Role.WORKSHOP_LEADER)
    sent = 0
    for agreement in agreements:
        p = selectors.progress_of(agreement, facts[agreement.pk], today, thresholds)
        if not p.review_overdue:
            continue
        leaders = [user for path, user in grants if agreement.studio.path.startswith(path)]
        with transaction.atomic():
            _notify([agreement.master, *leaders], title="阶段评价已逾期",
                    body=f"{agreement.apprentice.name}的阶段评价应于 {p.next_review_due:%Y-%m-%d} 前完成",
                    agreement=agreement, key=f"overdue:{p.next_review_due:%Y%m%d}")
        sent += 1
    return sent
