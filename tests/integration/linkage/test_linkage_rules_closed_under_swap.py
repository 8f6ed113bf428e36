"""The prediction blocking rules are closed under swapping the two records.

A pair is scored when some rule holds of it with its smaller record on the left. Several rules
ask something of one side only ("the left-hand record has no surname"); each comes with its
mirror ("the right-hand record has no surname"). So a pair some rule finds one way round is
found by some rule the other way round, and the monthly increment forms its pairs by joining
each rule once, with a new record on the left (``model.prediction_pairs``), instead of twice.

Checked on a small synthetic London's records: the pairs the rules find as written are the
pairs they find with the two records swapped, and removing one rule of a mirrored couple breaks
that, so the check can fail.
"""

from __future__ import annotations

import duckdb
import pytest

from pipelines.config import PathwaysConfig
from pipelines.linkage.model import prediction_blocking_rules
from pipelines.linkage.prepare import identity_features
from pipelines.linkage.splink_api import blocking_rule_sql
from pipelines.sources.validate import load_sources


def _pairs(connection, rules: list, swapped: bool) -> set[tuple[str, str]]:
    """Every pair (smaller id first) some rule finds; ``swapped``: with the rule's two sides
    exchanged, i.e. the rule holds with the larger record on its left."""
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
        rows = connection.execute(
            f"SELECT DISTINCT {smaller}.unique_id, {larger}.unique_id FROM {table} AS l "
            f"JOIN {table} AS r ON ({sql}) AND {smaller}.unique_id < {larger}.unique_id"
        ).fetchall()
        found.update(rows)
    return found


@pytest.fixture(scope="module")
def connection(small_sources):
    features = identity_features(load_sources(small_sources[0], PathwaysConfig()).tables)
    database = duckdb.connect(":memory:")
    database.register("records_arrow", features.to_arrow())
    database.execute("CREATE TABLE records AS SELECT * FROM records_arrow")
    yield database
    database.close()


def test_the_rules_find_the_same_pairs_with_the_two_records_swapped(connection) -> None:
    rules = prediction_blocking_rules()
    as_written = _pairs(connection, rules, swapped=False)
    assert len(as_written) > 1_000
    assert _pairs(connection, rules, swapped=True) == as_written


def test_without_a_rules_mirror_the_pairs_depend_on_which_record_is_on_the_left(
    connection,
) -> None:
    rules = prediction_blocking_rules()
    one_sided = [i for i, rule in enumerate(rules) if "r.sn IS NULL" in blocking_rule_sql(rule)[0]]
    assert one_sided  # the rules for a surname missing on the right-hand record
    without = [rule for i, rule in enumerate(rules) if i not in one_sided]
    assert _pairs(connection, without, swapped=True) != _pairs(connection, without, swapped=False)
