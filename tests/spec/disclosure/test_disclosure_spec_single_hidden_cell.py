"""A relation never keeps a single hidden figure: fixed examples, one per kind of relation.

Each table is one place, one measure, one breakdown; the comment shows the true counts and
what a release shows. The intruder of ``tests/support/intruder.py`` then tries to recover
every hidden figure from the others, knowing the true value of every shown one.
"""

from datetime import date

import polars as pl
import pytest
from support.intruder import intruder_intervals

from contract.release import METRICS_SCHEMA
from pipelines.config import DisclosureConfig
from pipelines.disclosure import protect_metrics

LONDON = "E12000007"
CONFIG = DisclosureConfig()


def counts(rows: list[tuple[str, date, int]]) -> pl.DataFrame:
    """Rows of (period_type, period_start, people seen rough sleeping in London)."""
    return pl.DataFrame(
        [{"metric_id": "seen_rough_sleeping", "period_type": p, "period_start": d,
          "geography_type": "london", "geography_code": LONDON, "breakdown": "all",
          "value": float(v), "numerator": None, "denominator": None, "status": "ok"}
         for p, d, v in rows],
        schema=METRICS_SCHEMA,
    )  # fmt: skip


EXAMPLES = {
    #  FY 2024-25 | 100    shown 100
    #  Q1 (Apr)   |  40    shown 40
    #  Q2 (Jul)   |  30    shown 30, hidden too: else 100 - 40 - 30 - 25 = 5
    #  Q3 (Oct)   |  25    shown 25
    #  Q4 (Jan)   |   5    hidden
    "a financial year and its quarters": [
        ("fy", date(2024, 4, 1), 100),
        ("quarter", date(2024, 4, 1), 40), ("quarter", date(2024, 7, 1), 30),
        ("quarter", date(2024, 10, 1), 25), ("quarter", date(2025, 1, 1), 5),
    ],
    #  FY 2024-25 | 60, its months 20, 15, 3 (Jun) and 22 (Jan); no quarters published
    "a financial year and its months": [
        ("fy", date(2024, 4, 1), 60),
        ("month", date(2024, 4, 1), 20), ("month", date(2024, 5, 1), 15),
        ("month", date(2024, 6, 1), 3), ("month", date(2025, 1, 1), 22),
    ],
    #  Q2 2024 | 45: July 20, August 18, September 7
    "a quarter and its months": [
        ("quarter", date(2024, 7, 1), 45),
        ("month", date(2024, 7, 1), 20), ("month", date(2024, 8, 1), 18),
        ("month", date(2024, 9, 1), 7),
    ],
}  # fmt: skip


@pytest.mark.parametrize("example", list(EXAMPLES), ids=list(EXAMPLES))
def test_a_small_period_is_hidden_with_a_second_one(example):
    truth = counts(EXAMPLES[example])
    published = protect_metrics(truth, CONFIG)
    hidden = published.filter(pl.col("status") == "suppressed")
    assert hidden.height >= 2, published
    intervals = intruder_intervals(published, CONFIG, unrounded=truth, exact=True)
    assert (intervals["low"] < intervals["high"]).all(), intervals
