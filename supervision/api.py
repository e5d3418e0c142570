"""`/supervision`: the bureau's dashboard (read-only; supervisors, workshop leaders, admins)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router

from miniprogram_api.schemas import Date, Id

from . import export, selectors
from .schemas import OverviewOut

router = Router(tags=["动态监管"])

FROM = Query(None, alias="from", description="开始日期（含，上海时间），默认最近 30 天")
TO = Query(None, alias="to", description="结束日期（含），默认今天")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLSX = {"responses": {200: {"description": "Excel 工作簿", "content": {XLSX_TYPE: {}}}}}


@router.get("/overview", response=OverviewOut,
            summary="监管总览：本单位及下属各单位的标准、实操、工单、培训、比武、带教、评价（按授权范围）")
def overview(request: HttpRequest, unit: Id | None = None, date_from: Date | None = FROM, date_to: Date | None = TO):
    return selectors.overview(request.user, unit_id=unit, date_from=date_from, date_to=date_to)


@router.get("/overview.xlsx", openapi_extra=XLSX, summary="监管总览导出（xlsx，与总览同一范围）")
def overview_xlsx(request: HttpRequest, unit: Id | None = None, date_from: Date | None = FROM,
                  date_to: Date | None = TO):
    data = selectors.overview(request.user, unit_id=unit, date_from=date_from, date_to=date_to)
    response = HttpResponse(export.overview_xlsx(data), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="supervision-{data["date_from"]}-{data["date_to"]}.xlsx"'
    response["Cache-Control"] = "private, no-store"
    return response
