"""Monthly increments give the links a full run with the same model gives, and keep pseudonyms."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from contract.errors import PathwaysError
from pipelines.config import PathwaysConfig
from pipelines.linkage.clustering import cluster_links
from pipelines.linkage.engine import engine_session, to_polars
from pipelines.linkage.increment import (
    STATE_DIR,
    VERSION_FILE,
    agreement,
    as_of,
    full_link,
    link_increment,
    link_month,
    scored_new_pairs,
)
from pipelines.linkage.link import MODEL_FILE, U_FILE, WEIGHED_FROM, link_stage_version
from pipelines.linkage.prepare import identity_features, record_ids
from pipelines.linkage.pseudonyms import person_keys
from pipelines.linkage.splink_api import Linker
from pipelines.sources.validate import load_sources
from pipelines.synthetic import generate

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


def _scored_by_splink(linker: Linker) -> pl.DataFrame:
    """The pairs Splink itself forms from the model's prediction rules, scored."""
    scored = linker.inference.predict(threshold_match_probability=WEIGHED_FROM)
    return to_polars(scored).select("unique_id_l", "unique_id_r", "match_probability")


def _relinked_with_saved_model(tables: dict[str, pl.DataFrame], work: Path) -> pl.DataFrame:
    """Every pair scored again with the saved model, clustered from scratch as a full link does.

    The pairs are the ones Splink itself forms from the model's prediction rules, not the
    pipeline's own query for them (``model.prediction_pairs``), so the two are checked against
    each other too.
    """
    features = identity_features(tables)
    model = json.loads((work / MODEL_FILE).read_text())
    with engine_session("duckdb") as database:
        linker = Linker(database.register(features.to_arrow()), model, log_level=None)
        scored = _scored_by_splink(linker)
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


def test_an_increment_scores_exactly_the_saved_models_pairs_that_have_a_new_record(
    tables, tmp_path
):
    full_link(as_of(tables, LAST_MONTH), CONFIG.linkage, KEY, tmp_path)
    model = json.loads((tmp_path / MODEL_FILE).read_text())
    known = pl.read_parquet(tmp_path / STATE_DIR / "clusters.parquet")
    features = (
        identity_features(tables)
        .join(
            known.select("source", "source_record_id", pl.lit(False).alias("is_new")),
            on=["source", "source_record_id"],
            how="left",
        )
        .with_columns(pl.col("is_new").fill_null(True))
    )
    new_ids = features.filter("is_new")["unique_id"].implode()
    assert features["is_new"].sum() > 50

    with engine_session("duckdb") as database:
        records = database.register(features.to_arrow())
        every = _scored_by_splink(Linker(records, model, log_level=None))
        increment = scored_new_pairs(database, features, model)

    with_a_new_record = every.filter(
        pl.col("unique_id_l").is_in(new_ids) | pl.col("unique_id_r").is_in(new_ids)
    )
    pair = ["unique_id_l", "unique_id_r"]
    assert increment.height == increment.unique(pair).height  # each pair once
    assert increment.sort(pair).equals(with_a_new_record.sort(pair))


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


def test_the_erasure_check_names_the_records_as_the_identity_features_do(tables):
    named = identity_features(tables).select("source", "source_record_id")
    ids = record_ids(tables)
    assert ids.height == named.height > 0
    assert ids.sort(ids.columns).equals(named.sort(named.columns))


def test_an_increment_needs_an_earlier_full_link(tables, tmp_path):
    with pytest.raises(PathwaysError, match="run a full link there first"):
        link_increment(tables, CONFIG.linkage, KEY, tmp_path)


def test_the_monthly_link_adds_to_the_last_run_unless_a_full_relink_is_due(tables, tmp_path):
    earlier = _without_last_months_cases(tables)
    first = link_month(earlier, CONFIG.linkage, KEY, tmp_path)
    monthly = link_month(tables, CONFIG.linkage, KEY, tmp_path)
    asked = link_month(tables, CONFIG.linkage, KEY, tmp_path, full_relink=True)
    (tmp_path / STATE_DIR / VERSION_FILE).write_text('{"code": "last month\'s"}')
    changed = link_month(tables, CONFIG.linkage, KEY, tmp_path)

    assert first.report["full_relink_reason"] == "no earlier linkage in the work directory"
    assert monthly.report["linkage_run"] == "increment"
    assert monthly.report["new_records"] > 0
    assert monthly.report["people_found"] == monthly.links["person_key"].n_unique()
    assert asked.report["full_relink_reason"] == "asked for"
    assert changed.report["full_relink_reason"].startswith("the link stage's code")
    assert pl.read_parquet(tmp_path / "links.parquet").equals(changed.links)


def test_a_person_erased_from_the_extract_leaves_no_trace_after_the_monthly_run(tables, tmp_path):
    full_link(tables, CONFIG.linkage, KEY, tmp_path)
    links = pl.read_parquet(tmp_path / "links.parquet")
    # Erase a CHAIN person who was linked to other records and names their person.
    linked = links.filter(pl.len().over("person_key") > 1).sort("source", "source_record_id")
    erased = linked.filter(pl.col("source") == "chain").row(0, named=True)
    chain_id = erased["source_record_id"]
    after = {
        name: frame.filter(pl.col("chain_id") != chain_id) if "chain_id" in frame.columns else frame
        for name, frame in tables.items()
    }

    result = link_month(after, CONFIG.linkage, KEY, tmp_path)

    assert result.report["full_relink_reason"] == (
        "records linked before have left the sources (erasure)"
    )
    assert erased["person_key"] not in set(result.links["person_key"])
    identities = {chain_id, f"chain:{chain_id}", f"chain\x1f{chain_id}"}
    for path in tmp_path.rglob("*.parquet"):
        frame = pl.read_parquet(path)
        for column in frame.select(pl.col(pl.String)).columns:
            assert not set(frame[column]) & identities, f"{path.name} {column}"
    for path in tmp_path.rglob("*.json"):
        assert chain_id not in path.read_text(), path.name


def test_u_is_sampled_once_per_model_version_and_kept_in_the_work_directory(tables, tmp_path):
    first = full_link(tables, CONFIG.linkage, KEY, tmp_path)
    sampled = json.loads((tmp_path / U_FILE).read_text())
    again = full_link(tables, CONFIG.linkage, KEY, tmp_path)
    other = CONFIG.linkage.model_copy(update={"match_threshold": 0.7})
    full_link(tables, other, KEY, tmp_path)
    resampled = json.loads((tmp_path / U_FILE).read_text())

    assert again.links.equals(first.links)
    assert sampled["version"] == link_stage_version(CONFIG.linkage)
    assert resampled["version"] == link_stage_version(other)
    # u-probabilities only: shares of random pairs that agree, no record or value.
    assert all(isinstance(u, float | None) for us in sampled["u"].values() for u in us)
