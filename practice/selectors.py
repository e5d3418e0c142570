"""Reads about runs: who sees which, the effective record of each step, the approved runs that the
apprenticeship app turns into evidence."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from typing import Any, cast

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery

from accounts.models import OrgUnit, Role, User
from accounts.selectors import containing, is_admin, scope_q
from media.models import Photo
from miniprogram_api.clock import by_month, days_q, month_of
from miniprogram_api.errors import not_found
from standards.models import Verdict

from . import signals
from .models import ProcedureRun, RunReview, ScanLog, StepRecord

# Who sees a studio's runs besides their performers (admins see everything), and who reviews them.
RUN_VIEWERS = (Role.MASTER, Role.WORKSHOP_LEADER, Role.DISPATCHER)
REVIEWERS = (Role.MASTER, Role.WORKSHOP_LEADER)
APPROVED = RunReview.Decision.APPROVED


def latest_decision(run_ref: str = "pk") -> Subquery:
    """The decision of a run's latest review, as a subquery on the outer query's `run_ref` field."""
    return Subquery(RunReview.objects.filter(run=OuterRef(run_ref)).order_by("-created_at", "-id")
                    .values("decision")[:1])


def with_review_state(queryset: QuerySet) -> QuerySet:
    """Annotate `review_decision`: the decision of the latest review (None when never reviewed)."""
    return queryset.annotate(review_decision=latest_decision())


def review_state(run: ProcedureRun) -> str | None:
    """None while open; then pending, approved or rejected (the latest review decides)."""
    if run.status != ProcedureRun.Status.COMPLETED:
        return None
    decision = getattr(run, "review_decision", None)
    if not hasattr(run, "review_decision"):
        latest = run.reviews.order_by("-created_at", "-id").first()
        decision = latest.decision if latest else None
    return decision or "pending"


def _runs() -> QuerySet:
    return with_review_state(
        ProcedureRun.objects.select_related("point", "studio", "procedure__standard", "version", "performer")
    )


def visible_runs(user: User) -> QuerySet:
    """Runs the user may see: their own, and those of the studios where they are master, leader or
    dispatcher (admins: all)."""
    if is_admin(user):
        return _runs()
    return _runs().filter(Q(performer=user) | scope_q(user, RUN_VIEWERS, "studio__path"))


def visible_run(user: User, run_id: int) -> ProcedureRun:
    run = visible_runs(user).filter(pk=run_id).first()
    if run is None:
        raise not_found("实操记录")
    return run


def list_runs(user: User, *, mine: bool | None = None, point: int | None = None, procedure: int | None = None,
              verdict: str | None = None, status: str | None = None, review: str | None = None,
              studio: int | None = None, performer: int | None = None, date_from: date | None = None,
              date_to: date | None = None) -> QuerySet:
    runs = _runs().filter(performer=user) if mine else visible_runs(user)
    if point is not None:
        runs = runs.filter(point_id=point)
    if procedure is not None:
        runs = runs.filter(procedure_id=procedure)
    if verdict:
        runs = runs.filter(verdict=verdict)
    if status:
        runs = runs.filter(status=status)
    if review == "pending":
        runs = runs.filter(status=ProcedureRun.Status.COMPLETED, review_decision__isnull=True)
    elif review:
        runs = runs.filter(review_decision=review)
    if studio is not None:
        unit = OrgUnit.objects.filter(pk=studio).first()
        runs = runs.filter(studio__path__startswith=unit.path) if unit else runs.none()
    if performer is not None:
        runs = runs.filter(performer_id=performer)
    return runs.filter(days_q("started_at", date_from, date_to)).order_by("-started_at", "-id")


def effective_records(run_id: int) -> dict[int, StepRecord]:
    """The latest record of each step of a run (later records supersede earlier ones).

    Only records nobody superseded are read: a step re-recorded many times costs no more than once."""
    latest: dict[int, StepRecord] = {}
    for record in StepRecord.objects.filter(run_id=run_id, superseded_by__isnull=True).order_by("id"):
        latest[record.step_id] = record
    return latest


def records_of(run: ProcedureRun) -> list[StepRecord]:
    """Every record of a run, superseded ones included, with their photos and steps (three queries)."""
    return list(
        StepRecord.objects.filter(run=run).select_related("step")
        .prefetch_related(Prefetch("photos", queryset=Photo.objects.order_by("id")))
        .order_by("step__position", "id")
    )


@lru_cache(maxsize=1)
def _open_runs_sql() -> str:
    """The open-runs query of a scan, compiled by the ORM once per process (compiling it costs more
    than running it). Parameters: performer id, point id, status."""
    sql, params = (
        ProcedureRun.objects.filter(performer_id=-1, point_id=-2, status=ProcedureRun.Status.OPEN)
        .only("id", "client_id", "procedure_id", "version_id", "started_at").order_by("-started_at", "-id")
        .query.sql_with_params()
    )
    assert tuple(params) == (-1, -2, ProcedureRun.Status.OPEN), params
    return sql


def open_runs_at(user: User, point_id: int) -> list[ProcedureRun]:
    """The caller's open runs at a point, newest first, each with `current` (step id → latest record).

    One query when there are none (the usual case), two otherwise."""
    runs = list(ProcedureRun.objects.raw(_open_runs_sql(), (user.pk, point_id, ProcedureRun.Status.OPEN)))
    for run in runs:
        run.current = {}
    if runs:
        by_id = {run.pk: run for run in runs}
        for record in StepRecord.objects.filter(run_id__in=by_id, superseded_by__isnull=True) \
                .only("id", "run_id", "step_id", "verdict").order_by("id"):
            by_id[record.run_id].current[record.step_id] = record
    return runs


def work_orders_of(run: ProcedureRun) -> list[dict]:
    """The work orders the run raised (answered by workorders through `signals.run_work_orders_wanted`)."""
    orders: list[dict] = []
    for _receiver, answer in signals.run_work_orders_wanted.send(sender=ProcedureRun, run=run):
        # django-stubs types receiver answers as `str | None`; these receivers answer a list of dicts.
        orders.extend(cast("list[dict] | None", answer) or [])
    return orders


def approved_runs(*, user: User | None = None, procedure=None) -> QuerySet:
    """Completed runs whose latest review approved them: evidence for apprentices (issue 5 reads this).

    `procedure` may be a Procedure, an id, or an iterable of either."""
    runs = with_review_state(ProcedureRun.objects.filter(status=ProcedureRun.Status.COMPLETED)) \
        .filter(review_decision=RunReview.Decision.APPROVED)
    if user is not None:
        runs = runs.filter(performer=user)
    if procedure is not None:
        if isinstance(procedure, (list, tuple, set, frozenset, QuerySet)):
            runs = runs.filter(procedure__in=list(procedure))
        else:
            runs = runs.filter(procedure=procedure)
    return runs


def approvers_of(runs: list[ProcedureRun]) -> dict[int, User]:
    """Run id → the reviewer of its latest review (for approved runs: who vouched for them)."""
    reviewers: dict[int, User] = {}
    for review in RunReview.objects.filter(run__in=runs).select_related("reviewer").order_by("created_at", "id"):
        reviewers[review.run_id] = review.reviewer
    return reviewers


def run_with_place(run_id: int) -> ProcedureRun:
    return ProcedureRun.objects.select_related("procedure", "point").get(pk=run_id)


def run_verdicts(*, user_ids: list[int], standard_ids: list[int]) -> list:
    """Completed runs of these people on procedures of these standards: performer_id, verdict, completed_at
    (for the behaviour level of a course's evaluation report)."""
    if not user_ids or not standard_ids:
        return []
    return list(ProcedureRun.objects.filter(performer_id__in=user_ids, procedure__standard_id__in=standard_ids,
                                            status=ProcedureRun.Status.COMPLETED, completed_at__isnull=False)
                .values("performer_id", "verdict", "completed_at").order_by("completed_at", "id"))
# --- figures for supervision (issue 16): scoped by a unit path the caller has already been checked for --
PROBLEM_VERDICTS = (Verdict.FAIL, Verdict.FLAG)
def _completed_runs(*, path: str, start: datetime, end: datetime) -> QuerySet:
    return ProcedureRun.objects.filter(status=ProcedureRun.Status.COMPLETED, studio__path__startswith=path,
                                       started_at__gte=start, started_at__lt=end)
def standard_run_months(*, standard_id: int, path: str, start: datetime, end: datetime) -> dict[date, dict]:
    """Completed runs of the standard's procedures at studios under `path` started in [start, end), per
    Shanghai month: {month: {"runs", "problem_runs"}} (a problem run has a failed or flagged step, so its
    verdict — the worst of its shown steps — is fail or flag). One query."""
    rows = (_completed_runs(path=path, start=start, end=end).filter(procedure__standard_id=standard_id)
            .annotate(month=by_month("started_at")).values("month")
            .annotate(runs=Count("id"), problem_runs=Count("id", filter=Q(verdict__in=PROBLEM_VERDICTS)))
            .order_by("month"))
    return {month_of(row["month"]): {"runs": row["runs"], "problem_runs": row["problem_runs"]} for row in rows}
def failing_steps(*, standard_id: int, path: str, start: datetime, end: datetime, limit: int = 10) -> list[dict]:
    """The steps whose effective record (the latest, not superseded) was fail or flag most often in the
    completed runs of the standard's procedures: [{procedure_code, position, title, fail, flag, count}].
    Steps are counted by (procedure, position, title), so one step stays one row across versions. One query."""
    runs = _completed_runs(path=path, start=start, end=end).filter(procedure__standard_id=standard_id)
    rows = (StepRecord.objects.filter(run__in=runs.values("id"), superseded_by__isnull=True,
                                      verdict__in=PROBLEM_VERDICTS)
            .values("run__procedure__code", "step__position", "step__title")
            .annotate(count=Count("id"), fail=Count("id", filter=Q(verdict=Verdict.FAIL)),
                      flag=Count("id", filter=Q(verdict=Verdict.FLAG)))
            .order_by("-count", "run__procedure__code", "step__position")[:limit])
    return [{"procedure_code": row["run__procedure__code"], "position": row["step__position"],
             "title": row["step__title"], "count": row["count"], "fail": row["fail"], "flag": row["flag"]}
            for row in rows]


def unit_summary(*, units: list[OrgUnit], start: datetime, end: datetime) -> dict[int, dict]:
    """Per unit (its subtree): completed runs started in [start, end), passed, with a failed or flagged
    step, the standards practised, scans and suspicious scans. units[0] covers the others. Two queries."""
    root = units[0].path
    out: dict[int, dict[str, Any]] = {u.pk: {"runs": 0, "passed": 0, "problem_runs": 0, "scans": 0, "flagged_scans": 0,
                  "standard_ids": set()} for u in units}
    rows = (_completed_runs(path=root, start=start, end=end).values("studio__path", "procedure__standard_id")
            .annotate(runs=Count("id"), passed=Count("id", filter=Q(verdict=Verdict.PASS)),
                      problems=Count("id", filter=Q(verdict__in=PROBLEM_VERDICTS))).order_by())
    for row in rows:
        for unit_id in containing(units, row["studio__path"]):
            entry = out[unit_id]
            entry["runs"] += row["runs"]
            entry["passed"] += row["passed"]
            entry["problem_runs"] += row["problems"]
            entry["standard_ids"].add(row["procedure__standard_id"])
    scans = (ScanLog.objects.filter(point__studio__path__startswith=root, scanned_at__gte=start, scanned_at__lt=end)
             .values("point__studio__path").annotate(scans=Count("id"), flagged=Count("id", filter=Q(suspicious=True)))
             .order_by())
    for row in scans:
        for unit_id in containing(units, row["point__studio__path"]):
            out[unit_id]["scans"] += row["scans"]
            out[unit_id]["flagged_scans"] += row["flagged"]
    return out
