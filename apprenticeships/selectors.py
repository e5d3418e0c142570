"""Reads of apprenticeships: who sees which agreement, the facts behind progress and risk, whole plans
at a glance, and the leader's dashboard.

Every read here runs a fixed number of queries whatever the number of agreements, competencies or
evidence: facts are aggregated per agreement in the database (`facts_for`), plans are loaded in one
query per kind of row (`plans_for`). Time comes in as `now` (default: the current time) so that
progress and risk can be computed for a frozen clock; dates are Asia/Shanghai dates.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any, cast

from django.db.models import Count, F, Max, Q, QuerySet, Sum, Window
from django.db.models.functions import FirstValue, RowNumber
from django.utils import timezone

from accounts.models import OrgUnit, Role, User
from accounts.selectors import containing, has_role, is_admin, scope_q
from media.models import Photo
from media.presenters import photo_out
from miniprogram_api.errors import ApiError, not_found
from practice.selectors import APPROVED, latest_decision

from . import progress as prog
from .certificates import credential_path, normalise, png_path, verify_url
from .models import (
    PROFICIENT_LEVELS,
    Agreement,
    Certificate,
    Competency,
    Countersign,
    Evidence,
    PlanItem,
    PlanTemplate,
    Rating,
    Review,
    ReviewSignature,
    StudioSettings,
)

LEADER = Role.WORKSHOP_LEADER
# Hours that count towards an agreement's planned hours: logged practice and the 学时 of completed courses.
HOURS_KINDS = (Evidence.Kind.PRACTICE_HOURS, Evidence.Kind.COURSE_COMPLETED)


class ItemState:
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    RATED = "rated"
    SIGNED = "signed"


def item_state(*, signed: bool, rated: bool, has_evidence: bool) -> str:
    """The competency's state, derived from its rows: countersigned > rated > evidenced > nothing."""
    if signed:
        return ItemState.SIGNED
    if rated:
        return ItemState.RATED
    if has_evidence:
        return ItemState.IN_PROGRESS
    return ItemState.NOT_STARTED


# --- scope ---------------------------------------------------------------------------------------
def visible_agreements(user: User) -> QuerySet:
    """Apprentices see their own agreements, masters those they teach, workshop leaders those of the
    studios in their subtree, admins all."""
    agreements = Agreement.objects.select_related("studio", "master", "apprentice", "template")
    if is_admin(user):
        return agreements
    return agreements.filter(Q(apprentice=user) | Q(master=user) | scope_q(user, LEADER, "studio__path"))


def agreements_for_role(user: User, role: str | None) -> QuerySet:
    agreements = visible_agreements(user)
    if role == "apprentice":
        return agreements.filter(apprentice=user)
    if role == "master":
        return agreements.filter(master=user)
    if role == "leader":
        if is_admin(user):
            return agreements
        return agreements.filter(scope_q(user, LEADER, "studio__path"))
    return agreements


def get_agreement(user: User, agreement_id: int, *, for_update: bool = False) -> Agreement:
    agreements = visible_agreements(user)
    if for_update:
        agreements = agreements.select_for_update(of=("self",))
    agreement = agreements.filter(pk=agreement_id).first()
    if agreement is None:
        raise not_found("师带徒协议")
    return agreement


def is_leader_of(user: User, agreement: Agreement) -> bool:
    return has_role(user, LEADER, agreement.studio.path)


def role_in(user: User, agreement: Agreement) -> set[str]:
    roles = set()
    if agreement.apprentice_id == user.pk:
        roles.add("apprentice")
    if agreement.master_id == user.pk:
        roles.add("master")
    if is_leader_of(user, agreement):
        roles.add("leader")
    return roles


def led_studio(user: User, studio_id: int) -> OrgUnit:
    """A unit the user leads (workshop leader of it or above it, or admin); else 404."""
    studio = OrgUnit.objects.filter(pk=studio_id).first()
    if studio is None or not has_role(user, LEADER, studio):
        raise not_found("工作室")
    return studio


def mine(user: User) -> Agreement:
    """The apprentice's current agreement: the open one, else the latest."""
    agreement = (Agreement.objects.select_related("studio", "master", "apprentice", "template")
                 .filter(apprentice=user).order_by("-id"))
    current = agreement.filter(state__in=[Agreement.State.ACTIVE, Agreement.State.DRAFT]).first() \
        or agreement.first()
    if current is None:
        raise ApiError("no_agreement", "你还没有师带徒协议，请联系工作室负责人", status=404)
    return current


def templates_for(user: User, studio_id: int | None = None) -> QuerySet:
    templates = PlanTemplate.objects.filter(is_active=True).select_related("studio", "framework") \
        .annotate(competencies=Count("items"))
    if not is_admin(user):
        templates = templates.filter(scope_q(user, LEADER, "studio__path"))
    if studio_id is not None:
        templates = templates.filter(studio_id=studio_id)
    return templates.order_by("studio_id", "target_level", "name")


# --- facts and progress --------------------------------------------------------------------------
def thresholds_for(studio_ids: Iterable[int]) -> dict[int, prog.Thresholds]:
    found = {}
    for row in StudioSettings.objects.filter(studio_id__in=set(studio_ids)):
        found[row.studio_id] = prog.Thresholds(
            review_interval_weeks=row.review_interval_weeks, red_behind_pct=row.red_behind_pct,
            amber_behind_pct=row.amber_behind_pct, red_hours_behind_pct=row.red_hours_behind_pct,
            amber_hours_behind_pct=row.amber_hours_behind_pct, red_inactive_days=row.red_inactive_days,
            amber_inactive_days=row.amber_inactive_days, amber_review_due_days=row.amber_review_due_days)
    return found


def facts_for(ids: list[int]) -> dict[int, dict]:
    """Per agreement id: competencies, signed, items ready for countersign, hours, last activity,
    unsigned evidence, date of the latest complete review and whether the final review is complete.
    Four queries for any number of agreements."""
    facts: dict[int, dict[str, Any]] = {
        pk: {"competencies": 0, "signed": 0, "ready": [], "hours": Decimal("0"), "last_activity": None,
             "unsigned": 0, "evidence": 0, "last_review": None, "final_review_signed": False}
        for pk in ids}
    if not ids:
        return facts
    for row in (PlanItem.objects.filter(agreement_id__in=ids).values("agreement_id")
                .annotate(total=Count("id"), signed=Count("countersign")).order_by()):
        facts[row["agreement_id"]].update(competencies=row["total"], signed=row["signed"])
    # The latest rating of each competency not yet countersigned, by a window function (one pass over
    # the ratings instead of a correlated subquery per plan item); ready when it is proficient.
    latest = (Rating.objects.filter(plan_item__agreement_id__in=ids, plan_item__countersign__isnull=True)
              .annotate(rank=Window(RowNumber(), partition_by=[F("plan_item_id")],
                                    order_by=[F("created_at").desc(), F("id").desc()]),
                        latest_level=Window(FirstValue("level"), partition_by=[F("plan_item_id")],
                                            order_by=[F("created_at").desc(), F("id").desc()]))
              .filter(rank=1, latest_level__in=PROFICIENT_LEVELS)
              .values_list("plan_item__agreement_id", "plan_item_id", "plan_item__order"))
    for agreement_id, item_id, _ in sorted(latest, key=lambda row: (row[2], row[1])):
        facts[agreement_id]["ready"].append(item_id)
    for ev in (Evidence.objects.filter(agreement_id__in=ids).values("agreement_id")
                .annotate(hours=Sum("hours", filter=Q(kind__in=HOURS_KINDS)),
                          last=Max("occurred_on", filter=~Q(kind=Evidence.Kind.MASTER_NOTE)),
                          unsigned=Count("id", filter=Q(signature__isnull=True)), total=Count("id"))
                .order_by()):
        facts[ev["agreement_id"]].update(hours=ev["hours"] or Decimal("0"), last_activity=ev["last"],
                                         unsigned=ev["unsigned"], evidence=ev["total"])
    for agreement_id, done_at, is_final in (
            Review.objects.filter(agreement_id__in=ids).annotate(n=Count("signatures"), done=Max("signatures__created_at"))
            .filter(n__gte=len(ReviewSignature.Role.choices)).values_list("agreement_id", "done", "is_final")):
        done_on = timezone.localdate(done_at)
        current = facts[agreement_id]["last_review"]
        facts[agreement_id]["last_review"] = max(current, done_on) if current else done_on
        facts[agreement_id]["final_review_signed"] |= is_final
    return facts


def progress_of(agreement, facts: dict, today, thresholds: dict[int, prog.Thresholds]) -> prog.Progress:
    """`agreement`: an Agreement, or any object with its state, studio_id, dates, planned hours and
    review interval (the dashboard passes plain rows)."""
    t = thresholds.get(agreement.studio_id, prog.DEFAULT_THRESHOLDS)
    return prog.compute(prog.Facts(
        state=agreement.state, start_date=agreement.start_date, end_date=agreement.end_date,
        planned_hours=agreement.planned_hours, review_interval_weeks=agreement.review_interval_weeks,
        competencies=facts["competencies"], signed=facts["signed"], hours=facts["hours"],
        last_activity=facts["last_activity"], last_review=facts["last_review"]), today, t)


def _today(now: datetime | None):
    return timezone.localdate(now or timezone.now())


def progress_fields(p: prog.Progress) -> dict:
    return {
        "progress_pct": float(p.progress_pct), "expected_pct": float(p.expected_pct),
        "hours": float(p.hours), "expected_hours": float(p.expected_hours),
        "rag": p.rag, "rag_reasons": p.rag_reasons, "next_review_due": p.next_review_due,
        "review_overdue": p.review_overdue, "last_activity": p.last_activity, "days_inactive": p.days_inactive,
    }


# --- whole plans ---------------------------------------------------------------------------------
def person(user: User | None) -> dict | None:
    return {"id": user.pk, "name": user.name} if user is not None else None


def _evidence_rows(ids: list[int]) -> list[Evidence]:
    decision = latest_decision("run_id")
    return list(Evidence.objects.filter(agreement_id__in=ids)
                .select_related("created_by", "signature__signed_by", "run__procedure", "run__point",
                                "contest_entry__event__contest")
                .annotate(run_decision=decision).order_by("-occurred_on", "-id"))


def evidence_out(evidence: Evidence, photos: list[Photo], request=None) -> dict:
    signature = getattr(evidence, "signature", None)
    run = evidence.run
    entry = evidence.contest_entry  # None without a query when contest_entry_id is None
    # `run_decision` is annotated by _evidence_rows (the run's latest review decision).
    withdrawn = run is not None and getattr(evidence, "run_decision", None) != APPROVED
    return {
        "id": evidence.pk, "kind": evidence.kind, "plan_item_id": evidence.plan_item_id,
        "description": evidence.description, "occurred_on": evidence.occurred_on,
        "hours": float(evidence.hours) if evidence.hours is not None else None,
        "run": {"id": run.pk, "procedure_id": run.procedure_id, "procedure_title": run.procedure.title,
                "point_code": run.point.code, "completed_at": run.completed_at} if run else None,
        "contest": {"contest": entry.event.contest.name, "event": entry.event.name,
                    "event_id": entry.event_id, **evidence.data} if entry is not None else (
            dict(evidence.data) if evidence.kind == Evidence.Kind.CONTEST_RESULT and "version" in evidence.data
            else None),  # a corrected result (republication) names its contest in its data
        "photos": [photo_out(p, request) for p in photos],
        "status": "signed" if signature else "submitted",
        "signed_by": person(signature.signed_by) if signature else None,
        "signed_at": signature.created_at if signature else None,
        "withdrawn": withdrawn,
        "created_by": person(evidence.created_by), "created_at": evidence.created_at,
        "client_id": evidence.client_id,
    }


def rating_out(rating: Rating) -> dict:
    return {"id": rating.pk, "level": rating.level, "label": rating.get_level_display(),
            "proficient": rating.proficient, "comment": rating.comment, "rated_by": person(rating.rated_by),
            "created_at": rating.created_at}


def review_out(review: Review, signatures: list[ReviewSignature]) -> dict:
    done = len({s.role for s in signatures}) == len(ReviewSignature.Role.choices)
    return {
        "id": review.pk, "number": review.number, "is_final": review.is_final, "summary": review.summary,
        "next_steps": review.next_steps, "opened_by": person(review.opened_by), "created_at": review.created_at,
        "signatures": [{"role": s.role, "signer": person(s.signer), "comment": s.comment, "signed_at": s.created_at}
                       for s in signatures],
        "missing": [role for role, _ in ReviewSignature.Role.choices if role not in {s.role for s in signatures}],
        "complete": done,
        "completed_on": timezone.localdate(max(s.created_at for s in signatures)) if done else None,
    }


def certificate_out(certificate: Certificate | None) -> dict | None:
    if certificate is None:
        return None
    return {"code": certificate.code, "grade": certificate.grade, "issued_at": certificate.issued_at,
            "revoked": certificate.revoked_at is not None, "verify_url": verify_url(certificate.code),
            "png_url": png_path(certificate.code), "credential_url": credential_path(certificate.code)}


def competency_out(competency: Competency) -> dict:
    return {
        "id": competency.pk, "code": competency.code, "name": competency.name,
        "description": competency.description, "layer": competency.layer, "stage": competency.stage,
        "kind": competency.kind, "target_level": competency.target_level,
        "procedures": [{"id": p.pk, "code": p.code, "title": p.title} for p in competency.procedures.all()],
        "accepts_contest_results": competency.accepts_contest_results,
    }


def agreement_head(agreement: Agreement) -> dict:
    template = agreement.template  # None without a query when template_id is None
    return {
        "id": agreement.pk, "state": agreement.state, "studio": {"id": agreement.studio_id, "name": agreement.studio.name},
        "master": person(agreement.master), "apprentice": person(agreement.apprentice),
        "template": {"id": agreement.template_id, "name": template.name} if template is not None else None,
        "target_level": agreement.target_level, "target_level_label": agreement.get_target_level_display(),
        "start_date": agreement.start_date, "end_date": agreement.end_date,
        "planned_hours": float(agreement.planned_hours), "review_interval_weeks": agreement.review_interval_weeks,
        "grade": agreement.grade or None, "completed_at": agreement.completed_at,
        "terminated_at": agreement.terminated_at, "termination_reason": agreement.termination_reason,
    }


def plans_for(agreements: list[Agreement], *, now: datetime | None = None, request=None) -> list[dict]:
    """Each agreement with its whole plan: per competency the derived state, the latest rating, the
    countersign and the evidence; reviews; progress and risk. A fixed number of queries (about a
    dozen) for any number of agreements, competencies and evidence."""
    ids = [a.pk for a in agreements]
    if not ids:
        return []
    today = _today(now)
    facts = facts_for(ids)
    thresholds = thresholds_for({a.studio_id for a in agreements})
    items = list(PlanItem.objects.filter(agreement_id__in=ids)
                 .select_related("competency")
                 .prefetch_related("competency__procedures")
                 .order_by("agreement_id", "order", "id"))
    ratings: dict[int, list[Rating]] = defaultdict(list)
    for rating in Rating.objects.filter(plan_item__agreement_id__in=ids).select_related("rated_by") \
            .order_by("created_at", "id"):
        ratings[rating.plan_item_id].append(rating)
    countersigns = {c.plan_item_id: c for c in Countersign.objects.filter(plan_item__agreement_id__in=ids)
                    .select_related("signed_by")}
    evidence = _evidence_rows(ids)
    photos: dict[int, list[Photo]] = defaultdict(list)
    if evidence:
        from django.contrib.contenttypes.models import ContentType

        owner_type = ContentType.objects.get_for_model(Evidence)
        for photo in Photo.objects.filter(owner_type=owner_type, owner_id__in=[e.pk for e in evidence]).order_by("id"):
            photos[cast(int, photo.owner_id)].append(photo)  # not None: filtered by owner_id__in
    by_item: dict[int, list[dict]] = defaultdict(list)
    general: dict[int, list[dict]] = defaultdict(list)
    live_evidence: set[int] = set()
    for row in evidence:
        out = evidence_out(row, photos.get(row.pk, []), request)
        if row.plan_item_id:
            by_item[row.plan_item_id].append(out)
            if not out["withdrawn"]:
                live_evidence.add(row.plan_item_id)
        else:
            general[row.agreement_id].append(out)
    reviews: dict[int, list[dict]] = defaultdict(list)
    signatures: dict[int, list[ReviewSignature]] = defaultdict(list)
    for signature in ReviewSignature.objects.filter(review__agreement_id__in=ids).select_related("signer") \
            .order_by("created_at", "id"):
        signatures[signature.review_id].append(signature)
    for review in Review.objects.filter(agreement_id__in=ids).select_related("opened_by").order_by("number"):
        reviews[review.agreement_id].append(review_out(review, signatures.get(review.pk, [])))
    certificates = {c.agreement_id: c for c in Certificate.objects.filter(agreement_id__in=ids)}

    plan: dict[int, list[dict]] = defaultdict(list)
    for item in items:
        history = ratings.get(item.pk, [])
        latest = history[-1] if history else None
        countersign = countersigns.get(item.pk)
        plan[item.agreement_id].append({
            "id": item.pk, "competency": competency_out(item.competency),
            "state": item_state(signed=countersign is not None, rated=latest is not None,
                                has_evidence=item.pk in live_evidence),
            "rating": rating_out(latest) if latest else None, "ratings_count": len(history),
            "countersign": {"signed_by": person(countersign.signed_by), "signed_at": countersign.created_at,
                            "comment": countersign.comment} if countersign else None,
            "evidence": by_item.get(item.pk, []),
        })
    result = []
    for agreement in agreements:
        f = facts[agreement.pk]
        p = progress_of(agreement, f, today, thresholds)
        result.append({
            **agreement_head(agreement), **progress_fields(p),
            "competencies_total": f["competencies"], "competencies_signed": f["signed"],
            "ready_for_countersign": f["ready"], "unsigned_evidence": f["unsigned"],
            "final_review_signed": f["final_review_signed"],
            "plan": plan.get(agreement.pk, []), "general_evidence": general.get(agreement.pk, []),
            "reviews": reviews.get(agreement.pk, []),
            "certificate": certificate_out(certificates.get(agreement.pk)),
        })
    return result


# --- the leader's dashboard ----------------------------------------------------------------------
SORT_KEYS = {
    "name": lambda r: r["apprentice"]["name"],
    "master": lambda r: r["master"]["name"],
    "rag": lambda r: (prog.RAG_ORDER[r["rag"]], -r["behind_pct"]),
    "progress": lambda r: r["progress_pct"],
    "behind": lambda r: r["behind_pct"],
    "hours": lambda r: r["hours"],
    "hours_behind": lambda r: r["expected_hours"] - r["hours"],
    "last_activity": lambda r: r["last_activity"].toordinal() if r["last_activity"] else 0,
    "next_review": lambda r: r["next_review_due"].toordinal() if r["next_review_due"] else 10**9,
    "end_date": lambda r: r["end_date"].toordinal(),
}
SORTS = sorted(SORT_KEYS) + sorted(f"-{key}" for key in SORT_KEYS)


DASHBOARD_FIELDS = ("id", "state", "studio_id", "studio__name", "master_id", "master__display_name",
                    "master__username", "apprentice_id", "apprentice__display_name", "apprentice__username",
                    "target_level", "start_date", "end_date", "planned_hours", "review_interval_weeks")


def dashboard(user: User, studio_id: int, *, sort: str = "rag", rag: str | None = None, state: str = "active",
              now: datetime | None = None) -> dict:
    """One row per apprentice of the studio's subtree with progress, hours, risk, last activity and
    the next review; counts by RAG. Nine queries whatever the number of apprentices and competencies
    (three of them are the token, the studio and the grants). Agreements are read as plain rows: with
    hundreds of apprentices, model instances would cost more than the queries."""
    studio = led_studio(user, studio_id)
    agreements = Agreement.objects.filter(studio__path__startswith=studio.path)
    if state != "all":
        agreements = agreements.filter(state=state)
    found = [SimpleNamespace(**row) for row in agreements.values(*DASHBOARD_FIELDS)]
    today = _today(now)
    facts = facts_for([a.id for a in found])
    thresholds = thresholds_for({a.studio_id for a in found})
    rows = []
    for agreement in found:
        f = facts[agreement.id]
        p = progress_of(agreement, f, today, thresholds)
        rows.append({
            "agreement_id": agreement.id, "state": agreement.state,
            "apprentice": {"id": agreement.apprentice_id,
                           "name": agreement.apprentice__display_name or agreement.apprentice__username},
            "master": {"id": agreement.master_id,
                       "name": agreement.master__display_name or agreement.master__username},
            "studio": {"id": agreement.studio_id, "name": agreement.studio__name},
            "target_level": agreement.target_level, "start_date": agreement.start_date,
            "end_date": agreement.end_date, **progress_fields(p), "behind_pct": float(p.behind_pct),
            "competencies_total": f["competencies"], "competencies_signed": f["signed"],
            "ready_for_countersign": f["ready"], "unsigned_evidence": f["unsigned"],
        })
    counts = {prog.RED: 0, prog.AMBER: 0, prog.GREEN: 0}
    for row in rows:
        if row["rag"] in counts:
            counts[row["rag"]] += 1
    if rag:
        rows = [row for row in rows if row["rag"] == rag]
    key = sort.lstrip("-")
    rows.sort(key=lambda r: r["apprentice"]["name"])  # a stable tie-break
    rows.sort(key=SORT_KEYS[key], reverse=sort.startswith("-"))
    return {"studio": {"id": studio.pk, "name": studio.name}, "today": today, "counts": counts,
            "count": len(rows), "sort": sort, "rows": rows}


def agreement_id_of_evidence(evidence_id: int) -> int:
    return Evidence.objects.values_list("agreement_id", flat=True).get(pk=evidence_id)


def certificate_by_code(code: str) -> Certificate:
    """A certificate by its code as a person types it (any case, grouped or not): 404 for a code that
    does not exist (a forgery), 410 for a revoked one."""
    normal = normalise(code)
    certificate = Certificate.objects.filter(code=normal).first() if normal else None
    if certificate is None:
        raise ApiError("certificate_not_found", "证书不存在：验证码有误或证书系伪造", status=404)
    if certificate.revoked_at is not None:
        raise ApiError("certificate_revoked", "该证书已被撤销", status=410,
                       detail={"revoked_at": certificate.revoked_at.isoformat(), "reason": certificate.revoked_reason})
    return certificate


# --- supervision (issue 16) ------------------------------------------------------------------------------
def unit_summary(*, units: list[OrgUnit], now: datetime | None = None) -> dict[int, dict]:
    """Per unit (its subtree; units[0] covers the others): active agreements by red/amber/green today
    (the leader's dashboard's rule), and agreements completed (出师) this Shanghai year. Seven queries."""
    today = _today(now)
    root = units[0].path
    out = {u.pk: {"active": 0, "red": 0, "amber": 0, "green": 0, "completed_this_year": 0} for u in units}
    found = [SimpleNamespace(**row) for row in Agreement.objects.filter(
        studio__path__startswith=root, state=Agreement.State.ACTIVE).values(*DASHBOARD_FIELDS, "studio__path")]
    facts = facts_for([a.id for a in found])
    thresholds = thresholds_for({a.studio_id for a in found})
    for agreement in found:
        rag = progress_of(agreement, facts[agreement.id], today, thresholds).rag
        for unit_id in containing(units, agreement.studio__path):
            out[unit_id]["active"] += 1
            if rag in (prog.RED, prog.AMBER, prog.GREEN):
                out[unit_id][rag] += 1
    year_start = timezone.make_aware(datetime(today.year, 1, 1))
    for path in Agreement.objects.filter(studio__path__startswith=root, state=Agreement.State.COMPLETED,
                                         completed_at__gte=year_start).values_list("studio__path", flat=True):
        for unit_id in containing(units, path):
            out[unit_id]["completed_this_year"] += 1
    return out
