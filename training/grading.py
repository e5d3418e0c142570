"""Grading and item analysis, pure and exact (docs/adr/0022).

Grading: single choice and true/false score full points or nothing; multiple choice scores full points only
for exactly the right set (all or nothing, Moodle's "all or nothing" type: no partial credit for guessing);
a fill-in-the-blank question splits its points equally between its blanks, a blank being right when the
answer, normalised (NFKC, surrounding spaces removed, case folded), is one of its accepted answers.
Points are kept exact (Fractions) until the end: the paper's points to 0.1 (ROUND_HALF_UP), and the score
out of 100 = awarded ÷ total × 100 rounded half up to 0.1. Passed means score ≥ pass mark.

Item analysis (classical test theory): per question, the difficulty (facility) index p = mean of
awarded ÷ points over the attempts that had it; discrimination D = p(upper) − p(lower), the groups being
the top and bottom 27 % of graded attempts by score (at least one attempt each; ties broken by attempt id
so the groups are reproducible). Score distribution in ten bands of ten points (100 falls in the last).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

TENTH = Decimal("0.1")
HUNDREDTH = Decimal("0.01")
GROUP_SHARE = Fraction(27, 100)


def to_decimal(value: Fraction, places: Decimal = TENTH) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(places, rounding=ROUND_HALF_UP)


def normalise(text) -> str:
    return unicodedata.normalize("NFKC", str(text)).strip().casefold()


def blanks_of(answer) -> int:
    return len(answer) if isinstance(answer, list) else 0


@dataclass(frozen=True)
class Graded:
    awarded: Fraction
    correct: bool


def grade(kind: str, key, given, points: Decimal) -> Graded:
    """One answer against the key. A missing or malformed answer is simply wrong."""
    full = Fraction(points)
    if kind in ("single", "true_false"):
        right = given is not None and given == key
        return Graded(full if right else Fraction(0), right)
    if kind == "multiple":
        right = isinstance(given, list) and set(map(str, given)) == set(map(str, key)) and len(given) == len(set(given))
        return Graded(full if right else Fraction(0), right)
    if kind == "fill":
        blanks = key if isinstance(key, list) else []
        if not blanks:
            return Graded(Fraction(0), False)
        given_list = given if isinstance(given, list) else []
        hits = 0
        for index, accepted in enumerate(blanks):
            answer = given_list[index] if index < len(given_list) else None
            if answer is not None and normalise(answer) in {normalise(a) for a in accepted}:
                hits += 1
        return Graded(full * hits / len(blanks), hits == len(blanks))
    return Graded(Fraction(0), False)


def score_of(awarded: Fraction, total: Decimal) -> Decimal:
    if not total:
        return Decimal("0.0")
    return to_decimal(awarded / Fraction(total) * 100)


# --- item analysis -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class AttemptResult:
    attempt_id: int
    score: Decimal
    items: dict[int, Fraction]  # question id → awarded ÷ points (0..1)


def group_size(n: int) -> int:
    if n == 0:
        return 0
    size = int(GROUP_SHARE * n + Fraction(1, 2))  # 27 %, rounded half up
    return max(1, min(size, n))


def item_analysis(results: list[AttemptResult]) -> dict[int, dict]:
    """Per question id: attempts, facility p, discrimination D (None when a group lacks the question)."""
    ordered = sorted(results, key=lambda r: (-r.score, r.attempt_id))
    size = group_size(len(ordered))
    upper, lower = ordered[:size], ordered[len(ordered) - size:] if size else []
    out: dict[int, dict] = {}
    questions = {qid for r in results for qid in r.items}
    for qid in questions:
        all_values = [r.items[qid] for r in results if qid in r.items]
        up = [r.items[qid] for r in upper if qid in r.items]
        low = [r.items[qid] for r in lower if qid in r.items]
        p = sum(all_values, Fraction(0)) / len(all_values)
        d = (sum(up, Fraction(0)) / len(up) - sum(low, Fraction(0)) / len(low)) if up and low else None
        out[qid] = {"attempts": len(all_values), "difficulty_index": to_decimal(p, HUNDREDTH),
                    "discrimination": to_decimal(d, HUNDREDTH) if d is not None else None}
    return out


def distribution(scores: Iterable[Decimal]) -> list[dict]:
    bands = [{"low": 10 * b, "high": 10 * b + 10, "count": 0} for b in range(10)]
    for score in scores:
        band = min(int(score // 10), 9)
        bands[band]["count"] += 1
    return bands


def median(values: list[Decimal]) -> Decimal | None:
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return ((ordered[middle - 1] + ordered[middle]) / 2).quantize(TENTH, rounding=ROUND_HALF_UP)
