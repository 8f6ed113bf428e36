"""Comparing interventions: the curves of a comparison, the forest plot of hazard ratios and the
comparison's table."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from app import theme
from app.charts.common import Chart, Words, empty_chart, group_words, style_figure, words_for
from app.charts.returns import survival_chart
from contract.reference import borough_name
from contract.vocabulary import COMPARISON_NAMES, GROUP_VALUE_WORDS, STATISTIC_WORDS

# The first interventions a comparison can name (their words are the vocabulary's).
INTERVENTIONS = ("hostel", "temporary_accommodation", "supported_housing", "housing_first",
                 "settled")  # fmt: skip


def comparison_name(comparison_id: str) -> str:
    """'by first intervention', 'pilot boroughs against the rest', ..."""
    return COMPARISON_NAMES.get(comparison_id, comparison_id.replace("_", " "))


def comparison_curves_chart(
    words: Words, curves: pl.DataFrame, comparison_id: str, place: str
) -> Chart:
    """The return-to-street curves of a comparison's groups, with a note naming the
    interventions too few people had to publish a curve."""
    name = comparison_name(comparison_id)
    title = (
        f"Return to the street: {borough_name(place)} against the rest of London"
        if comparison_id == "borough"
        else f"Return to the street{' ' if name.startswith('by ') else ': '}{name} — London"
    )
    groups = curves.get_column("group").unique().sort().to_list()
    chart = survival_chart(
        words,
        # the comparison curves measure return to the street: draw them under that definition
        curves.with_columns(pl.lit("return_to_street").alias("curve_id")),
        "return_to_street",
        place,
        groups=groups,
        title=title,
    )
    chart.key = f"compare-{comparison_id}-{place}"
    if comparison_id == "first_intervention":
        missing = [
            GROUP_VALUE_WORDS[v] for v in INTERVENTIONS if f"first_intervention={v}" not in groups
        ]
        if missing:
            chart.notes.append(
                "Not shown, because too few people had it as their first intervention to "
                f"publish: {', '.join(missing)}."
            )
    return chart


def hazard_ratio_chart(words: Words, comparisons: pl.DataFrame, comparison_id: str) -> Chart:
    """Forest plot of Cox hazard ratios of returning to the street, group against reference."""
    rows = comparisons.filter(
        (pl.col("comparison_id") == comparison_id) & (pl.col("statistic") == "hazard_ratio")
    ).sort("value")
    title = f"Hazard of returning to the street — {comparison_name(comparison_id)}"
    key = f"hazard-{comparison_id}"
    subtitle = (
        "Cox proportional hazards ratio of returning to rough sleeping after moving in, adjusted "
        "for age band, gender and support needs, with 95% confidence interval. Below 1: fewer "
        "returns than the reference group. " + words.subtitle(["return_to_street"])
    )
    footnote = words.footnote("Observational data: see the caveat.")
    if rows.is_empty():
        return empty_chart(key, title, subtitle, footnote, "No published hazard ratios.")
    labels = [
        f"{group_words(a)} vs {group_words(b)}"
        for a, b in zip(rows.get_column("group_a"), rows.get_column("group_b"), strict=True)
    ]
    values = rows.get_column("value").to_list()
    lo = rows.get_column("ci_lower").to_list()
    hi = rows.get_column("ci_upper").to_list()
    fig = go.Figure(
        go.Scatter(
            x=values,
            y=labels,
            mode="markers",
            marker={"size": 13, "color": theme.ANALYSIS_FUNCTION["dark_pink"], "symbol": "square"},
            error_x={
                "type": "data",
                "symmetric": False,
                "array": [h - v for h, v in zip(hi, values, strict=True)],
                "arrayminus": [v - lo_ for v, lo_ in zip(values, lo, strict=True)],
                "color": theme.INK,
                "thickness": 1.5,
            },
            hovertemplate="%{y}: HR %{x:.2f}<extra></extra>",
        )
    )
    fig.add_vline(x=1, line={"color": theme.MUTED, "dash": "dash"})
    style_figure(fig, height=max(240, 56 * rows.height + 90))
    fig.update_xaxes(
        type="log", title_text="hazard ratio (log scale)", showgrid=True, gridcolor=theme.GRID
    )
    fig.update_yaxes(autorange="reversed", gridcolor=theme.GRID, automargin=True)
    return Chart(key, title, subtitle, footnote, fig, rows)


def comparison_table(comparisons: pl.DataFrame, comparison_id: str) -> pl.DataFrame:
    """All statistics of one comparison, readable: groups, estimate, interval, p-value, sizes."""
    rows = comparisons.filter(pl.col("comparison_id") == comparison_id)
    return (
        rows.with_columns(
            words_for(rows, "group_a", group_words),
            words_for(rows, "group_b", group_words),
            pl.col("statistic").replace(STATISTIC_WORDS),
            pl.col("value").round(2),
            pl.col("ci_lower").round(2),
            pl.col("ci_upper").round(2),
            pl.when(pl.col("p_value") < 0.001)
            .then(pl.lit("<0.001"))
            .otherwise(pl.col("p_value").round(3).cast(pl.String))
            .alias("p_value"),
        )
        .select(
            "statistic",
            "group_a",
            "group_b",
            "value",
            "ci_lower",
            "ci_upper",
            "p_value",
            "n_a",
            "n_b",
        )
        .sort(["statistic", "group_a"])
    )
