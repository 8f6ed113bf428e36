"""Figure functions: the numbers drawn are the numbers published, and nothing leaves the page."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date

import plotly.graph_objects as go
import polars as pl
import pytest

from app import theme
from app.auth import Role
from app.charts import borough_map, common, compare, headline, pathways, returns, trends
from app.charts.boundaries import load_boundaries
from app.data import ScopedRelease
from contract.release import METRICS_SCHEMA, SURVIVAL_SCHEMA

LONDON, CAMDEN = "E12000007", "E09000007"


@pytest.fixture(scope="module")
def words(release):
    return common.Words(release.manifest)


@pytest.fixture(scope="module")
def london(release):
    return ScopedRelease(release, Role("london"))


def _metrics(rows):
    """rows: (metric, period_start, value, status) for London, breakdown all."""
    return pl.DataFrame(
        [
            dict(metric_id=m, period_type="month", period_start=d, geography_type="london",
                 geography_code=LONDON, breakdown="all", value=v,
                 numerator=None if v is None else int(v), denominator=None, status=s)
            for m, d, v, s in rows
        ],
        schema=METRICS_SCHEMA,
    )  # fmt: skip


def test_period_labels():
    assert common.period_label(date(2025, 3, 1), "month") == "Mar 2025"
    assert common.period_label(date(2025, 1, 1), "quarter") == "2024-25 Q4"
    assert common.period_label(date(2024, 4, 1), "quarter") == "2024-25 Q1"
    assert common.period_label(date(2024, 4, 1), "fy") == "2024-25"


def test_headline_compares_with_previous_month_and_same_month_last_year():
    #  month      value   status
    #  2024-03    1,800   ok
    #  2025-02      null  suppressed
    #  2025-03    1,955   ok
    m = _metrics(
        [
            ("seen_rough_sleeping", date(2024, 3, 1), 1800.0, "ok"),
            ("seen_rough_sleeping", date(2025, 2, 1), None, "suppressed"),
            ("seen_rough_sleeping", date(2025, 3, 1), 1955.0, "ok"),
        ]
    )
    h = headline.headline(m, "seen_rough_sleeping", "month")
    assert h.label == "Mar 2025"
    assert h.value == 1955 and h.last_year == 1800 and h.change_on_last_year == 155
    assert h.previous is None and h.change_on_previous is None  # suppressed: no change shown
    empty = headline.headline(m, "flow_new", "month")
    assert empty.value is None and empty.status == "not_published"


def test_trend_leaves_suppressed_months_as_gaps(words):
    m = _metrics(
        [
            ("flow_new", date(2025, 1, 1), 40.0, "ok"),
            ("flow_new", date(2025, 2, 1), None, "suppressed"),
            ("flow_new", date(2025, 3, 1), 55.0, "ok"),
        ]
    )
    chart = trends.trend_chart(words, m, ["flow_new"])
    (trace,) = chart.figure.data
    assert list(trace.y) == [40.0, None, 55.0]
    assert trace.connectgaps is False
    assert chart.data["value"].to_list() == [40.0, None, 55.0]
    assert "never been seen" in chart.subtitle and "v2026.1" in chart.subtitle
    assert "extract 2025-04-30" in chart.footnote and "suppressed" in chart.footnote
    assert chart.notes == ["1 period(s) suppressed (gaps)."]


def test_flow_stock_returner_stacks_the_published_counts(words, london):
    m = london.metrics(geographies=LONDON)
    chart = trends.flow_stock_returner_chart(words, m, LONDON)
    # the registry's titles, without their bracketed short names
    stock = "People also seen in the previous period"
    assert [t.name for t in chart.figure.data] == [
        "New people", stock, "People returning to the streets",
    ]  # fmt: skip
    assert chart.figure.layout.barmode == "stack"
    march = chart.data.filter(pl.col("period_start") == date(2025, 3, 1))
    assert march.height == 3
    drawn = {t.name: t.y[-1] for t in chart.figure.data}
    assert drawn[stock] == march.filter(pl.col("metric_id") == "stock")["value"].item()


def test_share_values_are_shown_as_whole_percent(words, london):
    m = london.metrics(geographies=LONDON)
    chart = trends.rare_brief_nonrecurrent(words, m, LONDON)
    brief = chart.figure.data[1]
    assert all(v is None or (10 <= v <= 100 and v == int(v)) for v in brief.y)


def test_breakdown_refuses_nationality_for_a_borough(words, london):
    m = london.metrics(breakdown=None)
    with pytest.raises(ValueError, match="London as a whole"):
        trends.breakdown_chart(words, m, "seen_rough_sleeping", "nationality_group", CAMDEN)
    chart = trends.breakdown_chart(words, m, "seen_rough_sleeping", "nationality_group", LONDON)
    assert set(chart.data["breakdown"]) == {
        "nationality_group=uk", "nationality_group=eu_eea",
        "nationality_group=rest_of_world", "nationality_group=unknown",
    }  # fmt: skip


def test_count_bands_are_fixed_round_classes():
    bands = theme.count_bands([12, 40, 95, 180, 420])
    assert [b.label for b in bands] == ["10–24", "25–49", "50–99", "100–249", "250 or more"]
    assert theme.band_for(24, bands).label == "10–24"
    assert theme.band_for(25, bands).label == "25–49"
    assert theme.band_for(None, bands) is None
    assert len({b.colour for b in bands}) == len(bands)
    assert all(b.colour in theme.BAND_COLOURS for b in bands)


def test_borough_map_is_a_banded_tile_map_with_no_basemap(words, london):
    totals = london.borough_totals("seen_rough_sleeping")
    bands = theme.count_bands(totals["value"].to_list())
    chart = borough_map.borough_map(
        words, totals, "seen_rough_sleeping", date(2025, 3, 1), bands, selected=CAMDEN,
        style="tiles",
    )  # fmt: skip
    fig = chart.figure
    assert isinstance(fig, go.Figure)
    text = fig.to_json()
    assert "mapbox" not in text and "http" not in text
    assert all(t.type == "scatter" for t in fig.data)  # no geo or tile-map traces
    tiles = fig.layout.shapes
    assert len(tiles) == 33 and chart.data.height == 33
    (points,) = [t for t in fig.data if t.name == "boroughs"]
    codes = [c[0] for c in points.customdata]
    assert sorted(codes) == sorted(chart.data["geography_code"].to_list())
    band_fills = {"rgb({},{},{})".format(*theme.hex_to_rgb(b.colour)) for b in bands}
    ground = "rgb({},{},{})".format(*theme.hex_to_rgb(theme.SUPPRESSED_FILL))
    status = dict(zip(chart.data["geography_code"], chart.data["status"], strict=True))
    for code, shape, label in zip(codes, tiles, points.text, strict=True):
        if status[code] == "suppressed":
            assert shape.fillcolor == ground and label.endswith("—")
        else:
            assert shape.fillcolor in band_fills
    # suppressed tiles are hatched (one closed outline each), not only a flat grey
    hatch = [t for t in fig.data if t.name == "suppressed"]
    suppressed = sum(1 for v in status.values() if v == "suppressed")
    if suppressed:
        (hatch,) = hatch
        assert hatch.fillpattern.shape == "/" and hatch.fillpattern.fgcolor == theme.HATCH
        assert list(hatch.x).count(None) == suppressed
    camden = tiles[codes.index(CAMDEN)]
    assert camden.line.width == 4
    assert not any("nationality" in c for c in chart.data.columns)


def test_tile_layout_places_every_borough_once():
    tiles = borough_map.borough_tiles()
    assert len(tiles) == 33
    assert len({(t.col, t.row) for t in tiles}) == 33
    from contract.reference import borough_codes

    assert {t.code for t in tiles} == set(borough_codes())


def test_real_boundaries_are_drawn_when_configured(words, london, tmp_path):
    square = [[[-0.2, 51.5], [-0.1, 51.5], [-0.1, 51.55], [-0.2, 51.55], [-0.2, 51.5]]]
    geo = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"LAD24CD": CAMDEN, "LAD24NM": "Camden"},
             "geometry": {"type": "Polygon", "coordinates": square}},
            {"type": "Feature", "properties": {"LAD24CD": "E06000001"},
             "geometry": {"type": "Polygon", "coordinates": square}},
        ],
    }  # fmt: skip
    path = tmp_path / "boroughs.geojson"
    path.write_text(json.dumps(geo), encoding="utf-8")
    boundaries = load_boundaries(path)
    assert len(boundaries["features"]) == 1  # outside London dropped
    totals = london.borough_totals("seen_rough_sleeping")
    chart = borough_map.borough_map(
        words, totals, "seen_rough_sleeping", date(2025, 3, 1),
        theme.count_bands(totals["value"].to_list()), boundaries=boundaries,
    )  # fmt: skip
    spec = json.loads(chart.figure.to_json())
    assert spec["layers"][0]["@@type"] == "GeoJsonLayer"
    # pydeck's unset style, which Streamlit reads as no basemap (None would fetch CARTO's)
    assert spec.get("mapStyle") == "__MAP_STYLE__" and spec.get("mapProvider") is None
    assert spec["layers"][0]["data"]["features"][0]["properties"]["name"] == "Camden"


def test_sankey_draws_every_published_link(words, london):
    links = london.pathways(LONDON)
    chart = pathways.sankey_chart(words, links, LONDON, "2023-24")
    (sankey,) = chart.figure.data
    cohort = links.filter(pl.col("cohort_period") == "2023-24")
    assert sum(sankey.link.value) == cohort["count"].sum()
    labels = list(sankey.node.label)
    assert "other (small numbers)" in labels
    assert labels.count("settled") == 2  # at 6 and at 12 months: one node per stage
    assert chart.data.height == cohort.height


def test_top_paths_lists_the_most_common_first(words, london):
    chart = pathways.top_paths_chart(words, london.paths(), LONDON, "2023-24", top=3)
    counts = list(chart.figure.data[0].x)
    assert counts == sorted(counts, reverse=True) and len(counts) == 3
    assert "→" in chart.figure.data[0].y[0]


def test_survival_read_off_the_step_curve():
    #  t_days  estimate  at_risk
    #     0      1.00      200
    #    60      0.90      150
    #   200      0.70       40     <- curve stops here (fewer than 10 left after)
    curve = pl.DataFrame(
        [
            dict(curve_id="return_to_street", geography_code=LONDON, group="all", t_days=t,
                 estimate=e, ci_lower=e - 0.05, ci_upper=min(1, e + 0.05), at_risk=n, status="ok")
            for t, e, n in ((0, 1.0, 200), (60, 0.9, 150), (200, 0.7, 40))
        ],
        schema=SURVIVAL_SCHEMA,
    )  # fmt: skip
    table = returns.survival_at_days(curve)
    assert table["day"].to_list() == [90, 180, 365, 730]
    assert table["estimate_pct"].to_list() == [90.0, 90.0, None, None]
    assert table["at_risk"].to_list() == [150, 150, None, None]
    risk = returns.number_at_risk(curve)
    assert risk.row(0) == ("London", "Everyone", 200, 150, 150, None, None)


def test_survival_chart_has_bands_and_steps(words, london):
    curves = london.survival("return_to_street", LONDON)
    chart = returns.survival_chart(
        words,
        curves,
        "return_to_street",
        LONDON,
        groups=["all", "first_intervention=housing_first"],
    )
    lines = [t for t in chart.figure.data if t.mode == "lines+markers"]
    bands = [t for t in chart.figure.data if t.fill == "toself"]
    assert len(lines) == 2 and len(bands) == 2
    assert all(t.line.shape == "hv" for t in lines)
    assert set(chart.data["group"]) == {"all", "first_intervention=housing_first"}
    # Steps at the published interval ends, the estimate holding until the next one.
    everyone = curves.filter(pl.col("group") == "all").sort("t_days")
    assert list(lines[0].x) == everyone["t_days"].to_list()
    assert "30-day intervals" in chart.footnote


def test_a_curve_that_stops_at_its_start_is_named_not_drawn(words, london):
    curves = london.survival("return_to_street", LONDON)
    start = curves.filter(pl.col("group") == "all").sort("t_days").head(1)
    lone = start.with_columns(group=pl.lit("first_intervention=settled"))
    chart = returns.survival_chart(
        words,
        pl.concat([curves.filter(pl.col("group") == "all"), lone]),
        "return_to_street",
        LONDON,
    )
    assert set(chart.data["group"]) == {"all"}
    assert "Not drawn, too few people for a curve beyond its start: Settled" in chart.footnote


def test_a_competing_risks_curve_stopped_at_its_start_says_why_in_place_of_the_chart(words, london):
    start = london.survival("return_to_street", LONDON).sort("t_days").head(1)
    only_start = start.with_columns(
        curve_id=pl.lit("return_to_street_cif"), competing_events=pl.lit(0), estimate=pl.lit(0.0)
    )
    chart = returns.cumulative_incidence_chart(words, only_start, "return_to_street_cif", LONDON)
    assert chart.figure is None
    assert chart.empty_message == (
        "Not drawn: too few deaths to hide in short intervals, so no curve beyond its start."
    )
    assert "stops where its deaths are too few to hide in an interval of at most 180 days" in (
        chart.footnote
    )


def test_hazard_ratios_on_a_log_axis_with_intervals(words, london):
    chart = compare.hazard_ratio_chart(words, london.comparisons(), "first_intervention")
    (trace,) = chart.figure.data
    assert chart.figure.layout.xaxis.type == "log"
    assert list(trace.x) == sorted(trace.x)
    assert len(trace.error_x.array) == 3
    assert "Housing First vs Hostel" in list(trace.y)


def test_figures_fetch_nothing_and_need_no_streamlit(words, london):
    m = london.metrics(geographies=LONDON)
    fig = trends.trend_chart(words, m, ["seen_rough_sleeping"]).figure
    assert isinstance(fig, go.Figure)
    text = fig.to_json()
    assert "mapbox" not in text and "http" not in text
    families = "borough_map, common, compare, headline, pathways, returns, trends"
    code = f"import sys; from app.charts import {families}; print('streamlit' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_csv_download_is_exactly_the_data_shown(words, london):
    chart = trends.flow_stock_returner_chart(words, london.metrics(geographies=LONDON), LONDON)
    back = pl.read_csv(chart.csv_bytes(), try_parse_dates=True)
    assert back.height == chart.data.height
    assert back["value"].to_list() == chart.data["value"].to_list()


def test_words_for_puts_codes_into_words_through_a_lookup_and_keeps_nulls():
    frame = pl.DataFrame({"geography_code": ["E09000007", "E12000007", None, "E09000007"]})
    out = frame.with_columns(
        common.words_for(frame, "geography_code", common.place_name).alias("place")
    )
    assert out.get_column("place").to_list() == ["Camden", "London", None, "Camden"]
