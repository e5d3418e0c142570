"""Awards (获奖等次), the pure rule: prize tiers of a published event by share or by rank, computed from the published
ranks at publication and again at every republication (docs/SCORING.md "Awards").

- By share (`award_mode = "share"`): tier i covers the positions up to `round_half_up(N × (s1 + … + si) ÷
  100)`, N the number of ranked entries: the cumulative share is rounded once, so the tiers never add up to
  more than the shares allow in total (12 entries, 10/20/30 %: 1.2 → 1, 3.6 → 4, 7.2 → 7: 1, 3, 3 places).
- By rank (`award_mode = "rank"`): tier i covers the positions up to c1 + … + ci (top 1 / next 2 / next 3).
- Ties share a tier: an entry gets the first tier whose last position is at or after its (shared) rank, so
  every entry tied at that rank gets it even past the tier's quota; later tiers keep their positions (two
  tied first with one first prize: both 一等奖, and rank 3 is the next one considered).
- `award_merit`: every ranked entry without a prize gets 优胜奖.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

DEFAULT_NAMES = ("一等奖", "二等奖", "三等奖", "四等奖", "五等奖")
MERIT = "优胜奖"


@dataclass(frozen=True)
class Tier:
    name: str
    order: int  # 1 = the best
    last_position: int


def tiers_of(event: Any, ranked: int) -> list[Tier]:
    """The event's tiers with the last position each covers, for `ranked` entries."""
    if event.award_mode not in ("share", "rank"):
        return []
    out, cumulative = [], Decimal(0)
    last = 0
    for index, tier in enumerate(event.award_tiers or []):
        value = Decimal(str(tier.get("value", 0) if isinstance(tier, dict) else tier))
        name = (tier.get("name") if isinstance(tier, dict) else None) or DEFAULT_NAMES[min(index, 4)]
        cumulative += value
        if event.award_mode == "share":
            position = int((Decimal(ranked) * cumulative / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        else:
            position = int(cumulative)
        last = max(last, min(position, ranked))
        out.append(Tier(name=name, order=index + 1, last_position=last))
    return out


def assign(event: Any, ranks: list[tuple[Any, int | None]]) -> dict[Any, Tier]:
    """Key → tier for (key, rank) pairs of the ranked entries (rank None: not ranked, no prize)."""
    ranked = [(key, rank) for key, rank in ranks if rank is not None]
    tiers = tiers_of(event, len(ranked))
    if not tiers and not event.award_merit:
        return {}
    merit = Tier(name=MERIT, order=len(tiers) + 1, last_position=len(ranked)) if event.award_merit else None
    out = {}
    for key, rank in ranked:
        tier = next((t for t in tiers if rank <= t.last_position), merit)
        if tier is not None:
            out[key] = tier
    return out


def problems(event: Any) -> list[str]:
    """What is wrong with an event's award settings (checked in the admin form and by the tests)."""
    if event.award_mode == "":
        return ["设置了奖项档次但未选择设置方式"] if event.award_tiers else []
    errors = []
    values = []
    for tier in event.award_tiers or []:
        value = tier.get("value") if isinstance(tier, dict) else tier
        try:
            values.append(Decimal(str(value)))
        except Exception:
            errors.append(f"奖项档次的数值无效：{value}")
    if any(v <= 0 for v in values):
        errors.append("奖项比例或人数应大于 0")
    if event.award_mode == "share" and sum(values, Decimal(0)) > 100:
        errors.append("各奖项比例之和不能超过 100%")
    if event.award_mode == "rank" and any(v != v.to_integral_value() for v in values):
        errors.append("按名次设奖时人数应为整数")
    return errors
