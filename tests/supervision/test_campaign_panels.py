"""A campaign end to end with its panel drawn from the expert roster (issue 16 × issue 15): the evaluated
unit's experts are never candidates, drawn experts join when they confirm (a decline calls the backup),
they score against pre-filled evidence, the contests' trimmed mean applies from 5 experts, progress counts
indicators reviewed, and closing writes the report and opens improvement actions (整改) for the unit's owner
below the threshold."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from evaluations.models import ImprovementAction
from experts import selectors as roster_selectors
from experts import services as roster
from experts.models import Avoidance, Category, Draw, Seat
from miniprogram_api.clock import local_today
from miniprogram_api.errors import ApiError
from standard_evaluations import panels, selectors, services
from standard_evaluations.models import Campaign, Indicator, IndicatorSystem
from tests.conftest import assert_error


class Roster:
    """Ten reviewers: four must avoid the evaluated HVAC studio (two work there, one in its team, one
    declares it), six may sit — three at the BAS studio, three outside the org tree."""

    def __init__(self, world, make_user):
        org = world.org
        self.avoided, self.eligible = [], []
        for n, unit in enumerate([org.hvac, org.hvac, org.hvac_team]):
            self.avoided.append(self._expert(make_user, f"暖通专家{n}", unit=unit))
        declares = self._expert(make_user, "回避专家", unit=org.bas)
        Avoidance.objects.create(expert=roster_selectors.expert_of(declares), org_unit=org.hvac, reason="曾任职")
        self.avoided.append(declares)
        for n in range(3):
            self.eligible.append(self._expert(make_user, f"楼控专家{n}", unit=org.bas))
        for n in range(3):
            self.eligible.append(self._expert(make_user, f"外部专家{n}", unit=None, unit_name=f"重庆设计院{n}"))
        # A judge (not a reviewer) is never drawn for an evaluation.
        self._expert(make_user, "裁判专家", unit=org.bas, categories=[Category.JUDGE])

    @staticmethod
    def _expert(make_user, name, *, unit, unit_name="", categories=(Category.REVIEWER,)):
        user = make_user(name, unit=unit)
        roster.create_expert(name=name, user=user, org_unit=unit, unit_name=unit_name, categories=list(categories))
        return user


@pytest.fixture
def reviewers(world, make_user):
    return Roster(world, make_user)


def open_drawn(world, *, backups=1, seed="demo-seed"):
    system = IndicatorSystem.objects.get(code="standard-implementation", version=1)
    return services.open_campaign(actor=world.admin, system=system, standard=world.standard, unit=world.org.hvac,
                                  title="暖通工作室 GB 50365-2019 实施评价", date_from=date(2026, 1, 1),
                                  date_to=date(2026, 2, 28), panel_draw={"count": 5, "backups": backups, "seed": seed})


def seats(campaign):
    return list(Seat.objects.filter(draw__subject=panels.subject_of(campaign)).select_related("expert")
                .order_by("position"))


def confirm_all(campaign):
    for seat in seats(campaign):
        if seat.status == Seat.Status.INVITED:
            roster.answer(actor=seat.expert.user, seat_id=seat.pk, accept=True)


def test_the_draw_avoids_the_evaluated_unit_and_seats_who_confirms(world, reviewers):
    campaign = open_drawn(world)
    (draw,) = Draw.objects.filter(subject=panels.subject_of(campaign))
    candidates = {c["id"] for c in draw.candidates}
    assert len(candidates) == 6  # only the six who need not avoid the HVAC studio
    assert {roster_selectors.expert_of(u).pk for u in reviewers.eligible} == candidates
    assert (draw.avoid_units, draw.categories) == ([world.org.hvac.pk], [Category.REVIEWER])
    assert selectors.campaign_results(campaign.pk)["panel_size"] == 0  # invited, nobody confirmed yet
    first, *others = [s for s in seats(campaign) if not s.is_backup]
    (backup,) = [s for s in seats(campaign) if s.is_backup]
    roster.answer(actor=first.expert.user, seat_id=first.pk, accept=False, reason="出差")
    backup.refresh_from_db()
    assert backup.status == Seat.Status.INVITED
    confirm_all(campaign)
    results = selectors.campaign_results(campaign.pk)
    seated = {m["expert_id"] for m in results["panel"]}
    assert seated == {s.expert.user_id for s in [*others, backup]}
    assert first.expert.user_id not in seated
    assert not seated & {u.pk for u in reviewers.avoided}
    assert {(m["source"], m["draw_id"]) for m in results["panel"]} == {("drawn", draw.pk)}
    # A seated expert has the evaluation on their roster record once they confirm.
    assert roster_selectors.expert_of(backup.expert.user).engagements.filter(
        kind="evaluation", ref=panels.subject_of(campaign)).count() == 1


def test_too_few_reviewers_refuses_and_writes_nothing(world, reviewers):
    before = Campaign.objects.count()
    with pytest.raises(ApiError) as refused:
        open_drawn(world, backups=2)  # 5 + 2 > 6 qualified
    assert (refused.value.status, refused.value.code) == (422, "not_enough_experts")
    assert Campaign.objects.count() == before


def score(campaign, expert, indicator, value):
    services.score_indicator(expert=expert, campaign_id=campaign.pk, indicator_id=indicator.pk,
                             score=Decimal(value), comment="现场核查", evidence=[{"kind": "site_visit"}])


def test_drawn_panel_scores_aggregates_closes_and_reports(world, reviewers, api):
    campaign = open_drawn(world)
    confirm_all(campaign)
    panel = [m["expert_id"] for m in selectors.campaign_results(campaign.pk)["panel"]]
    experts = [e for e in reviewers.eligible if e.pk in panel]
    assert len(experts) == 5
    indicators = {i.code: i for i in Indicator.objects.filter(dimension__system=campaign.system)}

    # Pre-filled evidence is the HVAC studio's own series: Jan pass/fail/flag, Feb pass/pass/fail; orders
    # closed after 60 and 180 minutes, one open, one cancelled.
    prefilled = {i["code"]: i["prefilled"] for d in selectors.campaign_results(campaign.pk)["dimensions"]
                 for i in d["indicators"] if i["prefilled"]}
    assert {k: prefilled["P5"][k] for k in ("runs", "problem_runs", "problem_share")} == \
        {"runs": 6, "problem_runs": 3, "problem_share": 0.5}
    assert {k: prefilled["P6"][k] for k in ("corrective_orders", "closed_orders", "median_close_minutes")} == \
        {"corrective_orders": 4, "closed_orders": 2, "median_close_minutes": 120.0}

    values = {code: "90" for code in indicators if code[0] == "T"} | {"T1": "95"} | \
        {code: "80" for code in indicators if code[0] == "P"} | {"P1": "40", "B1": "55", "B2": "90", "B3": "90"}
    for code, indicator in indicators.items():
        if code == "P5":
            continue
        for expert in experts[:4]:
            score(campaign, expert, indicator, values[code])
    # Four of five have scored: nothing is reviewed yet, and closing needs a reason.
    assert selectors.campaign_results(campaign.pk)["progress"]["reviewed"] == 0
    with pytest.raises(ApiError) as refused:
        services.close_campaign(actor=world.admin, campaign_id=campaign.pk)
    assert (refused.value.status, refused.value.code) == (409, "review_incomplete")
    for code, indicator in indicators.items():
        if code != "P5":
            score(campaign, experts[4], indicator, values[code])
    # P5 by all five: 0 and 100 dropped → (50 + 50 + 50) / 3 = 50.
    for expert, value in zip(experts, ["0", "50", "50", "50", "100"], strict=True):
        score(campaign, expert, indicators["P5"], value)
    results = selectors.campaign_results(campaign.pk)
    assert results["progress"] == {"indicators": 17, "reviewed": 17, "share": 1.0}
    # T = 95×15% + 90×85% = 90.75; P = (40×15 + 50×15 + 80×(4×15 + 10)) / 100 = 69.5;
    # B = 55×40% + 90×30% + 90×30% = 76; total = 90.75×30% + 69.5×40% + 76×30% = 77.825 → 77.83.
    assert [d["score"] for d in results["dimensions"]] == [Decimal("90.75"), Decimal("69.50"), Decimal("76.00")]
    assert results["score"] == Decimal("77.83")

    assert_error(api.as_user(world.supervisor).post(f"evaluation-campaigns/{campaign.pk}/close", {}), 403, "forbidden")
    response = api.as_user(world.admin).post(f"evaluation-campaigns/{campaign.pk}/close", {})
    assert response.status_code == 200, response.content
    report = response.json()
    assert report["state"] == "closed" and report["close_reason"] == ""
    assert [i["code"] for i in report["strengths"]] == ["T1", "T2", "T3"]
    assert [(i["code"], i["percent"]) for i in report["problems"]] == \
        [("P1", "40.00"), ("P5", "50.00"), ("B1", "55.00")]
    actions = list(ImprovementAction.objects.filter(source_kind="standard_evaluation", source_id=campaign.pk)
                   .order_by("item_key"))
    assert [(a.item_key, a.score, a.owner_id, a.org_unit_id) for a in actions] == [
        ("B1", Decimal("55.00"), world.leader.pk, world.org.hvac.pk),
        ("P1", Decimal("40.00"), world.leader.pk, world.org.hvac.pk),
        ("P5", Decimal("50.00"), world.leader.pk, world.org.hvac.pk)]
    assert {a.due_date for a in actions} == {local_today() + timedelta(days=30)}
    assert [a["item_key"] for a in report["actions"]] == ["B1", "P1", "P5"]
    assert report["draws"][0]["avoid_units"] == [world.org.hvac.pk]
    # Closed: no more scores, a second close is refused and opens nothing more.
    with pytest.raises(ApiError) as refused:
        score(campaign, experts[0], indicators["P5"], "60")
    assert refused.value.code == "campaign_closed"
    assert_error(api.as_user(world.admin).post(f"evaluation-campaigns/{campaign.pk}/close", {}), 409, "campaign_closed")
    assert ImprovementAction.objects.filter(source_kind="standard_evaluation").count() == 3

    # The report as xlsx: the same figures, for whoever may see the campaign.
    assert_error(api.as_user(world.worker).get(f"evaluation-campaigns/{campaign.pk}/report.xlsx"), 404)
    file = api.as_user(world.leader).get(f"evaluation-campaigns/{campaign.pk}/report.xlsx")
    assert file.status_code == 200
    book = load_workbook(io.BytesIO(file.content))
    summary = {row[0]: row[1] for row in book["评价概况"].iter_rows(values_only=True) if row and row[0]}
    assert (summary["总分"], summary["评审进度"]) == (77.83, "17 / 17 项指标")
    assert [r[:3] for r in book["问题"].iter_rows(min_row=2, values_only=True)] == \
        [("P1", "宣贯培训", 40.0), ("P5", "执行符合性", 50.0), ("B1", "服务质量提升", 55.0)]
    assert len(list(book["整改事项"].iter_rows(min_row=2))) == 3
    assert len(list(book["评审专家"].iter_rows(min_row=2))) == 5


def test_closing_early_needs_a_reason_and_opens_actions_only_for_scored_indicators(world, reviewers, api):
    campaign = open_drawn(world)
    confirm_all(campaign)
    p1 = Indicator.objects.get(dimension__system=campaign.system, code="P1")
    first = selectors.campaign_results(campaign.pk)["panel"][0]["expert_id"]
    score(campaign, next(u for u in reviewers.eligible if u.pk == first), p1, "30")
    assert_error(api.as_user(world.admin).post(f"evaluation-campaigns/{campaign.pk}/close", {}), 409,
                 "review_incomplete")
    response = api.as_user(world.admin).post(f"evaluation-campaigns/{campaign.pk}/close", {"reason": "专家组提前完成现场核查"})
    assert response.status_code == 200
    assert response.json()["close_reason"] == "专家组提前完成现场核查"
    assert response.json()["score"] is None
    assert [a["item_key"] for a in response.json()["actions"]] == ["P1"]


def test_draws_over_the_api(world, reviewers, api):
    system = IndicatorSystem.objects.get(code="standard-implementation", version=1)
    body = {"system_id": system.pk, "standard_id": world.standard.pk, "unit_id": world.org.hvac.pk,
            "title": "暖通工作室实施评价", "date_from": "2026-01-01", "date_to": "2026-02-28"}
    assert_error(api.as_user(world.admin).post("evaluation-campaigns", body), 422, "panel_empty")
    response = api.as_user(world.admin).post("evaluation-campaigns", {**body, "panel_draw": {"count": 3}})
    assert response.status_code == 201, response.content
    campaign_id = response.json()["id"]
    assert_error(api.as_user(world.supervisor).post(f"evaluation-campaigns/{campaign_id}/panel-draws",
                                                    {"count": 1}), 403, "forbidden")
    assert_error(api.as_user(world.admin).post(f"evaluation-campaigns/{campaign_id}/panel-draws",
                                               {"count": 0}), 422)
    more = api.as_user(world.admin).post(f"evaluation-campaigns/{campaign_id}/panel-draws", {"count": 2})
    assert more.status_code == 201, more.content
    assert len(more.json()["members"]) == 2
    report = api.as_user(world.admin).get(f"evaluation-campaigns/{campaign_id}/report").json()
    drawn = [s["expert_code"] for d in report["draws"] for s in d["members"]]
    assert len(drawn) == len(set(drawn)) == 5  # the second draw did not draw the first's invitees again
