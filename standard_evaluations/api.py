"""`/standards/{id}/implementation`: the standards app owns `/standards` but sits below the apps whose
figures this reads, so this app mounts its own router at the same prefix (docs/adr/0090)."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest
from ninja import Query, Router

from miniprogram_api.schemas import Id

from . import selectors
from .schemas import ImplementationOut

implementation_router = Router(tags=["标准实施评价"])

FROM = Query(None, alias="from", description="开始日期（含，上海时间），默认 12 个月前的月初")
TO = Query(None, alias="to", description="结束日期（含），默认今天")


@implementation_router.get(
    "/{int:standard_id}/implementation", response=ImplementationOut,
    summary="标准实施数据：按月的实操次数、异常率、高频异常步骤、整改工单与关闭时长中位数、学习完成人数、考试正确率"
            "（监管、工作室负责人、管理员；按授权范围）")
def standard_implementation(request: HttpRequest, standard_id: Id, unit: Id | None = None,
                            date_from: date | None = FROM, date_to: date | None = TO):
    return selectors.implementation(request.user, standard_id, unit_id=unit, date_from=date_from, date_to=date_to)
