"""Compare interventions: curves by group, hazard ratios, and the caveat that goes with them."""

import polars as pl
import streamlit as st

from app import ui
from app.charts import compare, evaluation
from app.data import ScopeError
from contract.reference import LONDON_CODE, borough_name
from contract.vocabulary import OBSERVATIONAL_CAVEAT, capital

s = ui.page_session("compare")
r = s.release
words = s.words

VIEWS = {"comparisons": "Comparing interventions", "pilots": "Pilot evaluation"}
view = ui.select("View", list(VIEWS), key="compare_view", format_func=VIEWS.get, horizontal=True)
if view == "pilots":
    try:
        pilots, evaluation_table = r.pilots(), r.evaluation()
    except ScopeError as e:
        ui.refused(s, e)
        st.stop()
    st.info(evaluation.EVALUATION_CAVEAT, icon=":material/warning:")
    if not pilots:
        st.write(
            "No pilot in your scope is registered for evaluation in this release."
            if r.manifest.pilots
            else evaluation.NO_PILOTS_WORDS
        )
        st.stop()
    by_id = {p.id: p for p in pilots}
    title = {i: evaluation.pilot_title(p) for i, p in by_id.items()}
    pilot = by_id[
        ui.select("Pilot", list(by_id), key="compare_pilot", format_func=lambda i: title.get(i, i))
    ]
    st.subheader(evaluation.pilot_title(pilot), anchor=False)
    st.caption(
        " ".join(
            filter(
                None,
                [
                    pilot.description,
                    f"For {evaluation.TARGET_WORDS.get(pilot.target_group or '', 'everyone')}.",
                    f"Until {evaluation.month_words(pilot.end)}." if pilot.end else "Ongoing.",
                ],
            )
        )
    )
    st.markdown("#### Before and after, with London as the comparison")
    outcome = ui.select(
        "Outcome",
        list(evaluation.OUTCOMES),
        key="compare_pilot_outcome",
        format_func=lambda o: capital(evaluation.OUTCOME_WORDS[o]),
    )
    ui.show_chart(evaluation.before_after_chart(words, evaluation_table, pilot, outcome))
    st.markdown("\n\n".join(evaluation.before_after_summary(evaluation_table, pilot, outcome)))
    st.caption(evaluation.assumptions(evaluation.BEFORE_AFTER_ASSUMPTIONS))
    st.markdown("#### People in the pilot against similar people")
    st.markdown("\n\n".join(evaluation.weighted_summary(evaluation_table, pilot)))
    adjusted = evaluation.adjusted_returns_table(evaluation_table, pilot)
    if not adjusted.is_empty():
        st.markdown("**Returned to the street, adjusted for case mix**")
        st.dataframe(adjusted, hide_index=True)
        ui.page_table("Returned to the street, adjusted for case mix", adjusted)
    ui.show_chart(evaluation.balance_chart(words, evaluation_table, pilot))
    st.caption(evaluation.assumptions(evaluation.WEIGHTED_ASSUMPTIONS))
    st.stop()
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
