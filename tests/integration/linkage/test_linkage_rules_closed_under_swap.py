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
from support.blocking import rule_pairs

from pipelines.config import PathwaysConfig
from pipelines.linkage.model import prediction_blocking_rules
from pipelines.linkage.prepare import identity_features
from pipelines.linkage.splink_api import blocking_rule_sql
from pipelines.sources.validate import load_sources


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
    as_written = rule_pairs(connection, rules, swapped=False)
    assert len(as_written) > 1_000
    assert rule_pairs(connection, rules, swapped=True) == as_written


def test_without_a_rules_mirror_the_pairs_depend_on_which_record_is_on_the_left(
    connection,
) -> None:
    rules = prediction_blocking_rules()
    one_sided = [i for i, rule in enumerate(rules) if "r.sn IS NULL" in blocking_rule_sql(rule)[0]]
    assert one_sided  # the rules for a surname missing on the right-hand record
    without = [rule for i, rule in enumerate(rules) if i not in one_sided]
    assert rule_pairs(connection, without, swapped=True) != rule_pairs(
        connection, without, swapped=False
    )
