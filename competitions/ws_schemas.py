"""Websocket messages of competitions: the board (public and jury views) and the judge's console.

Board frames are serialised once per seq and forwarded as text by every consumer (board.py builds them
here); docs/API.md describes the protocol, these models are its exact shape."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, RootModel, SerializerFunctionWrapHandler, model_serializer

from miniprogram_api.ws_schemas import ErrorMessage, PingMessage, PongMessage, ResyncMessage, WsMessage


# -- the board ----------------------------------------------------------------------------------------
class BoardSection(WsMessage):
    id: int
    name: str
    weight: str = Field(description="decimal as text, e.g. \"20.00\"")


class BoardAspect(WsMessage):
    id: int
    name: str
    section_id: int
    kind: str


class ModerationFlag(WsMessage):
    aspect_id: int
    aspect: str
    spread: str
    limit: str


class _OptionalAfterPublication(WsMessage):
    """Rows carry `award` (and the jury's `timing`) only when there is one: a row of an unpublished event
    without timing is exactly what it was before these fields existed (H5: awards and timing)."""

    @model_serializer(mode="wrap")
    def _drop_absent(self, handler: SerializerFunctionWrapHandler):
        data = handler(self)
        for name in ("award", "timing"):
            if name in data and name not in self.model_fields_set:
                del data[name]
        return data


class EntryTiming(WsMessage):
    """An entry's practical task time (docs/SCORING.md "Timing"); times in UTC ISO 8601."""

    started_at: str | None
    stopped_at: str | None = Field(description="null while running; the limit when stopped automatically")
    running: bool
    stopped_automatically: bool
    elapsed_seconds: int | None
    limit_seconds: int | None
    overtime_seconds: int
    overtime_minutes: int = Field(description="started minutes over the limit")
    penalty: str = Field(description="deducted from the total (decimal as text)")


class PublicRow(_OptionalAfterPublication):
    rank: int | None = Field(description="null while the entry is being marked (blind judging, docs/SCORING.md)")
    code: str
    name: str | None = Field(description="null until the event's results are published")
    total: str | None = Field(description="null until every judge of the entry's panel has submitted")
    sections: dict[str, str | None] = Field(description="section id → section score (decimal as text; null "
                                                        "while being marked)")
    scored: bool = Field(description="whether the entry's figures are public yet")
    award: str | None = Field(None, description="the prize (一等奖 …); only on rows of published events")


class JuryRow(_OptionalAfterPublication):
    rank: int
    code: str
    entry_id: int
    name: str
    unit: str
    total: str
    sections: dict[str, str]
    flags: list[ModerationFlag]
    marked: int
    expected: int
    submitted: int
    judges: int
    remarks: list[int] = Field(description="aspect ids with an open re-mark request")
    award: str | None = Field(None, description="the prize (一等奖 …); only on rows of published events")
    timing: EntryTiming | None = Field(None, description="only for events with a time limit")


class PublicEventHeader(WsMessage):
    id: int
    name: str
    state: str
    sections: list[BoardSection]
    frozen: bool


class SchemeChangeEntry(WsMessage):
    at: str
    actor: dict[str, int | str]
    reason: str
    state: str
    changes: list[dict[str, str | int | bool | None]]


class JuryEventHeader(PublicEventHeader):
    aspects: list[BoardAspect]
    scheme_changes: list[SchemeChangeEntry] = Field(default_factory=list,
                                                    description="the chief judge's scheme changes after opening")


class PublicEventSnapshot(PublicEventHeader):
    rows: list[PublicRow]


class JuryEventSnapshot(JuryEventHeader):
    rows: list[JuryRow]


class PublicEventUpdate(PublicEventHeader):
    rows: list[PublicRow] = Field(description="only the rows that changed: merge them by code")
    removed: list[str] = Field(description="codes no longer on the board")


class JuryEventUpdate(JuryEventHeader):
    rows: list[JuryRow] = Field(description="only the rows that changed: merge them by code")
    removed: list[str] = Field(description="codes no longer on the board")


class BoardContest(WsMessage):
    id: int
    name: str


class BoardSnapshotMessage(WsMessage):
    """The whole board as of `seq` (on connect, and whenever a gap cannot be filled)."""

    type: Literal["snapshot"] = "snapshot"
    seq: int
    ts: float = Field(description="epoch milliseconds")
    frozen: bool
    freeze_at: str | None
    contest: BoardContest
    view: Literal["public", "jury"]
    events: list[PublicEventSnapshot] | list[JuryEventSnapshot]


class BoardUpdateMessage(WsMessage):
    """One committed change: seq is the previous seq + 1."""

    type: Literal["update"] = "update"
    seq: int
    ts: float
    frozen: bool
    events: list[PublicEventUpdate] | list[JuryEventUpdate]
    removed_events: list[int]


class ResyncedMessage(WsMessage):
    """After a resync: `missed` updates (seq since+1 … seq) were sent before this message."""

    type: Literal["resynced"] = "resynced"
    since: int
    seq: int
    missed: int


class BoardPongMessage(WsMessage):
    type: Literal["pong"] = "pong"
    seq: int = Field(description="the last seq this connection was sent")


class BoardServerMessage(RootModel):
    """What /ws/competitions/{id}/board/ and …/jury/ send."""

    root: Annotated[BoardSnapshotMessage | BoardUpdateMessage | ResyncedMessage | BoardPongMessage | ErrorMessage,
                    Field(discriminator="type")]


class BoardClientMessage(RootModel):
    """What a board client may send."""

    root: Annotated[PingMessage | ResyncMessage, Field(discriminator="type")]


# -- the judge's console --------------------------------------------------------------------------------
class PendingRemark(WsMessage):
    id: int
    event_id: int
    entry_id: int
    code: str
    aspect_id: int
    reason: str
    source: str


class JudgeHelloMessage(WsMessage):
    type: Literal["hello"] = "hello"
    user_id: int
    events: list[int] = Field(description="events this judge sits on")
    remarks: list[PendingRemark]


class AckedMark(WsMessage):
    id: int
    entry_id: int
    aspect_id: int
    value: str
    revision: int
    source: str
    submitted: bool
    created_at: str
    client_id: str
    replayed: bool


class AckMessage(WsMessage):
    """My marks were stored (also those sent from another device)."""

    type: Literal["ack"] = "ack"
    marks: list[AckedMark]


class OverrideMessage(WsMessage):
    """The chief judge replaced one of my marks."""

    type: Literal["override"] = "override"
    event_id: int
    entry_id: int
    code: str
    aspect_id: int
    value: str
    revision: int
    reason: str


class ModerationMessage(WsMessage):
    """Please mark this aspect of this entry again."""

    type: Literal["moderation"] = "moderation"
    request_id: int
    event_id: int
    entry_id: int
    code: str
    aspect_id: int
    aspect: str
    reason: str
    source: str


class EventStateMessage(WsMessage):
    """An event I judge was opened, locked, unlocked or published."""

    type: Literal["event_state"] = "event_state"
    event_id: int
    state: str
    reason: str | None = None


class SchemeChangeMessage(WsMessage):
    """The chief judge changed the scheme of an event I judge (after opening, with a reason)."""

    type: Literal["scheme_change"] = "scheme_change"
    event_id: int
    reason: str
    changes: list[dict[str, str | int | bool | None]]


class JudgeServerMessage(RootModel):
    """What /ws/judging/ sends."""

    root: Annotated[JudgeHelloMessage | AckMessage | OverrideMessage | ModerationMessage | EventStateMessage
                    | SchemeChangeMessage | PongMessage | ErrorMessage, Field(discriminator="type")]


class JudgeClientMessage(RootModel):
    root: Annotated[PingMessage, Field(discriminator="type")]
