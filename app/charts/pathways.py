"""Pathways: where a cohort came from and went (the Sankey) and the most common whole paths."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from app import theme
from app.charts.common import Chart, Words, empty_chart, place_name, style_figure
from contract.release import OTHER_SMALL_NUMBERS
from contract.vocabulary import (
    STAGE_WORDS,
    STATE_WORDS,
)

STAGE_ORDER = ("before", "first_response", "month_6", "month_12")


def state_words(state: str) -> str:
    """A Sankey state as people read it ('TA' as 'temporary accommodation')."""
    return STATE_WORDS.get(state, state.replace("_", " "))


def sankey_chart(words: Words, pathways: pl.DataFrame, geography: str, cohort_period: str) -> Chart:
    """Where a cohort came from and went: before → first response → 6 months → 12 months."""
    place = place_name(geography)
    title = f"Pathways of people first seen in {cohort_period} — {place}"
    key = f"sankey-{geography}-{cohort_period}"
    subtitle = (
        words.subtitle(["pathways"])
        if words.definition("pathways").definition
        else "People first seen rough sleeping in the cohort period, followed through four stages: "
        "what came before, the first response within 90 days, and where they were at 6 and 12 "
        "months (SPEC pathways, definition "
        f"v{words.manifest.definitions_version or '?'})."
    )
    footnote = words.footnote("Flows below the threshold are folded into 'other (small numbers)'.")
    links = pathways.filter(
        (pl.col("geography_code") == geography) & (pl.col("cohort_period") == cohort_period)
    )
    shown = links.filter(pl.col("count").is_not_null() & (pl.col("count") > 0))
    if shown.is_empty():
        return empty_chart(key, title, subtitle, footnote, "No published pathways for this cohort.")
    small = OTHER_SMALL_NUMBERS
    if shown.filter((pl.col("state_from") != small) | (pl.col("state_to") != small)).is_empty():
        # every flow was folded into 'other': a chart of one grey band says nothing
        chart = empty_chart(
            key,
            title,
            subtitle,
            footnote,
            f"Too few people in this cohort in {place} to show where they went: every flow "
            f"counts {words.fewer_than} people. London as a whole shows the pattern across the "
            "city.",
        )
        chart.data = links.select(
            "cohort_period", "geography_code", "stage_from", "state_from", "stage_to",
            "state_to", "count", "status",
        )  # fmt: skip
        return chart
    nodes: list[tuple[str, str]] = []
    for stage in STAGE_ORDER:
        states = set(
            shown.filter(pl.col("stage_from") == stage).get_column("state_from").to_list()
        ) | set(shown.filter(pl.col("stage_to") == stage).get_column("state_to").to_list())
        nodes.extend((stage, s) for s in sorted(states, key=lambda s: (s.startswith("other"), s)))
    index = {n: i for i, n in enumerate(nodes)}
    stage_x = {s: i / (len(STAGE_ORDER) - 1) for i, s in enumerate(STAGE_ORDER)}
    palette = list(theme.SERIES)
    state_colour: dict[str, str] = {}
    for _, s in nodes:
        if s not in state_colour:
            state_colour[s] = (
                theme.OTHER_FILL
                if s.startswith("other")
                else palette[len(state_colour) % len(palette)]
            )
    source, target, value, colours = [], [], [], []
    for r in shown.iter_rows(named=True):
        source.append(index[(r["stage_from"], r["state_from"])])
        target.append(index[(r["stage_to"], r["state_to"])])
        value.append(r["count"])
        c = theme.hex_to_rgb(state_colour[r["state_from"]])
        colours.append(f"rgba({c[0]},{c[1]},{c[2]},0.35)")
    fig = go.Figure(
        go.Sankey(
            arrangement="snap",
            node={
                "label": [state_words(s) for _, s in nodes],
                "color": [state_colour[s] for _, s in nodes],
                "x": [max(0.001, min(0.999, stage_x[st])) for st, _ in nodes],
                "pad": 18,
                "thickness": 16,
                "line": {"color": "white", "width": 0.5},
                "hovertemplate": "%{label}: %{value:,.0f} people<extra></extra>",
            },
            link={
                "source": source,
                "target": target,
                "value": value,
                "color": colours,
                "hovertemplate": "%{source.label} → %{target.label}: %{value:,.0f}<extra></extra>",
            },
            textfont={"family": theme.FONT_FAMILY, "size": 13, "color": theme.INK},
        )
    )
    for stage in STAGE_ORDER:
        fig.add_annotation(
            x=stage_x[stage],
            y=1.08,
            xref="paper",
            yref="paper",
            text=f"<b>{STAGE_WORDS[stage]}</b>",
            showarrow=False,
            xanchor="center"
            if 0 < stage_x[stage] < 1
            else ("left" if stage_x[stage] == 0 else "right"),
            font={"size": 13},
        )
    style_figure(fig, height=600)
    fig.update_layout(margin={"l": 10, "r": 10, "t": 50, "b": 20})
    data = links.select(
        "cohort_period",
        "geography_code",
        "stage_from",
        "state_from",
        "stage_to",
        "state_to",
        "count",
        "status",
    ).sort(["stage_from", "state_from", "state_to"])
    return Chart(key, title, subtitle, footnote, fig, data)


def top_paths_chart(
    words: Words, paths: pl.DataFrame, geography: str, cohort_period: str, *, top: int = 10
) -> Chart:
    """The most common whole journeys for a cohort, as horizontal bars."""
    place = place_name(geography)
    title = f"Most common paths, people first seen in {cohort_period} — {place}"
    key = f"paths-{geography}-{cohort_period}"
    subtitle = "Whole journeys, stage by stage, counted from the state-transition graph."
    footnote = words.footnote("Paths followed by fewer than the threshold are not listed.")
    rows = (
        paths.filter(
            (pl.col("geography_code") == geography)
            & (pl.col("cohort_period") == cohort_period)
            & pl.col("count").is_not_null()
        )
        .sort("count", descending=True)
        .head(top)
    )
    if rows.is_empty():
        return empty_chart(key, title, subtitle, footnote, "No published paths for this cohort.")
    labels = [
        " → ".join(state_words(part.strip()) for part in p.replace(">", "→").split("→"))
        for p in rows.get_column("path")
    ]
    fig = go.Figure(
        go.Bar(
            x=rows.get_column("count").to_list(),
            y=labels,
            orientation="h",
            marker_color=theme.ANALYSIS_FUNCTION["turquoise"],
            text=[f"{v:,}" for v in rows.get_column("count")],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}<br>%{x:,} people<extra></extra>",
        )
    )
    style_figure(fig, height=max(260, 42 * rows.height + 80))
    fig.update_yaxes(autorange="reversed", automargin=True)
    fig.update_xaxes(title_text="people", showgrid=True, gridcolor=theme.GRID)
    return Chart(key, title, subtitle, footnote, fig, rows)
