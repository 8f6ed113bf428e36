"""Headline indicators: the latest month, quarter or year of a count, with its change on the
previous period and on the same period a year before (the tiles and the pack's first table)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

import polars as pl

from app.charts.common import Words, dates_of, display_value, is_share, period_label
from contract.periods import MONTHS_IN, add_months
from contract.reference import LONDON_CODE


@dataclass(frozen=True)
class Headline:
    """One indicator for the latest period, with its change on the previous period and on the
    same period a year before. Values are None when suppressed or not published."""

    metric_id: str
    period_type: str
    period_start: date | None
    value: float | None
    previous: float | None
    last_year: float | None
    status: str
    previous_status: str = "not_published"
    last_year_status: str = "not_published"

    @property
    def label(self) -> str:
        return period_label(self.period_start, self.period_type) if self.period_start else "—"

    @property
    def previous_label(self) -> str:
        """The previous period, written as a period is ('Feb 2025', '2024-25 Q3', '2023-24')."""
        if self.period_start is None:
            return "—"
        previous = add_months(self.period_start, -MONTHS_IN[self.period_type])
        return period_label(previous, self.period_type)

    @property
    def change_on_previous(self) -> float | None:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous

    @property
    def change_on_last_year(self) -> float | None:
        if self.value is None or self.last_year is None:
            return None
        return self.value - self.last_year


def headline(
    metrics: pl.DataFrame,
    metric_id: str,
    period_type: str,
    geography: str = LONDON_CODE,
    *,
    period_start: date | None = None,
) -> Headline:
    """The latest (or given) period's value of one metric, with its comparisons."""
    rows = metrics.filter(
        (pl.col("metric_id") == metric_id)
        & (pl.col("period_type") == period_type)
        & (pl.col("geography_code") == geography)
        & (pl.col("breakdown") == "all")
    )
    if rows.is_empty():
        return Headline(metric_id, period_type, None, None, None, None, "not_published")
    if period_start is None:
        period_start = rows.get_column("period_start").max()  # type: ignore[assignment]
    values = dict(zip(dates_of(rows), rows.get_column("value").to_list(), strict=True))
    statuses = dict(zip(dates_of(rows), rows.get_column("status").to_list(), strict=True))
    assert period_start is not None
    prev = add_months(period_start, -MONTHS_IN[period_type])
    year_before = add_months(period_start, -12)
    return Headline(
        metric_id,
        period_type,
        period_start,
        values.get(period_start),
        values.get(prev),
        values.get(year_before),
        statuses.get(period_start, "not_published"),
        statuses.get(prev, "not_published"),
        statuses.get(year_before, "not_published"),
    )


def as_shown(words: Words, h: Headline) -> Headline:
    """A share's headline in whole percent, as it is shown (a count's unchanged); changes
    between two shares are then in percentage points."""
    if not is_share(words.definition(h.metric_id)):
        return h
    return replace(
        h,
        value=display_value(h.value, True),
        previous=display_value(h.previous, True),
        last_year=display_value(h.last_year, True),
    )


def headline_table(words: Words, headlines: Sequence[Headline]) -> pl.DataFrame:
    """The headline indicators as a table (for the table alternative and download)."""
    return pl.DataFrame(
        {
            "metric_id": [h.metric_id for h in headlines],
            "indicator": [words.title(h.metric_id) for h in headlines],
            "period_type": [h.period_type for h in headlines],
            "period": [h.label for h in headlines],
            "value": [h.value for h in headlines],
            "previous_period": [h.previous for h in headlines],
            "same_period_last_year": [h.last_year for h in headlines],
            "status": [h.status for h in headlines],
        },
        schema_overrides={
            "value": pl.Float64,
            "previous_period": pl.Float64,
            "same_period_last_year": pl.Float64,
        },
    )
