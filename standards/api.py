"""Points, labels and codes for admins and leaders; the standards catalogue for everyone."""

from __future__ import annotations

from typing import Literal

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from ninja import Query, Router

from miniprogram_api.errors import ApiError
from miniprogram_api.schemas import Bool, Id

from . import labels, selectors, services
from .models import PracticePoint
from .scan_cache import point_payload
from .schemas import CodeChangeIn, PointListOut, PointOut, StandardOut

points_router = Router(tags=["实操点与标准"])
standards_router = Router(tags=["实操点与标准"])

PNG = {"responses": {200: {"description": "PNG 图片", "content": {"image/png": {}}}}}
PDF = {"responses": {200: {"description": "A4 PDF，每页 3×7 张 63.5×38.1 mm 标签",
                           "content": {"application/pdf": {}}}}}


PER_PAGE_COPIES = labels.PER_PAGE  # copies of one point: at most a sheet of them


def point_out(point: PracticePoint) -> dict:
    qr = selectors.active_code_of(point)
    return {
        **point_payload(point),
        "qr_code": qr.code if qr else None,
        "qr_link": qr.link if qr else None,
        "procedures": [
            {"id": p.pk, "code": p.code, "title": p.title, "standard_code": p.standard.code,
             "version_id": p.current_version_id}
            for p in point.procedures.all()
        ],
        "label_url": f"/api/v1/points/{point.pk}/label.png",
        "wxacode_url": f"/api/v1/points/{point.pk}/wxacode.png",
    }


def _file(content: bytes, content_type: str, filename: str, inline: bool = True) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'{"inline" if inline else "attachment"}; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@points_router.get("", response=PointListOut, summary="实操点列表（管理员、调度员、工作室负责人）")
def list_points(request: HttpRequest, studio: Id | None = None, active: Bool | None = None):
    points = list(selectors.managed_points(request.user, studio_id=studio, active=active))
    return {"count": len(points), "items": [point_out(p) for p in points]}


def _parse_ids(raw: str) -> list[int]:
    try:
        ids = [int(part) for part in raw.replace("，", ",").split(",") if part.strip()]
        if any(not 0 < pk < 2**63 for pk in ids):
            raise ValueError
    except ValueError:
        raise ApiError("validation_error", "提交的数据不符合要求：ids", status=422,
                       detail=[{"field": "ids", "type": "int_parsing", "message": "应为以逗号分隔的正整数"}]) from None
    return ids  # repeats are copies: ids=1,1,1 prints three labels of point 1


@points_router.get("/labels.pdf", summary="批量打印标签（A4 PDF，3×7）：ids=1,2,3 或 studio=工作室 id；"
                   "重复的 id 或 copies=N 打印多份", openapi_extra=PDF)
def points_labels_pdf(request: HttpRequest, ids: str = "", studio: Id | None = None,
                      copies: int = Query(1, ge=1, le=PER_PAGE_COPIES, description="每个实操点打印的份数")):
    wanted = _parse_ids(ids) if ids else []
    if not wanted and studio is None:
        raise ApiError("ids_or_studio_required", "请指定要打印的实操点（ids）或工作室（studio）", status=422)
    points = selectors.managed_points(request.user, studio_id=studio, active=None if wanted else True)
    if wanted:
        found = {p.pk: p for p in points.filter(pk__in=set(wanted))}
        missing = list(dict.fromkeys(pk for pk in wanted if pk not in found))
        if missing:
            raise ApiError("not_found", "部分实操点不存在或无权访问", status=404, detail={"missing_ids": missing})
        chosen = [found[pk] for pk in wanted]
    else:
        chosen = list(points)
    if not chosen:
        raise ApiError("no_points", "该工作室没有可打印的实操点", status=404)
    chosen = [point for point in chosen for _ in range(copies)]
    if len(chosen) > settings.LABEL_PDF_MAX_POINTS:
        raise ApiError("too_many_labels", f"一次最多打印 {settings.LABEL_PDF_MAX_POINTS} 张标签", status=422,
                       detail={"max": settings.LABEL_PDF_MAX_POINTS, "requested": len(chosen)})
    data = [selectors.label_data(p) for p in chosen]
    return _file(labels.labels_pdf(data), "application/pdf", "labels.pdf")


@points_router.get("/{point_id}", response=PointOut, summary="实操点详情")
def get_point(request: HttpRequest, point_id: Id):
    return point_out(selectors.managed_point(request.user, point_id))


@points_router.get("/{point_id}/label.png", summary="单个实操点的标签（PNG，300 dpi）", openapi_extra=PNG)
def point_label(request: HttpRequest, point_id: Id):
    point = selectors.managed_point(request.user, point_id)
    return _file(labels.label_png(selectors.label_data(point)), "image/png", f"label-{point.code}.png")


@points_router.get("/{point_id}/wxacode.png", summary="小程序码（getUnlimited，scene 为码值；缓存）",
            openapi_extra=PNG)
def point_wxacode(request: HttpRequest, point_id: Id):
    point = selectors.managed_point(request.user, point_id)
    qr = selectors.active_code_of(point)
    if qr is None:
        raise ApiError("qr_no_active_code", f"实操点 {point.code} 没有有效的二维码，请先生成新码", status=409)
    return _file(services.mini_program_code(qr=qr), "image/png", f"wxacode-{point.code}.png")


@points_router.post("/{point_id}/rotate-code", response=PointOut, summary="更换二维码（旧码立即作废）")
def rotate_code(request: HttpRequest, point_id: Id, payload: CodeChangeIn | None = None):
    point = selectors.managed_point(request.user, point_id)
    services.rotate_code(point=point, actor=request.user, reason=payload.reason if payload else "")
    return point_out(selectors.managed_point(request.user, point_id))


@points_router.post("/{point_id}/revoke-code", response=PointOut, summary="作废二维码（不生成新码）")
def revoke_code(request: HttpRequest, point_id: Id, payload: CodeChangeIn | None = None):
    point = selectors.managed_point(request.user, point_id)
    services.revoke_code(point=point, actor=request.user, reason=payload.reason if payload else "")
    return point_out(selectors.managed_point(request.user, point_id))


@standards_router.get("", response=list[StandardOut], summary="标准与作业规程目录")
def list_standards(request: HttpRequest,
                   category: Literal["general", "operations", "management", "service"] | None = None,
                   level: Literal["national", "local", "group", "internal"] | None = None,
                   status: Literal["effective", "withdrawn"] | None = None):
    return [
        {
            "id": s.pk, "code": s.code, "title": s.title, "level": s.level, "level_display": s.get_level_display(),
            "category": s.category, "category_display": s.get_category_display(), "status": s.status,
            "status_display": s.get_status_display(), "version": s.version, "effective_date": s.effective_date,
            "procedures": [{"id": p.pk, "code": p.code, "title": p.title, "version_id": p.current_version_id}
                           for p in s.procedures.all()],
        }
        for s in selectors.standards(category=category, level=level, status=status)
    ]
