"""Compare interventions: curves by group, hazard ratios, and the caveat that goes with them."""

import polars as pl
import streamlit as st

from app import ui
from app.charts import compare
from app.data import ScopeError
from contract.reference import LONDON_CODE, borough_name
from contract.vocabulary import OBSERVATIONAL_CAVEAT, capital

s = ui.page_session("compare")
r = s.release
words = s.words
try:
    comparisons = r.comparisons()
except ScopeError as e:
    ui.refused(s, e)
    st.stop()

st.info(
    words.definition("comparisons").definition or OBSERVATIONAL_CAVEAT, icon=":material/warning:"
)
ids = comparisons.get_column("comparison_id").unique().sort().to_list()
if not ids:
    st.info("This release has no published comparisons.")
    st.stop()
comparison = ui.select(
    "Comparison",
    ids,
    key="compare_id",
    index=ids.index("first_intervention") if "first_intervention" in ids else 0,
    format_func=lambda c: capital(compare.comparison_name(c)),
)
rows = comparisons.filter(pl.col("comparison_id") == comparison)
curve_id = f"compare:{comparison}"
curve_place = LONDON_CODE
if comparison == "borough":
    # one row per borough against the rest of London: pick the borough to draw
    codes = sorted(
        {g.split("=", 1)[1] for g in rows.get_column("group_a").to_list()} - {"rest_of_london"},
        key=borough_name,
    )
    own = r.role.borough if r.role.kind == "borough" else None
    curve_place = ui.select(
        "Borough",
        codes,
        key="compare_borough",
        index=codes.index(own) if own in codes else 0,
        format_func=borough_name,
    )
try:
    curves = r.survival(curve_id, curve_place)
except ScopeError:
    curves = r.survival(curve_id).head(0)
ui.show_chart(compare.comparison_curves_chart(words, curves, comparison, curve_place))
ui.show_chart(compare.hazard_ratio_chart(words, comparisons, comparison))
st.markdown("**Every statistic of this comparison**")
table = compare.comparison_table(comparisons, comparison).rename(
    {"group_a": "group", "group_b": "against", "value": "estimate", "ci_lower": "lower 95%",
     "ci_upper": "upper 95%", "p_value": "p", "n_a": "group size", "n_b": "against size"},
    strict=False,
)  # fmt: skip
st.dataframe(ui.readable(table), hide_index=True)
ui.page_table("Every statistic of this comparison", table)
st.caption(
    f"Group sizes are rounded to the nearest {words.sdc['rounding_base']}. A log-rank test asks "
    "whether the curves differ at all; a hazard ratio says by how much, under the model's assumptions. A small p in the "
    "proportional-hazards check warns that the hazard ratio changes over time, so read it as an "
    "average."
)
