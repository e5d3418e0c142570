"""The shapes shared by every websocket's messages (each app declares its own in `<app>/ws_schemas.py`;
backend/realtime_schema.py publishes them all as JSON Schema at GET /api/v1/realtime/schema.json).

Consumers and services build every frame through these models (`frame(Model(...))`), so nothing reaches
a client that the published schema does not describe (`extra="forbid"`)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict


def _type_is_required(schema: dict[str, Any]) -> None:
    """Every frame carries its `type` (a default only so that code need not repeat it)."""
    if "type" in schema.get("properties", {}) and "type" not in schema.setdefault("required", []):
        schema["required"].insert(0, "type")


class WsMessage(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra=_type_is_required)

    def frame(self) -> str:
        """The text frame: compact JSON, Chinese as is (not \\uXXXX)."""
        return self.model_dump_json()


class ErrorMessage(WsMessage):
    """The server could not use a message the client sent (nothing changed)."""

    type: Literal["error"] = "error"
    code: str
    message: str


class PingMessage(WsMessage):
    """Client → server: a heartbeat; the server answers pong."""

    type: Literal["ping"] = "ping"


class ResyncMessage(WsMessage):
    """Client → server: send me what I missed after `since` (a board seq, a notification id)."""

    type: Literal["resync"] = "resync"
    since: int


class PongMessage(WsMessage):
    """Server → client: the answer to ping."""

    type: Literal["pong"] = "pong"
