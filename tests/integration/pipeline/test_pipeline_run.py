"""``pathways run`` end to end on a small synthetic London: what reaches the release, and what never does."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from types import SimpleNamespace

import polars as pl
import pytest

from contract.reference import LONDON_CODE
from contract.release import RELEASE_SCHEMAS, open_release
from pipelines.commands.run import run_pipeline
from pipelines.config import PathwaysConfig
from pipelines.disclosure import release_problems
from tests.conftest import TEST_KEY


def _release_bytes(release_dir) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(release_dir.iterdir()) if p.is_file())


def test_the_release_holds_every_table_and_says_it_is_synthetic(release_dir):
    release = open_release(release_dir)
    assert release.manifest.synthetic is True
    assert set(release.manifest.tables) == set(RELEASE_SCHEMAS)
    for name in RELEASE_SCHEMAS:
        assert release.table(name).columns == list(RELEASE_SCHEMAS[name])
    metrics = release.metrics
    london_seen = metrics.filter(
        (pl.col("metric_id") == "seen_rough_sleeping")
        & (pl.col("period_type") == "fy")
        & (pl.col("geography_code") == LONDON_CODE)
        & (pl.col("breakdown") == "all")
    )
    assert london_seen.height >= 3 and london_seen["value"].max() > 0
    assert release.survival.filter(pl.col("curve_id") == "return_to_street").height > 0
    assert release.pathways.height > 0


def test_every_count_in_the_release_obeys_the_disclosure_rules(release_dir):
    release = open_release(release_dir)
    tables = {name: release.table(name) for name in RELEASE_SCHEMAS}
    assert release_problems(tables, PathwaysConfig().disclosure) == []


def test_nothing_person_level_reaches_the_release(pipeline_run, small_sources):
    _, work, release_dir = pipeline_run
    links = pl.read_parquet(work / "links.parquet")
    people = pl.read_csv(small_sources[0] / "chain_people.csv", infer_schema=False)
    everything = _release_bytes(release_dir)
    for key in links["person_key"].unique().head(500):
        assert key.encode() not in everything
    for record_id in links["source_record_id"].unique().head(500):
        assert record_id.encode() not in everything
    surnames = people["last_name"].drop_nulls().unique()
    long_surnames = surnames.filter(surnames.str.len_chars() >= 7).head(200)
    assert long_surnames.len() > 20
    for name in long_surnames:
        assert name.encode() not in everything, name


def test_nationality_is_never_shown_by_borough(release_dir):
    metrics = open_release(release_dir).metrics
    nationality = metrics.filter(pl.col("breakdown").str.starts_with("nationality"))
    assert nationality.height > 0
    assert set(nationality["geography_code"].unique()) == {LONDON_CODE}
    survival = open_release(release_dir).survival
    assert set(
        survival.filter(pl.col("group").str.starts_with("nationality"))["geography_code"].unique()
    ) <= {LONDON_CODE}


@pytest.fixture(scope="module")
def erased_runs(pipeline_run, small_sources, tmp_path_factory) -> SimpleNamespace:
    """One person's records removed from the sources, then two runs with the session's key: one
    over a copy of the session run's work directory (as next month's run would be), one fresh.
    The two runs are shared by the determinism and the erasure tests."""
    root = tmp_path_factory.mktemp("erased_runs")
    sources, truth_path = small_sources
    truth = pl.read_csv(truth_path, infer_schema=False)
    # someone with records in all three sources: the hardest case
    person = (
        truth.group_by("true_person")
        .agg(pl.col("source").n_unique().alias("n"))
        .filter(pl.col("n") == 3)
        .sort("true_person")["true_person"][0]
    )
    theirs = truth.filter(pl.col("true_person") == person)
    erased = root / "erased"
    shutil.copytree(sources, erased)
    ids = {
        s: set(theirs.filter(pl.col("source") == s)["source_record_id"])
        for s in ("chain", "hclic", "inform")
    }
    for table, key in {
        "chain_people": pl.col("chain_id"),
        "chain_contacts": pl.col("chain_id"),
        "chain_outcomes": pl.col("chain_id"),
        "hclic_cases": pl.concat_str("la_code", pl.lit("/"), "case_ref"),
        "inform_stays": pl.concat_str("provider", pl.lit("/"), "resident_id"),
    }.items():
        source = table.split("_")[0]
        frame = pl.read_csv(erased / f"{table}.csv", infer_schema=False)
        frame.filter(~key.is_in(list(ids[source]))).write_csv(erased / f"{table}.csv")

    _, old_work, _ = pipeline_run
    reused = root / "reused_work"
    shutil.copytree(old_work, reused)
    mp = pytest.MonkeyPatch()
    mp.setenv("PATHWAYS_PSEUDONYM_KEY", TEST_KEY)
    try:
        run_pipeline(erased, reused, root / "release_a", demo=False, packs=False)
        run_pipeline(erased, root / "fresh_work", root / "release_b", demo=False, packs=False)
    finally:
        mp.undo()
    return SimpleNamespace(
        theirs=theirs,
        reused_work=reused,
        fresh_work=root / "fresh_work",
        reused_release=root / "release_a",
        fresh_release=root / "release_b",
    )


def test_same_sources_and_key_give_the_same_release(erased_runs):
    """Two runs of the same sources with the same key, one over an earlier run's work directory
    and one from nothing, publish the same tables under the same release id."""
    one = json.loads((erased_runs.reused_release / "manifest.json").read_text())
    two = json.loads((erased_runs.fresh_release / "manifest.json").read_text())
    assert one["tables"] == two["tables"]
    assert one["release_id"] == two["release_id"]


def test_erased_person_leaves_no_trace(erased_runs):
    """Remove one person's records and rerun over the old work directory: the result is exactly
    what a fresh run on the corrected sources gives, so nothing of theirs lingers anywhere."""
    reused, fresh = erased_runs.reused_work, erased_runs.fresh_work
    links = pl.read_parquet(reused / "links.parquet")
    assert not set(links["source_record_id"]) & set(erased_runs.theirs["source_record_id"])
    a = json.loads((erased_runs.reused_release / "manifest.json").read_text())
    b = json.loads((erased_runs.fresh_release / "manifest.json").read_text())
    assert a["tables"] == b["tables"]
    for name in ("people", "events", "links"):
        assert pl.read_parquet(reused / f"{name}.parquet").equals(
            pl.read_parquet(fresh / f"{name}.parquet")
        )


def test_a_real_run_without_a_key_stops_with_one_plain_line(small_sources, tmp_path):
    env = {k: v for k, v in __import__("os").environ.items() if not k.startswith("PATHWAYS_")}
    proc = subprocess.run(
        [sys.executable, "-m", "pipelines.commands.cli", "run", "--sources", str(small_sources[0]),
         "--work", str(tmp_path / "w"), "--release", str(tmp_path / "r")],
        capture_output=True, text=True, env=env,
    )  # fmt: skip
    assert proc.returncode == 4  # the environment lacks the key
    assert "PATHWAYS_PSEUDONYM_KEY" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "r").exists()


def test_demo_mode_refuses_sources_that_are_not_synthetic(small_sources, tmp_path):
    real = tmp_path / "real"
    shutil.copytree(small_sources[0], real)
    manifest = json.loads((real / "manifest.json").read_text())
    manifest.pop("synthetic")
    (real / "manifest.json").write_text(json.dumps(manifest))
    from contract.errors import PathwaysError

    with pytest.raises(PathwaysError, match="synthetic"):
        run_pipeline(real, tmp_path / "w", tmp_path / "r", demo=True, packs=False)
