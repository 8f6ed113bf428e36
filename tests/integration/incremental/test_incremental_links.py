"""Monthly increments give the links a full run with the same model gives, and keep pseudonyms."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from splink import Linker

from pipelines.config import PathwaysConfig
from pipelines.errors import PathwaysError
from pipelines.incremental import agreement, as_of, full_link, link_increment
from pipelines.link import MODEL_FILE, scored_pairs
from pipelines.linkage.clustering import cluster_links
from pipelines.linkage.engine import engine_session
from pipelines.linkage.prepare import identity_features
from pipelines.linkage.pseudonyms import person_keys
from pipelines.synthetic import generate
from pipelines.validate import load_sources

KEY = b"incremental-test-key-of-32-chars!"
CONFIG = PathwaysConfig()
LAST_MONTH = date(2025, 3, 1)


@pytest.fixture(scope="module")
def tables(tmp_path_factory) -> dict[str, pl.DataFrame]:
    sources = tmp_path_factory.mktemp("sources")
    generate(sources, 0.03, "2024-04", "2025-03", 11)
    return load_sources(sources, CONFIG).tables


def _without_last_months_cases(tables: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """Last month's extract held everything but this month's H-CLIC cases."""
    earlier = dict(tables)
    earlier["hclic_cases"] = tables["hclic_cases"].filter(pl.col("approach_date") < LAST_MONTH)
    return earlier


def _relinked_with_saved_model(tables: dict[str, pl.DataFrame], work: Path) -> pl.DataFrame:
    """Every pair scored again with the saved model, clustered from scratch as a full link does."""
    features = identity_features(tables)
    model = json.loads((work / MODEL_FILE).read_text())
    with engine_session("duckdb") as database:
        linker = Linker(database.register(features.to_arrow()), model, log_level=None)
        scored = scored_pairs(linker)
    clusters = cluster_links(features, scored, CONFIG.linkage.match_threshold)
    clusters = features.select("unique_id", "source", "source_record_id").join(
        clusters, on="unique_id", how="left"
    )
    return person_keys(clusters.with_columns(pl.col("cluster").cast(pl.String)), KEY)


def _people(links: pl.DataFrame) -> set[frozenset[str]]:
    grouped = links.group_by("person_key").agg(pl.concat_str("source", "source_record_id"))
    return {frozenset(members) for members in grouped["source"]}


def test_an_increment_links_new_cases_as_a_full_run_with_the_same_model_does(tables, tmp_path):
    earlier = _without_last_months_cases(tables)
    before = full_link(earlier, CONFIG.linkage, KEY, tmp_path)

    after = link_increment(tables, CONFIG.linkage, KEY, tmp_path)

    new_cases = tables["hclic_cases"].height - earlier["hclic_cases"].height
    assert new_cases > 0
    assert after.report["new_records"] == new_cases
    assert after.links.height == before.links.height + new_cases
    full = _relinked_with_saved_model(tables, tmp_path)
    assert _people(after.links) == _people(full)
    # Existing people keep their pseudonyms, unless a new case merged them into another.
    kept = before.links.join(after.links, on=["source", "source_record_id"], suffix="_after")
    changed = kept.filter(pl.col("person_key") != pl.col("person_key_after"))
    assert changed["person_key"].n_unique() == after.report["people_merged_away"]


@pytest.mark.slow
def test_an_increment_over_a_month_of_every_source_stays_close_to_a_rebuild(tables, tmp_path):
    full_link(as_of(tables, LAST_MONTH), CONFIG.linkage, KEY, tmp_path / "monthly")
    monthly = link_increment(tables, CONFIG.linkage, KEY, tmp_path / "monthly")
    rebuild = full_link(tables, CONFIG.linkage, KEY, tmp_path / "rebuild")

    assert monthly.report["new_records"] > 0
    close = agreement(monthly.links, rebuild.links)
    assert close["records"] == rebuild.links.height
    assert close["share_of_pairs_in_reference"] > 0.95
    assert close["share_of_reference_pairs_found"] > 0.9


def test_a_second_increment_with_nothing_new_changes_nothing(tables, tmp_path):
    full_link(tables, CONFIG.linkage, KEY, tmp_path)
    first = pl.read_parquet(tmp_path / "links.parquet")
    again = link_increment(tables, CONFIG.linkage, KEY, tmp_path)
    assert again.report["new_records"] == 0
    assert again.links.equals(first)


def test_an_increment_needs_an_earlier_full_link(tables, tmp_path):
    with pytest.raises(PathwaysError, match="run a full link there first"):
        link_increment(tables, CONFIG.linkage, KEY, tmp_path)
