"""How a standard is carried out (issue 16): a monthly series per standard, for a unit's subtree.

Every figure comes from the app that owns it, through its selectors, for the unit that
`accounts.selectors.supervised_unit` allowed (the one scoping function of supervision); a fixed number of
queries whatever the amount of data (tested with two sizes).

Definitions (docs/API.md repeats them):
- Months are Asia/Shanghai months; the window is from `date_from` to `date_to` (Shanghai days, both
  included; by default the last 12 months up to today).
- runs: completed runs of the standard's procedures, by the month they started; problem_runs: those whose
  verdict is fail or flag (a failed or flagged step); problem_share = problem_runs ÷ runs.
- failing_steps: the steps whose effective record was fail or flag most often in those runs.
- corrective_orders: orders opened by such a step, by the month reported; median_close_minutes: the median
  of (confirmed − reported) of those confirmed, linear interpolation, rounded half up to 0.1 minute.
- learners: distinct people who completed a course teaching the standard (the total is distinct over the
  whole window, so it can be less than the sum of the months).
- exam_pass_rate: right answers ÷ graded answers to questions tagged with the standard (a knowledge tag
  linked to it), by the month the attempt was submitted.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.db.models import Count, Prefetch

from accounts.models import User
from accounts.selectors import SUPERVISION_ROLES, is_admin, scope_paths, supervised_unit
from competitions import selectors as competitions
from evaluations import selectors as evaluations
from miniprogram_api.clock import check_dates, local_today, month_of, months_between, shanghai_day_start
from miniprogram_api.errors import forbidden, not_found, unprocessable
from practice import selectors as practice
from standards import selectors as standards
from training import selectors as training
from workorders import selectors as workorders
from workorders.stats import percentile

from .models import Campaign, EvidenceKind, Indicator, IndicatorSystem

MAX_MONTHS = 36


def window(date_from: date | None, date_to: date | None, *, months: int = 12) -> tuple[date, date]:
    """(first day, last day) of the asked window; by default the last `months` Shanghai months up to today."""
    check_dates(date_from, date_to)
    date_to = date_to or local_today()
    if date_from is None:
        first = month_of(date_to)
        for _ in range(months - 1):
            first = month_of(first - timedelta(days=1))
        date_from = first
    if date_from > date_to:
        raise unprocessable("invalid_date_range", "开始日期不能晚于结束日期",
                            detail=[{"field": "from", "type": "range", "message": "晚于结束日期"}])
    if len(months_between(date_from, date_to)) > MAX_MONTHS:
        raise unprocessable("date_range_too_long", f"统计区间最长 {MAX_MONTHS} 个月",
                            detail=[{"field": "from", "type": "range", "message": "区间过长"}])
    return date_from, date_to


def rate(part: int, whole: int) -> float | None:
    if not whole:
        return None
    return float((Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))


def median_minutes(values: list[Decimal]) -> float | None:
    median = percentile(values, Decimal("0.5"))
    return float(median.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)) if median is not None else None


def _figures(runs: int, problem_runs: int, orders: list[dict], learners: int, answers: int, correct: int) -> dict:
    closings = [o["close_minutes"] for o in orders if o["close_minutes"] is not None]
    return {
        "runs": runs, "problem_runs": problem_runs, "problem_share": rate(problem_runs, runs),
        "corrective_orders": len(orders), "closed_orders": len(closings),
        "median_close_minutes": median_minutes(closings),
        "learners": learners, "exam_answers": answers, "exam_correct": correct,
        "exam_pass_rate": rate(correct, answers),
    }


def implementation(user: User, standard_id: int, *, unit_id: int | None = None, date_from: date | None = None,
                   date_to: date | None = None) -> dict:
    unit = supervised_unit(user, unit_id)
    standard = standards.get_standard(standard_id)
    date_from, date_to = window(date_from, date_to)
    return implementation_of(standard, unit.path, date_from, date_to) | {
        "unit": {"id": unit.pk, "name": unit.name}}


def implementation_of(standard, path: str, date_from: date, date_to: date) -> dict:
    """The series for the units under `path` (already allowed): what evaluations pre-fill as evidence."""
    start, end = shanghai_day_start(date_from), shanghai_day_start(date_to + timedelta(days=1))
    scope = {"standard_id": standard.pk, "path": path, "start": start, "end": end}
    footprint = standards.standard_footprint(standard_id=standard.pk, path=path)
    run_months = practice.standard_run_months(**scope)
    orders = workorders.corrective_orders(**scope)
    learning = training.standard_learning_months(**scope)
    orders_by_month: dict[date, list[dict]] = {}
    for order in orders:
        orders_by_month.setdefault(month_of(order["created_at"]), []).append(order)
    months = []
    for month in months_between(date_from, date_to):
        runs = run_months.get(month, {"runs": 0, "problem_runs": 0})
        learned = learning.get(month, {"learners": 0, "answers": 0, "correct": 0})
        months.append({"month": month.strftime("%Y-%m"), **_figures(
            runs["runs"], runs["problem_runs"], orders_by_month.get(month, []), learned["learners"],
            learned["answers"], learned["correct"])})
    totals = _figures(sum(m["runs"] for m in months), sum(m["problem_runs"] for m in months), orders,
                      training.standard_learner_count(**scope), sum(m["exam_answers"] for m in months),
                      sum(m["exam_correct"] for m in months))
    return {
        "standard": {"id": standard.pk, "code": standard.code, "title": standard.title, "level": standard.level,
                     "category": standard.category},
        "date_from": date_from.isoformat(), "date_to": date_to.isoformat(),
        **footprint,
        "totals": totals,
        "months": months,
        "failing_steps": practice.failing_steps(**scope),
    }


# --- indicator systems -------------------------------------------------------------------------------------
def indicator_systems() -> list[IndicatorSystem]:
    return list(IndicatorSystem.objects.annotate(dimension_count=Count("dimensions", distinct=True),
                                                 indicator_count=Count("dimensions__indicators"))
                .order_by("code", "-version"))


def indicator_system(system_id: int) -> dict:
    """A system with its dimensions and indicators (three queries)."""
    system = IndicatorSystem.objects.filter(pk=system_id).first()
    if system is None:
        raise not_found("指标体系")
    dimensions = list(system.dimensions.prefetch_related(
        Prefetch("indicators", queryset=Indicator.objects.order_by("order"))).order_by("order"))
    return {**system_head(system), "dimensions": [
        {"id": d.pk, "code": d.code, "name": d.name, "weight": d.weight, "description": d.description,
         "indicators": [{"id": i.pk, "code": i.code, "name": i.name, "weight": i.weight, "max_score": i.max_score,
                         "scoring_rule": i.scoring_rule, "evidence_required": i.evidence_required,
                         "evidence_labels": [EvidenceKind(k).label for k in i.evidence_required
                                             if k in EvidenceKind.values],
                         "measure": i.measure} for i in d.indicators.all()]}
        for d in dimensions]}


def system_head(system: IndicatorSystem) -> dict:
    return {"id": system.pk, "code": system.code, "version": system.version, "name": system.name,
            "basis": system.basis, "description": system.description, "state": system.state,
            "published_at": system.published_at,
            "dimension_count": getattr(system, "dimension_count", None),
            "indicator_count": getattr(system, "indicator_count", None)}


def system_for_admin(user: User, system_id: int) -> IndicatorSystem:
    """Only admins change indicator systems (everyone may read them)."""
    if not is_admin(user):
        raise forbidden("只有管理员可以发布或修订评价指标体系")
    system = IndicatorSystem.objects.filter(pk=system_id).first()
    if system is None:
        raise not_found("指标体系")
    return system


# --- campaigns ----------------------------------------------------------------------------------------------
def campaign_results(campaign_id: int) -> dict:
    """Scores by indicator (the contests' panel mean: highest and lowest dropped from 5 experts up), by
    dimension and overall, as percentages weighted at each level, rounded once (half up, 0.01); progress
    counted by indicators reviewed (every expert of the panel has scored them). A fixed number of queries."""
    campaign = Campaign.objects.select_related("system", "standard", "unit").filter(pk=campaign_id).first()
    if campaign is None:
        raise not_found("实施评价")
    members = list(campaign.panel.select_related("expert").order_by("id"))
    panel = {m.expert_id for m in members}
    scores: dict[int, dict[int, Decimal]] = {}
    for indicator_id, expert_id, score in campaign.scores.values_list("indicator_id", "expert_id", "score"):
        scores.setdefault(indicator_id, {})[expert_id] = score
    prefilled = dict(campaign.prefilled.values_list("indicator_id", "figures"))
    dimensions = list(campaign.system.dimensions.prefetch_related(
        Prefetch("indicators", queryset=Indicator.objects.order_by("order"))).order_by("order"))
    hundred = Fraction(100)
    total: Fraction | None = Fraction(0)
    reviewed = count = 0
    out_dimensions = []
    for dimension in dimensions:
        dimension_score: Fraction | None = Fraction(0)
        rows = []
        for indicator in dimension.indicators.all():
            count += 1
            given = scores.get(indicator.pk, {})
            done = bool(panel) and panel <= set(given)
            reviewed += done
            mean = competitions.panel_mean(list(given.values())) if given else None
            pct = mean / competitions.exact(indicator.max_score) * hundred if mean is not None else None
            if pct is None or dimension_score is None:
                dimension_score = None
            else:
                dimension_score += pct * competitions.exact(indicator.weight) / hundred
            rows.append({"id": indicator.pk, "code": indicator.code, "name": indicator.name,
                         "weight": indicator.weight, "experts_scored": len(given), "reviewed": done,
                         "score": competitions.round_half_up(mean) if mean is not None else None,
                         "percent": competitions.round_half_up(pct) if pct is not None else None,
                         "prefilled": prefilled.get(indicator.pk)})
        if dimension_score is None or total is None:
            total = None
        else:
            total += dimension_score * competitions.exact(dimension.weight) / hundred
        out_dimensions.append({"id": dimension.pk, "code": dimension.code, "name": dimension.name,
                               "weight": dimension.weight, "indicators": rows,
                               "score": competitions.round_half_up(dimension_score) if dimension_score is not None else None})
    return {"id": campaign.pk, "title": campaign.title, "state": campaign.state,
            "system": system_head(campaign.system),
            "standard": {"id": campaign.standard_id, "code": campaign.standard.code, "title": campaign.standard.title},
            "unit": {"id": campaign.unit_id, "name": campaign.unit.name},
            "date_from": campaign.date_from, "date_to": campaign.date_to, "panel_size": len(panel),
            "panel": [{"expert_id": m.expert_id, "name": m.expert.name, "source": m.source, "draw_id": m.draw_id}
                      for m in members],
            "threshold": campaign.threshold, "closed_at": campaign.closed_at, "close_reason": campaign.close_reason,
            "progress": {"indicators": count, "reviewed": reviewed,
                         "share": float(Fraction(reviewed, count)) if count else None},
            "score": competitions.round_half_up(total) if total is not None else None, "dimensions": out_dimensions}


def visible_campaign(user: User, campaign_id: int) -> Campaign:
    """Admins, the panel's experts, and supervisors or leaders whose scope holds the evaluated unit; anyone
    else gets the same 404 as for a missing campaign."""
    campaign = Campaign.objects.select_related("unit").filter(pk=campaign_id).first()
    if campaign is None:
        raise not_found("实施评价")
    if is_admin(user) or campaign.panel.filter(expert=user).exists():
        return campaign
    paths = scope_paths(user, SUPERVISION_ROLES)
    if paths and any(campaign.unit.path.startswith(p) for p in paths):
        return campaign
    raise not_found("实施评价")


SOURCE_KIND = "standard_evaluation"  # the improvement actions' source_kind (evaluations.ImprovementAction)
TARGET_KIND = "standard_implementation"  # their target_kind; target_id is the campaign that opened them


def problems_of(results: dict, threshold: Decimal) -> list[dict]:
    """Scored indicators whose rate is below the threshold, lowest first (then in the system's order)."""
    rows = [i for d in results["dimensions"] for i in d["indicators"] if i["percent"] is not None]
    return sorted((i for i in rows if i["percent"] < threshold), key=lambda i: i["percent"])


def strengths_of(results: dict, threshold: Decimal, top: int = 3) -> list[dict]:
    """The best-scored indicators (at most `top`, none below the threshold), highest first."""
    rows = [i for d in results["dimensions"] for i in d["indicators"] if i["percent"] is not None]
    return sorted((i for i in rows if i["percent"] >= threshold), key=lambda i: -i["percent"])[:top]


def earlier_campaign_ids(campaign: Campaign) -> list[int]:
    """The closed evaluations of the same (standard, unit) before this one, latest first: for a closed
    campaign those closed before it, for an open one every closed one."""
    earlier = Campaign.objects.filter(standard_id=campaign.standard_id, unit_id=campaign.unit_id,
                                      state=Campaign.State.CLOSED).exclude(pk=campaign.pk)
    if campaign.closed_at is not None:
        earlier = earlier.filter(closed_at__lt=campaign.closed_at)
    return list(earlier.order_by("-closed_at", "-pk").values_list("pk", flat=True))


def previous_actions(campaign: Campaign) -> list[dict]:
    """The improvement actions of the previous evaluation of the same (standard, unit), and older ones
    this evaluation re-checked, with their re-check outcome (`pending` until an evaluation scores the item
    again; `passed` / `failed` with the score and the evaluation that re-checked it)."""
    earlier = earlier_campaign_ids(campaign)
    actions = evaluations.earlier_actions(TARGET_KIND, earlier[:1], campaign.pk)
    return [{"id": a.pk, "campaign_id": a.source_id, "campaign_title": a.source_label, "item_key": a.item_key,
             "item_label": a.item_label, "score": a.score, "threshold": a.threshold,
             "owner": a.owner.name if a.owner else None, "due_date": a.due_date, "state": a.state,
             "recheck": a.recheck, "recheck_score": a.recheck_score, "recheck_campaign_id": a.recheck_source_id}
            for a in actions]


def campaign_report(campaign_id: int) -> dict:
    """The written report (DB 50/T 1053-2020 §8): the results by dimension and indicator, strengths (the best
    indicators), problems (those below the campaign's threshold, lowest first), the improvement actions the
    closing opened, and the recorded panel draws (so the panel's provenance can be checked)."""
    from . import panels

    results = campaign_results(campaign_id)
    actions = evaluations.actions_of_source(SOURCE_KIND, campaign_id)
    return {**results,
            "strengths": strengths_of(results, results["threshold"]),
            "problems": problems_of(results, results["threshold"]),
            "actions": [{"id": a.pk, "item_key": a.item_key, "item_label": a.item_label, "score": a.score,
                         "threshold": a.threshold, "owner": a.owner.name if a.owner else None,
                         "due_date": a.due_date, "state": a.state} for a in actions],
            "previous_actions": previous_actions(Campaign.objects.get(pk=campaign_id)),
            "draws": panels.draws_of(campaign_id)}
