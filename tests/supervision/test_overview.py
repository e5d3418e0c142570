"""GET /api/v1/supervision/overview (and .xlsx) on known data: World (conftest) plus scans, a late report,
an assignment, a contest and two agreements."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from apprenticeships.models import Agreement
from competitions.models import Award, Contest, Entry, EntryMember, Event, PublishedResult
from practice.models import ScanLog
from tests.conftest import assert_error
from tests.supervision import kit
from tests.supervision.conftest import World
from training.models import Enrolment
from workorders.models import WorkOrder

WINDOW = {"from": "2026-01-01", "to": "2026-02-28"}


def more(world: World, copy: int = 0) -> None:
    org, hv = world.org, world.hvac_point
    for minute, suspicious in ((0, False), (5, True)):
        ScanLog.objects.create(user=world.a, code="X", point=hv, outcome="ok", scanned_at=kit.sh(2026, 1, 5, 8, minute),
                               suspicious=suspicious)
    ScanLog.objects.create(user=world.a, code="X", point=hv, outcome="ok", scanned_at=kit.sh(2026, 3, 1, 8),
                           suspicious=True)  # outside the window
    created = kit.sh(2026, 1, 20, 10)
    WorkOrder.objects.create(number=f"WO-LATE-{copy}", point=world.bas_point, studio=org.bas, description="漏水",
                             requester=world.requester, created_at=created, respond_by=created + timedelta(minutes=30),
                             responded_at=created + timedelta(minutes=60), state="accepted")
    enrolment = Enrolment.objects.create(course=kit.course(unit=org.bureau, standards=[], title=f"指派课程{copy}"),
                                         user=world.a, source="assigned")
    Enrolment.objects.filter(pk=enrolment.pk).update(enrolled_at=kit.sh(2026, 1, 5, 9))
    contest = Contest.objects.create(name=f"暖通技能比武{copy}", org_unit=org.hvac, starts_at=kit.sh(2026, 1, 15, 9))
    event = Event.objects.create(contest=contest, name="冷水机组巡检")
    first = Entry.objects.create(event=event, contestant=world.a, org_unit=org.hvac, code=f"A{copy}1")
    second = Entry.objects.create(event=event, contestant=world.b, org_unit=org.bas, code=f"A{copy}2")
    # a team event: the captain from HVAC, a member (the HVAC worker) counted as a contestant of his own unit
    team_event = Event.objects.create(contest=contest, name="联合调试", participation="team")
    team = Entry.objects.create(event=team_event, contestant=world.a, org_unit=org.hvac, code=f"T{copy}1",
                                team_name="暖通队")
    EntryMember.objects.create(event=team_event, entry=team, member=world.a, org_unit=org.hvac, is_captain=True)
    EntryMember.objects.create(event=team_event, entry=team, member=world.worker, org_unit=org.hvac, order=1)
    # published after the entries (the entry list freezes once scoring starts); version 1 gave both a prize,
    # the republished version 2 only the first: awards count the latest version
    Event.objects.filter(pk=event.pk).update(state="published", published_at=kit.sh(2026, 1, 15, 17))
    v1 = PublishedResult.objects.create(event=event, version=1, rows=[], published_by=world.admin)
    v2 = PublishedResult.objects.create(event=event, version=2, rows=[], published_by=world.admin)
    for result, entry, tier in ((v1, first, "一等奖"), (v1, second, "二等奖"), (v2, first, "一等奖")):
        Award.objects.create(event=event, result=result, entry=entry, tier=tier, tier_order=1, rank=1, total="90")


@pytest.fixture
def full(world):
    more(world)
    today = timezone.localdate()
    Agreement.objects.create(studio=world.org.hvac, master=world.leader, apprentice=world.a, target_level="level4",
                             start_date=today - timedelta(days=200), end_date=today + timedelta(days=165),
                             state="active")
    Agreement.objects.create(studio=world.org.bas, master=world.leader, apprentice=world.b, target_level="level4",
                             start_date=date(2025, 1, 1), end_date=today, state="completed",
                             completed_at=timezone.now())
    return world


def rows_by_name(body):
    return {row["unit"]["name"]: row for row in [body["total"], *body["units"]]}


def test_the_base_and_its_studios_on_known_data(api, full):
    org = full.org
    body = api.as_user(full.supervisor).get("supervision/overview", {**WINDOW, "unit": org.base.pk}).json()
    assert body["unit"]["id"] == org.base.pk and body["total"]["unit"]["id"] == org.base.pk
    assert [row["unit"]["name"] for row in body["units"]] == ["暖通作业技师工作室", "楼宇自控技师工作室"]
    rows = rows_by_name(body)
    base, hvac, bas = rows["测试实训基地"], rows["暖通作业技师工作室"], rows["楼宇自控技师工作室"]
    # Practice: HVAC 4 runs in January (one of the other standard) + 3 in February, 3 passed; BAS one fail.
    assert (hvac["practice"]["runs"], hvac["practice"]["passed"], hvac["practice"]["problem_runs"]) == (7, 3, 4)
    assert (bas["practice"]["runs"], bas["practice"]["passed"], bas["practice"]["pass_rate"]) == (1, 0, 0.0)
    assert (base["practice"]["runs"], base["practice"]["pass_rate"]) == (8, 0.375)
    assert (hvac["practice"]["scans"], hvac["practice"]["flagged_scans"], hvac["practice"]["flagged_share"]) == \
        (2, 1, 0.5)
    # Standards: two effective (both national, operations); HVAC practised both, BAS one.
    assert (hvac["standards"]["effective"], hvac["standards"]["with_recent_runs"]) == (2, 2)
    assert (bas["standards"]["with_recent_runs"], bas["standards"]["with_recent_runs_share"]) == (1, 0.5)
    national = next(r for r in bas["standards"]["by_level"] if r["key"] == "national")
    assert (national["standards"], national["with_recent_runs"]) == (2, 1)
    # Work orders: HVAC's five corrective orders missed no deadline (they have none), three rated 5;
    # BAS: one corrective (rated 5) and a report answered after 60 minutes against a 30-minute deadline.
    assert (hvac["workorders"]["orders"], hvac["workorders"]["deadlines_met"], hvac["workorders"]["satisfaction"]) == \
        (5, 5, 5.0)
    assert (bas["workorders"]["orders"], bas["workorders"]["deadlines_met_rate"],
            bas["workorders"]["median_response_minutes"]) == (2, 0.5, 60.0)
    assert (base["workorders"]["orders"], base["workorders"]["deadlines_met"]) == (7, 6)
    # Training: A (HVAC) was assigned one course (not done), completed two courses (2 学时 each) and sat
    # one exam (failed); B (BAS) the same without the assignment.
    assert hvac["training"] == {"assigned": 1, "assigned_completed": 0, "assigned_completion_rate": 0.0,
                                "completed": 2, "hours": 4.0, "exam_attempts": 1, "exam_passed": 0,
                                "exam_pass_rate": 0.0}
    assert (base["training"]["completed"], base["training"]["hours"]) == (4, 8.0)
    # Contests: HVAC organised one (one event published), with contestants from HVAC (the team's member too)
    # and BAS; the latest published version gave HVAC's contestant 一等奖 (BAS's 二等奖 was in version 1 only).
    assert hvac["contests"] == {"held": 1, "events_published": 1, "contestants": 2, "awards": 1,
                                "awards_by_tier": {"一等奖": 1}}
    assert (bas["contests"]["held"], bas["contests"]["contestants"], bas["contests"]["awards"]) == (0, 1, 0)
    assert (base["contests"]["held"], base["contests"]["contestants"], base["contests"]["awards"]) == (1, 3, 1)
    # Apprenticeships: one active at HVAC (some colour), one completed at BAS this year.
    ap = hvac["apprenticeships"]
    assert ap["active"] == 1 and ap["red"] + ap["amber"] + ap["green"] == 1
    assert (bas["apprenticeships"]["completed_this_year"], base["apprenticeships"]["completed_this_year"]) == (1, 1)
    # Evaluations: no surveys and no improvement actions in this data (test_overview_surveys has them).
    assert base["evaluations"] == {"available": True, "survey_response_rate": None, "mean_satisfaction": None,
                                   "open_improvement_actions": 0, "improvement_actions_opened": 0,
                                   "surveys_closed": 0, "survey_audience": 0, "survey_responded": 0}


def test_open_improvement_actions_count_where_they_are_supervised(api, full):
    from datetime import date
    from decimal import Decimal

    from evaluations.models import ImprovementAction

    org = full.org
    common = {"target_kind": "course", "target_id": 1, "target_label": "课程", "source_id": 1,
              "source_label": "评价", "item_label": "效果", "score": Decimal("3.00"), "threshold": Decimal("3.50"),
              "due_date": date(2026, 3, 1)}
    ImprovementAction.objects.create(org_unit=org.hvac, **common)
    ImprovementAction.objects.create(org_unit=org.hvac, state=ImprovementAction.State.SUBMITTED,
                                     **{**common, "source_id": 2})
    ImprovementAction.objects.create(org_unit=org.bas, state=ImprovementAction.State.CLOSED,
                                     **{**common, "source_id": 3})
    body = api.as_user(full.supervisor).get("supervision/overview", {**WINDOW, "unit": org.base.pk}).json()
    rows = rows_by_name(body)
    assert rows["暖通作业技师工作室"]["evaluations"]["open_improvement_actions"] == 2
    assert rows["楼宇自控技师工作室"]["evaluations"]["open_improvement_actions"] == 0
    assert rows["测试实训基地"]["evaluations"]["open_improvement_actions"] == 2


def test_scope_per_role_and_the_export_says_the_same(api, full):
    org = full.org
    leader = api.as_user(full.leader)
    mine = leader.get("supervision/overview", WINDOW).json()
    assert mine["unit"]["id"] == org.hvac.pk
    assert [row["unit"]["name"] for row in mine["units"]] == ["暖通一班"]
    assert mine["total"]["practice"]["runs"] == 7
    assert_error(leader.get("supervision/overview", {**WINDOW, "unit": org.base.pk}), 404, "not_found")
    assert_error(leader.get("supervision/overview.xlsx", {**WINDOW, "unit": org.bas.pk}), 404, "not_found")
    assert_error(api.as_user(full.worker).get("supervision/overview", WINDOW), 403, "forbidden")
    assert_error(api.as_user(full.worker).get("supervision/overview.xlsx", WINDOW), 403, "forbidden")
    assert_error(api.as_user(full.base_supervisor).get("supervision/overview", {"unit": org.bureau.pk}), 404)
    response = leader.get("supervision/overview.xlsx", WINDOW)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[1][:3] == ["单位", "现行标准数", "有实操的标准数"]
    assert [row[0] for row in values[2:]] == ["暖通作业技师工作室（合计）", "暖通一班"]
    assert values[2][values[1].index("实操次数")] == 7
    assert values[2][values[1].index("参赛人数")] == 2  # the contestant and the team's member
    assert values[2][values[1].index("获奖数")] == 1


def test_bad_input(api, full):
    client = api.as_user(full.supervisor)
    assert_error(client.get("supervision/overview", {"from": "2026-03-01", "to": "2026-01-01"}), 422,
                 "invalid_date_range")
    assert_error(client.get("supervision/overview", {"from": "2024-01-01", "to": "2026-01-01"}), 422,
                 "date_range_too_long")
    assert_error(client.get("supervision/overview", {"unit": 999999}), 404, "not_found")
    assert_error(client.get("supervision/overview", {"unit": "abc"}), 422)
    assert_error(client.get("supervision/overview", {"to": "0001-01-05"}), 422, "invalid_date")
    assert_error(client.get("supervision/overview.xlsx", {"from": "9999-12-31"}), 422, "invalid_date")


def test_queries_do_not_grow_with_the_data(api, full):
    client = api.as_user(full.supervisor)
    params = {**WINDOW, "unit": full.org.base.pk}
    client.get("supervision/overview", params)
    with CaptureQueriesContext(connection) as few:
        assert client.get("supervision/overview", params).status_code == 200
    for copy in (1, 2):
        full._month_data(copy)
        more(full, copy)
    with CaptureQueriesContext(connection) as many:
        body = client.get("supervision/overview", params).json()
    assert body["total"]["practice"]["runs"] == 3 * 8
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
