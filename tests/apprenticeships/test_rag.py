"""Every red/amber/green rule, at its thresholds, with a frozen date; then per-studio thresholds and the
whole chain through the API."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from apprenticeships.models import StudioSettings
from apprenticeships.progress import DEFAULT_THRESHOLDS, Facts, Thresholds, compute

START = date(2026, 1, 1)
END = START + timedelta(days=400)


def facts(**extra) -> Facts:
    base = {"state": "active", "start_date": START, "end_date": END, "planned_hours": Decimal("400"),
            "review_interval_weeks": 12, "competencies": 10, "signed": 0, "hours": Decimal("0"),
            "last_activity": None, "last_review": None}
    base.update(extra)
    return Facts(**base)


def codes(progress) -> dict[str, str]:
    return {r["code"]: r["level"] for r in progress.rag_reasons}


def day(n: int) -> date:
    return START + timedelta(days=n)


def test_on_track_is_green_with_no_reasons():
    # Day 40 of 400: expected 10 %, 1 of 10 signed; 40 of 400 hours; active yesterday; review in 44 days.
    p = compute(facts(signed=1, hours=Decimal("40"), last_activity=day(39)), day(40))
    assert (p.expected_pct, p.progress_pct, p.expected_hours) == (Decimal("10.0"), Decimal("10.0"), Decimal("40.0"))
    assert p.rag == "green" and p.rag_reasons == [] and p.next_review_due == day(84)


@pytest.mark.parametrize(("today", "level"), [(40, None), (44, "amber"), (80, "amber"), (84, "red")])
def test_progress_behind_grows_with_the_calendar(today, level):
    # Nothing signed: behind by the expected share (day 40 of 400 = 10 points, 44 = 11, 80 = 20, 84 = 21).
    p = compute(facts(hours=Decimal("400"), last_activity=day(today)), day(today))
    assert codes(p).get("progress_behind") == level


def test_progress_behind_thresholds_exactly():
    ahead = {"hours": Decimal("400"), "last_review": day(100)}
    # Day 120 of 400: expected 30 %. Signed 2/10 = 20 % → 10 behind: green; 1/10 → 20 behind: amber; 0 → red.
    assert "progress_behind" not in codes(compute(facts(signed=2, last_activity=day(120), **ahead), day(120)))
    assert codes(compute(facts(signed=1, last_activity=day(120), **ahead), day(120)))["progress_behind"] == "amber"
    red = compute(facts(signed=0, last_activity=day(120), **ahead), day(120))
    assert codes(red)["progress_behind"] == "red" and red.rag == "red"
    reason = next(r for r in red.rag_reasons if r["code"] == "progress_behind")
    assert reason["value"] == 30.0 and reason["threshold"] == 20.0 and "落后预期 30.0 个百分点" in reason["message"]


def test_hours_behind_in_points_of_the_planned_hours():
    signed = {"signed": 3, "last_review": day(100)}
    # Day 120 of 400: expected 120 of 400 hours. 80 logged → 10 points behind: fine; 76 → amber; 36 → red.
    assert "hours_behind" not in codes(compute(facts(hours=Decimal("80"), last_activity=day(120), **signed), day(120)))
    assert codes(compute(facts(hours=Decimal("76"), last_activity=day(120), **signed), day(120)))["hours_behind"] \
        == "amber"
    assert codes(compute(facts(hours=Decimal("36"), last_activity=day(120), **signed), day(120)))["hours_behind"] \
        == "red"
    # The first days are never red for a few hours: day 3, nothing logged yet.
    assert compute(facts(), day(3)).rag == "green"
    # No planned hours, no hours rule.
    assert "hours_behind" not in codes(compute(facts(planned_hours=Decimal("0"), **signed), day(120)))


def test_inactivity_counts_from_the_last_activity_or_the_start():
    on_track = {"signed": 1, "hours": Decimal("40")}
    assert "inactive" not in codes(compute(facts(last_activity=day(26), **on_track), day(40)))  # 14 days
    assert codes(compute(facts(last_activity=day(25), **on_track), day(40)))["inactive"] == "amber"  # 15
    assert codes(compute(facts(last_activity=day(10), **on_track), day(40)))["inactive"] == "amber"  # 30
    assert codes(compute(facts(last_activity=day(9), **on_track), day(40)))["inactive"] == "red"  # 31
    assert codes(compute(facts(**on_track), day(31)))["inactive"] == "red"  # nothing since the start
    p = compute(facts(last_activity=day(9), **on_track), day(40))
    assert p.days_inactive == 31 and p.last_activity == day(9)


def test_reviews_amber_when_due_soon_and_red_when_overdue():
    quiet = {"signed": 10, "hours": Decimal("400"), "last_activity": day(80)}
    assert "review_due_soon" not in codes(compute(facts(**quiet), day(69)))  # due day 84, 15 days left
    assert codes(compute(facts(**quiet), day(70)))["review_due_soon"] == "amber"  # 14 days left
    assert codes(compute(facts(**quiet), day(84)))["review_due_soon"] == "amber"  # due today
    p = compute(facts(**quiet), day(85))
    assert codes(p)["review_overdue"] == "red" and p.review_overdue and p.rag == "red"
    # A review signed on day 80 moves the next one to day 164.
    p = compute(facts(last_review=day(80), **quiet), day(85))
    assert p.next_review_due == day(164) and p.rag == "green"


def test_past_the_end_date_is_red():
    done = {"signed": 10, "hours": Decimal("400"), "last_activity": END, "last_review": END}
    assert compute(facts(**done), END).rag == "green"
    assert codes(compute(facts(**done), END + timedelta(days=1)))["past_end_date"] == "red"


def test_only_active_agreements_have_a_rag():
    for state in ("draft", "completed", "terminated"):
        p = compute(facts(state=state), day(200))
        assert p.rag is None and p.rag_reasons == [] and p.next_review_due is None


def test_studio_thresholds_replace_the_defaults():
    strict = Thresholds(red_behind_pct=Decimal("5"), amber_behind_pct=Decimal("2"), red_inactive_days=7,
                        amber_inactive_days=3, amber_review_due_days=30)
    f = facts(signed=2, hours=Decimal("120"), last_activity=day(115), last_review=day(100))
    assert compute(f, day(120)).rag == "green"
    p = compute(f, day(120), strict)
    assert codes(p) == {"progress_behind": "red", "inactive": "amber"}
    assert DEFAULT_THRESHOLDS.red_behind_pct == Decimal("20") and DEFAULT_THRESHOLDS.review_interval_weeks == 12


def test_the_api_shows_red_with_reasons_and_the_studio_settings_apply(teaching, clock):
    clock.set(date(2026, 3, 2))
    agreement = teaching.create(start=date(2026, 3, 2))
    teaching.hours(agreement["id"], 8)
    clock.set(date(2026, 3, 2) + timedelta(days=100))  # expected 27.5 %, nothing signed, 8 of 110 hours
    detail = teaching.detail(agreement["id"], teaching.apprentice)
    assert detail["rag"] == "red"
    assert {r["code"]: r["level"] for r in detail["rag_reasons"]} == {
        "progress_behind": "red", "hours_behind": "red", "inactive": "red", "review_overdue": "red"}
    assert detail["next_review_due"] == "2026-05-25" and detail["review_overdue"] is True
    StudioSettings.objects.create(studio=teaching.org.hvac, red_behind_pct=Decimal("50"),
                                  amber_behind_pct=Decimal("40"), red_hours_behind_pct=Decimal("50"),
                                  amber_hours_behind_pct=Decimal("40"), red_inactive_days=200,
                                  amber_inactive_days=150)
    detail = teaching.detail(agreement["id"])
    assert {r["code"] for r in detail["rag_reasons"]} == {"review_overdue"}
