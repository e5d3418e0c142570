"""Results of a campaign, pure arithmetic over its questions and its answers: per question the
distribution, the mean, the NPS; per scored item (a scale question, a matrix row) its score on a 1–5 scale
for 促; and the same by org unit. Exact fractions, one ROUND_HALF_UP at the end (two decimals; shares and
NPS one decimal, in percent).

NPS = % promoters (9–10) − % detractors (0–6) of those who answered.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from .questions import scale_of

TWO = Decimal("0.01")
ONE = Decimal("0.1")


def _round(value: Fraction | None, step: Decimal = TWO) -> Decimal | None:
    if value is None:
        return None
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(step, rounding=ROUND_HALF_UP)


def _exact_mean(values: list[int]) -> Fraction | None:
    return Fraction(sum(values), len(values)) if values else None


def share(count: int, total: int) -> Decimal:
    return _round(Fraction(100 * count, total), ONE) if total else Decimal("0.0")


def on_five(value: Fraction | None, low: int, high: int) -> Fraction | None:
    """A mean on a low–high scale moved onto 1–5 (so one threshold fits every scale)."""
    if value is None:
        return None
    if (low, high) == (1, 5):
        return value
    return 1 + (value - low) * 4 / Fraction(high - low)


def _points(q: dict, values: list[int]) -> list[dict]:
    scale = scale_of(q)
    counts = Counter(values)
    return [{"value": str(v), "label": str(v), "count": counts[v], "share": share(counts[v], len(values))}
            for v in range(scale["min"], scale["max"] + 1)]


def nps(values: list[int]) -> dict:
    promoters = sum(1 for v in values if v >= 9)
    detractors = sum(1 for v in values if v <= 6)
    n = len(values)
    score = _round(Fraction(100 * (promoters - detractors), n), ONE) if n else None
    return {"promoters": promoters, "passives": n - promoters - detractors, "detractors": detractors, "score": score}


def summarize(questions: list[dict], answers: Iterable[dict], *, texts: bool = True) -> list[dict]:
    rows = list(answers)
    out = []
    for q in questions:
        key, kind = q["key"], q["kind"]
        given = [a[key] for a in rows if a.get(key) is not None]
        item: dict = {"key": key, "kind": kind, "title": q["title"], "dimension": q.get("dimension", ""),
                      "answered": len(given), "mean": None, "nps": None, "distribution": [], "rows": [], "texts": []}
        if kind == "single":
            counts = Counter(given)
            item["distribution"] = [{"value": o["value"], "label": o["label"], "count": counts[o["value"]],
                                     "share": share(counts[o["value"]], len(given))} for o in q["options"]]
        elif kind == "multiple":
            counts = Counter(v for chosen in given for v in chosen)
            item["distribution"] = [{"value": o["value"], "label": o["label"], "count": counts[o["value"]],
                                     "share": share(counts[o["value"]], len(given))} for o in q["options"]]
        elif kind in ("scale", "nps"):
            item["distribution"] = _points(q, given)
            item["mean"] = _round(_exact_mean(given))
            if kind == "nps":
                item["nps"] = nps(given)
        elif kind == "matrix":
            cells_all: list[int] = []
            for row in q["rows"]:
                cells = [a[row["key"]] for a in given if a.get(row["key"]) is not None]
                cells_all += cells
                item["rows"].append({"key": row["key"], "label": row["label"], "answered": len(cells),
                                     "mean": _round(_exact_mean(cells)), "distribution": _points(q, cells)})
            item["mean"] = _round(_exact_mean(cells_all))
        elif texts:
            item["texts"] = sorted(given)  # sorted, never in the order of arrival
        out.append(item)
    return out


def scored_items(questions: list[dict], answers: Iterable[dict]) -> list[dict]:
    """Every scored item with its exact mean on 1–5: scale questions and each matrix row (NPS is reported,
    not scored: its 0–10 "would you recommend" is no satisfaction level). [{key, label, dimension, n, score}]"""
    rows = list(answers)
    items = []
    for q in questions:
        if q["kind"] == "scale":
            scale = scale_of(q)
            values = [a[q["key"]] for a in rows if a.get(q["key"]) is not None]
            items.append({"key": q["key"], "label": q["title"], "dimension": q.get("dimension", ""), "n": len(values),
                          "score": on_five(_exact_mean(values), scale["min"], scale["max"])})
        elif q["kind"] == "matrix":
            scale = scale_of(q)
            for row in q["rows"]:
                values = [a[q["key"]][row["key"]] for a in rows
                          if a.get(q["key"]) is not None and a[q["key"]].get(row["key"]) is not None]
                items.append({"key": f"{q['key']}.{row['key']}", "label": f"{q['title']}：{row['label']}",
                              "dimension": q.get("dimension", ""), "n": len(values),
                              "score": on_five(_exact_mean(values), scale["min"], scale["max"])})
    return items


def overall(items: list[dict]) -> Fraction | None:
    """The target's score: the mean of its items' scores (each item weighs the same)."""
    scores = [i["score"] for i in items if i["score"] is not None]
    return sum(scores, Fraction(0)) / len(scores) if scores else None


def by_dimension(items: list[dict]) -> dict[str, Decimal | None]:
    groups: dict[str, list[Fraction]] = {}
    for i in items:
        if i["score"] is not None:
            groups.setdefault(i["dimension"] or "其他", []).append(i["score"])
    return {name: _round(sum(values, Fraction(0)) / len(values)) for name, values in groups.items()}


def rounded(value: Fraction | None) -> Decimal | None:
    return _round(value)
