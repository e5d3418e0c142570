"""The one NinjaAPI of the mini-program: it only mounts each app's router at /api/v1."""

from ninja import NinjaAPI

from accounts.api import auth_router, me_router
from apprenticeships.api import router as apprenticeships_router
from competitions.api import contests_router, judging_router
from notifications.api import router as notifications_router
from standards.api import router as standards_router
from workorders.api import router as workorders_router
from workorders.order_api import router as work_orders_router

from .auth import BearerAuth
from .envelope import install_handlers
from .ping import router as ping_router

ERROR_SCHEMA = {
    "title": "Error",
    "type": "object",
    "required": ["code", "message", "detail"],
    "properties": {
        "code": {"type": "string", "description": "stable snake_case error code"},
        "message": {"type": "string", "description": "中文说明，可直接展示给用户"},
        "detail": {"description": "details: the fields at fault, the actions allowed now, …"},
    },
}


class ShixunAPI(NinjaAPI):
    """Documents the error envelope on every operation, so that clients (and schemathesis) know that
    any 4xx/5xx answer is {"code", "message", "detail"}."""

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
        error = {"description": "错误（统一格式）",
                 "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                if isinstance(operation, dict) and "responses" in operation:
                    operation["responses"].setdefault("4XX", error)
                    operation["responses"].setdefault("5XX", error)
        return schema


api = ShixunAPI(
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
api.add_router("/notifications", notifications_router)
api.add_router("", ping_router)
api.add_router("", standards_router)
api.add_router("", workorders_router)
api.add_router("/workorders", work_orders_router)
api.add_router("/competitions", contests_router)
api.add_router("/judging", judging_router)
api.add_router("", apprenticeships_router)
