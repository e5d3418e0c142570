"""Prometheus metrics of the API layer: request latency, live websocket connections, broadcast lag,
channel-layer drops. (Apps define their own counters beside their code; the /metrics view is
backend.metrics_view.)

With several uvicorn workers, set PROMETHEUS_MULTIPROC_DIR (an empty directory, wiped at start;
`make serve-prod` does it) so that /metrics aggregates every worker; without it each process reports
only itself, which is right for the single-process demo.
"""

from __future__ import annotations

import logging
import re
import time

from django.http import HttpRequest, HttpResponse
from prometheus_client import (
    Counter,
    Gauge,
    Histogram,
)

REQUEST_LATENCY = Histogram(
    "shixun_http_request_duration_seconds", "HTTP request latency by route",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
WEBSOCKET_CONNECTIONS = Gauge(
    "shixun_websocket_connections", "Open websocket connections by route", ["route"],
    multiprocess_mode="livesum",
)
BROADCAST_LAG = Histogram(
    "shixun_broadcast_lag_seconds", "From the database commit to the channel-layer send returning",
    ["kind"], buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
CHANNEL_SEND_FAILURES = Counter(
    "shixun_channel_send_failures_total", "Channel-layer sends that failed (clients resync by seq)", ["kind"],
)

_DIGITS = re.compile(r"/\d+(?=/|$)")


def route_label(path: str) -> str:
    return _DIGITS.sub("/{id}", path)


class MetricsMiddleware:
    """Times every HTTP request, labelled by the URL pattern (not the raw path: bounded cardinality)."""

    sync_capable = True
    async_capable = False

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        route = f"/{match.route}" if match is not None and match.route else "unmatched"
        REQUEST_LATENCY.labels(request.method, route, str(response.status_code)).observe(
            time.perf_counter() - started)
        return response


class WebsocketMetrics:
    """ASGI wrapper counting accepted websocket connections while they stay open."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        route = route_label(scope.get("path", ""))
        accepted = False

        async def counting_send(message):
            nonlocal accepted
            if message["type"] == "websocket.accept" and not accepted:
                accepted = True
                WEBSOCKET_CONNECTIONS.labels(route).inc()
            await send(message)

        try:
            return await self.app(scope, receive, counting_send)
        finally:
            if accepted:
                WEBSOCKET_CONNECTIONS.labels(route).dec()


CHANNEL_OVERFLOWS = Counter(
    "shixun_channel_overflow_total",
    "Messages the Redis channel layer dropped because a connection's queue was full (clients repair by seq)",
    ["group"],
)


class ChannelOverflowHandler(logging.Handler):
    """channels-redis drops a group message for a channel that is over capacity and only says so in an
    INFO log line; this turns that line into a counted metric and a WARNING, so nothing is dropped
    silently. (The board consumers then repair the gap from the update log by seq.)"""

    def emit(self, record: logging.LogRecord) -> None:
        if "over capacity" not in str(record.msg) or not record.args or len(record.args) < 3:
            return
        dropped, _, group = record.args[:3]
        CHANNEL_OVERFLOWS.labels(route_label(str(group).replace(".", "/"))).inc(int(dropped))
        logging.getLogger("shixun.realtime").warning("channel layer dropped %s message(s) for group %s "
                                                     "(receivers over capacity)", dropped, group)
