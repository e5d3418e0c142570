"""Statistics on known data, with the exact numbers worked out by hand (see workorders/order_stats.py
for the definitions), their scope per role, the date range, and the CSV / xlsx exports."""

import csv
import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from tests.conftest import assert_error
from workorders.stats import percentile

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def at(minutes):
    return T0 + timedelta(minutes=minutes)


@pytest.fixture
def history(desk, clock):
    """Six orders reported at 09:00 on 2 March (Asia/Shanghai), one three days earlier; the statistics
    are read at 15:00 the same day."""
    clock.now = T0
    act = desk.act
    # A: urgent; dispatched, wang responds after 10 min, completes at 60, rated 5.
    a = desk.report(urgency="urgent", now=T0)
    act(a, "dispatch", "dispatcher", assignee="wang", now=at(5))
    act(a, "accept", "wang", now=at(10))
    act(a, "arrive", "wang", now=at(20))
    act(a, "start", "wang", now=at(21))
    act(a, "complete", "wang", now=at(60))
    act(a, "confirm", "requester", rating=5, now=at(90))
    # B: normal; li grabs after 30 min, completes at 180, rated 4.
    b = desk.report(urgency="normal", now=T0)
    act(b, "grab", "li", now=at(30))
    act(b, "arrive", "li", now=at(40))
    act(b, "start", "li", now=at(41))
    act(b, "complete", "li", now=at(180))
    act(b, "confirm", "requester", rating=4, now=at(200))
    # C: urgent; wang grabs after 20 min (late: 15), completes at 300 (late: 240), rated 2.
    c = desk.report(urgency="urgent", now=T0)
    act(c, "grab", "wang", now=at(20))
    act(c, "arrive", "wang", now=at(30))
    act(c, "start", "wang", now=at(31))
    act(c, "complete", "wang", now=at(300))
    act(c, "confirm", "requester", rating=2, now=at(310))
    # D: low; dispatched to li, accepted after 40 min, still open (deadlines 8 h / 72 h).
    d = desk.report(urgency="low", now=T0)
    act(d, "dispatch", "dispatcher", assignee="li", now=at(2))
    act(d, "accept", "li", now=at(40))
    # E: normal; cancelled after 10 minutes, before any deadline.
    e = desk.report(urgency="normal", now=T0)
    act(e, "cancel", "requester", reason="已自行恢复", now=at(10))
    # F: building automation, urgent, never answered: 15 min and 4 h both passed by 15:00.
    f = desk.report(urgency="urgent", category=desk.bas_category, point=False, now=T0)
    # G: three days earlier, outside the range of the day.
    g = desk.report(urgency="normal", now=T0 - timedelta(days=3))
    clock.now = at(360)
    return {"a": a, "b": b, "c": c, "d": d, "e": e, "f": f, "g": g}


DAY = {"date_from": "2026-03-02", "date_to": "2026-03-02"}


def test_stats_on_known_data(desk, history):
    response = desk.client(desk.dispatcher).get("workorders/stats", DAY)
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["date_from"], data["date_to"]) == ("2026-03-02", "2026-03-02")
    assert data["overall"] == {
        "id": None, "name": "全部", "total": 6, "completed": 3, "overdue": 2, "overdue_rate": 0.3333,
        # responses 10, 20, 30, 40: median 25, p90 = 30 + 0.7 × 10
        "first_response_minutes": {"count": 4, "median": 25.0, "p90": 37.0},
        # completions 60, 180, 300: median 180, p90 = 180 + 0.8 × 120
        "completion_minutes": {"count": 3, "median": 180.0, "p90": 276.0},
        "rated": 3, "satisfaction": 3.67,  # (5 + 4 + 2) / 3
    }
    assert data["by_state"] == {"submitted": 1, "dispatched": 0, "accepted": 1, "arrived": 0, "in_progress": 0,
                                "on_hold": 0, "completed": 0, "confirmed": 3, "cancelled": 1}
    assert [(c["name"], c["count"]) for c in data["by_category"]] == [("空调漏水", 5), ("门禁故障", 1)]
    hvac, bas = data["by_studio"]
    assert (hvac["name"], hvac["total"], hvac["overdue"], hvac["overdue_rate"]) == ("暖通作业技师工作室", 5, 1, 0.2)
    assert hvac["first_response_minutes"] == {"count": 4, "median": 25.0, "p90": 37.0}
    assert (bas["name"], bas["total"], bas["completed"], bas["overdue"], bas["overdue_rate"]) == (
        "楼宇自控技师工作室", 1, 0, 1, 1.0)
    assert bas["first_response_minutes"] == {"count": 0, "median": None, "p90": None} and bas["satisfaction"] is None
    li, wang = data["by_worker"]
    assert (li["id"], li["name"], li["total"], li["completed"], li["overdue"], li["overdue_rate"]) == (
        desk.li.pk, "李文博", 2, 1, 0, 0.0)
    assert li["first_response_minutes"] == {"count": 2, "median": 35.0, "p90": 39.0}
    assert li["completion_minutes"] == {"count": 1, "median": 180.0, "p90": 180.0} and li["satisfaction"] == 4.0
    assert (wang["name"], wang["total"], wang["completed"], wang["overdue"], wang["overdue_rate"]) == (
        "王德明", 2, 2, 1, 0.5)
    assert wang["first_response_minutes"] == {"count": 2, "median": 15.0, "p90": 19.0}
    assert wang["completion_minutes"] == {"count": 2, "median": 180.0, "p90": 276.0}
    assert wang["satisfaction"] == 3.5

    # A wider range takes in the older order (normal, never answered: both its deadlines missed).
    wider = desk.client(desk.dispatcher).get("workorders/stats", {"date_from": "2026-02-27",
                                                                  "date_to": "2026-03-02"}).json()
    assert (wider["overall"]["total"], wider["overall"]["overdue"]) == (7, 3)


def test_stats_follow_the_callers_scope(desk, history, make_user):
    leader = desk.client(desk.leader).get("workorders/stats", DAY).json()
    assert leader["overall"]["total"] == 5 and [s["name"] for s in leader["by_studio"]] == ["暖通作业技师工作室"]
    bas = desk.client(desk.bas_dispatcher).get("workorders/stats", DAY).json()
    assert bas["overall"]["total"] == 1
    only = desk.client(desk.dispatcher).get("workorders/stats", {**DAY, "studio": desk.org.bas.pk}).json()
    assert only["overall"]["total"] == 1
    for name in ("wang", "requester", "stranger"):
        assert_error(desk.client(desk.people[name]).get("workorders/stats", DAY), 403, "forbidden")


def test_stats_date_range_is_checked(desk, history):
    client = desk.client(desk.dispatcher)
    assert_error(client.get("workorders/stats", {"date_from": "2026-03-03", "date_to": "2026-03-02"}), 422,
                 "invalid_date_range")
    assert_error(client.get("workorders/stats", {"date_from": "2020-01-01", "date_to": "2026-03-02"}), 422,
                 "date_range_too_long")
    assert_error(client.get("workorders/stats", {"date_from": "2026-02-30"}), 422, "validation_error")
    default = client.get("workorders/stats").json()  # the last 30 days up to today
    assert (default["date_from"], default["date_to"]) == ("2026-02-01", "2026-03-02")
    assert default["overall"]["total"] == 7


def test_csv_and_xlsx_exports_carry_the_same_numbers(desk, history):
    client = desk.client(desk.dispatcher)
    exported = client.get("workorders/stats", {**DAY, "format": "csv"})
    assert exported.status_code == 200 and exported["Content-Type"].startswith("text/csv")
    assert 'filename="workorder-stats-2026-03-02-2026-03-02.csv"' in exported["Content-Disposition"]
    text = exported.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["工单统计 2026-03-02 至 2026-03-02"]
    assert rows[2] == ["全部", "全部", "6", "3", "2", "0.3333", "25.0", "37.0", "180.0", "276.0", "3", "3.67"]
    assert ["维修人员", "王德明", "2", "2", "1", "0.5", "15.0", "19.0", "180.0", "276.0", "2", "3.5"] in rows
    assert ["状态", "已完成", "3"] + [""] * 9 in rows

    book = client.get("workorders/stats", {**DAY, "format": "xlsx"})
    assert book.status_code == 200
    workbook = load_workbook(io.BytesIO(book.content))
    assert workbook.sheetnames == ["汇总", "按工作室", "按维修人员", "按状态", "按类别"]
    summary = [list(r) for r in workbook["汇总"].iter_rows(min_row=3, values_only=True)]
    assert summary == [["全部", "全部", 6, 3, 2, 0.3333, 25, 37, 180, 276, 3, 3.67]]
    assert [list(r) for r in workbook["按类别"].iter_rows(min_row=3, values_only=True)] == [["空调漏水", 5], ["门禁故障", 1]]


def test_percentiles_interpolate_between_ranks():
    from decimal import Decimal as D

    assert percentile([], D("0.5")) is None
    assert percentile([D(7)], D("0.9")) == 7
    assert percentile([D(1), D(2), D(3), D(4)], D("0.5")) == D("2.5")
    assert percentile([D(10), D(20), D(30), D(40), D(100)], D("0.9")) == D("76.0")
