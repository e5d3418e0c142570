"""GET /api/v1/standards/{id}/implementation on known data (tests/supervision/conftest.py: World)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import assert_error
from tests.supervision.conftest import World

WINDOW = {"from": "2026-01-01", "to": "2026-02-28"}


def get(api, user, standard, **params):
    return api.as_user(user).get(f"standards/{standard.pk}/implementation", {**WINDOW, **params})


def test_the_bureaus_series_is_the_hand_worked_one(api, world):
    body = get(api, world.supervisor, world.standard).json()
    assert body["unit"]["id"] == world.org.bureau.pk
    assert (body["procedures"], body["published_procedures"], body["points"]) == (2, 2, 2)  # the inactive point not
    jan, feb = body["months"]
    assert [jan["month"], feb["month"]] == ["2026-01", "2026-02"]
    # January: HVAC pass/fail/flag (the open run is not counted) + BAS fail; the other standard's run is not.
    assert (jan["runs"], jan["problem_runs"], jan["problem_share"]) == (4, 3, 0.75)
    # Orders closed after 60, 180 and 30 minutes: the median is 60.
    assert (jan["corrective_orders"], jan["closed_orders"], jan["median_close_minutes"]) == (3, 3, 60.0)
    # 1 Feb 01:00 in Shanghai is still 31 Jan in UTC, and counts in February.
    assert (feb["runs"], feb["problem_runs"], feb["problem_share"]) == (3, 1, 0.3333)
    assert (feb["corrective_orders"], feb["closed_orders"], feb["median_close_minutes"]) == (2, 0, None)
    assert (jan["learners"], feb["learners"]) == (1, 2)
    assert (jan["exam_answers"], jan["exam_correct"], jan["exam_pass_rate"]) == (1, 1, 1.0)
    assert (feb["exam_answers"], feb["exam_correct"], feb["exam_pass_rate"]) == (1, 0, 0.0)
    totals = body["totals"]
    assert (totals["runs"], totals["problem_runs"], totals["problem_share"]) == (7, 4, 0.5714)
    assert (totals["corrective_orders"], totals["closed_orders"], totals["median_close_minutes"]) == (5, 3, 60.0)
    assert totals["learners"] == 2  # A and B, distinct over the window (the months add up to 3)
    assert totals["exam_pass_rate"] == 0.5
    # The superseded fail of the first January run is not a failing step.
    assert body["failing_steps"] == [
        {"procedure_code": "SOP-HVAC-101", "position": 1, "title": "机组运行状态检查", "count": 2, "fail": 2, "flag": 0},
        {"procedure_code": "SOP-BAS-101", "position": 1, "title": "机组运行状态检查", "count": 1, "fail": 1, "flag": 0},
        {"procedure_code": "SOP-HVAC-101", "position": 2, "title": "冷冻水供水温度", "count": 1, "fail": 0, "flag": 1},
    ]


def test_a_workshop_leader_sees_their_studio_only(api, world):
    body = get(api, world.leader, world.standard).json()
    assert body["unit"]["id"] == world.org.hvac.pk
    jan, feb = body["months"]
    assert (body["points"], jan["runs"], jan["problem_runs"], jan["problem_share"]) == (1, 3, 2, 0.6667)
    assert (jan["corrective_orders"], jan["median_close_minutes"]) == (2, 120.0)  # (60 + 180) / 2
    assert (jan["learners"], feb["learners"], body["totals"]["learners"]) == (1, 1, 1)
    assert [s["procedure_code"] for s in body["failing_steps"]] == ["SOP-HVAC-101", "SOP-HVAC-101"]
    assert_error(get(api, world.leader, world.standard, unit=world.org.bas.pk), 404, "not_found")
    assert_error(get(api, world.leader, world.standard, unit=world.org.bureau.pk), 404, "not_found")


def test_supervisor_scope_and_refusals(api, world):
    # A supervisor over the base may look at one studio under it, not at the bureau above it.
    bas = get(api, world.base_supervisor, world.standard, unit=world.org.bas.pk).json()
    assert (bas["months"][0]["runs"], bas["months"][1]["runs"]) == (1, 0)
    assert_error(get(api, world.base_supervisor, world.standard, unit=world.org.bureau.pk), 404, "not_found")
    # Admins see from the top; a worker has no supervision grant.
    assert get(api, world.admin, world.standard).json()["unit"]["id"] == world.org.bureau.pk
    assert_error(get(api, world.worker, world.standard), 403, "forbidden")
    assert_error(api.get(f"standards/{world.standard.pk}/implementation"), 401)


def test_bad_input(api, world):
    assert_error(api.as_user(world.supervisor).get("standards/999999/implementation"), 404, "not_found")
    assert_error(get(api, world.supervisor, world.standard, **{"from": "2026-03-01", "to": "2026-02-01"}), 422,
                 "invalid_date_range")
    assert_error(get(api, world.supervisor, world.standard, **{"from": "2020-01-01", "to": "2026-02-01"}), 422,
                 "date_range_too_long")
    assert_error(get(api, world.supervisor, world.standard, **{"from": "2026-13-01"}), 422)
    assert_error(get(api, world.supervisor, world.standard, **{"from": "0001-01-01"}), 422, "invalid_date")
    assert_error(get(api, world.supervisor, world.standard, **{"to": "9999-12-31"}), 422, "invalid_date")


@pytest.mark.parametrize("extra", [2])
def test_queries_do_not_grow_with_the_data(api, org, make_user, extra):
    small = World(org, make_user)
    client = api.as_user(small.supervisor)
    client.get(f"standards/{small.standard.pk}/implementation", WINDOW)  # warm the token and caches
    with CaptureQueriesContext(connection) as few:
        assert client.get(f"standards/{small.standard.pk}/implementation", WINDOW).status_code == 200
    for copy in range(1, extra + 1):
        small._month_data(copy)
    with CaptureQueriesContext(connection) as many:
        body = client.get(f"standards/{small.standard.pk}/implementation", WINDOW).json()
    assert body["totals"]["runs"] == 7 * (1 + extra)
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
