"""Scan → run → steps → complete, offline sync and reviews (flow 1 of the domain)."""

from __future__ import annotations

import json
from typing import Literal

import pydantic
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Query, Router

from miniprogram_api.clock import aware
from miniprogram_api.envelope import validation_detail
from miniprogram_api.errors import ApiError
from miniprogram_api.idempotency import created_or_replayed
from miniprogram_api.ratelimit import check_rate
from miniprogram_api.schemas import Bool, Date, DateTime, Id, Limit, Offset

from . import presenters, selectors, services
from .schemas import (
    CorrectionIn,
    RecordOut,
    RunCompleteIn,
    RunDetailOut,
    RunIn,
    RunListOut,
    RunOut,
    RunReviewIn,
    RunReviewOut,
    ScanOut,
    StepIn,
    SyncIn,
    SyncOut,
    SyncRunIn,
)

# The module these endpoints were published from (generated clients name methods after operation ids).
OPERATION_ID_PREFIX = "workorders_api"

scan_router = Router(tags=["扫码实操"])
runs_router = Router(tags=["扫码实操"])
sync_router = Router(tags=["扫码实操"])

Verdicts = Literal["pass", "flag", "fail"]


def _run(request: HttpRequest, run_id: int) -> dict:
    return presenters.run_out(selectors.visible_run(request.user, run_id))


@scan_router.get("/{path:code}", response=ScanOut,
            summary="扫码：实操点、现行规程与本人未完成的实操（每次扫码都留痕）；code 可为码值或完整链接")
def scan(request: HttpRequest, code: str, source: Literal["camera", "manual"] = "camera",
         client_time: DateTime | None = None,
         latitude: float | None = Query(None, ge=-90, le=90), longitude: float | None = Query(None, ge=-180, le=180),
         accuracy: float | None = Query(None, ge=0, le=100000, description="定位精度（米）")):
    check_rate(request, "scan")
    if (latitude is None) != (longitude is None):
        raise ApiError("validation_error", "提交的数据不符合要求：latitude、longitude 需同时提供", status=422,
                       detail=[{"field": "longitude" if longitude is None else "latitude", "type": "missing",
                                "message": "缺少必填字段"}])
    place = services.ScanPlace(source=source, client_time=aware(client_time), latitude=latitude,
                               longitude=longitude, accuracy=accuracy)
    result = services.scan(user=request.user, code=code, place=place)
    opened = [presenters.open_run_out(run) for run in selectors.open_runs_at(request.user, result["point"]["id"])]
    # The hottest call: the cached point and procedure tree arrive pre-serialised (see
    # standards.scan_cache) and are spliced into the JSON; tests check the body against ScanOut.
    head = json.dumps({"scan_id": result["scan_id"], "code": result["code"], "flags": result["flags"],
                       "suspicious": result["suspicious"], "open_run": opened[0] if opened else None,
                       "open_runs": opened, "server_time": result["server_time"]},
                      cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":"))
    return HttpResponse(f'{head[:-1]},{result["fragment"]}}}', content_type="application/json; charset=utf-8")


@runs_router.post("", response={200: RunOut, 201: RunOut}, summary="开始实操（client_id 重发返回同一条，200）")
def start_run(request: HttpRequest, payload: RunIn):
    run, created = services.create_run(
        user=request.user, client_id=payload.client_id, point_code=payload.point_code,
        procedure_version_id=payload.procedure_version_id, started_at=payload.started_at, scan_id=payload.scan_id,
        offline_scan=payload.scan_place(),
    )
    return created_or_replayed(created, _run(request, run.pk))


@runs_router.get("", response=RunListOut, summary="实操记录：mine=true 为本人的；否则为本人可见的（负责人、师傅可见本工作室）")
def list_runs(request: HttpRequest, mine: Bool | None = None, point: Id | None = None,
              procedure: Id | None = None, verdict: Verdicts | None = None,
              status: Literal["open", "completed"] | None = None,
              review: Literal["pending", "approved", "rejected"] | None = None,
              studio: Id | None = None, performer: Id | None = None,
              date_from: Date | None = None, date_to: Date | None = None,
              limit: Limit = 20, offset: Offset = 0):
    runs = selectors.list_runs(request.user, mine=mine, point=point, procedure=procedure, verdict=verdict,
                               status=status, review=review, studio=studio, performer=performer,
                               date_from=date_from, date_to=date_to)
    return {"count": runs.count(), "items": [presenters.run_out(run) for run in runs[offset:offset + limit]]}


@runs_router.get("/{run_id}", response=RunDetailOut, summary="实操记录详情：全部步骤记录（含被取代的）、审核、工单")
def get_run(request: HttpRequest, run_id: Id):
    run = selectors.visible_run(request.user, run_id)
    reviews = list(run.reviews.select_related("reviewer").order_by("created_at", "id"))
    return presenters.run_detail_out(run, selectors.records_of(run), reviews, selectors.work_orders_of(run), request)


@runs_router.post("/{run_id}/steps", response={200: RecordOut, 201: RecordOut},
             summary="记录一个步骤，返回服务器判定的结论（client_id 重发返回同一条，200）")
def record_step(request: HttpRequest, run_id: Id, payload: StepIn):
    record, created = services.record_step(
        user=request.user, run_id=run_id, client_id=payload.client_id, step_id=payload.step_id,
        value=payload.value, note=payload.note, photo_ids=payload.photo_ids, recorded_at=payload.recorded_at,
    )
    return created_or_replayed(created, presenters.record_out(record, request))


@runs_router.post("/{run_id}/corrections", response={200: RecordOut, 201: RecordOut},
             summary="更正已完成实操的一个步骤（追加一条带原因的新记录，原记录保留）")
def correct_step(request: HttpRequest, run_id: Id, payload: CorrectionIn):
    record, created = services.record_step(
        user=request.user, run_id=run_id, client_id=payload.client_id, step_id=payload.step_id,
        value=payload.value, note=payload.note, photo_ids=payload.photo_ids, recorded_at=payload.recorded_at,
        correction_reason=payload.reason,
    )
    return created_or_replayed(created, presenters.record_out(record, request))


@runs_router.post("/{run_id}/complete", response=RunOut, summary="完成实操（缺必填步骤时 422 并列出）")
def complete_run(request: HttpRequest, run_id: Id, payload: RunCompleteIn | None = None):
    services.complete_run(user=request.user, run_id=run_id, completed_at=payload.completed_at if payload else None)
    return _run(request, run_id)


@runs_router.post("/{run_id}/review", response={200: RunReviewOut, 201: RunReviewOut},
             summary="审核已完成的实操：通过或退回（本工作室的师傅、负责人）")
def review_run(request: HttpRequest, run_id: Id, payload: RunReviewIn):
    review, created = services.review_run(reviewer=request.user, run_id=run_id, decision=payload.decision,
                                          comment=payload.comment, client_id=payload.client_id)
    return created_or_replayed(created, presenters.review_out(review))


def _parse_sync_item(raw) -> SyncRunIn | ApiError:
    try:
        return SyncRunIn.model_validate(raw)
    except pydantic.ValidationError as exc:
        detail = validation_detail(exc.errors())
        fields = "、".join(d["field"] for d in detail[:5])
        error = ApiError("validation_error", f"提交的数据不符合要求：{fields}", status=422, detail=detail)
        client_id = raw.get("client_id") if isinstance(raw, dict) else None
        error.client_id = client_id if isinstance(client_id, str) else None
        return error


def _part(outcome: services.SyncOutcome) -> dict:
    error = outcome.error
    return {"status": outcome.status, "code": error.code if error else None,
            "message": error.message if error else None, "detail": error.detail if error else None}


@sync_router.post("", response=SyncOut, summary="离线同步：按顺序提交一批实操（含步骤与完成），每项一个结果，重发不重复")
def sync(request: HttpRequest, payload: SyncIn):
    check_rate(request, "sync")
    results = services.sync_batch(user=request.user, items=[_parse_sync_item(raw) for raw in payload.runs])
    runs = {run.pk: run for run in selectors.visible_runs(request.user).filter(
        pk__in=[r.run_row.pk for r in results if r.run_row is not None])}
    body = []
    for result in results:
        run = runs.get(result.run_row.pk) if result.run_row is not None else None
        body.append({
            **_part(result.run),
            "client_id": result.client_id,
            "run_id": run.pk if run else None,
            "run": presenters.run_out(run) if run else None,
            "steps": [{**_part(step), "client_id": step.client_id, "step_id": step.step_id,
                       "record": presenters.record_out(step.record, request) if step.record else None}
                      for step in result.steps or []],
            "complete": _part(result.complete) if result.complete else None,
        })
    return {"results": body, "server_time": timezone.now()}
