"""Websocket tokens travel in the subprotocol header (`Sec-WebSocket-Protocol: bearer, <token>`); the
server answers with `bearer`, never echoing the token; `?token=` still works for a while."""

import pytest
from channels.db import database_sync_to_async as sync_to_async
from channels.testing import WebsocketCommunicator

from accounts.auth import token_from_scope
from backend.asgi import application


@pytest.fixture
def anyio_backend():
    return "asyncio"


def test_token_from_scope_prefers_the_subprotocol():
    scope = {"subprotocols": ["bearer", "TOK1"], "query_string": b"token=TOK2", "headers": []}
    assert token_from_scope(scope) == "TOK1"
    assert token_from_scope({"query_string": b"token=TOK2"}) == "TOK2"
    assert token_from_scope({"headers": [(b"authorization", b"Bearer TOK3")]}) == "TOK3"
    assert token_from_scope({"subprotocols": ["bearer"]}) == ""


@pytest.mark.django_db(transaction=True)
async def test_subprotocol_token_connects_and_server_answers_bearer(make_user, api):
    user = await sync_to_async(make_user)()
    client = await sync_to_async(api.as_user)(user)
    ws = WebsocketCommunicator(application, "/ws/notifications/", subprotocols=["bearer", client.token])
    connected, subprotocol = await ws.connect()
    assert connected and subprotocol == "bearer"
    assert (await ws.receive_json_from())["type"] == "hello"
    await ws.disconnect()

    legacy = WebsocketCommunicator(application, f"/ws/notifications/?token={client.token}")
    connected, subprotocol = await legacy.connect()
    assert connected and subprotocol is None
    await legacy.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_forged_subprotocol_token_is_refused():
    ws = WebsocketCommunicator(application, "/ws/notifications/", subprotocols=["bearer", "forged"])
    connected, _ = await ws.connect()
    assert connected  # accepted, then closed with the code (a refusal before accept is a bare HTTP 403)
    closed = await ws.receive_output(timeout=3)
    assert closed["type"] == "websocket.close" and closed["code"] == 4401
