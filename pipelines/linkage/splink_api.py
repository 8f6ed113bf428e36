"""The one door to Splink: every part of Splink that Pathways uses, and nothing else imports it.

Splink is pinned to the minor version this was tested with (``pyproject.toml``), because some of
what the link stage needs lives in Splink's ``internals`` (the base class of a custom comparison
level, the SQL dialect it is written in, the database and table types, the pipeline that makes a
table in the database). When Splink is upgraded, this module is the one place to mend; an
import-linter contract keeps it the only one.

The Spark backend is imported only when asked for: it needs the optional ``spark`` extra.
"""

from __future__ import annotations

from typing import Any

import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on
from splink.internals.blocking_rule_creator_utils import to_blocking_rule_creator
from splink.internals.comparison_level_creator import ComparisonLevelCreator
from splink.internals.comparison_library import CustomComparison
from splink.internals.database_api import DatabaseAPI
from splink.internals.dialects import SplinkDialect
from splink.internals.exceptions import SplinkException
from splink.internals.pipeline import CTEPipeline
from splink.internals.splink_dataframe import SplinkDataFrame

__all__ = [
    "CTEPipeline",
    "ComparisonLevelCreator",
    "CustomComparison",
    "DatabaseAPI",
    "DuckDBAPI",
    "Linker",
    "SettingsCreator",
    "SplinkDataFrame",
    "SplinkDialect",
    "SplinkException",
    "block_on",
    "blocking_rule_sql",
    "cl",
    "cll",
    "spark_api",
    "spark_similarity_jar",
]


def spark_api(**options: Any) -> DatabaseAPI:
    """Splink's database on a Spark session (``splink.backends.spark.SparkAPI``)."""
    from splink.backends.spark import SparkAPI

    return SparkAPI(**options)


def spark_similarity_jar() -> str:
    """The path of the jar of similarity functions that ships inside the splink package."""
    from splink.backends.spark import similarity_jar_location

    return similarity_jar_location()


def blocking_rule_sql(rule: Any, dialect: str = "duckdb") -> tuple[str, list[str]]:
    """A blocking rule's join condition as SQL on ``l`` and ``r``, and the array columns it
    explodes (empty for a plain equality rule)."""
    made = to_blocking_rule_creator(rule).get_blocking_rule(dialect)
    return made.blocking_rule_sql, list(getattr(made, "array_columns_to_explode", None) or [])
