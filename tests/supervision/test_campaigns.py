"""An evaluation campaign end to end (services and selectors; the panel is given, the roster draw comes with
issue 15's experts app): pre-filled evidence from the implementation series, scores, the contests'
trimmed mean from 5 experts, weighted scores by dimension and overall, progress by indicators reviewed."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from miniprogram_api.errors import ApiError
from standard_evaluations import selectors, services
from standard_evaluations.models import Indicator, IndicatorSystem


@pytest.fixture
def campaign(world, make_user):
    system = IndicatorSystem.objects.get(code="standard-implementation", version=1)
    experts = [make_user(f"专家{n}") for n in range(5)]
    opened = services.open_campaign(actor=world.admin, system=system, standard=world.standard, unit=world.org.bureau,
                                    title="GB 50365-2019 实施评价", date_from=date(2026, 1, 1),
                                    date_to=date(2026, 2, 28), experts=experts)
    return opened, experts, {i.code: i for i in Indicator.objects.filter(dimension__system=system)}


def score(campaign, expert, indicator, value):
    return services.score_indicator(expert=expert, campaign_id=campaign.pk, indicator_id=indicator.pk,
                                    score=Decimal(value), comment="依据现场检查", evidence=[{"kind": "site_visit"}])


def test_prefilled_evidence_is_the_implementation_series(campaign):
    opened, _, _ = campaign
    results = selectors.campaign_results(opened.pk)
    prefilled = {i["code"]: i["prefilled"] for d in results["dimensions"] for i in d["indicators"] if i["prefilled"]}
    assert set(prefilled) == {"T5", "P1", "P3", "P4", "P5", "P6"}
    assert {k: prefilled["P5"][k] for k in ("runs", "problem_runs", "problem_share")} == \
        {"runs": 7, "problem_runs": 4, "problem_share": 0.5714}
    assert prefilled["P5"]["failing_steps"][0]["count"] == 2
    assert {k: prefilled["P6"][k] for k in ("corrective_orders", "closed_orders", "median_close_minutes")} == \
        {"corrective_orders": 5, "closed_orders": 3, "median_close_minutes": 60.0}
    assert (prefilled["P1"]["learners"], prefilled["P1"]["exam_pass_rate"]) == (2, 0.5)
    assert (prefilled["P3"]["procedures"], prefilled["P3"]["points"]) == (2, 2)
    assert results["progress"] == {"indicators": 17, "reviewed": 0, "share": 0.0}
    assert results["score"] is None


def test_scores_aggregate_with_the_contests_trimmed_mean_and_weights(campaign):
    opened, experts, indicators = campaign
    # P5 by all five: 0 and 100 are dropped, (80 + 80 + 80) / 3 = 80 (a plain mean would be 68).
    for expert, value in zip(experts, ["0", "80", "80", "80", "100"], strict=True):
        score(opened, expert, indicators["P5"], value)
    # P1 by three of five: no trimming below five, (70 + 80 + 90) / 3 = 80, and not yet reviewed.
    for expert, value in zip(experts[:3], ["70", "80", "90"], strict=True):
        score(opened, expert, indicators["P1"], value)
    partial = selectors.campaign_results(opened.pk)
    rows = {i["code"]: i for d in partial["dimensions"] for i in d["indicators"]}
    assert (rows["P5"]["score"], rows["P5"]["reviewed"], rows["P5"]["experts_scored"]) == (Decimal("80.00"), True, 5)
    assert (rows["P1"]["score"], rows["P1"]["reviewed"]) == (Decimal("80.00"), False)
    assert (partial["progress"]["indicators"], partial["progress"]["reviewed"]) == (17, 1)
    assert partial["score"] is None  # not every indicator has a score yet
    # Everything else: technical level 100, process 80, benefits 70 → 100×30% + 80×40% + 70×30% = 83.
    values = {"T": "100", "P": "80", "B": "70"}
    for code, indicator in indicators.items():
        if code in ("P5",):
            continue
        for expert in experts:
            score(opened, expert, indicator, values[code[0]])
    done = selectors.campaign_results(opened.pk)
    assert [d["score"] for d in done["dimensions"]] == [Decimal("100.00"), Decimal("80.00"), Decimal("70.00")]
    assert done["score"] == Decimal("83.00")
    assert done["progress"] == {"indicators": 17, "reviewed": 17, "share": 1.0}


def test_refusals_change_nothing(campaign, make_user):
    opened, experts, indicators = campaign
    with pytest.raises(ApiError) as refused:
        score(opened, make_user("不在专家组"), indicators["P5"], "80")
    assert refused.value.status == 404
    with pytest.raises(ApiError) as refused:
        score(opened, experts[0], indicators["P5"], "120")
    assert (refused.value.status, refused.value.code) == (422, "score_out_of_range")
    opened.state = "closed"
    opened.save()
    with pytest.raises(ApiError) as refused:
        score(opened, experts[0], indicators["P5"], "80")
    assert (refused.value.status, refused.value.code) == (409, "campaign_closed")
    assert selectors.campaign_results(opened.pk)["dimensions"][1]["indicators"][4]["experts_scored"] == 0


def test_the_campaign_over_the_api(api, world, make_user):
    from tests.conftest import assert_error

    system = IndicatorSystem.objects.get(code="standard-implementation", version=1)
    experts = [make_user(f"专家{n}") for n in range(5)]
    body = {"system_id": system.pk, "standard_id": world.standard.pk, "unit_id": world.org.bureau.pk,
            "title": "GB 50365-2019 实施评价", "date_from": "2026-01-01", "date_to": "2026-02-28",
            "expert_ids": [e.pk for e in experts]}
    assert_error(api.as_user(world.supervisor).post("evaluation-campaigns", body), 403, "forbidden")
    assert_error(api.as_user(world.admin).post("evaluation-campaigns", {**body, "expert_ids": [999999]}), 422,
                 "unknown_experts")
    assert_error(api.as_user(world.admin).post("evaluation-campaigns", [body]), 422)
    response = api.as_user(world.admin).post("evaluation-campaigns", body)
    assert response.status_code == 201, response.content
    opened = response.json()
    assert (opened["panel_size"], opened["progress"]["indicators"]) == (5, 17)
    p5 = Indicator.objects.get(dimension__system=system, code="P5")
    scored = api.as_user(experts[0]).post(f"evaluation-campaigns/{opened['id']}/scores",
                                          {"indicator_id": p5.pk, "score": "85", "comment": "合格率偏低"})
    assert scored.status_code == 200
    row = next(i for d in scored.json()["dimensions"] for i in d["indicators"] if i["code"] == "P5")
    assert (row["experts_scored"], row["score"]) == (1, "85.00")
    assert_error(api.as_user(world.worker).post(f"evaluation-campaigns/{opened['id']}/scores",
                                                {"indicator_id": p5.pk, "score": "85"}), 404, "not_found")
    assert_error(api.as_user(experts[1]).post(f"evaluation-campaigns/{opened['id']}/scores",
                                              {"indicator_id": p5.pk, "score": "abc"}), 422)
    assert api.as_user(world.supervisor).get(f"evaluation-campaigns/{opened['id']}").status_code == 200
    assert_error(api.as_user(world.leader).get(f"evaluation-campaigns/{opened['id']}"), 404)  # the bureau is above
    assert_error(api.as_user(world.worker).get(f"evaluation-campaigns/{opened['id']}"), 404)


def test_an_expert_on_the_roster_has_the_evaluation_on_their_record(campaign):
    from experts.models import Expert

    opened, experts, indicators = campaign
    expert = Expert.objects.create(code="ZJ-9002", user=experts[0], name="专家0")
    first, second = list(indicators.values())[:2]
    score(opened, experts[0], first, "1")
    score(opened, experts[0], second, "1")  # a second indicator is the same evaluation
    score(opened, experts[1], first, "1")  # not on the roster: nothing to record
    (done,) = expert.engagements.all()
    assert (done.kind, done.ref, done.title) == ("evaluation", f"standard_evaluations.campaign:{opened.pk}",
                                                 "GB 50365-2019 实施评价")
