"""Writes about service work orders (报修工单): reporting one, every transition of its lifecycle, and
the escalation of deadlines missed.

Every transition goes through `transition`: it locks the order's row, checks the move against the
table in `lifecycle.py` (state first: a refused move is a 409 naming the actions allowed now; then the
caller's right: a 403), applies the action's own checks and fields, appends one `WorkOrderEvent` and
tells the people concerned (`notifications.notify`, in the same transaction, so a rolled-back move
announces nothing). A phone resending an action it already got through is answered with the order as
it stands (200), not with a 409: the latest event is the caller's own same action.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from media.models import Photo
from media.services import attach_photos, photos_for_attaching
from miniprogram_api.errors import ApiError, conflict, forbidden, not_found, unprocessable
from miniprogram_api.idempotency import create_once, fingerprint
from notifications.services import notify
from practice.models import ProcedureRun, ScanLog, StepRecord
from practice.services import ScanPlace, scan, scanned_code
from standards import scan_cache
from standards.models import PracticePoint, QRCode, Step, Verdict
from standards.steps import display_value

from . import lifecycle, selectors
from .lifecycle import ACTOR_LABELS, QUALIFIED_WORKER, State
from .models import (
    WorkOrder,
    WorkOrderCategory,
    WorkOrderEvent,
    WorkOrderSequence,
)

logger = logging.getLogger(__name__)


# --- reporting -----------------------------------------------------------------------------------------
def deadlines(urgency: str, start: datetime) -> tuple[datetime, datetime]:
    """(respond_by, finish_by) for an order of this urgency reported at `start`, from today's settings."""
    minutes = settings.WORKORDER_DEADLINES.get(urgency) or settings.WORKORDER_DEADLINES["normal"]
    return start + timedelta(minutes=minutes["respond"]), start + timedelta(minutes=minutes["finish"])


def next_work_order_number(now: datetime | None = None) -> str:
    """WO-YYYYMMDD-NNNN, numbered per day in Asia/Shanghai; one row lock per day keeps it gap-free."""
    day = timezone.localdate(now) if now is not None else timezone.localdate()
    with transaction.atomic():
        WorkOrderSequence.objects.get_or_create(day=day)
        sequence = WorkOrderSequence.objects.select_for_update().get(day=day)
        sequence.last += 1
        sequence.save(update_fields=["last"])
    return f"WO-{day:%Y%m%d}-{sequence.last:04d}"


@transaction.atomic
def create_order(*, requester: User, description: str, urgency: str = WorkOrder.Urgency.NORMAL,
                 category: WorkOrderCategory | None = None, point: PracticePoint | None = None,
                 location_text: str = "", source: str = WorkOrder.Source.REPORT, run: ProcedureRun | None = None,
                 step=None, step_record: StepRecord | None = None, client_id: str | None = None,
                 photos: Sequence[Photo] = (), now: datetime | None = None,
                 data: dict | None = None) -> WorkOrder:
    """Open an order: number, responsible studio, deadlines, the first line of its history, and a
    notice to the dispatchers who will hand it out."""
    now = now or timezone.now()
    respond_by, finish_by = deadlines(urgency, now)
    studio_id = category.studio_id if category is not None and category.studio_id else \
        (point.studio_id if point is not None else None)
    order = WorkOrder.objects.create(
        number=next_work_order_number(now), requester=requester, description=description, urgency=urgency,
        point=point, location_text=(location_text or (point.location_text if point else ""))[:200],
        category=category, studio_id=studio_id, source=source, run=run, step=step, step_record=step_record,
        client_id=client_id, created_at=now, respond_by=respond_by, finish_by=finish_by,
    )
    if photos:
        attach_photos(photos=list(photos), owner=order)
    event = _append(order, action="create", actor=requester, from_state="", to_state=order.state, now=now,
                    data={"source": source, **({"photo_ids": [p.pk for p in photos]} if photos else {}),
                          **(data or {})})
    order = WorkOrder.objects.select_related("category", "point", "studio", "requester", "assignee").get(pk=order.pk)
    _announce(order, event, actor=requester)
    return order


def open_corrective_order(*, run: ProcedureRun, step: Step, record: StepRecord) -> WorkOrder | None:
    """A flagged or failed step opens one order per (run, step): a replay, a re-record or a correction
    never adds a second. Called inside the step's transaction while the run's row is locked, so the
    existence check cannot race; the partial unique constraint is the guarantee all the same."""
    if WorkOrder.objects.filter(run=run, step=step, source=WorkOrder.Source.RUN_STEP).exists():
        return None
    point = PracticePoint.objects.get(pk=run.point_id)
    description = (f"{point.name}（{point.code}）执行“{run.procedure.title}”时，步骤“{step.title}”结论为"
                   f"“{record.get_verdict_display()}”")
    shown = display_value(step, record.value)
    if shown and step.type != Step.Type.CHECK:
        description += f"（记录值：{shown}）"
    description += "。"
    if record.note:
        description += f"备注：{record.note}"
    urgency = WorkOrder.Urgency.NORMAL if record.verdict == Verdict.FAIL else WorkOrder.Urgency.LOW
    try:
        with transaction.atomic():
            return create_order(requester=run.performer, description=description, urgency=urgency, point=point,
                                source=WorkOrder.Source.RUN_STEP, run=run, step=step, step_record=record)
    except IntegrityError:
        return None


def _point_for_report(point_code: str) -> tuple[PracticePoint, list[str]]:
    """The point a report names: a scanned code (or the whole printed link), or the label's printed
    code typed in. A revoked code still names its point: a report is not proof of presence."""
    code = scanned_code(point_code)
    qr = QRCode.objects.select_related("point__studio").filter(code=code).first() \
        if scan_cache.CODE_RE.match(code) else None
    if qr is not None:
        return qr.point, (["code_revoked"] if qr.revoked_at is not None else [])
    point = PracticePoint.objects.select_related("studio").filter(code__iexact=code).first() \
        if 0 < len(code) <= 32 else None
    if point is None:
        raise ApiError("qr_unknown", "未找到该实操点，请确认扫描的是实训基地的标签或输入的编号正确", status=404,
                       detail={"point_code": code[:64]})
    return point, [ScanLog.Flag.MANUAL.value]


def report(*, requester: User, client_id: str, category_id: int, description: str,
           urgency: str = WorkOrder.Urgency.NORMAL, point_code: str | None = None, location_text: str = "",
           photo_ids: list[int] | None = None, now: datetime | None = None) -> tuple[WorkOrder, bool]:
    """Report a fault (or find the order this client_id already reported: created=False)."""
    description = (description or "").strip()
    existing = WorkOrder.objects.filter(requester=requester, client_id=client_id).first()
    if existing is not None:
        return _replayed_report(existing, category_id, description), False
    category = WorkOrderCategory.objects.select_related("studio").filter(pk=category_id, is_active=True).first()
    if category is None:
        raise unprocessable("category_unknown", "报修类别不存在或已停用，请重新选择",
                            detail=[{"field": "category", "type": "unknown", "message": "类别不存在"}])
    point: PracticePoint | None = None
    flags: list[str] = []
    if point_code and point_code.strip():
        point, flags = _point_for_report(point_code)
    location_text = (location_text or "").strip()
    if not location_text and point is None:
        raise unprocessable("location_required", "请填写报修位置，或扫描现场的实操点二维码",
                            detail=[{"field": "location_text", "type": "missing", "message": "缺少必填字段"}])
    if not description:
        raise unprocessable("validation_error", "提交的数据不符合要求：description",
                            detail=[{"field": "description", "type": "missing", "message": "缺少必填字段"}])
    def create() -> WorkOrder:
        photos = photos_for_attaching(user=requester, photo_ids=photo_ids or [])
        return create_order(requester=requester, description=description, urgency=urgency, category=category,
                            point=point, location_text=location_text, client_id=client_id, photos=photos, now=now,
                            data={"point_flags": flags} if flags else None)

    def same_report(existing: WorkOrder) -> None:
        _replayed_report(existing, category_id, description)

    order, created = create_once(  # the same report sent twice at once: the first one stands
        create, find=lambda: WorkOrder.objects.filter(requester=requester, client_id=client_id).first(),
        check=same_report)
    if not created:
        return order, False
    return order, True


def _replayed_report(existing: WorkOrder, category_id: int, description: str) -> WorkOrder:
    if existing.category_id != category_id or existing.description != description:
        raise conflict("client_id_conflict", "该客户端编号已用于另一张工单", detail={"order_id": existing.pk})
    return existing


# --- transitions ---------------------------------------------------------------------------------------
@dataclass
class Move:
    """What an action's own step adds to a transition: field changes, event details, photos."""

    changes: dict[str, dict[str, Any]] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    photos: list[Photo] = field(default_factory=list)
    previous_assignee: User | None = None


@dataclass
class TransitionResult:
    order: WorkOrder
    event: WorkOrderEvent | None
    replayed: bool = False


def _set(order: WorkOrder, move: Move, name: str, value) -> None:
    """Change a field and remember the change for the history (users by id, times as ISO text)."""
    old = order.assignee_id if name == "assignee" else getattr(order, name)
    new = value.pk if isinstance(value, User) else value
    setattr(order, name, value)
    if old != new:
        move.changes[name] = {"from": _plain(old), "to": _plain(new)}


def _plain(value):
    return value.isoformat() if isinstance(value, datetime) else value


def invalid_transition(user: User, order: WorkOrder, action: str, relations: frozenset[str]) -> ApiError:
    spec = lifecycle.ACTIONS[action]
    state_label = lifecycle.STATE_LABELS[order.state]
    allowed = lifecycle.allowed_for(order.state, relations)
    names = "、".join(lifecycle.ACTIONS[a].label for a in allowed)
    hint = f"当前可执行：{names}" if names else "当前没有你可以执行的操作"
    return conflict("invalid_transition", f"工单{order.number}当前为“{state_label}”，不能{spec.label}。{hint}",
                    detail={"state": order.state, "action": action, "allowed_actions": allowed})


def _forbidden(order: WorkOrder, action: str, relations: frozenset[str]) -> ApiError:
    spec = lifecycle.ACTIONS[action]
    who = "或".join(ACTOR_LABELS[a] for a in sorted(spec.actors))
    error = forbidden(f"只有{who}可以{spec.label}", code="forbidden")
    error.detail = {"state": order.state, "action": action,
                    "allowed_actions": lifecycle.allowed_for(order.state, relations)}
    return error


def request_hash(action: str, reason: str, params: dict) -> str:
    """What identifies a resend: the action and its parameters (a scan by the point it proves)."""
    plain = {key: (value or {}).get("point_id") if key == "scan" else value for key, value in params.items()}
    return fingerprint({"action": action, "reason": (reason or "").strip(), **plain})


def _is_retry(order: WorkOrder, user: User, action: str, digest: str) -> bool:
    """The order's latest move is this very request from this very person: a phone resending it."""
    latest = WorkOrderEvent.objects.filter(order=order).exclude(action__in=["overdue_respond", "overdue_finish"]) \
        .order_by("-created_at", "-id").only("action", "actor_id", "request_hash").first()
    return latest is not None and latest.action == action and latest.actor_id == user.pk \
        and latest.request_hash == digest


def check_action(user: User, order: WorkOrder, action: str) -> frozenset[str]:
    """Refuse the action (404, 409 or 403) unless the state machine and the caller's right allow it now.
    Returns the caller's relations to the order."""
    spec = lifecycle.ACTIONS.get(action)
    relations = selectors.relations_of(user, order)
    # A worker of the studio who saw the order in the pool learns that it is taken, not that it vanished.
    grabbing = action == "grab" and QUALIFIED_WORKER in relations
    if spec is None or not (grabbing or selectors.can_see(user, order, relations)):
        raise not_found("工单")
    if order.state not in spec.sources:
        if action == "grab" and order.assignee_id is not None and order.assignee_id != user.pk \
                and order.state in lifecycle.WORKING | {State.COMPLETED}:
            raise conflict("already_taken", f"手慢了，工单{order.number}已被他人接走",
                           detail={"state": order.state, "action": action,
                                   "allowed_actions": lifecycle.allowed_for(order.state, relations)})
        raise invalid_transition(user, order, action, relations)
    if not spec.actors & relations:
        raise _forbidden(order, action, relations)
    return relations


def _locked(order_id: int) -> WorkOrder:
    locked = WorkOrder.objects.select_for_update().filter(pk=order_id).values_list("pk", flat=True).first()
    if locked is None:
        raise not_found("工单")
    return WorkOrder.objects.select_related("category__required_procedure", "point", "studio", "requester",
                                            "assignee").get(pk=order_id)


@transaction.atomic
def transition(*, user: User, order_id: int, action: str, reason: str = "", now: datetime | None = None,
               **params) -> TransitionResult:
    """Take `action` on the order (see lifecycle.ACTIONS); the action's parameters come as keywords."""
    now = now or timezone.now()
    order = _locked(order_id)
    spec = lifecycle.ACTIONS.get(action)
    digest = request_hash(action, reason, params)
    if spec is not None and order.state not in spec.sources and _is_retry(order, user, action, digest) \
            and selectors.can_see(user, order, selectors.relations_of(user, order)):
        return TransitionResult(order=order, event=None, replayed=True)
    check_action(user, order, action)
    assert spec is not None  # check_action answers 404 for an unknown action
    reason = (reason or "").strip()
    if spec.needs_reason and not reason:
        raise unprocessable("reason_required", f"{spec.label}需要填写原因",
                            detail=[{"field": "reason", "type": "missing", "message": "缺少必填字段"}])
    move = Move(previous_assignee=order.assignee)
    EXTRAS[action](order=order, user=user, move=move, now=now, reason=reason, **params)
    from_state = order.state
    assert spec.target is not None  # every action of lifecycle.ACTIONS names its target state
    order.state = spec.target
    order.save()
    event = _append(order, action=action, actor=user, from_state=from_state, to_state=order.state, now=now,
                    reason=reason, changes=move.changes, data=move.data, request_hash=digest)
    if move.photos:
        attach_photos(photos=move.photos, owner=event)
    _announce(order, event, actor=user, previous_assignee=move.previous_assignee)
    return TransitionResult(order=order, event=event)


def _append(order: WorkOrder, *, action: str, actor: User | None, from_state: str, to_state: str, now: datetime,
            reason: str = "", changes: dict | None = None, data: dict | None = None,
            request_hash: str = "") -> WorkOrderEvent:
    return WorkOrderEvent.objects.create(order=order, action=action, actor=actor, from_state=from_state,
                                         to_state=to_state, reason=reason, changes=changes or {}, data=data or {},
                                         created_at=now, request_hash=request_hash)


# --- what each action adds -----------------------------------------------------------------------------
def _assignee(order: WorkOrder, assignee_id: int | None) -> User:
    assignee = User.objects.filter(pk=assignee_id, is_active=True).first() if assignee_id else None
    if assignee is None:
        raise unprocessable("assignee_unknown", "指定的维修人员不存在或已停用",
                            detail=[{"field": "assignee_id", "type": "unknown", "message": "人员不存在"}])
    if not selectors.is_qualified(assignee, order):
        unit = order.studio  # None without a query when studio_id is None
        studio = unit.name if unit is not None else "相关工作室"
        raise unprocessable("assignee_not_qualified", f"{assignee.name}不是{studio}的维修人员，不能接此工单",
                            detail={"assignee_id": assignee.pk, "studio_id": order.studio_id})
    return assignee


def _respond(order: WorkOrder, move: Move, now: datetime) -> None:
    if order.responded_at is None:
        _set(order, move, "responded_at", now)


def _dispatch(*, order, user, move, now, assignee_id=None, **_):
    _set(order, move, "assignee", _assignee(order, assignee_id))


def _grab(*, order, user, move, now, **_):
    _set(order, move, "assignee", user)
    _respond(order, move, now)


def _accept(*, order, user, move, now, **_):
    _respond(order, move, now)


def _arrive(*, order, user, move, now, scan: dict | None = None, **_):
    _set(order, move, "arrived_at", now)
    if scan is not None:
        order.arrival_scan_id = scan["scan_id"]
        _set(order, move, "arrival_flags", list(scan["flags"]))
        move.data.update({"scan_id": scan["scan_id"], "flags": list(scan["flags"]),
                          "suspicious": bool(scan["flags"])})


def _nothing(**_):
    return None


def _complete(*, order, user, move, now, run_ids=(), note: str = "", photo_ids=(), **_):
    wanted = list(dict.fromkeys(run_ids or []))
    runs = {run.pk: run for run in ProcedureRun.objects.select_related("procedure").filter(
        pk__in=wanted, performer=user, status=ProcedureRun.Status.COMPLETED)}
    bad = [pk for pk in wanted if pk not in runs]
    if bad:
        raise unprocessable("run_invalid", "实操记录不存在、不是你本人完成的或尚未完成",
                            detail={"run_ids": bad})
    required = order.category.required_procedure if order.category_id else None
    if required is not None:
        done = {run.procedure_id for run in runs.values()} | set(
            order.runs_done.values_list("procedure_id", flat=True))
        if required.pk not in done:
            raise unprocessable("required_procedure_missing",
                                f"“{order.category.name}”类工单须按规程“{required.title}”完成实操后才能完工",
                                detail={"procedure_id": required.pk, "procedure_code": required.code,
                                        "procedure_title": required.title})
    move.photos = photos_for_attaching(user=user, photo_ids=list(photo_ids or []))
    if runs:
        order.runs_done.add(*runs.values())
    _set(order, move, "completion_note", (note or "").strip())
    _set(order, move, "completed_at", now)
    move.data.update({"run_ids": wanted, "photo_ids": [p.pk for p in move.photos]})


def _confirm(*, order, user, move, now, rating: int | None = None, comment: str = "", **_):
    if rating is None or not 1 <= int(rating) <= 5:
        raise unprocessable("validation_error", "提交的数据不符合要求：rating",
                            detail=[{"field": "rating", "type": "range", "message": "满意度为 1 到 5 分"}])
    _set(order, move, "rating", int(rating))
    _set(order, move, "rating_comment", (comment or "").strip())
    _set(order, move, "closed_at", now)


def _reopen(*, order, user, move, now, **_):
    _set(order, move, "completed_at", None)


def _transfer(*, order, user, move, now, assignee_id=None, **_):
    assignee = _assignee(order, assignee_id)
    if assignee.pk == order.assignee_id:
        raise unprocessable("same_assignee", "工单已在该维修人员名下，请选择其他人员",
                            detail=[{"field": "assignee_id", "type": "same", "message": "与当前维修人员相同"}])
    _set(order, move, "assignee", assignee)
    _set(order, move, "arrived_at", None)


def _return(*, order, user, move, now, **_):
    _set(order, move, "assignee", None)
    _set(order, move, "arrived_at", None)


def _cancel(*, order, user, move, now, **_):
    _set(order, move, "closed_at", now)


EXTRAS = {
    "dispatch": _dispatch, "grab": _grab, "accept": _accept, "arrive": _arrive, "start": _nothing,
    "hold": _nothing, "resume": _nothing, "complete": _complete, "confirm": _confirm, "reopen": _reopen,
    "transfer": _transfer, "return": _return, "cancel": _cancel,
}
assert set(EXTRAS) == set(lifecycle.ACTIONS), "every action of the table has its step here"


def arrive(*, user: User, order_id: int, scan_code: str | None = None, place=None,
           now: datetime | None = None) -> TransitionResult:
    """Arrival: at an order with a point, proven by scanning that point's code. The scan is logged
    whatever its outcome (so this is not one transaction): an unknown code is a 404 `qr_unknown`, a
    revoked one 410 `qr_revoked`, another point's 422 `wrong_point`; a typed-in label code passes but is
    flagged, as in scans."""
    order = selectors.visible_orders(user).filter(pk=order_id).first()
    if order is None:
        raise not_found("工单")
    check_action(user, order, "arrive")  # refuse before logging a scan that cannot count
    scanned = None
    if order.point_id is not None:
        if not scan_code or not scan_code.strip():
            raise unprocessable("scan_code_required", "请扫描现场实操点的二维码确认到场",
                                detail=[{"field": "scan_code", "type": "missing", "message": "缺少必填字段"}])
        try:
            result = scan(user=user, code=scan_code, place=place or ScanPlace())
            scanned = {"scan_id": result["scan_id"], "point_id": result["point"]["id"], "flags": result["flags"]}
        except ApiError as error:
            if error.code != "point_inactive":  # an inactive practice point still proves presence
                raise
            log = ScanLog.objects.get(pk=error.detail["scan_id"])
            scanned = {"scan_id": log.pk, "point_id": log.point_id, "flags": log.flags}
        if scanned["point_id"] != order.point_id:
            raise unprocessable("wrong_point", f"扫描的不是本工单的实操点，请到“{order.point.name}”（{order.point.code}）扫码",
                                detail={"scan_id": scanned["scan_id"], "expected_point_id": order.point_id,
                                        "expected_point_code": order.point.code,
                                        "scanned_point_id": scanned["point_id"]})
    return transition(user=user, order_id=order_id, action="arrive", now=now, scan=scanned)


# --- telling people ------------------------------------------------------------------------------------
def _time(moment: datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def _values(order: WorkOrder, event: WorkOrderEvent) -> dict:
    # Each relation is None without a query when its id is None.
    category, assignee = order.category, order.assignee
    return {
        "number": order.number,
        "category": category.name if category is not None else "设备异常",
        "location": order.location_text or (point.name if (point := order.point) is not None else ""),
        "urgency": order.get_urgency_display(),
        "state": lifecycle.STATE_LABELS[order.state],
        "worker": assignee.name if assignee is not None else "",
        "time": _time(event.created_at),
        "rating": order.rating or "",
        "comment": order.rating_comment or "无",
    }


def _announce(order: WorkOrder, event: WorkOrderEvent, *, actor: User | None,
              previous_assignee: User | None = None) -> None:
    """Tell the people concerned by this event (never the one who caused it): in the app, live, and
    through WeChat when a subscribe template is configured for the kind."""
    values = _values(order, event)
    number = order.number
    worker = values["worker"]
    action = event.action
    notices: list[tuple[str, Sequence[User | None], str, str, dict]] = []
    if action == "create":
        notices.append(("workorder_new", selectors.dispatchers_for(order), f"新报修：{values['category']}",
                        f"{number} {values['location']}（{values['urgency']}），请及时派单", {}))
    elif action in ("dispatch", "transfer", "reopen"):
        title = {"dispatch": "新工单待接单", "transfer": "转来的工单待接单", "reopen": "工单被重新打开"}[action]
        notices.append(("workorder_dispatch", [order.assignee], title,
                        f"{number} {values['location']}，请在 {_time(order.respond_by)} 前响应"
                        if action == "dispatch" else f"{number} {values['location']}：{event.reason}",
                        {"deadline": _time(order.respond_by if action == "dispatch" else order.finish_by)}))
        if action == "transfer" and previous_assignee is not None:
            notices.append(("workorder_transfer", [previous_assignee], "工单已转出",
                            f"{number} 已转给{worker}：{event.reason}", {}))
    elif action in ("accept", "grab"):
        notices.append(("workorder_accept", [order.requester], "报修已接单", f"{number} 由{worker}接单处理", {}))
    elif action == "arrive":
        notices.append(("workorder_arrive", [order.requester], "维修人员已到场", f"{number} {worker}已到达现场", {}))
    elif action == "hold":
        notices.append(("workorder_hold", [order.requester], "维修暂停", f"{number}：{event.reason}", {}))
    elif action == "complete":
        notices.append(("workorder_complete", [order.requester], "维修已完成，请确认评价",
                        f"{number} {worker}已完工，请确认并评价", {}))
    elif action == "confirm":
        notices.append(("workorder_confirm", [order.assignee], f"报修人已评价：{order.rating}星",
                        f"{number} {order.rating_comment or '（无文字评价）'}", {}))
    elif action == "return":
        notices.append(("workorder_return", selectors.dispatchers_for(order), "工单被退回",
                        f"{number} {previous_assignee.name if previous_assignee else ''}退单：{event.reason}", {}))
    elif action == "cancel":
        notices.append(("workorder_cancel", [order.requester, order.assignee], "工单已取消",
                        f"{number}：{event.reason}", {}))
    elif action in ("overdue_respond", "overdue_finish"):
        kind = "响应超时" if action == "overdue_respond" else "完成超时"
        deadline = order.respond_by if action == "overdue_respond" else order.finish_by
        notices.append(("workorder_overdue", [*selectors.dispatchers_for(order), order.assignee],
                        f"工单{kind}：{number}", f"{values['location']}，时限 {_time(deadline)}，当前“{values['state']}”",
                        {"deadline_kind": kind, "deadline": _time(deadline)}))
    for kind, recipients, title, body, extra in notices:
        people = [p for p in recipients if p is not None and (actor is None or p.pk != actor.pk)]
        if people:
            notify(recipients=people, kind=kind, title=title, body=body,
                   data={"id": order.pk, "number": number, "event_id": event.pk, "state": order.state,
                         "action": action},
                   values={**values, **extra}, dedupe_key=f"workorder:{order.pk}:{event.pk}:{kind}")


# --- corrections by an administrator ------------------------------------------------------------------
@transaction.atomic
def record_edit(*, order: WorkOrder, actor: User, changed: list[str], reason: str = "") -> WorkOrderEvent | None:
    """Save an administrator's correction of what was reported (category, point, place, description,
    urgency) and append it to the history with the old and new values. The responsible studio follows
    the category (else the point); the deadlines stay as fixed when the order was reported."""
    before = WorkOrder.objects.select_for_update().get(pk=order.pk)
    changes = {}
    for name in changed:
        old = getattr(before, f"{name}_id") if name in ("category", "point") else getattr(before, name)
        new = getattr(order, f"{name}_id") if name in ("category", "point") else getattr(order, name)
        if old != new:
            changes[name] = {"from": _plain(old), "to": _plain(new)}
    category = order.category  # None without a query when category_id is None; likewise the point
    if category is not None and category.studio_id:
        studio_id: int | None = category.studio_id
    else:
        point = order.point
        studio_id = point.studio_id if point is not None else None
    if studio_id != before.studio_id:
        changes["studio"] = {"from": before.studio_id, "to": studio_id}
        order.studio_id = studio_id
    # Only the corrected fields are written: the lifecycle's fields are never touched from here.
    fields = [name for name in changes if name != "studio"] + (["studio"] if "studio" in changes else [])
    if not fields:
        return None
    order.save(update_fields=[*fields, "updated_at"])
    return _append(order, action="edit", actor=actor, from_state=before.state, to_state=before.state,
                   now=timezone.now(), reason=reason, changes=changes)


# --- escalation ----------------------------------------------------------------------------------------
def escalate_overdue(*, now: datetime | None = None, batch: int = 200) -> dict[str, int]:
    """Mark orders whose response or completion deadline has passed unmet, once per deadline, and tell
    the dispatchers (and the assignee). Idempotent; each order in its own short transaction, rows
    locked with SKIP LOCKED so that two schedulers never mark one twice."""
    now = now or timezone.now()
    counts = {"respond": 0, "finish": 0}
    watches = {
        "respond": dict(responded_at__isnull=True, respond_overdue_at__isnull=True, respond_by__lt=now),
        "finish": dict(completed_at__isnull=True, finish_overdue_at__isnull=True, finish_by__lt=now),
    }
    for kind, conditions in watches.items():
        query = WorkOrder.objects.filter(state__in=selectors.UNFINISHED, **conditions)
        while True:
            ids = list(query.order_by("id").values_list("pk", flat=True)[:batch])
            marked = sum(_escalate_one(pk, kind, conditions, now) for pk in ids)
            counts[kind] += marked
            if len(ids) < batch or not marked:
                break
    return counts


@transaction.atomic
def _escalate_one(order_id: int, kind: str, conditions: dict, now: datetime) -> int:
    locked = WorkOrder.objects.select_for_update(skip_locked=True).filter(
        pk=order_id, state__in=selectors.UNFINISHED, **conditions).values_list("pk", flat=True).first()
    if locked is None:
        return 0
    order = WorkOrder.objects.select_related("category", "point", "studio", "requester", "assignee").get(pk=order_id)
    mark = f"{kind}_overdue_at"
    setattr(order, mark, now)
    order.save(update_fields=[mark, "updated_at"])
    deadline = order.respond_by if kind == "respond" else order.finish_by
    assert deadline is not None  # the overdue conditions include respond_by__lt / finish_by__lt
    event = _append(order, action=f"overdue_{kind}", actor=None, from_state=order.state, to_state=order.state,
                    now=now, data={"deadline": deadline.isoformat()},
                    changes={mark: {"from": None, "to": now.isoformat()}})
    _announce(order, event, actor=None)
    return 1
