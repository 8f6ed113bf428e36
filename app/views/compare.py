"""Compare interventions: curves by group, hazard ratios, and the caveat that goes with them."""

import polars as pl
import streamlit as st

from app import figures, ui
from app.data import ScopeError
from pipelines.release_reader import LONDON_CODE

s = ui.page_session("compare", "Compare interventions")
r = s.release
words = s.words
try:
    comparisons = r.comparisons()
    curves = r.survival("return_to_street", LONDON_CODE)
except ScopeError as e:
    ui.refused(s, e)
    st.stop()

st.info(figures.OBSERVATIONAL_CAVEAT, icon=":material/warning:")
ids = comparisons.get_column("comparison_id").unique().sort().to_list()
if not ids:
    st.info("This release has no published comparisons.")
    st.stop()
NAMES = {
    "first_intervention": "By first intervention",
    "pilot_vs_other": "Pilot boroughs against the rest",
    "borough": "A borough against the rest of London",
}
comparison = ui.select(
    "Comparison",
    ids,
    key="compare_id",
    index=ids.index("first_intervention") if "first_intervention" in ids else 0,
    format_func=lambda c: NAMES.get(c, c.replace("_", " ")),
)
if comparison == "first_intervention":
    groups = [g for g in curves.get_column("group").unique().sort().to_list() if g != "all"]
    ui.show_chart(
        figures.survival_chart(
            words,
            curves.filter(pl.col("group").is_in(groups)),
            "return_to_street",
            LONDON_CODE,
            title="Return to the street by first intervention — London",
        )
    )
ui.show_chart(figures.hazard_ratio_chart(words, comparisons, comparison))
st.markdown("**Every statistic of this comparison**")
table = figures.comparison_table(comparisons, comparison).with_columns(
    pl.when(pl.col("p_value") < 0.001)
    .then(pl.lit("<0.001"))
    .otherwise(pl.col("p_value").cast(pl.String))
    .alias("p_value")
)
st.dataframe(
    ui.readable(table).rename(
        {"group_a": "group", "group_b": "against", "value": "estimate", "ci_lower": "lower 95%",
         "ci_upper": "upper 95%", "p_value": "p", "n_a": "group size", "n_b": "against size"}
    ),
    hide_index=True,
)  # fmt: skip
st.caption(
    "Group sizes are rounded to the nearest 5. A log-rank test asks whether the curves differ at "
    "all; a hazard ratio says by how much, under the model's assumptions."
)
