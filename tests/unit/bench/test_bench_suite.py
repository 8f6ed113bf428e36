"""The bench's sizes, its yardsticks and its table."""

from __future__ import annotations

import json

import polars as pl
import pytest

from contract.errors import PathwaysError
from pipelines.commands.bench import (
    BenchResult,
    BenchSize,
    national_hclic,
    plain_polars_scan,
    run_bench,
)
from pipelines.commands.timer import StageRecord
from pipelines.synthetic import generate


def _write(path, rows: str) -> None:
    path.write_text(rows.strip() + "\n", encoding="utf-8")


def test_the_polars_yardstick_counts_records_per_borough_per_month(tmp_path):
    _write(
        tmp_path / "chain_contacts.csv",
        """
chain_id,contact_date,borough,contact_type
C1,2024-04-02,E09000033,street_contact
C1,2024-04-20,E09000033,bedded_down
C2,2024-05-01,E09000033,street_contact
C2,2024-05-03,E09000007,street_contact
""",
    )
    counts = plain_polars_scan(tmp_path).sort("month", "borough")
    assert counts.select("borough", "month", "len").rows() == [
        ("E09000033", "2024-04", 2),
        ("E09000007", "2024-05", 1),
        ("E09000033", "2024-05", 1),
    ]


def test_national_hclic_adds_other_londons_of_distinct_households(tmp_path):
    size = BenchSize(scale=0.05, start="2024-01", end="2024-12", hclic_copies=3)
    generate(tmp_path, size.scale, size.start, size.end, seed=7)
    london = pl.read_csv(tmp_path / "hclic_cases.csv", infer_schema=False)
    added = national_hclic(tmp_path, size, seed=7)
    cases = pl.read_csv(tmp_path / "hclic_cases.csv", infer_schema=False)
    assert added == cases.height - london.height and added > london.height
    assert cases.columns == london.columns
    assert cases.select("la_code", "case_ref").n_unique() == cases.height
    # London's own cases are untouched; each copy has case references of its own.
    assert cases.filter(~pl.col("case_ref").str.contains("-E")).equals(london)
    copies = cases.with_columns(
        pl.col("case_ref").str.extract(r"-E(\d+)$").fill_null("0").alias("copy")
    )
    assert sorted(copies["copy"].unique()) == ["0", "1", "2"]
    # Copies are other households, not London's people again: their NI numbers are their own,
    # and few of their full identities occur in London.
    ni = copies.drop_nulls("ni_number").group_by("ni_number").agg(pl.col("copy").n_unique())
    assert ni.filter(pl.col("copy") > 1).height <= 0.01 * ni.height
    identity = ("first_name", "last_name", "dob")
    in_london = copies.filter(pl.col("copy") != "0").join(
        london.select(identity).unique(), on=list(identity), how="semi"
    )
    assert in_london.height <= 0.02 * added
    # Dates and flags are written as the generator writes them.
    assert set(cases["rough_sleeping_at_approach"].unique()) <= {"true", "false"}
    assert cases["approach_date"].str.to_date("%Y-%m-%d").null_count() == 0


def test_the_table_shows_each_stage_as_a_multiple_of_splink_alone():
    result = BenchResult(
        size="small",
        scale=0.05,
        period="2023-04 to 2025-03",
        rows={"chain_people": 10},
        generation_seconds=1.0,
        stages=[StageRecord("link", 30.0, 500e6), StageRecord("metrics", 3.0, 400e6)],
        splink_alone=StageRecord("Splink alone", 20.0, 300e6),
        polars_scan=StageRecord("Polars scan-and-group", 0.5, 80e6),
        cpu_seconds={
            "link": 25.0,
            "metrics": 2.0,
            "Splink alone": 18.0,
            "link, last month only": 2.5,
        },
        increment=StageRecord("link, last month only", 6.0, 200e6),
        increment_report={"new_records": 1234},
    )
    table = result.table()
    assert "link                         30.0     25.0      500      1.50" in table
    assert "pipeline total               33.0     27.0      500      1.65" in table
    assert "pipeline ÷ Splink alone in CPU seconds: 1.50" in table
    # On a shared machine wall seconds wait for a core; CPU seconds compare across runs.
    assert (
        "increment ÷ full link: 0.10 in CPU seconds, 0.20 in seconds (1,234 new records)" in table
    )
    written = result.as_json()
    assert written["pipeline_ratio_to_splink_alone"] == 1.65
    assert written["stages"][1]["ratio_to_splink_alone"] == 0.15
    json.dumps(written)


def test_an_unknown_size_is_refused():
    with pytest.raises(PathwaysError, match="Unknown bench size 'huge'"):
        run_bench(size="huge")


@pytest.mark.slow
def test_the_small_bench_runs_every_stage_and_writes_its_results(tmp_path, capsys):
    table = run_bench(size="small", out=tmp_path / "small.json")
    # Each measurement is reported as it ends, so a run stopped part way keeps its figures.
    progress = capsys.readouterr().err
    assert "Splink alone:" in progress and "link:" in progress and "CPU s" in progress
    results = json.loads((tmp_path / "small.json").read_text())
    stages = [s["stage"] for s in results["stages"]]
    assert stages[:3] == ["validate", "link", "events"] and stages[-1] == "release"
    assert results["splink_alone"]["seconds"] > 0
    assert results["splink_people"] > 0 and results["pipeline_people"] > 0
    assert results["increment_report"]["new_records"] > 0
    assert "Splink alone" in table and "link, last month only" in table
    assert set(results["app_seconds_per_interaction"]) >= {"overview", "map", "returns"}
    assert "dashboard server ms per interaction" in table
