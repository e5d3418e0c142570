"""Judge analytics on hand-worked numbers: one 0–10 aspect worth 100, plain mean of three judges,
tolerance 0.5 (limit 0.5 × 10 ÷ 3 = 1.67 marks). Judge 3 sits at the base: the two base contestants
are their own unit, the two bureau contestants are not.

| entry | 裁判1 | 裁判2 | 裁判3 | mean | deviations (marks) |
| e0 (base)   | 6 | 6 | 9 | 7 | −1, −1, +2 |
| e1 (base)   | 5 | 4 | 6 | 5 |  0, −1, +1 |
| e2 (bureau) | 8 | 8 | 5 | 7 | +1, +1, −2 |
| e3 (bureau) | 3 | 2 | 4 | 3 |  0, −1, +1 |

In percent of the scale (× 10): 裁判3 +20, +10, −20, +10 → signed 5.00, absolute 15.00, outside the
limit twice (|2| > 1.67) → 50.00 %; own unit (e0, e1) +15.00, others (e2, e3) −5.00. 裁判1: signed 0.00,
absolute 5.00; 裁判2: −5.00, 10.00. Spearman, 裁判3: own ranks 1, 2, 3, 4 against the panel's 1.5, 3,
1.5, 4 → cov 3, var 5 and 4.5 → 3 / √22.5 = 0.632; 裁判1: 2, 3, 1, 4 → 4.5 / √22.5 = 0.949."""

import io
import random
from decimal import Decimal

from openpyxl import load_workbook

from competitions import services
from competitions.models import Event
from tests.conftest import assert_error

MARKS = {0: (6, 6, 9), 1: (5, 4, 6), 2: (8, 8, 5), 3: (3, 2, 4)}


def analysed(make_kit, org):
    kit = make_kit(judges=3, aggregation="mean", open_event=False,
                   scheme=[("评判", "100", [("工艺", "judgement", "100", 10)])],
                   contestant_units=[org.base, org.base, org.bureau, org.bureau])
    Event.objects.filter(pk=kit.event.pk).update(tolerance=Decimal("0.5"))
    third = kit.judges[2]
    third.primary_org_unit = org.base
    third.save()
    services.open_event(actor=kit.chief, event_id=kit.event.id, rng=random.Random(7))
    kit.refresh()
    for index, values in MARKS.items():
        for judge, value in zip(kit.judges, values, strict=True):
            assert kit.mark(judge, kit.entries[index], kit.aspects[0], value).status_code == 200
    return kit


def test_deviations_tolerance_correlation_and_own_unit_on_hand_worked_numbers(make_kit, org):
    kit = analysed(make_kit, org)
    response = kit.client(kit.chief).get(f"competitions/{kit.contest.id}/judge-analytics")
    assert response.status_code == 200, response.content
    [event] = response.json()["events"]
    rows = {r["judge"]: r for r in event["judges"]}
    third = rows["裁判3"]
    assert (third["marks"], third["entries"]) == (4, 4)
    assert (third["signed_deviation"], third["absolute_deviation"]) == ("5.00", "15.00")
    assert (third["outside_tolerance"], third["outside_share"]) == (2, "50.00")
    assert third["own_unit"] == {"marks": 2, "signed_deviation": "15.00"}
    assert third["other_units"] == {"marks": 2, "signed_deviation": "-5.00"}
    assert third["rank_correlation"] == "0.632"
    assert (rows["裁判1"]["signed_deviation"], rows["裁判1"]["absolute_deviation"]) == ("0.00", "5.00")
    assert rows["裁判1"]["rank_correlation"] == "0.949" and rows["裁判1"]["outside_tolerance"] == 0
    assert (rows["裁判2"]["signed_deviation"], rows["裁判2"]["absolute_deviation"]) == ("-5.00", "10.00")
    assert rows["裁判1"]["own_unit"]["marks"] == 0  # the bureau (the root) is nobody's own unit


def test_who_may_see_judge_analytics_and_the_xlsx(make_kit, org):
    kit = analysed(make_kit, org)
    url = f"competitions/{kit.contest.id}/judge-analytics"
    assert_error(kit.client(kit.judges[0]).get(url), 403, "not_jury")
    assert_error(kit.client(kit.spectator).get(url), 403, "not_jury")
    assert_error(kit.client(kit.spectator).get(url + ".xlsx"), 403, "not_jury")
    assert kit.client(kit.arbitrator).get(url).status_code == 200
    book = load_workbook(io.BytesIO(kit.client(kit.chief).get(url + ".xlsx").content))
    sheet = book["裁判评价"]
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=3)]
    third = next(r for r in rows if r[1] == "裁判3")
    assert third[3:9] == [4, 4, 5, 15, 2, 50]  # numbers, not text
    assert sheet.cell(row=3, column=6).number_format == "0.00"
