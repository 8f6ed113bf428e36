"""Splink on Spark: the link stage for volumes one machine cannot hold (``linkage.engine = "spark"``).

The model, training, prediction and clustering are the same as on DuckDB: Splink writes the
comparisons in Spark's SQL dialect, and the similarity functions (Jaro-Winkler,
Damerau-Levenshtein) come from the jar that ships inside the splink package.

Which Spark runs the work:

- inside ``spark-submit`` or a notebook on a cluster, the session already running is used as it
  is (its master, executors and storage are the cluster's; see ``docs/spark.md``); it must have
  been started with Splink's jar (``spark.jars``);
- otherwise a local session is started for the run (master ``PATHWAYS_SPARK_MASTER``, default
  ``local[*]``) and stopped afterwards. Its spill files, checkpoints and warehouse live in the
  run's scratch directory, which is removed afterwards: they hold identity data.

Needs the optional extra: ``uv sync --extra spark`` (``pip install 'pathways[spark]'``) and Java 17.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from contract.errors import PathwaysError
from pipelines.linkage.splink_api import DatabaseAPI, spark_api, spark_similarity_jar

MASTER_VARIABLE = "PATHWAYS_SPARK_MASTER"
# Shuffle partitions for a local session: Spark's 200 suit a cluster; locally every partition
# of every one of the many small Splink queries costs a task.
LOCAL_SHUFFLE_PARTITIONS = 2


def spark_available() -> bool:
    """Whether pyspark is installed (the ``spark`` extra)."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return False
    return True


def _local_session(scratch: Path):
    from pyspark.sql import SparkSession

    master = os.environ.get(MASTER_VARIABLE, "local[*]")
    return (
        SparkSession.builder.master(master)
        .appName("pathways-link")
        .config("spark.jars", spark_similarity_jar())
        .config("spark.sql.shuffle.partitions", str(LOCAL_SHUFFLE_PARTITIONS))
        .config("spark.default.parallelism", str(LOCAL_SHUFFLE_PARTITIONS))
        .config("spark.local.dir", str(scratch / "spill"))
        .config("spark.sql.warehouse.dir", str(scratch / "warehouse"))
        .config("spark.driver.extraJavaOptions", f"-Djava.io.tmpdir={scratch / 'tmp'}")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )


@contextlib.contextmanager
def spark_database(scratch: Path) -> Iterator[DatabaseAPI]:
    """A Splink database on Spark for one linkage run.

    Args:
        scratch: the run's private scratch directory (removed by the caller afterwards).

    Raises:
        PathwaysError: when pyspark (the ``spark`` extra) is not installed.
    """
    if not spark_available():
        raise PathwaysError(
            "linkage.engine is 'spark' but pyspark is not installed; install the spark extra "
            "(uv sync --extra spark, or pip install 'pathways[spark]') and Java 17."
        )
    from pyspark.sql import SparkSession

    running = SparkSession.getActiveSession()
    session = running or _local_session(scratch)
    if running is None:
        session.sparkContext.setLogLevel("ERROR")
    checkpoints = scratch / "checkpoints"
    checkpoints.mkdir(parents=True, exist_ok=True)
    if running is None:
        session.sparkContext.setCheckpointDir(str(checkpoints))
    try:
        # "persist" keeps intermediate tables in the executors' memory and spill directories,
        # not in a shared checkpoint store that would outlive the run.
        yield spark_api(spark_session=session, break_lineage_method="persist")
    finally:
        if running is None:
            session.stop()
        else:
            session.catalog.clearCache()
