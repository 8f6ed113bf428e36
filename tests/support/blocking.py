"""The pairs blocking rules find, by the rules' own SQL in DuckDB, for tests of the rules."""

from __future__ import annotations

from pipelines.linkage.splink_api import blocking_rule_sql


def rule_pairs(connection, rules: list, swapped: bool = False) -> set[tuple[str, str]]:
    """Every pair of records (smaller ``unique_id`` first) some rule finds among the records in
    the ``records`` table of ``connection``; a rule on an array column joins its values one by
    one, as Splink's exploding rules do. ``swapped``: with each rule's two sides exchanged, i.e.
    the rule holds with the larger record on its left."""
    found: set[tuple[str, str]] = set()
    for rule in rules:
        sql, arrays = blocking_rule_sql(rule)
        table = "records"
        for column in arrays:
            connection.execute(
                f"CREATE OR REPLACE TABLE {table}_{column} AS "
                f"SELECT * REPLACE (unnest({column}) AS {column}) FROM {table}"
            )
            table = f"{table}_{column}"
        smaller, larger = ("r", "l") if swapped else ("l", "r")
        found.update(
            connection.execute(
                f"SELECT DISTINCT {smaller}.unique_id, {larger}.unique_id FROM {table} AS l "
                f"JOIN {table} AS r ON ({sql}) AND {smaller}.unique_id < {larger}.unique_id"
            ).fetchall()
        )
    return found


def lettered_pairs(features, rules: list) -> set[str]:
    """The pairs ``rules`` find among ``features`` (``prepare.identity_features`` of CHAIN
    records with ids "A", "B", ...), as "AB" for records A and B, in a DuckDB of their own."""
    import duckdb

    connection = duckdb.connect(":memory:")
    connection.register("records", features.to_arrow())
    found = {
        left.removeprefix("chain:") + right.removeprefix("chain:")
        for left, right in rule_pairs(connection, rules)
    }
    connection.close()
    return found
