"""The borough map (a tile map, or real boundaries with no basemap) and the borough ranking;
never finer than a borough."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import plotly.graph_objects as go
import polars as pl
import pydeck as pdk

from app import theme
from app.charts.boundaries import (
    ATTRIBUTION,
    LAYER_ID,
    boundary_deck,
    boundary_figure,
    hatch_trace,
    shipped_boundaries,
)
from app.charts.common import Chart, Words, empty_chart, period_label, style_figure
from contract.reference import ASSETS, LONDON_CODE, borough_name


@dataclass(frozen=True)
class Tile:
    code: str
    abbr: str
    col: int
    row: int


def borough_tiles() -> tuple[Tile, ...]:
    """The square tile layout of the 33 boroughs (``assets/london_tiles.csv``)."""
    with open(ASSETS / "london_tiles.csv", encoding="utf-8", newline="") as f:
        return tuple(
            Tile(r["code"], r["abbr"], int(r["col"]), int(r["row"])) for r in csv.DictReader(f)
        )


MAP_LAYER_ID = LAYER_ID


def map_table(
    totals: pl.DataFrame, metric_id: str, period_start: date, bands: Sequence[theme.Band]
) -> pl.DataFrame:
    """One row per borough for one month: value, status and band (the map's table view)."""
    rows = totals.filter(
        (pl.col("metric_id") == metric_id)
        & (pl.col("period_start") == period_start)
        & (pl.col("breakdown") == "all")
        & (pl.col("geography_code") != LONDON_CODE)
    )
    by_code = {r["geography_code"]: r for r in rows.iter_rows(named=True)}
    out = []
    for t in borough_tiles():
        r = by_code.get(t.code)
        value = r["value"] if r else None
        status = r["status"] if r else "not_published"
        band = theme.band_for(value, bands)
        out.append(
            {
                "geography_code": t.code,
                "geography": borough_name(t.code),
                "metric_id": metric_id,
                "period_start": period_start,
                "value": value,
                "status": status,
                "band": band.label
                if band
                else ("suppressed" if status == "suppressed" else "no figure"),
            }
        )
    return pl.DataFrame(out, schema_overrides={"value": pl.Float64})


def _tile_square(col: int, row: int, gap: float = 0.06) -> list[list[float]]:
    a, b = col + gap, col + 1 - gap
    c, d = row + gap, row + 1 - gap
    return [[a, c], [b, c], [b, d], [a, d]]


def borough_map(
    words: Words,
    totals: pl.DataFrame,
    metric_id: str,
    period_start: date,
    bands: Sequence[theme.Band],
    *,
    selected: str | None = None,
    boundaries: dict[str, Any] | None = None,
    style: str = "boundaries",
    static: bool = False,
    period_type: str = "month",
) -> Chart:
    """The borough map for one period (a month by default): classed colour bands, never finer than borough.

    By default the real borough outlines (``boundaries``, else the GeoJSON shipped in
    ``assets/``), drawn with no basemap so nothing is fetched: with pydeck for the dashboard
    (hover and click), or as a Plotly figure when ``static`` (the chart pack). With
    ``style="tiles"``, or where no outlines are to be had, a tile map: one square per borough,
    roughly where it lies, every borough the City included the same size.
    """
    table = map_table(totals, metric_id, period_start, bands)
    title = f"{words.title(metric_id)} by borough — {period_label(period_start, period_type)}"
    subtitle = words.subtitle([metric_id])
    footnote = words.footnote("Boroughs are the finest geography Pathways shows.")
    key = f"map-{metric_id}-{period_type}-{period_start.isoformat()}"
    records = []
    tiles = {t.code: t for t in borough_tiles()}
    for r in table.iter_rows(named=True):
        band = theme.band_for(r["value"], bands)
        fill = (
            band.colour
            if band
            else (theme.SUPPRESSED_FILL if r["status"] == "suppressed" else theme.NO_DATA_FILL)
        )
        t = tiles[r["geography_code"]]
        shown = "suppressed" if r["value"] is None else f"{r['value']:,.0f}"
        suppressed = band is None and r["status"] == "suppressed"
        records.append(
            {
                "code": r["geography_code"],
                "name": r["geography"],
                "abbr": t.abbr,
                "value_text": shown,
                "band": r["band"],
                "polygon": _tile_square(t.col, t.row),
                "centre": [t.col + 0.5, t.row + 0.5],
                "fill": [*theme.hex_to_rgb(fill), 255],
                "text_colour": [*theme.hex_to_rgb(theme.text_on(fill)), 255],
                "line": [0, 0, 0, 255] if r["geography_code"] == selected else [255, 255, 255, 255],
                "line_width": 4 if r["geography_code"] == selected else 1,
                "suppressed": suppressed,
            }
        )
    tooltip = {
        "html": "<b>{name}</b><br/>{value_text} — band {band}",
        "style": {"fontFamily": theme.FONT_FAMILY, "fontSize": "14px"},
    }
    outlines = boundaries if boundaries is not None else shipped_boundaries()
    if style == "tiles" or outlines is None:
        return Chart(key, title, subtitle, footnote, _tile_figure(records, selected), table)
    figure: go.Figure | pdk.Deck = (
        boundary_figure(records, outlines) if static else boundary_deck(records, outlines, tooltip)
    )
    return Chart(key, title, subtitle, footnote, figure, table, notes=[ATTRIBUTION])


def _tile_figure(records: list[dict[str, Any]], selected: str | None) -> go.Figure:
    """Squares as layout shapes (they scale with the chart), with one clickable point per tile."""
    fig = go.Figure()
    shapes = []
    for r in records:
        (x0, y0), _, (x1, y1), _ = r["polygon"]
        chosen = r["code"] == selected
        shapes.append(
            {
                "type": "rect", "x0": x0, "x1": x1, "y0": y0, "y1": y1, "layer": "below",
                "fillcolor": "rgb({},{},{})".format(*r["fill"][:3]),
                "line": {"color": theme.INK if chosen else "white", "width": 4 if chosen else 1},
            }
        )  # fmt: skip
    # all tiles in one assignment: adding shapes one by one re-validates the list each time
    fig.update_layout(shapes=shapes)
    hatched = [r for r in records if r["suppressed"]]
    if hatched:  # hatching over the tiles, under the labels (the next trace)
        xs: list[float | None] = []
        ys: list[float | None] = []
        for r in hatched:
            corners = [*r["polygon"], r["polygon"][0]]
            xs += [x for x, _ in corners] + [None]
            ys += [y for _, y in corners] + [None]
        fig.add_trace(hatch_trace(xs, ys))
    fig.add_trace(
        go.Scatter(
            x=[r["centre"][0] for r in records],
            y=[r["centre"][1] for r in records],
            mode="markers+text",
            text=[
                f"<b>{r['abbr']}</b><br>{r['value_text'].replace('suppressed', '—')}"
                for r in records
            ],
            textfont={
                "family": theme.FONT_FAMILY,
                "size": 13,
                "color": ["rgb({},{},{})".format(*r["text_colour"][:3]) for r in records],
            },
            marker={"symbol": "square", "size": 46, "opacity": 0.01, "color": "white"},
            name="boroughs",
            customdata=[[r["code"], r["name"], r["value_text"], r["band"]] for r in records],
            hovertemplate="<b>%{customdata[1]}</b><br>%{customdata[2]} — band %{customdata[3]}"
            "<extra></extra>",
            showlegend=False,
        )
    )
    cols = max(r["centre"][0] for r in records) + 0.5
    rows = max(r["centre"][1] for r in records) + 0.5
    fig.update_layout(
        template=theme.TEMPLATE,
        height=520,
        margin={"l": 4, "r": 4, "t": 4, "b": 4},
        dragmode=False,
        clickmode="event+select",
        xaxis={"visible": False, "range": [-0.1, cols + 0.1], "fixedrange": True},
        yaxis={
            "visible": False,
            "range": [rows + 0.1, -0.1],  # row 0 at the top
            "scaleanchor": "x",
            "fixedrange": True,
        },
    )
    return fig


def borough_ranking_chart(
    words: Words,
    table: pl.DataFrame,
    metric_id: str,
    period_start: date,
    *,
    period_type: str = "month",
    selected: str | None = None,
) -> Chart:
    """Boroughs ranked by one published total (the map's table, as bars), largest first.

    Suppressed boroughs are not ranked: a note names how many there are, never their place in
    the order. ``selected`` (a borough lead's own borough) is drawn in the borough colour.
    """
    label = period_label(period_start, period_type)
    title = f"{words.title(metric_id)}: boroughs ranked — {label}"
    key = f"ranking-{metric_id}-{period_type}-{period_start.isoformat()}"
    subtitle = words.subtitle([metric_id])
    footnote = words.footnote("Boroughs are the finest geography Pathways shows.")
    ranked = table.filter(pl.col("value").is_not_null()).sort(
        ["value", "geography"], descending=[True, False]
    )
    if ranked.is_empty():
        return empty_chart(
            key, title, subtitle, footnote, "No borough has a published figure for this period."
        )
    names = ranked.get_column("geography").to_list()
    codes = ranked.get_column("geography_code").to_list()
    values = ranked.get_column("value").to_list()
    colours = [theme.HIGHLIGHT if c == selected else theme.BOROUGH_COLOUR for c in codes]
    fig = go.Figure(
        go.Bar(
            x=values,
            y=[f"<b>{n}</b>" if c == selected else n for n, c in zip(names, codes, strict=True)],
            orientation="h",
            marker_color=colours,
            text=[f"{v:,.0f}" for v in values],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}: %{x:,.0f}<extra></extra>",
        )
    )
    style_figure(fig, height=max(260, 17 * len(values) + 80))
    fig.update_layout(margin={"l": 10, "r": 40, "t": 10, "b": 40}, bargap=0.25)
    fig.update_yaxes(type="category", autorange="reversed", automargin=True, tickfont={"size": 11})
    fig.update_xaxes(title_text="people", showgrid=True, gridcolor=theme.GRID)
    chart = Chart(key, title, subtitle, footnote, fig, ranked)
    hidden = table.height - ranked.height
    if hidden:
        chart.notes.append(
            f"{hidden} borough(s) not ranked: their figure is suppressed or not published."
        )
    return chart
