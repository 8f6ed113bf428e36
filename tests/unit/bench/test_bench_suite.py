"""The bench's sizes, its yardsticks and its table."""

from __future__ import annotations

import json

import polars as pl
import pytest

from pipelines.bench import (
    BenchResult,
    national_hclic,
    plain_polars_scan,
    run_bench,
)
from pipelines.errors import PathwaysError
from pipelines.stages import StageRecord


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


def test_national_hclic_is_ten_londons_of_cases_mostly_other_people(tmp_path):
    _write(
        tmp_path / "hclic_cases.csv",
        """
la_code,case_ref,first_name,last_name,dob,ni_number,approach_date
E09000001,H1,Ann,Smith,1980-01-01,AB123456C,2024-04-01
E09000002,H2,Bob,Jones,1975-06-30,,2024-04-02
E09000003,H3,Cat,Brown,1990-12-24,CD654321A,2024-04-03
E09000004,H4,Dan,Green,1966-03-15,,2024-04-04
""",
    )
    national_hclic(tmp_path, copies=10)
    cases = pl.read_csv(tmp_path / "hclic_cases.csv", infer_schema=False)
    assert cases.height == 40
    assert cases.select("la_code", "case_ref").n_unique() == 40
    # London's own cases are untouched; copies have case references of their own.
    assert cases.filter(~pl.col("case_ref").str.contains("-E")).height == 4
    assert sorted(cases["first_name"].unique()) == ["Ann", "Bob", "Cat", "Dan"]
    identities = cases.select("first_name", "last_name", "dob").unique().height
    assert identities > 4


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
        cpu_seconds={"link": 25.0, "metrics": 2.0, "Splink alone": 18.0},
    )
    table = result.table()
    assert "link                         30.0     25.0      500      1.50" in table
    assert "pipeline total               33.0     27.0      500      1.65" in table
    assert "pipeline ÷ Splink alone in CPU seconds: 1.50" in table
    written = result.as_json()
    assert written["pipeline_ratio_to_splink_alone"] == 1.65
    assert written["stages"][1]["ratio_to_splink_alone"] == 0.15
    json.dumps(written)


def test_an_unknown_size_is_refused():
    with pytest.raises(PathwaysError, match="Unknown bench size 'huge'"):
        run_bench(size="huge")


@pytest.mark.slow
def test_the_small_bench_runs_every_stage_and_writes_its_results(tmp_path):
    table = run_bench(size="small", out=tmp_path / "small.json")
    results = json.loads((tmp_path / "small.json").read_text())
    stages = [s["stage"] for s in results["stages"]]
    assert stages[:3] == ["validate", "link", "events"] and stages[-1] == "release"
    assert results["splink_alone"]["seconds"] > 0
    assert results["splink_people"] > 0 and results["pipeline_people"] > 0
    assert results["increment_report"]["new_records"] > 0
    assert "Splink alone" in table and "link, last month only" in table
    assert set(results["app_seconds_per_interaction"]) >= {"overview", "map", "returns"}
    assert "dashboard server ms per interaction" in table
