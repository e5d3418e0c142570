"""News to websocket clients, sent through the channel layer only after the database commit.

The database is the truth; the channel layer only carries news of it. A message is queued with
`transaction.on_commit`, so a rolled-back write never announces anything, and a client that missed a
message can always resync from the database.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import threading
import time

from asgiref.sync import SyncToAsync, async_to_sync
from channels.consumer import get_handler_name
from channels.layers import DEFAULT_CHANNEL_LAYER, InMemoryChannelLayer, channel_layers, get_channel_layer
from django.db import transaction
from redis.exceptions import ConnectionError as RedisConnectionError

from .metrics import BROADCAST_LAG, CHANNEL_SEND_FAILURES

logger = logging.getLogger(__name__)

SEND_TIMEOUT = 5.0  # seconds a request waits for the channel layer before counting the send as failed


class _Publisher:
    """A WSGI process's way to the channel layer: one event loop on a thread of its own, with a layer
    instance of its own, for the life of the process.

    Under ASGI a request's sync code runs inside the server's event loop (asgiref), and `async_to_sync`
    hands the send to that loop. Under WSGI there is no such loop, and `async_to_sync` would build a
    new event loop, thread and Redis connection for every send (ADR 0051)."""

    def __init__(self):
        self.pid = os.getpid()
        self.loop = asyncio.new_event_loop()
        self.layer = channel_layers.make_backend(DEFAULT_CHANNEL_LAYER)
        self.thread = threading.Thread(target=self.loop.run_forever, name="channel-layer-publisher", daemon=True)
        self.thread.start()

    def group_send(self, group: str, message: dict) -> None:
        asyncio.run_coroutine_threadsafe(self.layer.group_send(group, message), self.loop).result(SEND_TIMEOUT)


_publisher: _Publisher | None = None
_publisher_lock = threading.Lock()


def _publisher_for_this_process() -> _Publisher:
    global _publisher
    with _publisher_lock:
        if _publisher is None or _publisher.pid != os.getpid():  # a forked worker starts its own
            _publisher = _Publisher()
        return _publisher


def _inside_an_event_loop() -> bool:
    """Is this sync code running for an event loop (ASGI, an async test), which async_to_sync can use?"""
    return (getattr(SyncToAsync.threadlocal, "main_event_loop", None) is not None
            and getattr(SyncToAsync.threadlocal, "main_event_loop_pid", None) == os.getpid())


def group_send(layer, group: str, message: dict) -> None:
    if isinstance(layer, InMemoryChannelLayer) or _inside_an_event_loop():
        async_to_sync(layer.group_send)(group, message)
    else:
        _publisher_for_this_process().group_send(group, message)


def send_now(group: str, message: dict) -> None:
    """Send to a group immediately (call only after commit). Failures are logged, never raised:
    the write already succeeded and clients resync from the database."""
    layer = get_channel_layer()
    if layer is None:
        return
    kind = group.split(".", 1)[0]
    started = time.perf_counter()
    try:
        group_send(layer, group, message)
    except Exception as exc:
        CHANNEL_SEND_FAILURES.labels(kind).inc()
        if isinstance(exc, (OSError, RedisConnectionError)):
            # Redis down: one line, not a traceback per message; clients resync when it is back.
            logger.warning("channel layer send to %s failed: %s", group, exc)
        else:
            logger.exception("channel layer send to %s failed", group)
        return
    BROADCAST_LAG.labels(kind).observe(time.perf_counter() - started)


def publish_after_commit(group: str, message: dict) -> None:
    """Queue `message` for `group`, to be sent when the current transaction commits."""
    transaction.on_commit(lambda: send_now(group, message))


class NewsConsumer:
    """Mixin for websocket consumers whose channel-layer handlers only forward news.

    Channels (4.2+) hops to the single database thread to call close_old_connections before *every*
    message it dispatches, so news for many consumers queues up on that one thread behind each other
    (and behind any slow query). The handlers named in `news_types` touch the database only through
    database_sync_to_async, which closes stale connections itself, so they are dispatched directly.
    (Board screens go further and have no channel of their own: competitions/fanout.py.)"""

    news_types: frozenset[str] = frozenset()

    async def dispatch(self, message):
        if message.get("type") in self.news_types:
            await getattr(self, get_handler_name(message))(message)
            return
        await super().dispatch(message)


# -- refusing a websocket ---------------------------------------------------------------------------
# One behaviour everywhere (docs/API.md, "Websockets"): a refused connection is accepted and then closed
# with an application code, so the client can tell why. (A close before accept reaches the client as a
# bare HTTP 403 with no reason.)
CLOSE_UNAUTHORIZED = 4401  # no or invalid token: log in again
CLOSE_FORBIDDEN = 4403  # valid token, not allowed
CLOSE_NOT_FOUND = 4404  # no such contest (or other object named in the path)


async def refuse(consumer, code: int) -> None:
    """Refuse a connection not yet accepted: accept it, then close with `code`."""
    await consumer.accept()
    await consumer.close(code=code)


NO_ROUTE_BODY = json.dumps({"code": "not_found", "message": "没有这个实时通道", "detail": None},
                           ensure_ascii=False).encode()


class NoRoute:
    """The last websocket route: a path no consumer serves (a typo, the board URL without its trailing
    slash) is answered with HTTP 404 and the usual JSON error, through the ASGI websocket denial response
    where the server offers it (uvicorn does), else closed with 4404 — never an HTTP 500 with a traceback."""

    async def __call__(self, scope, receive, send):
        await receive()  # websocket.connect
        if "websocket.http.response" in (scope.get("extensions") or {}):
            await send({"type": "websocket.http.response.start", "status": 404,
                        "headers": [(b"content-type", b"application/json; charset=utf-8")]})
            await send({"type": "websocket.http.response.body", "body": NO_ROUTE_BODY})
            return
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.close", "code": CLOSE_NOT_FOUND})
