"""Linkage quality on the synthetic London (scale 0.1, April 2019 to March 2025).

The generator's name noise is made apart from the linker's name lists (tested in
tests/unit/synthetic/test_synthetic_names_independent.py). Measured at the default
configuration: pairwise precision 0.971, recall 0.952, F1 0.961, and 96.1% of true people
recovered exactly (before a rare full name had its own level and hostel records were paired on
their surname: recall 0.933, F1 0.955; other seeds and FEBRL in docs/linkage.md).
The bounds below sit a little under those figures so that a regression fails the test.
"""

from __future__ import annotations

import polars as pl
import pytest

from pipelines.config import PathwaysConfig
from pipelines.linkage.link import link_records
from pipelines.sources.validate import load_sources
from pipelines.synthetic import generate


@pytest.mark.slow
def test_synthetic_london_links_people_well(tmp_path):
    sources, truth_path = tmp_path / "sources", tmp_path / "truth.csv"
    generate(sources, scale=0.1, start="2019-04", end="2025-03", seed=1, truth_path=truth_path)
    config = PathwaysConfig()
    tables = load_sources(sources, config, required_tables=("chain_people",)).tables
    truth = pl.read_csv(truth_path, infer_schema=False)
    quality = link_records(tables, config.linkage, b"s" * 32, truth=truth).report[
        "quality_against_truth"
    ]
    assert quality["pairwise_precision"] >= 0.965
    assert quality["pairwise_recall"] >= 0.945
    assert quality["pairwise_f1"] >= 0.955
    assert quality["people_exactly_recovered"] >= 0.955
