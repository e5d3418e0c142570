"""Work orders as the mini-program sees them (plain dicts that order_schemas describe)."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest

from accounts.models import User
from accounts.selectors import visible_phone
from media.models import Photo
from media.presenters import photo_out
from practice.models import ProcedureRun

from . import lifecycle, selectors
from .models import WorkOrder, WorkOrderCategory, WorkOrderEvent


def person(user: User | None, viewer: User | None = None) -> dict | None:
    if user is None:
        return None
    out = {"id": user.pk, "name": user.name}
    if viewer is not None:
        out["phone"] = visible_phone(user, viewer)
    return out


def category_out(category: WorkOrderCategory) -> dict:
    procedure = category.required_procedure
    return {
        "id": category.pk,
        "name": category.name,
        "studio": {"id": category.studio_id, "name": category.studio.name} if category.studio_id else None,
        "required_procedure": {"id": procedure.pk, "code": procedure.code, "title": procedure.title}
        if procedure is not None else None,
    }


def order_out(order: WorkOrder, viewer: User, now: datetime) -> dict:
    overdue = selectors.overdue_kinds(order, now)
    return {
        "id": order.pk,
        "number": order.number,
        "state": order.state,
        "state_label": lifecycle.STATE_LABELS[order.state],
        "urgency": order.urgency,
        "urgency_label": order.get_urgency_display(),
        "source": order.source,
        "category": {"id": order.category_id, "name": order.category.name} if order.category_id else None,
        "studio": {"id": order.studio_id, "name": order.studio.name} if order.studio_id else None,
        "point": {"id": order.point_id, "code": order.point.code, "name": order.point.name}
        if order.point_id else None,
        "location_text": order.location_text,
        "description": order.description,
        "requester": person(order.requester, viewer),
        "assignee": person(order.assignee, viewer),
        "created_at": order.created_at,
        "respond_by": order.respond_by,
        "finish_by": order.finish_by,
        "responded_at": order.responded_at,
        "arrived_at": order.arrived_at,
        "completed_at": order.completed_at,
        "closed_at": order.closed_at,
        "overdue": bool(overdue),
        "overdue_kinds": overdue,
        "rating": order.rating,
        "allowed_actions": selectors.allowed_actions(viewer, order),
    }


def event_out(event: WorkOrderEvent, request: HttpRequest | None) -> dict:
    return {
        "id": event.pk,
        "action": event.action,
        "action_label": lifecycle.EVENT_LABELS.get(event.action, event.action),
        "actor": person(event.actor),
        "from_state": event.from_state or None,
        "to_state": event.to_state,
        "reason": event.reason,
        "changes": event.changes,
        "data": event.data,
        "photos": [photo_out(p, request) for p in event.photos.all()],
        "created_at": event.created_at,
    }


def corrective_order_out(order: WorkOrder) -> dict:
    """An order as a run's detail lists it (practice.schemas.WorkOrderBriefOut)."""
    return {"id": order.pk, "number": order.number, "state": order.state, "urgency": order.urgency,
            "step_id": order.step_id, "description": order.description, "created_at": order.created_at}


def run_brief(run: ProcedureRun) -> dict:
    return {"id": run.pk, "procedure": {"id": run.procedure_id, "code": run.procedure.code,
                                        "title": run.procedure.title},
            "point": {"id": run.point_id, "code": run.point.code, "name": run.point.name},
            "verdict": run.verdict, "completed_at": run.completed_at}


def order_detail_out(order: WorkOrder, viewer: User, now: datetime, *, events: list[WorkOrderEvent],
                     photos: list[Photo], runs: list[ProcedureRun], request: HttpRequest | None) -> dict:
    return {
        **order_out(order, viewer, now),
        "completion_note": order.completion_note,
        "rating_comment": order.rating_comment,
        "arrival_flags": order.arrival_flags,
        "source_run_id": order.run_id,
        "source_step_id": order.step_id,
        "photos": [photo_out(p, request) for p in photos],
        "runs": [run_brief(r) for r in runs],
        "history": [event_out(e, request) for e in events],
    }
