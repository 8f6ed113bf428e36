"""The fast proportional-hazards test gives lifelines' answer."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from lifelines import CoxPHFitter
from lifelines.statistics import proportional_hazard_test

from metrics.compare import proportional_hazards_test


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
    fitter = CoxPHFitter().fit(data, "t", "event")
    expected = proportional_hazard_test(fitter, data, time_transform="rank").summary
    for term in ("group_a", "need", "score"):
        statistic, p_value = proportional_hazards_test(fitter, data, term)
        assert statistic == pytest.approx(expected.loc[term, "test_statistic"], abs=1e-9)
        assert p_value == pytest.approx(expected.loc[term, "p"], abs=1e-9)


def test_detects_a_hazard_ratio_that_changes_over_time():
    rng = np.random.default_rng(7)
    n = 600
    group = rng.integers(0, 2, n)
    # Group 1 returns fast early and not at all late; group 0 steadily.
    t = np.where(group == 1, rng.exponential(10, n), rng.exponential(60, n)).round() + 1
    late = (group == 1) & (rng.random(n) < 0.4)
    t = np.where(late, 150 + rng.integers(0, 50, n), t)
    data = pd.DataFrame({"t": t, "event": (~late).astype(int), "group_a": group})
    fitter = CoxPHFitter().fit(data, "t", "event")
    _, p_value = proportional_hazards_test(fitter, data, "group_a")
    assert p_value < 0.001
