"""GET /metrics: every process's metrics (aggregated across workers with PROMETHEUS_MULTIPROC_DIR) and
figures read from the database at scrape time."""

from __future__ import annotations

import ipaddress
import os

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Gauge,
    generate_latest,
    multiprocess,
)

from notifications.sender import backlog


def _allowed(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    if token:
        return request.headers.get("Authorization", "") == f"Bearer {token}"
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return address.is_loopback or address.is_private


def _gauges_from_database() -> bytes:
    """Figures read at scrape time from the database (the truth), not kept in process memory."""
    registry = CollectorRegistry()
    Gauge("shixun_outbox_backlog", "WeChat messages waiting to be sent", registry=registry).set(backlog())
    return generate_latest(registry)


def metrics_view(request: HttpRequest) -> HttpResponse:
    if not _allowed(request):
        return HttpResponse("forbidden\n", status=403, content_type="text/plain")
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    body = generate_latest(registry)
    try:
        body += _gauges_from_database()
    except Exception:  # the database being down must not hide the process metrics
        pass
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
