"""One refusal behaviour on every websocket (docs/API.md, "Websockets"): a path nobody serves is an HTTP 404
with the JSON error (or a close with 4404 where the server offers no denial response), never an HTTP 500;
a missing or bad token is accepted and closed with 4401 on every consumer, never a bare HTTP 403."""

import json

import pytest
from channels.testing import WebsocketCommunicator

from backend.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)

UNKNOWN_PATHS = ["/ws/competitions/1/board", "/ws/nothing/", "/ws/notifications", "/ws/judging/extra/", "/"]
TOKEN_PATHS = ["/ws/notifications/", "/ws/judging/", "/ws/competitions/1/jury/"]


async def open_and_read(path: str, extensions: dict | None = None):
    communicator = WebsocketCommunicator(application, path)
    if extensions is not None:
        communicator.scope["extensions"] = extensions
    await communicator.send_input({"type": "websocket.connect"})
    first = await communicator.receive_output(timeout=3)
    rest = []
    if first["type"] in ("websocket.accept", "websocket.http.response.start"):
        rest.append(await communicator.receive_output(timeout=3))
    await communicator.wait(timeout=3)
    return first, rest


@pytest.mark.parametrize("path", UNKNOWN_PATHS)
async def test_a_path_nobody_serves_is_an_http_404_with_the_json_error(path):
    first, rest = await open_and_read(path, {"websocket.http.response": {}})
    assert first["type"] == "websocket.http.response.start" and first["status"] == 404
    assert (b"content-type", b"application/json; charset=utf-8") in first["headers"]
    assert json.loads(rest[0]["body"]) == {"code": "not_found", "message": "没有这个实时通道", "detail": None}


@pytest.mark.parametrize("path", UNKNOWN_PATHS[:2])
async def test_without_the_denial_extension_it_is_closed_with_4404(path):
    first, rest = await open_and_read(path, {})
    assert first["type"] == "websocket.accept"
    assert rest[0] == {"type": "websocket.close", "code": 4404, "reason": ""} or rest[0]["code"] == 4404


@pytest.mark.parametrize("path", TOKEN_PATHS)
@pytest.mark.parametrize("token", [None, "forged"])
async def test_every_consumer_accepts_then_closes_a_bad_token_with_4401(path, token):
    first, rest = await open_and_read(path + (f"?token={token}" if token else ""))
    assert first["type"] == "websocket.accept", first  # not refused before accept (an HTTP 403)
    assert rest[0]["type"] == "websocket.close" and rest[0]["code"] == 4401
