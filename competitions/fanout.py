"""Board news fanned out inside each server process: one channel-layer subscription per board, however
many screens watch it.

Measured before this existed (docs/PERFORMANCE.md, figure 4): with every screen a member of the
channel-layer group, one update to 1,000 screens cost 1,000 Redis messages with the core layer, and on
either layer 500 channel-layer receives, message decodes and Channels dispatches per process. The last
screen waited 250-400 ms where a plain send loop takes ~60 ms. Now each process joins the group once (a
hub), and hands every update to its local screens through an in-memory inbox; each screen writes on its
own task, so one slow phone never holds up the rest of the hall.

The hub also keeps the screens honest once for all of them: every BOARD_HEARTBEAT_SECONDS it re-joins
the group (a Redis restart forgets memberships) and compares the database's seq with each screen's; the
updates a screen missed are read from the update log once and queued to it, in order.
"""

from __future__ import annotations

import asyncio
import logging
import random
from typing import Protocol

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from prometheus_client import Counter

from . import board

BOARD_REPAIRS = Counter(
    "shixun_board_screen_repairs_total",
    "Board screens given missed updates from the update log (heartbeat) or a snapshot because their "
    "inbox overflowed (a client not reading)", ["reason"],
)


class BoardConsumer(Protocol):
    """What a hub needs of a screen (consumers.BoardConsumer is the one)."""

    group: str | None
    contest_id: int
    jury: bool
    last_seq: int

    def offer(self, seq: int, text: str) -> None: ...

    def offer_snapshot(self) -> None: ...


logger = logging.getLogger(__name__)

REORDER_WAIT = 0.3  # seconds an update may still be in flight before it counts as missed
RETRY_MAX = 5.0  # seconds between attempts to reach the channel layer while it is down


class BoardHub:
    """The screens of one board group in this process and the single subscription that feeds them."""

    def __init__(self, group: str, contest_id: int, jury: bool):
        self.group, self.contest_id, self.jury = group, contest_id, jury
        self.loop = asyncio.get_running_loop()
        self.screens: set[BoardConsumer] = set()
        self.joined = asyncio.Event()
        self.tasks: list[asyncio.Task] = []
        self.channel: str | None = None

    def start(self) -> None:
        self.tasks = [asyncio.create_task(self.listen()), asyncio.create_task(self.heartbeat())]

    async def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        if self.channel is not None:
            try:
                await get_channel_layer().group_discard(self.group, self.channel)
            except Exception as exc:  # the group expires on its own; nothing to repair
                logger.info("board hub %s: leaving the group failed: %s", self.group, exc)

    async def join(self) -> None:
        layer = get_channel_layer()
        if self.channel is None:
            self.channel = await layer.new_channel()
        await layer.group_add(self.group, self.channel)
        self.joined.set()

    async def listen(self) -> None:
        """Receive the group's updates and queue each to every local screen. A channel layer that is
        down is retried with backoff; what passes meanwhile is repaired by the heartbeat."""
        layer, delay = get_channel_layer(), 0.2
        while True:
            try:
                if not self.joined.is_set():
                    await self.join()
                message = await layer.receive(self.channel)
                delay = 0.2
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                _stop_if_cancelled(exc)
                logger.warning("board hub %s: channel layer unavailable (%s); retrying in %.1f s",
                               self.group, exc, delay)
                self.joined.clear()
                await asyncio.sleep(delay)
                delay = min(delay * 2, RETRY_MAX)
                continue
            if message.get("type") == "board.update":
                for screen in self.screens:
                    screen.offer(message["seq"], message["text"])

    async def heartbeat(self) -> None:
        period = settings.BOARD_HEARTBEAT_SECONDS
        while True:
            await asyncio.sleep(period * random.uniform(0.9, 1.1))
            try:
                await self.join()
                current = await database_sync_to_async(board.current_seq)(self.contest_id)
                if current is None:
                    continue
                if any(screen.last_seq < current for screen in self.screens):
                    await asyncio.sleep(REORDER_WAIT)  # it may just be in flight
                    await self.repair(current)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                _stop_if_cancelled(exc)
                logger.warning("board hub %s: heartbeat check failed", self.group, exc_info=True)

    async def repair(self, current: int) -> None:
        behind = [screen for screen in self.screens if 0 <= screen.last_seq < current]
        if not behind:
            return
        after = min(screen.last_seq for screen in behind)
        logger.warning("board %s: seq %s to %s never arrived through the channel layer on %d screen(s); "
                       "sending them from the update log", self.contest_id, after + 1, current, len(behind))
        rows = await database_sync_to_async(board.updates_between)(self.contest_id, after, current,
                                                                   jury=self.jury)
        BOARD_REPAIRS.labels("heartbeat").inc(len(behind))
        for screen in behind:
            if rows is None:
                screen.offer_snapshot()
            else:
                for seq, text in rows:
                    screen.offer(seq, text)


def _stop_if_cancelled(exc: Exception) -> None:
    """A cancelled task must end even when a client library turns the cancellation into another error
    (a connection closed mid-read reported as a connection error): otherwise the retry loop would outlive
    its cancellation and a worker shutting down would wait for it for ever."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError from exc


_hubs: dict[tuple[int, str], BoardHub] = {}


async def attach(screen: BoardConsumer) -> None:
    """Make `screen` receive its board's updates; returns once the process is subscribed, so a snapshot
    read afterwards cannot miss an update committed in between."""
    loop = asyncio.get_running_loop()
    key = (id(loop), screen.group)
    hub = _hubs.get(key)
    if hub is None or hub.loop is not loop:
        hub = _hubs[key] = BoardHub(screen.group, screen.contest_id, screen.jury)
        hub.start()
    hub.screens.add(screen)
    if not hub.joined.is_set():
        try:
            await asyncio.wait_for(hub.joined.wait(), timeout=5)
        except TimeoutError:
            # The channel layer is down: the screen still gets its snapshot now and the missed updates
            # from the heartbeat once the layer is back.
            logger.warning("board hub %s: not subscribed yet; the heartbeat will catch the screen up", hub.group)


async def detach(screen: BoardConsumer) -> None:
    key = (id(asyncio.get_running_loop()), screen.group)
    hub = _hubs.get(key)
    if hub is None:
        return
    hub.screens.discard(screen)
    if not hub.screens:
        del _hubs[key]
        await hub.stop()


def screens_watching(group: str) -> int:
    """How many screens this process feeds for a group (what the tests check)."""
    return sum(len(hub.screens) for (_, g), hub in _hubs.items() if g == group)
