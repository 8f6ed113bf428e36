"""How many pairs each blocking rule finds, counted in the database without forming the pairs.

The link stage's time and memory grow with the pairs its blocking rules find, not with the
records (``docs/bench.md``). This counts, for each prediction blocking rule and each rule that
training blocks on (``model.training_blocking_rules``), the pairs of records the rule joins:
one ``COUNT`` query per rule on the identity features, in a DuckDB session of its own, the rule's
own SQL as Splink runs it. A rule on a forename form joins a record once per form (Splink
"explodes" the array), so a pair sharing two forms is counted twice there; the ``distinct``
figure is then an estimate (DuckDB's ``approx_count_distinct``, within a few per cent).

Nothing identifying leaves this module: only rule descriptions and counts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import polars as pl

from pipelines.linkage.model import prediction_blocking_rules, training_blocking_rules
from pipelines.linkage.splink_api import blocking_rule_sql

__all__ = ["RulePairs", "count_rule_pairs", "n_log_n_growth"]


@dataclass(frozen=True)
class RulePairs:
    """One blocking rule's pairs on one set of records."""

    use: str  # "prediction" or "training"
    rule: str  # the rule's join condition, as Splink runs it
    exploded: tuple[str, ...]  # array columns joined value by value
    pairs: int  # pairs the join finds (a pair sharing two exploded values counts twice)
    distinct: int  # distinct pairs (estimated where the rule explodes an array)


def _exploded_table(connection, arrays: tuple[str, ...]) -> str:
    """A table of the records with each array in ``arrays`` unnested, one value per row."""
    name = "records_" + "_".join(arrays) if arrays else "records"
    if arrays:
        source = "records"
        for i, column in enumerate(arrays):
            target = name if i == len(arrays) - 1 else f"{name}_{i}"
            connection.execute(
                f"CREATE OR REPLACE TABLE {target} AS "
                f"SELECT * REPLACE (unnest({column}) AS {column}) FROM {source}"
            )
            source = target
    return name


def _pairs_query(table: str, rule: str) -> str:
    return (
        f"SELECT l.unique_id AS id_l, r.unique_id AS id_r FROM {table} AS l "
        f"JOIN {table} AS r ON ({rule}) AND l.unique_id < r.unique_id"
    )


def count_rule_pairs(
    features: pl.DataFrame, rules: dict[str, list] | None = None, total: bool = True
) -> tuple[list[RulePairs], int | None]:
    """Count the pairs each blocking rule finds on ``features`` (``prepare.identity_features``).

    Args:
        features: the identity features of the records to link.
        rules: blocking rules by use (default: the model's prediction and training rules).
        total: also estimate the distinct pairs all prediction rules find together (one pass
            over every rule's pairs, counted by DuckDB's ``approx_count_distinct``).

    Returns:
        Each rule's pairs, and the estimated distinct pairs of the prediction rules together
        (``None`` when ``total`` is false).
    """
    import duckdb

    if rules is None:
        rules = {"prediction": prediction_blocking_rules(), "training": training_blocking_rules()}
    connection = duckdb.connect(":memory:")
    try:
        connection.execute("SET enable_progress_bar = false")
        connection.register("records_arrow", features.to_arrow())
        connection.execute("CREATE TABLE records AS SELECT * FROM records_arrow")
        tables: dict[tuple[str, ...], str] = {}
        counted: list[RulePairs] = []
        queries: list[str] = []
        for use, use_rules in rules.items():
            for rule in use_rules:
                sql, arrays = blocking_rule_sql(rule)
                key = tuple(arrays)
                if key not in tables:
                    tables[key] = _exploded_table(connection, key)
                query = _pairs_query(tables[key], sql)
                distinct = "approx_count_distinct(hash(id_l, id_r))" if key else "count(*)"
                pairs, found = connection.execute(
                    f"SELECT count(*), {distinct} FROM ({query})"
                ).fetchone()
                counted.append(RulePairs(use, sql, key, int(pairs), int(found)))
                if use == "prediction":
                    queries.append(query)
        together = None
        if total and queries:
            union = " UNION ALL ".join(queries)
            (together,) = connection.execute(
                f"SELECT approx_count_distinct(hash(id_l, id_r)) FROM ({union})"
            ).fetchone()
            together = int(together)
    finally:
        connection.close()
    return counted, together


def n_log_n_growth(smaller: int, larger: int) -> float:
    """How much n log n grows from ``smaller`` records to ``larger``: the most the pairs of
    scalable blocking may grow by."""
    return larger * math.log(larger) / (smaller * math.log(smaller))
