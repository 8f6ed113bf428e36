"""Equity views: who is seen rough sleeping and who moves on, by age band, gender, ethnic group,
support needs (as CHAIN combines them) and institutional history, side by side, so a reader can
see whether outcomes differ between groups (the CHAIN annual report's standard tables)."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from app import theme
from app.charts.common import (
    Chart,
    Words,
    display_value,
    empty_chart,
    is_share,
    period_label,
    place_name,
    shown_columns,
    style_figure,
    value_words,
)
from contract.reference import LONDON_CODE
from contract.vocabulary import BREAKDOWN_VALUE_WORDS, DIMENSION_WORDS, SUPPRESSED

EQUITY_METRICS = (
    "seen_rough_sleeping",
    "moved_into_accommodation",
    "living_on_streets",
    "sustained_12m",
)
"""Who is seen, who moved into accommodation, who lives on the streets, and (of those who moved
in) who was not back on the street within 12 months."""

EQUITY_BREAKDOWNS = (
    "age_band",
    "gender",
    "ethnic_group",
    "support_combination",
    "support_need",
    "institution",
    "nationality_group",
)
"""The breakdowns an equity view offers, in order; nationality for London as a whole only."""


MISSING = {SUPPRESSED: SUPPRESSED, "incomplete_follow_up": "follow-up not complete"}
"""Why a group has no figure, by its status."""


def group_order(breakdown: str) -> str:
    """A sort key for a breakdown's groups: age bands youngest first, combinations of needs from
    none through one need to all three, 'unknown' last, otherwise alphabetical."""
    value = breakdown.split("=", 1)[-1]
    order = list(BREAKDOWN_VALUE_WORDS)
    if value == "unknown":
        return "zzz"
    if value == "none":
        return "000"
    if breakdown.startswith("support_combination="):
        return f"{value.count('_') - value.count('mental_health'):03d}{value}"
    if value in order and breakdown.startswith("age_band="):
        return f"{order.index(value):03d}"
    return f"100{value}"


def _latest_with_figures(rows: pl.DataFrame) -> pl.DataFrame:
    """The rows of the latest period in which any group has a published figure (a share's
    latest periods wait for their follow-up), else of the latest period."""
    shown = rows.filter(pl.col("value").is_not_null())
    latest = (shown if not shown.is_empty() else rows).get_column("period_start").max()
    return rows.filter(pl.col("period_start") == latest)


def equity_chart(
    words: Words,
    metrics: pl.DataFrame,
    breakdown: str,
    geography: str = LONDON_CODE,
    *,
    metric_ids: Sequence[str] = EQUITY_METRICS,
    period_type: str = "fy",
) -> Chart:
    """One panel per measure, the groups of one breakdown as bars, each panel for the latest
    financial year with published figures. A hidden group reads 'suppressed', never a range."""
    if breakdown.startswith("nationality") and geography != LONDON_CODE:
        raise ValueError("nationality is shown only for London as a whole")
    place = place_name(geography)
    dimension = DIMENSION_WORDS.get(breakdown, breakdown.replace("_", " ").capitalize())
    title = f"Outcomes by {dimension.lower()} — {place}"
    key = f"equity-{breakdown}-{geography}"
    subtitle = words.subtitle(metric_ids)
    footnote = words.footnote(
        "A person with several needs or several institutions counts once under each."
        if breakdown in ("support_need", "institution")
        else ""
    )
    rows = metrics.filter(
        pl.col("metric_id").is_in(list(metric_ids))
        & (pl.col("geography_code") == geography)
        & (pl.col("period_type") == period_type)
        & pl.col("breakdown").str.starts_with(f"{breakdown}=")
    )
    panels = [
        (m, _latest_with_figures(rows.filter(pl.col("metric_id") == m)))
        for m in metric_ids
        if not rows.filter(pl.col("metric_id") == m).is_empty()
    ]
    if not panels:
        return empty_chart(
            key, title, subtitle, footnote, "No published figures for this breakdown here."
        )
    groups = sorted({b for _, p in panels for b in p.get_column("breakdown")}, key=group_order)
    labels = [value_words(b) for b in groups]
    fig = make_subplots(
        rows=1,
        cols=len(panels),
        shared_yaxes=True,
        horizontal_spacing=0.04,
        subplot_titles=[
            "<br>".join(textwrap.wrap(words.title(m), 24))
            + f"<br>{period_label(p['period_start'][0], period_type)}"
            + (" (%)" if is_share(words.definition(m)) else "")
            for m, p in panels
        ],
    )
    for i, (m, p) in enumerate(panels, start=1):
        share = is_share(words.definition(m))
        by_group = dict(zip(p.get_column("breakdown"), p.get_column("value"), strict=True))
        status = dict(zip(p.get_column("breakdown"), p.get_column("status"), strict=True))
        values = [display_value(by_group.get(b), share) for b in groups]
        fig.add_trace(
            go.Bar(
                x=values,
                y=labels,
                orientation="h",
                marker_color=theme.SERIES[(i - 1) % len(theme.SERIES)],
                text=[f"{v:,.0f}{'%' if share else ''}" if v is not None else "" for v in values],
                textposition="outside",
                cliponaxis=False,
                showlegend=False,
                hovertemplate="%{y}: %{x:,.0f}" + ("%" if share else "") + "<extra></extra>",
            ),
            row=1,
            col=i,
        )
        hidden = [(label, MISSING.get(status[b], "—")) for b, v, label
                  in zip(groups, values, labels, strict=True) if v is None and b in by_group]  # fmt: skip
        if hidden:  # a group with no figure has no bar to carry its label: say why at the axis
            fig.add_trace(
                go.Scatter(
                    x=[0] * len(hidden), y=[h for h, _ in hidden], mode="text",
                    text=[why for _, why in hidden],
                    textposition="middle right", textfont={"color": theme.MUTED},
                    showlegend=False, hoverinfo="skip",
                ),
                row=1, col=i,
            )  # fmt: skip
        top = max((v for v in values if v is not None), default=0)
        fig.update_xaxes(range=[0, (100 if share else top) * 1.35 or 1], row=1, col=i)
    style_figure(fig, height=max(300, 42 * len(groups) + 170))
    fig.update_layout(margin={"t": 90})  # room for the panels' two- and three-line titles
    fig.update_yaxes(type="category", autorange="reversed", automargin=True)
    fig.update_xaxes(showgrid=True, gridcolor=theme.GRID, showticklabels=False)
    fig.update_annotations(font_size=13)
    data = shown_columns(pl.concat([p for _, p in panels]))
    chart = Chart(key, title, subtitle, footnote, fig, data)
    if data.filter(pl.col("status") == "suppressed").height:
        chart.notes.append(
            "'Suppressed' groups are hidden to protect small numbers: they count fewer than "
            f"{words.sdc.get('threshold', 10)} people, or could be used with other figures to "
            "work one out."
        )
    return chart
