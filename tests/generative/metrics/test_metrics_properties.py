"""Properties every metrics table must have, on journeys Hypothesis makes up."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contract.periods import add_months
from contract.reference import LONDON_CODE
from contract.release import METRICS_SCHEMA
from metrics.config import MetricsConfig
from metrics.counting import compute_metrics
from metrics.journeys import EVENTS_SCHEMA, PEOPLE_SCHEMA

START = date(2022, 1, 1)
BOROUGHS = ("E09000033", "E09000022", "E09000007")
EVENT_TYPES = (
    "seen_rough_sleeping",
    "seen_rough_sleeping",
    "seen_rough_sleeping",
    "hostel_entry",
    "settled_prs",
    "ta_start",
    "custody",
    "hclic_approach",
    "nsno_arrival",
)

event = st.tuples(
    st.integers(0, 7),  # person
    st.integers(0, 3 * 365),  # day
    st.sampled_from(EVENT_TYPES),
    st.sampled_from((*BOROUGHS, None)),
)


def _frames(rows: list[tuple]) -> tuple[pl.DataFrame, pl.DataFrame]:
    events = pl.DataFrame(
        {
            "person_key": [f"p{r[0]}" for r in rows],
            "event_date": [START + timedelta(days=r[1]) for r in rows],
            "event_type": [r[2] for r in rows],
            # Bedded-down contacts always have a borough (it is required in CHAIN).
            "borough": [
                r[3] or BOROUGHS[0] if r[2] == "seen_rough_sleeping" else r[3] for r in rows
            ],
            "source": ["chain"] * len(rows),
            "detail": [None] * len(rows),
        },
        schema=EVENTS_SCHEMA,
    )
    keys = sorted(set(events["person_key"]))
    people = pl.DataFrame(
        {
            "person_key": keys,
            "age_band": ["26_35" if i % 2 else "36_45" for i in range(len(keys))],
            "gender": ["male" if i % 3 else "female" for i in range(len(keys))],
            "ethnic_group": ["unknown"] * len(keys),
            "nationality_group": ["uk" if i % 2 else "eu_eea" for i in range(len(keys))],
            **{
                c: [i % 2 == 0 for i in range(len(keys))]
                for c, t in PEOPLE_SCHEMA.items()
                if t == pl.Boolean()
            },
        },
        schema=PEOPLE_SCHEMA,
    )
    return events, people


def _wide(table: pl.DataFrame) -> pl.DataFrame:
    return table.pivot(
        on="metric_id",
        index=["period_type", "period_start", "geography_code", "breakdown"],
        values="value",
    )


journeys = st.lists(event, min_size=1, max_size=60)
extracts = st.sampled_from((date(2023, 6, 30), date(2024, 3, 31), date(2024, 12, 31)))
common = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@common
@given(journeys, extracts)
def test_new_stock_and_returners_add_up_to_everyone_seen(rows, extract):
    events, people = _frames(rows)
    table = compute_metrics(events, people, MetricsConfig(), extract)
    assert dict(table.schema) == METRICS_SCHEMA
    wide = _wide(table)
    if wide.height == 0:
        return
    total = pl.col("flow_new") + pl.col("stock") + pl.col("returner")
    assert wide.filter(total != pl.col("seen_rough_sleeping")).height == 0
    # Living on the streets and intermittent are disjoint parts of the people seen.
    both = pl.col("living_on_streets") + pl.col("intermittent")
    assert wide.filter(both > pl.col("seen_rough_sleeping")).height == 0


@common
@given(journeys, extracts)
def test_london_is_at_least_any_borough(rows, extract):
    events, people = _frames(rows)
    table = compute_metrics(events, people, MetricsConfig(), extract).filter(
        pl.col("denominator").is_null()  # people metrics
    )
    london = table.filter(pl.col("geography_code") == LONDON_CODE).select(
        "metric_id", "period_type", "period_start", "breakdown", pl.col("value").alias("london")
    )
    boroughs = table.filter(pl.col("geography_code") != LONDON_CODE).join(
        london, on=["metric_id", "period_type", "period_start", "breakdown"], how="left"
    )
    # P1 is about a borough and has no London figure; everything else has one.
    boroughs = boroughs.filter(pl.col("metric_id") != "p1_new_to_borough")
    assert boroughs.filter(pl.col("london").is_null() & (pl.col("value") > 0)).height == 0
    assert boroughs.filter(pl.col("value") > pl.col("london")).height == 0


@common
@given(journeys, extracts)
def test_sustained_shares_only_for_complete_follow_up(rows, extract):
    events, people = _frames(rows)
    table = compute_metrics(events, people, MetricsConfig(), extract)
    sustained = table.filter(pl.col("metric_id").str.starts_with("sustained_"))
    for row in sustained.iter_rows(named=True):
        months = int(row["metric_id"].removeprefix("sustained_").removesuffix("m"))
        length = {"month": 1, "quarter": 3, "fy": 12}[row["period_type"]]
        follow_up_ends = add_months(row["period_start"], length + months) - timedelta(days=1)
        if follow_up_ends > extract:
            assert row["status"] == "incomplete_follow_up"
            assert row["value"] is None and row["numerator"] is None
        else:
            assert row["status"] == "ok"
            if row["denominator"]:
                assert 0 <= row["numerator"] <= row["denominator"]
                assert row["value"] == row["numerator"] / row["denominator"]


@common
@given(journeys, extracts)
def test_one_row_per_cell_complete_periods_and_nationality_only_for_london(rows, extract):
    events, people = _frames(rows)
    table = compute_metrics(events, people, MetricsConfig(), extract)
    assert table.filter(pl.col("period_start") > extract).height == 0
    key = ["metric_id", "period_type", "period_start", "geography_code", "breakdown"]
    assert table.select(key).is_duplicated().sum() == 0
    nationality = table.filter(pl.col("breakdown").str.starts_with("nationality_group="))
    assert set(nationality["geography_code"]) <= {LONDON_CODE}
    shares = table.filter(pl.col("denominator").is_not_null() & pl.col("value").is_not_null())
    assert shares.filter((pl.col("value") < 0) | (pl.col("value") > 1)).height == 0
