"""Work-order statistics for dispatchers and workshop leaders, and their CSV / xlsx exports.

Definitions (docs/API.md repeats them for the mini-program team):
- The orders counted are those reported within the date range (Asia/Shanghai days, both ends
  included) and within the caller's scope.
- First response = responded_at − created_at (the first accept or grab); completion = completed_at −
  created_at (the latest completion of orders now completed or confirmed). In minutes.
- Median and p90 interpolate linearly between the closest ranks (numpy's default, Python's
  statistics.quantiles(method="inclusive")); rounded half up to 0.1 minute.
- Overdue: an order that missed a deadline by now — responded after respond_by (or not at all while
  the deadline passed before it closed), or completed after finish_by (likewise). Overdue rate =
  overdue ÷ orders, to 4 decimals.
- Satisfaction: the mean rating (1–5) of confirmed orders, rounded half up to 2 decimals.
- Per worker: orders grouped by their (last) assignee.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from accounts.models import OrgUnit, User
from accounts.selectors import containing, has_role
from miniprogram_api.clock import days_q
from miniprogram_api.errors import forbidden, unprocessable

from . import lifecycle
from .models import WorkOrder
from .selectors import STATS_ROLES, minutes_between, studio_scope

FIELDS = ["id", "state", "category_id", "category__name", "studio_id", "studio__name", "assignee_id",
          "assignee__display_name", "assignee__username", "created_at", "responded_at", "completed_at",
          "closed_at", "respond_by", "finish_by", "rating"]
NO_CATEGORY = "实操异常（无类别）"
NO_STUDIO = "未指定工作室"


_minutes = minutes_between


def percentile(values: list[Decimal], q: Decimal) -> Decimal | None:
    """Linear interpolation between the closest ranks of the sorted values."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _round(value: Decimal | None, places: str) -> float | None:
    return float(value.quantize(Decimal(places), rounding=ROUND_HALF_UP)) if value is not None else None


def _duration(values: list[Decimal]) -> dict:
    return {"count": len(values), "median": _round(percentile(values, Decimal("0.5")), "0.1"),
            "p90": _round(percentile(values, Decimal("0.9")), "0.1")}


def missed_deadline(row: dict, now: datetime) -> bool:
    stop = row["closed_at"] or now
    responded = row["responded_at"] or stop
    completed = row["completed_at"] or stop
    return bool((row["respond_by"] and responded > row["respond_by"])
                or (row["finish_by"] and completed > row["finish_by"]))


def _group(rows: list[dict], now: datetime, *, id_: int | None, name: str) -> dict:
    responses = [_minutes(r["created_at"], r["responded_at"]) for r in rows if r["responded_at"]]
    completions = [_minutes(r["created_at"], r["completed_at"]) for r in rows if r["completed_at"]]
    ratings = [r["rating"] for r in rows if r["rating"] is not None]
    overdue = sum(1 for r in rows if missed_deadline(r, now))
    return {
        "id": id_,
        "name": name,
        "total": len(rows),
        "completed": len(completions),
        "overdue": overdue,
        "overdue_rate": _round(Decimal(overdue) / len(rows), "0.0001") if rows else None,
        "first_response_minutes": _duration(responses),
        "completion_minutes": _duration(completions),
        "rated": len(ratings),
        "satisfaction": _round(Decimal(sum(ratings)) / len(ratings), "0.01") if ratings else None,
    }


def _grouped(rows: list[dict], key: str, name_of, now: datetime, *, skip_none: bool = False) -> list[dict]:
    groups: dict = defaultdict(list)
    for row in rows:
        groups[row[key]].append(row)
    out = [_group(members, now, id_=group_id, name=name_of(members[0])) for group_id, members in groups.items()
           if not (skip_none and group_id is None)]
    return sorted(out, key=lambda g: (-g["total"], g["name"]))


def _worker_name(row: dict) -> str:
    return row["assignee__display_name"] or row["assignee__username"] or ""


def date_range(date_from: date | None, date_to: date | None) -> tuple[date, date]:
    today = timezone.localdate()
    date_to = date_to or today
    date_from = date_from or date_to - timedelta(days=29)
    if date_from > date_to:
        raise unprocessable("invalid_date_range", "开始日期不能晚于结束日期",
                            detail=[{"field": "date_from", "type": "range", "message": "晚于结束日期"}])
    if (date_to - date_from).days + 1 > settings.WORKORDER_STATS_MAX_DAYS:
        raise unprocessable("date_range_too_long", f"统计区间最长 {settings.WORKORDER_STATS_MAX_DAYS} 天",
                            detail=[{"field": "date_from", "type": "range", "message": "区间过长"}])
    return date_from, date_to


def stats(user: User, *, date_from: date | None = None, date_to: date | None = None, studio: int | None = None,
          now: datetime | None = None) -> dict:
    if not has_role(user, STATS_ROLES):
        raise forbidden("只有调度员和工作室负责人可以查看工单统计", code="forbidden")
    now = now or timezone.now()
    date_from, date_to = date_range(date_from, date_to)
    orders = WorkOrder.objects.filter(studio_scope(user, STATS_ROLES), days_q("created_at", date_from, date_to))
    if studio is not None:
        unit = OrgUnit.objects.filter(pk=studio).first()
        orders = orders.filter(studio__path__startswith=unit.path) if unit else orders.none()
    rows = list(orders.values(*FIELDS))
    by_state = dict.fromkeys(lifecycle.STATE_LABELS, 0)
    by_category: dict = {}
    for row in rows:
        by_state[row["state"]] += 1
        entry = by_category.setdefault(row["category_id"], {"id": row["category_id"],
                                                             "name": row["category__name"] or NO_CATEGORY,
                                                             "count": 0})
        entry["count"] += 1
    return {
        "date_from": date_from.isoformat(),
        "date_to": date_to.isoformat(),
        "overall": _group(rows, now, id_=None, name="全部"),
        "by_state": by_state,
        "by_category": sorted(by_category.values(), key=lambda c: (-c["count"], c["name"])),
        "by_studio": _grouped(rows, "studio_id", lambda r: r["studio__name"] or NO_STUDIO, now),
        "by_worker": _grouped(rows, "assignee_id", _worker_name, now, skip_none=True),
    }


# --- exports -------------------------------------------------------------------------------------------
GROUP_HEADER = ["维度", "名称", "工单数", "已完工", "超时数", "超时率", "首次响应中位数（分钟）", "首次响应P90（分钟）",
                "完工中位数（分钟）", "完工P90（分钟）", "评价数", "满意度"]


def _group_row(dimension: str, group: dict) -> list:
    return [dimension, group["name"], group["total"], group["completed"], group["overdue"], group["overdue_rate"],
            group["first_response_minutes"]["median"], group["first_response_minutes"]["p90"],
            group["completion_minutes"]["median"], group["completion_minutes"]["p90"], group["rated"],
            group["satisfaction"]]


def _rows(data: dict) -> list[list]:
    rows = [_group_row("全部", data["overall"])]
    rows += [_group_row("工作室", g) for g in data["by_studio"]]
    rows += [_group_row("维修人员", g) for g in data["by_worker"]]
    rows += [["状态", lifecycle.STATE_LABELS[s], n] + [None] * 9 for s, n in data["by_state"].items()]
    rows += [["类别", c["name"], c["count"]] + [None] * 9 for c in data["by_category"]]
    return rows


def stats_csv(data: dict) -> bytes:
    """UTF-8 with a byte-order mark, so that Excel opens the Chinese correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([f"工单统计 {data['date_from']} 至 {data['date_to']}"])
    writer.writerow(GROUP_HEADER)
    for row in _rows(data):
        writer.writerow(["" if v is None else v for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def stats_xlsx(data: dict) -> bytes:
    book = Workbook()
    sheets = [
        ("汇总", GROUP_HEADER, [_group_row("全部", data["overall"])]),
        ("按工作室", GROUP_HEADER, [_group_row("工作室", g) for g in data["by_studio"]]),
        ("按维修人员", GROUP_HEADER, [_group_row("维修人员", g) for g in data["by_worker"]]),
        ("按状态", ["状态", "代码", "工单数"],
         [[lifecycle.STATE_LABELS[s], s, n] for s, n in data["by_state"].items()]),
        ("按类别", ["类别", "工单数"], [[c["name"], c["count"]] for c in data["by_category"]]),
    ]
    book.remove(book.active)
    for title, header, rows in sheets:
        sheet = book.create_sheet(title)
        sheet.append([f"工单统计 {data['date_from']} 至 {data['date_to']}"])
        sheet.append(header)
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append(row)
        for index, name in enumerate(header, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = max(10, len(name) * 2 + 2)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def studio_outcomes(*, studio_ids: list[int], since: datetime | None = None, until: datetime | None = None,
                    now: datetime | None = None) -> dict:
    """Completed orders of these studios reported in [since, until): how many, how many met their deadlines
    (response and completion, the rule of the statistics), the satisfaction ratings (for the results level of
    a course's evaluation report)."""
    now = now or timezone.now()
    orders = WorkOrder.objects.filter(studio_id__in=studio_ids, completed_at__isnull=False)
    if since is not None:
        orders = orders.filter(created_at__gte=since)
    if until is not None:
        orders = orders.filter(created_at__lt=until)
    rows: list[dict] = [dict(row) for row in orders.values("respond_by", "finish_by", "responded_at", "completed_at",
                                                           "closed_at", "rating")]
    met = [row for row in rows if not missed_deadline(row, now)]
    return {"completed": len(rows), "deadlines_met": len(met),
            "ratings": [r["rating"] for r in rows if r["rating"] is not None]}
# --- supervision (issue 16) ------------------------------------------------------------------------------
def unit_summary(*, units: list[OrgUnit], start: datetime, end: datetime, now: datetime | None = None) -> dict:
    """Per unit (its subtree; units[0] covers the others): orders reported in [start, end) with the
    definitions above, plus deadlines met (orders that missed no deadline ÷ orders). One query."""
    rows = list(WorkOrder.objects.filter(studio__path__startswith=units[0].path, created_at__gte=start,
                                         created_at__lt=end).values(*FIELDS, "studio__path"))
    buckets: dict[int, list[dict]] = {u.pk: [] for u in units}
    for row in rows:
        for unit_id in containing(units, row["studio__path"]):
            buckets[unit_id].append(row)
    out = {}
    for unit_id, members in buckets.items():
        group = _group(members, now, id_=unit_id, name="")
        out[unit_id] = {
            "orders": group["total"], "completed": group["completed"],
            "deadlines_met": group["total"] - group["overdue"],
            "deadlines_met_rate": _round(Decimal(group["total"] - group["overdue"]) / group["total"], "0.0001")
            if group["total"] else None,
            "median_response_minutes": group["first_response_minutes"]["median"],
            "rated": group["rated"], "satisfaction": group["satisfaction"],
        }
    return out
