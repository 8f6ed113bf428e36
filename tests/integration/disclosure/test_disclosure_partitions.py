"""The kinds of move add up to everyone who moved into accommodation, and the bands of days seen
to everyone seen: a hidden part must not be the whole less the parts shown beside it."""

from datetime import date

import polars as pl
import pytest
from support.intruder import intruder_intervals

from pipelines.config import DisclosureConfig
from pipelines.disclosure import protect_metrics

CONFIG = DisclosureConfig()
LONDON = "E12000007"

#  London, 2024-25           | people
#  moved_into_accommodation  |     60
#  moved_to_hostel           |     30
#  moved_to_supported_housing|      4   small: hidden
#  moved_to_housing_first    |     12
#  moved_to_temporary_acc... |     14
#  moved_to_settled          |      0
MOVES = {"moved_into_accommodation": 60, "moved_to_hostel": 30, "moved_to_supported_housing": 4,
         "moved_to_housing_first": 12, "moved_to_temporary_accommodation": 14,
         "moved_to_settled": 0}  # fmt: skip
#  seen_rough_sleeping 50 = 1 day 31 + 2 to 5 days 12 + 6 to 10 days 7 (hidden) + over 10 days 0
DAYS = {"seen_rough_sleeping": 50, "seen_1_day": 31, "seen_2_5_days": 12, "seen_6_10_days": 7,
        "seen_over_10_days": 0}  # fmt: skip


def table(counts: dict[str, int]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            dict(metric_id=m, period_type="fy", period_start=date(2024, 4, 1),
                 geography_type="london", geography_code=LONDON, breakdown="all",
                 value=float(v), numerator=None, denominator=None, status="ok")
            for m, v in counts.items()
        ],
        schema_overrides={"numerator": pl.Int64, "denominator": pl.Int64},
    )  # fmt: skip


@pytest.mark.parametrize("counts", [MOVES, DAYS], ids=["moves by kind", "days seen"])
def test_a_hidden_part_is_not_the_whole_less_the_shown_parts(counts):
    truth = table(counts)
    published = protect_metrics(truth, CONFIG)
    hidden = published.filter(pl.col("status") == "suppressed")["metric_id"].to_list()
    assert len(hidden) >= 2  # the small part, and another with it
    intervals = intruder_intervals(published, CONFIG, unrounded=truth)
    pinned = intervals.filter((pl.col("low") == pl.col("high")) & (pl.col("low") > 0))
    assert pinned.height == 0, pinned
