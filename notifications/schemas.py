from datetime import datetime

from ninja import Schema
from pydantic import Field

from miniprogram_api.schemas import Id


class NotificationOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    data: dict
    created_at: datetime
    read: bool


class NotificationPage(Schema):
    unread: int
    items: list[NotificationOut]


class MarkReadIn(Schema):
    ids: list[Id] | None = Field(None, max_length=500, description="不传则全部标为已读")


class MarkReadOut(Schema):
    updated: int
