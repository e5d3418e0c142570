"""师徒带教 for the three roles: the apprentice's own plan, the master's apprentices at a glance, the
leader's dashboard; and the public certificate check. Parse, call a service or selector, return."""

from __future__ import annotations

import json
from typing import Literal
from urllib.parse import quote

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from ninja import Router

from competitions import selectors as competition_selectors
from competitions.schemas import AwardCertificateOut
from miniprogram_api.errors import ApiError
from miniprogram_api.idempotency import created_or_replayed
from miniprogram_api.ratelimit import check_rate
from miniprogram_api.schemas import Id, Limit, Offset
from training import selectors as training_selectors
from training.schemas import StudioLearningOut

from . import certificates, export, selectors, services
from .models import Certificate, Evidence
from .schemas import (
    AgreementCompleteIn,
    AgreementIn,
    AgreementListOut,
    AgreementOut,
    AgreementReasonIn,
    ApprenticeshipReviewIn,
    ApprenticeshipReviewOut,
    BulkCountersignIn,
    BulkCountersignOut,
    CertificateOut,
    CohortIn,
    CohortOut,
    CommentIn,
    CountersignItemOut,
    DashboardOut,
    EvidenceIn,
    EvidenceOut,
    HoursIn,
    RatingIn,
    RatingOut,
    SignedOut,
    TemplateOut,
)

router = Router(tags=["师徒带教"])
studios_router = Router(tags=["师徒带教"])
certificates_router = Router(tags=["师徒带教"])

PNG = {"responses": {200: {"description": "PNG 图片", "content": {"image/png": {}}}}}
XLSX = {"responses": {200: {"description": "Excel 工作簿",
                            "content": {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}}}}}
Roles = Literal["apprentice", "master", "leader"]
Sorts = Literal[tuple(selectors.SORTS)]


def _agreement(request: HttpRequest, agreement_id: int) -> dict:
    agreement = selectors.get_agreement(request.user, agreement_id)
    return selectors.plans_for([agreement], request=request)[0]


def _evidence(request: HttpRequest, evidence_id: int) -> dict:
    """One item of evidence as the plan shows it (through the same loader, so the shapes agree)."""
    plan = _agreement(request, selectors.agreement_id_of_evidence(evidence_id))
    items = plan["general_evidence"] + [e for item in plan["plan"] for e in item["evidence"]]
    return next(e for e in items if e["id"] == evidence_id)


# --- the apprentice ------------------------------------------------------------------------------
@router.get("/mine", response=AgreementOut,
            summary="徒弟：我的培养计划、每项能力的状态与证据、进度与风险")
def mine(request: HttpRequest):
    return selectors.plans_for([selectors.mine(request.user)], request=request)[0]


@router.post("/{int:agreement_id}/hours", response={200: EvidenceOut, 201: EvidenceOut},
             summary="记录实训学时（client_id 重发返回同一条，200）")
def log_hours(request: HttpRequest, agreement_id: Id, payload: HoursIn):
    evidence, created = services.add_evidence(
        user=request.user, agreement_id=agreement_id, kind=Evidence.Kind.PRACTICE_HOURS, client_id=payload.client_id,
        plan_item_id=payload.plan_item_id, description=payload.description, occurred_on=payload.date,
        hours=payload.hours)
    return created_or_replayed(created, _evidence(request, evidence.pk))


@router.post("/{int:agreement_id}/evidence", response={200: EvidenceOut, 201: EvidenceOut},
             summary="提交证据：照片（先上传）或师傅记录（client_id 重发返回同一条，200）")
def add_evidence(request: HttpRequest, agreement_id: Id, payload: EvidenceIn):
    evidence, created = services.add_evidence(
        user=request.user, agreement_id=agreement_id, kind=payload.kind, client_id=payload.client_id,
        plan_item_id=payload.plan_item_id, description=payload.description, occurred_on=payload.date,
        photo_ids=payload.photo_ids)
    return created_or_replayed(created, _evidence(request, evidence.pk))


# --- lists and details ---------------------------------------------------------------------------
@router.get("", response=AgreementListOut,
            summary="协议列表：role=master 为我带的徒弟（每人的完整计划），role=leader 为所辖工作室")
def list_agreements(request: HttpRequest, role: Roles | None = None,
                    state: Literal["draft", "active", "completed", "terminated"] | None = None,
                    studio: Id | None = None, limit: Limit = 20, offset: Offset = 0):
    agreements = selectors.agreements_for_role(request.user, role)
    if state:
        agreements = agreements.filter(state=state)
    if studio is not None:
        agreements = agreements.filter(studio_id=studio)
    agreements = agreements.order_by("apprentice__display_name", "id")
    page = list(agreements[offset:offset + limit])
    return {"count": agreements.count(), "items": selectors.plans_for(page, request=request)}


@router.get("/templates", response=list[TemplateOut],
            summary="工作室负责人：可用的培养计划模板")
def list_templates(request: HttpRequest, studio: Id | None = None):
    return [{"id": t.pk, "name": t.name, "studio": {"id": t.studio_id, "name": t.studio.name},
             "framework": {"id": t.framework_id, "name": t.framework.name}, "target_level": t.target_level,
             "target_level_label": t.get_target_level_display(), "duration_weeks": t.duration_weeks,
             "planned_hours": float(t.planned_hours), "review_interval_weeks": t.review_interval_weeks,
             "competencies": t.competencies}
            for t in selectors.templates_for(request.user, studio)]


@router.get("/{int:agreement_id}", response=AgreementOut, summary="协议详情：完整计划、证据、评价、进度与风险")
def agreement_detail(request: HttpRequest, agreement_id: Id):
    return _agreement(request, agreement_id)


# --- the leader: agreements ----------------------------------------------------------------------
@router.post("", response={200: AgreementOut, 201: AgreementOut},
             summary="工作室负责人：按模板签订师带徒协议（草拟），自动生成培养计划并带入已有证据")
def create_agreement(request: HttpRequest, payload: AgreementIn):
    agreement, created = services.create_agreement(
        actor=request.user, studio_id=payload.studio_id, apprentice_id=payload.apprentice_id,
        master_id=payload.master_id, template_id=payload.template_id, start_date=payload.start_date,
        end_date=payload.end_date, planned_hours=payload.planned_hours,
        review_interval_weeks=payload.review_interval_weeks, client_id=payload.client_id)
    return created_or_replayed(created, _agreement(request, agreement.pk))


@router.post("/cohort", response=CohortOut,
             summary="工作室负责人：一批徒弟按同一模板签订协议（每人一个结果；client_id 重发不重复）")
def create_cohort(request: HttpRequest, payload: CohortIn):
    results = services.create_cohort(
        actor=request.user, studio_id=payload.studio_id, template_id=payload.template_id,
        start_date=payload.start_date, end_date=payload.end_date, master_id=payload.master_id,
        members=[(m.apprentice_id, m.master_id) for m in payload.apprentices], client_id=payload.client_id)
    return {"results": [{"apprentice_id": r.apprentice_id, "status": r.status,
                         "agreement_id": r.agreement.pk if r.agreement else None,
                         "code": r.error.code if r.error else None, "message": r.error.message if r.error else None,
                         "detail": r.error.detail if r.error else None} for r in results]}


@router.post("/{int:agreement_id}/activate", response=AgreementOut, summary="工作室负责人：协议生效")
def activate(request: HttpRequest, agreement_id: Id):
    services.activate(actor=request.user, agreement_id=agreement_id)
    return _agreement(request, agreement_id)


@router.post("/{int:agreement_id}/terminate", response=AgreementOut,
             summary="工作室负责人：终止协议（须说明原因）")
def terminate(request: HttpRequest, agreement_id: Id, payload: AgreementReasonIn):
    services.terminate(actor=request.user, agreement_id=agreement_id, reason=payload.reason)
    return _agreement(request, agreement_id)


@router.post("/{int:agreement_id}/complete", response=AgreementOut,
             summary="工作室负责人：办理出师（全部能力项已确认且出师评价三方签字），评定等级并发放证书")
def complete(request: HttpRequest, agreement_id: Id, payload: AgreementCompleteIn):
    services.complete(actor=request.user, agreement_id=agreement_id, grade=payload.grade,
                      theory_score=payload.theory_score, practical_score=payload.practical_score,
                      comment=payload.comment)
    return _agreement(request, agreement_id)


# --- the master: ratings, signatures, reviews ----------------------------------------------------
@router.post("/plan-items/{int:plan_item_id}/ratings", response={200: RatingOut, 201: RatingOut},
             summary="师傅：评定一项能力（四级：未达到/基本达到/达到/熟练；重新评定为追加）")
def rate(request: HttpRequest, plan_item_id: Id, payload: RatingIn):
    rating, created = services.rate(user=request.user, plan_item_id=plan_item_id, level=payload.level,
                                    comment=payload.comment, client_id=payload.client_id)
    return created_or_replayed(created, selectors.rating_out(rating))


def _signed(signature, signer, role=None) -> dict:
    return {"id": signature.pk, "status": "signed", "signed_by": selectors.person(signer),
            "signed_at": signature.created_at, "role": role}


@router.post("/evidence/{int:evidence_id}/sign", response={200: SignedOut, 201: SignedOut},
             summary="师傅：签认徒弟提交的证据（重复签认返回原签认，200）")
def sign_evidence(request: HttpRequest, evidence_id: Id, payload: CommentIn | None = None):
    signature, created = services.sign_evidence(user=request.user, evidence_id=evidence_id,
                                                comment=payload.comment if payload else "")
    return created_or_replayed(created, _signed(signature, signature.signed_by))


@router.post("/{int:agreement_id}/reviews", response={200: ApprenticeshipReviewOut, 201: ApprenticeshipReviewOut},
             summary="师傅或负责人：发起阶段评价（is_final=true 为出师评价），随后三方签字")
def open_review(request: HttpRequest, agreement_id: Id, payload: ApprenticeshipReviewIn):
    review, created = services.open_review(user=request.user, agreement_id=agreement_id, summary=payload.summary,
                                           next_steps=payload.next_steps, is_final=payload.is_final,
                                           client_id=payload.client_id)
    plan = _agreement(request, review.agreement_id)
    return created_or_replayed(created, next(r for r in plan["reviews"] if r["id"] == review.pk))


@router.post("/reviews/{int:review_id}/sign", response={200: SignedOut, 201: SignedOut},
             summary="徒弟、师傅、负责人：在阶段评价上签字（身份按本人在协议中的角色确定）")
def sign_review(request: HttpRequest, review_id: Id, payload: CommentIn | None = None):
    signature, created = services.sign_review(user=request.user, review_id=review_id,
                                              comment=payload.comment if payload else "")
    return created_or_replayed(created, _signed(signature, signature.signer, role=signature.role))


# --- the leader: countersign and the dashboard ---------------------------------------------------
def _countersign_out(result: services.CountersignResult) -> dict:
    error = result.error
    return {"plan_item_id": result.plan_item_id, "status": result.status,
            "code": error.code if error else None, "message": error.message if error else None}


@router.post("/plan-items/{int:plan_item_id}/countersign",
             response={200: CountersignItemOut, 201: CountersignItemOut},
             summary="工作室负责人：确认一项已达到的能力（确认后为最终结果）")
def countersign_one(request: HttpRequest, plan_item_id: Id, payload: CommentIn | None = None):
    [result] = services.countersign(user=request.user, plan_item_ids=[plan_item_id],
                                    comment=payload.comment if payload else "")
    if result.error is not None:
        raise result.error
    return created_or_replayed(result.status == "signed", _countersign_out(result))


@studios_router.post("/{int:studio_id}/countersign", response=BulkCountersignOut,
             summary="工作室负责人：批量确认能力项（每项一个结果，已确认的不重复）")
def countersign_bulk(request: HttpRequest, studio_id: Id, payload: BulkCountersignIn):
    studio = selectors.led_studio(request.user, studio_id)
    results = services.countersign(user=request.user, plan_item_ids=payload.plan_item_ids, comment=payload.comment,
                                   within=studio)
    rows = [_countersign_out(r) for r in results]
    return {"results": rows, "signed": sum(r["status"] == "signed" for r in rows),
            "rejected": sum(r["status"] == "rejected" for r in rows)}


@studios_router.get("/{int:studio_id}/dashboard", response=DashboardOut,
            summary="工作室负责人：每位徒弟一行（进度与应达、学时与应达、风险及原因、最近活动、下次评价），红黄绿人数，可排序")
def dashboard(request: HttpRequest, studio_id: Id, sort: Sorts = "rag", rag: Literal["green", "amber", "red"] | None = None,
              state: Literal["active", "draft", "completed", "terminated", "all"] = "active"):
    data = selectors.dashboard(request.user, studio_id, sort=sort, rag=rag, state=state)
    # Hundreds of rows: serialised directly rather than validated row by row against DashboardOut
    # (which cost more than computing them); tests check the body against the schema.
    return HttpResponse(json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":")),
                        content_type="application/json; charset=utf-8")


@studios_router.get("/{int:studio_id}/dashboard.xlsx", openapi_extra=XLSX, summary="工作室负责人：看板导出 Excel（与看板同序）")
def dashboard_xlsx(request: HttpRequest, studio_id: Id, sort: Sorts = "rag",
                   rag: Literal["green", "amber", "red"] | None = None,
                   state: Literal["active", "draft", "completed", "terminated", "all"] = "active"):
    data = selectors.dashboard(request.user, studio_id, sort=sort, rag=rag, state=state)
    response = HttpResponse(export.dashboard_workbook(data),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="dashboard-{studio_id}-{data["today"]:%Y%m%d}.xlsx"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- public: certificates ------------------------------------------------------------------------
# The same path answers for 出师 certificates (this app) and award certificates (competitions, issue 17/18):
# both use the codes of credentials.codes; an award certificate's answer carries `kind: "award"`.
def find_certificate(request: HttpRequest, code: str) -> Certificate:
    check_rate(request, "certificate")  # public: checked per client address
    return selectors.certificate_by_code(code)


def find_any_certificate(request: HttpRequest, code: str):
    """A 出师 certificate, else an award certificate (404 certificate_not_found when neither; 410 when revoked)."""
    try:
        return find_certificate(request, code)
    except ApiError as error:
        if error.code != "certificate_not_found":
            raise
        award = competition_selectors.award_certificate_by_code(code)
        if award is None:
            raise
        return award


def certificate_answer(certificate) -> dict:
    if isinstance(certificate, Certificate):
        return certificates.verification_out(certificate)
    return competition_selectors.award_certificate_out(certificate)


@certificates_router.get("/{code}.png", auth=None, openapi_extra=PNG, summary="出师证书、获奖证书图片（PNG，含验证二维码）")
def certificate_png(request: HttpRequest, code: str):
    certificate = find_any_certificate(request, code)
    png = (certificates.render_png(certificate) if isinstance(certificate, Certificate)
           else competition_selectors.award_certificate_png(certificate))
    response = HttpResponse(png, content_type="image/png")
    response["Content-Disposition"] = f'inline; filename="certificate-{certificate.code}.png"'
    return response


VC_JWT = {"responses": {200: {"description": "可验证电子证书（W3C VC，Open Badges 3.0，VC-JOSE-COSE）",
                              "content": {"application/vc+jwt": {}}}}}


@certificates_router.get("/{code}/credential", auth=None, openapi_extra=VC_JWT,
                         summary="下载可验证电子证书（application/vc+jwt，可离线验证签名与撤销状态）")
def certificate_credential(request: HttpRequest, code: str):
    certificate = find_any_certificate(request, code)
    credential = certificate_answer(certificate)["credential"]
    if credential is None:
        raise ApiError("credential_not_issued", "该证书签发于电子证书功能上线之前，暂无可验证电子证书", status=404)
    response = HttpResponse(credential["jwt"], content_type="application/vc+jwt")
    response["Content-Disposition"] = f'attachment; filename="certificate-{certificate.code}.jwt"'
    return response


@certificates_router.get("/{code}", auth=None, response=CertificateOut | AwardCertificateOut,
            summary="公开验证出师证书、获奖证书（无需登录；浏览器打开时跳转到验证页面 /c/{code}）")
def verify_certificate(request: HttpRequest, code: str):
    if "text/html" in request.headers.get("Accept", ""):  # a person who scanned the QR: show the page
        return HttpResponseRedirect(f"/c/{quote(code, safe='')}")
    return certificate_answer(find_any_certificate(request, code))


# --- the studio's online learning (training owns the logic; /studios is this app's prefix) --------------
@studios_router.get("/{int:studio_id}/learning", response=StudioLearningOut,
                    summary="负责人、讲师：工作室线上学习情况（指派与结业、逾期、学时、考试通过率）")
def studio_learning(request: HttpRequest, studio_id: Id):
    return training_selectors.studio_learning(request.user, studio_id)


@studios_router.get("/{int:studio_id}/learning.xlsx", openapi_extra=XLSX,
                    summary="负责人、讲师：工作室线上学习情况导出 Excel")
def studio_learning_xlsx(request: HttpRequest, studio_id: Id):
    content, filename = training_selectors.studio_learning_workbook(request.user, studio_id)
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
