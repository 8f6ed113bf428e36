"""Every chart in a sentence or three: its title, what it shows and its key figures, for readers
who do not see the figure (WCAG 2.2 1.1.1). The dashboard writes it under each chart; the chart
pack puts it in each image's alternative text.

The figures come from ``Chart.data``, exactly the aggregates drawn, so the words never say more
than the chart."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import polars as pl

from app.charts.common import Chart, group_words, period_label, place_name

_MOST_SERIES = 4


def text_alternative(chart: Chart, title_of: Callable[[str], str] | None = None) -> str:
    """Title, what the chart shows, and its key figures, in plain sentences; ``title_of`` names
    a metric by its id (``Words.title``), else the id is written out."""
    parts = [f"{chart.title.rstrip('.')}."]
    if chart.figure is None:
        parts.append(chart.empty_message or "Nothing is drawn.")
        return " ".join(parts)
    parts.append(_what(chart))
    figures = _key_figures(chart.data, title_of or _id_words)
    if figures:
        parts.append(figures)
    return " ".join(p for p in parts if p)


def _what(chart: Chart) -> str:
    columns = set(chart.data.columns)
    kind = type(chart.figure).__name__
    if kind == "Deck" or chart.key.startswith("map-"):
        return (
            "A map of London's 33 boroughs, each shaded by its band; suppressed boroughs hatched."
        )
    if chart.key.startswith("ranking-"):
        return "A bar chart of boroughs ranked by their published figure, largest first."
    if {"t_days", "estimate"} <= columns:
        return "Curves over days since the start, with 95% confidence bands."
    if {"stage_from", "stage_to"} <= columns:
        return "A flow diagram of where people were at each stage."
    if {"statistic", "value"} <= columns:
        return "Estimates with their 95% confidence intervals."
    if "period_start" in columns and "breakdown" in columns:
        per_series = chart.data.group_by([c for c in ("metric_id", "breakdown") if c in columns])
        if per_series.agg(pl.col("period_start").n_unique()).get_column("period_start").max() == 1:
            return "Bars by group, each measure for its latest period with published figures."
    if "period_start" in columns:
        return "A chart over time."
    return ""


def _number(value: float) -> str:
    if 0 < value < 1 or (value != int(value) and value <= 1):
        return f"{value:.0%}"
    return f"{value:,.0f}" if value == int(value) else f"{value:,.2f}"


def _id_words(metric_id: str) -> str:
    return metric_id.replace("_", " ").capitalize()


def _key_figures(data: pl.DataFrame, title_of: Callable[[str], str]) -> str:
    columns = set(data.columns)
    if data.is_empty():
        return ""
    if {"geography", "value", "band"} <= columns:  # the map's table and the ranking
        return _by_place(data)
    if {"t_days", "estimate"} <= columns:
        return _curves(data)
    if {"stage_from", "count"} <= columns:
        total = data.filter(pl.col("stage_from") == data.get_column("stage_from").min())
        return f"{total.get_column('count').sum():,.0f} people followed."
    if {"statistic", "value", "group_a", "group_b"} <= columns:
        return _comparisons(data)
    if {"period_start", "value"} <= columns:
        return _series(data, title_of)
    if "period_start" in columns:  # one column per measure
        return _latest_row(data)
    if "count" in columns:
        return f"{data.get_column('count').sum():,.0f} people in all."
    return ""


def _by_place(data: pl.DataFrame) -> str:
    shown = data.filter(pl.col("value").is_not_null()).sort("value", descending=True)
    hidden = data.height - shown.height
    if shown.is_empty():
        return f"Every one of the {data.height} boroughs' figures is suppressed."
    top, low = shown.row(0, named=True), shown.row(-1, named=True)
    text = (
        f"{shown.height} boroughs have a published figure: the highest {top['geography']} "
        f"({_number(top['value'])}), the lowest {low['geography']} ({_number(low['value'])})."
    )
    if hidden:
        text += f" {hidden} suppressed or not published."
    return text


def _series_name(row: dict[str, Any], title_of: Callable[[str], str]) -> str:
    parts = []
    if row.get("metric_id"):
        parts.append(title_of(row["metric_id"]))
    if row.get("geography_code"):
        parts.append(place_name(row["geography_code"]))
    if row.get("breakdown") not in (None, "all"):
        parts.append(group_words(row["breakdown"]))
    return ", ".join(parts) or "The series"


def _series(data: pl.DataFrame, title_of: Callable[[str], str]) -> str:
    keys = [c for c in ("metric_id", "geography_code", "breakdown") if c in data.columns]
    sentences = []
    groups = data.partition_by(keys, maintain_order=True) if keys else [data]
    for frame in groups[:_MOST_SERIES]:
        shown = frame.filter(pl.col("value").is_not_null()).sort("period_start")
        if shown.is_empty():
            continue
        latest = shown.row(-1, named=True)
        high = shown.sort("value", descending=True).row(0, named=True)
        kind = latest.get("period_type") or "month"
        when = _when(latest["period_start"], kind)
        sentence = f"{_series_name(latest, title_of)}: {_number(latest['value'])} in {when}"
        if high["value"] > latest["value"]:
            sentence += f", highest {_number(high['value'])} in {_when(high['period_start'], kind)}"
        elif shown.height > 1:
            sentence += ", the highest shown"
        sentences.append(sentence + ".")
    if len(groups) > _MOST_SERIES:
        sentences.append(f"{len(groups) - _MOST_SERIES} more series in the table.")
    return " ".join(sentences)


def _latest_row(data: pl.DataFrame) -> str:
    """A table with a column per measure: each measure's figure in the latest period."""
    measures = [n for n, t in data.schema.items() if t.is_numeric()]
    latest = data.sort("period_start").row(-1, named=True)
    kind = latest.get("period_type") or "month"
    figures = [
        f"{n.replace('_', ' ')} {_number(latest[n])}" for n in measures if latest[n] is not None
    ]
    if not figures:
        return ""
    return f"In {_when(latest['period_start'], kind)}: " + ", ".join(figures) + "."


def _when(start: date, period_type: str) -> str:
    return period_label(start, period_type)


def _curves(data: pl.DataFrame) -> str:
    keys = [c for c in ("curve_id", "geography_code", "group") if c in data.columns]
    sentences = []
    groups = data.partition_by(keys, maintain_order=True)
    for frame in groups[:_MOST_SERIES]:
        shown = frame.filter(pl.col("estimate").is_not_null()).sort("t_days")
        if shown.is_empty():
            continue
        last = shown.row(-1, named=True)
        name = ", ".join(
            w
            for w in (place_name(last.get("geography_code") or ""), group_words(last["group"]))
            if w and w != "Everyone"
        )
        sentences.append(
            f"{name or 'Everyone'}: {_number(last['estimate'])} at day {last['t_days']:,.0f}."
        )
    if len(groups) > _MOST_SERIES:
        sentences.append(f"{len(groups) - _MOST_SERIES} more curves in the table.")
    return " ".join(sentences)


def _comparisons(data: pl.DataFrame) -> str:
    sentences = []
    for row in data.head(_MOST_SERIES).iter_rows(named=True):
        if row["value"] is None:
            continue
        interval = ""
        if row.get("ci_lower") is not None and row.get("ci_upper") is not None:
            interval = f" (95% interval {row['ci_lower']:.2f} to {row['ci_upper']:.2f})"
        sentences.append(
            f"{group_words(row['group_a'])} against {group_words(row['group_b'])}: "
            f"{str(row['statistic']).replace('_', ' ')} {row['value']:.2f}{interval}."
        )
    return " ".join(sentences)
