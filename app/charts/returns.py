"""Returns to the street: survival curves with their bands, the curves read at fixed days, the
number at risk, and the competing-risks curve."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go
import polars as pl

from app import theme
from app.charts.common import (
    Chart,
    Words,
    empty_chart,
    group_words,
    place_name,
    style_figure,
    words_for,
)
from contract.curves import REPORT_DAYS, curves_at
from contract.vocabulary import (
    curve_protection_words,
)


def _steps(t: list[int], y: list[float | None]) -> tuple[list[int], list[float | None]]:
    """A step function's corners: each value holds from its day until the next published day."""
    xs: list[int] = []
    ys: list[float | None] = []
    for i, (day, value) in enumerate(zip(t, y, strict=True)):
        xs += [day] if i == 0 else [day, day]
        ys += [value] if i == 0 else [y[i - 1], value]
    return xs, ys


def survival_chart(
    words: Words,
    survival: pl.DataFrame,
    curve_id: str,
    geography: str,
    *,
    groups: Sequence[str] | None = None,
    compare_geography: str | None = None,
    y_title: str = "still off the street (%)",
    title: str | None = None,
    x_title: str = "days since moving in",
    too_few: str = "too few people for a curve beyond its start",
) -> Chart:
    """Step curves with 95% confidence bands, one per group (and place).

    Each published row is an interval ending at ``t_days``: the curve steps there, at the end of
    the interval, and stays flat until the next published interval ends.
    """
    place = place_name(geography)
    title = title or f"{words.title(curve_id)} — {place}"
    key = f"survival-{curve_id}-{geography}"
    subtitle = words.subtitle([curve_id])
    footnote = words.footnote(curve_protection_words(words.manifest.sdc.model_dump()))
    geos = [geography] + ([compare_geography] if compare_geography else [])
    rows = survival.filter((pl.col("curve_id") == curve_id) & pl.col("geography_code").is_in(geos))
    if groups is not None:
        rows = rows.filter(pl.col("group").is_in(list(groups)))
    rows = rows.filter(pl.col("estimate").is_not_null()).sort(["geography_code", "group", "t_days"])
    # A curve that stops at its start (its first interval already held a small number) is not
    # a curve: leave it out and name it.
    steps = pl.len().over("geography_code", "group")
    stopped = rows.filter(steps < 2).select("geography_code", "group").unique(maintain_order=True)
    rows = rows.filter(steps >= 2)

    def series_name(g: str, grp: str) -> str:
        return (
            group_words(grp) if not compare_geography else f"{place_name(g)} — {group_words(grp)}"
        )

    if stopped.height:
        footnote += (
            f" Not drawn, {too_few}: "
            + ", ".join(series_name(g, grp) for g, grp in stopped.rows())
            + "."
        )
    if rows.is_empty():
        why = f"Not drawn: {too_few}." if stopped.height else "No published curve for this choice."
        return empty_chart(key, title, subtitle, footnote, why)
    fig = go.Figure()
    series = rows.select("geography_code", "group").unique(maintain_order=True).rows()
    for i, (g, grp) in enumerate(series):
        s = rows.filter((pl.col("geography_code") == g) & (pl.col("group") == grp))
        colour = theme.SERIES[i % len(theme.SERIES)]
        r, gg, b = theme.hex_to_rgb(colour)
        name = series_name(g, grp)
        t = s.get_column("t_days").to_list()
        est = [v * 100 for v in s.get_column("estimate").to_list()]
        lo = [None if v is None else v * 100 for v in s.get_column("ci_lower").to_list()]
        hi = [None if v is None else v * 100 for v in s.get_column("ci_upper").to_list()]
        # The band as explicit steps: a reversed "hv" edge would step one interval early.
        upper_x, upper_y = _steps(t, hi)
        lower_x, lower_y = _steps(t, lo)
        fig.add_trace(
            go.Scatter(
                x=upper_x + lower_x[::-1],
                y=upper_y + lower_y[::-1],
                fill="toself",
                fillcolor=f"rgba({r},{gg},{b},0.15)",
                line={"width": 0},
                hoverinfo="skip",
                showlegend=False,
                legendgroup=name,
            )
        )
        fig.add_trace(
            go.Scatter(
                x=t,
                y=est,
                mode="lines+markers",
                # a dot on the last step: the curve ends there, it is not cut off by the axis
                marker={"size": [0] * (len(t) - 1) + [7], "color": colour},
                line={"shape": "hv", "color": colour, "width": 2.5},
                name=name,
                legendgroup=name,
                hovertemplate=name + "<br>day %{x}: %{y:.0f}%<extra></extra>",
            )
        )
    style_figure(fig, height=400, y_title=y_title)
    fig.update_xaxes(title_text=x_title, showgrid=False)
    fig.update_yaxes(range=[0, 101] if "off the street" in y_title else None)
    fig.update_layout(
        shapes=[
            {"type": "line", "x0": d, "x1": d, "y0": 0, "y1": 1, "yref": "paper",
             "line": {"color": theme.GRID, "width": 1, "dash": "dot"}}
            for d in REPORT_DAYS
        ]
    )  # fmt: skip
    return Chart(key, title, subtitle, footnote, fig, rows)


def survival_at_days(survival: pl.DataFrame, days: Sequence[int] = REPORT_DAYS) -> pl.DataFrame:
    """Each curve read at the report days (``contract.curves.REPORT_DAYS``), as percentages."""
    return (
        curves_at(survival, days)
        .with_columns(
            (pl.col(c) * 100).round(0).alias(f"{c}_pct")
            for c in ("estimate", "ci_lower", "ci_upper")
        )
        .select(
            "curve_id",
            "geography_code",
            "group",
            "day",
            "estimate_pct",
            "ci_lower_pct",
            "ci_upper_pct",
            "at_risk",
        )
        .sort(["geography_code", "group", "day"])
    )


def number_at_risk(survival: pl.DataFrame, days: Sequence[int] = (0, *REPORT_DAYS)) -> pl.DataFrame:
    """Number at risk (rounded, as published) under the curve, one column per day."""
    long = curves_at(survival, days).select("geography_code", "group", "day", "at_risk")
    long = long.with_columns(
        words_for(long, "geography_code", place_name).alias("place"),
        words_for(long, "group", group_words),
        pl.format("day {}", pl.col("day")).alias("day"),
    )
    return long.pivot(on="day", index=["place", "group"], values="at_risk").sort(["place", "group"])


def cumulative_incidence_chart(
    words: Words,
    survival: pl.DataFrame,
    curve_id: str,
    geography: str,
    *,
    groups: Sequence[str] | None = ("all",),
) -> Chart:
    """Competing risks: the cumulative incidence of returning to the street and of dying."""
    chart = survival_chart(
        words,
        survival,
        curve_id,
        geography,
        groups=groups,
        y_title="cumulative incidence (%)",
        title=f"Return to the street, with death as a competing event — {place_name(geography)}",
        too_few="too few deaths to hide in short intervals, so no curve beyond its start",
    )
    chart.key = f"cif-{curve_id}-{geography}"
    chart.subtitle = (
        "Aalen–Johansen cumulative incidence: the share who had returned to rough sleeping (or "
        "died) by each day after moving in, treating death as a competing event rather than "
        "censoring it. "
        + words.subtitle(
            [curve_id if words.definition(curve_id).definition else "return_to_street"]
        )
    )
    return chart
