"""London overview: the catalogue's charts for the overview page (headline indicators, trends,
the three aims, who is seen), then the monthly chart pack."""

import streamlit as st

from app import ui
from app.catalogue import Scene
from app.data import OVERVIEW_METRICS, ScopeError
from contract.reference import LONDON_CODE

s = ui.page_session("overview")
r = s.release
try:
    if s.role.kind == "overview":
        metrics = r.metrics(OVERVIEW_METRICS, period_type="month", geographies=LONDON_CODE)
    else:
        metrics = r.metrics(geographies=LONDON_CODE, breakdown=None)
except ScopeError as e:
    ui.refused(s, e)
    st.stop()

ui.draw_catalogue(s, Scene(s.words, metrics, LONDON_CODE))
ui.pack_section(s)
