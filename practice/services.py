"""Writes about what was done: scans, runs, step records, completion, corrections, reviews and the
offline sync. A failed or flagged step is announced with `signals.step_problem_recorded` (workorders
opens the corrective order in the same transaction); an approved run with `signals.run_approved`.

Exactly once: runs, step records, photos and reviews carry the phone's `client_id`, unique per user in
the database. A replay finds the row and returns it (`created=False`); two copies racing each other
meet the unique index or the run's row lock, and the loser returns the winner's row. So a request,
a sync batch, or half of one can be resent any number of times.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.selectors import has_role
from media.services import attach_photos, photos_for_attaching
from miniprogram_api.clock import aware
from miniprogram_api.errors import ApiError, conflict, forbidden, not_found, unprocessable
from miniprogram_api.idempotency import replay_or_create
from standards import scan_cache
from standards.models import PracticePoint, ProcedureVersion, QRCode, Step, Verdict
from standards.steps import StepValueError, condition_met, evaluate, worst

from . import geo, signals
from .models import ProcedureRun, RunReview, ScanLog, StepRecord
from .selectors import REVIEWERS, effective_records, visible_runs

logger = logging.getLogger(__name__)


# --- scans -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ScanPlace:
    source: str = ScanLog.Source.CAMERA
    client_time: datetime | None = None
    latitude: float | None = None
    longitude: float | None = None
    accuracy: float | None = None


def _scan_flags(*, point: dict | None, place: ScanPlace, manual: bool, now: datetime,
                check_clock: bool) -> tuple[list[str], float | None]:
    flags = []
    if manual or place.source == ScanLog.Source.MANUAL:
        flags.append(ScanLog.Flag.MANUAL.value)
    distance = None
    if point and place.latitude is not None and place.longitude is not None \
            and point["latitude"] is not None and point["longitude"] is not None:
        distance = geo.distance_m(place.latitude, place.longitude, point["latitude"], point["longitude"])
        if point["radius_m"] and geo.outside_radius(distance, point["radius_m"], place.accuracy):
            flags.append(ScanLog.Flag.OUTSIDE.value)
    if check_clock and place.client_time is not None and \
            abs((now - place.client_time).total_seconds()) > settings.SCAN_CLOCK_SKEW_SECONDS:
        flags.append(ScanLog.Flag.CLOCK.value)
    return flags, distance


def _log_scan(*, user: User, code: str, resolved: dict | None, outcome: str, place: ScanPlace, flags: list[str],
              distance: float | None, now: datetime, via_sync: bool) -> ScanLog:
    qr = (resolved or {}).get("qr")
    point = (resolved or {}).get("point")
    return ScanLog.objects.create(
        user=user, code=code[:64], qr_id=qr["id"] if qr else None, point_id=point["id"] if point else None,
        outcome=outcome, source=place.source, scanned_at=now, client_time=place.client_time,
        latitude=_coordinate(place.latitude), longitude=_coordinate(place.longitude), accuracy_m=place.accuracy,
        distance_m=round(distance, 1) if distance is not None else None, flags=flags, suspicious=bool(flags),
        via_sync=via_sync,
    )


def _coordinate(value: float | None) -> Decimal | None:
    return Decimal(str(round(value, 6))) if value is not None else None


def scanned_code(text: str) -> str:
    """The code in what a camera read: the bare code, or the printed link `…/q/<code>` whole.
    Control characters (a NUL cannot even be stored) are dropped."""
    text = "".join(ch for ch in text if ch.isprintable()).strip()
    if "/q/" in text:
        text = text.rsplit("/q/", 1)[1].split("?", 1)[0].split("#", 1)[0].strip("/")
    return text


def scan(*, user: User, code: str, place: ScanPlace) -> dict:
    """Resolve a scanned code and log the scan, whatever the outcome.

    Deliberately not atomic: the log of a refused scan (unknown, revoked, inactive) must survive the
    error response. Suspicious scans are flagged, never refused."""
    code = scanned_code(code)
    now = timezone.now()
    resolved = scan_cache.resolve(code)
    via_label_code = False
    if resolved is None:
        resolved = scan_cache.resolve_human_code(code)
        via_label_code = resolved is not None
    point = resolved["point"] if resolved else None
    flags, distance = _scan_flags(point=point, place=place, manual=via_label_code, now=now, check_clock=True)
    if resolved is None:
        outcome = ScanLog.Outcome.UNKNOWN
    elif resolved["qr"] and resolved["qr"]["revoked"]:
        outcome = ScanLog.Outcome.REVOKED
    elif not resolved["point"]["is_active"]:  # `point` is resolved["point"]
        outcome = ScanLog.Outcome.INACTIVE
    else:
        outcome = ScanLog.Outcome.OK
    log = _log_scan(user=user, code=code, resolved=resolved, outcome=outcome, place=place, flags=flags,
                    distance=distance, now=now, via_sync=False)
    if outcome == ScanLog.Outcome.UNKNOWN:
        raise ApiError("qr_unknown", "未找到该二维码，请确认扫描的是实训基地的标签", status=404,
                       detail={"scan_id": log.pk})
    assert resolved is not None and point is not None  # every outcome but UNKNOWN has a resolved code
    if outcome == ScanLog.Outcome.REVOKED:
        raise ApiError("qr_revoked", "该二维码已作废，请扫描现场最新的标签", status=410, detail={"scan_id": log.pk})
    if outcome == ScanLog.Outcome.INACTIVE:
        raise ApiError("point_inactive", f"实操点“{point['name']}”已停用，暂不能实操", status=409,
                       detail={"scan_id": log.pk, "point_id": point["id"]})
    return {"scan_id": log.pk, "code": code, "flags": flags, "suspicious": bool(flags), "point": point,
            "fragment": resolved["fragment"], "server_time": now}


# --- runs --------------------------------------------------------------------------------------------
def _run_conflict(run: ProcedureRun) -> ApiError:
    return conflict("client_id_conflict", "该客户端编号已用于另一条实操记录", detail={"run_id": run.pk})


def _point_for_run(point_code: str, started_at: datetime) -> tuple[PracticePoint, QRCode | None, list[str]]:
    flags: list[str] = []
    point: PracticePoint | None
    qr = QRCode.objects.select_related("point__studio").filter(code=point_code).first() \
        if scan_cache.CODE_RE.match(point_code) else None
    if qr is not None:
        point = qr.point
        if qr.revoked_at is not None:
            # A run begun offline before the code was rotated is still good evidence; one begun after is not.
            if qr.revoked_at <= started_at:
                raise ApiError("qr_revoked", "该二维码已作废，请扫描现场最新的标签", status=410)
            flags.append("code_revoked_since")
    else:
        point = PracticePoint.objects.select_related("studio").filter(code__iexact=point_code).first() \
            if len(point_code) <= 32 else None
        if point is None:
            raise ApiError("qr_unknown", "未找到该二维码，请确认扫描的是实训基地的标签", status=404)
        flags.append(ScanLog.Flag.MANUAL.value)
    if not point.is_active:
        raise ApiError("point_inactive", f"实操点“{point.name}”已停用，暂不能实操", status=409,
                       detail={"point_id": point.pk})
    return point, qr, flags


def _version_for_run(point: PracticePoint, version_id: int) -> ProcedureVersion:
    version = ProcedureVersion.objects.select_related("procedure").filter(pk=version_id).first()
    if version is None:
        raise unprocessable("unknown_procedure_version", "规程版本不存在", detail={"procedure_version_id": version_id})
    if not version.is_published:
        raise unprocessable("version_not_published", "该规程版本尚未发布，不能用于实操",
                            detail={"procedure_version_id": version_id})
    if not point.procedures.filter(pk=version.procedure_id).exists():
        raise unprocessable("procedure_not_at_point", f"实操点“{point.name}”未配置规程“{version.procedure.title}”",
                            detail={"procedure_id": version.procedure_id, "point_id": point.pk})
    return version


def create_run(*, user: User, client_id: str, point_code: str, procedure_version_id: int, started_at: datetime,
               scan_id: int | None = None, offline_scan: ScanPlace | None = None) -> tuple[ProcedureRun, bool]:
    """Start a run (or find the one this client_id already started)."""
    started_at = aware(started_at)
    point_code = scanned_code(point_code)

    def find() -> ProcedureRun | None:
        return ProcedureRun.objects.filter(performer=user, client_id=client_id).first()

    def same_run(existing: ProcedureRun) -> None:
        if existing.version_id != procedure_version_id:
            raise _run_conflict(existing)

    def create() -> ProcedureRun:
        point, qr, flags = _point_for_run(point_code, started_at)
        version = _version_for_run(point, procedure_version_id)
        now = timezone.now()
        scan_log = None
        if scan_id is not None:
            scan_log = ScanLog.objects.filter(pk=scan_id, user=user).first()
            if scan_log is None or scan_log.point_id != point.pk or scan_log.outcome != ScanLog.Outcome.OK:
                raise unprocessable("scan_mismatch", "扫码记录与该实操点不符", detail={"scan_id": scan_id})
        elif offline_scan is not None:
            resolved = {"qr": {"id": qr.pk} if qr else None, "point": _point_geo(point)}
            scan_flags, distance = _scan_flags(point=resolved["point"], place=offline_scan,
                                               manual=qr is None, now=now, check_clock=False)
            scan_log = _log_scan(user=user, code=point_code, resolved=resolved, outcome=ScanLog.Outcome.OK,
                                 place=offline_scan, flags=scan_flags, distance=distance, now=now, via_sync=True)
        else:
            window = now - timedelta(seconds=settings.SCAN_LINK_WINDOW_SECONDS)
            scan_log = ScanLog.objects.filter(user=user, point=point, outcome=ScanLog.Outcome.OK,
                                              scanned_at__gte=window).order_by("-scanned_at").first()
        flags = sorted(set(flags) | set(scan_log.flags if scan_log else [ProcedureRun.Flag.NO_SCAN.value]))
        return ProcedureRun.objects.create(
            client_id=client_id, performer=user, point=point, studio_id=point.studio_id,
            procedure_id=version.procedure_id, version=version, qr=qr, scan=scan_log, flags=flags,
            started_at=started_at,
        )

    return replay_or_create(client_id=client_id, find=find, create=create, check=same_run)


def _point_geo(point: PracticePoint) -> dict:
    return {"id": point.pk, "latitude": float(point.latitude) if point.latitude is not None else None,
            "longitude": float(point.longitude) if point.longitude is not None else None,
            "radius_m": point.radius_m}


def _locked_run(*, run_id: int, user: User) -> ProcedureRun:
    run = ProcedureRun.objects.select_for_update().filter(pk=run_id, performer=user).first()
    if run is None:
        raise not_found("实操记录")
    return run


# --- steps -------------------------------------------------------------------------------------------
def _replayed_record(*, user: User, client_id: str, run_id: int, step_id: int) -> StepRecord | None:
    record = StepRecord.objects.filter(recorded_by=user, client_id=client_id).first()
    if record is not None and (record.run_id != run_id or record.step_id != step_id):
        raise conflict("client_id_conflict", "该客户端编号已用于另一条步骤记录",
                       detail={"record_id": record.pk, "run_id": record.run_id, "step_id": record.step_id})
    return record


@transaction.atomic
def record_step(*, user: User, run_id: int, client_id: str, step_id: int, value: Any = None, note: str = "",
                photo_ids: list[int] | None = None, recorded_at: datetime | None = None,
                correction_reason: str | None = None) -> tuple[StepRecord, bool]:
    """Record one step of an open run (or, with a reason, correct a step of a completed run)."""
    run = _locked_run(run_id=run_id, user=user)  # serialises every write to this run
    replay = _replayed_record(user=user, client_id=client_id, run_id=run.pk, step_id=step_id)
    if replay is not None:
        return replay, False
    correcting = correction_reason is not None
    if run.status == ProcedureRun.Status.COMPLETED and not correcting:
        raise conflict("run_completed", "该实操记录已完成，不能再修改；如需更正请提交更正并说明原因",
                       detail={"run_id": run.pk})
    if correcting:
        if run.status != ProcedureRun.Status.COMPLETED:
            raise conflict("run_not_completed", "实操尚未完成，直接重新记录该步骤即可", detail={"run_id": run.pk})
        latest = run.reviews.order_by("-created_at", "-id").first()
        if latest is not None and latest.decision == RunReview.Decision.APPROVED:
            raise conflict("run_already_approved", "该实操记录已审核通过，不能再更正", detail={"run_id": run.pk})

    step = Step.objects.filter(pk=step_id).first()
    if step is None or step.version_id != run.version_id:
        raise unprocessable("step_not_in_procedure", "该步骤不属于本次实操的规程版本",
                            detail={"step_id": step_id, "procedure_version_id": run.version_id})
    current = effective_records(run.pk)
    if not condition_met(step, {pk: r.verdict for pk, r in current.items()}):
        raise unprocessable("step_condition_not_met", f"步骤“{step.title}”仅在前置步骤结论为异常时填写",
                            detail={"step_id": step.pk, "step_title": step.title, "condition": step.condition})
    attached = photos_for_attaching(user=user, photo_ids=photo_ids or [])
    try:
        result = evaluate(step, value, len(attached))
    except StepValueError as exc:
        raise unprocessable(
            "invalid_step_value", f"步骤“{step.title}”的取值不正确：{exc.message}",
            detail={"step_id": step.pk, "step_title": step.title, "field": "value", "type": step.type,
                    "expected": exc.expected},
        ) from None

    previous = current.get(step.pk)
    record = StepRecord.objects.create(
        run=run, step=step, client_id=client_id, recorded_by=user, value=result.value, value_number=result.number,
        verdict=result.verdict, note=(note or "").strip(), recorded_at=aware(recorded_at) or timezone.now(),
        supersedes=previous, is_correction=correcting, correction_reason=(correction_reason or "").strip(),
    )
    attach_photos(photos=attached, owner=record)
    if result.verdict in (Verdict.FLAG, Verdict.FAIL):
        # workorders opens one corrective order per (run, step), under this run's row lock
        signals.step_problem_recorded.send(sender=StepRecord, run=run, step=step, record=record)
    if correcting:
        current[step.pk] = record
        run.verdict = _run_verdict(run, current)
        run.save(update_fields=["verdict"])
    return record, True


def _applicable_steps(version_id: int, current: dict[int, StepRecord]) -> list[Step]:
    verdicts = {pk: r.verdict for pk, r in current.items()}
    return [s for s in Step.objects.filter(version_id=version_id).order_by("position") if condition_met(s, verdicts)]


def _run_verdict(run: ProcedureRun, current: dict[int, StepRecord]) -> str:
    steps = _applicable_steps(run.version_id, current)
    return worst(current[s.pk].verdict for s in steps if s.pk in current)


@transaction.atomic
def complete_run(*, user: User, run_id: int, completed_at: datetime | None = None) -> tuple[ProcedureRun, bool]:
    """Complete a run whose required (and shown) steps are all recorded; completing twice is harmless."""
    run = _locked_run(run_id=run_id, user=user)
    if run.status == ProcedureRun.Status.COMPLETED:
        return run, False
    current = effective_records(run.pk)
    steps = _applicable_steps(run.version_id, current)
    missing = [s for s in steps if s.required and s.pk not in current]
    if missing:
        names = "、".join(f"{s.position}. {s.title}" for s in missing[:5])
        raise unprocessable("required_steps_missing", f"还有必填步骤未完成：{names}",
                            detail={"missing": [{"step_id": s.pk, "position": s.position, "title": s.title}
                                                for s in missing]})
    completed_at = aware(completed_at) or timezone.now()
    if completed_at < run.started_at:
        raise unprocessable("validation_error", "完成时间不能早于开始时间",
                            detail=[{"field": "completed_at", "type": "invalid", "message": "早于开始时间"}])
    run.status = ProcedureRun.Status.COMPLETED
    run.verdict = worst(current[s.pk].verdict for s in steps if s.pk in current)
    run.completed_at = completed_at
    run.completed_received_at = timezone.now()
    run.save(update_fields=["status", "verdict", "completed_at", "completed_received_at"])
    return run, True


# --- review ------------------------------------------------------------------------------------------
@transaction.atomic
def review_run(*, reviewer: User, run_id: int, decision: str, comment: str = "",
               client_id: str | None = None) -> tuple[RunReview, bool]:
    """A master or workshop leader of the run's studio approves or rejects a completed run."""
    if not has_role(reviewer, REVIEWERS):
        raise forbidden("只有师傅或工作室负责人可以审核实操记录", code="review_forbidden")
    run = visible_runs(reviewer).filter(pk=run_id).first()
    if run is None:
        raise not_found("实操记录")
    if not has_role(reviewer, REVIEWERS, run.studio.path):
        raise forbidden("只有本工作室的师傅或负责人可以审核该记录", code="review_forbidden")
    if run.performer_id == reviewer.pk:
        raise forbidden("不能审核自己的实操记录", code="cannot_review_own_run")

    def find() -> RunReview | None:
        return RunReview.objects.filter(reviewer=reviewer, client_id=client_id).first()

    def same_run(existing: RunReview) -> None:
        if existing.run_id != run.pk:
            raise conflict("client_id_conflict", "该客户端编号已用于另一条审核")

    def create() -> RunReview:
        if run.status != ProcedureRun.Status.COMPLETED:
            raise conflict("run_not_completed", "实操尚未完成，不能审核", detail={"run_id": run.pk})
        text = (comment or "").strip()
        if decision == RunReview.Decision.REJECTED and not text:
            raise unprocessable("comment_required", "退回时请填写审核意见",
                                detail=[{"field": "comment", "type": "missing", "message": "缺少必填字段"}])
        return RunReview.objects.create(run=run, reviewer=reviewer, decision=decision, comment=text,
                                        client_id=client_id or None)

    review, created = replay_or_create(client_id=client_id, find=find, create=create, check=same_run)
    if not created:
        return review, False
    if review.decision == RunReview.Decision.APPROVED:  # evidence for apprenticeships, in this transaction
        signals.run_approved.send(sender=RunReview, run=run, review=review)
    return review, True


# --- offline sync ------------------------------------------------------------------------------------
@dataclass
class SyncOutcome:
    """What happened to one part of a sync item: created, already_had, or rejected with an error."""

    status: str
    error: ApiError | None = None
    record: StepRecord | None = None
    client_id: str | None = None
    step_id: int | None = None


@dataclass
class SyncResult:
    client_id: str | None
    run: SyncOutcome
    run_row: ProcedureRun | None = None
    steps: list[SyncOutcome] | None = None
    complete: SyncOutcome | None = None


def _outcome(created: bool, **extra) -> SyncOutcome:
    return SyncOutcome(status="created" if created else "already_had", **extra)


def sync_batch(*, user: User, items: list) -> list[SyncResult]:
    """Apply runs made offline, in order, each with its steps and completion: one result per item.

    An item is a parsed run (attributes as in `create_run`, plus `steps`, `completed_at` and
    `scan_place()`) or the ApiError its parsing raised. Each run, step and completion commits on its
    own: a rejected part loses nothing else, and resending the batch, or any part of it, creates
    nothing twice."""
    results = []
    for item in items:
        if isinstance(item, ApiError):
            client_id = getattr(item, "client_id", None)
            results.append(SyncResult(client_id=client_id, run=SyncOutcome("rejected", error=item)))
            continue
        try:
            run, created = create_run(
                user=user, client_id=item.client_id, point_code=item.point_code,
                procedure_version_id=item.procedure_version_id, started_at=item.started_at, scan_id=item.scan_id,
                offline_scan=item.scan_place(),
            )
        except ApiError as error:
            results.append(SyncResult(client_id=item.client_id, run=SyncOutcome("rejected", error=error)))
            continue
        steps: list[SyncOutcome] = []
        result = SyncResult(client_id=item.client_id, run=_outcome(created), run_row=run, steps=steps)
        for step in item.steps:
            try:
                record, created = record_step(
                    user=user, run_id=run.pk, client_id=step.client_id, step_id=step.step_id, value=step.value,
                    note=step.note, photo_ids=step.photo_ids, recorded_at=step.recorded_at,
                )
                steps.append(_outcome(created, record=record, client_id=step.client_id, step_id=step.step_id))
            except ApiError as error:
                steps.append(SyncOutcome("rejected", error=error, client_id=step.client_id,
                                         step_id=step.step_id))
        if item.completed_at is not None:
            try:
                run, completed = complete_run(user=user, run_id=run.pk, completed_at=item.completed_at)
                result.complete = _outcome(completed)
            except ApiError as error:
                result.complete = SyncOutcome("rejected", error=error)
        run.refresh_from_db()
        results.append(result)
    return results
