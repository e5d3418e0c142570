"""The next evaluation of the same (standard, unit) re-checks the improvement actions the earlier ones
opened — evaluations' own re-check, as a survey does for its target: an indicator whose new score rate
reaches the threshold passes (复查通过), one still below fails (复查未通过, and the new evaluation opens its
own action for it), one it did not score stays pending. The report (JSON and xlsx) lists the previous
evaluation's actions with their outcome."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

from openpyxl import load_workbook

from evaluations.models import ActionEvent, ImprovementAction
from standard_evaluations import selectors, services
from standard_evaluations.models import Indicator, IndicatorSystem


def evaluate(world, expert, unit, scores: dict[str, str], *, default="80", only=False, reason=""):
    """Open an evaluation of GB 50365-2019 at `unit` with one expert, score it and close it."""
    system = IndicatorSystem.objects.get(code="standard-implementation", version=1)
    campaign = services.open_campaign(actor=world.admin, system=system, standard=world.standard, unit=unit,
                                      title=f"{unit.name} 实施评价", date_from=date(2026, 1, 1),
                                      date_to=date(2026, 2, 28), experts=[expert])
    for indicator in Indicator.objects.filter(dimension__system=system):
        value = scores.get(indicator.code, None if only else default)
        if value is not None:
            services.score_indicator(expert=expert, campaign_id=campaign.pk, indicator_id=indicator.pk,
                                     score=Decimal(value))
    services.close_campaign(actor=world.admin, campaign_id=campaign.pk, reason=reason)
    return campaign


def actions_of(campaign) -> dict[str, ImprovementAction]:
    return {a.item_key: a for a in ImprovementAction.objects.filter(source_kind="standard_evaluation",
                                                                     source_id=campaign.pk)}


def test_the_next_evaluation_rechecks_the_previous_actions(world, make_user, api):
    expert = make_user("评审专家")
    first = evaluate(world, expert, world.org.hvac, {"P1": "40", "P5": "50"})
    assert set(actions_of(first)) == {"P1", "P5"}
    assert {a.recheck for a in actions_of(first).values()} == {"pending"}
    # Another unit's evaluation of the same standard re-checks nothing at HVAC.
    evaluate(world, expert, world.org.bas, {"P1": "90", "P5": "90"})
    assert {a.recheck for a in actions_of(first).values()} == {"pending"}

    # The second evaluation at HVAC: P1 improved to 70 % (≥ 60), P5 still at 55 %, B1 newly low.
    second = evaluate(world, expert, world.org.hvac, {"P1": "70", "P5": "55", "B1": "50"})
    old = actions_of(first)
    assert (old["P1"].recheck, old["P1"].recheck_score, old["P1"].recheck_source_id) == \
        ("passed", Decimal("70.00"), second.pk)
    assert (old["P5"].recheck, old["P5"].recheck_score, old["P5"].recheck_source_id) == \
        ("failed", Decimal("55.00"), second.pk)
    assert old["P5"].state == "open"  # a failed re-check leaves the action as it was
    assert set(actions_of(second)) == {"B1", "P5"}  # the still-low P5 gets a new action from the new source
    notes = list(ActionEvent.objects.filter(action=old["P1"], kind="rechecked").values_list("note", flat=True))
    assert notes == ["复查得分 70.00（阈值 60.00）：复查通过"]

    report = api.as_user(world.leader).get(f"evaluation-campaigns/{second.pk}/report")
    assert report.status_code == 200, report.content
    previous = report.json()["previous_actions"]
    assert [(a["campaign_id"], a["item_key"], a["score"], a["recheck"], a["recheck_score"], a["recheck_campaign_id"])
            for a in previous] == [(first.pk, "P1", "40.00", "passed", "70.00", second.pk),
                                   (first.pk, "P5", "50.00", "failed", "55.00", second.pk)]
    assert selectors.campaign_report(first.pk)["previous_actions"] == []  # nothing before the first

    # A third, closed early with only P5 scored (65 %): the second's P5 passes, its B1 stays pending; the
    # first's actions, already re-checked, are not touched again.
    third = evaluate(world, expert, world.org.hvac, {"P5": "65"}, only=True, reason="专项复查")
    again = actions_of(second)
    assert (again["P5"].recheck, again["P5"].recheck_score) == ("passed", Decimal("65.00"))
    assert (again["B1"].recheck, again["B1"].recheck_score) == ("pending", None)
    assert actions_of(first)["P5"].recheck_source_id == second.pk
    assert actions_of(third) == {}
    report = selectors.campaign_report(third.pk)
    assert [(a["campaign_id"], a["item_key"], a["recheck"]) for a in report["previous_actions"]] == \
        [(second.pk, "B1", "pending"), (second.pk, "P5", "passed")]

    # The xlsx has the same rows.
    file = api.as_user(world.leader).get(f"evaluation-campaigns/{second.pk}/report.xlsx")
    assert file.status_code == 200
    rows = list(load_workbook(io.BytesIO(file.content))["上轮整改复查"].iter_rows(min_row=2, values_only=True))
    assert [(r[2], r[3], r[7], r[8], r[9]) for r in rows] == [
        ("P1 宣贯培训", 40.0, "复查通过", 70.0, second.pk), ("P5 执行符合性", 50.0, "复查未通过", 55.0, second.pk)]


def test_the_overall_action_is_rechecked_by_the_overall_score(world, make_user):
    expert = make_user("评审专家")
    first = evaluate(world, expert, world.org.hvac, {}, default="50")
    assert actions_of(first)[""].item_label == "总体评价"
    evaluate(world, expert, world.org.hvac, {}, default="75")
    overall = actions_of(first)[""]
    assert (overall.recheck, overall.recheck_score) == ("passed", Decimal("75.00"))
