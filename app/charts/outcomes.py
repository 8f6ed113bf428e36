"""Life off the Streets outcomes: new people against people who moved into accommodation (inflow
against outflow, with the net change), and return to the street at 3, 6 and 12 months read off
the published curve.

Every number drawn is a published protected count or worked out from published protected counts
(SPEC 2.5): the net change only where both of its counts are published, the share returned as
100 less the published share still off the street.
"""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go
import polars as pl

from app import theme
from app.charts.common import (
    Chart,
    Words,
    empty_chart,
    metric_series,
    place_name,
    shown_columns,
    style_figure,
    words_for,
    year_ticks,
)
from app.charts.returns import survival_at_days
from contract.reference import LONDON_CODE
from contract.vocabulary import PERIOD_WORDS, curve_protection_words

INFLOW, OUTFLOW = "flow_new", "moved_into_accommodation"

RETURN_MONTHS = {3: 90, 6: 180, 12: 365}
"""Months after moving in, and the day of the published curve each is read at."""


def inflow_outflow_table(metrics: pl.DataFrame, geography: str, period_type: str) -> pl.DataFrame:
    """New people and people who moved into accommodation in each period, and the net change
    (new less moved in) where both are published; null where either is suppressed.

    >>> from datetime import date
    >>> rows = pl.DataFrame({"metric_id": ["flow_new", "moved_into_accommodation"] * 2,
    ...     "period_type": "month", "geography_code": "E12000007", "breakdown": "all",
    ...     "period_start": [date(2025, 1, 1)] * 2 + [date(2025, 2, 1)] * 2,
    ...     "value": [120.0, 95.0, 110.0, None],
    ...     "status": ["ok", "ok", "ok", "suppressed"]})
    >>> inflow_outflow_table(rows, "E12000007", "month")["net_change"].to_list()
    [25.0, None]
    """

    def series(metric_id: str, name: str) -> pl.DataFrame:
        return metric_series(metrics, metric_id, geography, period_type).select(
            "period_start", pl.col("value").alias(name), pl.col("status").alias(f"{name}_status")
        )

    new, moved = series(INFLOW, "new_people"), series(OUTFLOW, "moved_in")
    return (
        new.join(moved, on="period_start", how="full", coalesce=True)
        .sort("period_start")
        .with_columns(
            (pl.col("new_people") - pl.col("moved_in")).alias("net_change"),
            pl.lit(geography).alias("geography_code"),
            pl.lit(period_type).alias("period_type"),
        )
    )


def inflow_outflow_chart(
    words: Words, metrics: pl.DataFrame, geography: str = LONDON_CODE, *, period_type: str = "month"
) -> Chart:
    """Bars of new people (inflow) and of people who moved into accommodation (outflow), with
    the net change as a line: above zero, more people arrived on the streets than left them."""
    place = place_name(geography)
    title = f"New people against people moving in — {place}, by " + (PERIOD_WORDS[period_type])
    key = f"inflow-outflow-{geography}-{period_type}"
    subtitle = words.subtitle([INFLOW, OUTFLOW])
    footnote = words.footnote(
        "Net change is new people less people moved into accommodation, from the rounded counts; "
        "it is not shown where either count is suppressed."
    )
    data = inflow_outflow_table(metrics, geography, period_type)
    if data.is_empty():
        return empty_chart(key, title, subtitle, footnote, "No published figures for this view.")
    x = data.get_column("period_start").to_list()
    fig = go.Figure()
    for column, metric_id, colour in (
        ("new_people", INFLOW, theme.ANALYSIS_FUNCTION["orange"]),
        ("moved_in", OUTFLOW, theme.ANALYSIS_FUNCTION["dark_blue"]),
    ):
        fig.add_trace(
            go.Bar(
                x=x,
                y=data.get_column(column).to_list(),
                name=words.title(metric_id).split(" (")[0],
                marker_color=colour,
                hovertemplate=f"{words.title(metric_id)}<br>%{{x|%b %Y}}: %{{y:,.0f}}<extra></extra>",
            )
        )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=data.get_column("net_change").to_list(),
            name="Net change (new less moved in)",
            mode="lines+markers",
            line={"color": theme.INK, "width": 2},
            connectgaps=False,
            hovertemplate="Net change<br>%{x|%b %Y}: %{y:+,.0f}<extra></extra>",
        )
    )
    fig.update_layout(barmode="group", bargap=0.2)
    fig.add_hline(y=0, line_width=1, line_color=theme.GRID)
    style_figure(fig, y_title="people")
    year_ticks(fig, x, period_type)
    chart = Chart(key, title, subtitle, footnote, fig, data)
    hidden = data.filter(pl.col("net_change").is_null()).height
    if hidden:
        chart.notes.append(
            f"Net change not shown for {hidden} {PERIOD_WORDS[period_type]}(s): one of its "
            "counts is suppressed."
        )
    return chart


def returned_at_months_table(survival: pl.DataFrame) -> pl.DataFrame:
    """The share who had returned to the street by 3, 6 and 12 months after moving in, from the
    everyone curve of each place: 100 less the published share still off the street (whole
    percent), with the interval turned the same way; null where the curve stopped earlier."""
    everyone = survival.filter(pl.col("group") == "all")
    read = survival_at_days(everyone, tuple(RETURN_MONTHS.values()))
    months = {day: m for m, day in RETURN_MONTHS.items()}
    return read.select(
        "geography_code",
        pl.col("day").replace_strict(months, return_dtype=pl.Int64).alias("months"),
        "day",
        (100 - pl.col("estimate_pct")).alias("returned_pct"),
        (100 - pl.col("ci_upper_pct")).alias("ci_lower_pct"),
        (100 - pl.col("ci_lower_pct")).alias("ci_upper_pct"),
        "at_risk",
    ).sort("geography_code", "months")


def returned_at_months_chart(
    words: Words,
    survival: pl.DataFrame,
    geography: str = LONDON_CODE,
    *,
    compare_geography: str | None = None,
    curve_id: str = "return_to_street",
) -> Chart:
    """Bars: the share back on the street 3, 6 and 12 months after moving in, with 95% intervals,
    for the place (and London beside a borough)."""
    place = place_name(geography)
    title = f"Returned to the street 3, 6 and 12 months after moving in — {place}"
    key = f"returned-at-months-{geography}"
    subtitle = words.subtitle([curve_id])
    footnote = words.footnote(curve_protection_words(words.sdc))
    geos = [geography] + ([compare_geography] if compare_geography else [])
    curves = survival.filter(
        (pl.col("curve_id") == curve_id)
        & pl.col("geography_code").is_in(geos)
        & pl.col("estimate").is_not_null()
    )
    data = returned_at_months_table(curves) if not curves.is_empty() else pl.DataFrame()
    if data.is_empty() or data.get_column("returned_pct").is_null().all():
        return empty_chart(
            key, title, subtitle, footnote,
            "Too few people moved into accommodation here for a published return-to-street "
            "curve.",
        )  # fmt: skip
    data = data.with_columns(words_for(data, "geography_code", place_name).alias("place"))
    fig = go.Figure()
    for g, colour in zip(geos, (theme.BOROUGH_COLOUR, theme.LONDON_COLOUR), strict=False):
        s = data.filter(pl.col("geography_code") == g)
        if s.is_empty():
            continue
        values = s.get_column("returned_pct").to_list()
        lows, highs = s.get_column("ci_lower_pct").to_list(), s.get_column("ci_upper_pct").to_list()
        fig.add_trace(
            go.Bar(
                x=[f"{m} months" for m in s.get_column("months").to_list()],
                y=values,
                name=place_name(g),
                marker_color=colour if compare_geography else theme.OKABE_ITO["orange"],
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": [None if h is None or v is None else h - v for v, h in zip(values, highs, strict=True)],
                    "arrayminus": [None if lo is None or v is None else v - lo for v, lo in zip(values, lows, strict=True)],
                    "color": theme.MUTED,
                },
                # inside, at the base: above the bar the interval's whisker would cross it
                text=["curve ended" if v is None else f"{v:.0f}%" for v in values],
                textposition="inside",
                insidetextanchor="start",
                textfont={"color": "white"},
                hovertemplate=f"{place_name(g)}<br>%{{x}}: %{{y:.0f}}%<extra></extra>",
            )
        )  # fmt: skip
    fig.update_layout(barmode="group", showlegend=compare_geography is not None)
    style_figure(fig, height=340, y_title="back on the street (%)")
    top = data.get_column("ci_upper_pct").max() or data.get_column("returned_pct").max() or 0
    fig.update_yaxes(range=[0, min(100, float(top) + 10)])  # type: ignore[arg-type]
    chart = Chart(key, title, subtitle, footnote, fig, data)
    chart.alt_text = (
        f"{title}. Bars of the share back on the street, with 95% intervals. "
        + " ".join(
            f"{place_name(g)}: "
            + ", ".join(
                f"{'curve ended' if v is None else f'{v:.0f}%'} at {m} months"
                for m, v in data.filter(pl.col("geography_code") == g)
                .select("months", "returned_pct")
                .iter_rows()
            )
            + "."
            for g in geos
            if not data.filter(pl.col("geography_code") == g).is_empty()
        )
    )
    chart.notes.append(
        "Read off the return-to-street curve at 90, 180 and 365 days: 100% less the share still "
        "off the street. 'Curve ended' means too few people were still followed by then."
    )
    return chart


def parts_chart(
    words: Words,
    metrics: pl.DataFrame,
    metric_ids: Sequence[str],
    geography: str = LONDON_CODE,
    *,
    period_type: str = "month",
    title: str,
    key: str,
) -> Chart:
    """Stacked bars of counts that add up to a whole (moves by kind, people by days seen), by
    period. A hidden part is a gap in its bar, never a zero."""
    place = place_name(geography)
    title = f"{title} — {place}, by {PERIOD_WORDS[period_type]}"
    key = f"{key}-{geography}-{period_type}"
    subtitle = words.subtitle(metric_ids)
    footnote = words.footnote()
    series = [metric_series(metrics, m, geography, period_type) for m in metric_ids]
    data = pl.concat(series)
    if data.is_empty():
        return empty_chart(key, title, subtitle, footnote, "No published figures for this view.")
    fig = go.Figure()
    for i, (m, s) in enumerate(zip(metric_ids, series, strict=True)):
        fig.add_trace(
            go.Bar(
                x=s.get_column("period_start").to_list(),
                y=s.get_column("value").to_list(),
                name=words.title(m),
                marker_color=theme.SERIES[i % len(theme.SERIES)],
                hovertemplate=f"{words.title(m)}<br>%{{x|%b %Y}}: %{{y:,.0f}}<extra></extra>",
            )
        )
    fig.update_layout(barmode="stack", bargap=0.15, legend_traceorder="normal")
    style_figure(fig, y_title="people")
    year_ticks(fig, sorted(set(data.get_column("period_start").to_list())), period_type)
    chart = Chart(key, title, subtitle, footnote, fig, shown_columns(data))
    hidden = data.filter(pl.col("status") == "suppressed").height
    if hidden:
        chart.notes.append(
            f"{hidden} figure(s) suppressed to protect small numbers: gaps in their bars."
        )
    return chart
