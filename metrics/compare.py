"""Comparing returns to the street between interventions and boroughs (SPEC section 5).

Every comparison sets two groups of the ``return_to_street`` population side by side (each
person's first move into accommodation after rough sleeping; see ``metrics.survival``). Three
families, each a ``comparison_id`` whose comparisons ``group_a`` tells apart:

- ``first_intervention``: people whose first move was of one kind
  (``first_intervention=housing_first``, ``=temporary_accommodation``,
  ``=supported_housing``, ``=settled``) against people whose first move was into a hostel
  (``first_intervention=hostel``, ``comparisons.reference_intervention``);
- ``borough``: moves in one borough (``borough=E09000007``) against moves in the rest of
  London (``borough=rest_of_london``), for the four pilot boroughs and the
  ``comparisons.top_boroughs`` other boroughs with most moves;
- ``pilot_vs_other``: moves in the four pilots (``borough=pilots``) against moves in the
  other 29 boroughs (``borough=other_boroughs``).

For each it reports, as rows of ``COMPARISONS_SCHEMA``:

- ``hazard_ratio``: the Cox model hazard ratio of returning, group A against group B, adjusted
  for age band, gender and the five support-need flags, with its confidence interval and the
  Wald p-value. Below 1: group A returned at a lower rate. Death and the extract date censor.
- ``logrank_chi2``: the log-rank test statistic and p-value (unadjusted).
- ``ph_test``: the Grambsch–Therneau test of proportional hazards for the group term (scaled
  Schoenfeld residuals against the rank of event times, as lifelines'
  ``proportional_hazard_test``); a small p-value says the ratio changes over time, so one
  hazard ratio summarises the curves poorly.

A comparison is skipped (no rows, no curves) when either group has fewer than
``comparisons.min_group`` people or fewer than ``comparisons.min_events`` returns. Group sizes are
unrounded here. The matching Kaplan–Meier curves come in the survival table's shape, with
``curve_id`` ``compare:<comparison_id>``, ``group`` the side's name and ``geography_code``
the borough of a borough comparison (so ``borough=rest_of_london`` at ``E09000007`` is the
rest of London as compared with Camden), London otherwise. The hostel curve is drawn once for
all its comparisons. Always show ``OBSERVATIONAL_CAVEAT`` with them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl
from scipy.stats import chi2

from contract.reference import ACCOMMODATION_EVENTS, LONDON_CODE, borough_codes, pilot_codes
from contract.release import COMPARISONS_SCHEMA
from metrics._cox import CoxFit, CoxNotEstimable, fit_cox, risk_sets
from metrics._survival_estimators import OUTCOME_EVENT
from metrics.breakdowns import FIRST_INTERVENTION_GROUPS
from metrics.config import AnalysisConfig
from metrics.journeys import SUPPORT_NEED_FLAGS
from metrics.survival import SURVIVAL_WORK_SCHEMA, return_to_street_durations, survival_curves

_GROUP = "group_a"  # the model term whose hazard ratio is reported


@dataclass(frozen=True)
class Comparison:
    """Two groups of the return-to-street population, named as in the release.

    ``comparison_id`` names the family (``first_intervention``, ``borough``,
    ``pilot_vs_other``); ``group_a`` tells its comparisons apart.
    """

    comparison_id: str
    group_a: str
    group_b: str
    geography_code: str
    in_a: pl.Expr
    in_b: pl.Expr


def comparison_plan(durations: pl.DataFrame, config: AnalysisConfig) -> list[Comparison]:
    """The comparisons to make, in release order."""
    plan: list[Comparison] = []
    reference = config.comparisons.reference_intervention
    kind = pl.col("first_intervention")
    kinds = dict.fromkeys(FIRST_INTERVENTION_GROUPS[e] for e in ACCOMMODATION_EVENTS)
    for other in kinds:
        if other != reference:
            plan.append(
                Comparison(
                    "first_intervention",
                    f"first_intervention={other}",
                    f"first_intervention={reference}",
                    LONDON_CODE,
                    kind == other,
                    kind == reference,
                )
            )
    borough = pl.col("borough")
    in_london = borough.is_in(borough_codes())
    busiest = (
        durations.filter(in_london & ~borough.is_in(pilot_codes()))
        .group_by("borough")
        .len()
        .sort(["len", "borough"], descending=[True, False])
        .head(config.comparisons.top_boroughs)["borough"]
        .to_list()
    )
    for code in sorted(pilot_codes()) + busiest:
        plan.append(
            Comparison(
                "borough",
                f"borough={code}",
                "borough=rest_of_london",
                code,
                borough == code,
                in_london & (borough != code),
            )
        )
    pilots = borough.is_in(pilot_codes())
    plan.append(
        Comparison(
            "pilot_vs_other",
            "borough=pilots",
            "borough=other_boroughs",
            LONDON_CODE,
            pilots,
            in_london & ~pilots,
        )
    )
    return plan


def _covariates(sides: pl.DataFrame) -> pl.DataFrame:
    """Model frame: duration, event, group term and the adjustment covariates.

    Age band and gender become indicators against their most common value; an indicator or
    need flag is dropped when fewer than 10 people have it (or lack it) or nobody with it
    returned, or when the terms before it already determine it, because such terms cannot be
    estimated and would stop the model converging.
    """
    frame = sides.select(
        "t",
        event=(pl.col("outcome") == OUTCOME_EVENT).cast(pl.Int8),
        group_a=pl.col("side").cast(pl.Int8),
        **{f: pl.col(f).fill_null(False).cast(pl.Int8) for f in SUPPORT_NEED_FLAGS},
    )
    for column in ("age_band", "gender"):
        commonest = sides[column].value_counts(sort=True)[column][0]
        for value in sorted(set(sides[column]) - {commonest}):
            frame = frame.with_columns(
                (sides[column] == value).cast(pl.Int8).alias(f"{column}={value}")
            )
    usable = [_GROUP]
    for name in frame.columns[3:]:
        has = frame[name] == 1
        if 10 <= has.sum() <= frame.height - 10 and frame.filter(has)["event"].sum() > 0:
            usable.append(name)
    # A term the others already determine (two needs always recorded together) adds nothing
    # and makes the model singular: keep a term only if it raises the rank of the terms kept.
    correlation = np.atleast_2d(np.corrcoef(frame.select(usable).to_numpy().astype(float).T))
    kept = [0]
    for j in range(1, len(usable)):
        trial = kept + [j]
        if np.linalg.eigvalsh(correlation[np.ix_(trial, trial)])[0] > 1e-8:
            kept.append(j)
    return frame.select("t", "event", *(usable[j] for j in kept))


def logrank_test(sides: pl.DataFrame) -> tuple[float, float]:
    """The log-rank test of group A (``side``) against group B; ``(chi-squared, p_value)``.

    At each day someone returned, group A's expected returns are the day's returns shared in
    proportion to the people at risk in each group; the statistic is (observed - expected)^2
    over the hypergeometric variance summed over the days, as lifelines' ``logrank_test``.
    """
    days = (
        sides.group_by("t")
        .agg(
            d=(pl.col("outcome") == OUTCOME_EVENT).sum(),
            d_a=((pl.col("outcome") == OUTCOME_EVENT) & pl.col("side")).sum(),
            left=pl.len(),
            left_a=pl.col("side").sum(),
        )
        .sort("t", descending=True)
        # at risk on a day: everyone whose time is that day or later
        .with_columns(n=pl.col("left").cum_sum(), n_a=pl.col("left_a").cum_sum())
        .filter(pl.col("d") > 0)
    )
    d, d_a = days["d"].to_numpy().astype(float), days["d_a"].to_numpy().astype(float)
    n, n_a = days["n"].to_numpy().astype(float), days["n_a"].to_numpy().astype(float)
    share = n_a / n
    variance = d * share * (1 - share) * (n - d) / np.maximum(n - 1, 1)
    statistic = float((d_a - d * share).sum() ** 2 / variance.sum())
    return statistic, float(chi2.sf(statistic, 1))


def proportional_hazards_test(
    fit: CoxFit, data: pl.DataFrame, covariate: str
) -> tuple[float, float]:
    """Grambsch–Therneau test of one Cox term, rank time transform; ``(statistic, p_value)``.

    Gives lifelines' ``proportional_hazard_test(fitter, data, time_transform="rank")`` for that
    term, computing the Efron-weighted Schoenfeld residuals with running sums instead of a
    Python loop (lifelines' loop is quadratic and takes minutes at London scale).
    """
    ordered = data.with_row_index("_row").sort("t", "event", "_row")
    x = ordered.select(fit.names).to_numpy().astype(float)
    e = ordered["event"].to_numpy().astype(bool)
    sets = risk_sets(x, ordered["t"].to_numpy(), e.astype(float), fit.params)
    # the risk-set mean each death's residual is taken from: the average over its tied terms
    weighted_mean = np.zeros((len(sets.deaths), x.shape[1]))
    np.add.at(
        weighted_mean,
        sets.at,
        sets.numerator / (sets.denominator * sets.deaths[sets.at])[:, None],
    )
    residuals = x[e] - weighted_mean[sets.time_of_row[e]]
    n_deaths = int(e.sum())
    j = fit.names.index(covariate)
    scaled = n_deaths * residuals @ fit.variance[:, j]
    ranks = np.arange(1, n_deaths + 1, dtype=float)
    centred = ranks - ranks.mean()
    statistic = float(
        (centred @ scaled) ** 2 / (n_deaths * fit.standard_errors[j] ** 2 * (centred**2).sum())
    )
    return statistic, float(chi2.sf(statistic, 1))


def _compare(
    comparison: Comparison, sides: pl.DataFrame, config: AnalysisConfig
) -> list[dict] | None:
    a, b = sides.filter(pl.col("side")), sides.filter(~pl.col("side"))
    returned = pl.col("outcome") == OUTCOME_EVENT
    if (
        min(a.height, b.height) < config.comparisons.min_group
        or min(a.filter(returned).height, b.filter(returned).height) < config.comparisons.min_events
    ):
        return None
    row = {
        "comparison_id": comparison.comparison_id,
        "group_a": comparison.group_a,
        "group_b": comparison.group_b,
        "n_a": a.height,
        "n_b": b.height,
    }
    statistic, p_value = logrank_test(sides)
    rows = [{**row, "statistic": "logrank_chi2", "value": statistic, "p_value": p_value}]
    data = _covariates(sides)
    terms = data.columns[2:]
    try:
        fit = fit_cox(
            data.select(terms).to_numpy(), data["t"].to_numpy(), data["event"].to_numpy(), terms
        )
    except CoxNotEstimable:
        return rows  # the log-rank test stands; a model that did not converge is not shown
    value, lower, upper, p_value = fit.hazard_ratio(_GROUP, config.survival.confidence_level)
    rows.append(
        {
            **row,
            "statistic": "hazard_ratio",
            "value": value,
            "ci_lower": lower,
            "ci_upper": upper,
            "p_value": p_value,
        }
    )
    statistic, p_value = proportional_hazards_test(fit, data, _GROUP)
    rows.append({**row, "statistic": "ph_test", "value": statistic, "p_value": p_value})
    return rows


def compute_comparisons(
    events: pl.DataFrame | pl.LazyFrame,
    people: pl.DataFrame | pl.LazyFrame,
    config: AnalysisConfig,
    extract_date: date,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Intervention and borough comparisons of returns to the street.

    Args:
        events: the secure zone's events (``EVENTS_SCHEMA``).
        people: the secure zone's people (``PEOPLE_SCHEMA``): age band, gender, support needs.
        config: the run's configuration (``comparisons``: group minimums, which boroughs).
        extract_date: censoring date.

    Returns:
        ``(comparisons, curves)``: rows in ``COMPARISONS_SCHEMA`` (unrounded ``n_a``, ``n_b``)
        and the two Kaplan–Meier curves of each comparison made, in ``SURVIVAL_WORK_SCHEMA``.
    """
    durations = return_to_street_durations(events, people, config, extract_date)
    rows: list[dict] = []
    memberships: list[pl.DataFrame] = []
    for comparison in comparison_plan(durations, config):
        sides = durations.filter(comparison.in_a | comparison.in_b).with_columns(
            side=comparison.in_a
        )
        made = _compare(comparison, sides, config)
        if made is None:
            continue
        rows.extend(made)
        memberships.append(
            sides.select(
                "person_key",
                "t",
                "outcome",
                curve_id=pl.lit(f"compare:{comparison.comparison_id}"),
                geography_code=pl.lit(comparison.geography_code),
                group=pl.when(pl.col("side"))
                .then(pl.lit(comparison.group_a))
                .otherwise(pl.lit(comparison.group_b)),
            )
        )
    comparisons = pl.DataFrame(rows, schema=COMPARISONS_SCHEMA)
    if not memberships:
        return comparisons, pl.DataFrame(schema=SURVIVAL_WORK_SCHEMA)
    # The reference group's curve is the same in every comparison of its family: draw it once.
    curves = survival_curves(
        pl.concat(memberships).unique(),
        ["curve_id", "geography_code", "group"],
        curve_id=None,
        confidence_level=config.survival.confidence_level,
    )
    return comparisons, curves.sort("curve_id", "group", "t_days")
