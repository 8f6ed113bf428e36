"""The linkage report: what was linked, and how well when the true identities are known.

Every figure is a count or a share over records and clusters; no identifier or name appears.
"""

from __future__ import annotations

from typing import Any

import polars as pl

SIZE_BANDS = ("1", "2", "3", "4", "5-9", "10+")


def _pairs(frame: pl.DataFrame, by: list[str]) -> int:
    """Number of record pairs that share every column in ``by``."""
    sizes = frame.group_by(by).len()
    return int(sizes.select((pl.col("len") * (pl.col("len") - 1) // 2).sum()).item() or 0)


def _size_band(size: pl.Expr) -> pl.Expr:
    return (
        pl.when(size >= 10)
        .then(pl.lit("10+"))
        .when(size >= 5)
        .then(pl.lit("5-9"))
        .otherwise(size.cast(pl.String))
    )


def linkage_report(clusters: pl.DataFrame, truth: pl.DataFrame | None = None) -> dict[str, Any]:
    """Summarise clusters of person records.

    Args:
        clusters: one row per record with ``source``, ``source_record_id`` and ``cluster``.
        truth: optional ``source``, ``source_record_id``, ``true_person``.

    Returns:
        A JSON-ready dict: records per source, people found, cluster sizes, match rates per
        source, singletons; with a truth, pairwise precision, recall and F1 and cluster-level
        recovery.
    """
    sizes = clusters.group_by("cluster").agg(
        pl.len().alias("records"), pl.col("source").n_unique().alias("sources")
    )
    per_record = clusters.join(sizes, on="cluster").with_columns(
        (pl.len().over("cluster", "source") > 1).alias("within_source")
    )
    rates = {}
    for source, group in per_record.group_by("source", maintain_order=True):
        rates[str(source[0])] = {
            "records": group.height,
            "linked_to_another_source": round(float((group["sources"] > 1).mean()), 4),
            "linked_within_source": round(float(group["within_source"].mean()), 4),
        }
    distribution = (
        sizes.with_columns(_size_band(pl.col("records")).alias("band"))
        .group_by("band")
        .len()
        .to_dicts()
    )
    report: dict[str, Any] = {
        "records": clusters.height,
        "records_per_source": {s: r["records"] for s, r in rates.items()},
        "people_found": sizes.height,
        "singletons": int((sizes["records"] == 1).sum()),
        "cluster_size_distribution": {
            band: next((d["len"] for d in distribution if d["band"] == band), 0)
            for band in SIZE_BANDS
        },
        "people_in_more_than_one_source": int((sizes["sources"] > 1).sum()),
        "match_rates": rates,
    }
    if truth is not None:
        report["quality_against_truth"] = _against_truth(clusters, truth)
    return report


def _against_truth(clusters: pl.DataFrame, truth: pl.DataFrame) -> dict[str, Any]:
    keyed = clusters.join(
        truth.select(
            pl.col("source").cast(pl.String),
            pl.col("source_record_id").cast(pl.String),
            pl.col("true_person").cast(pl.String),
        ),
        on=["source", "source_record_id"],
        how="inner",
    )
    true_positive = _pairs(keyed, ["cluster", "true_person"])
    predicted = _pairs(keyed, ["cluster"])
    actual = _pairs(keyed, ["true_person"])
    precision = true_positive / predicted if predicted else 1.0
    recall = true_positive / actual if actual else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    # A true person is recovered exactly when their records form one whole cluster on their own.
    person_clusters = keyed.group_by("true_person").agg(
        pl.col("cluster").n_unique().alias("clusters"),
        pl.col("cluster").first().alias("cluster"),
        pl.len().alias("records"),
    )
    cluster_sizes = keyed.group_by("cluster").agg(pl.len().alias("cluster_records"))
    person_clusters = person_clusters.join(cluster_sizes, on="cluster")
    exact = (person_clusters["clusters"] == 1) & (
        person_clusters["records"] == person_clusters["cluster_records"]
    )
    people = person_clusters.height
    return {
        "records_with_truth": keyed.height,
        "records_without_truth": clusters.height - keyed.height,
        "pairwise_precision": round(precision, 4),
        "pairwise_recall": round(recall, 4),
        "pairwise_f1": round(f1, 4),
        "true_pairs": actual,
        "predicted_pairs": predicted,
        "true_people": people,
        "people_exactly_recovered": round(float(exact.sum()) / people, 4) if people else 1.0,
        "people_split": int((person_clusters["clusters"] > 1).sum()),
        "clusters_merging_people": int(
            keyed.group_by("cluster")
            .agg(pl.col("true_person").n_unique().alias("n"))
            .filter(pl.col("n") > 1)
            .height
        ),
    }
