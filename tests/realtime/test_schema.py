"""The websocket messages are published as JSON Schema, and the frames tests receive are checked against it."""

import json

import jsonschema_rs
import pytest
from channels.testing import WebsocketCommunicator
from pydantic import ValidationError

from backend.asgi import application
from backend.realtime_schema import validate_server_frame
from tests.realtime import frames


def test_the_schema_is_published_without_login(client):
    response = client.get("/api/v1/realtime/schema.json")
    assert response.status_code == 200
    document = response.json()
    assert set(document["x-sockets"]) == {"/ws/notifications/", "/ws/competitions/{id}/board/",
                                          "/ws/competitions/{id}/jury/", "/ws/judging/"}
    for name in ("BoardSnapshotMessage", "BoardUpdateMessage", "ResyncedMessage", "ErrorMessage", "PongMessage",
                 "NotificationMessage", "BacklogMessage", "JudgeHelloMessage", "AckMessage", "ModerationMessage"):
        assert name in document["$defs"], name
    jsonschema_rs.validator_for(document)  # a valid JSON Schema document


def test_the_published_document_accepts_a_frame_and_refuses_an_off_schema_one(client):
    document = client.get("/api/v1/realtime/schema.json").json()
    board = {**document, **document["x-sockets"]["/ws/competitions/{id}/board/"]["server"]}
    validator = jsonschema_rs.validator_for(board)
    assert validator.is_valid({"type": "pong", "seq": 3})
    assert validator.is_valid({"type": "resynced", "since": 1, "seq": 4, "missed": 3})
    assert not validator.is_valid({"type": "pong"})  # the board's pong carries the seq
    assert not validator.is_valid({"type": "resynced", "since": 1, "seq": 4, "missed": 3, "extra": 1})


def test_an_off_schema_frame_fails_the_test_that_received_it():
    with pytest.raises(ValidationError):
        validate_server_frame("/ws/notifications/", json.dumps({"type": "hello", "unread": "many"}))
    frames.check("/ws/judging/", json.dumps({"type": "pong"}))  # fine


@pytest.mark.django_db(transaction=True)
async def test_the_shared_check_sees_every_communicator_frame(make_user, api):
    from channels.db import database_sync_to_async

    user = await database_sync_to_async(make_user)()
    token = (await database_sync_to_async(api.as_user)(user)).token
    before = frames.checked["frames"]
    ws = WebsocketCommunicator(application, f"/ws/notifications/?token={token}")
    assert (await ws.connect())[0]
    assert (await ws.receive_json_from())["type"] == "hello"
    await ws.send_json_to({"type": "ping"})
    assert await ws.receive_json_from() == {"type": "pong"}
    await ws.send_json_to({"type": "resync", "since": 0})
    assert (await ws.receive_json_from())["type"] == "backlog"
    assert frames.checked["frames"] == before + 3
    await ws.disconnect()


def test_the_e2e_helper_checks_frames_against_the_published_document(client):
    """tests/e2e/frames.py: what the spectator helper and the big-screen test use against server processes."""
    from tests.e2e.frames import PublishedFrames

    frames = PublishedFrames(client.get("/api/v1/realtime/schema.json").json())
    frames.check("ws://127.0.0.1:8101/ws/competitions/7/board/?since=3", json.dumps({"type": "pong", "seq": 3}))
    frames.assert_clean(at_least=1)
    frames.check("/ws/competitions/7/board/", json.dumps({"type": "pong"}))  # the board's pong has a seq
    frames.check("/ws/nowhere/", json.dumps({"type": "pong"}))
    assert len(frames.off_schema) == 2 and frames.checked == 2
    with pytest.raises(AssertionError, match="off the published schema"):
        frames.assert_clean()
