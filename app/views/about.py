"""About this data: sources, definitions, disclosure rules, linkage quality, who sees what."""

import re

import polars as pl
import streamlit as st

from app import ui
from app.auth import ROLE_WORDS
from app.charts import common, evaluation
from contract.release import is_quality_share
from contract.vocabulary import SOURCE_NAMES

s = ui.page_session("about")
info = s.release.manifest

st.markdown(
    "Pathways links the records that London's street outreach teams (CHAIN), borough housing "
    "options services (H-CLIC) and hostel providers (In-Form) keep about the same people, turns "
    "them into anonymised journeys, and publishes only counts that passed disclosure control. "
    "This dashboard reads that published release and nothing else: it never sees a name, a date "
    "of birth, a pseudonym or a single person's record."
)
if info.synthetic:
    st.warning("This release is synthetic: generated data, not real people.")

st.header("Sources", anchor=False)
sources = pl.DataFrame(
    {
        "source": [SOURCE_NAMES.get(k, k) for k in info.source_extract_dates],
        "extract date": [d.isoformat() for d in info.source_extract_dates.values()],
    },
    schema={"source": pl.String, "extract date": pl.String},
)
st.dataframe(sources, hide_index=True)
ui.page_table("Sources", sources)
st.caption(
    f"Release {info.release_id}, created {info.created_at:%Y-%m-%d %H:%M} UTC; data from "
    f"{info.data_period.start} to {info.data_period.end}; code version "
    f"{info.code_version or 'not recorded'}."
)

st.header("Definitions", anchor=False)
st.caption(f"Definitions version {info.definitions_version or 'not recorded'}.")
st.markdown(
    "\n".join(
        f"- **{d.title}** (`{d.id}`, version {d.version}, unit: {d.unit}): {d.definition}"
        for d in map(s.words.definition, (d.id for d in info.definitions))
    )
    or "This release carries no definitions."
)

st.header("Pilots", anchor=False)
if info.pilots:
    register = evaluation.register_table(info.pilots)
    st.dataframe(register, hide_index=True)
    ui.page_table("Pilots", register)
    st.caption(evaluation.REGISTER_WORDS)
else:
    st.write(evaluation.NO_PILOTS_WORDS)

st.header("Disclosure rules", anchor=False)
# the rules file has its own top-level headings: nest them under this page's header
st.markdown(
    re.sub(
        r"^(#{1,4}) ",
        lambda m: "#" * (len(m.group(1)) + 2) + " ",
        s.release.disclosure_rules,
        flags=re.M,
    )
)
st.caption("Settings: " + ", ".join(f"{k} = {v}" for k, v in info.sdc.model_dump().items()))

st.header("Linkage and data quality", anchor=False)
quality = s.release.quality()
if quality.is_empty():
    st.write("This release carries no quality indicators.")
else:
    if {"indicator", "value"} <= set(quality.columns):
        share = common.words_for(quality, "indicator", is_quality_share, pl.Boolean)
        quality = quality.with_columns(
            pl.when(pl.col("value").is_null())
            .then(pl.lit("—"))
            .when(share)
            .then(pl.format("{}%", (pl.col("value") * 100).round(1)))
            .otherwise(pl.col("value").round(0).cast(pl.Int64).cast(pl.String))
            .alias("value"),
            pl.col("indicator").str.replace_all("_", " "),
        )
    st.dataframe(ui.readable(quality), hide_index=True)
    ui.page_table("Linkage and data quality", quality)
    st.caption("Aggregate indicators per source and period; no record-level detail is published.")

st.header("Who can see what", anchor=False)
st.markdown(
    "| role | sees |\n|---|---|\n"
    + "\n".join(
        f"| {role} | {ROLE_WORDS[kind]} |"
        for role, kind in (
            ("Pan-London lead (`london`)", "london"),
            ("Borough lead (`borough:<ONS code>`)", "borough"),
            ("Taskforce overview (`overview`)", "overview"),
            ("Administrator (`admin`)", "admin"),
        )
    )
)
st.markdown(
    f"You are signed in with the role **{s.role.label}**. Everyone states a purpose when a "
    "session starts; every sign-in, page view, filter change and download is written to a "
    "tamper-evident audit log that the information governance lead can check."
)

st.header("What Pathways will never show", anchor=False)
st.markdown(ui.never_shown(info.sdc.model_dump()))

ui.release_download(s)
