"""The registry's words and versions, and the reporting periods."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import polars as pl
import pytest

from contract.periods import (
    add_months,
    complete_periods,
    index_of,
    parse_month,
    period_end,
    period_end_expr,
    period_index,
    period_start,
    quarter_of_fy,
)
from metrics.config import MetricsConfig
from metrics.counting import compute_metrics
from metrics.journeys import EVENTS_SCHEMA, PEOPLE_SCHEMA
from metrics.registry import DEFINITIONS_VERSION, METRICS, METRICS_BY_ID, definitions

SPEC_IDS = {
    "seen_rough_sleeping", "flow_new", "stock", "returner", "living_on_streets", "intermittent",
    "new_single_night", "p1_new_to_borough", "p2_left_institution", "b1_long_term",
    "nr1_returning", "moved_into_accommodation", "sustained_3m", "sustained_6m", "sustained_12m",
    "prior_hclic_approach",
}  # fmt: skip
# Beyond SPEC section 5: moves into accommodation by kind (destinations) and people by the days
# they were seen in the year (CHAIN's "how often seen"), each a partition of a SPEC metric.
ADDED_IDS = {
    "moved_to_hostel", "moved_to_supported_housing", "moved_to_housing_first",
    "moved_to_temporary_accommodation", "moved_to_settled",
    "seen_1_day", "seen_2_5_days", "seen_6_10_days", "seen_over_10_days",
}  # fmt: skip


def test_registry_holds_exactly_the_specified_metrics():
    assert {m.id for m in METRICS} == SPEC_IDS | ADDED_IDS
    assert all(m.unit in ("people", "share") for m in METRICS)
    assert DEFINITIONS_VERSION


def test_definitions_fill_in_the_parameters_of_the_run():
    words = {d["id"]: d["definition"] for d in definitions(MetricsConfig(b1_min_months=4))}
    assert "at least 4 of the previous 12 months" in words["b1_long_term"]
    assert "{" not in "".join(words.values())
    assert set(definitions()[0]) == {"id", "title", "definition", "unit", "version"}


def test_periods_start_end_and_financial_years():
    days = pl.Series([date(2024, 3, 31), date(2024, 4, 1)])
    fy = pl.select(period_index("fy", pl.lit(days))).to_series().to_list()
    assert [period_start("fy", i) for i in fy] == [date(2023, 4, 1), date(2024, 4, 1)]
    assert period_end("fy", 2023) == date(2024, 3, 31)
    assert period_end("month", 2024 * 12 + 1) == date(2024, 2, 29)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)


def test_only_complete_periods():
    months = complete_periods("month", date(2024, 1, 15), date(2024, 3, 30))
    assert [period_start("month", i) for i in months] == [date(2024, 1, 1), date(2024, 2, 1)]
    assert complete_periods("fy", date(2024, 5, 1), date(2025, 3, 30)) == []


def test_counting_follows_the_registry_and_nothing_else():
    """Every registry entry is counted, and every counted id is a registry entry.

    Adding a metric is one entry in ``metrics.registry`` (naming its rule in ``metrics.rules``)
    and a spec test: counting has no list of its own to update.
    """
    events = pl.DataFrame(
        {
            "person_key": ["a", "a", "b"],
            "event_date": [date(2024, 1, 10), date(2024, 2, 3), date(2024, 1, 20)],
            "event_type": ["seen_rough_sleeping", "hostel_entry", "seen_rough_sleeping"],
            "borough": ["E09000033", "E09000033", "E09000007"],
            "source": ["chain", "inform", "chain"],
            "detail": [None, None, None],
        },
        schema=EVENTS_SCHEMA,
    )
    people = pl.DataFrame({"person_key": ["a", "b"]}).with_columns(
        pl.lit(None, dtype=dtype).alias(column)
        for column, dtype in PEOPLE_SCHEMA.items()
        if column != "person_key"
    )
    table = compute_metrics(events, people, MetricsConfig(), date(2025, 12, 31))
    assert set(table["metric_id"]) == {m.id for m in METRICS}
    fewer = compute_metrics(
        events, people, MetricsConfig(sustained_months=(6,)), date(2025, 12, 31)
    )
    assert set(fewer["metric_id"]) == {m.id for m in METRICS} - {"sustained_3m", "sustained_12m"}


def test_a_registry_entry_names_a_known_population_and_unit():
    entry = METRICS_BY_ID["stock"]
    with pytest.raises(ValueError, match="population 'sleeping'"):
        replace(entry, population="sleeping")
    with pytest.raises(ValueError, match="unit 'percent'"):
        replace(entry, unit="percent")
    assert all(m.population in ("seen", "new", "moved") for m in METRICS)
    assert {m.id for m in METRICS if m.follow_up_months} == {
        "sustained_3m",
        "sustained_6m",
        "sustained_12m",
    }


def test_one_period_arithmetic_for_dates_and_columns():
    days = [date(2024, 1, 31), date(2024, 4, 1), date(2025, 3, 31)]
    for period_type in ("month", "quarter", "fy"):
        column = pl.select(period_index(period_type, pl.lit(pl.Series(days)))).to_series()
        assert column.to_list() == [index_of(period_type, d) for d in days]
        ends = pl.select(period_end_expr(period_type, pl.lit(column))).to_series().to_list()
        assert ends == [period_end(period_type, i) for i in column]
    assert [quarter_of_fy(index_of("quarter", d)) for d in days] == [4, 1, 4]


def test_a_month_is_written_yyyy_mm():
    assert period_start("month", parse_month("2024-02")) == date(2024, 2, 1)
    for bad in ("2024-13", "2024", "24-1-1", "March 2024", "2024-00"):
        with pytest.raises(ValueError, match="is not a month written YYYY-MM"):
            parse_month(bad)
