"""CHAIN's combinations of needs (mental health, alcohol, drugs) beside the needs themselves.

A combination naming a need is part of that need's group: the people with alcohol needs are
those with alcohol alone, alcohol and drugs, alcohol and mental health, and all three. So a
hidden combination could be worked out as the need's group less the combinations shown beside
it. Disclosure control must know this relation; the intruder, who knows it by hand, tries.
"""

from datetime import date

import numpy as np
import polars as pl
import pytest
from support.intruder import FAMILY_VALUES, intruder_intervals, metrics_from_people

from pipelines.config import DisclosureConfig
from pipelines.disclosure import protect_metrics

LONDON, WESTMINSTER, CAMDEN = "E12000007", "E09000033", "E09000007"
CONFIG = DisclosureConfig()
COMBINATIONS = FAMILY_VALUES["support_combination"]
NEEDS = ("alcohol", "drugs", "mental_health")
KEYS = ["metric_id", "period_type", "period_start", "geography_code", "breakdown"]


def with_needs(combinations: pl.DataFrame) -> pl.DataFrame:
    """The combinations' table with each need's group added: the sum of the combinations that
    name it (every person with a need is in exactly one such combination)."""
    parts = combinations.filter(pl.col("breakdown").str.starts_with("support_combination="))
    needs = [
        parts.filter(pl.col("breakdown").str.contains(need))
        .group_by([k for k in KEYS if k != "breakdown"] + ["geography_type"])
        .agg(pl.col("value").sum())
        .with_columns(breakdown=pl.lit(f"support_need={need}"))
        for need in NEEDS
    ]
    extra = pl.concat(needs).with_columns(
        numerator=pl.lit(None, pl.Int64), denominator=pl.lit(None, pl.Int64), status=pl.lit("ok")
    )
    return pl.concat([combinations, extra.select(combinations.columns)]).sort(KEYS)


@pytest.fixture(scope="module")
def needs_table():
    rng = np.random.default_rng(11)
    n = 220
    # most people have none of the three or one need alone; a few have two or all three
    weights = [0.42, 0.16, 0.1, 0.2, 0.03, 0.04, 0.02, 0.03]
    people = pl.DataFrame(
        {
            "month": [date(2024, int(m), 1) for m in rng.choice([4, 5, 6], n)],
            "borough": rng.choice([WESTMINSTER, CAMDEN], n, p=[0.75, 0.25]).tolist(),
            "seen_type": rng.choice(["flow_new", "stock", "returner"], n, p=[0.6, 0.25, 0.15]),
            "support_combination": rng.choice(COMBINATIONS, n, p=weights).tolist(),
        }
    )
    truth = with_needs(metrics_from_people(people, families=("support_combination",)))
    return truth, protect_metrics(truth, CONFIG)


def test_the_needs_table_holds_the_relation_it_is_about(needs_table):
    truth, _ = needs_table
    one = truth.filter(metric_id="seen_rough_sleeping", period_type="fy", geography_code=LONDON)
    value = dict(zip(one["breakdown"], one["value"], strict=True))
    assert value["support_need=alcohol"] == sum(
        value[f"support_combination={c}"] for c in COMBINATIONS if "alcohol" in c
    )
    assert value["all"] == sum(value[f"support_combination={c}"] for c in COMBINATIONS)


def test_a_hidden_combination_is_not_a_need_less_the_shown_combinations(needs_table):
    truth, published = needs_table
    hidden = published.filter(
        pl.col("breakdown").str.starts_with("support_combination=")
        & (pl.col("status") == "suppressed")
    )
    assert hidden.height > 20  # small combinations are hidden, so there is something to find
    # the worst case: every shown figure known exactly, rounding giving no cover
    intervals = intruder_intervals(published, CONFIG, unrounded=truth, quick=True)
    pinned = intervals.filter((pl.col("low") == pl.col("high")) & (pl.col("low") > 0))
    assert pinned.height == 0, pinned


#  one month, one borough (London is the same people)
#  support_combination            | people | why
#  none                           |     50 |
#  alcohol                        |     20 |
#  drugs                          |     15 |
#  mental_health                  |     25 |
#  alcohol_drugs                  |      3 | small: hidden
#  alcohol_mental_health          |     12 |
#  drugs_mental_health            |      4 | small: hidden
#  alcohol_drugs_mental_health    |     11 | hidden so the two small ones are not their total
#  support_need=drugs less support_need=alcohol gives drugs_mental_health + drugs - alcohol -
#  alcohol_mental_health: the 4 would be found unless more is hidden.
CRAFTED = {"none": 50, "alcohol": 20, "drugs": 15, "mental_health": 25, "alcohol_drugs": 3,
           "alcohol_mental_health": 12, "drugs_mental_health": 4,
           "alcohol_drugs_mental_health": 11}  # fmt: skip


def test_two_needs_together_do_not_give_a_small_combination_away():
    people = pl.DataFrame(
        {
            "month": date(2024, 4, 1),
            "borough": WESTMINSTER,
            "seen_type": "flow_new",
            "support_combination": [c for c, k in CRAFTED.items() for _ in range(k)],
        }
    )
    truth = with_needs(metrics_from_people(people, families=("support_combination",)))
    published = protect_metrics(truth, CONFIG)
    intervals = intruder_intervals(published, CONFIG, unrounded=truth)
    pinned = intervals.filter((pl.col("low") == pl.col("high")) & (pl.col("low") > 0))
    assert pinned.height == 0, pinned
