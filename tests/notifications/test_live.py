"""`/ws/notifications/`: token-authenticated, live after commit, resync after a reconnect."""

import pytest
from channels.db import database_sync_to_async as sync_to_async
from channels.testing import WebsocketCommunicator

from backend.asgi import application
from notifications.services import notify


@pytest.fixture
def anyio_backend():
    return "asyncio"


def make_notification(user, key, title="新工单"):
    notify(recipients=[user], kind="dispatch", title=title, dedupe_key=key)


@pytest.mark.django_db(transaction=True)
async def test_live_notification_and_resync(make_user, api):
    user = await sync_to_async(make_user)()
    client = await sync_to_async(api.as_user)(user)
    await sync_to_async(make_notification)(user, "old", "早先的消息")

    ws = WebsocketCommunicator(application, f"/ws/notifications/?token={client.token}")
    connected, _ = await ws.connect()
    assert connected
    hello = await ws.receive_json_from()
    assert hello["type"] == "hello" and hello["unread"] == 1
    last_id = hello["last_id"]

    await sync_to_async(make_notification)(user, "new", "新派工单")
    live = await ws.receive_json_from(timeout=5)
    assert live["type"] == "notification" and live["title"] == "新派工单" and live["id"] > last_id

    await ws.send_json_to({"type": "resync", "since": 0})
    backlog = await ws.receive_json_from()
    assert [item["title"] for item in backlog["items"]] == ["早先的消息", "新派工单"]
    await ws.send_to(text_data="not json")
    assert (await ws.receive_json_from())["code"] == "bad_message"
    await ws.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_other_users_news_is_not_delivered(make_user, api):
    alice, bob = await sync_to_async(make_user)(), await sync_to_async(make_user)()
    client = await sync_to_async(api.as_user)(alice)
    ws = WebsocketCommunicator(application, f"/ws/notifications/?token={client.token}")
    await ws.connect()
    await ws.receive_json_from()
    await sync_to_async(make_notification)(bob, "bob")
    assert await ws.receive_nothing(timeout=0.3)
    await ws.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_missing_or_bad_token_is_closed_4401():
    for path in ["/ws/notifications/", "/ws/notifications/?token=forged"]:
        ws = WebsocketCommunicator(application, path)
        connected, _ = await ws.connect()
        assert connected  # accepted, then closed with the code (a refusal before accept is a bare HTTP 403)
        closed = await ws.receive_output(timeout=3)
        assert closed["type"] == "websocket.close" and closed["code"] == 4401
