"""Watched-time arithmetic, pure and exact (Decimal seconds to 0.1 s). The rules (docs/adr/0020):

- What a learner watched of a video is the union of the ranges the phone reported, clamped to the
  video's duration; ranges closer than `GAP` merge (reports are discrete).
- With "no skipping" a course credits only the part watched contiguously from the start (the union's
  first component, if it starts at 0): ranges beyond the furthest contiguous point do not count until the
  gap before them is watched.
- Credited seconds never exceed the wall time since the lesson was first opened on the server (plus a
  grace of one report interval), and never go down: credited = max(credited, min(countable, elapsed + grace)).
  Union makes replays and out-of-order batches harmless; the cap, computed under the lesson's row lock
  from the server's clock, makes parallel devices and invented ranges harmless.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

TENTH = Decimal("0.1")
ZERO = Decimal("0")
GAP = Decimal("1")  # ranges closer than this are one range


def q(value) -> Decimal:
    """Seconds to 0.1 s, half up."""
    return Decimal(value).quantize(TENTH, rounding=ROUND_HALF_UP)


Range = tuple[Decimal, Decimal]


@dataclass(frozen=True)
class Clamped:
    ranges: list[Range]
    clamped: bool  # some reported part lay outside [0, duration]


def clamp(ranges: Iterable[tuple], duration: Decimal | None) -> Clamped:
    """Ranges cut to [0, duration] (empty ones dropped); `clamped` says whether anything was cut."""
    out: list[Range] = []
    cut = False
    for start, end in ranges:
        start, end = q(start), q(end)
        if start < ZERO:
            start, cut = ZERO, True
        if duration is not None and end > duration:
            end, cut = duration, True
        if duration is not None and start > duration:
            start, cut = duration, True
        if end > start:
            out.append((start, end))
    return Clamped(out, cut)


def union(ranges: Iterable[Range]) -> list[Range]:
    merged: list[list[Decimal]] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1] + GAP:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(a, b) for a, b in merged]


def length(ranges: Iterable[Range]) -> Decimal:
    return sum((end - start for start, end in ranges), ZERO)


def contiguous_end(ranges: list[Range]) -> Decimal:
    """How far the learner has watched without a gap from the start (0 if the union does not start there)."""
    merged = union(ranges)
    if merged and merged[0][0] <= GAP:
        return merged[0][1]
    return ZERO


def countable(ranges: list[Range], *, prevent_skipping: bool) -> Decimal:
    """Seconds that may count: the whole union, or with no skipping only its first, contiguous part."""
    merged = union(ranges)
    if prevent_skipping:
        return contiguous_end(merged)
    return length(merged)


def credit(*, credited: Decimal, countable_s: Decimal, elapsed_s: Decimal, grace_s: Decimal) -> Decimal:
    """The new credited seconds: never more than the wall time allows, never less than before."""
    allowed = min(countable_s, max(elapsed_s, ZERO) + grace_s)
    return q(max(credited, allowed))


def share_watched(credited_s: Decimal, duration: Decimal | None) -> Decimal:
    if not duration:
        return ZERO
    return min(credited_s / duration, Decimal("1"))
