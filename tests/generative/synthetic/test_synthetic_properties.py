"""Whatever the scale, seed and months, the synthetic London is a clean, consistent extract.

For random small Londons: validation passes with no row quarantined, nothing is dated after the
extract date, every contact and outcome belongs to a CHAIN person record, and the truth file
names every person record exactly once.
"""

from __future__ import annotations

import json
import tempfile
from datetime import date
from pathlib import Path

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.config import PathwaysConfig
from pipelines.sources.validate import validate_sources
from pipelines.synthetic import generate

SETTINGS = settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
DATE_COLUMNS = {
    "chain_contacts": ["contact_date"],
    "chain_outcomes": ["outcome_date"],
    "hclic_cases": [
        "approach_date", "prevention_start", "prevention_end", "relief_start", "relief_end",
        "ta_start", "ta_end",
    ],
    "inform_stays": ["move_in", "move_out"],
}  # fmt: skip
RECORD_IDS = {
    "chain": ("chain_people", pl.col("chain_id")),
    "hclic": ("hclic_cases", pl.concat_str("la_code", "case_ref", separator="/")),
    "inform": ("inform_stays", pl.concat_str("provider", "resident_id", separator="/")),
}


def _month(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


@st.composite
def londons(draw) -> dict[str, object]:
    """Small Londons: a few hundredths of London over one month to three years, 2008 to 2026."""
    start = draw(st.integers(2008 * 12, 2026 * 12))
    months = draw(st.integers(1, 36))
    return {
        "scale": draw(st.sampled_from([0.003, 0.01, 0.02])),
        "start": _month(start),
        "end": _month(start + months - 1),
        "seed": draw(st.integers(0, 2**31 - 1)),
    }


def _read(sources: Path, table: str) -> pl.DataFrame:
    return pl.read_csv(sources / f"{table}.csv", infer_schema=False)


@SETTINGS
@given(london=londons())
def test_any_small_london_is_a_clean_consistent_extract(london):
    with tempfile.TemporaryDirectory() as tmp:
        sources, truth_path = Path(tmp) / "sources", Path(tmp) / "truth.csv"
        generate(out_dir=sources, truth_path=truth_path, **london)

        result = validate_sources(sources, PathwaysConfig())
        assert result.passed, result.report.failures
        for name, table in result.report.tables.items():
            assert table.error is None, table.error
            assert table.rows_quarantined == 0, (name, table.quarantined_by)
            assert table.rows_read == table.rows_accepted

        extract = date.fromisoformat(
            json.loads((sources / "manifest.json").read_text())["extract_date"]
        )
        for table, columns in DATE_COLUMNS.items():
            frame = _read(sources, table)
            for column in columns:
                latest = frame[column].str.to_date().max()
                assert latest is None or latest <= extract, (table, column, latest)

        people = set(_read(sources, "chain_people")["chain_id"])
        for table in ("chain_contacts", "chain_outcomes"):
            assert set(_read(sources, table)["chain_id"]) <= people, table

        truth = pl.read_csv(truth_path, infer_schema=False)
        assert truth.select("source", "source_record_id").is_unique().all()
        for source, (table, record_id) in RECORD_IDS.items():
            records = _read(sources, table).select(record_id.alias("id"))["id"]
            assert records.is_unique().all(), table
            named = truth.filter(pl.col("source") == source)["source_record_id"]
            assert sorted(named) == sorted(records), source
        assert set(truth["source"]) <= set(RECORD_IDS)
