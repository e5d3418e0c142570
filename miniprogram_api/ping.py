"""GET /api/v1/ping: the cheapest authenticated API call. The mini-program uses it to test the
network and its token; benchmarks use it as the baseline every other endpoint is measured against."""

from datetime import datetime

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema

router = Router(tags=["系统"])


class PingOut(Schema):
    ok: bool
    user_id: int
    server_time: datetime


@router.get("", response=PingOut, summary="连通性与登录状态检查")
def ping(request: HttpRequest):
    return {"ok": True, "user_id": request.user.pk, "server_time": timezone.now()}
