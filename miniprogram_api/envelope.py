"""Every error the mini-program can receive, in one shape: {"code", "message", "detail"}.

Handlers are registered on the NinjaAPI; `ApiEnvelopeMiddleware` catches what happens outside
ninja (unknown routes, 405s, Django's own 500s) for paths under /api/.
"""

from __future__ import annotations

import json
import logging
import re

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.db import DatabaseError, DataError, InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.deprecation import MiddlewareMixin
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, Throttled, ValidationError

from .errors import ApiError

logger = logging.getLogger("shixun.api")

STATUS_CODES = {
    400: ("bad_request", "请求格式不正确"),
    401: ("unauthorized", "请先登录"),
    403: ("forbidden", "没有权限执行此操作"),
    404: ("not_found", "请求的资源不存在"),
    405: ("method_not_allowed", "不支持该请求方法"),
    409: ("conflict", "操作冲突，请刷新后重试"),
    413: ("payload_too_large", "提交的内容过大"),
    415: ("unsupported_media_type", "不支持的内容类型"),
    422: ("validation_error", "提交的数据不符合要求"),
    429: ("rate_limited", "请求过于频繁，请稍后再试"),
    500: ("internal_error", "服务器内部错误，请稍后重试"),
    503: ("service_unavailable", "服务暂时不可用，请稍后重试"),
}


def error_response(status: int, code: str | None = None, message: str | None = None, detail=None,
                   headers: dict | None = None) -> JsonResponse:
    default_code, default_message = STATUS_CODES.get(status, ("error", "请求失败"))
    response = JsonResponse(
        {"code": code or default_code, "message": message or default_message, "detail": detail},
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )
    for key, value in (headers or {}).items():
        response[key] = value
    return response


_LOCATIONS = ("body", "query", "path", "header", "form", "file", "payload")


def _field_name(loc) -> str:
    """ninja locations look like ("body", "payload", "marks", 0, "value"); the mini-program's code names
    that field `marks[0].value` (and a query parameter by its name)."""
    parts = list(loc)
    while parts and parts[0] in _LOCATIONS:
        parts.pop(0)
    if not parts:
        return ".".join(str(p) for p in loc)
    name = ""
    for part in parts:
        if isinstance(part, int):
            name += f"[{part}]"
        else:
            name += f".{part}" if name else str(part)
    return name


FIELD_MESSAGES = {
    "missing": "缺少必填字段",
    "string_type": "应为字符串",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "decimal_parsing": "应为数字",
    "float_parsing": "应为数字",
    "uuid_parsing": "应为 UUID",
    "datetime_parsing": "应为 ISO 8601 时间",
    "datetime_from_date_parsing": "应为 ISO 8601 时间",
    "date_from_datetime_parsing": "应为日期",
    "date_parsing": "应为日期",
    "bool_parsing": "应为布尔值",
    "literal_error": "取值不在允许范围内",
    "enum": "取值不在允许范围内",
    "string_too_long": "内容过长",
    "string_too_short": "内容过短",
    "too_long": "条目过多",
    "too_short": "条目过少",
    "greater_than_equal": "数值过小",
    "less_than_equal": "数值过大",
    "list_type": "应为数组",
    "dict_type": "应为对象",
    "model_attributes_type": "应为对象",
    "extra_forbidden": "不允许的字段",
    "greater_than": "数值过小",
    "less_than": "数值过大",
    "bool_type": "应为 true 或 false",
    "date_type": "应为日期（YYYY-MM-DD）",
    "datetime_type": "应为 ISO 8601 时间",
    "int_from_float": "应为整数",
    "decimal_type": "应为数字",
    "float_type": "应为数字",
    "json_invalid": "不是合法的 JSON",
    "value_error": "取值不合法",
}


CJK = re.compile(r"[\u4e00-\u9fff]")


def _bound(err: dict) -> str:
    ctx = err.get("ctx") or {}
    for key, text in (("ge", "不能小于 {}"), ("gt", "应大于 {}"), ("le", "不能大于 {}"), ("lt", "应小于 {}"),
                      ("min_length", "至少 {} 项/字"), ("max_length", "最多 {} 项/字")):
        if key in ctx:
            return text.format(ctx[key])
    return ""


def field_message(err: dict) -> str:
    """In Chinese: our own validators already speak it; pydantic's types get the table's text, with the
    bound when there is one ("数值过大（不能大于 100）")."""
    kind = err.get("type", "")
    raw = str(err.get("msg", ""))
    if CJK.search(raw):  # our validators' own words (pydantic's are English)
        return raw.removeprefix("Value error, ")
    message = FIELD_MESSAGES.get(kind, "取值不合法")
    bound = _bound(err) if kind in BOUNDED else ""
    return f"{message}（{bound}）" if bound else message


BOUNDED = {"greater_than_equal", "greater_than", "less_than_equal", "less_than", "too_long", "too_short",
           "string_too_long", "string_too_short"}


def validation_detail(errors: list[dict]) -> list[dict]:
    return [
        {"field": _field_name(err.get("loc", ())), "type": err.get("type", ""), "message": field_message(err)}
        for err in errors
    ]


def install_handlers(api) -> None:
    def on_api_error(request: HttpRequest, exc: ApiError):
        return error_response(exc.status, exc.code, exc.message, exc.detail, exc.headers)

    def on_validation(request: HttpRequest, exc: ValidationError):
        detail = validation_detail(exc.errors)
        fields = "；".join(f"{d['field']} {d['message']}" for d in detail[:5])
        return error_response(422, "validation_error", f"提交的数据不符合要求：{fields}", detail)

    def on_authentication(request: HttpRequest, exc: AuthenticationError):
        return error_response(401, "unauthorized", "请先登录（缺少或无效的 Authorization: Bearer 令牌）")

    def on_authorization(request: HttpRequest, exc: AuthorizationError):
        return error_response(403)

    def on_throttled(request: HttpRequest, exc: Throttled):
        headers = {"Retry-After": str(int(exc.wait or 1))}
        return error_response(429, headers=headers)

    def on_http_error(request: HttpRequest, exc: HttpError):
        if exc.status_code == 400 and str(exc).startswith("Cannot parse request body"):
            return error_response(400, "malformed_json", "请求体不是合法的 JSON")
        return error_response(exc.status_code)

    def on_404(request: HttpRequest, exc: Http404):
        return error_response(404)

    def on_permission_denied(request: HttpRequest, exc: PermissionDenied):
        return error_response(403)

    def on_too_big(request: HttpRequest, exc: RequestDataTooBig):
        return error_response(413)

    def on_out_of_range(request: HttpRequest, exc: Exception):
        # Safety net: a number too large for the database column (schemas should bound them first).
        return error_response(422, "validation_error", "数值超出允许范围")

    def on_database(request: HttpRequest, exc: DatabaseError):
        if isinstance(exc, DataError):
            return on_out_of_range(request, exc)
        if isinstance(exc, (OperationalError, InterfaceError)):
            logger.error("database unavailable: %s", type(exc).__name__)
            return error_response(503, "database_unavailable", "数据库暂时不可用，请稍后重试",
                                  headers={"Retry-After": "5"})
        return on_unexpected(request, exc)

    def on_unexpected(request: HttpRequest, exc: Exception):
        logger.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500)

    api.add_exception_handler(ApiError, on_api_error)
    api.add_exception_handler(ValidationError, on_validation)
    api.add_exception_handler(AuthenticationError, on_authentication)
    api.add_exception_handler(AuthorizationError, on_authorization)
    api.add_exception_handler(Throttled, on_throttled)
    api.add_exception_handler(HttpError, on_http_error)
    api.add_exception_handler(Http404, on_404)
    api.add_exception_handler(PermissionDenied, on_permission_denied)
    api.add_exception_handler(RequestDataTooBig, on_too_big)
    api.add_exception_handler(DatabaseError, on_database)
    api.add_exception_handler(OverflowError, on_out_of_range)
    api.add_exception_handler(Exception, on_unexpected)


WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


def refuse_non_object_body(request: HttpRequest) -> JsonResponse | None:
    """Every write's body is a JSON object or nothing (uploads are multipart); anything else is a 422
    `validation_error` whose detail names the field `body` (type `body_not_object`). An array, a string, a
    number or `null` used to reach operations that declare no body or an optional one, which then acted
    on it; checked here, before any view runs, so that no operation can forget it."""
    if request.method not in WRITE_METHODS or request.content_type in FORM_TYPES:
        return None
    try:
        raw = request.body
    except RequestDataTooBig:
        return error_response(413)
    if not raw.strip():
        return None
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return error_response(400, "malformed_json", "请求体不是合法的 JSON")
    if not isinstance(body, dict):
        # the code operations with a required body always answered for this (validation_error): kept
        return error_response(422, "validation_error", "提交的数据不符合要求：请求体必须是 JSON 对象（{…}）",
                              [{"field": "body", "type": "body_not_object", "message": "应为 JSON 对象"}])
    return None


class ApiEnvelopeMiddleware(MiddlewareMixin):
    """Give non-ninja responses under /api/ (unknown route, wrong method, crash) the same envelope, and
    refuse a write whose body is not a JSON object before it reaches any operation."""

    def process_request(self, request: HttpRequest) -> HttpResponse | None:
        if request.path.startswith("/api/"):
            return refuse_non_object_body(request)
        return None

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if (
            request.path.startswith("/api/")
            and response.status_code >= 400
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            allow = response.get("Allow")
            response = error_response(response.status_code, detail={"allow": allow} if allow else None)
            if allow:
                response["Allow"] = allow
        return response

    def process_exception(self, request: HttpRequest, exc: Exception):
        if not request.path.startswith("/api/"):
            return None
        if isinstance(exc, Http404):
            return error_response(404)
        if isinstance(exc, PermissionDenied):
            return error_response(403)
        if isinstance(exc, (OperationalError, InterfaceError)):
            return error_response(503, "database_unavailable", "数据库暂时不可用，请稍后重试")
        logger.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500)
