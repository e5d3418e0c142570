"""Field types shared by every app's schemas: the contract's scalar types, strict where pydantic's lax
mode would guess (docs/adr/0061).

pydantic, by default, reads `0` as `false`, `0` (or `"0"`) as 1970-01-01, and `"1.5e3"` as an id; a phone
that sends the wrong type must get a 422 naming the field instead. Query strings arrive as text, so the
types accept the text forms the mini-program sends (`true`/`false`, `2026-03-01`) and nothing else.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BeforeValidator, Field
from pydantic_core import PydanticCustomError


def _not_a_bool(value: Any) -> Any:
    """pydantic's lax int reads `true` as 1 and `false` as 0 (`{"entry_id": true}` named entry 1)."""
    if isinstance(value, bool):
        raise PydanticCustomError("int_type", "应为整数")
    return value


# An integer in a body or a query string, never a boolean.
Int = Annotated[int, BeforeValidator(_not_a_bool)]


def int_between(low: int, high: int) -> Any:
    """An Int within [low, high] as a type, for optional fields (`int_between(1, 52) | None`): bounds given
    by a Field on the `| None` union would be checked but published as raw `ge`/`le` keys, not as the
    integer's minimum and maximum, so neither the typed client nor the fuzzer would see them."""
    return Annotated[int, Field(ge=low, le=high), BeforeValidator(_not_a_bool)]


# Database ids: positive and within a 64-bit integer, so that absurd numbers are a 422, not a crash.
ID_MAX = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=ID_MAX), BeforeValidator(_not_a_bool)]

# List pages: `limit` rows from `offset`; both bounded so that no database is asked for an absurd page.
OFFSET_MAX = 1_000_000
Offset = Annotated[int, Field(ge=0, le=OFFSET_MAX, description="跳过的条数（0–1000000）"),
                  BeforeValidator(_not_a_bool)]
Limit = Annotated[int, Field(ge=1, le=100, description="每页条数（1–100）"), BeforeValidator(_not_a_bool)]

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_NUMBER = re.compile(r"\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*")


def _strict_bool(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise PydanticCustomError("bool_type", "应为 true 或 false")


def _strict_date(value: Any) -> Any:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _DATE.fullmatch(value):
        return value
    raise PydanticCustomError("date_type", "应为日期（YYYY-MM-DD）")


def _strict_datetime(value: Any) -> Any:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and _DATE.match(value) and not _NUMBER.fullmatch(value):
        return value
    raise PydanticCustomError("datetime_type", "应为 ISO 8601 时间（如 2026-03-01T09:30:00+08:00）")


Bool = Annotated[bool, BeforeValidator(_strict_bool)]
Date = Annotated[date, BeforeValidator(_strict_date)]
DateTime = Annotated[datetime, BeforeValidator(_strict_datetime)]
