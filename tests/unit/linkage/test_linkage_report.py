"""How linkage quality is counted against the truth, worked by hand on a handful of records.

A pair is two records. The link *predicts* a pair when it puts both records in one cluster; a
pair is *true* when both records belong to one person. Precision is the share of predicted pairs
that are true, recall the share of true pairs that were predicted, and F1 their harmonic mean.
"""

from __future__ import annotations

import polars as pl
import pytest

from pipelines.linkage.report import linkage_report


def _frames(rows: list[tuple[str, str, str | None]]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(record, cluster, true person or None) -> clusters and truth frames."""
    clusters = pl.DataFrame(
        {
            "source": ["chain"] * len(rows),
            "source_record_id": [r for r, _, _ in rows],
            "cluster": [c for _, c, _ in rows],
        }
    )
    truth = pl.DataFrame(
        {
            "source": ["chain"] * len(rows),
            "source_record_id": [r for r, _, _ in rows],
            "true_person": [p for _, _, p in rows],
        }
    ).drop_nulls()
    return clusters, truth


def test_pairs_precision_recall_and_f1_by_hand():
    #  record  cluster  person
    #  r1      A        Ann      cluster A holds r1, r2, r3: 3 predicted pairs
    #  r2      A        Ann      Ann's pair r1-r2 is predicted: 1 true positive
    #  r3      A        Bob      r1-r3 and r2-r3 join Ann to Bob: 2 false pairs
    #  r4      B        Bob      Bob's records r3, r4, r5: 3 true pairs, none predicted
    #  r5      C        Bob
    #  r6      D        Cat      Cat alone, alone in D: recovered exactly
    #  r7      E        (none)   no truth for this record: left out of the counts
    clusters, truth = _frames(
        [
            ("r1", "A", "Ann"),
            ("r2", "A", "Ann"),
            ("r3", "A", "Bob"),
            ("r4", "B", "Bob"),
            ("r5", "C", "Bob"),
            ("r6", "D", "Cat"),
            ("r7", "E", None),
        ]
    )
    quality = linkage_report(clusters, truth)["quality_against_truth"]
    assert quality["records_with_truth"] == 6
    assert quality["records_without_truth"] == 1
    assert quality["predicted_pairs"] == 3  # r1-r2, r1-r3, r2-r3
    assert quality["true_pairs"] == 4  # r1-r2; r3-r4, r3-r5, r4-r5
    assert quality["pairwise_precision"] == pytest.approx(1 / 3, abs=1e-4)  # 1 of 3
    assert quality["pairwise_recall"] == pytest.approx(1 / 4, abs=1e-4)  # 1 of 4
    # 2PR / (P + R) = (2/12) / (7/12) = 2/7: below both, as a harmonic mean of unequal parts is
    assert quality["pairwise_f1"] == pytest.approx(2 / 7, abs=1e-4)
    assert quality["true_people"] == 3
    assert quality["people_exactly_recovered"] == pytest.approx(1 / 3, abs=1e-4)  # Cat only
    assert quality["people_split"] == 1  # Bob, over A, B and C
    assert quality["clusters_merging_people"] == 1  # A: Ann and Bob


def test_a_perfect_link_and_a_link_that_joins_nothing():
    rows = [("r1", "A", "Ann"), ("r2", "A", "Ann"), ("r3", "B", "Bob"), ("r4", "B", "Bob")]
    perfect = linkage_report(*_frames(rows))["quality_against_truth"]
    assert (perfect["pairwise_precision"], perfect["pairwise_recall"]) == (1.0, 1.0)
    assert perfect["pairwise_f1"] == 1.0
    assert perfect["people_exactly_recovered"] == 1.0
    # every record on its own: no pair predicted, so none wrong (precision 1 by convention)
    # and none of the 2 true pairs found
    apart = [(r, r, p) for r, _, p in rows]
    nothing = linkage_report(*_frames(apart))["quality_against_truth"]
    assert nothing["predicted_pairs"] == 0 and nothing["true_pairs"] == 2
    assert (nothing["pairwise_precision"], nothing["pairwise_recall"]) == (1.0, 0.0)
    assert nothing["pairwise_f1"] == 0.0
    assert nothing["people_split"] == 2


def test_one_big_cluster_has_full_recall_and_poor_precision():
    # 4 records of 2 people in one cluster: 6 predicted pairs, 2 true, both found
    rows = [("r1", "A", "Ann"), ("r2", "A", "Ann"), ("r3", "A", "Bob"), ("r4", "A", "Bob")]
    quality = linkage_report(*_frames(rows))["quality_against_truth"]
    assert quality["pairwise_recall"] == 1.0
    assert quality["pairwise_precision"] == pytest.approx(2 / 6, abs=1e-4)
    assert quality["pairwise_f1"] == pytest.approx(0.5, abs=1e-4)  # 2 * (1/3) / (4/3)
