"""Hypothesis draws odd journeys; every Sankey stage must still hold the whole cohort."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from contract.reference import DESTINATIONS, EVENT_TYPES, REASONS_LOSS_OF_HOME
from metrics.config import AnalysisConfig
from metrics.journeys import EVENTS_SCHEMA
from metrics.pathways import STAGES, compute_pathways

START, EXTRACT = date(2022, 4, 1), date(2024, 6, 30)

event = st.tuples(
    st.sampled_from("abcdefg"),
    st.integers(0, 700),
    st.sampled_from(EVENT_TYPES + ("seen_rough_sleeping",) * 4),
    st.sampled_from(["E09000033", "E09000007", None]),
    st.sampled_from(DESTINATIONS + REASONS_LOSS_OF_HOME + (None,)),
)


def fy_label(day: date) -> str:
    fy = day.year - (day.month < 4)
    return f"{fy}-{(fy + 1) % 100:02d}"


@settings(max_examples=60, deadline=None)
@given(st.lists(event, min_size=1, max_size=60))
def test_each_stage_sums_to_the_people_first_seen_in_the_year(rows):
    events = pl.DataFrame(
        [
            (
                p,
                START + timedelta(days=d),
                t,
                b,
                "chain",
                x if t in ("hclic_approach", "hostel_exit") else None,
            )
            for p, d, t, b, x in rows
        ],
        schema=EVENTS_SCHEMA,
        orient="row",
    )
    links, paths = compute_pathways(events, None, AnalysisConfig(), EXTRACT)
    # By hand: each person's first sighting, and the years followed for 12 months.
    first = {}
    for p, d, t, _, _ in rows:
        if t == "seen_rough_sleeping":
            first[p] = min(first.get(p, d), d)
    cohorts = Counter(
        fy_label(START + timedelta(days=d))
        for d in first.values()
        if date(int(fy_label(START + timedelta(days=d))[:4]) + 2, 3, 31) <= EXTRACT
    )
    london = links.filter(
        pl.col("geography_code") == "E12000007", ~pl.col("cohort_period").str.contains("Q")
    )
    for stage in STAGES:
        side = "stage_to" if stage == STAGES[-1] else "stage_from"
        got = (
            london.filter(pl.col(side) == stage)
            .group_by("cohort_period")
            .agg(pl.col("count").sum())
        )
        assert dict(got.iter_rows()) == dict(cohorts)
    assert (paths["count"] >= 1).all()
    totals = paths.group_by("cohort_period", "geography_code").agg(pl.col("count").sum())
    assert (
        totals.filter(pl.col("geography_code") == "E12000007")
        .join(
            pl.DataFrame(
                list(cohorts.items()),
                schema={"cohort_period": pl.String, "n": pl.Int64},
                orient="row",
            ),
            on="cohort_period",
        )
        .select((pl.col("count") <= pl.col("n")).all())
        .item()
    )
