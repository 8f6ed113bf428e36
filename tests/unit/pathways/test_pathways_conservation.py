"""Sankey stages conserve people: every stage of every cohort sums to the cohort."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from support.journeys import sample_journeys

from metrics.config import AnalysisConfig
from metrics.pathways import STAGES, compute_pathways, person_paths, transition_graph

EXTRACT = date(2020, 3, 31)


@pytest.fixture(scope="module")
def journeys():
    events, people = sample_journeys(
        n_people=3000,
        start=date(2016, 4, 1),
        end=date(2020, 3, 31),
        seed=5,
        street_contacts_per_person=2,
    )
    return events, people


@pytest.fixture(scope="module")
def pathways(journeys):
    return compute_pathways(*journeys, AnalysisConfig(), EXTRACT)


def test_every_stage_sums_to_the_cohort(journeys, pathways):
    links, _ = pathways
    by_stage = (
        pl.concat(
            [
                links.select("cohort_period", "geography_code", stage="stage_from", count="count"),
                links.filter(stage_to="month_12").select(
                    "cohort_period", "geography_code", stage="stage_to", count="count"
                ),
            ]
        )
        .group_by("cohort_period", "geography_code", "stage")
        .agg(pl.col("count").sum())
    )
    # The last stage is counted once from its incoming links, the others from outgoing ones.
    per_stage = by_stage.pivot(on="stage", index=["cohort_period", "geography_code"])
    assert set(per_stage.columns) == {"cohort_period", "geography_code", *STAGES}
    for stage in STAGES[1:]:
        assert (per_stage[stage] == per_stage["before"]).all()
    # ... and the cohort is the number of people first seen in that period.
    people = person_paths(journeys[0], AnalysisConfig(), EXTRACT)
    fy_sizes = people.group_by("fy").len().sort("fy")
    london = per_stage.filter(
        pl.col("geography_code") == "E12000007", ~pl.col("cohort_period").str.contains("Q")
    ).sort("cohort_period")
    assert london["before"].to_list() == fy_sizes["len"].to_list()[: london.height]
    assert london.height == 3  # 2016-17 to 2018-19 have 12 months' follow-up by March 2020


def test_quarters_add_up_to_their_year_and_boroughs_to_london(pathways):
    links, _ = pathways
    firsts = links.filter(stage_from="before").with_columns(
        fy=pl.col("cohort_period").str.slice(0, 7),
        is_quarter=pl.col("cohort_period").str.contains("Q"),
        is_london=pl.col("geography_code") == "E12000007",
    )
    total = firsts.group_by("fy", "is_quarter", "is_london").agg(pl.col("count").sum())
    pivot = total.pivot(on=["is_quarter", "is_london"], index="fy", values="count")
    assert pivot.height == 3
    for row in pivot.iter_rows(named=True):
        assert len(set(v for k, v in row.items() if k != "fy")) == 1


def test_the_graph_conserves_flow_through_every_middle_state(pathways):
    links, _ = pathways
    one = links.filter(cohort_period="2017-18", geography_code="E12000007")
    graph = transition_graph(one)
    for node in graph.nodes:
        incoming = sum(d["count"] for *_, d in graph.in_edges(node, data=True))
        outgoing = sum(d["count"] for *_, d in graph.out_edges(node, data=True))
        if graph.in_degree(node) and graph.out_degree(node):
            assert incoming == outgoing, node


def test_paths_are_ranked_and_no_more_than_asked_for(pathways):
    _, paths = pathways
    for (_, _), group in paths.group_by("cohort_period", "geography_code"):
        assert group.height <= 10
        assert group.sort("rank")["count"].diff().drop_nulls().le(0).all()
        assert group["rank"].sort().to_list() == list(range(1, group.height + 1))
        assert group["path"].str.count_matches(" → ").eq(3).all()
