"""Trends over time: lines by month, quarter or financial year, new/stock/returners, the three
aims (rare, brief, non-recurrent), breakdowns by group, and a borough against London."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from app import theme
from app.charts.common import (
    Chart,
    Words,
    dates_of,
    display_value,
    empty_chart,
    is_share,
    metric_series,
    period_label,
    place_name,
    shown_columns,
    style_figure,
    value_words,
    words_for,
    year_ticks,
)
from contract.reference import LONDON_CODE
from contract.vocabulary import (
    BREAKDOWN_VALUE_WORDS,
    PERIOD_WORDS,
    SUPPRESSED,
)


def trend_chart(
    words: Words,
    metrics: pl.DataFrame,
    metric_ids: Sequence[str],
    geography: str = LONDON_CODE,
    *,
    period_type: str = "month",
    title: str | None = None,
    key: str | None = None,
    compare_geography: str | None = None,
) -> Chart:
    """Monthly (or quarterly, yearly) lines for one or more metrics in one place.

    Suppressed periods are gaps in the line, never zeros. With ``compare_geography`` the same
    metric is drawn for a second place (a borough against London) on its own axis scale.
    """
    place = place_name(geography)
    title = (
        title
        or f"{', '.join(words.title(m) for m in metric_ids)} — {place}, by {PERIOD_WORDS[period_type]}"
    )
    key = key or f"trend-{'-'.join(metric_ids)}-{geography}-{period_type}"
    subtitle = words.subtitle(metric_ids)
    footnote = words.footnote()
    frames = []
    geos = [geography] + ([compare_geography] if compare_geography else [])
    for g in geos:
        for m in metric_ids:
            frames.append(metric_series(metrics, m, g, period_type))
    data = pl.concat(frames) if frames else pl.DataFrame()
    if data.is_empty():
        return empty_chart(key, title, subtitle, footnote, "No published figures for this view.")
    if compare_geography:
        fig = make_subplots(
            rows=1,
            cols=2,
            subplot_titles=[place_name(g) for g in geos],
            shared_xaxes=True,
            horizontal_spacing=0.08,
        )
    else:
        fig = go.Figure()
    colour_i = 0
    for gi, g in enumerate(geos):
        for mi, m in enumerate(metric_ids):
            s = metric_series(metrics, m, g, period_type)
            if s.is_empty():
                continue
            share = is_share(words.definition(m))
            ys = [display_value(v, share) for v in s.get_column("value").to_list()]
            trace = go.Scatter(
                x=dates_of(s),
                y=ys,
                # markers too when points are few or broken by gaps: a figure between two
                # gaps has no line to be drawn on
                mode="lines+markers" if len(ys) < 16 or None in ys else "lines",
                marker={"size": 6 if len(ys) < 16 else 4},
                name=words.title(m),
                line={"color": theme.SERIES[mi % len(theme.SERIES)], "width": 2.5},
                connectgaps=False,
                legendgroup=m,
                showlegend=gi == 0 and len(metric_ids) > 1,
                hovertemplate=f"{words.title(m)}<br>%{{x|%b %Y}}: %{{y:,.0f}}"
                + ("%" if share else "")
                + "<extra></extra>",
            )
            if compare_geography:
                fig.add_trace(trace, row=1, col=gi + 1)
            else:
                fig.add_trace(trace)
            colour_i += 1
    share_any = any(is_share(words.definition(m)) for m in metric_ids)
    style_figure(fig, y_title="per cent" if share_any else "people")
    if len(metric_ids) == 1 and not compare_geography:
        fig.update_layout(showlegend=False)
    year_ticks(fig, sorted(set(dates_of(data))), period_type)
    suppressed = data.filter(pl.col("status") == "suppressed").height
    notes = [f"{suppressed} period(s) suppressed (gaps)."] if suppressed else []
    return Chart(key, title, subtitle, footnote, fig, shown_columns(data), notes=notes)


FLOW_STOCK_RETURNER = ("flow_new", "stock", "returner")
AIMS = ("flow_new", "new_single_night", "returner")
"""Rare (new people), brief (new people seen one night only), non-recurrent (returners)."""


def readable_period_type(
    metrics: pl.DataFrame,
    metric_ids: Sequence[str],
    geography: str = LONDON_CODE,
    *,
    min_published: float = 0.75,
    recent: int = 8,
) -> str:
    """The finest period (month, quarter, financial year) in which most recent figures of these
    metrics are published, so a trend is a line rather than a row of gaps.

    Looks at the last ``recent`` periods of each type (the start of the data is all new people,
    so older periods say little) and needs ``min_published`` of them to carry a figure.
    """
    here = metrics.filter(
        pl.col("metric_id").is_in(list(metric_ids))
        & (pl.col("geography_code") == geography)
        & (pl.col("breakdown") == "all")
    )
    present = [p for p in ("month", "quarter", "fy") if p in set(here["period_type"].to_list())]
    for period_type in present[:-1]:
        rows = here.filter(pl.col("period_type") == period_type)
        starts = rows.get_column("period_start").unique().sort().tail(recent)
        latest = rows.filter(pl.col("period_start").is_in(starts.implode()))
        if latest.get_column("value").is_not_null().mean() >= min_published:  # type: ignore[operator]
            return period_type
    return present[-1] if present else "month"


def by_readable_period(
    words: Words,
    metrics: pl.DataFrame,
    metric_ids: Sequence[str],
    geography: str,
    draw: Callable[[str], Chart],
) -> Chart:
    """Draw a trend by the finest readable period (``readable_period_type``), with a note
    saying why when that is a quarter or a year rather than a month."""
    period_type = readable_period_type(metrics, metric_ids, geography)
    chart = draw(period_type)
    if period_type != "month":
        chart.notes.append(
            f"Shown by {PERIOD_WORDS[period_type]}: most recent monthly figures here are "
            "suppressed to protect small numbers."
        )
    return chart


def flow_stock_returner_chart(
    words: Words, metrics: pl.DataFrame, geography: str = LONDON_CODE, *, period_type: str = "month"
) -> Chart:
    """Stacked bars: everyone seen rough sleeping, split into new, stock and returners."""
    place = place_name(geography)
    title = f"New, stock and returners — {place}, by {PERIOD_WORDS[period_type]}"
    key = f"flow-stock-returner-{geography}-{period_type}"
    ids = FLOW_STOCK_RETURNER
    subtitle = words.subtitle(ids)
    footnote = words.footnote()
    data = pl.concat([metric_series(metrics, m, geography, period_type) for m in ids])
    if data.is_empty():
        return empty_chart(key, title, subtitle, footnote, "No published figures for this view.")
    fig = go.Figure()
    colours = theme.SERIES[:3]  # stacked: neighbours 3:1 apart
    for m, colour in zip(ids, colours, strict=True):
        s = metric_series(metrics, m, geography, period_type)
        fig.add_trace(
            go.Bar(
                x=dates_of(s),
                y=s.get_column("value").to_list(),
                name=words.title(m).split(" (")[0],
                marker_color=colour,
                hovertemplate=f"{words.title(m)}<br>%{{x|%b %Y}}: %{{y:,.0f}}<extra></extra>",
            )
        )
    fig.update_layout(barmode="stack", bargap=0.15, legend_traceorder="normal")
    style_figure(fig, y_title="people")
    year_ticks(fig, sorted(set(dates_of(data))), period_type)
    return Chart(key, title, subtitle, footnote, fig, shown_columns(data))


def rare_brief_nonrecurrent(
    words: Words, metrics: pl.DataFrame, geography: str = LONDON_CODE, *, period_type: str = "month"
) -> Chart:
    """The government's three aims, side by side, monthly (or by ``period_type``).

    Rare: new people seen rough sleeping. Brief: share of new people seen only one night.
    Non-recurrent: returners.
    """
    panels = tuple(
        zip(
            AIMS,
            (
                "Rare — new people",
                "Brief — new people seen one night only (%)",
                "Non-recurrent — returners",
            ),
            strict=True,
        )
    )
    place = place_name(geography)
    title = f"Rare, brief, non-recurrent — {place}" + (
        f", by {PERIOD_WORDS[period_type]}" if period_type != "month" else ""
    )
    key = f"rare-brief-nonrecurrent-{geography}" + (
        f"-{period_type}" if period_type != "month" else ""
    )
    subtitle = words.subtitle([m for m, _ in panels])
    footnote = words.footnote("Lower is better for rare and non-recurrent; higher for brief.")
    series = {m: metric_series(metrics, m, geography, period_type) for m, _ in panels}
    data = pl.concat(list(series.values()))
    if data.is_empty():
        return empty_chart(key, title, subtitle, footnote, "No published figures for this view.")
    fig = make_subplots(
        rows=1, cols=3, subplot_titles=[t for _, t in panels], horizontal_spacing=0.07
    )
    colours = theme.SERIES[:3]
    for i, ((m, _), colour) in enumerate(zip(panels, colours, strict=True), start=1):
        s = series[m]
        share = is_share(words.definition(m))
        ys = [display_value(v, share) for v in s.get_column("value").to_list()]
        fig.add_trace(
            go.Scatter(
                x=dates_of(s),
                y=ys,
                # markers too when points are few, so a figure between two gaps still shows
                mode="lines+markers" if len(ys) < 16 else "lines",
                line={"color": colour, "width": 2.5},
                name=words.title(m),
                showlegend=False,
                connectgaps=False,
                hovertemplate="%{x|%b %Y}: %{y:,.0f}" + ("%" if share else "") + "<extra></extra>",
            ),
            row=1,
            col=i,
        )
    style_figure(fig, height=320)
    fig.update_layout(margin={"r": 45})  # room for the last year's label under the last panel
    fig.update_annotations(font_size=14)
    fig.update_yaxes(rangemode="tozero")
    for i, (m, _) in enumerate(panels, start=1):
        if (series[m]["value"].fill_null(0) == 0).all():
            # an empty panel says why, rather than looking like a drawing fault
            axis = "" if i == 1 else str(i)
            fig.add_annotation(
                x=0.5, y=0.5, xref=f"x{axis} domain", yref=f"y{axis} domain",
                text="Suppressed or zero<br>in every period",
                showarrow=False, font={"size": 13, "color": theme.MUTED},
            )  # fmt: skip
    year_ticks(fig, sorted(set(dates_of(data))), period_type)
    return Chart(key, title, subtitle, footnote, fig, shown_columns(data))


def breakdown_chart(
    words: Words,
    metrics: pl.DataFrame,
    metric_id: str,
    breakdown: str,
    geography: str = LONDON_CODE,
    *,
    period_type: str = "fy",
) -> Chart:
    """Bars for one metric split by a breakdown (age band, gender, ...), latest period."""
    place = place_name(geography)
    words_b = breakdown.replace("_", " ")
    key = f"breakdown-{metric_id}-{breakdown}-{geography}"
    subtitle = words.subtitle([metric_id])
    footnote = words.footnote()
    rows = metrics.filter(
        (pl.col("metric_id") == metric_id)
        & (pl.col("geography_code") == geography)
        & (pl.col("period_type") == period_type)
        & pl.col("breakdown").str.starts_with(f"{breakdown}=")
    )
    if breakdown.startswith("nationality") and geography != LONDON_CODE:
        raise ValueError("nationality is shown only for London as a whole")
    if rows.is_empty():
        return empty_chart(
            key,
            f"{words.title(metric_id)} by {words_b} — {place}",
            subtitle,
            footnote,
            "No published figures for this breakdown.",
        )
    latest = rows.get_column("period_start").max()
    order = list(BREAKDOWN_VALUE_WORDS)
    rows = rows.filter(pl.col("period_start") == latest)
    # age bands youngest first; 'unknown' last; otherwise alphabetical
    rows = (
        rows.with_columns(
            words_for(
                rows,
                "breakdown",
                lambda b: (
                    f"{order.index(v):03d}"
                    if (v := b.split("=", 1)[-1]) in order and b.startswith("age_band=")
                    else ("zzz" if v == "unknown" else f"100{v}")
                ),
            ).alias("_order")
        )
        .sort("_order")
        .drop("_order")
    )
    title = (
        f"{words.title(metric_id)} by {words_b} — {place}, "
        f"{period_label(latest, period_type)}"  # type: ignore[arg-type]
    )
    share = is_share(words.definition(metric_id))
    values = [display_value(v, share) for v in rows.get_column("value").to_list()]
    statuses = rows.get_column("status").to_list()
    labels = [
        breakdown_words(b)
        + ("" if v is not None else f" ({SUPPRESSED})" if st == "suppressed" else " (—)")
        for b, v, st in zip(rows.get_column("breakdown"), values, statuses, strict=True)
    ]
    fig = go.Figure(
        go.Bar(
            x=values,
            y=labels,
            orientation="h",
            marker_color=theme.ANALYSIS_FUNCTION["dark_blue"],
            text=["suppressed" if v is None else f"{v:,.0f}{'%' if share else ''}" for v in values],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}: %{x:,.0f}<extra></extra>",
        )
    )
    style_figure(fig, height=max(240, 48 * len(labels) + 80))
    fig.update_yaxes(type="category", autorange="reversed", gridcolor="rgba(0,0,0,0)")
    fig.update_xaxes(
        title_text="per cent" if share else "people", showgrid=True, gridcolor=theme.GRID
    )
    return Chart(key, title, subtitle, footnote, fig, shown_columns(rows))


def breakdown_words(breakdown: str) -> str:
    """'age_band=18_25' as '18–25', 'nationality_group=eu_eea' as 'EU/EEA'."""
    return value_words(breakdown)


def compare_to_london_chart(
    words: Words,
    metrics: pl.DataFrame,
    borough: str,
    metric_ids: Sequence[str],
    *,
    period_type: str = "fy",
) -> Chart:
    """A borough against London on shares (which compare fairly across sizes), latest period."""
    name = place_name(borough)
    key = f"compare-london-{borough}"
    subtitle = words.subtitle(metric_ids)
    footnote = words.footnote()
    rows = metrics.filter(
        pl.col("metric_id").is_in(list(metric_ids))
        & pl.col("geography_code").is_in([borough, LONDON_CODE])
        & (pl.col("period_type") == period_type)
        & (pl.col("breakdown") == "all")
    )
    if rows.is_empty():
        return empty_chart(
            key, f"{name} against London", subtitle, footnote, "No published shares."
        )
    latest = rows.filter(pl.col("geography_code") == borough).get_column("period_start").max()
    if latest is None:
        latest = rows.get_column("period_start").max()
    rows = rows.filter(pl.col("period_start") == latest).sort(["metric_id", "geography_code"])
    title = f"{name} against London — {period_label(latest, period_type)}"  # type: ignore[arg-type]
    fig = go.Figure()
    for g, colour, symbol in (
        (LONDON_CODE, theme.LONDON_COLOUR, "diamond"),
        (borough, theme.BOROUGH_COLOUR, "circle"),
    ):
        s = rows.filter(pl.col("geography_code") == g)
        fig.add_trace(
            go.Scatter(
                x=[display_value(v, True) for v in s.get_column("value").to_list()],
                y=[words.title(m) for m in s.get_column("metric_id")],
                mode="markers",
                name=place_name(g),
                marker={"color": colour, "size": 14, "symbol": symbol},
                hovertemplate="%{y}: %{x:.0f}%<extra>" + place_name(g) + "</extra>",
            )
        )
    style_figure(fig, height=max(260, 60 * len(metric_ids) + 100))
    fig.update_xaxes(
        range=[0, 100], dtick=25, title_text="per cent", showgrid=True, gridcolor=theme.GRID
    )
    # automargin: the indicator names are long and must not be cut at the left edge
    fig.update_yaxes(gridcolor=theme.GRID, autorange="reversed", automargin=True)
    chart = Chart(key, title, subtitle, footnote, fig, shown_columns(rows))
    reasons = {
        "suppressed": SUPPRESSED,
        "incomplete_follow_up": "not yet known (follow-up not complete)",
    }
    for r in rows.filter(pl.col("value").is_null()).iter_rows(named=True):
        chart.notes.append(
            f"{words.title(r['metric_id'])}, {place_name(r['geography_code'])}: "
            f"{reasons.get(r['status'], 'not published')}."
        )
    return chart
