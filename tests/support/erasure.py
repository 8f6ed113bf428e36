"""Erase people from a run's journeys and rebuild the protected release tables, as a rerun on the
same extract would (after linkage: the people and events of the secure zone, minus them)."""

from __future__ import annotations

from datetime import date

import polars as pl

from pipelines.commands.run import journey_aggregates
from pipelines.config import PathwaysConfig
from pipelines.disclosure import protect


def protected_tables(
    events: pl.DataFrame, people: pl.DataFrame, extract_date: date, reported_from: date
) -> dict[str, pl.DataFrame]:
    """The protected release tables built from journeys, as ``pathways run`` builds them; the
    quality table (validation and linkage counts) is not rebuilt from journeys."""
    config = PathwaysConfig()
    unsuppressed = journey_aggregates(events, people, config, extract_date, reported_from)
    tables = protect(unsuppressed, config.disclosure)
    tables.pop("quality")
    return tables


def changed_rows(before: dict[str, pl.DataFrame], after: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """Published rows that differ between two releases: ``table`` and the row as text, per side."""
    frames = []
    for name, old in before.items():
        new = after[name]
        for side, a, b in (("before", old, new), ("after", new, old)):
            gone = a.join(b, on=a.columns, how="anti", nulls_equal=True)
            frames.append(
                gone.select(
                    table=pl.lit(name),
                    side=pl.lit(side),
                    place=pl.col("geography_code") if "geography_code" in a.columns else pl.lit(""),
                    group=pl.col("breakdown")
                    if "breakdown" in a.columns
                    else (pl.col("group") if "group" in a.columns else pl.lit("")),
                )
            )
    return pl.concat(frames)
