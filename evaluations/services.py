"""Writes of 四评四促: templates, campaigns, responses (completion apart from answers), anonymity, reminders,
closing a campaign and the improvement actions (整改) its low results open, their evidence and closure.
Every write is atomic and takes keyword-only arguments."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import OrgUnit, User
from experts.services import record_engagement, record_rating
from miniprogram_api.clock import aware, local_today
from miniprogram_api.errors import ApiError, conflict, forbidden, not_found, unprocessable
from miniprogram_api.idempotency import create_once
from notifications.services import notify
from training import selectors as training

from . import builtin, questions, results, selectors, targets
from .models import ActionEvent, Campaign, Completion, ImprovementAction, Response, SurveyTemplate

MAX_WINDOW_DAYS = 366


# --- templates ----------------------------------------------------------------------------------------
@transaction.atomic
def ensure_builtin_templates() -> list[SurveyTemplate]:
    """Create or refresh the built-in templates (by code)."""
    out = []
    for spec in builtin.TEMPLATES:
        template, _ = SurveyTemplate.objects.update_or_create(code=spec["code"], defaults={
            "title": spec["title"], "description": spec["description"], "target_kind": spec["target_kind"],
            "questions": questions.validate_definition(spec["questions"]), "builtin": True})
        out.append(template)
    return out


@transaction.atomic
def create_template(*, actor: User, code: str, title: str, target_kind: str, question_list: list,
                    description: str = "") -> SurveyTemplate:
    if not selectors.may_organise_at(actor, None):
        raise forbidden("只有评价组织者可以创建问卷模板", code="not_organiser")
    if SurveyTemplate.objects.filter(code=code).exists():
        raise conflict("template_code_taken", "模板代码已被使用")
    return SurveyTemplate.objects.create(code=code, title=title, description=description, target_kind=target_kind,
                                         questions=questions.validate_definition(question_list))


# --- campaigns ------------------------------------------------------------------------------------------
@transaction.atomic
def create_campaign(*, actor: User, template_id: int, title: str, target_kind: str, target_id: int,
                    audience_kind: str, audience_unit_ids: list[int] | None = None, course_id: int | None = None,
                    opens_at: datetime, closes_at: datetime, anonymous: bool = True, min_responses: int = 5,
                    threshold: Decimal = Decimal("3.50"), action_days: int = 30, org_unit_id: int | None = None,
                    client_id: str | None = None) -> tuple[Campaign, bool]:
    """A campaign about a target for an audience. The improvement actions its results open go to the
    target's owner (a course's creator, the trainer, a studio's workshop leader), else to its organiser."""
    if client_id:
        existing = Campaign.objects.filter(created_by=actor, client_id=client_id).first()
        if existing is not None:
            return existing, False
    template = SurveyTemplate.objects.filter(pk=template_id).first()
    if template is None:
        raise not_found("问卷模板", code="template_not_found")
    target = targets.resolve(target_kind, target_id, course_id=course_id)
    unit_ids = sorted(set(audience_unit_ids or []))
    units = list(OrgUnit.objects.filter(pk__in=unit_ids))
    if len(units) != len(unit_ids):
        raise not_found("参评单位", code="org_unit_not_found")
    targets.check_audience(target, audience_kind, len(units))
    if org_unit_id is not None:
        unit = OrgUnit.objects.filter(pk=org_unit_id).first()
        if unit is None:
            raise not_found("组织单位", code="org_unit_not_found")
    else:
        unit = OrgUnit.objects.filter(path=target.unit_path).first() or actor.primary_org_unit
    if unit is None or not selectors.may_organise_at(actor, unit):
        raise forbidden("只有该单位的评价组织者（讲师、工作室负责人、管理员）可以发起评价", code="not_organiser")
    if any(not selectors.may_organise_at(actor, audience_unit) for audience_unit in units):
        raise forbidden("只能请本人负责范围内的单位参评", code="audience_out_of_scope")
    opens_at, closes_at = aware(opens_at), aware(closes_at)
    if closes_at <= opens_at:
        raise unprocessable("invalid_window", "截止时间须晚于开始时间")
    if closes_at - opens_at > timedelta(days=MAX_WINDOW_DAYS):
        raise unprocessable("invalid_window", "评价时间窗口不能超过一年")

    def create() -> Campaign:
        campaign = Campaign.objects.create(
            title=title, template=template, questions=template.questions, target_kind=target.kind,
            target_id=target.id, target_label=target.label, context_course_id=target.course_id,
            owner_id=target.owner_id or actor.pk, org_unit=unit, audience_kind=audience_kind, opens_at=opens_at,
            closes_at=closes_at, anonymous=anonymous, min_responses=min_responses, threshold=threshold,
            action_days=action_days, created_by=actor, client_id=client_id)
        campaign.audience_units.set(units)
        return campaign

    return create_once(create, find=lambda: Campaign.objects.filter(created_by=actor, client_id=client_id).first()
                       if client_id else None)


@transaction.atomic
def set_anonymity(*, actor: User, campaign_id: int, anonymous: bool) -> Campaign:
    """Anonymity is fixed once anyone has responded (409 `anonymity_locked`): switching it off would name
    answers given in confidence, switching it on would hide what was given openly."""
    campaign = selectors.organised_campaign(actor, campaign_id)
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.anonymous == anonymous:
        return campaign
    if Completion.objects.filter(campaign=campaign).exists():
        raise conflict("anonymity_locked", "已有人提交答卷，不能再更改匿名设置")
    campaign.anonymous = anonymous
    campaign.save(update_fields=["anonymous"])
    return campaign


# --- responses ----------------------------------------------------------------------------------------
def _receipt(completion: Completion, campaign: Campaign) -> dict:
    return {"survey_id": campaign.pk, "client_id": completion.client_id, "submitted_on": completion.completed_on,
            "anonymous": campaign.anonymous}


@transaction.atomic
def submit_response(*, user: User, campaign_id: int, client_id: str, answers: dict,
                    answered_at: datetime | None = None, now: datetime | None = None) -> tuple[dict, bool]:
    """One response per person and campaign: the completion row (unique per campaign and person) says that
    they answered, a separate response row what (docs/adr/0040). A resend with the same client_id gets the
    same receipt (created=False); another response is 409 `already_responded`. A response answered offline
    before the close is taken until `offline_grace()` after it (the phone's `answered_at`)."""
    now = now or timezone.now()
    campaign = selectors.get_campaign(user, campaign_id)
    campaign = Campaign.objects.select_for_update().select_related("org_unit").get(pk=campaign.pk)
    existing = Completion.objects.filter(campaign=campaign, user=user).first()
    if existing is not None:
        if existing.client_id == client_id:
            return _receipt(existing, campaign), False
        raise conflict("already_responded", "您已提交过这份问卷，每人只能提交一次")
    if now < campaign.opens_at:
        raise conflict("survey_not_open", "问卷尚未开始")
    answered = aware(answered_at) if answered_at else now
    if answered > now + timedelta(minutes=5):
        answered = now
    late = now >= campaign.closes_at
    if late and (answered >= campaign.closes_at or now >= campaign.closes_at + selectors.offline_grace()):
        raise conflict("survey_closed", "问卷已截止，不能再提交")
    if not targets.is_member(campaign, user):
        raise forbidden("您不在这份问卷的参评范围内", code="not_in_audience")
    accepted = questions.check_answers(campaign.questions, answers)

    def create() -> Completion:
        completion = Completion.objects.create(campaign=campaign, user=user, client_id=client_id,
                                               completed_on=local_today(now))
        Response.objects.create(campaign=campaign, answers=accepted,
                                respondent=None if campaign.anonymous else user,
                                org_unit=user.primary_org_unit)
        return completion

    def find() -> Completion | None:
        return Completion.objects.filter(campaign=campaign, user=user).first()

    def check(found: Completion) -> None:
        if found.client_id != client_id:
            raise conflict("already_responded", "您已提交过这份问卷，每人只能提交一次")

    completion, created = create_once(create, find=find, check=check)
    return _receipt(completion, campaign), created


# --- reminders ----------------------------------------------------------------------------------------
@transaction.atomic
def remind(*, actor: User, campaign_id: int, now: datetime | None = None) -> int:
    """Remind every non-respondent (in-app + WeChat subscribe message through the outbox), at most once a
    day per person. Returns how many were reminded now."""
    now = now or timezone.now()
    campaign = selectors.organised_campaign(actor, campaign_id)
    if selectors.window_state(campaign, now) != "open":
        raise conflict("survey_not_open", "只有进行中的问卷可以催办")
    people = selectors.non_respondents(campaign)
    day = local_today(now).isoformat()
    sent = notify(recipients=people, kind="survey_reminder", title=f"请填写问卷：{campaign.title}"[:100],
                  body=f"截止时间 {timezone.localtime(campaign.closes_at):%m-%d %H:%M}，"
                       + ("匿名填写。" if campaign.anonymous else "实名填写。"),
                  data={"survey_id": campaign.pk}, values={"id": campaign.pk, "name": campaign.title,
                                                            "time": f"{timezone.localtime(campaign.closes_at):%Y-%m-%d %H:%M}"},
                  dedupe_key=f"survey:{campaign.pk}:remind:{day}")
    return len(sent)


# --- 促: closing, findings, actions --------------------------------------------------------------------
@transaction.atomic
def close_campaign(*, actor: User, campaign_id: int, now: datetime | None = None) -> Campaign:
    """End the window now (if still open) and evaluate the results."""
    now = now or timezone.now()
    campaign = selectors.organised_campaign(actor, campaign_id)
    campaign = Campaign.objects.select_for_update().select_related("org_unit").get(pk=campaign.pk)
    if campaign.closes_at > now:
        campaign.closes_at = max(now, campaign.opens_at + timedelta(seconds=1))
        campaign.save(update_fields=["closes_at"])
    evaluate(campaign=campaign, now=max(now, campaign.closes_at))
    return campaign


@transaction.atomic
def evaluate(*, campaign: Campaign, now: datetime | None = None) -> list[ImprovementAction]:
    """Once per closed campaign: re-check the target's earlier actions and open an action for each scored
    item below the threshold, and one for the target when its overall score is below it. A campaign whose
    results are suppressed (anonymous, too few answers) opens nothing: it is marked evaluated all the same."""
    now = now or timezone.now()
    campaign = Campaign.objects.select_for_update().select_related("org_unit").get(pk=campaign.pk)
    if campaign.evaluated_at is not None or not selectors.is_closed(campaign, now):
        return []
    campaign.evaluated_at = now
    campaign.save(update_fields=["evaluated_at"])
    answers = selectors.answers_of(campaign)
    if selectors.suppression(campaign, len(answers), now):
        return []
    items = results.scored_items(campaign.questions, answers)
    target_score = results.overall(items)
    rating = trainer_rating(campaign=campaign, score=target_score, responses=len(answers), now=now)
    if rating is not None:
        push_trainer_rating(rating)
        record_course_taught(campaign=campaign, trainer=rating["user"], now=now)
    scores: dict[str, Fraction | None] = {i["key"]: i["score"] for i in items}
    scores[""] = target_score
    recheck(target_kind=campaign.target_kind, target_id=campaign.target_id, source_id=campaign.pk,
            scores={k: results.rounded(v) for k, v in scores.items()}, threshold=campaign.threshold)
    threshold = Fraction(campaign.threshold)
    findings = [(i["key"], i["label"], i["score"]) for i in items if i["score"] is not None and i["score"] < threshold]
    if target_score is not None and target_score < threshold:
        findings.append(("", "总体评价", target_score))
    opened = []
    for key, label, score in findings:
        action, created = open_action(
            target_kind=campaign.target_kind, target_id=campaign.target_id, target_label=campaign.target_label,
            source_kind="survey", source_id=campaign.pk, source_label=campaign.title, item_key=key,
            item_label=label, score=results.rounded(score) or Decimal("0"), threshold=campaign.threshold,
            owner=campaign.owner, org_unit=campaign.org_unit,
            due_date=local_today(now) + timedelta(days=campaign.action_days))
        if created:
            opened.append(action)
    return opened


def trainer_rating(*, campaign: Campaign, score: Fraction | None, responses: int,
                   now: datetime) -> dict | None:
    """What a trainer campaign tells the expert roster: the keyword arguments of
    `experts.services.record_rating` (issue 15's other half, branch `experts`), once per campaign."""
    if campaign.target_kind != "trainer" or score is None:
        return None
    return {"source": f"survey:{campaign.pk}", "title": campaign.title, "score": results.rounded(score),
            "rated_on": local_today(now), "user": User.objects.get(pk=campaign.target_id),
            "scale_max": Decimal(5), "responses": responses}


def push_trainer_rating(rating: dict) -> None:
    """A trainer campaign's result goes onto the trainer's expert record (a layer below: the roster keeps
    it once per campaign); a trainer who is not on the roster is skipped there."""
    record_rating(**rating)


def record_course_taught(*, campaign: Campaign, trainer: User, now: datetime) -> None:
    """A trainer campaign about one course says who taught it: a "course taught" on the trainer's expert
    record (once per course; a trainer not on the roster is skipped there)."""
    if not campaign.context_course_id:
        return
    course = training.course_brief(campaign.context_course_id)
    if course is None:
        return
    record_engagement(kind="course", ref=f"training.course:{course['id']}", title=course["title"],
                      occurred_on=local_today(now), user=trainer, role="讲师")


@transaction.atomic
def open_action(*, target_kind: str, target_id: int, target_label: str, source_kind: str, source_id: int,
                source_label: str, item_key: str, item_label: str, score: Decimal, threshold: Decimal,
                owner: User | None, org_unit: OrgUnit, due_date, actor: User | None = None
                ) -> tuple[ImprovementAction, bool]:
    """Open an improvement action for a finding, once per (source, item). Generic over the target: any app
    above this one (standard evaluations) opens its own with its own `source_kind`."""
    existing = ImprovementAction.objects.filter(source_kind=source_kind, source_id=source_id, item_key=item_key).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            action = ImprovementAction.objects.create(
                target_kind=target_kind, target_id=target_id, target_label=target_label[:200],
                source_kind=source_kind, source_id=source_id, source_label=source_label[:200], item_key=item_key,
                item_label=item_label[:200], score=score, threshold=threshold, owner=owner, org_unit=org_unit,
                due_date=due_date)
    except IntegrityError:
        return ImprovementAction.objects.get(source_kind=source_kind, source_id=source_id, item_key=item_key), False
    ActionEvent.objects.create(action=action, kind=ActionEvent.Kind.OPENED, actor=actor,
                               note=f"{item_label}：{score}，低于 {threshold}")
    if owner is not None:
        notify(recipients=[owner], kind="improvement_action", title=f"整改通知：{target_label}"[:100],
               body=f"{item_label} 得分 {score}，低于 {threshold}，请于 {due_date:%Y-%m-%d} 前完成整改。",
               data={"action_id": action.pk}, values={"id": action.pk, "name": target_label,
                                                       "time": f"{due_date:%Y-%m-%d}"},
               dedupe_key=f"action:{action.pk}:opened")
    return action, True


@transaction.atomic
def recheck(*, target_kind: str, target_id: int, source_id: int, scores: dict[str, Decimal | None],
            threshold: Decimal) -> list[ImprovementAction]:
    """The next evaluation of a target re-checks its earlier actions still pending a re-check: passed when
    the same item now reaches the threshold, failed otherwise (a failed item gets a new action from the new
    source). Items the new evaluation did not score stay pending."""
    checked = []
    for action in ImprovementAction.objects.select_for_update().filter(
            target_kind=target_kind, target_id=target_id, recheck=ImprovementAction.Recheck.PENDING) \
            .exclude(source_id=source_id):
        score = scores.get(action.item_key)
        if score is None:
            continue
        action.recheck_score = score
        action.recheck_source_id = source_id
        action.recheck = ImprovementAction.Recheck.PASSED if score >= threshold else ImprovementAction.Recheck.FAILED
        action.save(update_fields=["recheck_score", "recheck_source_id", "recheck"])
        ActionEvent.objects.create(action=action, kind=ActionEvent.Kind.RECHECKED,
                                   note=f"复查得分 {score}（阈值 {threshold}）：{action.get_recheck_display()}")
        checked.append(action)
    return checked


@transaction.atomic
def submit_evidence(*, actor: User, action_id: int, evidence: str) -> ImprovementAction:
    action = selectors.get_action(actor, action_id, for_update=True)
    if action.owner_id != actor.pk:
        raise forbidden("只有整改责任人可以提交整改材料", code="not_action_owner")
    if action.state == ImprovementAction.State.CLOSED:
        raise conflict("action_closed", "该整改事项已销号")
    evidence = (evidence or "").strip()
    if not evidence:
        raise unprocessable("evidence_required", "请填写整改说明")
    action.evidence = evidence
    action.state = ImprovementAction.State.SUBMITTED
    action.save(update_fields=["evidence", "state"])
    ActionEvent.objects.create(action=action, kind=ActionEvent.Kind.EVIDENCE, actor=actor, note=evidence)
    return action


@transaction.atomic
def review_action(*, actor: User, action_id: int, accept: bool, note: str = "",
                  now: datetime | None = None) -> ImprovementAction:
    """The organiser closes (销号) a submitted action, or returns it to its owner with a reason."""
    action = selectors.get_action(actor, action_id, for_update=True)
    if not selectors.may_close(actor, action):
        raise forbidden("只有督办单位的评价组织者可以销号或退回", code="not_organiser")
    if action.state != ImprovementAction.State.SUBMITTED:
        raise conflict("action_not_submitted", "责任人提交整改材料后才能销号或退回")
    if not accept and not note.strip():
        raise unprocessable("reason_required", "退回时请说明原因")
    if accept:
        action.state = ImprovementAction.State.CLOSED
        action.closed_at = now or timezone.now()
    else:
        action.state = ImprovementAction.State.OPEN
    action.save(update_fields=["state", "closed_at"])
    ActionEvent.objects.create(action=action, kind=ActionEvent.Kind.CLOSED if accept else ActionEvent.Kind.RETURNED,
                               actor=actor, note=note.strip())
    if not accept and action.owner is not None:
        notify(recipients=[action.owner], kind="improvement_action", title=f"整改被退回：{action.target_label}"[:100],
               body=note.strip()[:200], data={"action_id": action.pk},
               values={"id": action.pk, "name": action.target_label, "time": f"{action.due_date:%Y-%m-%d}"},
               dedupe_key=f"action:{action.pk}:returned:{action.events.count()}")
    return action


def evaluate_closed(now: datetime | None = None) -> int:
    """Scheduler job: evaluate every campaign that has closed and not been evaluated yet."""
    now = now or timezone.now()
    count = 0
    for campaign_id in Campaign.objects.filter(evaluated_at__isnull=True, closes_at__lte=now) \
            .values_list("pk", flat=True)[:100]:
        try:
            evaluate(campaign=Campaign(pk=campaign_id), now=now)
            count += 1
        except ApiError:  # pragma: no cover - evaluate raises none today
            continue
    return count
