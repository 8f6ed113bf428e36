"""Curves, pathways and comparisons together, on a few thousand random journeys."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl
import pytest
from lifelines import KaplanMeierFitter
from support.journeys import sample_journeys

from metrics.compare import compute_comparisons
from metrics.config import AnalysisConfig
from metrics.survival import compute_survival, return_to_street_durations

EXTRACT = date(2021, 3, 31)
WESTMINSTER = "E09000033"


@pytest.fixture(scope="module")
def journeys():
    return sample_journeys(
        n_people=4000,
        start=date(2017, 4, 1),
        end=date(2021, 3, 31),
        seed=11,
        street_contacts_per_person=2,
    )


@pytest.fixture(scope="module")
def survival(journeys):
    return compute_survival(*journeys, AnalysisConfig(), EXTRACT)


def test_london_return_curve_is_lifelines_kaplan_meier_of_the_same_people(journeys, survival):
    durations = return_to_street_durations(*journeys, AnalysisConfig(), EXTRACT)
    fitter = KaplanMeierFitter().fit(durations["t"], durations["outcome"] == 1)
    london = survival.filter(
        pl.col("curve_id") == "return_to_street",
        pl.col("geography_code") == "E12000007",
        pl.col("group") == "all",
    )
    assert london["t_days"].to_list() == fitter.survival_function_.index.tolist()
    np.testing.assert_allclose(london["estimate"], fitter.survival_function_.iloc[:, 0], atol=1e-9)
    assert london["at_risk"][0] == durations.height


def test_a_borough_comparison_curve_is_that_boroughs_survival_curve(journeys, survival):
    _, curves = compute_comparisons(*journeys, AnalysisConfig(), EXTRACT)
    compared = curves.filter(
        pl.col("curve_id") == "compare:borough",
        pl.col("geography_code") == WESTMINSTER,
        pl.col("group") == f"borough={WESTMINSTER}",
    )
    borough = survival.filter(
        pl.col("curve_id") == "return_to_street",
        pl.col("geography_code") == WESTMINSTER,
        pl.col("group") == "all",
    )
    columns = ["t_days", "estimate", "ci_lower", "ci_upper", "at_risk", "n_events", "n_censored"]
    assert compared.height > 50
    assert compared.select(columns).equals(borough.select(columns))


def test_every_curve_starts_with_everyone_at_risk_and_counts_them_all_out(survival):
    per_curve = survival.group_by("curve_id", "geography_code", "group").agg(
        start=pl.col("at_risk").first(),
        first_day=pl.col("t_days").first(),
        left=(pl.col("n_events") + pl.col("n_censored")).sum(),
        rising=(pl.col("estimate").diff() > 1e-12).any(),
        falling=(pl.col("estimate").diff() < -1e-12).any(),
    )
    assert (per_curve["first_day"] == 0).all()
    assert (per_curve["start"] == per_curve["left"]).all()
    cif = pl.col("curve_id") == "return_to_street_cif"
    assert not per_curve.filter(~cif)["rising"].any()
    assert not per_curve.filter(cif)["falling"].any()
    # London, 33 boroughs and the breakdowns: a modest number of curves per measure.
    assert per_curve.filter(pl.col("curve_id") == "return_to_street").height < 80


def test_intervention_curves_are_the_breakdown_curves_and_hostels_are_drawn_once(
    journeys, survival
):
    comparisons, curves = compute_comparisons(*journeys, AnalysisConfig(), EXTRACT)
    by_kind = curves.filter(pl.col("curve_id") == "compare:first_intervention")
    groups = set(by_kind["group"])
    assert {"first_intervention=hostel", "first_intervention=temporary_accommodation"} <= groups
    assert by_kind.group_by("group", "t_days").len()["len"].max() == 1
    columns = ["t_days", "estimate", "at_risk", "n_events", "n_censored"]
    for group in groups:
        breakdown = survival.filter(
            pl.col("curve_id") == "return_to_street",
            pl.col("geography_code") == "E12000007",
            pl.col("group") == group,
        )
        assert (
            by_kind.filter(pl.col("group") == group)
            .select(columns)
            .equals(breakdown.select(columns))
        )
    hazard = comparisons.filter(pl.col("statistic") == "hazard_ratio")
    assert set(hazard["comparison_id"]) == {"first_intervention", "borough", "pilot_vs_other"}
    assert hazard.select("comparison_id", "group_a").is_unique().all()
