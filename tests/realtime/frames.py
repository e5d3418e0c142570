"""Every websocket frame a test receives is validated against the published schema
(backend/realtime_schema.py), whichever client the test uses: channels' WebsocketCommunicator, or the
`websockets` library (sync and asyncio) against a real server. tests/conftest.py installs this for the
whole session, so no websocket test can skip it; an off-schema frame fails the test that received it."""

from __future__ import annotations

import functools

from backend.realtime_schema import socket_of, validate_server_frame

checked = {"frames": 0}


def check(path: str, text) -> None:
    if isinstance(text, str) and socket_of(path) is not None:
        validate_server_frame(path, text)
        checked["frames"] += 1


def install() -> None:
    from channels.testing import WebsocketCommunicator
    from websockets.asyncio.client import ClientConnection as AsyncConnection
    from websockets.sync.client import ClientConnection as SyncConnection

    if getattr(WebsocketCommunicator, "_frames_checked", False):
        return
    receive_output = WebsocketCommunicator.receive_output

    @functools.wraps(receive_output)
    async def checked_receive_output(self, timeout=1):
        output = await receive_output(self, timeout)
        if output.get("type") == "websocket.send":
            check(self.scope["path"], output.get("text"))
        return output

    WebsocketCommunicator.receive_output = checked_receive_output  # type: ignore[method-assign]
    WebsocketCommunicator._frames_checked = True  # type: ignore[attr-defined]

    sync_recv = SyncConnection.recv

    @functools.wraps(sync_recv)
    def checked_sync_recv(self, *args, **kwargs):
        data = sync_recv(self, *args, **kwargs)
        check(self.request.path, data)
        return data

    SyncConnection.recv = checked_sync_recv  # type: ignore[method-assign]

    async_recv = AsyncConnection.recv

    @functools.wraps(async_recv)
    async def checked_async_recv(self, *args, **kwargs):
        data = await async_recv(self, *args, **kwargs)
        check(self.request.path, data)
        return data

    AsyncConnection.recv = checked_async_recv  # type: ignore[method-assign]
