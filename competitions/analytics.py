"""Judge analytics (FIG's Judge Evaluation Program as the anchor; docs/SCORING.md "Judge analytics").

For every judgement mark a judge gave (their latest revision), the deviation from the panel's aggregate
for that entry and aspect, in percent of the aspect's scale (so 0–3, 0–10 and 0–100 aspects compare):
- signed mean deviation (a judge who marks high or low), mean absolute deviation (how far off);
- share of marks outside tolerance: |mark − aggregate| above the event's tolerance on the aspect's
  scale (the same limit the moderation flag uses for the spread);
- rank correlation (Spearman, average ranks for ties) between the judge's judgement total per entry and
  the panel's, over the entries the judge marked;
- own unit vs others: the signed mean deviation for contestants of the judge's own unit (the judge's
  unit or below it; never the root unit) and for the others.
Exact fractions throughout; figures rounded once, half up, to 2 places (the correlation to 3).
"""

from __future__ import annotations

import math
from fractions import Fraction

from . import scoring
from .board import Marks, event_aspects, latest_revision
from .models import Aspect, Contest, Entry, Event, Mark, PanelMember

HUNDRED = Fraction(100)


def _round(value: Fraction | None) -> str | None:
    return None if value is None else str(scoring.round_half_up(value))


def _ranks(values: list[Fraction]) -> list[Fraction]:
    """Average ranks (1 = highest), ties sharing the mean of their positions."""
    order = sorted(range(len(values)), key=lambda i: values[i], reverse=True)
    ranks = [Fraction(0)] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = Fraction(i + j + 2, 2)
        i = j + 1
    return ranks


def spearman(xs: list[Fraction], ys: list[Fraction]) -> float | None:
    """Pearson correlation of the average ranks; None with fewer than 3 entries or no variance."""
    if len(xs) < 3:
        return None
    rx, ry = _ranks(xs), _ranks(ys)
    n = len(xs)
    mx, my = sum(rx) / n, sum(ry) / n
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry, strict=True))
    vx = sum((a - mx) ** 2 for a in rx)
    vy = sum((b - my) ** 2 for b in ry)
    if vx == 0 or vy == 0:
        return None
    return float(cov) / math.sqrt(float(vx) * float(vy))


def _mean(values: list[Fraction]) -> Fraction | None:
    return sum(values, Fraction(0)) / len(values) if values else None


def event_analytics(event: Event) -> dict:
    aspects = [a for a in event_aspects([event.id]).get(event.id, []) if a["kind"] == Aspect.Kind.JUDGEMENT]
    by_id = {a["id"]: a for a in aspects}
    marks = Marks(kinds={a["id"]: a["kind"] for a in aspects})
    for row in (Mark.objects.filter(latest_revision(), event=event, aspect_id__in=list(by_id))
                .values_list("id", "judge_id", "entry_id", "aspect_id", "value")):
        marks.add(*row)
    entries = {e["id"]: e for e in Entry.objects.filter(event=event).values("id", "code", "org_unit__path")}
    judges = list(PanelMember.objects.filter(event=event, is_chief=False).select_related("judge__primary_org_unit")
                  .order_by("id"))
    per_aspect: dict[tuple[int, int], list[tuple[int, Fraction]]] = {}
    for (judge_id, entry_id, aspect_id), value in marks.judgement.items():
        per_aspect.setdefault((entry_id, aspect_id), []).append((judge_id, value))
    aggregate = {key: scoring.aggregate([v for _, v in found], event.aggregation, event.trim_k)
                 for key, found in per_aspect.items()}
    out = []
    for member in judges:
        judge = member.judge
        unit = judge.primary_org_unit
        own_path = unit.path if unit is not None and unit.parent_id is not None else None
        deviations, absolute, own, others, outside = [], [], [], [], 0
        mine_total: dict[int, Fraction] = {}
        panel_total: dict[int, Fraction] = {}
        for (j, entry_id, aspect_id), value in marks.judgement.items():
            if j != judge.id:
                continue
            aspect = by_id[aspect_id]
            agg = aggregate[(entry_id, aspect_id)]
            scale = aspect["scale_max"]
            diff = value - agg
            share = diff / scale * HUNDRED
            deviations.append(share)
            absolute.append(abs(share))
            if abs(diff) > scoring.spread_limit(event.tolerance, scale):
                outside += 1
            path = entries.get(entry_id, {}).get("org_unit__path") or ""
            (own if own_path and path.startswith(own_path) else others).append(share)
            weight = scoring.exact(aspect["max_mark"]) / scale
            mine_total[entry_id] = mine_total.get(entry_id, Fraction(0)) + weight * value
            panel_total[entry_id] = panel_total.get(entry_id, Fraction(0)) + weight * agg
        common = sorted(mine_total)
        rho = spearman([mine_total[e] for e in common], [panel_total[e] for e in common])
        out.append({
            "judge_id": judge.id, "judge": judge.name, "unit": unit.name if unit else "",
            "marks": len(deviations), "entries": len(common),
            "signed_deviation": _round(_mean(deviations)), "absolute_deviation": _round(_mean(absolute)),
            "outside_tolerance": outside,
            "outside_share": _round(Fraction(outside, len(deviations)) * HUNDRED if deviations else None),
            "rank_correlation": None if rho is None else f"{rho:.3f}",
            "own_unit": {"marks": len(own), "signed_deviation": _round(_mean(own))},
            "other_units": {"marks": len(others), "signed_deviation": _round(_mean(others))},
        })
    return {"event_id": event.id, "event": event.name, "state": event.state, "aggregation": event.aggregation,
            "judges": out}


def contest_analytics(contest: Contest) -> dict:
    events = Event.objects.filter(contest=contest).exclude(state=Event.State.DRAFT).order_by("order", "id")
    return {"contest_id": contest.id, "unit": "percent_of_scale", "events": [event_analytics(e) for e in events]}


def analytics_workbook(contest: Contest) -> bytes:
    """The same figures as a sheet per contest: one row per judge and event; numbers as numbers."""
    import io
    from decimal import Decimal

    from openpyxl import Workbook
    from openpyxl.styles import Font

    data = contest_analytics(contest)
    book = Workbook()
    sheet = book.active
    sheet.title = "裁判评价"
    sheet.append([f"{contest.name} · 裁判评分分析（偏差以分制的百分比计）"])
    sheet["A1"].font = Font(bold=True, size=14)
    header = ["项目", "裁判", "单位", "评分数", "选手数", "平均偏差（有符号，%）", "平均绝对偏差（%）",
              "超出容限次数", "超出容限比例（%）", "与裁判组名次相关系数", "本单位选手平均偏差（%）",
              "其他单位选手平均偏差（%）"]
    sheet.append(header)
    for cell in sheet[2]:
        cell.font = Font(bold=True)

    def number(text):
        return None if text is None else Decimal(text)

    for event in data["events"]:
        for row in event["judges"]:
            sheet.append([event["event"], row["judge"], row["unit"], row["marks"], row["entries"],
                          number(row["signed_deviation"]), number(row["absolute_deviation"]),
                          row["outside_tolerance"], number(row["outside_share"]), number(row["rank_correlation"]),
                          number(row["own_unit"]["signed_deviation"]), number(row["other_units"]["signed_deviation"])])
            for cell in sheet[sheet.max_row][5:]:
                if isinstance(cell.value, Decimal):
                    cell.number_format = "0.000" if cell.column == 10 else "0.00"
    for index, width in enumerate([18, 12, 18, 8, 8, 14, 14, 10, 12, 14, 16, 16], start=1):
        sheet.column_dimensions[chr(64 + index)].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
