"""The comparisons' statistics worked by hand, and the same figures as lifelines gives:
the log-rank test and the Cox model with Efron's tied deaths."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import polars as pl
import pytest
from lifelines import CoxPHFitter
from lifelines.statistics import logrank_test as lifelines_logrank

from metrics._cox import CoxNotEstimable, _newton_terms, fit_cox
from metrics.compare import logrank_test


def test_the_second_of_two_tied_deaths_sees_the_risk_set_less_half_of_the_tied():
    #  person | day | returned | term x
    #  a      |   5 |      yes |      1
    #  b      |   5 |      yes |      0
    #  c      |   9 |      yes |      1
    #  d      |  12 |       no |      0
    #
    #  At coefficient 0 everyone weighs 1 (exp(0 * x)).
    #  day 5: 4 at risk, 2 tied deaths -> the first sees 4, the second 4 - 1/2 * 2 = 3
    #  day 9: 2 at risk (c, d), 1 death -> sees 2
    #  log partial likelihood = 0 - (log 4 + log 3 + log 2) = -log 24
    #  gradient = the deaths' x (1 + 0 + 1 = 2) less the risk-set means each death sees:
    #    day 5: (a + c) / 4 = 1/2 and (2 - 1/2 * 1) / 3 = 1/2; day 9: c / (c, d) = 1/2
    #    -> 2 - 3/2 = 1/2
    x = np.array([[1.0], [0.0], [1.0], [0.0]])
    t = np.array([5, 5, 9, 12])
    event = np.array([1.0, 1.0, 1.0, 0.0])
    loglik, gradient, information = _newton_terms(x, t, event, np.zeros(1))
    assert loglik == pytest.approx(-math.log(24))
    assert gradient == pytest.approx([0.5])
    # information = sum over deaths of the variance of x over the risk set each sees:
    #   day 5, first: mean 1/2 of (1, 0, 1, 0)          -> 1/4
    #   day 5, second: (sum x^2 = 2 - 1/2, sum x = 3/2) over 3 -> 1/2 - 1/4 = 1/4
    #   day 9: mean 1/2 of (1, 0)                       -> 1/4
    assert information[0, 0] == pytest.approx(0.75)


def _lifelines(frame: pd.DataFrame) -> pd.DataFrame:
    fitter = CoxPHFitter().fit(frame, "t", "event", fit_options={"precision": 1e-12})
    return fitter.summary


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_fit_is_lifelines_fit_with_many_ties(seed):
    # 3,000 people over 400 whole days (many tied returns), a group term and four adjustments
    rng = np.random.default_rng(seed)
    n = 3000
    x = np.column_stack(
        [
            rng.integers(0, 2, n),  # group
            rng.integers(0, 2, n),  # a need
            rng.integers(0, 2, n),  # another need
            rng.integers(0, 2, n),  # gender
            rng.normal(0, 1, n),  # a continuous term
        ]
    ).astype(float)
    hazard = np.exp(x @ np.array([-0.5, 0.3, 0.0, 0.2, 0.4]))
    t = np.ceil(rng.exponential(120 / hazard)).clip(1, 400)
    event = ((t < 400) & (rng.random(n) < 0.8)).astype(float)
    names = ["group_a", "need_1", "need_2", "gender", "score"]
    fit = fit_cox(x, t, event, names)
    frame = pd.DataFrame(x, columns=names).assign(t=t, event=event)
    summary = _lifelines(frame)
    assert fit.params == pytest.approx(summary["coef"].to_numpy(), abs=1e-7)
    assert fit.standard_errors == pytest.approx(summary["se(coef)"].to_numpy(), abs=1e-7)
    ratio, lower, upper, p_value = fit.hazard_ratio("group_a", 0.95)
    assert ratio == pytest.approx(summary.loc["group_a", "exp(coef)"], rel=1e-7)
    assert lower == pytest.approx(summary.loc["group_a", "exp(coef) lower 95%"], rel=1e-7)
    assert upper == pytest.approx(summary.loc["group_a", "exp(coef) upper 95%"], rel=1e-7)
    assert p_value == pytest.approx(summary.loc["group_a", "p"], rel=1e-6)


def test_a_term_that_separates_the_groups_has_no_estimate():
    # everyone in group A returned on day 1, nobody in group B ever did: the ratio is infinite
    x = np.array([[1.0]] * 20 + [[0.0]] * 20)
    t = np.array([1] * 20 + [100] * 20)
    event = np.array([1.0] * 20 + [0.0] * 20)
    with pytest.raises(CoxNotEstimable):
        fit_cox(x, t, event, ["group_a"])


def test_a_term_the_same_for_everyone_has_no_estimate():
    x = np.column_stack([np.arange(30) % 2, np.ones(30)]).astype(float)
    t = np.arange(1, 31)
    with pytest.raises(CoxNotEstimable):
        fit_cox(x, t, np.ones(30), ["group_a", "everyone"])


def _sides(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> pl.DataFrame:
    """People as (day, outcome: 1 returned, 0 censored) in group A and group B."""
    rows = [(t, o, True) for t, o in a] + [(t, o, False) for t, o in b]
    return pl.DataFrame(rows, schema=["t", "outcome", "side"], orient="row")


def test_the_log_rank_test_by_hand():
    #  day | at risk (A) | returned (A) | expected in A     | variance
    #    1 |     4 (2)   |     1 (1)    | 1 * 2/4 = 1/2     | 1 * 1/2 * 1/2 * 3/3 = 1/4
    #    2 |     3 (1)   |     1 (1)    | 1 * 1/3 = 1/3     | 1 * 1/3 * 2/3 * 2/2 = 2/9
    #    3 |     2 (0)   |     1 (0)    | 0                 | 0
    #  observed - expected = 2 - 5/6 = 7/6; chi-squared = (7/6)^2 / (1/4 + 2/9) = 49/17
    sides = _sides(a=[(1, 1), (2, 1)], b=[(3, 1), (3, 0)])
    statistic, p_value = logrank_test(sides)
    assert statistic == pytest.approx(49 / 17)
    assert p_value == pytest.approx(0.0896, abs=1e-4)


@pytest.mark.parametrize("seed", [1, 2])
def test_the_log_rank_test_is_lifelines_with_many_ties(seed):
    rng = np.random.default_rng(seed)
    t = rng.integers(1, 200, 2000)
    outcome = (rng.random(2000) < 0.6).astype(int)
    side = rng.random(2000) < 0.3
    sides = pl.DataFrame({"t": t, "outcome": outcome, "side": side})
    reference = lifelines_logrank(t[side], t[~side], outcome[side], outcome[~side])
    statistic, p_value = logrank_test(sides)
    assert statistic == pytest.approx(reference.test_statistic, rel=1e-10)
    assert p_value == pytest.approx(reference.p_value, rel=1e-8)
