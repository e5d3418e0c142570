"""/metrics: latency by route, live websocket connections, outbox backlog; not open to the world."""

import re

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from backend.asgi import application
from notifications.services import notify


def scrape(**extra) -> str:
    response = Client(REMOTE_ADDR="127.0.0.1").get("/metrics", **extra)
    assert response.status_code == 200
    return response.content.decode()


def sample(text: str, name: str, **labels) -> float:
    for line in text.splitlines():
        if line.startswith(name) and all(f'{k}="{v}"' in line for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_request_latency_is_labelled_by_route(api):
    before = sample(scrape(), "shixun_http_request_duration_seconds_count", route="/api/v1/me", status="401")
    for _ in range(3):
        api.get("me")
    after = sample(scrape(), "shixun_http_request_duration_seconds_count", route="/api/v1/me", status="401")
    assert after - before == 3


def test_outbox_backlog_is_read_from_the_database(make_user):
    user = make_user()
    from django.conf import settings

    from accounts.models import WechatIdentity

    WechatIdentity.objects.create(user=user, appid=settings.WECHAT_APPID, openid="m1")
    settings.WECHAT_SUBSCRIBE_TEMPLATES = {"k": {"template_id": "T", "fields": {"thing1": "title"}}}
    try:
        notify(recipients=[user], kind="k", title="x", dedupe_key="m")
        assert sample(scrape(), "shixun_outbox_backlog") == 1
    finally:
        settings.WECHAT_SUBSCRIBE_TEMPLATES = {}


def test_metrics_are_not_public(db, settings):
    assert Client(REMOTE_ADDR="8.8.8.8").get("/metrics").status_code == 403
    settings.METRICS_TOKEN = "s3cret"
    assert Client(REMOTE_ADDR="127.0.0.1").get("/metrics").status_code == 403
    ok = Client(REMOTE_ADDR="8.8.8.8").get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret")
    assert ok.status_code == 200


@pytest.mark.django_db(transaction=True)
async def test_websocket_connections_are_counted(make_user, api):
    user = await database_sync_to_async(make_user)()
    client = await database_sync_to_async(api.as_user)(user)
    route = "/ws/notifications/"
    base = sample(await database_sync_to_async(scrape)(), "shixun_websocket_connections", route=route)
    ws = WebsocketCommunicator(application, f"{route}?token={client.token}")
    assert (await ws.connect())[0]
    await ws.receive_json_from()
    assert sample(await database_sync_to_async(scrape)(), "shixun_websocket_connections", route=route) == base + 1
    await ws.disconnect()
    assert sample(await database_sync_to_async(scrape)(), "shixun_websocket_connections", route=route) == base
    refused = WebsocketCommunicator(application, route)  # accepted, then closed with 4401 (ADR 0065)
    assert (await refused.connect())[0]
    assert (await refused.receive_output(timeout=3))["code"] == 4401
    await refused.wait(timeout=3)
    assert sample(await database_sync_to_async(scrape)(), "shixun_websocket_connections", route=route) == base


def test_json_log_lines_are_redacted():
    import json
    import logging

    from backend.logs import JsonFormatter, RedactSecretsFilter

    record = logging.LogRecord("shixun", logging.INFO, __file__, 1, "bound %s", ("13912345678",), None)
    RedactSecretsFilter().filter(record)
    line = json.loads(JsonFormatter().format(record))
    assert line["msg"] == "bound 139****5678" and line["level"] == "INFO"
    assert re.match(r"\d{4}-\d\d-\d\dT", line["ts"])


@pytest.mark.django_db(transaction=True)
async def test_channel_layer_overflow_is_counted_not_silent(redis_url, caplog):
    """A spectator whose queue is full loses a message in channels-redis; we count it and warn."""
    from channels_redis.core import RedisChannelLayer

    from miniprogram_api.metrics import CHANNEL_OVERFLOWS

    layer = RedisChannelLayer(hosts=[redis_url], capacity=2, prefix="shixun-test-overflow")
    channel = await layer.new_channel()
    await layer.group_add("board.99.public", channel)
    before = CHANNEL_OVERFLOWS.labels("board/{id}/public")._value.get()
    for n in range(5):  # nobody reads: the queue holds 2, the other 3 are dropped
        await layer.group_send("board.99.public", {"type": "board.update", "n": n})
    await layer.flush()
    assert CHANNEL_OVERFLOWS.labels("board/{id}/public")._value.get() - before == 3
    assert "dropped" in caplog.text
