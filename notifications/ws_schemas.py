"""Websocket messages of /ws/notifications/ (docs/API.md, "Notifications")."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, RootModel

from miniprogram_api.ws_schemas import ErrorMessage, PingMessage, PongMessage, ResyncMessage, WsMessage


class NotificationItem(WsMessage):
    id: int
    kind: str
    title: str
    body: str
    data: dict[str, Any] = Field(description="ids the mini-program needs to open the right page")
    created_at: str
    read: bool


class NotificationsHelloMessage(WsMessage):
    type: Literal["hello"] = "hello"
    unread: int
    last_id: int = Field(description="the newest notification's id (0: none yet)")


class NotificationMessage(NotificationItem):
    type: Literal["notification"] = "notification"


class BacklogMessage(WsMessage):
    """The answer to resync: every notification after `since`, oldest first, at most 100."""

    type: Literal["backlog"] = "backlog"
    items: list[NotificationItem]


class NotificationsServerMessage(RootModel):
    """What /ws/notifications/ sends."""

    root: Annotated[NotificationsHelloMessage | NotificationMessage | BacklogMessage | PongMessage | ErrorMessage,
                    Field(discriminator="type")]


class NotificationsClientMessage(RootModel):
    root: Annotated[PingMessage | ResyncMessage, Field(discriminator="type")]
