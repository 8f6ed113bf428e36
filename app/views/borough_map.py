"""Borough map: classed bands, a month slider, and a snapshot of the borough you click."""

import os
from datetime import date
from pathlib import Path

import polars as pl
import streamlit as st

from app import theme, ui
from app.charts import borough_map, common, headline
from app.charts import boundaries as boundaries_module
from app.data import HEADLINE_METRICS, ScopeError
from contract.periods import PERIOD_TYPES
from contract.reference import borough_codes, borough_name
from contract.vocabulary import PERIOD_WORDS, capital


@st.cache_resource
def _boundaries(path: str) -> dict:
    """A borough boundary GeoJSON named by PATHWAYS_BOUNDARIES, read once (else the one that
    ships with Pathways)."""
    return boundaries_module.load_boundaries(Path(path))


MAP_STYLE = os.environ.get("PATHWAYS_MAP_STYLE", "boundaries").strip().lower()


s = ui.page_session("map")
r = s.release
words = s.words

MAP_METRICS = ("seen_rough_sleeping", "flow_new", "stock", "returner", "living_on_streets")
PERIODS = {p: capital(PERIOD_WORDS[p]) for p in PERIOD_TYPES}
metric = ui.select(
    "Indicator", list(MAP_METRICS), key="map_metric", format_func=words.title, horizontal=False
)
try:
    all_totals = pl.concat([r.borough_totals(metric, p) for p in PERIODS])
    headline_totals = r.metrics(HEADLINE_METRICS, geographies=borough_codes(), breakdown="all")
except ScopeError as e:
    ui.refused(s, e)
    st.stop()


def _published_share(period_type: str) -> float:
    """The share of boroughs with a published figure in the latest period of this type."""
    rows = all_totals.filter(pl.col("period_type") == period_type)
    if rows.is_empty():
        return 0.0
    latest = rows.filter(pl.col("period_start") == rows.get_column("period_start").max())
    return latest.get_column("value").is_not_null().sum() / max(latest.height, 1)


available = [p for p in PERIODS if not all_totals.filter(pl.col("period_type") == p).is_empty()]
if not available:
    st.info("This release has no borough figures for this indicator.")
    st.stop()
# open on the finest period in which most boroughs have a published figure, so the map is not
# a sheet of grey where months are too sparse
default_period = next((p for p in available if _published_share(p) >= 0.5), available[-1])
wanted_month = st.query_params.get("month")
if wanted_month and "map_period" not in st.session_state:
    st.session_state["map_period"] = "month"
period_type = ui.select(
    "Period",
    available,
    key="map_period",
    index=available.index(default_period),
    format_func=PERIODS.get,
    horizontal=True,
)
totals = all_totals.filter(pl.col("period_type") == period_type)
headline_totals = headline_totals.filter(pl.col("period_type") == period_type)
months: list[date] = sorted(totals.get_column("period_start").unique().to_list())
if not months:
    st.info("This release has no borough figures for this period.")
    st.stop()

# a month in the address (?month=2024-03) opens the map there
slider_key = f"map_{period_type}" if period_type != "month" else "map_month"
if wanted_month and "map_month" not in st.session_state and period_type == "month":
    chosen = next((m for m in months if m.strftime("%Y-%m") == wanted_month), None)
    if chosen:
        st.session_state["map_month"] = chosen
if st.session_state.get(slider_key) not in months:
    st.session_state[slider_key] = months[-1]
month = st.select_slider(
    PERIODS[period_type],
    options=months,
    format_func=lambda d: common.period_label(d, period_type),
    **ui.audited(slider_key, PERIODS[period_type]),
)

# the selection comes from a click on the map, the keyboard picker, or the address
SELECTED = "map_selected"
MAP_KEY = "borough_map"


def _clicked(state: object) -> str | None:
    """The borough code a map click selected (Plotly tile map or pydeck boundaries)."""
    selection = state.get("selection", {}) if isinstance(state, dict) else {}
    for point in selection.get("points", []) or []:
        data = point.get("customdata")
        if data:
            return data[0]
    for obj in (selection.get("objects", {}) or {}).get(borough_map.MAP_LAYER_ID, []) or []:
        props = obj.get("properties", obj)
        if props.get("code"):
            return props["code"]
    return None


clicked = _clicked(st.session_state.get(MAP_KEY))
if clicked and clicked != st.session_state.get("_map_last_click"):
    st.session_state["_map_last_click"] = clicked
    st.session_state[SELECTED] = clicked
    st.session_state["map_pick"] = clicked
    s.log("select", {"borough": clicked, "via": "map click"})
if SELECTED not in st.session_state:
    asked = st.query_params.get("borough")
    default = asked if asked in borough_codes() else (s.role.borough or "E09000033")
    st.session_state[SELECTED] = default
    st.session_state["map_pick"] = default

bands = theme.count_bands(totals.get_column("value").to_list(), threshold=r.manifest.sdc.threshold)
selected = st.session_state[SELECTED]
boundaries_file = os.environ.get("PATHWAYS_BOUNDARIES")
boundaries = _boundaries(boundaries_file) if boundaries_file else None
chart = borough_map.borough_map(
    words,
    totals,
    metric,
    month,
    bands,
    selected=selected,
    boundaries=boundaries,
    style=MAP_STYLE,
    period_type=period_type,
)

left, right = st.columns([3, 2], gap="large")
with left:
    ui.show_chart(
        chart, height=520, select_key=MAP_KEY, bands=bands,
        suppressed_label=words.suppressed_label,
    )  # fmt: skip


def _picked() -> None:
    st.session_state[SELECTED] = st.session_state["map_pick"]
    s.log("select", {"borough": st.session_state["map_pick"], "via": "picker"})


with right:
    st.selectbox(
        "Borough (or click the map)",
        list(borough_codes()),
        format_func=borough_name,
        key="map_pick",
        on_change=_picked,
    )
    code = st.session_state[SELECTED]
    st.subheader(f"{borough_name(code)} — {common.period_label(month, period_type)}", anchor=False)
    row = headline_totals.filter(
        (pl.col("geography_code") == code) & (pl.col("period_start") == month)
    )
    values = {m: v for m, v in zip(row["metric_id"], row["value"], strict=True)}
    for m in HEADLINE_METRICS:
        v = values.get(m)
        h = headline.headline(headline_totals, m, period_type, code, period_start=month)
        ui.metric_tile(
            words.title(m),
            v,
            delta=h.change_on_previous,
            words=words,
            delta_words=f"on {h.previous_label}",
            status=h.status,
        )
    month_rows = chart.data.filter(pl.col("value").is_not_null()).sort("value", descending=True)
    rank = next((i for i, c in enumerate(month_rows["geography_code"], start=1) if c == code), None)
    band = chart.data.filter(pl.col("geography_code") == code)["band"].item()
    st.caption(
        f"{words.title(metric)}: band {band}"
        + (f"; {rank} of {month_rows.height} boroughs with a published figure." if rank else ".")
        + f" {capital(words.fewer_than)} people are never shown."
    )
    if r.can_see_detail(code):
        if st.button("Open the full borough snapshot", key="open_snapshot", type="primary"):
            st.session_state["snapshot_borough"] = code
            st.switch_page("views/snapshot.py", query_params={"borough": code})
    else:
        st.caption(
            "The full snapshot is open to your own borough only; this is its published total."
        )
