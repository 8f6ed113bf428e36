"""Outcomes: the three Life off the Streets aims for London or a borough, each chart drawn from
the chart catalogue's Outcomes entries (registry metrics over time, inflow against outflow,
return to the street at 3, 6 and 12 months), then the equity views (outcomes by group)."""

import streamlit as st

from app import ui
from app.catalogue import EQUITY, LIFE_OFF_THE_STREETS, Scene
from app.data import ScopeError
from contract.reference import LONDON_CODE, borough_codes, borough_name

s = ui.page_session("outcomes")
r = s.release

places = [g for g in (LONDON_CODE, *borough_codes()) if r.can_see_detail(g)]
own = s.role.borough if s.role.borough in places else LONDON_CODE
code = ui.select(
    "Place",
    places,
    key="outcomes_place",
    format_func=lambda g: "London" if g == LONDON_CODE else borough_name(g),
    index=places.index(own),
)
compare = LONDON_CODE if code != LONDON_CODE else None
try:
    r.require_detail(code, "outcomes")
    metrics = r.metrics(geographies=[code], breakdown=None)
    survival = r.survival("return_to_street", [code, *([compare] if compare else [])])
except ScopeError as e:
    ui.refused(s, e)
    st.stop()

st.caption(
    "London's Life off the Streets aims: that nobody spends a first night, or a second, on the "
    "streets; that nobody lives on the streets; and that nobody returns to them. Each chart is "
    "drawn by the finest period (month, quarter or financial year) whose figures are mostly "
    "published. The chart pack holds every aim at once."
)
# one aim at a time: each is several charts, and a page of all of them is slow to send
section = ui.select(
    "Show", [*LIFE_OFF_THE_STREETS, EQUITY], key="outcomes_section", horizontal=True
)
ui.draw_catalogue(s, Scene(s.words, metrics, code, compare, survival=survival), heading=section)
