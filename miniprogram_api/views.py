"""Liveness and readiness for load balancers and the Dockerfile's HEALTHCHECK."""

import logging

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse

logger = logging.getLogger(__name__)


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def _check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return "ok"
    except Exception as exc:  # any failure means "not ready", never a 500
        logger.warning("readyz: database check failed: %s", type(exc).__name__)
        return "unavailable"


def _check_redis() -> str:
    if not settings.REDIS_URL:
        return "not_configured"
    import redis

    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
        try:
            client.ping()
        finally:
            client.close()
        return "ok"
    except Exception as exc:
        logger.warning("readyz: redis check failed: %s", type(exc).__name__)
        return "unavailable"


def readyz(request: HttpRequest) -> JsonResponse:
    checks = {"database": _check_database(), "redis": _check_redis()}
    ready = all(value in ("ok", "not_configured") for value in checks.values())
    body = {"status": "ok" if ready else "unavailable", "checks": checks}
    if not ready:
        body.update(code="not_ready", message="服务依赖不可用")
    return JsonResponse(body, status=200 if ready else 503, json_dumps_params={"ensure_ascii": False})
