"""Rows as the mini-program sees them (plain dicts the API's schemas describe)."""

from __future__ import annotations

from django.http import HttpRequest

from accounts.models import User
from media.models import Photo
from media.presenters import photo_out

from .models import ProcedureRun, RunReview, StepRecord
from .selectors import review_state


def person(user: User) -> dict:
    return {"id": user.pk, "name": user.name}


def record_out(record: StepRecord, request: HttpRequest | None, *, photos: list[Photo] | None = None,
               superseded: bool = False) -> dict:
    if photos is None:
        photos = list(record.photos.order_by("id"))
    return {
        "id": record.pk,
        "client_id": record.client_id,
        "run_id": record.run_id,
        "step_id": record.step_id,
        "value": record.value,
        "verdict": record.verdict,
        "note": record.note,
        "photo_ids": [p.pk for p in photos],
        "photos": [photo_out(p, request) for p in photos],
        "recorded_at": record.recorded_at,
        "received_at": record.received_at,
        "supersedes_id": record.supersedes_id,
        "superseded": superseded,
        "is_correction": record.is_correction,
        "correction_reason": record.correction_reason,
    }


def run_out(run: ProcedureRun) -> dict:
    return {
        "id": run.pk,
        "client_id": run.client_id,
        "status": run.status,
        "verdict": run.verdict,
        "review_state": review_state(run),
        "point": {"id": run.point_id, "code": run.point.code, "name": run.point.name},
        "studio": {"id": run.studio_id, "name": run.studio.name},
        "procedure": {"id": run.procedure_id, "code": run.procedure.code, "title": run.procedure.title,
                      "standard_code": run.procedure.standard.code},
        "procedure_version_id": run.version_id,
        "version": run.version.number,
        "performer": person(run.performer),
        "flags": run.flags,
        "scan_id": run.scan_id,
        "started_at": run.started_at,
        "completed_at": run.completed_at,
        "created_at": run.created_at,
    }


def review_out(review: RunReview) -> dict:
    return {"id": review.pk, "run_id": review.run_id, "decision": review.decision, "comment": review.comment,
            "reviewer": person(review.reviewer), "created_at": review.created_at}


def run_detail_out(run: ProcedureRun, records: list[StepRecord], reviews: list[RunReview],
                   orders: list[dict], request: HttpRequest | None) -> dict:
    latest = {}
    for record in records:
        if record.step_id not in latest or record.pk > latest[record.step_id]:
            latest[record.step_id] = record.pk
    return {
        **run_out(run),
        "records": [record_out(r, request, photos=list(r.photos.all()), superseded=latest[r.step_id] != r.pk)
                    for r in records],
        "reviews": [review_out(r) for r in reviews],
        "work_orders": orders,
    }


def open_run_out(run: ProcedureRun) -> dict:
    return {
        "id": run.pk,
        "client_id": run.client_id,
        "procedure_id": run.procedure_id,
        "procedure_version_id": run.version_id,
        "started_at": run.started_at,
        "records": [{"step_id": step_id, "record_id": r.pk, "verdict": r.verdict}
                    for step_id, r in sorted(run.current.items())],
    }
