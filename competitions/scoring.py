"""The arithmetic of a contest, kept free of the database so it can be checked by hand.

Marks arrive as Decimal. Every intermediate value (means, aspect scores, sums) is an exact rational
(`fractions.Fraction` built from the Decimal, which is lossless), and the only rounding is the final one
to 2 places, ROUND_HALF_UP. Decimal arithmetic alone would round at every division (1 ÷ 3 has no finite
decimal), so "one rounding at the end" needs exact rationals in between. See docs/SCORING.md.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

CENT = Decimal("0.01")
TOLERANCE_SCALE = 3  # an event's tolerance is written on the WorldSkills 0–3 scale


def exact(value) -> Fraction:
    """A Decimal (or int/str) as an exact rational; floats are refused, they are already inexact."""
    if isinstance(value, float):
        raise TypeError("marks are never floats")
    return Fraction(Decimal(value))


def round_half_up(value: Fraction) -> Decimal:
    """The one rounding: to 2 places, halves away from zero (4.125 → 4.13, −4.125 → −4.13)."""
    sign = -1 if value < 0 else 1
    cents = math.floor(abs(value) * 100 + Fraction(1, 2))
    return (Decimal(sign * cents) / 100).quantize(CENT)


def trimmed(values: Sequence[Fraction], k: int) -> list[Fraction]:
    """Drop the k highest and k lowest when there are at least 2k + 3 marks (k=1: 5 or more, as the
    Chinese five-judge rule; k=2: 7 or more, as diving), so at least 3 marks always remain."""
    ordered = sorted(values)
    if k > 0 and len(ordered) >= 2 * k + 3:
        return ordered[k:len(ordered) - k]
    return ordered


def aggregate(values: Sequence[Fraction], method: str, k: int = 1) -> Fraction | None:
    """The panel's mark for a judgement aspect: `mean` or `trimmed` mean; None when nobody marked."""
    if not values:
        return None
    kept = trimmed(values, k) if method == "trimmed" else list(values)
    return sum(kept, Fraction(0)) / len(kept)


def judgement_score(*, max_mark, aggregated: Fraction, scale_max: int) -> Fraction:
    """Aspect score = max_mark × aggregate(judge marks) ÷ scale_max, exactly."""
    return exact(max_mark) * aggregated / scale_max


def spread_limit(tolerance, scale_max: int) -> Fraction:
    """The event's tolerance (on the 0–3 scale) in the aspect's own scale."""
    return exact(tolerance) * scale_max / TOLERANCE_SCALE


def needs_moderation(values: Sequence[Fraction], *, tolerance, scale_max: int) -> bool:
    return len(values) >= 2 and max(values) - min(values) > spread_limit(tolerance, scale_max)


@dataclass
class Ranked:
    key: object
    total: Decimal
    tie_break: tuple[Decimal, ...] = ()
    rank: int = 0
    extra: dict = field(default_factory=dict)


def assign_ranks(items: Iterable[Ranked]) -> list[Ranked]:
    """Total descending, then the tie-break values in order (each descending); entries still equal share
    the rank and the next rank skips (1, 1, 3). Ranks use the rounded values everyone sees, so anyone
    can check the board from the board."""
    ordered = sorted(items, key=lambda item: (item.total, item.tie_break), reverse=True)
    previous = None
    for position, item in enumerate(ordered, start=1):
        current = (item.total, item.tie_break)
        if current != previous:
            item.rank = position
            previous = current
        else:
            item.rank = ordered[position - 2].rank
    return ordered


# --- teams and rounds (issue 17) -----------------------------------------------------------------------
def team_label(team_name: str, members: str) -> str:
    """How the board and the results name a team: 队名（队员、队员）."""
    return f"{team_name}（{members}）" if members else team_name


def with_carry(own: Fraction, carried: Decimal | None, share_percent: Decimal | None) -> Fraction:
    """An entry's exact total in a round that carries `share_percent` % of the previous round's published
    total: share × carried + (1 − share) × own. Without a carried total (a fresh round) it is `own`."""
    if carried is None or not share_percent:
        return own
    share = exact(share_percent) / 100
    return share * exact(carried) + (1 - share) * own
