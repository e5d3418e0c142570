"""Progress, expected progress, hours and red/amber/green risk of one agreement, as pure arithmetic.

The selectors gather the facts (a fixed number of queries for any number of agreements); this module
turns facts and a date into figures, so every rule can be tested with a frozen "today" and no database.

Rules (thresholds per studio, `StudioSettings`; defaults in `DEFAULT_THRESHOLDS`, docs/API.md):
- progress % = countersigned competencies ÷ competencies in the plan;
- expected % = elapsed share of the agreement (days since start ÷ days from start to end, 0–100);
- expected hours = planned hours × elapsed share; "hours behind" is measured in percentage points of
  the planned hours, like progress, so that the first days of an agreement are not red for 2 hours;
- next review due = (date the latest review was fully signed, else the start date) + N weeks;
- red: behind on progress or hours by more than the red threshold, no activity for more than the red
  number of days, a review overdue, or the end date passed; amber: the smaller thresholds, or a
  review due within the amber window; green otherwise. Only active agreements have a RAG.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

RED, AMBER, GREEN = "red", "amber", "green"
RAG_ORDER = {RED: 0, AMBER: 1, GREEN: 2, None: 3}


@dataclass(frozen=True)
class Thresholds:
    review_interval_weeks: int = 12
    red_behind_pct: Decimal = Decimal("20")
    amber_behind_pct: Decimal = Decimal("10")
    red_hours_behind_pct: Decimal = Decimal("20")
    amber_hours_behind_pct: Decimal = Decimal("10")
    red_inactive_days: int = 30
    amber_inactive_days: int = 14
    amber_review_due_days: int = 14


DEFAULT_THRESHOLDS = Thresholds()


@dataclass(frozen=True)
class Facts:
    state: str
    start_date: date
    end_date: date
    planned_hours: Decimal
    review_interval_weeks: int
    competencies: int = 0
    signed: int = 0
    hours: Decimal = Decimal("0")
    last_activity: date | None = None
    last_review: date | None = None  # the date the latest review got its third signature


@dataclass
class Progress:
    progress_pct: Decimal
    expected_pct: Decimal
    hours: Decimal
    expected_hours: Decimal
    next_review_due: date | None
    review_overdue: bool
    last_activity: date | None
    days_inactive: int | None
    rag: str | None
    rag_reasons: list[dict] = field(default_factory=list)

    @property
    def behind_pct(self) -> Decimal:
        return self.expected_pct - self.progress_pct


def one_place(value: Decimal) -> Decimal:
    """Percentages and hours are shown to one decimal, rounded half up."""
    return Decimal(value).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def elapsed_share(start: date, end: date, today: date) -> Decimal:
    total = (end - start).days
    if total <= 0:
        return Decimal(1)
    done = min(max((today - start).days, 0), total)
    return Decimal(done) / Decimal(total)


def compute(facts: Facts, today: date, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> Progress:
    share = elapsed_share(facts.start_date, facts.end_date, today)
    progress = one_place(Decimal(facts.signed) * 100 / facts.competencies) if facts.competencies else Decimal("0.0")
    expected = one_place(share * 100)
    hours = one_place(facts.hours)
    expected_hours = one_place(facts.planned_hours * share)
    active = facts.state == "active"
    due = None
    if active:
        due = (facts.last_review or facts.start_date) + timedelta(weeks=facts.review_interval_weeks)
    overdue = due is not None and today > due
    since = max(facts.last_activity or facts.start_date, facts.start_date)
    inactive = max((today - since).days, 0) if today >= facts.start_date else 0
    result = Progress(progress_pct=progress, expected_pct=expected, hours=hours, expected_hours=expected_hours,
                      next_review_due=due, review_overdue=overdue, last_activity=facts.last_activity,
                      days_inactive=inactive if active else None, rag=None)
    if not active:
        return result
    reasons = _reasons(facts, result, today, thresholds)
    result.rag_reasons = reasons
    result.rag = RED if any(r["level"] == RED for r in reasons) else AMBER if reasons else GREEN
    return result


def _level(value: Decimal | int, red, amber) -> str | None:
    if value > red:
        return RED
    if value > amber:
        return AMBER
    return None


def _reasons(facts: Facts, p: Progress, today: date, t: Thresholds) -> list[dict]:
    reasons = []

    def add(code: str, level: str | None, message: str, value, threshold) -> None:
        if level:
            reasons.append({"code": code, "level": level, "message": message, "value": value,
                            "threshold": threshold})

    behind = p.expected_pct - p.progress_pct
    level = _level(behind, t.red_behind_pct, t.amber_behind_pct)
    limit = t.red_behind_pct if level == RED else t.amber_behind_pct
    add("progress_behind", level, f"能力进度落后预期 {behind} 个百分点（已确认 {p.progress_pct}%，"
        f"应达 {p.expected_pct}%；阈值 {limit}）", float(behind), float(limit))

    if facts.planned_hours > 0:
        hours_behind = one_place((p.expected_hours - p.hours) * 100 / facts.planned_hours)
        level = _level(hours_behind, t.red_hours_behind_pct, t.amber_hours_behind_pct)
        limit = t.red_hours_behind_pct if level == RED else t.amber_hours_behind_pct
        add("hours_behind", level, f"实训学时落后 {hours_behind} 个百分点（已记 {p.hours} 学时，应达 "
            f"{p.expected_hours} 学时；阈值 {limit}）", float(hours_behind), float(limit))

    inactive = p.days_inactive or 0
    level = _level(inactive, t.red_inactive_days, t.amber_inactive_days)
    limit = t.red_inactive_days if level == RED else t.amber_inactive_days
    add("inactive", level, f"已 {inactive} 天没有新的实训记录（阈值 {limit} 天）", inactive, limit)

    if p.next_review_due is not None:
        days_left = (p.next_review_due - today).days
        if days_left < 0:
            add("review_overdue", RED, f"阶段评价已逾期 {-days_left} 天（应于 {p.next_review_due:%Y-%m-%d} 前完成）",
                -days_left, 0)
        elif days_left <= t.amber_review_due_days:
            add("review_due_soon", AMBER, f"阶段评价将于 {days_left} 天后到期（{p.next_review_due:%Y-%m-%d}）",
                days_left, t.amber_review_due_days)

    if today > facts.end_date:
        days = (today - facts.end_date).days
        add("past_end_date", RED, f"协议已于 {facts.end_date:%Y-%m-%d} 到期 {days} 天，尚未出师", days, 0)
    return reasons
