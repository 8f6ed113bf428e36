"""London overview: headline indicators, monthly trends, flow/stock/returner, the three aims."""

import streamlit as st

from app import ui
from app.charts import trends
from app.data import HEADLINE_METRICS, ScopeError
from contract.reference import LONDON_CODE

s = ui.page_session("overview")
r = s.release
words = s.words
overview_only = s.role.kind == "overview"
try:
    if overview_only:
        metrics = r.metrics(HEADLINE_METRICS, period_type="month", geographies=LONDON_CODE)
    else:
        metrics = r.metrics(geographies=LONDON_CODE, breakdown=None)
except ScopeError as e:
    ui.refused(s, e)
    st.stop()

period_types = ("month",) if overview_only else ("month", "quarter", "fy")
ui.headline_section(s, metrics, LONDON_CODE, period_types, HEADLINE_METRICS, key="headlines-london")

st.divider()
# each trend is drawn by the finest period whose recent figures are mostly published
ui.show_chart(
    trends.by_readable_period(
        metrics,
        ["seen_rough_sleeping"],
        LONDON_CODE,
        lambda by: trends.trend_chart(
            words, metrics, ["seen_rough_sleeping"], LONDON_CODE, period_type=by
        ),
    )
)
ui.show_chart(
    trends.by_readable_period(
        metrics,
        trends.FLOW_STOCK_RETURNER,
        LONDON_CODE,
        lambda by: trends.flow_stock_returner_chart(words, metrics, LONDON_CODE, period_type=by),
    )
)

if not overview_only:
    st.divider()
    ui.show_chart(
        trends.by_readable_period(
            metrics,
            ["flow_new", "new_single_night", "returner"],
            LONDON_CODE,
            lambda by: trends.rare_brief_nonrecurrent(words, metrics, LONDON_CODE, period_type=by),
        )
    )
    st.divider()
    st.header("Who is seen rough sleeping", anchor=False)
    st.caption("Financial year breakdowns for London as a whole. Nationality is shown only here.")
    breakdown = ui.select(
        "Breakdown",
        ["age_band", "gender", "nationality_group"],
        key="overview_breakdown",
        format_func=lambda b: b.replace("_", " ").capitalize(),
    )
    ui.show_chart(
        trends.breakdown_chart(words, metrics, "seen_rough_sleeping", breakdown, LONDON_CODE)
    )

ui.pack_section(s)
