"""The release's quality table: how complete the extracts were and how well records linked.

Every row is an aggregate over a whole table or source (``source``, ``period``, ``indicator``,
``value``); counts pass through disclosure control like any other, and indicators ending in
``_share`` are proportions. Nothing here names a record.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl

from contract.release import QUALITY_SCHEMA
from pipelines.sources.report import ValidationReport


def quality_table(
    validation: ValidationReport, linkage: dict[str, Any], extract_date: date
) -> pl.DataFrame:
    """Data-quality indicators per source table and linkage indicators per source.

    Args:
        validation: the validation report of the run.
        linkage: the linkage report (``linkage_report.json``).
        extract_date: the extract date, the ``period`` of the linkage rows.

    Returns:
        The unsuppressed quality table in ``QUALITY_SCHEMA``.
    """
    period = extract_date.isoformat()
    rows: list[tuple[str, str, float]] = []
    for source, rates in linkage.get("match_rates", {}).items():
        rows += [
            (source, "person_records", rates["records"]),
            (
                source,
                "records_linked_to_another_source",
                round(rates["linked_to_another_source"] * rates["records"]),
            ),
            (
                source,
                "records_linked_within_source",
                round(rates["linked_within_source"] * rates["records"]),
            ),
            (source, "linked_to_another_source_share", rates["linked_to_another_source"]),
            (source, "linked_within_source_share", rates["linked_within_source"]),
        ]
    rows += [
        ("all", "people_found", linkage.get("people_found", 0)),
        ("all", "people_in_more_than_one_source", linkage.get("people_in_more_than_one_source", 0)),
        ("all", "single_record_people", linkage.get("singletons", 0)),
    ]
    rows += [
        ("all", f"people_with_{band}_records", n)
        for band, n in linkage.get("cluster_size_distribution", {}).items()
    ]
    linkage_rows = pl.DataFrame(
        {
            "source": [r[0] for r in rows],
            "period": [period] * len(rows),
            "indicator": [r[1] for r in rows],
            "value": [float(r[2]) for r in rows],
            "status": ["ok"] * len(rows),
        },
        schema=QUALITY_SCHEMA,
    )
    return pl.concat([validation.quality_indicators(), linkage_rows])
