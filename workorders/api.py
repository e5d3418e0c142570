"""Service work orders (报修工单), flow 2: report, dispatch or grab, accept, arrive by scan, work,
complete, confirm and rate — one endpoint per action. Parse, call a service, return."""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Query, Router

from miniprogram_api.clock import aware
from miniprogram_api.idempotency import created_or_replayed
from miniprogram_api.ratelimit import check_rate
from miniprogram_api.schemas import Bool, Date, Id, Limit, Offset
from practice.services import ScanPlace

from . import presenters, selectors, services
from . import stats as order_stats
from .schemas import (
    ArriveIn,
    CategoryOut,
    ConfirmIn,
    DispatchIn,
    States,
    StatsOut,
    TransferIn,
    Urgencies,
    WorkOrderCompleteIn,
    WorkOrderDetailOut,
    WorkOrderIn,
    WorkOrderListOut,
    WorkOrderReasonIn,
)

# Published from workorders/order_api.py before issue 11: the operation ids stay (docs/adr/0004).
OPERATION_ID_PREFIX = "workorders_order_api"

router = Router(tags=["报修工单"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _detail(request: HttpRequest, order_id: int) -> dict:
    order = selectors.visible_order(request.user, order_id)
    return presenters.order_detail_out(
        order, request.user, timezone.now(), events=selectors.history(order), photos=selectors.order_photos(order),
        runs=selectors.runs_done(order), request=request)


def _act(request: HttpRequest, order_id: int, action: str, **params) -> dict:
    result = services.transition(user=request.user, order_id=order_id, action=action, **params)
    return _detail(request, result.order.pk)


# --- reading (fixed paths before /{order_id}) ------------------------------------------------------------
@router.get("/categories", response=list[CategoryOut], summary="报修类别（负责工作室、须执行的规程）")
def categories(request: HttpRequest):
    return [presenters.category_out(c) for c in selectors.categories()]


STATS_DOC = {"responses": {200: {"description": "统计（format=csv / xlsx 时为导出文件）", "content": {
    "text/csv": {"schema": {"type": "string"}},
    XLSX: {"schema": {"type": "string", "format": "binary"}},
}}}}


@router.get("/stats", response=StatsOut, openapi_extra=STATS_DOC,
            summary="工单统计（调度员、工作室负责人）：按状态、类别、工作室、人员；响应与完工时长中位数与P90、超时率、满意度")
def stats(request: HttpRequest, date_from: Date | None = None, date_to: Date | None = None,
          studio: Id | None = None, format: Literal["json", "csv", "xlsx"] = "json"):  # noqa: A002
    data = order_stats.stats(request.user, date_from=date_from, date_to=date_to, studio=studio)
    if format == "json":
        return data
    name = f"workorder-stats-{data['date_from']}-{data['date_to']}"
    if format == "csv":
        response = HttpResponse(order_stats.stats_csv(data), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    else:
        response = HttpResponse(order_stats.stats_xlsx(data), content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response


STATE_FILTER = Query(None, description="状态，可多选（state=submitted&state=dispatched）")


@router.get("", response=WorkOrderListOut,
            summary="工单列表：scope=mine 我报修的 / assigned 派给我的 / pool 可抢的 / all 本工作室全部（调度、负责人）")
def list_orders(request: HttpRequest, scope: Literal["mine", "assigned", "pool", "all"] | None = None,
                state: list[States] | None = STATE_FILTER,
                urgency: Urgencies | None = None, overdue: Bool | None = None, point: Id | None = None,
                category: Id | None = None, date_from: Date | None = None, date_to: Date | None = None,
                limit: Limit = 20, offset: Offset = 0):
    now = timezone.now()
    orders = selectors.list_orders(request.user, scope=scope, states=state, urgency=urgency, overdue=overdue,
                                   point=point, category=category, date_from=date_from, date_to=date_to, now=now)
    return {"count": orders.count(),
            "items": [presenters.order_out(o, request.user, now) for o in orders[offset:offset + limit]]}


@router.post("", response={200: WorkOrderDetailOut, 201: WorkOrderDetailOut},
             summary="报修（client_id 重发返回同一张工单，200）；扫码报修时 point_code 自动带出位置与工作室")
def report(request: HttpRequest, payload: WorkOrderIn):
    check_rate(request, "report")
    order, created = services.report(
        requester=request.user, client_id=payload.client_id, category_id=payload.category,
        description=payload.description, urgency=payload.urgency, point_code=payload.point_code,
        location_text=payload.location_text, photo_ids=payload.photo_ids)
    return created_or_replayed(created, _detail(request, order.pk))


@router.get("/{order_id}", response=WorkOrderDetailOut, summary="工单详情：全部历史、照片、关联实操、你可以执行的操作")
def detail(request: HttpRequest, order_id: Id):
    return _detail(request, order_id)


# --- actions -------------------------------------------------------------------------------------------
@router.post("/{order_id}/dispatch", response=WorkOrderDetailOut, summary="派单（调度员）：指定本工作室的维修人员")
def dispatch(request: HttpRequest, order_id: Id, payload: DispatchIn):
    return _act(request, order_id, "dispatch", assignee_id=payload.assignee_id)


@router.post("/{order_id}/grab", response=WorkOrderDetailOut, summary="抢单（本工作室的维修人员）；被别人抢先时 409 already_taken")
def grab(request: HttpRequest, order_id: Id):
    return _act(request, order_id, "grab")


@router.post("/{order_id}/accept", response=WorkOrderDetailOut, summary="接单（被派单的维修人员）")
def accept(request: HttpRequest, order_id: Id):
    return _act(request, order_id, "accept")


@router.post("/{order_id}/arrive", response=WorkOrderDetailOut,
             summary="到场签到：有实操点的工单须扫该点二维码（手动输入编号会被标记为可疑）")
def arrive(request: HttpRequest, order_id: Id, payload: ArriveIn | None = None):
    payload = payload or ArriveIn()
    if payload.scan_code:
        check_rate(request, "scan")
    place = ScanPlace(source=payload.source, client_time=aware(payload.client_time), latitude=payload.latitude,
                      longitude=payload.longitude, accuracy=payload.accuracy)
    result = services.arrive(user=request.user, order_id=order_id, scan_code=payload.scan_code, place=place)
    return _detail(request, result.order.pk)


@router.post("/{order_id}/start", response=WorkOrderDetailOut, summary="开始维修")
def start(request: HttpRequest, order_id: Id):
    return _act(request, order_id, "start")


@router.post("/{order_id}/hold", response=WorkOrderDetailOut, summary="挂起（须填原因，如等待配件）")
def hold(request: HttpRequest, order_id: Id, payload: WorkOrderReasonIn):
    return _act(request, order_id, "hold", reason=payload.reason)


@router.post("/{order_id}/resume", response=WorkOrderDetailOut, summary="恢复维修")
def resume(request: HttpRequest, order_id: Id):
    return _act(request, order_id, "resume")


@router.post("/{order_id}/complete", response=WorkOrderDetailOut,
             summary="完工：关联为本工单完成的实操记录；类别要求规程时须有该规程的已完成实操（否则 422）")
def complete(request: HttpRequest, order_id: Id, payload: WorkOrderCompleteIn | None = None):
    payload = payload or WorkOrderCompleteIn()
    return _act(request, order_id, "complete", run_ids=payload.run_ids, note=payload.note,
                photo_ids=payload.photo_ids)


@router.post("/{order_id}/confirm", response=WorkOrderDetailOut, summary="确认并评价（报修人）：满意度 1–5")
def confirm(request: HttpRequest, order_id: Id, payload: ConfirmIn):
    return _act(request, order_id, "confirm", rating=payload.rating, comment=payload.comment)


@router.post("/{order_id}/reopen", response=WorkOrderDetailOut, summary="重新打开（报修人或调度员，须填原因）：退回原维修人员")
def reopen(request: HttpRequest, order_id: Id, payload: WorkOrderReasonIn):
    return _act(request, order_id, "reopen", reason=payload.reason)


@router.post("/{order_id}/transfer", response=WorkOrderDetailOut, summary="转单（维修人员或调度员，须填原因）")
def transfer(request: HttpRequest, order_id: Id, payload: TransferIn):
    return _act(request, order_id, "transfer", assignee_id=payload.assignee_id, reason=payload.reason)


@router.post("/{order_id}/return", response=WorkOrderDetailOut, summary="退单（维修人员，须填原因）：回到抢单池")
def return_order(request: HttpRequest, order_id: Id, payload: WorkOrderReasonIn):
    return _act(request, order_id, "return", reason=payload.reason)


@router.post("/{order_id}/cancel", response=WorkOrderDetailOut, summary="取消（报修人或调度员，须填原因）")
def cancel(request: HttpRequest, order_id: Id, payload: WorkOrderReasonIn):
    return _act(request, order_id, "cancel", reason=payload.reason)
