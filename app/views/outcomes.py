"""Outcomes: the three Life off the Streets aims for London or a borough, each chart drawn from
the chart catalogue's Outcomes entries (registry metrics over time, inflow against outflow,
return to the street at 3, 6 and 12 months), then the equity views (outcomes by group), then the
service directory (the outreach teams and hostel providers of each borough, by financial year)."""

import polars as pl
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
SERVICES = "Services"


def services_section(code: str) -> None:
    """The service directory of this place (London: every borough in scope) for one year."""
    st.header(SERVICES)
    services = r.services(None if code == LONDON_CODE else [code])
    years = sorted(set(services["period_start"].to_list()), reverse=True)
    if not years:
        st.info("This release holds no service directory for this place.")
        return
    year = ui.select(
        "Financial year",
        years,
        key="services_year",
        format_func=lambda d: f"{d.year}-{(d.year + 1) % 100:02d}",
    )
    shown = services.filter(pl.col("period_start") == year)
    boroughs = sorted(set(shown["geography_code"]))
    where = borough_name(boroughs[0]) if len(boroughs) == 1 else "every borough"
    st.subheader(
        f"Outreach teams and hostel providers — {where}, {year.year}-{(year.year + 1) % 100:02d}"
    )
    kinds = {
        "outreach": "Outreach team (people seen bedded down)",
        "hostel": "Hostel provider (people who stayed)",
    }
    table = shown.select(
        pl.col("geography_code")
        .replace_strict({g: borough_name(g) for g in borough_codes()})
        .alias("borough"),
        pl.col("kind").replace_strict(kinds).alias("service"),
        pl.col("service").alias("name"),
        pl.when(pl.col("status") == "suppressed")
        .then(pl.lit("suppressed"))
        .otherwise(pl.col("people").cast(pl.String))
        .alias("people"),
    ).sort("borough", "service", "name")
    st.dataframe(table, hide_index=True)
    ui.page_table("Outreach teams and hostel providers", table, key="services")
    st.caption(
        "For each borough and financial year: the people each outreach team saw bedded down in the "
        "borough, and the people who stayed with each hostel provider there. Only teams and "
        "providers in the service register are named; the others are counted together. A person "
        "seen by two teams is counted by both, so the teams' figures do not add up to the "
        "borough's people seen rough sleeping. A directory of services, by borough and year only: "
        f"counts are rounded to the nearest {s.words.sdc['rounding_base']}, and a figure under "
        f"{s.words.sdc['threshold']} is suppressed, as are a borough's teams in a year whose total "
        "is suppressed."
    )


section = ui.select(
    "Show", [*LIFE_OFF_THE_STREETS, EQUITY, SERVICES], key="outcomes_section", horizontal=True
)
if section == SERVICES:
    services_section(code)
else:
    ui.draw_catalogue(s, Scene(s.words, metrics, code, compare, survival=survival), heading=section)
