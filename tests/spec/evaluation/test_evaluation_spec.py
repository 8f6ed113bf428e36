"""Did the pilot work? The evaluation designs on tables small enough to check by eye.

Design 1 reads published borough by quarter counts (people, and the events among them); design 2
reads one row per person. See ``metrics/evaluation.py`` and ``docs/evaluation.md``.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl
import pytest

from metrics.config import EvaluationConfig, Pilot
from metrics.evaluation import (
    NOT_ESTIMABLE,
    OK,
    TOO_SMALL,
    WARNING,
    before_after,
    before_after_counts,
    effective_size,
    quarter_windows,
    weighted_comparison,
)

CAMDEN = "E09000007"
OTHERS = [f"E09000{n:03d}" for n in range(8, 20)]  # twelve other boroughs
BEFORE = [date(2022, 10, 1), date(2023, 1, 1)]
AFTER = [date(2023, 4, 1), date(2023, 7, 1)]
SETTINGS = EvaluationConfig(before_quarters=2, after_quarters=2)


def counts(table: str) -> pl.DataFrame:
    """Rows ``borough | quarter | events | people``; the borough ``others`` stands for each of
    the twelve other boroughs; ``-`` is a suppressed count."""
    rows = []
    for line in table.strip().splitlines()[1:]:
        borough, quarter, events, people = (c.strip() for c in line.split("|"))
        for code in OTHERS if borough == "others" else [borough]:
            rows.append(
                {
                    "borough": code,
                    "quarter": date.fromisoformat(quarter),
                    "events": None if events == "-" else int(events),
                    "people": None if people == "-" else int(people),
                }
            )
    return pl.DataFrame(
        rows,
        schema={"borough": pl.String, "quarter": pl.Date, "events": pl.Int64, "people": pl.Int64},
    )


def test_the_pilot_quarters_are_the_ones_before_its_start_and_from_it():
    pilot = Pilot(id="camden-pilot", borough=CAMDEN, intervention="housing_first", start="2023-05",
                  end="2023-09")  # fmt: skip
    before, after = quarter_windows(pilot, EvaluationConfig(before_quarters=2, after_quarters=8))
    assert before == BEFORE
    assert after == AFTER  # May is in the April quarter; the pilot ended in September


def test_the_estimate_is_the_pilots_change_less_the_rest_of_londons():
    # Camden: 20 of 100 returned in each quarter before, 10 of 100 after: down 10 points.
    # Every other borough: 20 of 100 before, 15 of 100 after: down 5 points.
    # The pilot's change beyond London's: -10 - (-5) = -5 points.
    table = counts("""
        borough   | quarter    | events | people
        E09000007 | 2022-10-01 | 20     | 100
        E09000007 | 2023-01-01 | 20     | 100
        E09000007 | 2023-04-01 | 10     | 100
        E09000007 | 2023-07-01 | 10     | 100
        others    | 2022-10-01 | 20     | 100
        others    | 2023-01-01 | 20     | 100
        others    | 2023-04-01 | 15     | 100
        others    | 2023-07-01 | 15     | 100
    """)
    result = before_after(table, CAMDEN, BEFORE, AFTER, SETTINGS)
    assert result.estimate == pytest.approx(-0.05)
    assert result.people == 400
    assert result.placebo_boroughs == 12
    # every other borough moved exactly as London did: chance moved nobody, so the interval is
    # the estimate itself and the change cannot be chance (p = 0)
    assert (result.ci_lower, result.ci_upper) == (pytest.approx(-0.05), pytest.approx(-0.05))
    assert result.p_value == 0
    assert result.status == OK
    # the series: Camden's and the rest of London's people and events each quarter
    assert result.quarters[date(2023, 4, 1)] == (10, 100, 180, 1200)


def test_the_interval_comes_from_how_far_chance_moves_the_other_boroughs():
    # Six of the other boroughs rose 4 points after the date and six fell 4 points: none had a
    # pilot, so chance alone moves a borough of this size by about 4 points either way.
    lines = ["borough | quarter | events | people"]
    for q in BEFORE:
        lines += [f"{CAMDEN} | {q} | 20 | 100"] + [f"{b} | {q} | 20 | 100" for b in OTHERS]
    for q in AFTER:
        lines += [f"{CAMDEN} | {q} | 10 | 100"]
        lines += [f"{b} | {q} | {24 if i % 2 else 16} | 100" for i, b in enumerate(OTHERS)]
    result = before_after(counts("\n".join(lines)), CAMDEN, BEFORE, AFTER,
                          SETTINGS.model_copy(update={"stated_effect_points": 50}))  # fmt: skip
    # London as a whole did not move, so the pilot's 10-point fall is its estimate...
    assert result.estimate == pytest.approx(-0.10)
    # ...chance moved each of the others 4.36 points (4, and 4/11 more as the rest of London
    # moved a little the other way), and Camden is as big, so its interval reaches 4.36 points
    # times Student's t for 12 placebo boroughs at 97.5% (2.18) either side: -19.5 to -0.5
    assert result.ci_lower == pytest.approx(-0.10 - 2.179 * 0.0436, abs=0.002)
    assert result.ci_upper == pytest.approx(-0.10 + 2.179 * 0.0436, abs=0.002)
    assert result.ci_upper < 0
    assert result.p_value < 0.05


def test_too_few_boroughs_to_compare_with_give_no_interval():
    table = counts("""
        borough   | quarter    | events | people
        E09000007 | 2022-10-01 | 20     | 100
        E09000007 | 2023-01-01 | 20     | 100
        E09000007 | 2023-04-01 | 10     | 100
        E09000007 | 2023-07-01 | 10     | 100
        E09000008 | 2022-10-01 | 20     | 100
        E09000008 | 2023-01-01 | 20     | 100
        E09000008 | 2023-04-01 | 15     | 100
        E09000008 | 2023-07-01 | 15     | 100
    """)
    result = before_after(table, CAMDEN, BEFORE, AFTER, SETTINGS)
    assert result.status == TOO_SMALL
    assert result.estimate == pytest.approx(-0.05)
    assert result.ci_lower is None and result.ci_upper is None


def test_a_pilot_too_small_to_detect_the_stated_effect_says_so_instead_of_an_interval():
    # Camden has 20 people a quarter: chance moves it far more than the stated 5 points.
    lines = ["borough | quarter | events | people"]
    for q in BEFORE:
        lines += [f"{CAMDEN} | {q} | 10 | 20"] + [f"{b} | {q} | 20 | 100" for b in OTHERS]
    for q in AFTER:
        lines += [f"{CAMDEN} | {q} | 10 | 20"]
        lines += [f"{b} | {q} | {24 if i % 2 else 16} | 100" for i, b in enumerate(OTHERS)]
    result = before_after(counts("\n".join(lines)), CAMDEN, BEFORE, AFTER, SETTINGS)
    assert result.minimum_detectable > 0.05
    assert result.status == TOO_SMALL
    assert result.ci_lower is None


def test_suppressed_cells_are_left_out_and_a_pilot_with_none_shown_cannot_be_estimated():
    table = counts("""
        borough   | quarter    | events | people
        E09000007 | 2022-10-01 | -      | -
        E09000007 | 2023-01-01 | -      | -
        E09000007 | 2023-04-01 | 10     | 100
        others    | 2022-10-01 | 20     | 100
        others    | 2023-04-01 | 15     | 100
    """)
    result = before_after(table, CAMDEN, BEFORE, AFTER, SETTINGS)
    assert result.status == NOT_ESTIMABLE
    assert result.estimate is None


def test_a_gap_already_widening_before_the_start_is_a_warning():
    # Camden fell 2 points a quarter against London for six quarters before the start, while
    # the other boroughs wobbled by a point either way about London: the fall after the start
    # may be the old trend, not the pilot.
    settings = EvaluationConfig(before_quarters=6, after_quarters=2, stated_effect_points=50)
    before = [date(2021 + (m // 12), m % 12 + 1, 1) for m in range(9, 27, 3)]
    lines = ["borough | quarter | events | people"]
    for i, q in enumerate(before):
        lines += [f"{CAMDEN} | {q} | {40 - 4 * i} | 200"]
        lines += [f"{b} | {q} | {40 + (2 if (i + k) % 2 else -2)} | 200"
                  for k, b in enumerate(OTHERS)]  # fmt: skip
    for q in AFTER:
        lines += [f"{CAMDEN} | {q} | 10 | 200"] + [f"{b} | {q} | 40 | 200" for b in OTHERS]
    result = before_after(counts("\n".join(lines)), CAMDEN, before, AFTER, settings)
    assert result.pre_trend == pytest.approx(-0.02, abs=0.001)
    assert result.pre_trend_p < settings.pre_trend_alert
    assert result.status == WARNING


def test_returns_are_the_cohort_less_those_sustained_from_the_published_metrics():
    metrics = pl.DataFrame(
        {
            "metric_id": ["sustained_6m", "sustained_6m", "sustained_6m"],
            "period_type": ["quarter", "quarter", "month"],
            "period_start": [date(2023, 4, 1), date(2023, 7, 1), date(2023, 4, 1)],
            "geography_type": ["borough"] * 3,
            "geography_code": [CAMDEN] * 3,
            "breakdown": ["all"] * 3,
            "value": [0.8, None, 0.8],
            "numerator": [40, None, 15],
            "denominator": [50, None, 20],
            "status": ["ok", "incomplete_follow_up", "ok"],
        }
    )
    table = before_after_counts(metrics, "returned_6m").sort("quarter")
    assert table.rows() == [
        (CAMDEN, date(2023, 4, 1), 10, 50),  # 50 moved in, 40 sustained: 10 returned
        (CAMDEN, date(2023, 7, 1), None, None),  # follow-up not complete: nothing to read
    ]


# -- design 2 -----------------------------------------------------------------------------


def people(table: str) -> pl.DataFrame:
    """Rows ``how many | in pilot | need | returned on day (- never, followed 365 days)``."""
    rows = []
    for line in table.strip().splitlines()[1:]:
        many, treated, need, day = (c.strip() for c in line.split("|"))
        for _ in range(int(many)):
            rows.append(
                {
                    "treated": treated == "yes",
                    "need": int(need == "yes"),
                    "t": 365 if day == "-" else int(day),
                    "event": int(day != "-"),
                }
            )
    return pl.DataFrame(rows)


# People with a need returned at the same rate in either group (half of them by day 100), people
# without one never did. The pilot took mostly people with a need.
SAME_RATE_WITHIN_NEEDS = """
    how many | in pilot | need | returned on day
    15       | yes      | yes  | 100
    15       | yes      | yes  | -
    10       | yes      | no   | -
    5        | no       | yes  | 100
    5        | no       | yes  | -
    30       | no       | no   | -
"""


def test_weighting_makes_the_comparison_group_look_like_the_pilots_people():
    result = weighted_comparison(people(SAME_RATE_WITHIN_NEEDS), ["need"], SETTINGS)
    # 75% of the pilot's people have a need against 25% of the others: a standardised
    # difference of 0.5 / sqrt((0.1923 + 0.1923) / 2) = 1.14 before weighting, none after
    assert result.balance_before["need"] == pytest.approx(1.14, abs=0.01)
    assert result.balance_after["need"] == pytest.approx(0.0, abs=0.01)
    # the others with a need count 3 times (0.75 / 0.25), those without a third (0.25 / 0.75):
    # 40 people weigh as much as (10*3 + 30/3)^2 / (10*9 + 30/9) = 17.1 unweighted ones
    assert result.effective_comparison == pytest.approx(17.14, abs=0.05)
    assert result.effective_treated == 40
    assert (result.treated, result.comparison) == (40, 40)


def test_weighted_the_pilot_and_similar_people_return_at_the_same_rate():
    # The same people twenty times over (800 a side), enough to detect a 30% lower hazard.
    result = weighted_comparison(people("""
        how many | in pilot | need | returned on day
        300      | yes      | yes  | 100
        300      | yes      | yes  | -
        200      | yes      | no   | -
        100      | no       | yes  | 100
        100      | no       | yes  | -
        600      | no       | no   | -
    """), ["need"], SETTINGS)  # fmt: skip
    # Unweighted, 300 of 800 in the pilot returned against 100 of 800 others: it would look
    # three times worse. Weighted for need, the hazard ratio is 1 and the shares returned agree.
    assert result.status == OK
    assert result.hazard_ratio == pytest.approx(1.0, abs=0.01)
    assert result.ci_lower < 1 < result.ci_upper
    assert result.returned_by[("pilot", 182)] == pytest.approx(0.375, abs=0.001)
    assert result.returned_by[("comparison", 182)] == pytest.approx(0.375, abs=0.01)


def test_forty_people_cannot_show_a_thirty_percent_lower_hazard():
    result = weighted_comparison(people(SAME_RATE_WITHIN_NEEDS), ["need"], SETTINGS)
    # 20 returns in all: the smallest hazard ratio this could tell from 1 at 80% power is far
    # below the stated 0.7, so the page says the pilot is too small: no estimate, no interval
    assert result.minimum_detectable < 0.3
    assert result.status == TOO_SMALL
    assert result.hazard_ratio is None and result.ci_lower is None


def test_a_group_under_the_minimum_is_not_estimated():
    result = weighted_comparison(
        people("""
            how many | in pilot | need | returned on day
            12       | yes      | yes  | 100
            40       | no       | no   | 100
        """),
        ["need"],
        SETTINGS,
    )
    assert result.status == TOO_SMALL
    assert result.hazard_ratio is None
    assert (result.treated, result.comparison) == (12, 40)


def test_effective_size_is_the_number_of_equal_weights_that_carry_as_much():
    assert effective_size(np.array([1.0] * 10)) == 10
    assert effective_size(np.array([2.0, 2.0])) == 2
    assert effective_size(np.array([9.0, 1.0])) == pytest.approx(100 / 82)
