"""The arithmetic: aggregation, tolerance, the one rounding, ranks and ties (docs/SCORING.md)."""

from decimal import Decimal
from fractions import Fraction

import pytest

from competitions import scoring
from competitions.scoring import Ranked, aggregate, assign_ranks, exact, round_half_up


def F(*values):
    return [exact(v) for v in values]


def test_mean_of_all_marks():
    assert aggregate(F(1, 2, 3), "mean") == 2
    assert aggregate(F(1, 1, 2), "mean") == Fraction(4, 3)
    assert aggregate([], "mean") is None


def test_trimmed_drops_highest_and_lowest_from_five_marks():
    # Chinese five-judge rule: 9, 7, 8, 3, 10 → drop 10 and 3 → mean of 9, 7, 8 = 8
    assert aggregate(F(9, 7, 8, 3, 10), "trimmed", 1) == 8


def test_trimmed_with_fewer_than_five_marks_is_a_plain_mean():
    assert aggregate(F(3, 0, 3, 3), "trimmed", 1) == Fraction(9, 4)
    assert aggregate(F(1, 2, 3), "trimmed", 1) == 2


def test_trimmed_k2_needs_seven_marks_like_diving():
    assert aggregate(F(1, 5, 6, 6, 7, 9, 10), "trimmed", 2) == Fraction(19, 3)
    assert aggregate(F(1, 5, 6, 7, 9, 10), "trimmed", 2) == Fraction(38, 6)  # 6 marks: plain mean


def test_tolerance_flag_scales_with_the_scale():
    # default tolerance 1 on the 0–3 scale
    assert scoring.needs_moderation(F(1, 3), tolerance=Decimal(1), scale_max=3)
    assert not scoring.needs_moderation(F(2, 3), tolerance=Decimal(1), scale_max=3)
    # on a 0–10 scale the same tolerance allows a spread of 10/3
    assert not scoring.needs_moderation(F(5, 8), tolerance=Decimal(1), scale_max=10)
    assert scoring.needs_moderation(F(4, 8), tolerance=Decimal(1), scale_max=10)
    assert not scoring.needs_moderation(F(0), tolerance=Decimal(0), scale_max=3)  # one mark has no spread


def test_judgement_score_is_max_mark_times_aggregate_over_scale():
    assert scoring.judgement_score(max_mark=Decimal("12"), aggregated=Fraction(2), scale_max=3) == 8


def test_round_half_up_once():
    assert round_half_up(Fraction(4125, 1000)) == Decimal("4.13")
    assert round_half_up(Fraction(-4125, 1000)) == Decimal("-4.13")
    assert round_half_up(Fraction(1, 3)) == Decimal("0.33")
    assert round_half_up(Fraction(2, 3)) == Decimal("0.67")
    assert str(round_half_up(Fraction(85))) == "85.00"


def test_a_case_where_float_arithmetic_rounds_differently():
    """A judgement aspect worth 1.14 on a 0–10 scale, four judges give 7, 7, 8, 8: the exact score is
    1.14 × 7.5 ÷ 10 = 0.855, which rounds half-up to 0.86. In binary floating point the same
    arithmetic gives 0.8549999999999999 and rounds to 0.85."""
    as_float = 1.14 * ((7 + 7 + 8 + 8) / 4) / 10
    assert round(as_float, 2) == 0.85
    assert Decimal(repr(as_float)).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP") == Decimal("0.85")
    agg = aggregate(F(7, 7, 8, 8), "mean")
    score = scoring.judgement_score(max_mark=Decimal("1.14"), aggregated=agg, scale_max=10)
    assert score == Fraction(855, 1000)
    assert round_half_up(score) == Decimal("0.86")


def test_rounding_happens_once_at_the_end_not_per_aspect():
    # two aspects of 0.855 each: 1.71 exactly; rounding each first would give 0.86 + 0.86 = 1.72
    each = scoring.judgement_score(max_mark=Decimal("1.14"), aggregated=Fraction(15, 2), scale_max=10)
    assert round_half_up(each + each) == Decimal("1.71")


def test_floats_are_refused():
    with pytest.raises(TypeError):
        exact(0.1)


def test_ranks_total_then_sections_then_shared():
    items = [
        Ranked(key="A", total=Decimal("90.00"), tie_break=(Decimal("50"), Decimal("40"))),
        Ranked(key="B", total=Decimal("90.00"), tie_break=(Decimal("55"), Decimal("35"))),  # wins on section 1
        Ranked(key="C", total=Decimal("88.00"), tie_break=(Decimal("40"), Decimal("48"))),
        Ranked(key="D", total=Decimal("88.00"), tie_break=(Decimal("40"), Decimal("48"))),  # fully tied with C
        Ranked(key="E", total=Decimal("70.00"), tie_break=(Decimal("35"), Decimal("35"))),
    ]
    ranked = assign_ranks(items)
    assert [(r.key, r.rank) for r in ranked] == [("B", 1), ("A", 2), ("C", 3), ("D", 3), ("E", 5)]


def test_shared_rank_one_one_three_without_tie_break():
    items = [Ranked(key=k, total=Decimal(t)) for k, t in [("A", "80"), ("B", "80"), ("C", "70")]]
    assert [r.rank for r in assign_ranks(items)] == [1, 1, 3]
