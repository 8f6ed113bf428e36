"""Hypothesis hunts for survival data the hand-drawn cases missed."""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from metrics._survival_estimators import aalen_johansen, event_table, kaplan_meier

people = st.lists(
    st.tuples(st.integers(0, 30), st.sampled_from([0, 1, 2])), min_size=1, max_size=40
)


def by_hand(rows: list[tuple[int, int]]) -> tuple[dict[int, float], dict[int, float]]:
    survival, overall, incidence = 1.0, 1.0, 0.0
    km, cif = {0: 1.0}, {0: 0.0}
    for t in sorted({t for t, _ in rows}):
        n = sum(1 for x, _ in rows if x >= t)
        d_event = sum(1 for x, o in rows if x == t and o == 1)
        d_any = sum(1 for x, o in rows if x == t and o != 0)
        survival *= 1 - d_event / n
        incidence += overall * d_event / n
        overall *= 1 - d_any / n
        km[t], cif[t] = survival, incidence
    return km, cif


@settings(max_examples=150, deadline=None)
@given(people)
def test_estimators_agree_with_a_hand_calculation_on_any_small_data(rows):
    frame = pl.DataFrame(rows, schema={"t": pl.Int64, "outcome": pl.Int8}, orient="row")
    frame = frame.with_columns(curve=pl.lit("x"))
    table = event_table(frame, ["curve"])
    km = kaplan_meier(table, ["curve"]).collect()
    cif = aalen_johansen(table, ["curve"]).collect()
    km_hand, cif_hand = by_hand(rows)
    assert km["t"].to_list() == sorted(km_hand)
    for t, s, f in zip(km["t"], km["estimate"], cif["estimate"], strict=True):
        assert abs(s - km_hand[t]) < 1e-9 and abs(f - cif_hand[t]) < 1e-9
    assert km["estimate"].diff().drop_nulls().le(1e-15).all()  # never rises
    assert cif["estimate"].diff().drop_nulls().ge(-1e-15).all()  # never falls
    assert km["at_risk"][0] == len(rows)
    for frame_ in (km, cif):
        for column in ("ci_lower", "ci_upper"):
            assert frame_[column].null_count() == 0 and not frame_[column].is_nan().any()
            assert frame_[column].is_between(0.0, 1.0).all()
