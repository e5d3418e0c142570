"""Writes of standard_evaluations: indicator systems (create from a spec, publish with the weight
checks, a new draft version from a published one)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.models import OrgUnit, Role, User
from accounts.selectors import holders_over, is_admin
from evaluations import services as evaluation_services
from experts.services import record_engagement
from miniprogram_api.clock import local_today
from miniprogram_api.errors import ApiError

from . import builtin
from .models import (
    Campaign,
    Dimension,
    EvidenceKind,
    Indicator,
    IndicatorScore,
    IndicatorSystem,
    PanelExpert,
    PrefilledEvidence,
)

HUNDRED = Decimal("100")


def weight_problems(system: IndicatorSystem) -> list[dict]:
    """Why the system cannot be published: the weights at each level must sum to 100, each dimension needs
    indicators, each indicator a scoring rule and known evidence kinds."""
    problems = []
    dimensions = list(system.dimensions.prefetch_related("indicators").order_by("order"))
    if not dimensions:
        problems.append({"level": "system", "code": system.code, "message": "没有评价维度"})
    total = sum((d.weight for d in dimensions), Decimal("0"))
    if dimensions and total != HUNDRED:
        problems.append({"level": "system", "code": system.code, "sum": str(total),
                         "message": f"各维度权重之和为 {total}，应为 100"})
    for dimension in dimensions:
        indicators = list(dimension.indicators.all())
        if not indicators:
            problems.append({"level": "dimension", "code": dimension.code, "message": f"维度“{dimension.name}”没有指标"})
            continue
        inner = sum((i.weight for i in indicators), Decimal("0"))
        if inner != HUNDRED:
            problems.append({"level": "dimension", "code": dimension.code, "sum": str(inner),
                             "message": f"维度“{dimension.name}”内各指标权重之和为 {inner}，应为 100"})
        for indicator in indicators:
            unknown = [kind for kind in indicator.evidence_required if kind not in EvidenceKind.values]
            if not indicator.scoring_rule.strip() or unknown or not indicator.evidence_required:
                problems.append({"level": "indicator", "code": indicator.code,
                                 "message": f"指标“{indicator.name}”缺少评分规则或所需证据有误"})
    return problems


@transaction.atomic
def publish_system(*, system: IndicatorSystem, actor: User | None = None) -> IndicatorSystem:
    system = IndicatorSystem.objects.select_for_update().get(pk=system.pk)
    if system.is_published:
        raise ApiError("system_published", f"{system} 已经发布", status=409)
    problems = weight_problems(system)
    if problems:
        raise ApiError("weights_invalid", "指标体系不能发布：" + "；".join(p["message"] for p in problems[:3]),
                       status=422, detail=problems)
    # A queryset update: save() refuses to touch a published row, and this is the one way into that state.
    IndicatorSystem.objects.filter(pk=system.pk).update(state=IndicatorSystem.State.PUBLISHED,
                                                        published_at=timezone.now(), published_by=actor)
    system.refresh_from_db()
    return system


@transaction.atomic
def create_system(*, spec: dict, version: int = 1) -> IndicatorSystem:
    """A draft built from a spec shaped like `builtin.BUILTIN`."""
    system = IndicatorSystem.objects.create(code=spec["code"], version=version, name=spec["name"],
                                            basis=spec.get("basis", ""), description=spec.get("description", ""))
    for d_order, (code, name, weight, note, indicators) in enumerate(spec["dimensions"], start=1):
        dimension = Dimension.objects.create(system=system, order=d_order, code=code, name=name,
                                             weight=Decimal(weight), description=note)
        Indicator.objects.bulk_create([
            Indicator(dimension=dimension, order=i_order, code=i_code, name=i_name, weight=Decimal(i_weight),
                      scoring_rule=rule, evidence_required=list(evidence), measure=measure)
            for i_order, (i_code, i_name, i_weight, rule, evidence, measure) in enumerate(indicators, start=1)])
    return system


@transaction.atomic
def new_version(*, system: IndicatorSystem) -> IndicatorSystem:
    """A draft copy of a published system, numbered after the latest version of its code."""
    if not system.is_published:
        raise ApiError("system_not_published", "只能在已发布的版本上新建草稿", status=409)
    if IndicatorSystem.objects.filter(code=system.code, state=IndicatorSystem.State.DRAFT).exists():
        raise ApiError("draft_exists", "该指标体系已有草稿，请先完成或删除草稿", status=409)
    latest = IndicatorSystem.objects.filter(code=system.code).order_by("-version").values_list("version", flat=True)[0]
    spec = {"code": system.code, "name": system.name, "basis": system.basis, "description": system.description,
            "dimensions": [(d.code, d.name, str(d.weight), d.description,
                            [(i.code, i.name, str(i.weight), i.scoring_rule, i.evidence_required, i.measure)
                             for i in d.indicators.order_by("order")])
                           for d in system.dimensions.order_by("order")]}
    return create_system(spec=spec, version=latest + 1)


@transaction.atomic
def install_builtin(*, actor: User | None = None) -> IndicatorSystem:
    """The shipped system, published, once (idempotent: an existing version 1 is returned as it is)."""
    found = IndicatorSystem.objects.filter(code=builtin.BUILTIN["code"], version=1).first()
    if found is not None:
        return found
    return publish_system(system=create_system(spec=builtin.BUILTIN), actor=actor)


# --- campaigns (实施评价) -----------------------------------------------------------------------------------
MEASURED_FIGURES: dict[str, tuple[str, ...]] = {
    Indicator.Measure.TRANSLATION: ("procedures", "published_procedures", "points"),
    Indicator.Measure.RUNS: ("runs",),
    Indicator.Measure.CONFORMITY: ("runs", "problem_runs", "problem_share", "failing_steps"),
    Indicator.Measure.CORRECTIVE: ("corrective_orders", "closed_orders", "median_close_minutes"),
    Indicator.Measure.LEARNING: ("learners", "exam_answers", "exam_correct", "exam_pass_rate"),
}


def _measured(series: dict, measure: str) -> dict:
    flat = {**series["totals"], "procedures": series["procedures"], "points": series["points"],
            "published_procedures": series["published_procedures"], "failing_steps": series["failing_steps"][:5]}
    return {"date_from": series["date_from"], "date_to": series["date_to"],
            **{key: flat[key] for key in MEASURED_FIGURES[measure]}}


@transaction.atomic
def open_campaign(*, actor: User, system: IndicatorSystem, standard, unit, title: str, date_from, date_to,
                  experts: list[User] = (), panel_draw: dict | None = None,  # type: ignore[assignment]
                  threshold: Decimal | None = None) -> Campaign:
    """Open an evaluation: the panel (named experts, and/or a draw from the expert roster that avoids the
    evaluated unit: drawn experts join when they confirm), and the indicators Shixun measures pre-filled from
    the implementation series of the standard at the unit's subtree over [date_from, date_to]."""
    from . import panels
    from .selectors import implementation_of

    if not system.is_published:
        raise ApiError("system_not_published", "只能使用已发布的指标体系", status=409)
    if len({e.pk for e in experts}) < 1 and not panel_draw:
        raise ApiError("panel_empty", "评审专家至少 1 名（指定或从专家库抽取）", status=422)
    campaign = Campaign.objects.create(system=system, standard=standard, unit=unit, title=title,
                                       date_from=date_from, date_to=date_to, created_by=actor,
                                       **({"threshold": threshold} if threshold is not None else {}))
    PanelExpert.objects.bulk_create([PanelExpert(campaign=campaign, expert=e) for e in {e.pk: e for e in experts}.values()])
    if panel_draw:
        panels.draw_panel(actor=None, campaign_id=campaign.pk, count=panel_draw["count"],
                          backups=panel_draw.get("backups", 0), speciality_ids=panel_draw.get("speciality_ids"),
                          seed=panel_draw.get("seed"))
    series = implementation_of(standard, unit.path, date_from, date_to)
    measured = Indicator.objects.filter(dimension__system=system).exclude(measure="")
    PrefilledEvidence.objects.bulk_create([PrefilledEvidence(campaign=campaign, indicator=indicator,
                                                             figures=_measured(series, indicator.measure))
                                           for indicator in measured])
    return campaign


@transaction.atomic
def score_indicator(*, expert: User, campaign_id: int, indicator_id: int, score: Decimal, comment: str = "",
                    evidence: list | None = None) -> IndicatorScore:
    """An expert's score of one indicator (a later score of the same indicator replaces theirs while open)."""
    campaign = Campaign.objects.select_for_update().filter(pk=campaign_id).first()
    if campaign is None or not PanelExpert.objects.filter(campaign=campaign, expert=expert).exists():
        raise ApiError("not_found", "实施评价不存在", status=404)
    if campaign.state != Campaign.State.OPEN:
        raise ApiError("campaign_closed", "该实施评价已结束，不能再评分", status=409)
    indicator = Indicator.objects.filter(pk=indicator_id, dimension__system_id=campaign.system_id).first()
    if indicator is None:
        raise ApiError("not_found", "指标不存在", status=404)
    if not Decimal("0") <= score <= indicator.max_score:
        raise ApiError("score_out_of_range", f"得分应在 0 到 {indicator.max_score} 之间", status=422,
                       detail=[{"field": "score", "type": "range", "message": f"0–{indicator.max_score}"}])
    row, _ = IndicatorScore.objects.update_or_create(campaign=campaign, indicator=indicator, expert=expert,
                                                     defaults={"score": score, "comment": comment,
                                                               "evidence": evidence or []})
    # An evaluation done, on the expert's roster record (once per campaign; skipped off the roster).
    record_engagement(kind="evaluation", ref=f"standard_evaluations.campaign:{campaign.pk}", title=campaign.title,
                      occurred_on=local_today(), user=expert, role="评审专家")
    return row


def open_campaign_for(*, actor: User, system_id: int, standard_id: int, unit_id: int, title: str, date_from,
                      date_to, expert_ids: list[int], panel_draw: dict | None = None,
                      threshold: Decimal | None = None) -> Campaign:
    """The API's way in: admins only; every id must exist (404), the window is checked like the series'."""
    from standards.selectors import get_standard

    from .selectors import window

    if not is_admin(actor):
        raise ApiError("forbidden", "只有管理员可以发起实施评价", status=403)
    system = IndicatorSystem.objects.filter(pk=system_id).first()
    unit = OrgUnit.objects.filter(pk=unit_id).first()
    if system is None or unit is None:
        raise ApiError("not_found", "指标体系或单位不存在", status=404)
    experts = list(User.objects.filter(pk__in=expert_ids, is_active=True))
    if len(experts) != len(set(expert_ids)):
        raise ApiError("unknown_experts", "部分评审专家不存在或已停用", status=422,
                       detail=sorted(set(expert_ids) - {e.pk for e in experts}))
    date_from, date_to = window(date_from, date_to)
    return open_campaign(actor=actor, system=system, standard=get_standard(standard_id), unit=unit, title=title,
                         date_from=date_from, date_to=date_to, experts=experts, panel_draw=panel_draw,
                         threshold=threshold)


# --- closing and the report's improvement actions (整改) ------------------------------------------------------


def owner_of(unit: OrgUnit, fallback: User | None) -> User | None:
    """Who answers for the evaluated unit: its workshop leader (a studio, or a grant covering it), else an
    admin over it, else whoever opened the campaign."""
    for role in (Role.WORKSHOP_LEADER, Role.ADMIN):
        holders = holders_over(role, unit.path)
        if holders:
            return holders[0]
    return fallback


@transaction.atomic
def close_campaign(*, actor: User, campaign_id: int, reason: str = "", now=None) -> Campaign:
    """Close an evaluation (admins): when every indicator has been reviewed by the whole panel, or earlier
    with a reason. Each indicator whose score rate is below the campaign's threshold — and the overall score
    when it is — opens an improvement action (evaluations' 整改, the same as a survey's) for the evaluated
    unit's owner, once per (campaign, indicator)."""
    from .selectors import SOURCE_KIND, TARGET_KIND, campaign_results, problems_of

    if not is_admin(actor):
        raise ApiError("forbidden", "只有管理员可以结束实施评价", status=403)
    campaign = Campaign.objects.select_for_update().select_related("unit", "standard").filter(pk=campaign_id).first()
    if campaign is None:
        raise ApiError("not_found", "实施评价不存在", status=404)
    if campaign.state != Campaign.State.OPEN:
        raise ApiError("campaign_closed", "该实施评价已结束", status=409)
    results = campaign_results(campaign.pk)
    progress = results["progress"]
    reason = reason.strip()
    if progress["reviewed"] < progress["indicators"] and not reason:
        raise ApiError("review_incomplete", "评审尚未全部完成，提前结束须填写原因", status=409,
                       detail={"indicators": progress["indicators"], "reviewed": progress["reviewed"]})
    campaign.state, campaign.closed_at, campaign.closed_by = Campaign.State.CLOSED, now or timezone.now(), actor
    campaign.close_reason = reason[:300]
    campaign.save(update_fields=["state", "closed_at", "closed_by", "close_reason"])
    owner = owner_of(campaign.unit, campaign.created_by)
    due = local_today(campaign.closed_at) + timedelta(days=campaign.action_days)
    target_label = f"{campaign.unit.name} · {campaign.standard.code} {campaign.standard.title}"
    recheck_earlier(campaign=campaign, results=results)
    findings = [(i["code"], f"{i['code']} {i['name']}", i["percent"]) for i in problems_of(results, campaign.threshold)]
    if results["score"] is not None and results["score"] < campaign.threshold:
        findings.append(("", "总体评价", results["score"]))
    for key, label, score in findings:
        evaluation_services.open_action(
            target_kind=TARGET_KIND, target_id=campaign.pk, target_label=target_label, source_kind=SOURCE_KIND,
            source_id=campaign.pk, source_label=campaign.title, item_key=key, item_label=label, score=score,
            threshold=campaign.threshold, owner=owner, org_unit=campaign.unit, due_date=due, actor=actor)
    return campaign


def recheck_earlier(*, campaign: Campaign, results: dict) -> None:
    """The closing evaluation re-checks the actions that earlier evaluations of the same (standard, unit)
    opened and that still wait for a re-check — evaluations' own `recheck`, as a survey re-checks its
    target's: an indicator whose new score rate reaches the threshold passes (复查通过), one still below
    fails (复查未通过: the action stays as it is, and this closing opens a new one for the indicator), one
    this evaluation did not score stays pending. The overall score re-checks the overall action."""
    from .selectors import TARGET_KIND, earlier_campaign_ids

    scores: dict[str, Decimal | None] = {i["code"]: i["percent"] for d in results["dimensions"]
                                         for i in d["indicators"]}
    scores[""] = results["score"]
    for earlier_id in earlier_campaign_ids(campaign):
        evaluation_services.recheck(target_kind=TARGET_KIND, target_id=earlier_id, source_id=campaign.pk,
                                    scores=scores, threshold=campaign.threshold)
