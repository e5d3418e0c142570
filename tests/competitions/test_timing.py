"""Practical timing (docs/SCORING.md "Timing"): the chief judge or a timekeeper starts and stops an entry's
task; start and stop are append-only facts, idempotent by client_id, once each; the overtime penalty per
started minute comes off the total (known data), the stop rule ends the task at the limit; the jury board,
the results and results.xlsx show elapsed time, overtime and penalty; per role."""

import io
import json
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from competitions import board
from competitions.models import AuditLog, Event, Timekeeper, TimingRecord
from miniprogram_api.append_only import AppendOnlyError
from tests.competitions.test_append_only_db import raw, refused
from tests.conftest import assert_error


@pytest.fixture
def clock(monkeypatch):
    class Clock:
        now = timezone.now().replace(microsecond=0)

        def advance(self, **delta):
            self.now = self.now + timedelta(**delta)
            return self.now

    frozen = Clock()
    monkeypatch.setattr(timezone, "now", lambda: frozen.now)
    return frozen


def jury_rows(kit):
    snap = json.loads(board.snapshot_text(kit.contest.id, jury=True))
    return {r["code"]: r for r in snap["events"][0]["rows"]}


def timed(kit, make_user, rule="penalty", penalty="1.5", limit=30):
    Event.objects.filter(pk=kit.event.pk).update(time_limit_minutes=limit, overtime_rule=rule,
                                                 overtime_penalty=Decimal(penalty))
    kit.refresh()
    keeper = make_user("计时员")
    Timekeeper.objects.create(event=kit.event, user=keeper)
    return keeper


def start(kit, user, entry, client_id=None):
    return kit.client(user).post(f"judging/entries/{entry.id}/timing/start", {"client_id": client_id or str(uuid.uuid4())})


def stop(kit, user, entry, client_id=None):
    return kit.client(user).post(f"judging/entries/{entry.id}/timing/stop", {"client_id": client_id or str(uuid.uuid4())})


def test_overtime_penalty_per_started_minute_on_known_data(kit, make_user, clock):
    keeper = timed(kit, make_user)
    # all four entries score 34.67 + 14 = 48.67 before timing (judgement aggregates 2, measurement 14)
    for entry in kit.entries:
        kit.complete(entry, judgement_values=[2, 2, 2, 2, 2], measurement="14")
    durations = [timedelta(minutes=31, seconds=10), timedelta(minutes=29, seconds=59), timedelta(minutes=30),
                 timedelta(minutes=30, seconds=1)]
    t0 = clock.now
    for entry in kit.entries:
        assert start(kit, keeper, entry).status_code == 201
    for entry, took in zip(kit.entries, durations, strict=True):
        clock.now = t0 + took
        response = stop(kit, keeper, entry)
        assert response.status_code == 201, response.content
    rows = jury_rows(kit)
    got = {e.code: (rows[e.code]["timing"]["elapsed_seconds"], rows[e.code]["timing"]["overtime_minutes"],
                    rows[e.code]["timing"]["penalty"], rows[e.code]["total"]) for e in kit.entries}
    e0, e1, e2, e3 = kit.entries
    assert got == {
        e0.code: (1870, 2, "3.00", "45.67"),   # 70 s over: two started minutes × 1.5
        e1.code: (1799, 0, "0.00", "48.67"),
        e2.code: (1800, 0, "0.00", "48.67"),   # exactly the limit: no overtime
        e3.code: (1801, 1, "1.50", "47.17"),   # one second over: one started minute
    }
    assert [rows[e.code]["rank"] for e in (e1, e2, e3, e0)] == [1, 1, 3, 4]
    public = {r["code"]: r for r in json.loads(board.snapshot_text(kit.contest.id, jury=False))["events"][0]["rows"]}
    assert public[e0.code]["total"] == "45.67" and "timing" not in public[e0.code]  # the jury's figures only
    chief = kit.client(kit.chief)
    assert chief.post(f"judging/events/{kit.event.id}/lock").status_code == 200  # every task stopped
    kit.recheck()
    assert chief.post(f"judging/events/{kit.event.id}/publish", {}).status_code == 200
    results = chief.get(f"competitions/{kit.contest.id}/results").json()["items"][0]["rows"]
    assert {r["code"]: r["timing"]["penalty"] for r in results}[e0.code] == "3.00"
    book = load_workbook(io.BytesIO(chief.get(f"competitions/{kit.contest.id}/results.xlsx").content))
    sheet = book["成绩"]
    header_row = next(row for row in sheet.iter_rows() if row[0].value == "名次")
    header = [c.value for c in header_row]
    data = {row[1].value: row for row in sheet.iter_rows() if isinstance(row[0].value, int)}
    elapsed = data[e0.code][header.index("用时")]
    assert elapsed.value == timedelta(minutes=31, seconds=10) and elapsed.number_format == "[h]:mm:ss"
    assert data[e0.code][header.index("超时（分钟）")].value == 2
    assert data[e0.code][header.index("超时扣分")].value == 3.0


def test_stop_rule_ends_the_task_at_the_limit(kit, make_user, clock):
    keeper = timed(kit, make_user, rule="stop")
    e0, e1 = kit.entries[:2]
    t0 = clock.now
    assert start(kit, keeper, e0).status_code == 201
    assert start(kit, keeper, e1).status_code == 201
    clock.now = t0 + timedelta(minutes=35)
    body = stop(kit, keeper, e0).json()
    assert body["timing"]["stopped_automatically"] is True
    assert body["timing"]["elapsed_seconds"] == 1800 and body["timing"]["penalty"] == "0.00"
    assert body["timing"]["stopped_at"] == (t0 + timedelta(minutes=30)).isoformat()
    kit.complete(kit.entries[2])  # any change recomputes the board: e1, never stopped, is over at the limit
    row = jury_rows(kit)[e1.code]["timing"]
    assert (row["running"], row["stopped_automatically"], row["elapsed_seconds"]) == (False, True, 1800)


def test_start_and_stop_are_facts_once_each_and_idempotent(kit, make_user, clock):
    keeper = timed(kit, make_user)
    entry = kit.entries[1]
    assert_error(stop(kit, keeper, entry), 409, "timing_not_started")
    first = start(kit, keeper, entry, "tk-1")
    assert first.status_code == 201 and first.json()["replayed"] is False
    again = start(kit, keeper, entry, "tk-1")
    assert again.status_code == 200 and again.json()["replayed"] is True and again.json()["at"] == first.json()["at"]
    assert_error(start(kit, keeper, entry), 409, "timing_already_started")
    assert_error(start(kit, kit.chief, entry), 409, "timing_already_started")  # whoever tries
    assert_error(stop(kit, keeper, entry, "tk-1"), 409, "client_id_reused")
    assert stop(kit, keeper, entry).status_code == 201
    assert_error(stop(kit, keeper, entry), 409, "timing_already_stopped")
    assert TimingRecord.objects.filter(entry=entry).count() == 2
    assert list(AuditLog.objects.filter(action__startswith="timing").values_list("action", flat=True)) == [
        "timing_start", "timing_stop"]
    refused(lambda: TimingRecord.objects.filter(entry=entry).update(at=timezone.now()))  # the database refuses
    refused(raw("DELETE FROM competitions_timingrecord"))
    with pytest.raises(AppendOnlyError):
        TimingRecord.objects.filter(entry=entry).first().delete()


def test_who_may_keep_time(kit, make_user, clock):
    keeper = timed(kit, make_user)
    other = make_user("别的项目计时员")
    e0, e1, e2 = kit.entries[:3]
    assert start(kit, kit.chief, e0).status_code == 201          # the chief judge
    assert start(kit, keeper, e1).status_code == 201             # the event's timekeeper
    for user in (kit.judges[1], kit.spectator, other, kit.arbitrator):
        assert_error(start(kit, user, e2), 403, "not_timekeeper")
    assert Client().post(f"/api/v1/judging/entries/{e2.id}/timing/start", {"client_id": "x"},
                         content_type="application/json").status_code == 401
    assert not TimingRecord.objects.filter(entry=e2).exists()


def test_an_event_without_a_limit_refuses_timing_and_its_rows_carry_none(kit, make_user):
    Timekeeper.objects.create(event=kit.event, user=(keeper := make_user("计时员")))
    assert_error(start(kit, keeper, kit.entries[0]), 409, "timing_not_enabled")
    kit.complete(kit.entries[0])
    assert all("timing" not in row for row in jury_rows(kit).values())


def test_lock_waits_for_every_timed_task(kit, make_user, clock):
    keeper = timed(kit, make_user)
    for entry in kit.entries:
        kit.complete(entry)
    for entry in kit.entries[:3]:
        start(kit, keeper, entry)
    stop(kit, keeper, kit.entries[0])
    body = assert_error(kit.client(kit.chief).post(f"judging/events/{kit.event.id}/lock"), 409, "timing_running")
    assert {(e["code"], e["started"]) for e in body["detail"]["entries"]} == {
        (kit.entries[1].code, True), (kit.entries[2].code, True), (kit.entries[3].code, False)}
    kit.refresh()
    assert kit.event.state == "open"
