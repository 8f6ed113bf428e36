"""Every code the real pipeline writes into a release reaches the user in words."""

from __future__ import annotations

import re

import polars as pl

from app.charts import common, pathways, trends

RAW = re.compile(r"_|=|E0[69]\d{6}|E12\d{6}")


def test_groups_states_and_breakdowns_of_a_real_release_read_as_words(release_dir):
    survival = pl.read_parquet(release_dir / "survival.parquet")
    comparisons = pl.read_parquet(release_dir / "comparisons.parquet")
    links = pl.read_parquet(release_dir / "pathways.parquet")
    paths = pl.read_parquet(release_dir / "paths.parquet")
    metrics = pl.read_parquet(release_dir / "metrics.parquet")

    groups = set(survival["group"]) | set(comparisons["group_a"]) | set(comparisons["group_b"])
    assert groups, "the release has survival groups"
    shown = {g: common.group_words(g) for g in groups}
    assert not [g for g, w in shown.items() if RAW.search(w)], shown
    assert shown.get("borough=E09000007", "Camden") == "Camden"

    states = set(links["state_from"]) | set(links["state_to"])
    assert not [s for s in states if RAW.search(pathways.state_words(s))]
    assert pathways.state_words("TA") != "TA"
    for path in paths["path"]:
        chart = pathways.top_paths_chart(
            common.Words(_info(release_dir)), paths.filter(pl.col("path") == path),
            *paths.filter(pl.col("path") == path).select("geography_code", "cohort_period").row(0),
        )  # fmt: skip
        (label,) = chart.figure.data[0].y
        assert not RAW.search(label), label

    breakdowns = set(metrics["breakdown"]) - {"all"}
    assert not [b for b in breakdowns if RAW.search(trends.breakdown_words(b))]


def _info(release_dir):
    from app.data import load_release

    return load_release(release_dir).manifest
