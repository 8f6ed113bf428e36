"""The real borough outlines: the shipped GeoJSON (``assets/london_boroughs.geojson``), drawn with
pydeck on the dashboard and with Plotly in the chart pack, both with no basemap (nothing is
fetched from the internet). Suppressed boroughs are hatched, as on the tile map.

The outlines are Ordnance Survey / ONS boundary data under the Open Government Licence v3.0;
``ATTRIBUTION`` is shown under every map drawn from them.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
import pydeck as pdk

from app import theme
from contract.reference import ASSETS

BOUNDARIES_FILE = ASSETS / "london_boroughs.geojson"
ATTRIBUTION = (
    "Borough boundaries: Contains OS data © Crown copyright and database right; ONS boundary "
    "data, Open Government Licence v3.0."
)
MAP_STYLES = ("boundaries", "tiles")
"""How the borough map is drawn: the real outlines (the default) or one square per borough."""

LAYER_ID = "boroughs"
_LAT0 = 51.49  # London's middle: longitudes are scaled by its cosine, so shapes keep their form
_HATCH_STEP = 0.006  # degrees of latitude between hatch lines (about 650 m)
# the view that shows all of London in the dashboard's map (about 480 by 440 pixels)
VIEW = {"latitude": 51.4893, "longitude": -0.0879, "zoom": 8.55}


def feature_code(properties: dict[str, Any]) -> str | None:
    """A feature's borough code: its ``code``, else the first value that is one (ONS files
    name it ``LAD24CD`` and the like)."""
    code = properties.get("code")
    if isinstance(code, str) and code.startswith("E09"):
        return code
    for value in properties.values():
        if isinstance(value, str) and value.startswith("E09") and len(value) == 9:
            return value
    return None


def load_boundaries(path: Path) -> dict[str, Any]:
    """Read a borough boundary GeoJSON (WGS84), keeping only London borough features."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    features = [f for f in data.get("features", []) if feature_code(f.get("properties") or {})]
    return {"type": "FeatureCollection", "features": features}


@cache
def shipped_boundaries() -> dict[str, Any] | None:
    """The outlines that ship with Pathways, read once; None where the file is missing (the
    tile map is drawn instead)."""
    return load_boundaries(BOUNDARIES_FILE) if BOUNDARIES_FILE.is_file() else None


def _rings(geometry: dict[str, Any]) -> list[list[list[float]]]:
    polygons = (
        [geometry["coordinates"]]
        if geometry["type"] == "Polygon"
        else geometry["coordinates"]
        if geometry["type"] == "MultiPolygon"
        else []
    )
    return [ring for polygon in polygons for ring in polygon]


def _project(lon: float, lat: float) -> tuple[float, float]:
    return lon * math.cos(math.radians(_LAT0)), lat


def _unproject(x: float, y: float) -> list[float]:
    return [round(x / math.cos(math.radians(_LAT0)), 5), round(y, 5)]


def hatch_segments(geometry: dict[str, Any], step: float = _HATCH_STEP) -> list[list[list[float]]]:
    """Diagonal lines (45° on the map) across a polygon, clipped to it: each a pair of
    [longitude, latitude] points. Inside is decided even-odd over every ring."""
    edges = []
    for ring in _rings(geometry):
        points = [_project(lon, lat) for lon, lat in ring]
        edges += list(zip(points, points[1:], strict=False))
    if not edges:
        return []
    # lines y = x + c; c runs over the shape's range of (y - x)
    spans = [y - x for (x, y), _ in edges]
    segments = []
    c = math.floor(min(spans) / step) * step + step / 2
    while c < max(spans):
        crossings = []
        for (x1, y1), (x2, y2) in edges:
            d1, d2 = y1 - x1 - c, y2 - x2 - c
            if (d1 > 0) != (d2 > 0):
                t = d1 / (d1 - d2)
                crossings.append(x1 + t * (x2 - x1))
        crossings.sort()
        for a, b in zip(crossings[::2], crossings[1::2], strict=False):
            segments.append([_unproject(a, a + c), _unproject(b, b + c)])
        c += step
    return segments


def hatch_trace(xs: Sequence[float | None], ys: Sequence[float | None]) -> go.Scatter:
    """Suppressed areas (closed outlines, separated by None) drawn white with dark diagonal
    hatching, so a suppressed borough never passes for the lowest band."""
    return go.Scatter(
        x=list(xs),
        y=list(ys),
        mode="lines",
        fill="toself",
        fillcolor=theme.SUPPRESSED_FILL,
        fillpattern={
            "shape": "/", "fgcolor": theme.HATCH, "bgcolor": theme.SUPPRESSED_FILL,
            "size": 8, "solidity": 0.25,
        },
        line={"color": theme.HATCH, "width": 1},
        hoverinfo="skip",
        name="suppressed",
        showlegend=False,
    )  # fmt: skip


def boundary_deck(
    records: Sequence[dict[str, Any]], boundaries: dict[str, Any], tooltip: dict[str, Any]
) -> pdk.Deck:
    """The dashboard's map: one GeoJSON layer of boroughs in their band's colour (white
    outlines, the selected one in ink), hatching over suppressed ones, no basemap."""
    by_code = {r["code"]: r for r in records}
    features = []
    hatching = []
    for f in boundaries["features"]:
        code = feature_code(f.get("properties") or {})
        if code not in by_code:
            continue
        r = by_code[code]
        props = {k: r[k] for k in ("code", "name", "value_text", "band", "fill")}
        chosen = r["line_width"] > 1
        edge = theme.HIGHLIGHT if chosen else theme.HATCH if r["suppressed"] else theme.OUTLINE
        props["line"] = theme.hex_to_rgb(edge) + [255]
        props["line_width"] = 500 if chosen else 1  # metres: about 2 pixels across London
        features.append({"type": "Feature", "geometry": f["geometry"], "properties": props})
        if r["suppressed"]:
            hatching += [{"path": s} for s in hatch_segments(f["geometry"])]
    layers = [
        pdk.Layer(
            "GeoJsonLayer",
            id=LAYER_ID,
            data={"type": "FeatureCollection", "features": features},
            get_fill_color="properties.fill",
            get_line_color="properties.line",
            get_line_width="properties.line_width",
            line_width_min_pixels=1,
            pickable=True,
            auto_highlight=True,
            highlight_color=[*theme.hex_to_rgb(theme.HIGHLIGHT), 200],
        ),
        pdk.Layer(
            "PathLayer",
            id="suppressed-hatching",
            data=hatching,
            get_path="path",
            get_color=theme.hex_to_rgb(theme.HATCH) + [255],
            get_width=1,
            width_min_pixels=1,
            pickable=False,
        ),
    ]
    return pdk.Deck(
        layers=layers,
        initial_view_state=pdk.ViewState(**VIEW),
        # no basemap: no provider, and pydeck's own unset style, which Streamlit reads as none
        # (map_style=None would make Streamlit fetch a CARTO basemap from the internet)
        map_provider=None,
        tooltip=tooltip,  # type: ignore[arg-type]
    )


def boundary_figure(records: Sequence[dict[str, Any]], boundaries: dict[str, Any]) -> go.Figure:
    """The chart pack's map: the same outlines as filled Plotly shapes on a plain plane (no
    geographic basemap, so the pack's renderer fetches nothing), hatching over suppressed
    boroughs, the selected borough outlined in ink."""
    by_code = {r["code"]: r for r in records}
    fig = go.Figure()
    hatched: list[dict[str, Any]] = []
    chosen: list[dict[str, Any]] = []
    for f in boundaries["features"]:
        code = feature_code(f.get("properties") or {})
        if code not in by_code:
            continue
        r = by_code[code]
        xs, ys = _outline(f["geometry"])
        fig.add_trace(
            go.Scatter(
                x=xs, y=ys, mode="lines", fill="toself",
                fillcolor="rgb({},{},{})".format(*r["fill"][:3]),
                line={"color": theme.OUTLINE, "width": 0.8},
                name=r["name"], customdata=[[r["code"]]] * len(xs),
                hovertemplate=f"<b>{r['name']}</b><br>{r['value_text']} — band {r['band']}"
                "<extra></extra>",
                showlegend=False,
            )
        )  # fmt: skip
        if r["suppressed"]:
            hatched.append(f["geometry"])
        if r["line_width"] > 1:
            chosen.append(f["geometry"])
    if hatched:
        xs, ys = _outline_all(hatched)
        fig.add_trace(hatch_trace(xs, ys))
    for geometry in chosen:
        xs, ys = _outline(geometry)
        fig.add_trace(
            go.Scatter(x=xs, y=ys, mode="lines", line={"color": theme.HIGHLIGHT, "width": 3},
                       hoverinfo="skip", showlegend=False, name="selected")
        )  # fmt: skip
    xs, ys = _outline_all(f["geometry"] for f in boundaries["features"])
    (x0, x1), (y0, y1) = (
        (min(v), max(v))
        for v in ([x for x in xs if x is not None], [y for y in ys if y is not None])
    )
    fig.update_layout(
        template=theme.TEMPLATE,
        height=520,
        margin={"l": 4, "r": 4, "t": 4, "b": 4},
        dragmode=False,
        xaxis={"visible": False, "fixedrange": True, "range": [x0 - 0.005, x1 + 0.005]},
        yaxis={"visible": False, "scaleanchor": "x", "fixedrange": True,
               "range": [y0 - 0.005, y1 + 0.005]},
    )  # fmt: skip
    return fig


def _outline(geometry: dict[str, Any]) -> tuple[list[float | None], list[float | None]]:
    return _outline_all([geometry])


def _outline_all(
    geometries: Iterable[dict[str, Any]],
) -> tuple[list[float | None], list[float | None]]:
    """Every ring's points in the projected plane, rings separated by None."""
    xs: list[float | None] = []
    ys: list[float | None] = []
    for geometry in geometries:
        for ring in _rings(geometry):
            for lon, lat in ring:
                x, y = _project(lon, lat)
                xs.append(x)
                ys.append(y)
            xs.append(None)
            ys.append(None)
    return xs, ys
