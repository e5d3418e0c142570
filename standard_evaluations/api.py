"""`/standards/{id}/implementation`: the standards app owns `/standards` but sits below the apps whose
figures this reads, so this app mounts its own router at the same prefix (docs/adr/0090)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Status

from miniprogram_api.schemas import Date, Id

from . import panels, report, selectors, services
from .schemas import (
    CloseIn,
    EvaluationCampaignIn,
    EvaluationCampaignOut,
    ImplementationOut,
    PanelDrawIn,
    PanelDrawOut,
    ReportOut,
    ScoreIn,
    SystemListOut,
    SystemOut,
)

implementation_router = Router(tags=["标准实施评价"])

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLSX = {"responses": {200: {"description": "Excel 工作簿", "content": {XLSX_TYPE: {}}}}}
FROM = Query(None, alias="from", description="开始日期（含，上海时间），默认 12 个月前的月初")
TO = Query(None, alias="to", description="结束日期（含），默认今天")


@implementation_router.get(
    "/{int:standard_id}/implementation", response=ImplementationOut,
    summary="标准实施数据：按月的实操次数、异常率、高频异常步骤、整改工单与关闭时长中位数、学习完成人数、考试正确率"
            "（监管、工作室负责人、管理员；按授权范围）")
def standard_implementation(request: HttpRequest, standard_id: Id, unit: Id | None = None,
                            date_from: Date | None = FROM, date_to: Date | None = TO):
    return selectors.implementation(request.user, standard_id, unit_id=unit, date_from=date_from, date_to=date_to)


# --- indicator systems (标准实施评价指标体系) ------------------------------------------------------------
indicator_systems_router = Router(tags=["标准实施评价"])


@indicator_systems_router.get("", response=SystemListOut, summary="评价指标体系列表（各版本）")
def list_systems(request: HttpRequest):
    items = [selectors.system_head(s) for s in selectors.indicator_systems()]
    return {"count": len(items), "items": items}


@indicator_systems_router.get("/{int:system_id}", response=SystemOut,
                              summary="评价指标体系：维度、指标、权重、评分规则与所需证据")
def get_system(request: HttpRequest, system_id: Id):
    return selectors.indicator_system(system_id)


@indicator_systems_router.post("/{int:system_id}/publish", response=SystemOut,
                               summary="发布指标体系草稿（管理员；各层权重之和须为 100）")
def publish_system(request: HttpRequest, system_id: Id):
    system = selectors.system_for_admin(request.user, system_id)
    services.publish_system(system=system, actor=request.user)
    return selectors.indicator_system(system_id)


@indicator_systems_router.post("/{int:system_id}/versions", response={201: SystemOut},
                               summary="在已发布版本上新建草稿版本（管理员）")
def new_version(request: HttpRequest, system_id: Id):
    system = selectors.system_for_admin(request.user, system_id)
    draft = services.new_version(system=system)
    return Status(201, selectors.indicator_system(draft.pk))


# --- campaigns (实施评价) ---------------------------------------------------------------------------------
campaigns_router = Router(tags=["标准实施评价"])


@campaigns_router.post("", response={201: EvaluationCampaignOut},
                       summary="发起实施评价（管理员）：指定指标体系、标准、被评价单位、数据区间，评审专家指定或从专家库抽取"
                               "（回避被评价单位，确认后入组）；平台数据自动预填")
def open_campaign(request: HttpRequest, payload: EvaluationCampaignIn):
    campaign = services.open_campaign_for(actor=request.user, **payload.dict())  # panel_draw: a dict or None
    return Status(201, selectors.campaign_results(campaign.pk))


@campaigns_router.get("/{int:campaign_id}", response=EvaluationCampaignOut,
                      summary="实施评价结果：各指标得分（5 名及以上专家去掉最高最低）、维度得分、总分、评审进度、预填数据")
def get_campaign(request: HttpRequest, campaign_id: Id):
    selectors.visible_campaign(request.user, campaign_id)
    return selectors.campaign_results(campaign_id)


@campaigns_router.post("/{int:campaign_id}/scores", response=EvaluationCampaignOut,
                       summary="专家对一项指标评分（评审专家本人；评审中可修改）")
def score(request: HttpRequest, campaign_id: Id, payload: ScoreIn):
    services.score_indicator(expert=request.user, campaign_id=campaign_id, **payload.dict())
    return selectors.campaign_results(campaign_id)


@campaigns_router.post("/{int:campaign_id}/panel-draws", response={201: PanelDrawOut},
                       summary="从专家库抽取评审专家（管理员；回避被评价单位及回避名单、已在组专家；确认后入专家组）")
def draw_panel(request: HttpRequest, campaign_id: Id, payload: PanelDrawIn):
    draw = panels.draw_panel(actor=request.user, campaign_id=campaign_id, count=payload.count,
                             backups=payload.backups, speciality_ids=list(payload.speciality_ids))
    return Status(201, next(d for d in panels.draws_of(campaign_id) if d["draw_id"] == draw.pk))


@campaigns_router.post("/{int:campaign_id}/close", response=ReportOut,
                       summary="结束实施评价（管理员）：全部指标评审完成后结束，或填写原因提前结束；"
                               "得分率低于阈值的指标向被评价单位负责人发起整改")
def close_campaign(request: HttpRequest, campaign_id: Id, payload: CloseIn):
    services.close_campaign(actor=request.user, campaign_id=campaign_id, reason=payload.reason)
    return selectors.campaign_report(campaign_id)


@campaigns_router.get("/{int:campaign_id}/report", response=ReportOut,
                      summary="评价报告：维度得分、优势（得分最高的指标）、问题（低于阈值）、整改事项、专家抽取记录")
def campaign_report(request: HttpRequest, campaign_id: Id):
    selectors.visible_campaign(request.user, campaign_id)
    return selectors.campaign_report(campaign_id)


@campaigns_router.get("/{int:campaign_id}/report.xlsx", openapi_extra=XLSX, summary="评价报告导出（xlsx）")
def campaign_report_xlsx(request: HttpRequest, campaign_id: Id):
    selectors.visible_campaign(request.user, campaign_id)
    response = HttpResponse(report.report_xlsx(selectors.campaign_report(campaign_id)), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="standard-evaluation-{campaign_id}-report.xlsx"'
    response["Cache-Control"] = "private, no-store"
    return response
