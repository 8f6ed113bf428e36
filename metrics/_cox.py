"""The Cox proportional hazards model with Efron's handling of tied times, in array sums.

The comparisons fit one model per comparison over everyone moved into accommodation in London
(tens of thousands of people, thousands of distinct days). A general-purpose fitter walks the
distinct times one by one in Python at every Newton step; here every risk-set sum is a running
sum over the distinct times and every tied-death term is one row of an array, so a fit is a few
matrix products per step.

The model is the one lifelines' ``CoxPHFitter`` fits (Efron ties, no penalty), with the same
figures: hazard ratio ``exp(coef)``, the Wald interval ``exp(coef ± z·se)`` and the Wald p-value.
It iterates until the step is below 1e-9; lifelines stops earlier, when the likelihood barely
changes, so their figures agree to about five significant digits, and to seven decimals when
lifelines is run to a precision of 1e-12 (``tests/spec/compare/test_cox_spec.py``).

Efron's approximation, for the ``l``-th of ``m`` deaths tied at one time (``l = 0 .. m-1``):
the risk set is everyone still at risk, less ``l/m`` of the people who died at that time.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
from scipy.stats import chi2

MAX_STEPS = 50
TOLERANCE = 1e-9
MAX_COEFFICIENT = 10.0  # per standard deviation of the term


class CoxNotEstimable(Exception):
    """The model has no finite maximum (a term separates the groups) or did not converge."""


@dataclass(frozen=True)
class RiskSets:
    """Efron's risk-set sums of one model at one set of coefficients, over rows sorted by time.

    ``deaths[i]`` is the number of deaths at the ``i``-th distinct time; ``at[k]`` is the
    distinct time of the ``k``-th death term, ``share[k]`` its ``l/m``;
    ``numerator[k]`` and ``denominator[k]`` are the covariate-weighted and plain risk-set sums
    that death sees (``sum phi·x`` and ``sum phi`` over the risk set, less ``l/m`` of the tied).
    """

    phi: np.ndarray
    time_of_row: np.ndarray
    deaths: np.ndarray
    at: np.ndarray
    share: np.ndarray
    numerator: np.ndarray
    denominator: np.ndarray


def risk_sets(x: np.ndarray, t: np.ndarray, event: np.ndarray, beta: np.ndarray) -> RiskSets:
    """Efron's risk-set sums for rows sorted by ``t`` (ascending), at coefficients ``beta``."""
    phi = np.exp(x @ beta)
    # rows are sorted by time, so each distinct time is a run of rows: sum each run at once
    starts = np.flatnonzero(np.r_[True, t[1:] != t[:-1]])
    time_of_row = np.cumsum(np.r_[False, t[1:] != t[:-1]])

    def by_time(weights: np.ndarray) -> np.ndarray:
        return np.add.reduceat(weights, starts, axis=0)

    phi_x = phi[:, None] * x
    # everyone at risk at a time: the people whose time is that time or later
    risk = np.cumsum(by_time(phi)[::-1])[::-1]
    risk_x = np.cumsum(by_time(phi_x)[::-1], axis=0)[::-1]
    tied = by_time(phi * event)
    tied_x = by_time(phi_x * event[:, None])
    deaths = by_time(event.astype(float)).astype(int)
    at = np.repeat(np.arange(len(starts)), deaths)
    share = (np.arange(len(at)) - np.repeat(np.cumsum(deaths) - deaths, deaths)) / deaths[at]
    return RiskSets(
        phi=phi,
        time_of_row=time_of_row,
        deaths=deaths,
        at=at,
        share=share,
        numerator=risk_x[at] - share[:, None] * tied_x[at],
        denominator=risk[at] - share * tied[at],
    )


def _newton_terms(
    x: np.ndarray, t: np.ndarray, event: np.ndarray, beta: np.ndarray
) -> tuple[float, np.ndarray, np.ndarray]:
    """Efron's log partial likelihood, its gradient and its information matrix at ``beta``."""
    sets = risk_sets(x, t, event, beta)
    dead = event.astype(bool)
    loglik = float((x[dead] @ beta).sum() - np.log(sets.denominator).sum())
    means = sets.numerator / sets.denominator[:, None]
    gradient = x[dead].sum(axis=0) - means.sum(axis=0)
    # sum over death terms of (sum phi x x' over its risk set) / denominator, as one weighted
    # product: a row is in the risk set of every death term at its time or before, and in the
    # tied part of the terms at its own time if it died then
    n_times = len(sets.deaths)
    per_time = np.bincount(sets.at, weights=1 / sets.denominator, minlength=n_times)
    tied_share = np.bincount(sets.at, weights=sets.share / sets.denominator, minlength=n_times)
    weight = sets.phi * (
        np.cumsum(per_time)[sets.time_of_row] - event * tied_share[sets.time_of_row]
    )
    information = (x * weight[:, None]).T @ x - means.T @ means
    return loglik, gradient, information


@dataclass(frozen=True)
class CoxFit:
    """A fitted model: coefficients and their variance, by term name."""

    names: list[str]
    params: np.ndarray
    variance: np.ndarray

    @property
    def standard_errors(self) -> np.ndarray:
        return np.sqrt(np.diag(self.variance))

    def hazard_ratio(self, name: str, confidence_level: float) -> tuple[float, float, float, float]:
        """``(hazard ratio, lower, upper, p-value)`` of one term, Wald interval and test."""
        j = self.names.index(name)
        coef, error = float(self.params[j]), float(self.standard_errors[j])
        z = NormalDist().inv_cdf(1 - (1 - confidence_level) / 2)
        p_value = float(chi2.sf((coef / error) ** 2, 1))
        return (
            float(np.exp(coef)),
            float(np.exp(coef - z * error)),
            float(np.exp(coef + z * error)),
            p_value,
        )


def fit_cox(x: np.ndarray, t: np.ndarray, event: np.ndarray, names: list[str]) -> CoxFit:
    """Fit the Cox model with Efron ties by Newton's method with step halving.

    Args:
        x: one row per person, one column per term.
        t: each person's time (any order; sorted here).
        event: 1 where the time is the event, 0 where it is censored.
        names: the terms' names, in ``x``'s column order.

    Raises:
        CoxNotEstimable: no finite maximum within ``MAX_STEPS`` steps, or a singular information
            matrix (a term the others determine).
    """
    order = np.argsort(t, kind="stable")
    t, event = np.asarray(t)[order], np.asarray(event, dtype=float)[order]
    x = np.asarray(x, dtype=float)[order]
    # on centred and scaled terms the steps are well conditioned; coefficients are scaled back
    centre, scale = x.mean(axis=0), x.std(axis=0)
    if np.any(scale == 0):
        raise CoxNotEstimable("a term has the same value for everyone")
    z = (x - centre) / scale
    beta = np.zeros(z.shape[1])
    loglik, gradient, information = _newton_terms(z, t, event, beta)
    for _ in range(MAX_STEPS):
        try:
            step = np.linalg.solve(information, gradient)
        except np.linalg.LinAlgError as error:
            raise CoxNotEstimable("the terms determine one another") from error
        size = 1.0
        while True:
            trial = beta + size * step
            new = _newton_terms(z, t, event, trial)
            if np.isfinite(new[0]) and new[0] >= loglik - 1e-12 * abs(loglik):
                break
            size /= 2
            if size < 1e-6:
                raise CoxNotEstimable("no step raises the likelihood")
        beta, (loglik, gradient, information) = trial, new
        if np.max(np.abs(size * step)) < TOLERANCE:
            break
    else:
        raise CoxNotEstimable(f"no convergence in {MAX_STEPS} steps")
    try:
        variance = np.linalg.inv(information)
    except np.linalg.LinAlgError as error:
        raise CoxNotEstimable("the terms determine one another") from error
    # a coefficient of 10 per standard deviation multiplies the hazard by 22,000: the likelihood
    # is still rising towards a ratio of 0 or infinity, where a term separates the groups
    if not np.all(np.isfinite(variance)) or np.any(np.abs(beta) > MAX_COEFFICIENT):
        raise CoxNotEstimable("a term separates the groups")
    return CoxFit(names, beta / scale, variance / np.outer(scale, scale))
