"""Fixed-window rate limits kept in the shared cache (Redis in production, so all workers count
together). A refused request gets 429 `rate_limited` with Retry-After.

Limits are settings (`RATE_LIMITS`, "count/seconds" per scope) so that a bureau can tune them
without a release; a scope missing from the settings is not limited.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from .errors import ApiError

logger = logging.getLogger(__name__)


def parse_rate(rate: str) -> tuple[int, int]:
    count, _, seconds = rate.partition("/")
    return int(count), int(seconds or 60)


def client_ip(request: HttpRequest) -> str:
    # Never X-Forwarded-For directly (a client could forge it): uvicorn's --proxy-headers rewrites the
    # peer address from it only for requests that come from the trusted proxy (--forwarded-allow-ips).
    return request.META.get("REMOTE_ADDR", "")


def _count(key: str, timeout: int) -> int:
    """Add one to the window's counter and return it.

    With Redis (the production cache) this is one round trip, SET NX EX then INCR in a pipeline,
    instead of three (the scan, the hottest call, is rate limited). Other caches: add, else incr."""
    redis = getattr(cache, "redis", None)
    if redis is not None:
        full = cache.make_and_validate_key(key)
        pipe = redis().pipeline(transaction=False)
        pipe.set(full, 0, ex=timeout, nx=True)
        pipe.incr(full)
        return int(pipe.execute()[1])
    try:
        if cache.add(key, 1, timeout=timeout):
            return 1
        return cache.incr(key)
    except ValueError:  # the key expired between add and incr
        cache.add(key, 1, timeout=timeout)
        return 1


def check_rate(request: HttpRequest, scope: str, ident: str | None = None) -> None:
    """Count one request for (scope, ident) and raise 429 when over the limit."""
    rate = settings.RATE_LIMITS.get(scope)
    if not rate:
        return
    limit, window = parse_rate(rate)
    if ident is None:
        user = getattr(request, "user", None)
        ident = f"u{user.pk}" if getattr(user, "is_authenticated", False) else f"ip{client_ip(request)}"
    now = int(time.time())
    bucket = now // window
    key = f"rl:{scope}:{ident}:{bucket}"
    try:
        count = _count(key, window + 1)
    except Exception as exc:  # the limiter must not take the service down with Redis
        logger.warning("rate limiter unavailable: %s", type(exc).__name__)
        return
    if count > limit:
        retry_after = (bucket + 1) * window - now
        raise ApiError("rate_limited", "请求过于频繁，请稍后再试", status=429,
                       detail={"scope": scope, "limit": limit, "window_seconds": window},
                       headers={"Retry-After": str(max(retry_after, 1))})
