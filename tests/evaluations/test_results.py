"""Results on hand-worked data: distributions, means, NPS, the 1–5 items, dimensions, the org-unit cross-tab
(with suppression of small cells), trend over campaigns, and the xlsx with the same figures."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from evaluations.models import Campaign
from tests.conftest import assert_error
from training.models import Enrolment

from .kit import course_answers

pytestmark = pytest.mark.django_db
NPS = [10, 9, 9, 8, 7, 6, 3, 10]


def fill(world, survey, scores=(4, 4, 4, 4, 4, 4, 2, 2), suggest_by: int | None = None):
    for i, (learner, score) in enumerate(zip(world.learners, scores, strict=False)):
        answers = course_answers(score, nps=NPS[i % len(NPS)], overall="4" if score >= 4 else "2",
                                 suggest="希望多安排实操" if i == suggest_by else None)
        assert world.answer(survey["id"], learner, answers).status_code == 201


def close(world, survey):
    response = world.client(world.trainer).post(f"surveys/{survey['id']}/close")
    assert response.status_code == 200, response.content


def test_distribution_mean_and_nps_on_known_answers(world, clock):
    survey = world.campaign()
    fill(world, survey, suggest_by=3)
    close(world, survey)
    data = world.client(world.trainer).get(f"surveys/{survey['id']}/results").json()
    assert data["count"] == 8 and data["suppressed"] is None
    by_key = {q["key"]: q for q in data["questions"]}
    fit = by_key["content_fit"]
    # 6 × 4 and 2 × 2: mean 28 / 8 = 3.50; shares 75.0 % and 25.0 %.
    assert fit["mean"] == "3.50"
    assert [(p["value"], p["count"], p["share"]) for p in fit["distribution"]] == [
        ("1", 0, "0.0"), ("2", 2, "25.0"), ("3", 0, "0.0"), ("4", 6, "75.0"), ("5", 0, "0.0")]
    # NPS: promoters 10, 9, 9, 10 (4), detractors 6, 3 (2), passives 8, 7: (4 − 2) / 8 = 25.0.
    assert by_key["nps"]["nps"] == {"promoters": 4, "passives": 2, "detractors": 2, "score": "25.0"}
    assert by_key["nps"]["mean"] == "7.75"  # 62 / 8
    overall = by_key["overall"]["distribution"]
    assert {(p["value"], p["count"]) for p in overall} >= {("4", 6), ("2", 2)}
    assert by_key["suggest"]["texts"] == ["希望多安排实操"]
    assert data["overall"] == "3.50" and data["dimensions"] == {"内容": "3.50", "方式": "3.50", "效果": "3.50"}
    assert [i["key"] for i in data["items"]] == ["content_fit", "content_standard", "method_clear",
                                                  "method_practice", "effect_apply"]


def test_results_only_for_organisers(world, clock):
    survey = world.campaign()
    assert_error(world.client(world.learners[0]).get(f"surveys/{survey['id']}/results"), 403, "not_organiser")
    assert_error(world.client(world.outsider).get(f"surveys/{survey['id']}/results"), 404, "survey_not_found")
    assert_error(world.client(world.outsider).get(f"surveys/{survey['id']}/results.xlsx"), 404)


def test_anonymous_results_wait_for_the_close_and_the_minimum(world, clock):
    survey = world.campaign()
    fill(world, survey, scores=(4, 4, 4, 4))
    hidden = world.client(world.trainer).get(f"surveys/{survey['id']}/results").json()
    assert hidden["suppressed"] == "open" and hidden["questions"] == [] and hidden["overall"] is None
    assert "截止" in hidden["suppressed_message"]
    close(world, survey)
    few = world.client(world.trainer).get(f"surveys/{survey['id']}/results?by=org_unit").json()
    assert few["suppressed"] == "too_few" and few["questions"] == [] and few["units"] == []
    assert few["count"] == 4


def test_named_results_are_live(world, clock):
    survey = world.campaign(anonymous=False)
    fill(world, survey, scores=(5,))
    data = world.client(world.trainer).get(f"surveys/{survey['id']}/results").json()
    assert data["suppressed"] is None and data["overall"] == "5.00"


def unit_cells(world, survey):
    data = world.client(world.trainer).get(f"surveys/{survey['id']}/results?by=org_unit").json()
    return {c["org_unit"]["name"]: (c["count"], c["suppressed"], c["overall"]) for c in data["units"]}


def test_cross_tab_cells_below_the_minimum_are_hidden_and_cannot_be_subtracted(world, clock):
    survey = world.campaign(min_responses=5)
    fill(world, survey)
    close(world, survey)
    # 暖通一班 6 answers (4.00), the studio itself 2 (2.00): the 2 are hidden, and since total − 暖通一班 would
    # give them away, 暖通一班 is hidden with them.
    assert unit_cells(world, survey) == {"暖通一班": (6, True, None), "暖通作业技师工作室": (2, True, None)}


def test_cross_tab_joins_the_smallest_cells_until_the_hidden_ones_are_enough(world, clock):
    Enrolment.objects.create(course=world.course, user=world.outsider)
    world.learners.append(world.outsider)
    survey = world.campaign(min_responses=2)
    fill(world, survey, scores=(4, 4, 4, 4, 4, 4, 2, 2, 3))
    close(world, survey)
    assert unit_cells(world, survey) == {"暖通一班": (6, False, "4.00"), "暖通作业技师工作室": (2, True, None),
                                         "楼宇自控技师工作室": (1, True, None)}


def test_trend_per_target_over_campaigns(world, clock):
    first = world.campaign(days=2)
    fill(world, first)
    close(world, first)
    clock.advance(days=10)
    second = world.campaign(days=2)
    fill(world, second, scores=(5, 5, 5, 5, 4, 4, 4, 4))
    points = world.client(world.trainer).get(
        "surveys/trend", {"target_kind": "course", "target_id": world.course.pk}).json()
    assert [(p["campaign_id"], p["overall"], p["suppressed"]) for p in points] == [
        (first["id"], "3.50", None), (second["id"], None, "open")]
    close(world, second)
    points = world.client(world.trainer).get(
        "surveys/trend", {"target_kind": "course", "target_id": world.course.pk}).json()
    assert [p["overall"] for p in points] == ["3.50", "4.50"]
    assert world.client(world.outsider).get(
        "surveys/trend", {"target_kind": "course", "target_id": world.course.pk}).json() == []


def test_xlsx_has_the_same_figures_and_no_respondent_in_an_anonymous_campaign(world, clock):
    survey = world.campaign()
    fill(world, survey, suggest_by=0)
    close(world, survey)
    response = world.client(world.trainer).get(f"surveys/{survey['id']}/results.xlsx")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["概览", "各题分布", "按单位", "答卷"]
    overview = {row[0]: row[1] for row in book["概览"].iter_rows(values_only=True) if row and row[0]}
    assert overview["答卷数"] == 8 and Decimal(str(overview["总体得分（5 分制）"])) == Decimal("3.50")
    answers = list(book["答卷"].iter_rows(values_only=True))
    assert answers[0][0].startswith("content_fit") and len(answers) == 9
    names = {u.name for u in world.learners}
    assert not any(str(cell) in names for row in answers for cell in row if cell is not None)


def test_xlsx_of_a_named_campaign_names_respondents(world, clock):
    survey = world.campaign(anonymous=False)
    fill(world, survey, scores=(4, 3))
    Campaign.objects.filter(pk=survey["id"]).update(closes_at=clock.now + timedelta(seconds=1))
    book = load_workbook(io.BytesIO(world.client(world.trainer).get(f"surveys/{survey['id']}/results.xlsx").content))
    rows = list(book["答卷"].iter_rows(values_only=True))
    assert rows[0][0] == "答卷人" and {r[0] for r in rows[1:]} == {"学员1", "学员2"}


def test_the_export_of_30_questions_by_700_responses_is_a_fixed_number_of_queries(db, api, settings):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from .bulk import populate

    settings.RATE_LIMITS = {key: "100000/60" for key in settings.RATE_LIMITS}
    data = populate(questions=30, responses=700, tag="t")
    client = api.as_user(data["organiser"])
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"surveys/{data['campaign'].pk}/results.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    assert sum(1 for _ in book["答卷"].iter_rows()) == 701
    assert len(queries) <= 12, [q["sql"][:80] for q in queries.captured_queries]
