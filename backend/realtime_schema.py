"""GET /api/v1/realtime/schema.json: every websocket's messages as one JSON Schema document.

Each app declares its messages in `<app>/ws_schemas.py` (pydantic); this module only lists the sockets
(it is in the one layer that may read every app). `$defs` holds every message; `x-sockets` maps each
websocket path to the union of what the server sends and what a client may send. The mini-program's
TypeScript types are generated from this document (clients/miniprogram, `make client-types`), and the
tests validate every frame they receive against it (tests/realtime/frames.py)."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from django.http import HttpRequest
from ninja import Router
from pydantic import BaseModel, TypeAdapter
from pydantic.json_schema import models_json_schema

from competitions.ws_schemas import (
    BoardClientMessage,
    BoardServerMessage,
    JudgeClientMessage,
    JudgeServerMessage,
)
from notifications.ws_schemas import NotificationsClientMessage, NotificationsServerMessage

router = Router(tags=["系统"])

# path (as the client writes it) → (regex the path matches, what the server sends, what the client sends)
SOCKETS: dict[str, tuple[str, type[BaseModel], type[BaseModel]]] = {
    "/ws/notifications/": (r"^/ws/notifications/$", NotificationsServerMessage, NotificationsClientMessage),
    "/ws/competitions/{id}/board/": (r"^/ws/competitions/\d+/board/$", BoardServerMessage, BoardClientMessage),
    "/ws/competitions/{id}/jury/": (r"^/ws/competitions/\d+/jury/$", BoardServerMessage, BoardClientMessage),
    "/ws/judging/": (r"^/ws/judging/$", JudgeServerMessage, JudgeClientMessage),
}


@cache
def document() -> dict[str, Any]:
    models = sorted({m for _, server, client in SOCKETS.values() for m in (server, client)}, key=lambda m: m.__name__)
    _, schema = models_json_schema([(m, "validation") for m in models], ref_template="#/$defs/{model}")
    ref = "#/$defs/{}".format
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "/api/v1/realtime/schema.json",
        "title": "Shixun websocket messages",
        "description": "Every text frame is one JSON object of the union named for its socket and direction.",
        "$defs": schema["$defs"],
        "x-sockets": {path: {"server": {"$ref": ref(server.__name__)}, "client": {"$ref": ref(client.__name__)}}
                      for path, (_, server, client) in SOCKETS.items()},
    }


def socket_of(path: str) -> tuple[type[BaseModel], type[BaseModel]] | None:
    """(server messages, client messages) of the websocket at `path` (query string ignored)."""
    path = path.split("?", 1)[0]
    for pattern, server, client in SOCKETS.values():
        if re.match(pattern, path):
            return server, client
    return None


def validate_server_frame(path: str, text: str) -> BaseModel:
    """Parse a frame the server sent on `path`; raises pydantic.ValidationError if it is off-schema."""
    found = socket_of(path)
    if found is None:
        raise LookupError(f"no websocket is published at {path}")
    return TypeAdapter(found[0]).validate_json(text)


@router.get("/schema.json", auth=None, response={200: dict[str, Any]}, summary="全部实时消息（websocket）的 JSON Schema")
def schema(request: HttpRequest):
    return document()
