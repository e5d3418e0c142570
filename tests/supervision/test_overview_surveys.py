"""The overview's evaluations block on known data: surveys each unit organised that closed in the window,
their response rate over the live audience and their mean satisfaction (only results that may be shown),
beside the improvement actions — in a number of queries that does not grow with units, surveys or answers."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from evaluations.models import Campaign, Completion, Response, SurveyTemplate
from evaluations.services import ensure_builtin_templates
from tests.supervision import kit
from tests.supervision.test_overview import WINDOW, rows_by_name

QUESTIONS = [{"key": "q1", "kind": "scale", "title": "总体满意度", "required": True, "dimension": "效果"},
             {"key": "q2", "kind": "scale", "title": "组织安排", "required": True, "dimension": "方式"}]


def survey(world, *, unit, audience, closes, answers, anonymous=False, min_responses=5, title="实训满意度"):
    """A survey organised by `unit` for the people of `audience`, closing at `closes`; `answers` are
    (respondent, q1, q2) and each respondent completes once."""
    ensure_builtin_templates()
    campaign = Campaign.objects.create(
        title=title, template=SurveyTemplate.objects.order_by("id").first(), questions=QUESTIONS,
        target_kind="studio", target_id=unit.pk, target_label=unit.name, org_unit=unit, audience_kind="org_units",
        opens_at=kit.sh(2025, 12, 20, 9), closes_at=closes, anonymous=anonymous, min_responses=min_responses,
        created_by=world.admin)
    campaign.audience_units.set([audience])
    for user, q1, q2 in answers:
        Completion.objects.create(campaign=campaign, user=user, client_id=str(uuid.uuid4()), completed_on=date(2026, 1, 5))
        Response.objects.create(campaign=campaign, answers={"q1": q1, "q2": q2}, org_unit=user.primary_org_unit,
                                respondent=None if anonymous else user)
    return campaign


def surveys(world, make_user, copy: int = 0) -> None:
    org = world.org
    team = [make_user(f"一班学员{copy}{n}", unit=org.hvac_team) for n in range(4)]
    bas = [make_user(f"楼控学员{copy}{n}", unit=org.bas) for n in range(3)]
    # HVAC: 4 of its team asked, 3 answered, named: (5+5)/2, (4+4)/2, (3+3)/2 → overall 4.
    survey(world, unit=org.hvac, audience=org.hvac_team, closes=kit.sh(2026, 1, 31, 18),
           answers=[(team[0], 5, 5), (team[1], 4, 4), (team[2], 3, 3)])
    # BAS: its 4 people (B and three more) asked, 2 answered anonymously — fewer than 5, so no score shown.
    survey(world, unit=org.bas, audience=org.bas, closes=kit.sh(2026, 2, 10, 18), anonymous=True,
           answers=[(bas[0], 1, 1), (bas[1], 1, 1)])
    # Closing after the window: not counted.
    survey(world, unit=org.hvac, audience=org.hvac_team, closes=kit.sh(2026, 3, 2, 18), answers=[(team[3], 1, 1)])


@pytest.fixture
def surveyed(world, make_user):
    surveys(world, make_user)
    return world


def test_response_rate_and_mean_satisfaction_by_unit(api, surveyed):
    org = surveyed.org
    body = api.as_user(surveyed.supervisor).get("supervision/overview", {**WINDOW, "unit": org.base.pk}).json()
    rows = rows_by_name(body)
    hvac, bas, base = (rows[n]["evaluations"] for n in ("暖通作业技师工作室", "楼宇自控技师工作室", "测试实训基地"))
    assert (hvac["surveys_closed"], hvac["survey_audience"], hvac["survey_responded"]) == (1, 4, 3)
    assert (hvac["survey_response_rate"], hvac["mean_satisfaction"]) == (0.75, 4.0)
    assert (bas["survey_response_rate"], bas["mean_satisfaction"]) == (0.5, None)  # suppressed: too few answers
    assert (base["surveys_closed"], base["survey_response_rate"], base["mean_satisfaction"]) == (2, 0.625, 4.0)
    # A leader sees only their studio's figures.
    mine = api.as_user(surveyed.leader).get("supervision/overview", WINDOW).json()
    assert (mine["total"]["evaluations"]["survey_response_rate"], mine["total"]["evaluations"]["surveys_closed"]) == \
        (0.75, 1)
    # The export carries the same figures.
    import io

    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(api.as_user(surveyed.supervisor).get(
        "supervision/overview.xlsx", {**WINDOW, "unit": org.base.pk}).content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[2][values[1].index("问卷回收率")] == 0.625
    assert values[2][values[1].index("平均满意度")] == 4.0
    assert [values[2][values[1].index(label)] for label in ("截止问卷数", "问卷应答人数", "问卷已答人数")] == [2, 8, 5]


def test_no_survey_is_empty_not_an_error(api, world):
    body = api.as_user(world.supervisor).get("supervision/overview", {**WINDOW, "unit": world.org.base.pk}).json()
    assert body["total"]["evaluations"]["survey_response_rate"] is None
    assert body["total"]["evaluations"]["mean_satisfaction"] is None
    assert body["total"]["evaluations"]["surveys_closed"] == 0


def test_queries_do_not_grow_with_surveys_and_answers(api, surveyed, make_user, django_assert_max_num_queries):
    client = api.as_user(surveyed.supervisor)
    params = {**WINDOW, "unit": surveyed.org.base.pk}
    client.get("supervision/overview", params)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get("supervision/overview", params)
    for copy in (1, 2, 3):
        surveys(surveyed, make_user, copy)
    with django_assert_max_num_queries(len(few)):
        body = client.get("supervision/overview", params).json()
    assert body["total"]["evaluations"]["surveys_closed"] == 8


def test_a_course_survey_counts_its_enrollees(api, world, make_user):
    """Audiences other than org units' people (here a course's enrollees) are counted the same way."""
    from training.models import Enrolment

    org = world.org
    course = kit.course(unit=org.bas, standards=[], title="楼控课程")
    learners = [make_user(f"学员{n}", unit=org.hvac) for n in range(3)]
    for learner in learners:
        Enrolment.objects.create(course=course, user=learner)
    campaign = survey(world, unit=org.bas, audience=org.bas, closes=kit.sh(2026, 2, 1, 18),
                      answers=[(learners[0], 4, 4), (learners[1], 2, 2)])
    Campaign.objects.filter(pk=campaign.pk).update(audience_kind="enrollees", target_kind="course", target_id=course.pk)
    learners[2].is_active = False  # a deactivated account leaves the audience
    learners[2].save()
    body = api.as_user(world.supervisor).get("supervision/overview", {**WINDOW, "unit": org.base.pk}).json()
    bas = rows_by_name(body)["楼宇自控技师工作室"]["evaluations"]
    assert (bas["survey_audience"], bas["survey_responded"], bas["survey_response_rate"]) == (2, 2, 1.0)
    assert bas["mean_satisfaction"] == 3.0
