"""Returns to the street: survival curves, number at risk, competing risks, fixed-day values."""

import polars as pl
import streamlit as st

from app import ui
from app.charts import common, returns
from app.data import ScopeError
from contract.curves import REPORT_DAYS
from contract.reference import LONDON_CODE, borough_name

s = ui.page_session("returns")
r = s.release
words = s.words
try:
    curves = r.survival()
except ScopeError as e:
    ui.refused(s, e)
    st.stop()

present = set(curves.get_column("geography_code").to_list())
places = [g for g in r.detail_geographies if g in present]
if not places:
    st.info("This release has no published survival curves for the places you can see.")
    st.stop()
kaplan = curves.filter(pl.col("curve_id") == "return_to_street")
left, right = st.columns(2)
with left:
    # a borough lead opens on their own borough
    own = r.role.borough if r.role.borough in places else None
    place = ui.select(
        "Place",
        places,
        key="returns_place",
        format_func=borough_name,
        index=places.index(own) if own else 0,
    )
groups_here = (
    kaplan.filter(pl.col("geography_code") == place).get_column("group").unique().sort().to_list()
)
with right:
    groups = st.multiselect(
        "Groups",
        groups_here,
        default=["all"] if "all" in groups_here else groups_here[:1],
        format_func=common.group_words,
        **ui.audited("returns_groups", "Groups"),
    )
compare_london = place != LONDON_CODE and st.checkbox(
    "Show London alongside", value=True, **ui.audited("returns_compare_london", "Show London")
)
shown = kaplan.filter(
    pl.col("group").is_in(groups)
    & pl.col("geography_code").is_in([place, LONDON_CODE] if compare_london else [place])
)
chart = returns.survival_chart(
    words, shown, "return_to_street", place, groups=groups,
    compare_geography=LONDON_CODE if compare_london else None,
)  # fmt: skip
ui.show_chart(chart)

days = ", ".join(str(d) for d in REPORT_DAYS[:-1]) + f" and {REPORT_DAYS[-1]}"
st.markdown(f"**Read off the curve at {days} days** (per cent still off the street)")
at_days = returns.survival_at_days(shown)
at_days = at_days.with_columns(
    common.words_for(at_days, "geography_code", borough_name).alias("place"),
    common.words_for(at_days, "group", common.group_words),
).select("place", "group", "day", "estimate_pct", "ci_lower_pct", "ci_upper_pct", "at_risk")
st.dataframe(
    ui.readable(at_days).rename(
        {"estimate_pct": "still off the street (%)", "ci_lower_pct": "lower 95%",
         "ci_upper_pct": "upper 95%", "at_risk": "at risk"}
    ),
    hide_index=True,
)  # fmt: skip
st.markdown(
    f"**Number at risk** (rounded to the nearest {words.sdc['rounding_base']}; a dash once the "
    "curve stops)"
)
at_risk = returns.number_at_risk(shown)
st.dataframe(ui.readable(at_risk), hide_index=True)
ui.page_table("Number at risk", at_risk)
ui.data_footer(
    common.Chart(
        key=f"survival-table-{place}",
        title="Survival at fixed days",
        subtitle=chart.subtitle,
        footnote=chart.footnote,
        figure=None,
        data=at_days,
    )
)

st.divider()
ui.show_chart(
    returns.cumulative_incidence_chart(
        words,
        curves.filter(pl.col("curve_id") == "return_to_street_cif"),
        "return_to_street_cif",
        place,
        groups=groups,
    )
)
st.divider()
ui.show_chart(
    returns.survival_chart(
        words,
        curves.filter(pl.col("curve_id") == "time_to_accommodation"),
        "time_to_accommodation",
        place,
        groups=["all"],
        y_title="not yet accommodated (%)",
        x_title="days since first seen",
        title=f"Brief: time from first seen to accommodation — {borough_name(place)}",
    )
)
