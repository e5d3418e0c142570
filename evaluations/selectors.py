"""Reads of 四评四促: who may see a campaign, what I should fill in, response rate and non-respondents,
results (with the anonymity rules), trends per target, improvement actions.

Permissions:
- organisers — trainers and workshop leaders over the campaign's unit, admins — create campaigns, see the
  response rate, the non-respondents, the results, remind, close, and follow the improvement actions;
- a member of the audience sees the campaign and answers it once;
- an action's owner sees it and submits evidence;
- anyone else gets the same 404 as for a missing id.

Anonymity (docs/adr/0040): an anonymous campaign's results — and each org-unit cell of the cross-tab —
appear only once the campaign has closed and from `min_responses` answers; suppressed cells that together
hold fewer than that are joined by the next smallest cells, so that no total minus the shown cells gives
away a small group.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from accounts.models import OrgUnit, Role, User
from accounts.selectors import containing, has_role, is_admin, scope_q
from miniprogram_api.errors import forbidden, not_found

from . import results, targets
from .models import AudienceKind, Campaign, Completion, ImprovementAction, Response

ORGANISERS = (Role.TRAINER, Role.WORKSHOP_LEADER)


def offline_grace() -> timedelta:
    """How long after the close a response answered offline before the close is still taken."""
    return timedelta(hours=getattr(settings, "SURVEY_OFFLINE_GRACE_HOURS", 24))


def may_organise(user: User, campaign: Campaign) -> bool:
    return has_role(user, ORGANISERS, campaign.org_unit.path)


def may_organise_at(user: User, unit: OrgUnit | None) -> bool:
    """Organiser over `unit` (anywhere, when None)."""
    return has_role(user, ORGANISERS, unit)


def _campaigns() -> QuerySet:
    return Campaign.objects.select_related("org_unit", "template")


def get_campaign(user: User, campaign_id: int) -> Campaign:
    """The campaign for an organiser or a member of its audience (who has answered or still may); else 404."""
    campaign = _campaigns().filter(pk=campaign_id).first()
    if campaign is None:
        raise not_found("问卷", code="survey_not_found")
    if may_organise(user, campaign) or targets.is_member(campaign, user) \
            or Completion.objects.filter(campaign=campaign, user=user).exists():
        return campaign
    raise not_found("问卷", code="survey_not_found")


def organised_campaign(user: User, campaign_id: int) -> Campaign:
    campaign = get_campaign(user, campaign_id)
    if not may_organise(user, campaign):
        raise forbidden("只有评价组织者可以查看或操作", code="not_organiser")
    return campaign


def visible_campaigns(user: User) -> QuerySet:
    """What an organiser sees in the list: campaigns of their subtree."""
    return _campaigns().filter(scope_q(user, ORGANISERS, "org_unit__path")).order_by("-opens_at", "-id")


def window_state(campaign: Campaign, now: datetime | None = None) -> str:
    now = now or timezone.now()
    if now < campaign.opens_at:
        return "scheduled"
    return "open" if now < campaign.closes_at else "closed"


def is_closed(campaign: Campaign, now: datetime | None = None) -> bool:
    return window_state(campaign, now) == "closed"


def my_surveys(user: User, now: datetime | None = None) -> list[dict]:
    """Open campaigns whose audience I am in, and those I answered in the last 30 days, newest first."""
    now = now or timezone.now()
    candidates = list(_campaigns().filter(opens_at__lte=now, closes_at__gt=now - timedelta(days=30))
                      .order_by("closes_at", "id"))
    done = set(Completion.objects.filter(user=user, campaign__in=candidates).values_list("campaign_id", flat=True))
    rows = []
    for campaign in candidates:
        responded = campaign.pk in done
        state = window_state(campaign, now)
        if responded or (state == "open" and targets.is_member(campaign, user)):
            rows.append({"campaign": campaign, "responded": responded, "state": state})
    return rows


# --- response rate, non-respondents -------------------------------------------------------------------
def status(campaign: Campaign, now: datetime | None = None) -> dict:
    """The live audience against who has completed. Names are the organiser's to chase, whatever the
    anonymity: *that* someone answered is known, never *what*."""
    audience = targets.audience(campaign)
    completed_ids = Completion.objects.filter(campaign=campaign).values("user_id")
    audience_size = audience.count()
    responded_in = audience.filter(pk__in=completed_ids).count()
    missing = list(audience.exclude(pk__in=completed_ids).select_related("primary_org_unit").order_by("id"))
    total = Completion.objects.filter(campaign=campaign).count()
    return {
        "state": window_state(campaign, now), "audience": audience_size, "responded": responded_in,
        "responded_total": total, "rate": results.share(responded_in, audience_size),
        "non_respondents": [{"id": u.pk, "name": u.name,
                             "org_unit": u.primary_org_unit.name if u.primary_org_unit else ""} for u in missing],
    }


def non_respondents(campaign: Campaign) -> list[User]:
    completed_ids = Completion.objects.filter(campaign=campaign).values("user_id")
    return list(targets.audience(campaign).exclude(pk__in=completed_ids).order_by("id"))


# --- results -------------------------------------------------------------------------------------------
def suppression(campaign: Campaign, count: int, now: datetime | None = None) -> str | None:
    """Why an anonymous campaign's results are hidden: "open" (until it closes) or "too_few"; else None."""
    if not campaign.anonymous:
        return None
    if not is_closed(campaign, now):
        return "open"
    if count < campaign.min_responses:
        return "too_few"
    return None


SUPPRESSION_MESSAGES = {
    "open": "匿名问卷截止后才显示结果",
    "too_few": "答卷数少于最少答卷数，为保护匿名不显示结果",
}


def answers_of(campaign: Campaign) -> list[dict]:
    return list(Response.objects.filter(campaign=campaign).order_by("id").values_list("answers", flat=True))


def _rows(campaign: Campaign) -> list:
    fields = ["answers", "org_unit_id"] + ([] if campaign.anonymous else ["respondent__display_name",
                                                                          "respondent__username"])
    return list(Response.objects.filter(campaign=campaign).order_by("id").values(*fields))


def campaign_results(campaign: Campaign, *, by_unit: bool = False, now: datetime | None = None,
                     rows: list | None = None) -> dict:
    rows = _rows(campaign) if rows is None else rows
    count = len(rows)
    hidden = suppression(campaign, count, now)
    out: dict = {"count": count, "suppressed": hidden, "suppressed_message": SUPPRESSION_MESSAGES.get(hidden or "", ""),
                 "min_responses": campaign.min_responses, "questions": [], "items": [], "overall": None,
                 "dimensions": {}, "units": []}
    if hidden:
        return out
    answers = [r["answers"] for r in rows]
    out["questions"] = results.summarize(campaign.questions, answers)
    items = results.scored_items(campaign.questions, answers)
    out["items"] = [{**i, "score": results.rounded(i["score"])} for i in items]
    out["overall"] = results.rounded(results.overall(items))
    out["dimensions"] = results.by_dimension(items)
    if by_unit:
        out["units"] = cross_tab(campaign, rows)
    return out


def cross_tab(campaign: Campaign, rows: list) -> list[dict]:
    """Per org unit of the respondents: count, overall and item scores. In an anonymous campaign a cell with
    fewer than `min_responses` answers is suppressed, and suppressed cells that together hold fewer than
    that are joined by the next smallest cells until they hold enough (or nothing is shown), so that the
    total minus the shown cells never reveals a small group."""
    groups: dict[int | None, list[dict]] = {}
    for row in rows:
        groups.setdefault(row["org_unit_id"], []).append(row["answers"])
    names = dict(OrgUnit.objects.filter(pk__in=[k for k in groups if k]).values_list("id", "name"))
    minimum = campaign.min_responses if campaign.anonymous else 0
    order = sorted(groups, key=lambda unit: (len(groups[unit]), names.get(unit or 0, "")))
    hidden = {unit for unit in order if len(groups[unit]) < minimum}
    if minimum:
        held = sum(len(groups[unit]) for unit in hidden)
        for unit in order:
            if not hidden or held >= minimum:
                break
            if unit not in hidden:
                hidden.add(unit)
                held += len(groups[unit])
    cells = []
    for unit in sorted(groups, key=lambda u: names.get(u or 0, "未登记单位")):
        cell: dict = {"org_unit": {"id": unit, "name": names.get(unit or 0, "未登记单位")}, "suppressed": unit in hidden,
                      "count": len(groups[unit]), "overall": None, "items": []}
        if unit not in hidden:
            items = results.scored_items(campaign.questions, groups[unit])
            cell["overall"] = results.rounded(results.overall(items))
            cell["items"] = [{"key": i["key"], "n": i["n"], "score": results.rounded(i["score"])} for i in items]
        cells.append(cell)
    return cells


def trend(user: User, *, target_kind: str, target_id: int, now: datetime | None = None) -> list[dict]:
    """The target's campaigns in time order, each with its overall and dimension scores (or why hidden)."""
    campaigns = visible_campaigns(user).filter(target_kind=target_kind, target_id=target_id).order_by("opens_at", "id")
    points = []
    for campaign in campaigns:
        data = campaign_results(campaign, now=now)
        points.append({"campaign_id": campaign.pk, "title": campaign.title, "opens_at": campaign.opens_at,
                       "closes_at": campaign.closes_at, "count": data["count"], "suppressed": data["suppressed"],
                       "overall": data["overall"], "dimensions": data["dimensions"],
                       "nps": next((q["nps"]["score"] for q in data["questions"] if q["kind"] == "nps"), None)})
    return points


# --- improvement actions ------------------------------------------------------------------------------------
def visible_actions(user: User) -> QuerySet:
    actions = ImprovementAction.objects.select_related("owner", "org_unit")
    if is_admin(user):
        return actions
    return actions.filter(Q(owner=user) | scope_q(user, ORGANISERS, "org_unit__path"))


def get_action(user: User, action_id: int, *, for_update: bool = False) -> ImprovementAction:
    actions = visible_actions(user)
    if for_update:
        actions = actions.select_for_update(of=("self",))
    action = actions.filter(pk=action_id).first()
    if action is None:
        raise not_found("整改事项", code="action_not_found")
    return action


def may_close(user: User, action: ImprovementAction) -> bool:
    return has_role(user, ORGANISERS, action.org_unit.path) and (action.owner_id != user.pk or is_admin(user))


def actions_of_source(source_kind: str, source_id: int) -> list[ImprovementAction]:
    """The improvement actions one evaluation opened (e.g. a standard evaluation's report), in item order."""
    return list(ImprovementAction.objects.filter(source_kind=source_kind, source_id=source_id)
                .select_related("owner").order_by("item_key", "id"))


def earlier_actions(target_kind: str, target_ids: list[int], recheck_source_id: int) -> list[ImprovementAction]:
    """The actions of earlier evaluations of a target (`target_ids`), and any other action of the kind that
    the evaluation `recheck_source_id` re-checked: what a report lists as "previous actions" with their
    re-check outcome, in the order they were opened."""
    return list(ImprovementAction.objects.filter(target_kind=target_kind)
                .filter(Q(target_id__in=target_ids) | Q(recheck_source_id=recheck_source_id))
                .select_related("owner").order_by("target_id", "item_key", "id"))


def action_scores(target_kind: str, target_id: int) -> dict[str, Decimal | None]:
    """Scores of the open and pending re-check actions of a target, by item (for reports)."""
    return dict(ImprovementAction.objects.filter(target_kind=target_kind, target_id=target_id)
                .values_list("item_key", "score"))


def export_rows(campaign: Campaign, rows: list | None = None) -> list[tuple[str | None, dict]]:
    """(respondent's name or None, answers) in the order of the responses' random ids."""
    rows = _rows(campaign) if rows is None else rows
    if campaign.anonymous:
        return [(None, row["answers"]) for row in rows]
    return [(row["respondent__display_name"] or row["respondent__username"], row["answers"]) for row in rows]


def results_workbook(user: User, campaign_id: int) -> tuple[bytes, str]:
    from . import export

    campaign = organised_campaign(user, campaign_id)
    rows = _rows(campaign)
    data = campaign_results(campaign, by_unit=True, rows=rows)
    answers = [] if data["suppressed"] else export_rows(campaign, rows)
    return export.workbook(campaign, data, answers), f"survey-{campaign.pk}-results.xlsx"


def _audience_counts(campaigns: list[Campaign]) -> dict[str, int]:
    """{"a<id>": audience, "r<id>": responded of it} for each campaign, its audience as it is now
    (targets.audience). Surveys of org units' people — the usual kind — are counted from two grouped
    queries (active people per unit path; completions per campaign and respondent's unit path) matched to
    each survey's unit paths in Python; the other kinds in one aggregate with a filter per survey (building
    hundreds of such filters costs the ORM more than the database, hence the split)."""
    by_units = [c for c in campaigns if c.audience_kind == AudienceKind.ORG_UNITS]
    others = [c for c in campaigns if c.audience_kind != AudienceKind.ORG_UNITS]
    counts: dict[str, int] = {}
    if by_units:
        paths = {c.pk: tuple(u.path for u in c.audience_units.all()) for c in by_units}
        wanted = sorted({p for ps in paths.values() for p in ps})
        roots = [p for p in wanted if not any(p != q and p.startswith(q) for q in wanted)]
        query = Q(pk__in=[])
        for path in roots:
            query |= Q(primary_org_unit__path__startswith=path)
        people = list(User.objects.filter(query, is_active=True).values("primary_org_unit__path")
                      .annotate(n=Count("id")).order_by().values_list("primary_org_unit__path", "n"))
        responded: dict[int, list[tuple[str, int]]] = {}
        for campaign_id, path, n in (Completion.objects.filter(campaign__in=by_units, user__is_active=True)
                                     .values("campaign_id", "user__primary_org_unit__path").annotate(n=Count("id"))
                                     .order_by().values_list("campaign_id", "user__primary_org_unit__path", "n")):
            responded.setdefault(campaign_id, []).append((path, n))
        for campaign in by_units:
            mine = paths[campaign.pk]
            counts[f"a{campaign.pk}"] = sum(n for path, n in people if path and path.startswith(mine))
            counts[f"r{campaign.pk}"] = sum(n for path, n in responded.get(campaign.pk, [])
                                            if path and path.startswith(mine))
    if others:
        counts |= User.objects.filter(is_active=True).aggregate(**{
            key: Count("id", filter=query) for c in others for key, query in (
                (f"a{c.pk}", targets.audience_q(c)),
                (f"r{c.pk}", targets.audience_q(c) & Q(pk__in=Completion.objects.filter(campaign=c).values("user_id"))))})
    return counts


def unit_summary(*, units: list[OrgUnit], start, end, now: datetime | None = None) -> dict[int, dict]:
    """Per unit (its subtree; units[0] covers the others), for the supervision overview:

    - improvement actions (整改) not yet closed, and those opened in [start, end);
    - the surveys it organised that closed in [start, end) (and before `now`): their live audience against
      who of it responded, pooled over the surveys (`survey_response_rate` = responded ÷ audience), and
      `mean_satisfaction`: the surveys' overall scores (1–5) weighted by their answers, counting only those
      whose results may be shown (an anonymous survey with fewer than its minimum answers is left out,
      as on its own results page).

    At most seven queries whatever the number of units, surveys or answers (`_audience_counts`)."""
    now = now or timezone.now()
    out: dict[int, dict] = {u.pk: {"open_improvement_actions": 0, "improvement_actions_opened": 0,
                                   "surveys_closed": 0, "survey_audience": 0, "survey_responded": 0,
                                   "survey_response_rate": None, "mean_satisfaction": None,
                                   "_weighted": Fraction(0), "_answers": 0} for u in units}
    rows = (ImprovementAction.objects.filter(org_unit__path__startswith=units[0].path)
            .values("org_unit__path")
            .annotate(open=Count("id", filter=~Q(state=ImprovementAction.State.CLOSED)),
                      opened=Count("id", filter=Q(created_at__gte=start, created_at__lt=end)))
            .order_by())
    for row in rows:
        for unit_id in containing(units, row["org_unit__path"]):
            out[unit_id]["open_improvement_actions"] += row["open"]
            out[unit_id]["improvement_actions_opened"] += row["opened"]
    campaigns = list(Campaign.objects.filter(org_unit__path__startswith=units[0].path, closes_at__gte=start,
                                             closes_at__lt=min(end, now))
                     .select_related("org_unit").prefetch_related("audience_units").order_by("id"))
    if campaigns:
        counts = _audience_counts(campaigns)
        answers: dict[int, list[dict]] = {}
        for campaign_id, answer in Response.objects.filter(campaign__in=campaigns).values_list("campaign_id", "answers"):
            answers.setdefault(campaign_id, []).append(answer)
        for campaign in campaigns:
            given = answers.get(campaign.pk, [])
            score = None if suppression(campaign, len(given), now) else \
                results.overall(results.scored_items(campaign.questions, given))
            for unit_id in containing(units, campaign.org_unit.path):
                entry = out[unit_id]
                entry["surveys_closed"] += 1
                entry["survey_audience"] += counts[f"a{campaign.pk}"]
                entry["survey_responded"] += counts[f"r{campaign.pk}"]
                if score is not None:
                    entry["_weighted"] += score * len(given)
                    entry["_answers"] += len(given)
    for entry in out.values():
        weighted, count = entry.pop("_weighted"), entry.pop("_answers")
        if entry["survey_audience"]:
            entry["survey_response_rate"] = float(
                (Decimal(entry["survey_responded"]) / Decimal(entry["survey_audience"]))
                .quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))
        if count:
            entry["mean_satisfaction"] = float(results.rounded(weighted / count))  # type: ignore[arg-type]
    return out
