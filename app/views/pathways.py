"""Pathways: where a cohort came from and went, as a Sankey, and the most common paths."""

import polars as pl
import streamlit as st

from app import ui
from app.charts import pathways
from app.data import ScopeError
from contract.reference import borough_name

s = ui.page_session("pathways")
r = s.release
words = s.words
try:
    links = r.pathways()
    paths = r.paths()
except ScopeError as e:
    ui.refused(s, e)
    st.stop()

places = [g for g in r.detail_geographies if g in set(links.get_column("geography_code").to_list())]
if not places:
    st.info("This release has no published pathways for the places you can see.")
    st.stop()
left, right = st.columns(2)
with left:
    # a borough lead opens on their own borough
    own = r.role.borough if r.role.borough in places else None
    place = ui.select(
        "Place",
        places,
        key="pathways_place",
        format_func=borough_name,
        index=places.index(own) if own else 0,
    )
cohorts = sorted(
    links.filter(pl.col("geography_code") == place).get_column("cohort_period").unique().to_list()
)
# open on the latest whole financial year: a quarter's cohort is mostly small numbers
years = [c for c in cohorts if " " not in c]
default_cohort = years[-1] if years else (cohorts[-1] if cohorts else None)
with right:
    cohort = ui.select(
        "Cohort: people first seen in",
        cohorts,
        key="pathways_cohort",
        index=cohorts.index(default_cohort) if default_cohort else 0,
    )
if cohort is None:
    st.info("No published pathways for this place.")
    st.stop()
st.caption(
    "Stages: before first seen (a housing approach, leaving an institution, or nothing known) → "
    "first response within 90 days → where people were at 6 months → and at 12 months. "
    "NSNO hub: a No Second Night Out assessment hub. 'Not known': no record in any source at that "
    "point, which is not the same as being settled."
)
ui.show_chart(pathways.sankey_chart(words, links, place, cohort))
ui.show_chart(pathways.top_paths_chart(words, paths, place, cohort))
