"""Helpers for the metric spec tests: events and people drawn as small ASCII tables.

A table is written with ``|`` between columns; a line of dashes is ignored. Events have the
columns ``person | date | event | borough`` (borough by name, e.g. ``Westminster``; ``-`` for
none) and an optional ``detail``. People have ``person`` and any ``PEOPLE_SCHEMA`` column.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl
import pytest

from contract.reference import LONDON_CODE, boroughs
from metrics.config import MetricsConfig
from metrics.counting import compute_metrics
from metrics.journeys import EVENTS_SCHEMA, HISTORY_FLAGS, PEOPLE_SCHEMA, SUPPORT_NEED_FLAGS

BOROUGH_CODES = {b.name: b.code for b in boroughs()} | {"London": LONDON_CODE}


def parse_table(text: str) -> list[dict[str, str | None]]:
    """Rows of an ASCII table as dicts; ``-`` or an empty cell is None."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    lines = [line for line in lines if not set(line) <= set("-+| ")]
    header = [cell.strip() for cell in lines[0].split("|")]
    rows = []
    for line in lines[1:]:
        cells = [cell.strip() for cell in line.split("|")]
        rows.append(
            {h: (c if c not in ("", "-") else None) for h, c in zip(header, cells, strict=True)}
        )
    return rows


def events_table(text: str) -> pl.DataFrame:
    """An events frame (``EVENTS_SCHEMA``) from an ASCII table."""
    rows = parse_table(text)
    return pl.DataFrame(
        {
            "person_key": [r["person"] for r in rows],
            "event_date": [date.fromisoformat(r["date"]) for r in rows],
            "event_type": [r["event"] for r in rows],
            "borough": [BOROUGH_CODES[r["borough"]] if r.get("borough") else None for r in rows],
            "source": ["chain"] * len(rows),
            "detail": [r.get("detail") for r in rows],
        },
        schema=EVENTS_SCHEMA,
    )


def people_table(
    events: pl.DataFrame, text: str | None = None, *, everyone: bool = True
) -> pl.DataFrame:
    """People for everyone in the events (or, with ``everyone=False``, only those in the table);
    attributes from the table, else unknown / False."""
    given = {r["person"]: r for r in parse_table(text)} if text else {}
    keys = sorted(set(events["person_key"]) | set(given)) if everyone else sorted(given)
    columns: dict[str, list] = {"person_key": keys}
    for column, dtype in PEOPLE_SCHEMA.items():
        if column == "person_key":
            continue
        if dtype == pl.Boolean():
            columns[column] = [(given.get(k, {}).get(column) or "no") == "yes" for k in keys]
        else:
            columns[column] = [given.get(k, {}).get(column) or "unknown" for k in keys]
    assert set(SUPPORT_NEED_FLAGS) | set(HISTORY_FLAGS) <= set(columns)
    return pl.DataFrame(columns, schema=PEOPLE_SCHEMA)


@dataclass
class Result:
    table: pl.DataFrame

    def row(
        self,
        metric: str,
        period: str,
        *,
        where: str = "London",
        breakdown: str = "all",
        period_type: str | None = None,
    ) -> dict:
        """The release row of a metric: ``period`` is ``2024-04`` (a month), ``2024-Q2`` or
        ``FY2024`` (April 2024 to March 2025)."""
        if period.startswith("FY"):
            kind, start = "fy", date(int(period[2:]), 4, 1)
        elif "-Q" in period:
            year, q = period.split("-Q")
            kind, start = "quarter", date(int(year), (int(q) - 1) * 3 + 1, 1)
        else:
            year, month = period.split("-")
            kind, start = "month", date(int(year), int(month), 1)
        rows = self.table.filter(
            (pl.col("metric_id") == metric)
            & (pl.col("period_type") == (period_type or kind))
            & (pl.col("period_start") == start)
            & (pl.col("geography_code") == BOROUGH_CODES[where])
            & (pl.col("breakdown") == breakdown)
        )
        assert rows.height <= 1, rows
        return rows.to_dicts()[0] if rows.height else {}

    def value(self, metric: str, period: str, **kwargs) -> float | None:
        row = self.row(metric, period, **kwargs)
        assert row, f"no row for {metric} {period} {kwargs}"
        return row["value"]


def run(
    events_text: str,
    *,
    people: str | None = None,
    extract: str = "2025-03-31",
    config: MetricsConfig | None = None,
    people_for_everyone: bool = True,
) -> Result:
    """Compute every metric on the drawn events."""
    events = events_table(events_text)
    return Result(
        compute_metrics(
            events,
            people_table(events, people, everyone=people_for_everyone),
            config or MetricsConfig(),
            date.fromisoformat(extract),
        )
    )


@pytest.fixture
def metrics_of():
    """``metrics_of(events_table, people=..., extract=..., config=...)`` gives a ``Result``."""
    return run
