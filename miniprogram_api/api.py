"""The one NinjaAPI of the mini-program: it only mounts each app's router at /api/v1."""

from ninja import NinjaAPI

from accounts.api import auth_router, me_router
from competitions.api import contests_router, judging_router

from .auth import BearerAuth
from .envelope import install_handlers

api = NinjaAPI(
    title="Shixun 实训 API",
    version="1",
    description="勤e家风格的小程序后端：扫码实操、报修工单、技能比武、师徒带教。所有错误为 "
    '{"code", "message", "detail"}。',
    auth=BearerAuth(),
    urls_namespace="api-v1",
    docs_url="/docs",
    openapi_url="/openapi.json",
)
install_handlers(api)

api.add_router("/auth", auth_router)
api.add_router("", me_router)
api.add_router("/competitions", contests_router)
api.add_router("/judging", judging_router)
