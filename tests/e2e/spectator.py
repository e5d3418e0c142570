"""A board spectator as a phone or the big screen behaves: keeps the board by merging updates into the
snapshot, notices gaps, reconnects (to any of the given servers) with `?since=<last seq>` after a drop,
with backoff, and pings so that a silent connection still learns the current seq. Every frame it receives
is checked against the websocket schema the servers publish (tests/e2e/frames.py); `stop()` fails on an
off-schema frame, so a drift between the servers and their document fails the test."""

from __future__ import annotations

import asyncio
import json
import random

import websockets

from .frames import PublishedFrames


class Spectator:
    def __init__(self, hosts: list[str], contest_id: int, *, ping_every: float = 0.5):
        self.hosts = list(hosts)
        self.contest_id = contest_id
        self.ping_every = ping_every
        self.seq = -1
        self.rows: dict[int, dict[str, dict]] = {}  # event id -> code -> row
        self.reconnects = 0
        self.gaps = 0
        self.connected = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._stop = False
        self.frames: PublishedFrames | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        self._stop = True
        if self._task:
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):
                pass
        assert self.frames is not None, "the published websocket schema was never fetched"
        self.frames.assert_clean()

    def totals(self) -> dict[str, str]:
        return {code: row["total"] for rows in self.rows.values() for code, row in rows.items()}

    def _apply(self, message: dict) -> None:
        kind = message.get("type")
        if kind == "snapshot":
            self.rows = {event["id"]: {row["code"]: row for row in event["rows"]} for event in message["events"]}
            self.seq = message["seq"]
        elif kind == "update":
            if self.seq >= 0 and message["seq"] != self.seq + 1:
                self.gaps += 1
            for event in message.get("events", []):
                rows = self.rows.setdefault(event["id"], {})
                for row in event.get("rows", []):
                    rows[row["code"]] = row
                for code in event.get("removed", []):
                    rows.pop(code, None)
            for event_id in message.get("removed_events", []):
                self.rows.pop(event_id, None)
            self.seq = max(self.seq, message["seq"])

    async def _run(self) -> None:
        self.frames = await asyncio.to_thread(PublishedFrames.of, f"http://{self.hosts[0]}")
        delay = 0.1
        attempt = 0
        while not self._stop:
            host = self.hosts[attempt % len(self.hosts)]
            attempt += 1
            query = f"?since={self.seq}" if self.seq >= 0 else ""
            try:
                async with websockets.connect(f"ws://{host}/ws/competitions/{self.contest_id}/board/{query}",
                                              open_timeout=5, close_timeout=1) as ws:
                    delay = 0.1
                    self.connected.set()
                    await self._session(ws)
            except (TimeoutError, OSError, websockets.WebSocketException):
                pass
            self.connected.clear()
            if not self._stop:
                self.reconnects += 1
                await asyncio.sleep(delay * random.uniform(0.5, 1.5))
                delay = min(delay * 2, 2.0)

    async def _session(self, ws) -> None:
        async def pinger():
            while True:
                await asyncio.sleep(self.ping_every)
                await ws.send(json.dumps({"type": "ping"}))

        ping_task = asyncio.create_task(pinger())
        try:
            async for text in ws:
                self.frames.check(ws.request.path, text)
                message = json.loads(text)
                if message.get("type") == "pong" and message.get("seq", -1) > self.seq:
                    await ws.send(json.dumps({"type": "resync", "since": self.seq}))
                    continue
                self._apply(message)
        finally:
            ping_task.cancel()


async def wait_for(condition, timeout: float, step: float = 0.05) -> bool:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        if condition():
            return True
        await asyncio.sleep(step)
    return condition()
