from __future__ import annotations

from datetime import datetime

from ninja import Schema


class PhotoOut(Schema):
    id: int
    width: int
    height: int
    url: str
    thumbnail_url: str
    taken_at: datetime | None
