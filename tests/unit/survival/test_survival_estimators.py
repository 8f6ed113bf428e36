"""The vectorised estimators against a plain-Python Kaplan–Meier and against lifelines."""

from __future__ import annotations

import math
import warnings

import numpy as np
import polars as pl
import pytest
from lifelines import AalenJohansenFitter, KaplanMeierFitter

from metrics._survival_estimators import aalen_johansen, event_table, kaplan_meier

KEYS = ["curve"]


def reference_km(times: list[int], events: list[bool]) -> dict[int, float]:
    """Kaplan–Meier by hand: S just after each distinct time, in plain Python."""
    survival, result = 1.0, {0: 1.0}
    for t in sorted(set(times)):
        at_risk = sum(1 for x in times if x >= t)
        died = sum(1 for x, e in zip(times, events, strict=True) if x == t and e)
        survival *= 1 - died / at_risk
        result[t] = survival
    return result


def reference_cif(times: list[int], outcomes: list[int]) -> dict[int, float]:
    """Aalen–Johansen by hand: sum of S_all(t-) * d_event / n, ties allowed."""
    overall, incidence, result = 1.0, 0.0, {0: 0.0}
    for t in sorted(set(times)):
        at_risk = sum(1 for x in times if x >= t)
        d_event = sum(1 for x, o in zip(times, outcomes, strict=True) if x == t and o == 1)
        d_any = sum(1 for x, o in zip(times, outcomes, strict=True) if x == t and o != 0)
        incidence += overall * d_event / at_risk
        overall *= 1 - d_any / at_risk
        result[t] = incidence
    return result


def curves(frame: pl.DataFrame, estimator) -> pl.DataFrame:
    return estimator(event_table(frame, KEYS), KEYS).collect()


def random_durations(seed: int, n: int, distinct: bool) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    times = (
        rng.choice(np.arange(1, 5 * n), size=n, replace=False)
        if distinct
        else rng.integers(0, 40, size=n)
    )
    return pl.DataFrame(
        {
            "curve": rng.choice(["a", "b", "c"], size=n),
            "t": times,
            "outcome": rng.choice([0, 1, 2], size=n, p=[0.4, 0.45, 0.15]),
        }
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_kaplan_meier_matches_a_plain_python_reference_to_1e_9(seed):
    frame = random_durations(seed, 300, distinct=False)  # many ties, and events on day 0
    got = curves(frame, kaplan_meier)
    for name in ("a", "b", "c"):
        part = frame.filter(pl.col("curve") == name)
        expected = reference_km(part["t"].to_list(), (part["outcome"] == 1).to_list())
        rows = got.filter(pl.col("curve") == name)
        assert rows["t"].to_list() == sorted(expected)
        for t, estimate in zip(rows["t"], rows["estimate"], strict=True):
            assert estimate == pytest.approx(expected[t], abs=1e-9)


@pytest.mark.parametrize("seed", [4, 5])
def test_cumulative_incidence_matches_a_plain_python_reference_with_ties(seed):
    frame = random_durations(seed, 300, distinct=False).with_columns(
        pl.col("t").clip(lower_bound=1)
    )
    got = curves(frame, aalen_johansen)
    for name in ("a", "b", "c"):
        part = frame.filter(pl.col("curve") == name)
        expected = reference_cif(part["t"].to_list(), part["outcome"].to_list())
        rows = got.filter(pl.col("curve") == name)
        for t, estimate in zip(rows["t"], rows["estimate"], strict=True):
            assert estimate == pytest.approx(expected[t], abs=1e-9)


def test_risk_set_counts_add_up():
    frame = random_durations(6, 200, distinct=False)
    got = curves(frame, kaplan_meier)
    for name in ("a", "b", "c"):
        rows = got.filter(pl.col("curve") == name)
        n = frame.filter(pl.col("curve") == name).height
        assert rows["at_risk"][0] == n
        assert (rows["n_events"] + rows["n_censored"]).sum() == n
        # Those at risk at the next time are those at risk now minus those who left now.
        left = (rows["n_events"] + rows["n_censored"]).to_list()
        at_risk = rows["at_risk"].to_list()
        assert all(at_risk[i + 1] == at_risk[i] - left[i] for i in range(len(at_risk) - 1))


@pytest.mark.parametrize("seed", [7, 8])
def test_kaplan_meier_and_band_match_lifelines(seed):
    frame = random_durations(seed, 250, distinct=False).with_columns(curve=pl.lit("a"))
    got = curves(frame, kaplan_meier)
    fitter = KaplanMeierFitter().fit(frame["t"].to_numpy(), frame["outcome"].to_numpy() == 1)
    assert fitter.survival_function_.index.tolist() == got["t"].to_list()
    np.testing.assert_allclose(got["estimate"], fitter.survival_function_.iloc[:, 0], atol=1e-9)
    band = fitter.confidence_interval_.to_numpy()
    np.testing.assert_allclose(got["ci_lower"], band[:, 0], atol=1e-9)
    np.testing.assert_allclose(got["ci_upper"], band[:, 1], atol=1e-9)


@pytest.mark.parametrize("seed", [9, 10, 11])
def test_cumulative_incidence_and_band_match_lifelines_aalen_johansen(seed):
    # Distinct event times: lifelines jitters tied times of different kinds, which we do not.
    frame = random_durations(seed, 150, distinct=True).with_columns(curve=pl.lit("a"))
    got = curves(frame, aalen_johansen)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no jitter may have happened
        fitter = AalenJohansenFitter().fit(
            frame["t"].to_numpy(), frame["outcome"].to_numpy(), event_of_interest=1
        )
    assert fitter.cumulative_density_.index.tolist() == got["t"].to_list()
    np.testing.assert_allclose(got["estimate"], fitter.cumulative_density_.iloc[:, 0], atol=1e-9)
    # lifelines names its columns upper-then-lower but fills them lower-then-upper.
    band = np.sort(fitter.confidence_interval_.to_numpy(), axis=1)
    defined = ~np.isnan(band[:, 0])
    assert not defined[0]  # before any return lifelines has no band; ours is [0, 0]
    assert (got["ci_lower"][0], got["ci_upper"][0]) == (0.0, 0.0)
    np.testing.assert_allclose(got["ci_lower"].to_numpy()[defined], band[defined, 0], atol=1e-9)
    np.testing.assert_allclose(got["ci_upper"].to_numpy()[defined], band[defined, 1], atol=1e-9)


def test_band_brackets_the_estimate():
    frame = random_durations(12, 400, distinct=False)
    for estimator in (kaplan_meier, aalen_johansen):
        got = curves(frame, estimator)
        assert (got["ci_lower"] <= got["estimate"] + 1e-12).all()
        assert (got["estimate"] <= got["ci_upper"] + 1e-12).all()
        assert got["ci_lower"].is_between(0, 1).all() and got["ci_upper"].is_between(0, 1).all()


def test_everyone_censored_gives_a_flat_curve_with_a_band_of_one():
    frame = pl.DataFrame({"curve": ["a"] * 3, "t": [5, 9, 9], "outcome": [0, 0, 2]})
    got = curves(frame, kaplan_meier)
    assert got["estimate"].to_list() == [1.0, 1.0, 1.0]
    assert got["ci_lower"].to_list() == [1.0, 1.0, 1.0]
    assert not any(math.isnan(x) for x in got["ci_upper"])
