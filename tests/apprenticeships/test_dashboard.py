"""The leader's dashboard: one row per apprentice, counts by RAG, sorting, xlsx export, bulk countersign,
and a constant number of queries whatever the number of apprentices and competencies."""

import io
from datetime import date, timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from accounts.models import OrgUnit
from accounts.services import ensure_org_unit
from apprenticeships.models import Countersign
from apprenticeships.schemas import DashboardOut
from tests.conftest import assert_error

from .bulk import populate

START = date(2026, 3, 2)


def _three_apprentices(teaching, clock, make_user):
    """李文博 on track (green), 钱多多 a little behind (amber), 赵子涵 far behind and idle (red)."""
    clock.set(START)
    hvac = teaching.org.hvac
    amber = make_user("钱多多", roles=[("apprentice", hvac)], unit=hvac)
    red = make_user("赵子涵", roles=[("apprentice", hvac)], unit=hvac)
    agreements = {
        "green": teaching.create(start=START),
        "amber": teaching.create(apprentice=amber, start=START),
        "red": teaching.create(apprentice=red, start=START),
    }
    teaching.hours(agreements["red"]["id"], 2, user=red)
    clock.set(START + timedelta(days=70))  # expected 19.2 %, 76.9 hours; review due in 14 days
    green, amber_plan = agreements["green"], agreements["amber"]
    for code in ("K1", "B1"):
        teaching.rate(teaching.item(green, code)["id"], "met")
        teaching.countersign(teaching.item(green, code)["id"])
    teaching.rate(teaching.item(amber_plan, "K1")["id"], "skilled")
    teaching.countersign(teaching.item(amber_plan, "K1")["id"])
    teaching.rate(teaching.item(amber_plan, "B1")["id"], "met")  # ready for countersign
    for agreement, user, hours in ((green, teaching.apprentice, 60), (amber_plan, amber, 30)):
        for n in range(4):
            teaching.hours(agreement["id"], hours / 4, START + timedelta(days=60 + n), user=user)
    teaching.review(green["id"])
    teaching.review(amber_plan["id"], apprentice=amber)
    return agreements


def test_one_row_per_apprentice_with_counts_and_reasons(teaching, clock, make_user):
    agreements = _three_apprentices(teaching, clock, make_user)
    response = teaching.client(teaching.leader).get(f"studios/{teaching.org.hvac.pk}/dashboard")
    assert response.status_code == 200, response.content
    body = response.json()
    DashboardOut.model_validate(body)  # the documented schema (the rows are serialised directly)
    assert body["counts"] == {"red": 1, "amber": 1, "green": 1} and body["count"] == 3
    assert body["today"] == str(clock.today)
    rows = {row["apprentice"]["name"]: row for row in body["rows"]}
    assert [row["apprentice"]["name"] for row in body["rows"]] == ["赵子涵", "钱多多", "李文博"]  # red first
    green, amber, red = rows["李文博"], rows["钱多多"], rows["赵子涵"]
    assert (green["rag"], green["rag_reasons"]) == ("green", [])
    assert (green["progress_pct"], green["expected_pct"]) == (33.3, 19.2)
    assert (green["hours"], green["expected_hours"]) == (60.0, 76.9)
    assert green["master"]["name"] == "王德明" and green["last_activity"] == str(START + timedelta(days=63))
    assert amber["rag"] == "amber" and amber["ready_for_countersign"] == [
        teaching.item(agreements["amber"], "B1")["id"]]
    assert {r["code"]: r["level"] for r in amber["rag_reasons"]} == {"hours_behind": "amber"}
    assert red["rag"] == "red"
    assert {r["code"]: r["level"] for r in red["rag_reasons"]} == {
        "progress_behind": "amber", "hours_behind": "amber", "inactive": "red", "review_due_soon": "amber"}
    assert red["next_review_due"] == str(START + timedelta(weeks=12)) and red["days_inactive"] == 70


def test_sorting_filtering_and_the_excel_export_agree(teaching, clock, make_user):
    _three_apprentices(teaching, clock, make_user)
    leader = teaching.client(teaching.leader)
    url = f"studios/{teaching.org.hvac.pk}/dashboard"
    names = lambda body: [r["apprentice"]["name"] for r in body["rows"]]  # noqa: E731
    assert names(leader.get(url, {"sort": "-progress"}).json()) == ["李文博", "钱多多", "赵子涵"]
    assert names(leader.get(url, {"sort": "behind"}).json()) == ["李文博", "钱多多", "赵子涵"]
    assert names(leader.get(url, {"sort": "-hours"}).json()) == ["李文博", "钱多多", "赵子涵"]
    assert names(leader.get(url, {"sort": "last_activity"}).json())[0] == "赵子涵"
    only_red = leader.get(url, {"rag": "red"}).json()
    assert names(only_red) == ["赵子涵"] and only_red["counts"] == {"red": 1, "amber": 1, "green": 1}
    assert_error(leader.get(url, {"sort": "salary"}), 422, "validation_error")

    response = leader.get(f"{url}.xlsx", {"sort": "-progress"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert "红 1 人" in sheet["A2"].value
    header = [c.value for c in sheet[4]]
    assert header[:3] == ["徒弟", "师傅", "工作室"] and "风险原因" in header
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=5)]
    assert [r[0] for r in rows] == ["李文博", "钱多多", "赵子涵"]
    red_row = rows[2]
    assert red_row[header.index("风险")] == "红" and "没有新的实训记录" in red_row[header.index("风险原因")]
    assert red_row[header.index("能力进度%")] == 0.0


def test_bulk_countersign_from_the_dashboard(teaching, clock, make_user):
    agreements = _three_apprentices(teaching, clock, make_user)
    ready = teaching.item(agreements["amber"], "B1")["id"]
    green_s2 = teaching.item(agreements["green"], "S2")["id"]
    teaching.rate(green_s2, "skilled")
    unrated = teaching.item(agreements["red"], "K1")["id"]
    bas = teaching.practice.bas_leader
    outside_studio = make_user("楼控徒弟", roles=[("apprentice", teaching.org.bas)], unit=teaching.org.bas)
    body = [ready, green_s2, unrated, 987654321]
    response = teaching.client(teaching.leader).post(f"studios/{teaching.org.hvac.pk}/countersign",
                                                     {"plan_item_ids": body, "comment": "季度集中确认"})
    assert response.status_code == 200, response.content
    result = response.json()
    assert [(r["plan_item_id"], r["status"], r["code"]) for r in result["results"]] == [
        (ready, "signed", None), (green_s2, "signed", None), (unrated, "rejected", "not_proficient"),
        (987654321, "rejected", "not_found")]
    assert (result["signed"], result["rejected"]) == (2, 2)
    again = teaching.client(teaching.leader).post(f"studios/{teaching.org.hvac.pk}/countersign",
                                                  {"plan_item_ids": [ready]}).json()
    assert again["results"][0]["status"] == "already_signed" and Countersign.objects.count() == 5
    # Another studio's leader can neither see this dashboard nor sign these items.
    assert_error(teaching.client(bas).get(f"studios/{teaching.org.hvac.pk}/dashboard"), 404, "not_found")
    foreign = teaching.client(bas).post(f"studios/{teaching.org.bas.pk}/countersign", {"plan_item_ids": [green_s2]})
    assert foreign.json()["results"][0]["code"] == "not_found"
    assert outside_studio.pk  # (an apprentice elsewhere does not change the HVAC counts)
    dashboard = teaching.client(teaching.leader).get(f"studios/{teaching.org.hvac.pk}/dashboard").json()
    assert all(not row["ready_for_countersign"] for row in dashboard["rows"])


def _dashboard_queries(leader_client, studio) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as queries:
        response = leader_client.get(f"studios/{studio.pk}/dashboard")
    assert response.status_code == 200, response.content
    return len(queries), response.json()


def test_the_dashboard_runs_the_same_queries_for_10_and_300_apprentices(api, org):
    small_studio = ensure_org_unit(name="小工作室", kind=OrgUnit.Kind.STUDIO, parent=org.base)
    big_studio = ensure_org_unit(name="大工作室", kind=OrgUnit.Kind.STUDIO, parent=org.base)
    small = populate(studio=small_studio, apprentices=10, competencies=6, tag="small")
    big = populate(studio=big_studio, apprentices=300, competencies=40, tag="big", seed=2)
    small_count, small_body = _dashboard_queries(api.as_user(small["leader"]), small_studio)
    big_count, big_body = _dashboard_queries(api.as_user(big["leader"]), big_studio)
    assert (small_body["count"], big_body["count"]) == (10, 300)
    DashboardOut.model_validate(big_body)
    assert sum(small_body["counts"].values()) == 10 and sum(big_body["counts"].values()) == 300
    assert any(row["ready_for_countersign"] for row in big_body["rows"])
    assert any(row["competencies_signed"] for row in big_body["rows"])
    assert small_count == big_count <= 10, (small_count, big_count)


def test_whole_plans_are_read_in_a_constant_number_of_queries(api, org):
    studio = ensure_org_unit(name="带教工作室", kind=OrgUnit.Kind.STUDIO, parent=org.base)
    few = populate(studio=studio, apprentices=2, competencies=3, tag="few")
    many = populate(studio=studio, apprentices=20, competencies=40, tag="many", seed=3)
    counts = []
    for data, expected in ((few, 2), (many, 20)):
        client = api.as_user(data["master"])
        with CaptureQueriesContext(connection) as queries:
            response = client.get("apprenticeships", {"role": "master", "limit": 100})
        assert response.status_code == 200 and response.json()["count"] == expected
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
