"""The fast proportional-hazards test gives lifelines' answer."""

from __future__ import annotations

import numpy as np
import pandas as pd
import polars as pl
import pytest
from lifelines import CoxPHFitter
from lifelines.statistics import proportional_hazard_test

from metrics._cox import CoxFit, fit_cox
from metrics.compare import proportional_hazards_test


def _fitted(data: pd.DataFrame) -> tuple[CoxFit, pl.DataFrame]:
    """The comparisons' own Cox fit of a model frame (``t``, ``event``, then the terms)."""
    terms = list(data.columns[2:])
    fit = fit_cox(data[terms].to_numpy(), data["t"].to_numpy(), data["event"].to_numpy(), terms)
    return fit, pl.from_pandas(data)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_matches_lifelines_proportional_hazard_test_with_tied_times(seed):
    rng = np.random.default_rng(seed)
    n = 300
    data = pd.DataFrame(
        {
            "t": rng.integers(1, 50, n).astype(float),  # many ties, handled the Efron way
            "event": (rng.random(n) < 0.6).astype(int),
            "group_a": rng.integers(0, 2, n),
            "need": rng.integers(0, 2, n),
            "score": rng.normal(size=n),
        }
    )
    # lifelines run to the same precision as the comparisons' own fit
    fitter = CoxPHFitter().fit(data, "t", "event", fit_options={"precision": 1e-12})
    expected = proportional_hazard_test(fitter, data, time_transform="rank").summary
    fit, frame = _fitted(data)
    for term in ("group_a", "need", "score"):
        statistic, p_value = proportional_hazards_test(fit, frame, term)
        assert statistic == pytest.approx(expected.loc[term, "test_statistic"], rel=1e-7)
        assert p_value == pytest.approx(expected.loc[term, "p"], rel=1e-7)


def test_detects_a_hazard_ratio_that_changes_over_time():
    rng = np.random.default_rng(7)
    n = 600
    group = rng.integers(0, 2, n)
    # Group 1 returns fast early and not at all late; group 0 steadily.
    t = np.where(group == 1, rng.exponential(10, n), rng.exponential(60, n)).round() + 1
    late = (group == 1) & (rng.random(n) < 0.4)
    t = np.where(late, 150 + rng.integers(0, 50, n), t)
    data = pd.DataFrame({"t": t, "event": (~late).astype(int), "group_a": group})
    fit, frame = _fitted(data)
    _, p_value = proportional_hazards_test(fit, frame, "group_a")
    assert p_value < 0.001
