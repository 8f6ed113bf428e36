"""Events and metrics on a small synthetic London, linked by the generator's true identities.

The generator's calibration check counts new, stock and returners its own way, straight from
the CHAIN files; the product's events and metrics must reach exactly the same numbers.
"""

from __future__ import annotations

import hashlib
from datetime import date

import polars as pl
import pytest

from contract.reference import LONDON_CODE
from contract.release import METRICS_SCHEMA
from metrics.counting import compute_metrics
from metrics.journeys import EVENTS_SCHEMA, PEOPLE_SCHEMA
from pipelines.config import PathwaysConfig
from pipelines.events import build_journeys
from pipelines.sources.validate import load_sources
from pipelines.synthetic import calibration_figures, generate

FY_2023 = date(2023, 4, 1)


@pytest.fixture(scope="module")
def london(tmp_path_factory):
    root = tmp_path_factory.mktemp("synthetic")
    generate(root / "s", 0.05, "2021-04", "2025-03", seed=5, truth_path=root / "truth.csv")
    config = PathwaysConfig()
    sources = load_sources(root / "s", config)
    links = pl.read_csv(root / "truth.csv", infer_schema=False).select(
        "source",
        "source_record_id",
        person_key=pl.col("true_person").map_elements(
            lambda p: hashlib.sha256(p.encode()).hexdigest(), return_dtype=pl.String
        ),
    )
    people, events = build_journeys(sources.tables, links, sources.extract_date)
    table = compute_metrics(events, people, config.metrics, sources.extract_date)
    return people, events, table, calibration_figures(root / "s", root / "truth.csv", fy=2023)


def _london(table: pl.DataFrame, metric: str, period_type: str, start: date) -> float:
    row = table.filter(
        (pl.col("metric_id") == metric)
        & (pl.col("period_type") == period_type)
        & (pl.col("period_start") == start)
        & (pl.col("geography_code") == LONDON_CODE)
        & (pl.col("breakdown") == "all")
    )
    return row["value"].item()


def test_contracts_hold(london):
    people, events, table, _ = london
    assert dict(people.schema) == PEOPLE_SCHEMA
    assert dict(events.schema) == EVENTS_SCHEMA
    assert dict(table.schema) == METRICS_SCHEMA
    assert events["person_key"].str.len_chars().unique().to_list() == [64]


@pytest.mark.parametrize(
    ("metric", "figure"),
    [
        ("seen_rough_sleeping", "seen_rough_sleeping"),
        ("flow_new", "flow_new"),
        ("stock", "stock"),
        ("returner", "returner"),
        ("new_single_night", "new_single_night_share"),
    ],
)
def test_same_counts_as_the_generators_own_check(london, metric, figure):
    _, _, table, figures = london
    assert _london(table, metric, "fy", FY_2023) == pytest.approx(figures[figure])


@pytest.mark.parametrize(
    "metric", ["seen_rough_sleeping", "flow_new", "living_on_streets", "intermittent"]
)
def test_same_quarter_as_the_generators_own_check(london, metric):
    _, _, table, figures = london
    assert _london(table, metric, "quarter", date(2023, 7, 1)) == figures[f"q2_{metric}"]
