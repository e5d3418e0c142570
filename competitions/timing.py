"""Practical timing (实操计时): the chief judge or a timekeeper starts and stops each entry's task; an event
with a time limit applies its overtime rule (docs/SCORING.md "Timing").

- `penalty`: `overtime_penalty` is deducted from the total for every **started** minute over the limit
  (limit 30 min, stopped at 31:10 → 2 started minutes → 2 × penalty), never below 0 in total.
- `stop`: the task ends at the limit: a stop recorded later counts as the limit (`stopped_automatically`),
  and a task never stopped is over at start + limit; no penalty.

Start and stop are written by competitions/timekeeping.py. This module is the arithmetic and the reads,
used by the board, the services and the export.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction

from django.utils import timezone

from .models import Entry, Event, TimingRecord


# --- the arithmetic -----------------------------------------------------------------------------------
def figures(event: Event, started: datetime | None, stopped: datetime | None, now: datetime | None = None) -> dict:
    """An entry's timing as the boards show it (penalty as an exact Decimal string)."""
    limit = event.time_limit_minutes * 60 if event.time_limit_minutes else None
    auto = False
    if started is not None and limit is not None and event.overtime_rule == "stop":
        end = started + timedelta(seconds=limit)
        if stopped is not None and stopped > end:
            stopped, auto = end, True
        elif stopped is None and (now or timezone.now()) >= end:
            stopped, auto = end, True
    elapsed = int((stopped - started).total_seconds()) if started and stopped else None
    over = max(0, elapsed - limit) if elapsed is not None and limit is not None else 0
    minutes = math.ceil(over / 60) if over else 0
    penalty = event.overtime_penalty * minutes if event.overtime_rule == "penalty" else Decimal(0)
    return {"started_at": started.isoformat() if started else None,
            "stopped_at": stopped.isoformat() if stopped else None,
            "running": started is not None and stopped is None, "stopped_automatically": auto,
            "elapsed_seconds": elapsed, "limit_seconds": limit, "overtime_seconds": over,
            "overtime_minutes": minutes, "penalty": str(penalty.quantize(Decimal("0.01")))}


def load(event: Event) -> None:
    """Read the event's start/stop facts once per board computation (no query without a time limit)."""
    records: dict[int, dict[str, datetime]] = {}
    if event.time_limit_minutes:
        for entry_id, kind, at in TimingRecord.objects.filter(entry__event=event).values_list("entry_id", "kind", "at"):
            records.setdefault(entry_id, {})[kind] = at
    event._timing = records  # type: ignore[attr-defined]


def of_entry(event: Event, entry_id: int) -> dict | None:
    """The entry's timing figures (after `load`), None for an event without a time limit."""
    if not event.time_limit_minutes:
        return None
    records = getattr(event, "_timing", None)
    if records is None:
        load(event)
        records = event._timing  # type: ignore[attr-defined]
    mine = records.get(entry_id, {})
    return figures(event, mine.get("start"), mine.get("stop"))


def penalised(total: Fraction, timing: dict | None) -> Fraction:
    if not timing:
        return total
    return max(Fraction(0), total - Fraction(Decimal(timing["penalty"])))


def event_timing(event: Event) -> list[dict]:
    """Every entry's timing (results, results.xlsx)."""
    load(event)
    return [{"entry_id": e.id, "code": e.code, **(of_entry(event, e.id) or {})}
            for e in Entry.objects.filter(event=event).exclude(code="").order_by("code")]


def unfinished(event: Event) -> list[dict]:
    """Entries of a timed event whose task was never started, or is still running (by the penalty rule; by
    the stop rule a task is over at the limit): the event cannot be locked until they are timed."""
    if not event.time_limit_minutes:
        return []
    return [{"entry_id": row["entry_id"], "code": row["code"], "started": row["started_at"] is not None}
            for row in event_timing(event) if row["started_at"] is None or row["running"]]
