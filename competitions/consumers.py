"""Websockets: the public board, the jury board and the judge's console.

Consumers do no scoring and no serialising of boards: a board update arrives from the process's hub
(competitions/fanout.py) as ready text with its seq, and the consumer forwards it. What they do is keep
each client's stream gapless and in order: an update that arrives ahead of a missing seq (two server
processes may publish out of order) is held briefly, then the gap is filled from the database's update
log, or the client gets a fresh snapshot. A client that noticed a gap itself sends {"type": "resync", "since": N}.
"""

from __future__ import annotations

import asyncio
import json
import logging

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from accounts.auth import user_from_scope
from miniprogram_api.realtime import CLOSE_FORBIDDEN, CLOSE_NOT_FOUND, CLOSE_UNAUTHORIZED, NewsConsumer
from miniprogram_api.ws_schemas import ErrorMessage, PongMessage, WsMessage

from . import board, fanout, selectors
from .ws_schemas import BoardPongMessage, JudgeHelloMessage, ResyncedMessage

logger = logging.getLogger(__name__)

REORDER_WAIT = fanout.REORDER_WAIT  # seconds to wait for a missing seq before reading it from the database
# A screen whose client stops reading keeps at most this many updates queued; past it they are replaced
# by one snapshot (counted in shixun_board_screen_repairs_total{reason="overflow"}).
INBOX_LIMIT = 200
SNAPSHOT = object()  # an inbox item: send a fresh snapshot


class BoardConsumer(AsyncWebsocketConsumer):
    """ws /ws/competitions/{id}/board/ (public, no login).

    Screens are fed by their process's hub (competitions/fanout.py), not by a channel-layer channel of
    their own: `channel_layer_alias` names no layer, so Channels gives them none."""

    jury = False
    channel_layer_alias = "board-screens-are-fed-by-competitions.fanout"

    async def connect(self):
        self.contest_id = int(self.scope["url_route"]["kwargs"]["contest_id"])
        self.last_seq = -1
        self.pending: dict[int, str] = {}
        self.inbox: asyncio.Queue = asyncio.Queue()
        self.gap_task: asyncio.Task | None = None
        self.writer: asyncio.Task | None = None
        self.group = None
        self.send_lock = asyncio.Lock()
        await self.accept()
        if not await self.authorise():
            return
        self.group = board.jury_group(self.contest_id) if self.jury else board.public_group(self.contest_id)
        # Subscribe first, then read the snapshot: an update committed in between arrives with a seq the
        # snapshot already covers and is dropped, so nothing is lost and nothing shown twice.
        await fanout.attach(self)
        since = _since_from_query(self.scope)
        async with self.send_lock:
            if since is not None and await self.contest_exists():
                # A reconnecting client says where it was: send what it missed, or a snapshot.
                await self._resync(since)
                found = True
            else:
                found = await self.send_snapshot()
        if not found:
            await fanout.detach(self)  # the client may never say goodbye; the hub must not wait for it
            self.group = None
            await self.close(code=CLOSE_NOT_FOUND)
            return
        self.writer = asyncio.create_task(self.write())

    # -- fed by the hub (plain calls, never blocking the hub) --
    def offer(self, seq: int, text: str) -> None:
        if self.inbox.qsize() >= INBOX_LIMIT:
            fanout.BOARD_REPAIRS.labels("overflow").inc()
            logger.warning("board %s: a screen is %d updates behind; it gets a snapshot instead",
                           self.contest_id, self.inbox.qsize())
            while not self.inbox.empty():
                self.inbox.get_nowait()
            self.inbox.put_nowait(SNAPSHOT)
            return
        self.inbox.put_nowait((seq, text))

    def offer_snapshot(self) -> None:
        self.inbox.put_nowait(SNAPSHOT)

    async def write(self):
        try:
            while True:
                item = await self.inbox.get()
                async with self.send_lock:
                    if item is SNAPSHOT:
                        await self.send_snapshot()
                    else:
                        await self._board_update(*item)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the client went away mid-send; disconnect() tidies up
            logger.info("board %s: a screen stopped taking updates: %r", self.contest_id, exc)

    async def authorise(self) -> bool:
        return True

    async def contest_exists(self) -> bool:
        return await selectors.board_exists(self.contest_id)

    async def disconnect(self, code):
        for task in (self.gap_task, self.writer):
            if task:
                task.cancel()
        if self.group:
            await fanout.detach(self)

    async def send_snapshot(self) -> bool:
        found = await database_sync_to_async(board.snapshot)(self.contest_id, jury=self.jury)
        if found is None:
            return False
        seq, text = found
        self.last_seq = seq
        self.pending = {s: t for s, t in self.pending.items() if s > seq}
        await self.send(text_data=text)
        await self.flush()
        return True

    async def receive(self, text_data=None, bytes_data=None):
        try:
            message = json.loads(text_data or "")
        except ValueError:
            await self.send_message(ErrorMessage(code="malformed_json", message="消息不是合法的 JSON"))
            return
        kind = message.get("type") if isinstance(message, dict) else None
        if kind == "ping":
            await self.send_message(BoardPongMessage(seq=self.last_seq))
        elif kind == "resync":
            since = message.get("since")
            if not isinstance(since, int) or isinstance(since, bool):
                await self.send_message(ErrorMessage(code="bad_since", message="since 应为整数序号"))
                return
            await self.resync(since)
        else:
            await self.send_message(ErrorMessage(code="unknown_type", message="不支持的消息类型"))

    async def resync(self, since: int):
        async with self.send_lock:
            await self._resync(since)

    async def _resync(self, since: int):
        updates = await database_sync_to_async(board.updates_since)(self.contest_id, since, jury=self.jury)
        if updates is None:
            await self.send_snapshot()
        else:
            for _seq, text in updates:
                await self.send(text_data=text)
            if updates:
                self.last_seq = max(self.last_seq, updates[-1][0])
            await self.send_message(ResyncedMessage(since=since, seq=updates[-1][0] if updates else since,
                                                    missed=len(updates)))

    async def _board_update(self, seq: int, text: str):
        if seq <= self.last_seq:
            return
        if seq == self.last_seq + 1:
            self.last_seq = seq
            await self.send(text_data=text)
            await self.flush()
            return
        # Two server processes may publish out of order: hold it briefly, then fill the gap.
        self.pending[seq] = text
        if self.gap_task is None or self.gap_task.done():
            self.gap_task = asyncio.create_task(self.fill_gap())

    async def flush(self):
        while self.last_seq + 1 in self.pending:
            self.last_seq += 1
            await self.send(text_data=self.pending.pop(self.last_seq))

    async def fill_gap(self):
        await asyncio.sleep(REORDER_WAIT)
        async with self.send_lock:
            await self._fill_gap()

    async def _fill_gap(self):
        if not self.pending:
            return
        upto = max(self.pending)
        if self.last_seq + 1 in self.pending:
            await self.flush()
            if not self.pending:
                return
        rows = await database_sync_to_async(board.updates_between)(self.contest_id, self.last_seq, upto,
                                                                   jury=self.jury)
        if rows is None:
            logger.warning("board %s: gap after seq %s not in the update log; sending a snapshot",
                           self.contest_id, self.last_seq)
            await self.send_snapshot()
            return
        for seq, text in rows:
            if seq > self.last_seq:
                self.last_seq = seq
                await self.send(text_data=text)
        self.pending = {s: t for s, t in self.pending.items() if s > self.last_seq}
        await self.flush()

    async def send_message(self, message: WsMessage):
        await self.send(text_data=message.frame())


class JuryBoardConsumer(BoardConsumer):
    """ws /ws/competitions/{id}/jury/?token=… (chief judge, arbitrator, admin): live even when frozen,
    with moderation flags and names."""

    jury = True

    async def authorise(self) -> bool:
        user = await user_from_scope(self.scope)
        if user is None:
            await self.close(code=CLOSE_UNAUTHORIZED)
            return False
        allowed = await database_sync_to_async(_may_see_jury)(user, self.contest_id)
        if allowed is None:
            await self.close(code=CLOSE_NOT_FOUND)
            return False
        if not allowed:
            await self.close(code=CLOSE_FORBIDDEN)
            return False
        return True


def _since_from_query(scope) -> int | None:
    from urllib.parse import parse_qs

    values = parse_qs((scope.get("query_string") or b"").decode()).get("since")
    if not values:
        return None
    try:
        return int(values[0])
    except ValueError:
        return None


def _may_see_jury(user, contest_id: int) -> bool | None:
    return selectors.may_see_jury(user, contest_id)


class JudgeConsumer(NewsConsumer, AsyncWebsocketConsumer):
    """ws /ws/judging/?token=…: acks of my marks, re-mark requests, lock/unlock/publish news."""

    news_types = frozenset({"judge.message"})

    async def connect(self):
        self.group = None
        await self.accept()
        user = await user_from_scope(self.scope)
        if user is None:
            await self.close(code=CLOSE_UNAUTHORIZED)
            return
        hello = await database_sync_to_async(_judge_hello)(user)
        if hello is None:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.group = board.judge_group(user.id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.send(text_data=hello.frame())

    async def disconnect(self, code):
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        try:
            message = json.loads(text_data or "")
        except ValueError:
            message = None
        if isinstance(message, dict) and message.get("type") == "ping":
            await self.send(text_data=PongMessage().frame())
        else:
            await self.send(text_data=ErrorMessage(code="unknown_type", message="不支持的消息类型").frame())

    async def judge_message(self, event):
        # services build the news through JudgeServerMessage (competitions.services.notify_judges)
        await self.send(text_data=event["text"])


def _judge_hello(user) -> JudgeHelloMessage | None:
    events = selectors.judged_event_ids(user)
    if events is None:
        return None
    return JudgeHelloMessage(user_id=user.id, events=events, remarks=selectors.pending_remarks_for(user))
