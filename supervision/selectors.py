"""The bureau's supervision dashboard (动态监管, issue 16): one answer for a unit and each unit under it.

Read-only. The scope is `accounts.selectors.supervised_unit` (the same function as the implementation
series and the exports); each app contributes its block through its own `unit_summary` selector, which
takes the units (the asked one first, covering the others) and answers for every unit at once, so the
number of queries does not depend on the number of units or rows (tested). A module that is not
installed contributes an empty block, never an error.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from accounts.models import OrgUnit, User
from accounts.selectors import supervised_unit
from apprenticeships import selectors as apprenticeships
from competitions import selectors as competitions
from evaluations import selectors as evaluations
from miniprogram_api.clock import check_dates, local_today, shanghai_day_start
from miniprogram_api.errors import unprocessable
from practice import selectors as practice
from standards import selectors as standards
from standards.models import Standard
from training import selectors as training
from workorders import stats as workorders

MAX_DAYS = 366
DEFAULT_DAYS = 30


def window(date_from: date | None, date_to: date | None, *, now: datetime | None = None) -> tuple[date, date]:
    """Shanghai days, both included; by default the last 30 days up to today (so a wall screen's window
    rolls over at midnight Asia/Shanghai)."""
    check_dates(date_from, date_to)
    date_to = date_to or local_today(now)
    date_from = date_from or date_to - timedelta(days=DEFAULT_DAYS - 1)
    if date_from > date_to:
        raise unprocessable("invalid_date_range", "开始日期不能晚于结束日期",
                            detail=[{"field": "from", "type": "range", "message": "晚于结束日期"}])
    if (date_to - date_from).days + 1 > MAX_DAYS:
        raise unprocessable("date_range_too_long", f"统计区间最长 {MAX_DAYS} 天",
                            detail=[{"field": "from", "type": "range", "message": "区间过长"}])
    return date_from, date_to


def rate(part: int | Decimal, whole: int | Decimal) -> float | None:
    if not whole:
        return None
    return float((Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))


def _standards_block(catalogue: dict, practised: set[int]) -> dict:
    """Effective standards by level and category, and those with a completed run in the window."""
    known = catalogue["standards"]
    recent = [known[pk] for pk in known if pk in practised]
    return {
        "effective": len(known),
        "with_recent_runs": len(recent),
        "with_recent_runs_share": rate(len(recent), len(known)),
        "by_level": [{"key": key, "label": label, "standards": catalogue["by_level"].get(key, 0),
                      "with_recent_runs": sum(1 for level, _ in recent if level == key)}
                     for key, label in Standard.Level.choices],
        "by_category": [{"key": key, "label": label, "standards": catalogue["by_category"].get(key, 0),
                         "with_recent_runs": sum(1 for _, category in recent if category == key)}
                        for key, label in Standard.Category.choices],
    }


def _practice_block(p: dict) -> dict:
    return {"runs": p["runs"], "passed": p["passed"], "pass_rate": rate(p["passed"], p["runs"]),
            "problem_runs": p["problem_runs"], "scans": p["scans"], "flagged_scans": p["flagged_scans"],
            "flagged_share": rate(p["flagged_scans"], p["scans"])}


def _training_block(t: dict) -> dict:
    return {"assigned": t["assigned"], "assigned_completed": t["assigned_completed"],
            "assigned_completion_rate": rate(t["assigned_completed"], t["assigned"]),
            "completed": t["completed"], "hours": float(t["hours"]),
            "exam_attempts": t["attempts"], "exam_passed": t["passed"], "exam_pass_rate": rate(t["passed"], t["attempts"])}


def evaluations_block(units: list[OrgUnit], start: datetime, end: datetime, now: datetime) -> dict[int, dict]:
    """From the evaluations app: the surveys each unit organised that closed in the window (response rate
    over their live audiences, mean satisfaction of those whose results may be shown) and its improvement
    actions (整改), open and opened (evaluations.selectors.unit_summary defines them)."""
    return {unit_id: {"available": True, **block}
            for unit_id, block in evaluations.unit_summary(units=units, start=start, end=end, now=now).items()}


def overview(user: User, *, unit_id: int | None = None, date_from: date | None = None, date_to: date | None = None,
             now: datetime | None = None) -> dict:
    now = now or timezone.now()
    root = supervised_unit(user, unit_id)
    date_from, date_to = window(date_from, date_to, now=now)
    return overview_of(root, date_from, date_to, now=now)


def overview_of(root: OrgUnit, date_from: date, date_to: date, *, now: datetime) -> dict:
    start, end = shanghai_day_start(date_from), shanghai_day_start(date_to + timedelta(days=1))
    units = [root, *OrgUnit.objects.filter(parent=root).order_by("id")]
    catalogue = standards.catalogue_counts()
    runs = practice.unit_summary(units=units, start=start, end=end)
    orders = workorders.unit_summary(units=units, start=start, end=end, now=now)
    learning = training.unit_summary(units=units, start=start, end=end)
    contests = competitions.unit_summary(units=units, start=start, end=end)
    apprentices = apprenticeships.unit_summary(units=units, now=now)
    evaluation_blocks = evaluations_block(units, start, end, now)
    rows = []
    for unit in units:
        rows.append({
            "unit": {"id": unit.pk, "name": unit.name, "kind": unit.kind, "parent_id": unit.parent_id},
            "standards": _standards_block(catalogue, runs[unit.pk]["standard_ids"]),
            "practice": _practice_block(runs[unit.pk]),
            "workorders": orders[unit.pk],
            "training": _training_block(learning[unit.pk]),
            "contests": contests[unit.pk],
            "apprenticeships": apprentices[unit.pk],
            "evaluations": evaluation_blocks[unit.pk],
        })
    return {"unit": {"id": root.pk, "name": root.name, "kind": root.kind},
            "date_from": date_from.isoformat(), "date_to": date_to.isoformat(),
            "generated_at": timezone.localtime(now).isoformat(timespec="seconds"),
            "total": rows[0], "units": rows[1:]}
