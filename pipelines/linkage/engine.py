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


# The records' own table in a DuckDB session.
_RECORDS_TABLE = "pathways_identity_features"


def register_records(database: DatabaseAPI, features: pl.DataFrame) -> SplinkDataFrame:
    """Hand the identity features to the engine, once, for every query of the run to read.

    On DuckDB they are copied into a table of the session: a registered Arrow table is read
    afresh by every query that names it, its list columns (forename forms, boroughs)
    converted each time, and Splink's blocking, u sampling, EM and prediction join the
    records to themselves dozens of times. At London's size, forming the blocked pairs takes
    7 s from the table against 21 s from Arrow, with the same pairs.
    """
    if isinstance(database, DuckDBAPI):
        connection = database.duckdb_con
        # Arrow's string views, as Polars holds its strings: no conversion to copy them.
        arrow = features.to_arrow(compat_level=pl.CompatLevel.newest())
        connection.register(f"{_RECORDS_TABLE}_arrow", arrow)
        connection.execute(f"CREATE TABLE {_RECORDS_TABLE} AS SELECT * FROM {_RECORDS_TABLE}_arrow")
        connection.unregister(f"{_RECORDS_TABLE}_arrow")
        return database.register(_RECORDS_TABLE)
    return database.register(features.to_arrow())


def to_polars(table: SplinkDataFrame) -> pl.DataFrame:
    """Bring a Splink result table back as a Polars frame."""
    return pl.from_arrow(table.as_pyarrow_table())
