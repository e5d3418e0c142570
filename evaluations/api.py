"""四评四促: templates, campaigns, what I should fill in, responses, the organiser's response rate,
reminders, results (JSON and xlsx), trends, closing, and the improvement actions. Parse, call, return."""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Status

from miniprogram_api.idempotency import created_or_replayed
from miniprogram_api.schemas import Id

from . import export, kirkpatrick, presenters, selectors, services
from .models import SurveyTemplate
from .schemas import (
    ActionEvidenceIn,
    ActionOut,
    ActionReviewIn,
    AnonymityIn,
    CampaignDetailOut,
    CampaignIn,
    CampaignOut,
    CourseReportOut,
    ResponseIn,
    SurveyReceiptOut,
    SurveyRemindOut,
    SurveyResultsOut,
    SurveyStatusOut,
    SurveyTemplateIn,
    SurveyTemplateOut,
    SurveyTrendPointOut,
)

surveys_router = Router(tags=["四评四促"])
actions_router = Router(tags=["四评四促"])

XLSX_DOC = {"responses": {200: {"description": "Excel 工作簿", "content": {export.XLSX: {}}}}}


def _campaign_out(request: HttpRequest, campaign, *, detail: bool = False) -> dict:
    from .models import Completion

    responded = Completion.objects.filter(campaign=campaign, user=request.auth).exists()
    return presenters.campaign_out(campaign, responded=responded, organiser=selectors.may_organise(request.auth, campaign),
                                   state=selectors.window_state(campaign), detail=detail)


@surveys_router.get("/templates", response=list[SurveyTemplateOut], summary="问卷模板（含内置的四评模板）")
def templates(request: HttpRequest):
    return [_template_out(t) for t in SurveyTemplate.objects.order_by("id")]


def _template_out(t: SurveyTemplate) -> dict:
    return {"id": t.pk, "code": t.code, "title": t.title, "description": t.description, "target_kind": t.target_kind,
            "builtin": t.builtin, "questions": [presenters.question_out(q) for q in t.questions]}


@surveys_router.post("/templates", response={201: SurveyTemplateOut}, summary="新建问卷模板（评价组织者）")
def create_template(request: HttpRequest, body: SurveyTemplateIn):
    template = services.create_template(actor=request.auth, code=body.code, title=body.title,
                                        target_kind=body.target_kind, question_list=body.questions,
                                        description=body.description)
    return Status(201, _template_out(template))


@surveys_router.get("/mine", response=list[CampaignOut], summary="我要填写的问卷（及近 30 天已提交的）")
def mine(request: HttpRequest):
    return [presenters.campaign_out(row["campaign"], responded=row["responded"],
                                    organiser=selectors.may_organise(request.auth, row["campaign"]), state=row["state"])
            for row in selectors.my_surveys(request.auth)]


@surveys_router.get("/organised", response=list[CampaignOut], summary="我组织的评价活动")
def organised(request: HttpRequest):
    return [presenters.campaign_out(c, responded=False, organiser=True, state=selectors.window_state(c))
            for c in selectors.visible_campaigns(request.auth)[:200]]


@surveys_router.post("", response={200: CampaignDetailOut, 201: CampaignDetailOut}, summary="发起评价活动")
def create(request: HttpRequest, body: CampaignIn):
    campaign, created = services.create_campaign(actor=request.auth, **body.dict())
    return created_or_replayed(created, _campaign_out(request, campaign, detail=True))


@surveys_router.get("/trend", response=list[SurveyTrendPointOut], summary="同一评价对象历次评价的得分趋势")
def trend(request: HttpRequest, target_kind: Literal["course", "exam", "trainer", "contest", "studio"],
          target_id: Id):
    return selectors.trend(request.auth, target_kind=target_kind, target_id=target_id)


@surveys_router.get("/course-reports/{int:course_id}", response=CourseReportOut,
                    summary="课程评价报告：柯氏四级（反应、学习、行为、结果）并列")
def course_report(request: HttpRequest, course_id: Id):
    return kirkpatrick.course_report(request.auth, course_id)


@surveys_router.get("/{int:survey_id}", response=CampaignDetailOut, summary="问卷详情与题目")
def detail(request: HttpRequest, survey_id: Id):
    return _campaign_out(request, selectors.get_campaign(request.auth, survey_id), detail=True)


@surveys_router.post("/{int:survey_id}/responses", response={200: SurveyReceiptOut, 201: SurveyReceiptOut},
                     summary="提交问卷（每人一份；同一 client_id 重发返回同一回执）")
def respond(request: HttpRequest, survey_id: Id, body: ResponseIn):
    receipt, created = services.submit_response(user=request.auth, campaign_id=survey_id, client_id=body.client_id,
                                                answers=body.answers, answered_at=body.answered_at)
    return created_or_replayed(created, receipt)


@surveys_router.post("/{int:survey_id}/anonymity", response=CampaignDetailOut,
                     summary="更改匿名设置（已有答卷时不可更改）")
def anonymity(request: HttpRequest, survey_id: Id, body: AnonymityIn):
    campaign = services.set_anonymity(actor=request.auth, campaign_id=survey_id, anonymous=body.anonymous)
    return _campaign_out(request, campaign, detail=True)


@surveys_router.get("/{int:survey_id}/status", response=SurveyStatusOut, summary="回收率与未提交名单（组织者）")
def status(request: HttpRequest, survey_id: Id):
    return selectors.status(selectors.organised_campaign(request.auth, survey_id))


@surveys_router.post("/{int:survey_id}/reminders", response=SurveyRemindOut, summary="提醒未提交的人（站内 + 微信订阅消息）")
def remind(request: HttpRequest, survey_id: Id):
    return {"reminded": services.remind(actor=request.auth, campaign_id=survey_id)}


@surveys_router.get("/{int:survey_id}/results", response=SurveyResultsOut,
                    summary="结果：各题分布、均分、NPS、按单位交叉（匿名问卷截止且达到最少答卷数后显示）")
def results(request: HttpRequest, survey_id: Id, by: Literal["org_unit"] | None = None):
    campaign = selectors.organised_campaign(request.auth, survey_id)
    data = selectors.campaign_results(campaign, by_unit=by == "org_unit")
    return {**data, "survey_id": campaign.pk, "title": campaign.title, "anonymous": campaign.anonymous}


@surveys_router.get("/{int:survey_id}/results.xlsx", openapi_extra=XLSX_DOC, summary="结果导出（Excel）")
def results_xlsx(request: HttpRequest, survey_id: Id):
    content, name = selectors.results_workbook(request.auth, survey_id)
    response = HttpResponse(content, content_type=export.XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@surveys_router.post("/{int:survey_id}/close", response=CampaignDetailOut, summary="截止并评估结果（低于阈值发起整改）")
def close(request: HttpRequest, survey_id: Id):
    return _campaign_out(request, services.close_campaign(actor=request.auth, campaign_id=survey_id), detail=True)


# --- improvement actions (整改) ---------------------------------------------------------------------------
@actions_router.get("", response=list[ActionOut], summary="整改事项（我负责的与我督办的）")
def actions(request: HttpRequest, state: Literal["open", "submitted", "closed"] | None = None,
            target_kind: str | None = Query(None, max_length=32), target_id: Id | None = None):
    rows = selectors.visible_actions(request.auth)
    if state:
        rows = rows.filter(state=state)
    if target_kind:
        rows = rows.filter(target_kind=target_kind)
    if target_id:
        rows = rows.filter(target_id=target_id)
    return [presenters.action_out(a) for a in rows[:500]]


@actions_router.get("/{int:action_id}", response=ActionOut, summary="整改事项详情与记录")
def action_detail(request: HttpRequest, action_id: Id):
    return presenters.action_out(selectors.get_action(request.auth, action_id), events=True)


@actions_router.post("/{int:action_id}/evidence", response=ActionOut, summary="提交整改材料（责任人）")
def evidence(request: HttpRequest, action_id: Id, body: ActionEvidenceIn):
    action = services.submit_evidence(actor=request.auth, action_id=action_id, evidence=body.evidence)
    return presenters.action_out(action, events=True)


@actions_router.post("/{int:action_id}/review", response=ActionOut, summary="销号或退回（督办单位的组织者）")
def review(request: HttpRequest, action_id: Id, body: ActionReviewIn):
    action = services.review_action(actor=request.auth, action_id=action_id, accept=body.accept, note=body.note)
    return presenters.action_out(action, events=True)
