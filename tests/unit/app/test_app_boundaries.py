"""The real borough outlines: shipped with Pathways, drawn by default with no basemap (pydeck on
the dashboard, Plotly in the pack), suppressed boroughs hatched, the attribution under the map,
and the tile map kept as the option and the fallback."""

from __future__ import annotations

import json
from datetime import date

import plotly.graph_objects as go
import polars as pl
import pydeck as pdk
import pytest

from app import theme
from app.auth import Role
from app.charts import borough_map, boundaries, common
from app.data import ScopedRelease
from contract.reference import ASSETS, borough_codes

CAMDEN, WESTMINSTER = "E09000007", "E09000033"
MARCH = date(2025, 3, 1)


@pytest.fixture(scope="module")
def london(release):
    return ScopedRelease(release, Role("london"))


@pytest.fixture(scope="module")
def totals(london):
    return london.borough_totals("seen_rough_sleeping").filter(pl.col("period_type") == "month")


def _map(london, totals, **kwargs):
    bands = theme.count_bands(totals["value"].to_list(), threshold=10)
    words = common.Words(london.manifest)
    return borough_map.borough_map(words, totals, "seen_rough_sleeping", MARCH, bands, **kwargs)


def test_the_outlines_of_all_33_boroughs_ship_in_the_assets():
    assert boundaries.BOUNDARIES_FILE.parent == ASSETS
    shipped = boundaries.shipped_boundaries()
    codes = [boundaries.feature_code(f["properties"]) for f in shipped["features"]]
    assert sorted(codes) == sorted(borough_codes())
    assert {f["geometry"]["type"] for f in shipped["features"]} <= {"Polygon", "MultiPolygon"}


def test_the_default_map_draws_the_real_outlines_with_pydeck_and_no_basemap(london, totals):
    chart = _map(london, totals, selected=CAMDEN)
    assert isinstance(chart.figure, pdk.Deck)
    spec = json.loads(chart.figure.to_json())
    # pydeck's unset style, which Streamlit reads as no basemap (None would fetch CARTO's)
    assert spec.get("mapStyle") == "__MAP_STYLE__" and spec.get("mapProvider") is None
    assert "http" not in chart.figure.to_json()
    layer, hatching = spec["layers"]
    assert layer["@@type"] == "GeoJsonLayer" and layer["id"] == borough_map.MAP_LAYER_ID
    assert layer["pickable"] is True  # a click selects the borough
    features = {f["properties"]["code"]: f["properties"] for f in layer["data"]["features"]}
    assert sorted(features) == sorted(borough_codes())
    # each borough in its band's colour, in the table's band; the hover names both
    for row in chart.data.iter_rows(named=True):
        props = features[row["geography_code"]]
        assert props["name"] == row["geography"] and props["band"] == row["band"]
        band = theme.band_for(row["value"], theme.count_bands(totals["value"].to_list()))
        if band:
            assert props["fill"][:3] == theme.hex_to_rgb(band.colour)
    tooltip = chart.figure._tooltip["html"]  # what Streamlit shows on hover
    assert "{name}" in tooltip and "{band}" in tooltip
    assert features[CAMDEN]["line"][:3] == theme.hex_to_rgb(theme.HIGHLIGHT)
    # suppressed boroughs carry hatching, and only they
    suppressed = chart.data.filter(pl.col("status") == "suppressed").height
    assert hatching["@@type"] == "PathLayer"
    assert (len(hatching["data"]) > 0) == (suppressed > 0)
    assert chart.notes[-1] == boundaries.ATTRIBUTION


def test_the_pack_draws_the_same_outlines_as_a_plotly_figure(london, totals):
    chart = _map(london, totals, selected=CAMDEN, static=True)
    assert isinstance(chart.figure, go.Figure)
    text = chart.figure.to_json()
    assert "mapbox" not in text and "http" not in text and '"geo"' not in text
    areas = [t for t in chart.figure.data if t.fill == "toself" and t.name not in ("suppressed",)]
    assert sorted(t.customdata[0][0] for t in areas) == sorted(borough_codes())
    suppressed = chart.data.filter(pl.col("status") == "suppressed").height
    hatch = [t for t in chart.figure.data if t.name == "suppressed"]
    assert len(hatch) == (1 if suppressed else 0)
    assert [t.name for t in chart.figure.data if t.name == "selected"] == ["selected"]
    assert boundaries.ATTRIBUTION in chart.notes


def test_the_tile_map_stays_as_the_option_and_the_fallback(london, totals, monkeypatch, tmp_path):
    tiles = _map(london, totals, style="tiles")
    assert isinstance(tiles.figure, go.Figure) and len(tiles.figure.layout.shapes) == 33
    assert boundaries.ATTRIBUTION not in tiles.notes  # no OS data drawn
    monkeypatch.setattr(boundaries, "BOUNDARIES_FILE", tmp_path / "missing.geojson")
    boundaries.shipped_boundaries.cache_clear()
    try:
        fallback = _map(london, totals)
    finally:
        boundaries.shipped_boundaries.cache_clear()
    assert isinstance(fallback.figure, go.Figure) and len(fallback.figure.layout.shapes) == 33


def test_a_borough_keeps_its_band_colour_from_month_to_month(london, totals):
    # the bands are drawn once from every month shown: the same count, the same colour
    bands = theme.count_bands(totals["value"].to_list(), threshold=10)
    months = sorted(set(totals["period_start"].to_list()))[-6:]
    colour_of: dict[float, set[str]] = {}
    for month in months:
        table = borough_map.map_table(totals, "seen_rough_sleeping", month, bands)
        for value in table["value"].drop_nulls():
            colour_of.setdefault(value, set()).add(theme.band_for(value, bands).colour)
    assert colour_of and all(len(c) == 1 for c in colour_of.values())


def test_hatching_stays_inside_the_shape():
    #  a square 0.1° of longitude by 0.06° of latitude: every hatch line ends on its edge
    square = {
        "type": "Polygon",
        "coordinates": [[[0, 51.5], [0.1, 51.5], [0.1, 51.56], [0, 51.56], [0, 51.5]]],
    }
    segments = boundaries.hatch_segments(square, step=0.01)
    assert len(segments) >= 8
    for (lon1, lat1), (lon2, lat2) in segments:
        for lon, lat in ((lon1, lat1), (lon2, lat2)):
            assert -1e-4 <= lon <= 0.1001 and 51.4999 <= lat <= 51.5601
        assert lat2 > lat1 and lon2 > lon1  # rising to the right: diagonal hatching


@pytest.mark.parametrize("style", boundaries.MAP_STYLES)
def test_the_packs_map_follows_the_runs_map_style(london, style):
    from app.pack.edition import Edition
    from app.pack.sections import plan

    pages = plan(london, Edition(MARCH, None, style))
    (page,) = [p for p in pages if p.key == "map"]
    figure = page.charts[0].figure
    assert isinstance(figure, go.Figure)
    tiles = len(figure.layout.shapes) == 33
    assert tiles == (style == "tiles")
    assert (boundaries.ATTRIBUTION in page.notes) == (style == "boundaries")
