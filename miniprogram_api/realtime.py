"""News to websocket clients, sent through the channel layer only after the database commit.

The database is the truth; the channel layer only carries news of it. A message is queued with
`transaction.on_commit`, so a rolled-back write never announces anything, and a client that missed a
message can always resync from the database.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from redis.exceptions import ConnectionError as RedisConnectionError

logger = logging.getLogger(__name__)


class _Sender:
    """The server process's one sender of news: request threads hand a message over and return at once;
    a single task on the event loop sends them to the channel layer in the order they were committed.

    Waiting for the send inside the request (async_to_sync) cost ~2 ms per group on the request thread,
    measured on a mark: three groups (public board, jury board, the judge's acks) ≈ 6 ms of every mark
    POST, and the one Django thread of the process serves nothing else meanwhile. Ordering is kept
    because one task sends them all. A message still queued when the process dies is lost, like one lost
    by the channel layer: boards repair by seq, notifications by id."""

    def __init__(self):
        self.loop = None
        self.thread = None
        self.queue = None

    def bind(self) -> None:
        """Called on every ASGI request (cheap): the first one in a process starts the sender."""
        loop = asyncio.get_running_loop()
        if loop is self.loop:
            return
        self.loop, self.thread, self.queue = loop, threading.get_ident(), asyncio.Queue()
        loop.create_task(self.run(self.queue))

    def offer(self, group: str, message: dict) -> bool:
        loop = self.loop
        if loop is None or loop.is_closed() or not loop.is_running():
            return False
        item = (group, message, time.perf_counter())
        if threading.get_ident() == self.thread:
            self.queue.put_nowait(item)
        else:
            loop.call_soon_threadsafe(self.queue.put_nowait, item)
        return True

    async def run(self, queue: asyncio.Queue) -> None:
        layer = get_channel_layer()
        while True:
            group, message, queued = await queue.get()
            await _send(layer, group, message, queued)


sender = _Sender()


async def _send(layer, group: str, message: dict, started: float) -> None:
    from backend.metrics import BROADCAST_LAG, CHANNEL_SEND_FAILURES

    kind = group.split(".", 1)[0]
    try:
        await layer.group_send(group, message)
    except Exception as exc:
        CHANNEL_SEND_FAILURES.labels(kind).inc()
        if isinstance(exc, (OSError, RedisConnectionError)):
            # Redis down: one line, not a traceback per message; clients resync when it is back.
            logger.warning("channel layer send to %s failed: %s", group, exc)
        else:
            logger.exception("channel layer send to %s failed", group)
        return
    BROADCAST_LAG.labels(kind).observe(time.perf_counter() - started)


def send_now(group: str, message: dict) -> None:
    """Send to a group now (call only after commit). In a server process the message goes to the
    process's sender and this returns at once; elsewhere (management commands, tests without a server)
    it is sent before returning. Failures are logged and counted, never raised: the write already
    succeeded and clients resync from the database."""
    layer = get_channel_layer()
    if layer is None or sender.offer(group, message):
        return
    async_to_sync(_send)(layer, group, message, time.perf_counter())


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
            from channels.consumer import get_handler_name

            await getattr(self, get_handler_name(message))(message)
            return
        await super().dispatch(message)
