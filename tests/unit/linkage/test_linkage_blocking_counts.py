"""The pair counts of blocking rules, checked on records small enough to count by eye."""

from __future__ import annotations

import math

import polars as pl

from pipelines.linkage.blocking_counts import count_rule_pairs, n_log_n_growth
from pipelines.linkage.splink_api import block_on

RECORDS = pl.DataFrame(
    {
        "unique_id": ["a", "b", "c", "d", "e"],
        "sn": ["Okafor", "Okafor", "Okafor", "Berhane", "Berhane"],
        "given_forms": [["mo", "mohammed"], ["mo", "mohammed"], ["mo"], ["yonas"], None],
    }
)


def test_a_plain_rule_counts_each_pair_of_records_sharing_its_value_once() -> None:
    counted, together = count_rule_pairs(RECORDS, {"prediction": [block_on("sn")]})
    # three Okafors make three pairs, two Berhanes one
    assert [(c.pairs, c.distinct) for c in counted] == [(4, 4)]
    assert together == 4


def test_an_exploding_rule_counts_a_pair_once_per_value_it_shares() -> None:
    rule = block_on("given_forms", arrays_to_explode=["given_forms"])
    counted, together = count_rule_pairs(RECORDS, {"prediction": [rule]}, total=False)
    # a-b share two forms (two matches, one pair), a-c and b-c share "mo"
    assert [(c.pairs, c.distinct, c.exploded) for c in counted] == [(4, 3, ("given_forms",))]
    assert together is None


def test_pairs_found_by_two_rules_count_once_together() -> None:
    rules = {
        "prediction": [block_on("sn"), block_on("given_forms", arrays_to_explode=["given_forms"])]
    }
    counted, together = count_rule_pairs(RECORDS, rules)
    assert sum(c.pairs for c in counted) == 8
    assert together == 4  # a-b, a-c, b-c (found by both rules) and d-e


def test_n_log_n_growth_is_the_ratio_of_n_log_n() -> None:
    assert n_log_n_growth(100, 1_000) == 1_000 * math.log(1_000) / (100 * math.log(100))
    assert round(n_log_n_growth(100, 1_000), 6) == 15.0
