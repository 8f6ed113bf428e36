"""Did our pilot work? Two designs a pilot borough can defend, and the honesty of small numbers.

A pilot is one entry of the register (``metrics.config.Pilot``): a borough, a kind of first
intervention, a start month and perhaps an end and a target group. ``docs/evaluation.md``
explains the designs for a borough analyst; here they are as rules.

**Design 1, before and after with London as the comparison** (``before_after``): a difference in
differences on the borough by quarter counts the release publishes (so every number it gives is
a function of published, protected counts). For an outcome share (say, people who returned to
the street within 6 months of moving in), the pilot borough's change from the quarters before
the start to the quarters after, less the same change in the rest of London::

    estimate = (pilot after − pilot before) − (rest after − rest before)

Each side pools its quarters (published events over published people). The interval is a
placebo interval: every other borough in turn is treated as if it had started a pilot on the
same date, and its difference in differences, divided by its own sampling error, says how far
chance alone moves a borough (rounding and quarter-to-quarter swings included). The pilot's
interval is its estimate plus or minus its own sampling error times that spread, read on
Student's t with one degree of freedom per placebo borough (with 32 placebos their raw
percentiles could not make a 95% interval keep its promise). It assumes parallel trends: without the pilot, the
pilot borough would have moved as the rest of London did. The pre-trend check measures the
slope of the gap between the two in the quarters before the start, and compares it with the
other boroughs' slopes; a steeper slope than nearly all of them is a warning.

**Design 2, people in the intervention against similar people who were not**
(``weighted_comparison``): within the pilot borough and period, people whose first move was the
pilot's kind against those whose first move was another, weighted by the odds of being in the
pilot given their case mix (inverse probability weighting for the effect on the treated: age
band, gender, support needs, time already spent rough sleeping, earlier returns). It reports the
weighted Cox hazard ratio of returning with a robust interval, balance (standardised
differences) before and after weighting, each side's effective sample size and the weighted
share returned by 6 and 12 months. It assumes nothing that differs between the groups and
matters is left out of the weights. Person-level like the comparisons' hazard ratios, it is
published under the same exception (``docs/disclosure.md``).

**Design 3, small-number honesty**: each design gives its minimum detectable effect at the
configured power; where that is larger than the stated effect worth detecting, the result's
status is ``too_small`` and no interval is drawn.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd
import polars as pl
from lifelines import CoxPHFitter
from lifelines.exceptions import ConvergenceError, ConvergenceWarning
from scipy.stats import norm
from scipy.stats import t as t_dist

from contract.periods import index_of, parse_month, period_start
from contract.release import EVALUATION_SCHEMA
from metrics._survival_estimators import OUTCOME_EVENT
from metrics.config import AnalysisConfig, EvaluationConfig, Pilot
from metrics.journeys import SUPPORT_NEED_FLAGS
from metrics.survival import return_to_street_durations

OK, TOO_SMALL, NOT_ESTIMABLE, WARNING = "ok", "too_small", "not_estimable", "warning"

# Design 1's outcomes: the metrics whose borough by quarter counts they read, and how.
# ``returned_*m``: of the people who moved in that quarter (the sustainment cohort), those seen
# rough sleeping again within 6 or 12 months; ``living_on_streets``: of the people seen rough
# sleeping in the quarter, those living on the streets.
BEFORE_AFTER_OUTCOMES: dict[str, tuple[str, str, bool]] = {
    # outcome: (metric of the events, metric of the people, events = people - metric's count)
    "returned_6m": ("sustained_6m", "sustained_6m", True),
    "returned_12m": ("sustained_12m", "sustained_12m", True),
    "living_on_streets": ("living_on_streets", "seen_rough_sleeping", False),
}
REPORT_DAYS = (182, 365)  # design 2's weighted shares returned: by 6 and 12 months


# -- design 1: before and after, with London as the comparison ---------------------------------


@dataclass
class BeforeAfter:
    """Design 1's result for one pilot and outcome (shares as fractions, not percent)."""

    status: str
    estimate: float | None = None
    ci_lower: float | None = None
    ci_upper: float | None = None
    p_value: float | None = None
    minimum_detectable: float | None = None
    pre_trend: float | None = None  # slope of the gap, per quarter
    pre_trend_p: float | None = None
    placebo_boroughs: int = 0
    people: int = 0  # the pilot borough's people in the quarters used
    # quarter -> (pilot events, pilot people, rest events, rest people)
    quarters: dict[date, tuple[int, int, int, int]] = field(default_factory=dict)


def quarter_windows(pilot: Pilot, config: EvaluationConfig) -> tuple[list[date], list[date]]:
    """The quarters before the pilot's start and from it (to its end or ``after_quarters``).

    The quarter holding the start month is the first "after" quarter.

    >>> from metrics.config import Pilot
    >>> p = Pilot(id="camden-pilot", borough="E09000007", intervention="housing_first", start="2023-04")
    >>> before, after = quarter_windows(p, EvaluationConfig(before_quarters=2, after_quarters=2))
    >>> [str(q) for q in before], [str(q) for q in after]
    (['2022-10-01', '2023-01-01'], ['2023-04-01', '2023-07-01'])
    """
    first = index_of("quarter", period_start("month", parse_month(pilot.start)))
    last = first + config.after_quarters - 1
    if pilot.end is not None:
        last = min(last, index_of("quarter", period_start("month", parse_month(pilot.end))))
    before = [period_start("quarter", q) for q in range(first - config.before_quarters, first)]
    after = [period_start("quarter", q) for q in range(first, last + 1)]
    return before, after


def _pooled(cells: np.ndarray) -> tuple[float, float]:
    """(events, people) summed over cells, people > 0 assumed by the caller."""
    return float(cells[:, 0].sum()), float(cells[:, 1].sum())


def before_after(
    counts: pl.DataFrame,
    pilot_borough: str,
    before: list[date],
    after: list[date],
    config: EvaluationConfig,
    *,
    confidence_level: float = 0.95,
    excluded: frozenset[str] = frozenset(),
) -> BeforeAfter:
    """Design 1 on published borough by quarter counts.

    Args:
        counts: ``borough``, ``quarter`` (its first day), ``events`` and ``people``: published,
            protected counts; a row with a null (suppressed) count is left out.
        pilot_borough: the pilot's borough code.
        before, after: the quarters of each period (``quarter_windows``).
        config: the evaluation settings (placebo minimum, stated effect, power, alert level).
        confidence_level: of the interval.
        excluded: boroughs that are neither comparison nor placebo (other pilots' boroughs).

    Returns:
        The estimate, its placebo interval and p-value, the minimum detectable effect, the
        pre-trend check and the quarterly series; ``status`` says whether it can be read.
    """
    usable = counts.filter(
        pl.col("events").is_not_null()
        & pl.col("people").is_not_null()
        & (pl.col("people") > 0)
        & pl.col("quarter").is_in(before + after)
        & ~pl.col("borough").is_in(sorted(excluded - {pilot_borough}))
    )
    boroughs = sorted(set(usable["borough"]))
    if pilot_borough not in boroughs:
        return BeforeAfter(NOT_ESTIMABLE)
    quarters = before + after
    # cube[b, q] = (events, people), zero where not published
    cube = np.zeros((len(boroughs), len(quarters), 2))
    row = {b: i for i, b in enumerate(boroughs)}
    col = {q: j for j, q in enumerate(quarters)}
    for b, q, e, n in usable.select("borough", "quarter", "events", "people").rows():
        cube[row[b], col[q]] = (e, n)
    nb = len(before)
    overall = cube[:, :, 0].sum() / max(cube[:, :, 1].sum(), 1)
    spread = max(overall * (1 - overall), 1e-6)

    pilot_row = row[pilot_borough]

    def did(unit: int) -> tuple[float, float, float, float | None] | None:
        """(estimate, its sampling error, pre-trend slope, its error) for one borough against
        the rest of London but the pilot borough (the pilot against all the others), or None
        when a period holds no published cell on either side."""
        own = cube[unit]
        rest = np.delete(cube, sorted({unit, pilot_row}), axis=0).sum(axis=0)
        sides = []
        for side in (own, rest):
            pre, post = side[:nb], side[nb:]
            if pre[:, 1].sum() == 0 or post[:, 1].sum() == 0:
                return None
            sides.append((pre, post))
        (op, oa), (rp, ra) = sides
        shares = [e / n for e, n in (_pooled(op), _pooled(oa), _pooled(rp), _pooled(ra))]
        estimate = (shares[1] - shares[0]) - (shares[3] - shares[2])
        variance = spread * sum(1 / _pooled(x)[1] for x in (op, oa, rp, ra))
        slope, slope_error = _gap_slope(op, rp, spread)
        return estimate, float(np.sqrt(variance)), slope, slope_error

    results = {b: did(row[b]) for b in boroughs}
    pilot = results.pop(pilot_borough)
    placebos = [r for r in results.values() if r is not None]
    series = {}
    own = cube[pilot_row]
    rest = np.delete(cube, pilot_row, axis=0).sum(axis=0)
    for q, j in col.items():
        if own[j, 1] > 0 and rest[j, 1] > 0:
            series[q] = (int(own[j, 0]), int(own[j, 1]), int(rest[j, 0]), int(rest[j, 1]))
    people = int(own[:, 1].sum())
    if pilot is None:
        return BeforeAfter(NOT_ESTIMABLE, people=people, quarters=series)
    estimate, error, slope, slope_error = pilot
    result = BeforeAfter(
        OK, estimate=estimate, placebo_boroughs=len(placebos), people=people, quarters=series
    )
    if len(placebos) < config.min_placebo_boroughs:
        result.status = TOO_SMALL
        return result
    # How far chance moves a borough, in units of its own sampling error: the placebos' spread
    # (zero on average, as none of them had a pilot), read on Student's t with one degree of
    # freedom per placebo borough, since the spread itself is estimated from them.
    z = np.array([d / e for d, e, _, _ in placebos if e > 0])
    scale = float(np.sqrt(np.mean(z**2)))
    alpha = 1 - confidence_level
    reach = t_dist.ppf(1 - alpha / 2, len(z))
    result.minimum_detectable = float((reach + t_dist.ppf(config.power, len(z))) * error * scale)
    if scale > 0:
        result.p_value = float(2 * t_dist.sf(abs(estimate) / (error * scale), len(z)))
    else:
        result.p_value = 0.0 if estimate else 1.0
    if slope_error is not None and slope_error > 0:
        slopes = np.array([s / se for _, _, s, se in placebos if se])
        spread_t = float(np.sqrt(np.mean(slopes**2)))
        result.pre_trend = slope
        result.pre_trend_p = (
            float(2 * t_dist.sf(abs(slope / slope_error) / spread_t, len(slopes)))
            if spread_t > 0
            else float(slope == 0)
        )
    if result.minimum_detectable > config.stated_effect_points / 100:
        result.status = TOO_SMALL
        return result
    result.ci_lower = estimate - reach * error * scale
    result.ci_upper = estimate + reach * error * scale
    if result.pre_trend_p is not None and result.pre_trend_p < config.pre_trend_alert:
        result.status = WARNING
    return result


def _gap_slope(own: np.ndarray, rest: np.ndarray, spread: float) -> tuple[float, float | None]:
    """Least-squares slope, per quarter, of the pilot-minus-rest gap over the quarters before the
    start that have published people on both sides, and its sampling error (None under 3)."""
    shown = (own[:, 1] > 0) & (rest[:, 1] > 0)
    if shown.sum() < 3:
        return 0.0, None
    x = np.flatnonzero(shown).astype(float)
    gap = own[shown, 0] / own[shown, 1] - rest[shown, 0] / rest[shown, 1]
    variance = spread * (1 / own[shown, 1] + 1 / rest[shown, 1])
    centred = x - x.mean()
    slope = float(centred @ gap / (centred @ centred))
    return slope, float(np.sqrt((centred**2 * variance).sum()) / (centred @ centred))


def before_after_counts(metrics: pl.DataFrame, outcome: str) -> pl.DataFrame:
    """An outcome's published borough by quarter counts, from the release's metrics table.

    ``borough``, ``quarter``, ``events``, ``people``: for ``returned_*m`` the cohort that moved in
    and its members not sustained (people less the sustained numerator), for
    ``living_on_streets`` the people seen and those living on the streets. Suppressed cells and
    cohorts without complete follow-up come through as nulls.
    """
    events_metric, people_metric, complement = BEFORE_AFTER_OUTCOMES[outcome]
    cells = metrics.filter(
        (pl.col("period_type") == "quarter")
        & (pl.col("geography_type") == "borough")
        & (pl.col("breakdown") == "all")
    )
    ok = pl.col("status") == "ok"
    if complement:
        return cells.filter(pl.col("metric_id") == events_metric).select(
            borough=pl.col("geography_code"),
            quarter=pl.col("period_start"),
            events=pl.when(ok).then(pl.col("denominator") - pl.col("numerator")),
            people=pl.when(ok).then(pl.col("denominator")),
        )
    count = pl.coalesce("numerator", pl.col("value").cast(pl.Int64))
    events = cells.filter(pl.col("metric_id") == events_metric).select(
        borough=pl.col("geography_code"),
        quarter=pl.col("period_start"),
        events=pl.when(ok).then(count),
    )
    people = cells.filter(pl.col("metric_id") == people_metric).select(
        borough=pl.col("geography_code"),
        quarter=pl.col("period_start"),
        people=pl.when(ok).then(count),
    )
    return events.join(people, on=["borough", "quarter"], how="inner")


# -- design 2: people in the intervention against similar people --------------------------------


@dataclass
class Weighted:
    """Design 2's result for one pilot: sizes, balance, the hazard ratio and the shares."""

    status: str
    treated: int = 0
    comparison: int = 0
    effective_treated: float | None = None
    effective_comparison: float | None = None
    hazard_ratio: float | None = None
    ci_lower: float | None = None
    ci_upper: float | None = None
    p_value: float | None = None
    minimum_detectable: float | None = None  # the hazard ratio detectable at the power
    balance_before: dict[str, float] = field(default_factory=dict)
    balance_after: dict[str, float] = field(default_factory=dict)
    # (group, day) -> weighted share returned by that day
    returned_by: dict[tuple[str, int], float] = field(default_factory=dict)


def propensity(x: np.ndarray, treated: np.ndarray, ridge: float = 1e-3) -> np.ndarray:
    """Logistic regression of being treated on ``x`` (an intercept added), by Newton's method
    with a small ridge so that a covariate that separates the groups cannot diverge; returns
    each person's fitted probability."""
    design = np.column_stack([np.ones(len(x)), x])
    beta = np.zeros(design.shape[1])
    penalty = ridge * np.eye(design.shape[1])
    penalty[0, 0] = 0.0
    for _ in range(50):
        p = 1 / (1 + np.exp(-(design @ beta)))
        gradient = design.T @ (treated - p) - penalty @ beta
        hessian = (design * (p * (1 - p))[:, None]).T @ design + penalty
        step = np.linalg.solve(hessian, gradient)
        beta += step
        if np.abs(step).max() < 1e-8:
            break
    return 1 / (1 + np.exp(-(design @ beta)))


def standardised_differences(x: np.ndarray, treated: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weighted mean difference of each column, treated less comparison, over the unweighted
    pooled standard deviation (so before and after weighting share one yardstick)."""
    t, c = treated.astype(bool), ~treated.astype(bool)
    mean_t = np.average(x[t], axis=0, weights=weights[t])
    mean_c = np.average(x[c], axis=0, weights=weights[c])
    pooled = np.sqrt((x[t].var(axis=0, ddof=1) + x[c].var(axis=0, ddof=1)) / 2)
    return np.divide(mean_t - mean_c, pooled, out=np.zeros_like(mean_t), where=pooled > 0)


def weighted_survival(t: np.ndarray, event: np.ndarray, weights: np.ndarray, day: float) -> float:
    """Kaplan–Meier survival at ``day`` with each person counting as their weight: the product,
    over the times of returns up to that day, of one less the weight returning over the weight
    still followed.

    >>> weighted_survival(np.array([10, 20, 30]), np.array([1, 0, 1]), np.ones(3), 25)
    0.6666666666666667
    >>> weighted_survival(np.array([10, 20]), np.array([1, 0]), np.array([3.0, 1.0]), 15)
    0.25
    """
    times = np.unique(t[(event == 1) & (t <= day)])
    survival = 1.0
    for time in times:
        at_risk = weights[t >= time].sum()
        returned = weights[(t == time) & (event == 1)].sum()
        survival *= 1 - returned / at_risk
    return float(survival)


def effective_size(weights: np.ndarray) -> float:
    """Kish's effective sample size, (sum of weights)² / sum of squared weights.

    >>> effective_size(np.array([1.0, 1.0, 1.0, 1.0]))
    4.0
    >>> effective_size(np.array([3.0, 1.0]))
    1.6
    """
    return float(weights.sum() ** 2 / (weights**2).sum())


def weighted_comparison(
    people: pl.DataFrame,
    covariates: list[str],
    config: EvaluationConfig,
    *,
    confidence_level: float = 0.95,
) -> Weighted:
    """Design 2: inverse probability weighting for the effect on those in the pilot.

    Args:
        people: one row per person: ``treated`` (bool), ``t`` (days followed), ``event`` (1 returned
            to the street, 0 otherwise: death and the extract date censor) and the 0/1
            ``covariates``.
        covariates: the case-mix columns.
        config: the minimum group, the stated hazard ratio and the power.
        confidence_level: of the interval.

    Returns:
        Group sizes (unrounded), effective sizes, balance before and after weighting, the
        weighted hazard ratio with its robust interval and p-value, the minimum detectable hazard
        ratio and the weighted shares returned by 6 and 12 months; ``status`` ``too_small`` when a
        group is under the minimum or the design could not detect the stated effect (then no
        hazard ratio is given: a point without an interval would be read as a finding).
    """
    treated = people["treated"].to_numpy().astype(float)
    result = Weighted(TOO_SMALL, int(treated.sum()), int(len(treated) - treated.sum()))
    if min(result.treated, result.comparison) < config.min_group:
        return result
    events = people["event"].to_numpy()
    if min(events[treated == 1].sum(), events[treated == 0].sum()) < 1:
        return result
    x = people.select(covariates).to_numpy().astype(float)
    keep = x.std(axis=0) > 0
    x, names = x[:, keep], [c for c, k in zip(covariates, keep, strict=True) if k]
    score = np.clip(propensity(x, treated), 0.01, 0.99)
    weights = np.where(treated == 1, 1.0, score / (1 - score))
    result.balance_before = dict(
        zip(names, standardised_differences(x, treated, np.ones(len(x))).tolist(), strict=True)
    )
    result.balance_after = dict(
        zip(names, standardised_differences(x, treated, weights).tolist(), strict=True)
    )
    result.effective_treated = effective_size(weights[treated == 1])
    result.effective_comparison = effective_size(weights[treated == 0])
    frame = pd.DataFrame(
        {"t": people["t"].to_numpy(), "event": events, "treated": treated, "w": weights}
    )
    fitter = CoxPHFitter(alpha=1 - confidence_level)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # lifelines warns that weights are not whole numbers
            warnings.simplefilter("error", ConvergenceWarning)
            fitter.fit(frame, "t", "event", weights_col="w", robust=True)
    except (ConvergenceError, ConvergenceWarning, np.linalg.LinAlgError):
        result.status = NOT_ESTIMABLE
        return result
    summary = fitter.summary.loc["treated"]
    alpha = 1 - confidence_level
    error = float(summary["se(coef)"])
    result.minimum_detectable = float(
        np.exp(-(norm.ppf(1 - alpha / 2) + norm.ppf(config.power)) * error)
    )
    for group, side in (("pilot", 1.0), ("comparison", 0.0)):
        chosen = frame[frame["treated"] == side]
        times = chosen["t"].to_numpy()
        for day in REPORT_DAYS:
            if times.max() >= day:
                result.returned_by[(group, day)] = 1 - weighted_survival(
                    times, chosen["event"].to_numpy(), chosen["w"].to_numpy(), day
                )
    if result.minimum_detectable < config.stated_hazard_ratio:
        return result  # too small: the sizes, balance and shares stand; no estimate
    result.hazard_ratio = float(summary["exp(coef)"])
    result.p_value = float(summary["p"])
    level = f"{round(100 * confidence_level)}%"
    result.ci_lower = float(summary[f"exp(coef) lower {level}"])
    result.ci_upper = float(summary[f"exp(coef) upper {level}"])
    result.status = OK
    return result


def pilot_people(
    events: pl.DataFrame | pl.LazyFrame,
    people: pl.DataFrame | pl.LazyFrame,
    pilot: Pilot,
    config: AnalysisConfig,
    extract_date: date,
) -> tuple[pl.DataFrame, list[str]]:
    """Design 2's people for one pilot, and the names of their case-mix columns.

    The return-to-street population (each person's first move into accommodation after rough
    sleeping) whose move was in the pilot borough from the pilot's start (to its end), in its
    target group if it has one. ``treated``: the move was of the pilot's kind. Case mix: age
    band and gender (an indicator for each value but the commonest), the support-need flags,
    time already spent rough sleeping (first seen 3 to 12 months, or over 12 months, before the
    move) and an earlier return (a gap of over 90 days between sightings before the move).
    """
    durations = return_to_street_durations(events, people, config, extract_date)
    start = period_start("month", parse_month(pilot.start))
    chosen = durations.filter((pl.col("borough") == pilot.borough) & (pl.col("move_date") >= start))
    if pilot.end is not None:
        chosen = chosen.filter(
            pl.col("move_date") < period_start("month", parse_month(pilot.end) + 1)
        )
    if pilot.target_group is not None:
        chosen = chosen.filter(pl.col(f"need_{pilot.target_group}").fill_null(False))
    seen = (
        pl.DataFrame(events) if not isinstance(events, pl.LazyFrame) else events.collect()
    ).filter(pl.col("event_type") == "seen_rough_sleeping")
    history = (
        chosen.select("person_key", "move_date")
        .join(seen.select("person_key", "event_date"), on="person_key")
        .filter(pl.col("event_date") <= pl.col("move_date"))
        .sort("person_key", "event_date")
        .group_by("person_key")
        .agg(
            first_seen=pl.col("event_date").min(),
            longest_gap=pl.col("event_date").diff().dt.total_days().max().fill_null(0),
            move_date=pl.col("move_date").first(),
        )
    )
    street_days = (pl.col("move_date") - pl.col("first_seen")).dt.total_days()
    frame = chosen.join(history.drop("move_date"), on="person_key", how="left").select(
        treated=pl.col("first_intervention") == pilot.intervention,
        t=pl.col("t"),
        event=(pl.col("outcome") == OUTCOME_EVENT).cast(pl.Int8),
        **{f: pl.col(f).fill_null(False).cast(pl.Int8) for f in SUPPORT_NEED_FLAGS},
        street_3_to_12_months=street_days.is_between(91, 365).fill_null(False).cast(pl.Int8),
        street_over_12_months=(street_days > 365).fill_null(False).cast(pl.Int8),
        returned_before=(pl.col("longest_gap") > 90).fill_null(False).cast(pl.Int8),
        age_band=pl.col("age_band"),
        gender=pl.col("gender"),
    )
    covariates = [
        *SUPPORT_NEED_FLAGS,
        "street_3_to_12_months",
        "street_over_12_months",
        "returned_before",
    ]
    for column in ("age_band", "gender"):
        values = frame[column].drop_nulls().value_counts(sort=True)[column].to_list()
        for value in sorted(values[1:]):
            name = f"{column}={value}"
            frame = frame.with_columns(
                (pl.col(column) == value).fill_null(False).cast(pl.Int8).alias(name)
            )
            covariates.append(name)
    if pilot.target_group is not None:
        covariates.remove(f"need_{pilot.target_group}")  # everyone has it
    return frame.drop("age_band", "gender"), covariates


# -- the rows of the release's evaluation table -----------------------------------------------


def _row(pilot: Pilot, design: str, outcome: str, statistic: str, **values) -> dict:
    return {
        "pilot_id": pilot.id,
        "design": design,
        "outcome": outcome,
        "statistic": statistic,
        "group": values.pop("group", "all"),
        **values,
    }


def before_after_rows(metrics: pl.DataFrame, config: AnalysisConfig) -> pl.DataFrame:
    """Design 1 for every registered pilot and outcome, from a published metrics table.

    The rows (``EVALUATION_SCHEMA``, design ``before_after``): per quarter each side's share
    (``share``, group ``pilot`` or ``rest_of_london``, with its people in ``n``), then
    ``difference_in_differences`` (with its interval where the design can say something),
    ``minimum_detectable_effect``, ``pre_trend`` and ``placebo_boroughs``. Shares and
    differences are fractions.
    """
    settings = config.evaluation
    rows: list[dict] = []
    registered = frozenset(p.borough for p in settings.pilots)
    for pilot in settings.pilots:
        before, after = quarter_windows(pilot, settings)
        for outcome in BEFORE_AFTER_OUTCOMES:
            result = before_after(
                before_after_counts(metrics, outcome),
                pilot.borough,
                before,
                after,
                settings,
                confidence_level=config.survival.confidence_level,
                excluded=registered,
            )
            for quarter, (pe, pn, re, rn) in sorted(result.quarters.items()):
                for group, e, n in (("pilot", pe, pn), ("rest_of_london", re, rn)):
                    rows.append(
                        _row(pilot, "before_after", outcome, "share", group=group,
                             period_start=quarter, value=e / n, n=n, status=OK)
                    )  # fmt: skip
            rows.append(
                _row(pilot, "before_after", outcome, "difference_in_differences",
                     value=result.estimate, ci_lower=result.ci_lower, ci_upper=result.ci_upper,
                     p_value=result.p_value, n=result.people, status=result.status)
            )  # fmt: skip
            rows.append(
                _row(pilot, "before_after", outcome, "minimum_detectable_effect",
                     value=result.minimum_detectable, status=result.status)
            )  # fmt: skip
            rows.append(
                _row(pilot, "before_after", outcome, "pre_trend", value=result.pre_trend,
                     p_value=result.pre_trend_p,
                     status=WARNING if result.status == WARNING else OK)
            )  # fmt: skip
            rows.append(
                _row(pilot, "before_after", outcome, "placebo_boroughs",
                     value=float(result.placebo_boroughs), status=OK)
            )  # fmt: skip
    return pl.DataFrame(rows, schema=EVALUATION_SCHEMA, strict=False)


def compute_evaluation(
    events: pl.DataFrame | pl.LazyFrame,
    people: pl.DataFrame | pl.LazyFrame,
    config: AnalysisConfig,
    extract_date: date,
) -> pl.DataFrame:
    """Design 2 for every registered pilot: unprotected rows of ``EVALUATION_SCHEMA`` (design
    ``weighted``, outcome ``returned``): ``group_size`` and ``effective_sample_size`` per group
    (``pilot``, ``comparison``), ``hazard_ratio``, ``minimum_detectable_effect`` (a hazard
    ratio), ``balance_before`` and ``balance_after`` per covariate (the group), and
    ``returned_by_182d`` and ``returned_by_365d`` per group. Disclosure control rounds them.
    """
    rows: list[dict] = []
    events = events.collect() if isinstance(events, pl.LazyFrame) else events
    for pilot in config.evaluation.pilots:
        frame, covariates = pilot_people(events, people, pilot, config, extract_date)
        result = weighted_comparison(
            frame, covariates, config.evaluation,
            confidence_level=config.survival.confidence_level,
        )  # fmt: skip

        rows.extend(weighted_rows(pilot, result))
    return pl.DataFrame(rows, schema=EVALUATION_SCHEMA, strict=False)


def weighted_rows(pilot: Pilot, result: Weighted) -> list[dict]:
    """Design 2's result as rows of ``EVALUATION_SCHEMA`` (see ``compute_evaluation``)."""
    rows: list[dict] = []

    def add(statistic: str, **values) -> None:
        rows.append(_row(pilot, "weighted", "returned", statistic, **values))

    add("group_size", group="pilot", n=result.treated, status=result.status)
    add("group_size", group="comparison", n=result.comparison, status=result.status)
    for group, size in (("pilot", result.effective_treated),
                        ("comparison", result.effective_comparison)):  # fmt: skip
        if size is not None:
            add("effective_sample_size", group=group, value=size, status=result.status)
    if result.hazard_ratio is not None:
        add("hazard_ratio", value=result.hazard_ratio, ci_lower=result.ci_lower,
            ci_upper=result.ci_upper, p_value=result.p_value, n=result.treated,
            status=result.status)  # fmt: skip
    if result.minimum_detectable is not None:
        add("minimum_detectable_effect", value=result.minimum_detectable,
            status=result.status)  # fmt: skip
    for name, balance in (("balance_before", result.balance_before),
                          ("balance_after", result.balance_after)):  # fmt: skip
        for covariate, difference in balance.items():
            add(name, group=covariate, value=difference, status=result.status)
    for (group, day), share in result.returned_by.items():
        add(f"returned_by_{day}d", group=group, value=share, status=result.status)
    return rows
