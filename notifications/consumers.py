"""`/ws/notifications/`: a user's live in-app messages.

Protocol (JSON text frames):
- on connect: {"type": "hello", "unread": N, "last_id": id of the newest notification}
- then, per new notification: {"type": "notification", "id", "kind", "title", "body", "data", "created_at", "read"}
- the client may send {"type": "resync", "since": id} and receives every notification with a larger id
  (oldest first, at most 100) as {"type": "backlog", "items": [...]}: after a reconnect nothing is missed.
{"type": "ping"} is answered {"type": "pong"}. Every frame is a model of notifications/ws_schemas.py.
Close codes: 4401 without a valid token (accepted, then closed: miniprogram_api.realtime.refuse).
"""

from __future__ import annotations

import json

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from accounts.auth import user_from_scope
from miniprogram_api.realtime import CLOSE_UNAUTHORIZED, NewsConsumer, refuse
from miniprogram_api.ws_schemas import ErrorMessage, PongMessage

from . import selectors
from .services import user_group
from .ws_schemas import BacklogMessage, NotificationMessage, NotificationsHelloMessage


class NotificationConsumer(NewsConsumer, AsyncWebsocketConsumer):
    news_types = frozenset({"notification.message"})

    async def connect(self):
        self.user = await user_from_scope(self.scope)
        if self.user is None:
            await refuse(self, CLOSE_UNAUTHORIZED)
            return
        self.group = user_group(self.user.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        summary = await database_sync_to_async(selectors.summary)(self.user)
        await self.send(text_data=NotificationsHelloMessage(**summary).frame())

    async def disconnect(self, code):
        if getattr(self, "group", None):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        try:
            message = json.loads(text_data or "")
            if message.get("type") == "ping":
                await self.send(text_data=PongMessage().frame())
                return
            since = int(message.get("since", 0)) if message.get("type") == "resync" else None
        except (ValueError, TypeError, AttributeError):
            since = None
        if since is None:
            await self.send(text_data=ErrorMessage(code="bad_message", message="无法识别的消息").frame())
            return
        items = await database_sync_to_async(selectors.since)(self.user, since)
        await self.send(text_data=BacklogMessage(items=items).frame())

    async def notification_message(self, event):
        await self.send(text_data=NotificationMessage(**event["payload"]).frame())
