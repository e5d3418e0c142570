"""The roster's HTTP API under /api/v1/experts: parse, call a service or selector, present."""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from ninja import Query, Router, Status

from miniprogram_api.clock import local_today
from miniprogram_api.errors import ApiError, forbidden, not_found
from miniprogram_api.ratelimit import check_rate
from miniprogram_api.schemas import Id

from . import export, presenters, selectors, services
from .models import Application, Seat
from .schemas import (
    ApplicationIn,
    ApplicationOut,
    BindingCodeOut,
    CategoryKey,
    CertificationIn,
    CertificationOut,
    CountsOut,
    DrawIn,
    DrawOut,
    ExpertPage,
    ExpertRecordOut,
    InvitationAnswerIn,
    InvitationOut,
    RejectIn,
    SeatOut,
    SpecialityOut,
    VerifyOut,
)

router = Router(tags=["专家库"])

XLSX_DOC = {"responses": {200: {"description": "Excel 工作簿", "content": {export.XLSX: {}}}}}
UPLOAD_DOC = {"requestBody": {"content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"], "properties": {"file": {"type": "string", "format": "binary"}}}}},
    "required": True}}


def _manager(request: HttpRequest) -> None:
    if not selectors.can_manage(request.user):
        raise forbidden("只有专家库管理员可以查看", code="not_roster_manager")


@router.get("/specialities", response=list[SpecialityOut], summary="专业树（按排序，parent_id 指向上级）")
def specialities(request: HttpRequest):
    return [{"id": s.pk, "name": s.name, "code": s.code, "parent_id": s.parent_id} for s in selectors.speciality_tree()]


# --- roster -----------------------------------------------------------------------------------------------
@router.get("", response=ExpertPage, summary="管理员：专家名单（按专业、类别、状态筛选）")
def roster(request: HttpRequest, speciality_id: Id | None = None,
           category: CategoryKey | None = None,
           status: Literal["active", "suspended", "retired"] | None = None, q: str = "",
           limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0, le=10**6)):
    _manager(request)
    experts = selectors.roster(speciality_id=speciality_id, category=category, status=status, q=q[:40])
    return {"count": experts.count(),
            "items": [presenters.expert_row(e, request.user) for e in experts[offset:offset + limit]]}


@router.get("/roster.xlsx", openapi_extra=XLSX_DOC, summary="管理员：专家名单导出 Excel（含按类别、专业统计）")
def roster_xlsx(request: HttpRequest):
    _manager(request)
    rows = [presenters.expert_row(e, request.user) for e in selectors.roster()]
    response = HttpResponse(export.roster_workbook(rows, selectors.counts()), content_type=export.XLSX)
    response["Content-Disposition"] = 'attachment; filename="experts.xlsx"'
    response["Cache-Control"] = "private, no-store"
    return response


@router.get("/stats", response=CountsOut, summary="管理员：在库专家按类别、专业统计")
def stats(request: HttpRequest):
    _manager(request)
    return selectors.counts()


@router.get("/me", response=ExpertRecordOut, summary="我的专家档案（履职记录、讲师评价）")
def my_record(request: HttpRequest):
    expert = selectors.expert_of(request.user)
    if expert is None:
        raise not_found("专家档案", code="not_an_expert")
    record = selectors.expert_record(expert.pk)
    assert record is not None
    return presenters.expert_record(record, request.user)


@router.get("/me/certifications", response=list[CertificationOut], summary="我的资格证书（按有效期排序，已过期的标明）")
def my_certifications(request: HttpRequest):
    if selectors.expert_of(request.user) is None:
        raise not_found("专家档案", code="not_an_expert")
    today = local_today()
    return [services.certification_row(c, today) for c in selectors.my_certifications(request.user)]


@router.post("/me/certifications", response={201: CertificationOut, 200: CertificationOut},
             summary="专家本人：登记资格证书（含有效期）；同一 client_id 重发返回同一证书")
def add_my_certification(request: HttpRequest, payload: CertificationIn):
    row, created = services.add_certification(actor=request.user, client_id=payload.client_id, name=payload.name,
                                              number=payload.number, issued_on=payload.issued_on,
                                              expires_on=payload.expires_on)
    return Status(201 if created else 200, row)


@router.delete("/me/certifications/{int:certification_id}", response=list[CertificationOut],
               summary="专家本人：删除自己的一本资格证书，返回余下的证书")
def remove_my_certification(request: HttpRequest, certification_id: Id):
    services.remove_certification(actor=request.user, certification_id=certification_id)
    today = local_today()
    return [services.certification_row(c, today) for c in selectors.my_certifications(request.user)]


@router.post("/{int:expert_id}/binding-code", response={201: BindingCodeOut},
             summary="管理员：为系统外专家生成一次性账号绑定码（无账号时先建账号；首次微信登录时填写）")
def binding_code(request: HttpRequest, expert_id: Id):
    return Status(201, services.issue_binding_code(actor=request.user, expert_id=expert_id))


@router.get("/{int:expert_id}", response=ExpertRecordOut, summary="专家档案：证书、回避、履职记录、讲师评价")
def expert_detail(request: HttpRequest, expert_id: Id):
    expert = selectors.expert_record(expert_id)
    if expert is None or not (selectors.can_manage(request.user) or expert.user_id == request.user.pk):
        raise not_found("专家", code="expert_not_found")
    return presenters.expert_record(expert, request.user)


# --- applications -----------------------------------------------------------------------------------------
def _application_out(application: Application, request: HttpRequest) -> dict:
    fresh = (Application.objects.select_related("org_unit", "expert").prefetch_related("specialities")
             .get(pk=application.pk))
    return presenters.application_row(fresh, request.user)


@router.post("/applications", response={201: ApplicationOut, 200: ApplicationOut},
             summary="申请加入专家库（本人）；同一 client_id 重发返回同一申请")
def apply(request: HttpRequest, payload: ApplicationIn):
    data = services.ApplicationInput(
        name=payload.name, categories=list(payload.categories), speciality_ids=list(payload.speciality_ids),
        org_unit_id=payload.org_unit_id, unit_name=payload.unit_name, title=payload.title,
        skill_level=payload.skill_level, phone=payload.phone, statement=payload.statement)
    application, created = services.submit_application(applicant=request.user, client_id=payload.client_id or "",
                                                       data=data)
    return Status(201 if created else 200, _application_out(application, request))


@router.get("/applications", response=list[ApplicationOut],
            summary="入库申请：管理员看全部（可按状态筛选），其他人看自己的")
def applications(request: HttpRequest, status: Literal["submitted", "approved", "rejected"] | None = None):
    query = Application.objects.select_related("org_unit", "expert").prefetch_related("specialities")
    if not selectors.can_manage(request.user):
        query = query.filter(applicant=request.user)
    if status:
        query = query.filter(status=status)
    return [presenters.application_row(a, request.user) for a in query.order_by("-id")[:500]]


@router.get("/applications/{int:application_id}", response=ApplicationOut, summary="入库申请详情（含简历限时链接）")
def application_detail(request: HttpRequest, application_id: Id):
    application = Application.objects.filter(pk=application_id).first()
    if application is None or not (selectors.can_manage(request.user) or application.applicant_id == request.user.pk):
        raise not_found("入库申请", code="application_not_found")
    return _application_out(application, request)


@router.post("/applications/{int:application_id}/cv", response=ApplicationOut, openapi_extra=UPLOAD_DOC,
             summary="申请人：上传简历（PDF、doc、docx，10 MB 以内）")
def upload_cv(request: HttpRequest, application_id: Id):
    check_rate(request, "upload")
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > services.CV_MAX_BYTES + 64 * 1024:
        raise ApiError("cv_too_large", f"简历文件不能超过 {services.CV_MAX_BYTES // (1024 * 1024)} MB", status=413)
    if request.content_type != "multipart/form-data":
        raise ApiError("unsupported_media_type", "请以 multipart/form-data 上传文件（字段名 file）", status=415)
    try:
        upload = request.FILES.get("file")
    except MultiPartParserError:
        raise ApiError("bad_request", "上传内容格式不正确", status=400) from None
    if upload is None:
        raise ApiError("validation_error", "提交的数据不符合要求：file", status=422,
                       detail=[{"field": "file", "type": "missing", "message": "缺少必填字段"}])
    if upload.size > services.CV_MAX_BYTES:
        raise ApiError("cv_too_large", f"简历文件不能超过 {services.CV_MAX_BYTES // (1024 * 1024)} MB", status=413)
    application = services.attach_cv(actor=request.user, application_id=application_id, content=upload.read(),
                                     name=upload.name or "")
    return _application_out(application, request)


@router.post("/applications/{int:application_id}/approve", response=ApplicationOut,
             summary="管理员：审核通过，申请人入库并获得专家编号（ZJ-0001 起，连续不重）")
def approve(request: HttpRequest, application_id: Id):
    services.approve_application(actor=request.user, application_id=application_id)
    return _application_out(Application.objects.get(pk=application_id), request)


@router.post("/applications/{int:application_id}/reject", response=ApplicationOut,
             summary="管理员：审核不通过（须填写原因）")
def reject(request: HttpRequest, application_id: Id, payload: RejectIn):
    application = services.reject_application(actor=request.user, application_id=application_id,
                                              reason=payload.reason)
    return _application_out(application, request)


# --- draws ------------------------------------------------------------------------------------------------
def _draw_out(draw_id: int) -> dict:
    draw = selectors.draw_detail(draw_id)
    assert draw is not None
    return presenters.draw_row(draw)


@router.post("/draws", response={201: DrawOut}, summary="管理员：随机抽取专家（记录候选名单与随机种子，可复核）")
def create_draw(request: HttpRequest, payload: DrawIn):
    draw = services.draw(actor=request.user, purpose=payload.purpose, count=payload.count, backups=payload.backups,
                         speciality_ids=list(payload.specialities), categories=list(payload.categories),
                         avoid_unit_ids=list(payload.avoid_units), avoid_person_ids=list(payload.avoid_persons))
    return Status(201, _draw_out(draw.pk))


@router.get("/draws/{int:draw_id}", response=DrawOut, summary="管理员：抽取记录（抽中、备选及其答复）")
def draw_detail(request: HttpRequest, draw_id: Id):
    _manager(request)
    if selectors.draw_detail(draw_id) is None:
        raise not_found("抽取记录", code="draw_not_found")
    return _draw_out(draw_id)


@router.get("/draws/{int:draw_id}/verify", response=VerifyOut,
            summary="复核抽取：用记录的随机种子与候选名单重新计算，与记录的结果比对")
def verify_draw(request: HttpRequest, draw_id: Id):
    _manager(request)
    draw = selectors.draw_detail(draw_id)
    if draw is None:
        raise not_found("抽取记录", code="draw_not_found")
    return {**selectors.verify_draw(draw), "procedure": presenters.PROCEDURE}


@router.get("/invitations", response=list[InvitationOut], summary="我的抽取邀请（待确认与已答复）")
def invitations(request: HttpRequest):
    return [{"seat": presenters.seat_row(s), "draw_id": s.draw_id, "purpose": s.draw.purpose}
            for s in selectors.my_seats(request.user)]


@router.post("/invitations/{int:seat_id}/answer", response=SeatOut,
             summary="被抽中的专家：确认参加或谢绝（谢绝须填原因，自动递补下一位备选）")
def answer(request: HttpRequest, seat_id: Id, payload: InvitationAnswerIn):
    seat = services.answer(actor=request.user, seat_id=seat_id, accept=payload.accept, reason=payload.reason)
    return presenters.seat_row(seat)


@router.post("/draws/{int:draw_id}/seats/{int:seat_id}/answer", response=SeatOut,
             summary="管理员：代为登记专家的电话答复（系统外专家没有账号）")
def answer_on_behalf(request: HttpRequest, draw_id: Id, seat_id: Id, payload: InvitationAnswerIn):
    _manager(request)
    if not Seat.objects.filter(pk=seat_id, draw_id=draw_id).exists():
        raise not_found("抽取邀请", code="seat_not_found")
    seat = services.answer(actor=request.user, seat_id=seat_id, accept=payload.accept, reason=payload.reason,
                           on_behalf=True)
    return presenters.seat_row(seat)
