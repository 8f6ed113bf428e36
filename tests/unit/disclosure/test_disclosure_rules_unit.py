"""The building blocks of disclosure control: rounding, the final check, configuration floors."""

import polars as pl
import pytest
from pydantic import ValidationError

from contract.errors import PathwaysError
from contract.release import RELEASE_SCHEMAS
from pipelines.config import DisclosureConfig
from pipelines.disclosure import (
    count_is_safe,
    protect,
    release_problems,
    round_count,
    smallest_shown_count,
)


@pytest.mark.parametrize(
    ("threshold", "base", "counts", "shown"),
    [
        (10, 5, [0, 10, 12, 13, 17, 18, 102], [0, 10, 10, 15, 15, 20, 100]),
        (7, 5, [7, 8, 12, 13], [10, 10, 10, 15]),  # 7 would round to 5: lifted to 10
        (10, 10, [10, 14, 15, 24, 25], [10, 10, 20, 20, 30]),
        (5, 5, [5, 7, 8], [5, 5, 10]),
    ],
)
def test_counts_round_to_the_nearest_base_never_below_the_threshold(threshold, base, counts, shown):
    config = DisclosureConfig(threshold=threshold, rounding_base=base)
    frame = pl.DataFrame({"n": counts})
    assert frame.select(round_count(pl.col("n"), config).alias("n"))["n"].to_list() == shown
    assert smallest_shown_count(config) >= threshold


def test_a_null_count_stays_null_when_rounded():
    frame = pl.DataFrame({"n": [None, 20]}, schema={"n": pl.Int64})
    assert frame.select(round_count(pl.col("n"), DisclosureConfig()).alias("n"))["n"].to_list() == [
        None,
        20,
    ]


def test_the_release_rule_for_a_count_column():
    frame = pl.DataFrame(
        {
            "n": [None, None, 0, 10, 15, 12, 5, 3],
            "status": ["suppressed", "ok", "ok", "ok", "ok", "ok", "ok", "ok"],
        }
    )
    safe = frame.select(
        count_is_safe(pl.col("n"), pl.col("status"), DisclosureConfig()).alias("n")
    )["n"]
    assert safe.to_list() == [True, False, True, True, True, False, False, False]


@pytest.mark.parametrize(
    "setting",
    [{"threshold": 4}, {"min_rate_denominator": 3}, {"survival_min_at_risk": 2},
     {"survival_min_leavers": 1}, {"survival_time_step_days": 0}],
)  # fmt: skip
def test_no_setting_can_weaken_the_floors(setting):
    with pytest.raises(ValidationError):
        DisclosureConfig(**setting)


def test_absent_tables_come_back_empty_with_their_release_columns():
    tables = protect({}, DisclosureConfig())
    assert {name: dict(frame.schema) for name, frame in tables.items()} == RELEASE_SCHEMAS
    assert release_problems(tables, DisclosureConfig()) == []


def test_an_unknown_table_is_refused():
    with pytest.raises(PathwaysError, match="people_level"):
        protect({"people_level": pl.DataFrame({"person_key": ["a"]})}, DisclosureConfig())
