"""The one place that knows which database Splink runs on.

Everything else in the link stage speaks Splink's engine-neutral API, and its comparisons are
built from Splink's level library, which Splink writes in each engine's dialect. Adding Spark
means adding a branch to ``engine_session`` and nothing elsewhere.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from pathlib import Path

import polars as pl

from contract.errors import PathwaysError
from pipelines.linkage.splink_api import DatabaseAPI, DuckDBAPI, SplinkDataFrame

ENGINES = ("duckdb", "spark")


@contextlib.contextmanager
def engine_session(engine: str) -> Iterator[DatabaseAPI]:
    """A fresh, private Splink database for one linkage run, removed afterwards.

    Args:
        engine: ``"duckdb"`` (embedded; fits London on one machine) or ``"spark"``
            (``pipelines.linkage.spark_engine``; the optional extra, for national volumes).
    """
    if engine not in ENGINES:
        raise PathwaysError(
            f"Linkage engine {engine!r} is not available; set linkage.engine to one of "
            f"{', '.join(ENGINES)}."
        )
    if engine == "spark":
        from pipelines.linkage.spark_engine import spark_database

        with (
            tempfile.TemporaryDirectory(prefix="pathways-link-") as scratch,
            spark_database(Path(scratch)) as database,
        ):
            yield database
        return
    import duckdb

    with tempfile.TemporaryDirectory(prefix="pathways-link-") as scratch:
        connection = duckdb.connect(":memory:")
        try:
            # Spill files hold identity data: keep them in the run's own scratch directory.
            connection.execute(f"SET temp_directory = '{Path(scratch).as_posix()}'")
            connection.execute("SET enable_progress_bar = false")
            yield DuckDBAPI(connection)
        finally:
            connection.close()


def to_polars(table: SplinkDataFrame) -> pl.DataFrame:
    """Bring a Splink result table back as a Polars frame."""
    return pl.from_arrow(table.as_pyarrow_table())
