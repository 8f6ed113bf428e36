"""Known truth: over many simulated Londons, each design finds the simulated effect inside its 95%
interval about 95% of the time, and finds an effect where none was simulated about 5% of the
time.

The data are the designs' own inputs, drawn small and directly (not the whole pipeline):
borough by quarter counts, protected like the release's (rounded to 5, under 10 suppressed), for
design 1; one row per person with case mix that decides both who gets the pilot and who
returns, for design 2. Tolerances are about three binomial standard errors of the promised rate
at the number of replications, so a design that keeps its promise fails these tests very rarely
and one that does not (an interval half as wide, a confounder left unweighted) fails them.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl
import pytest
from lifelines import CoxPHFitter

from metrics.config import EvaluationConfig
from metrics.evaluation import before_after, weighted_comparison
from tests.support.pilots import pilot_people

PILOT = "E09000007"
BOROUGHS = [f"E09000{n:03d}" for n in range(1, 34)]
BEFORE = [date(2021 + (m // 12), m % 12 + 1, 1) for m in range(6, 24, 3)]  # six quarters
AFTER = [date(2023 + (m // 12), m % 12 + 1, 1) for m in range(0, 24, 3)]  # eight quarters
# Intervals always drawn: these tests measure the intervals themselves.
WIDE_OPEN = EvaluationConfig(stated_effect_points=100, stated_hazard_ratio=0.01)

DESIGN_1_REPLICATIONS = 400
DESIGN_2_REPLICATIONS = 150


def protected(count: np.ndarray) -> np.ndarray:
    """The release's 10-5 rule: under 10 suppressed (NaN), the rest rounded to the nearest 5."""
    rounded = (np.floor((count + 2) / 5) * 5).astype(float)
    rounded[(count > 0) & (count < 10)] = np.nan
    return rounded


def borough_quarters(rng: np.random.Generator, effect: float) -> pl.DataFrame:
    """A London of 33 boroughs: each borough's share returning sits at its own level, every
    borough moves with London's quarter-to-quarter swings, and the pilot borough's share changes
    by ``effect`` from its start. People per quarter from 40 to 400 a borough, 200 in the
    pilot's (a borough Camden's size at London's full volumes)."""
    level = rng.uniform(0.15, 0.35, len(BOROUGHS))
    size = rng.integers(40, 400, len(BOROUGHS))
    size[BOROUGHS.index(PILOT)] = 200
    quarters = BEFORE + AFTER
    swing = rng.normal(0, 0.02, len(quarters))
    rows = []
    for b, code in enumerate(BOROUGHS):
        for q, quarter in enumerate(quarters):
            share = level[b] + swing[q] + (effect if code == PILOT and quarter in AFTER else 0)
            people = rng.poisson(size[b])
            events = rng.binomial(people, np.clip(share, 0, 1))
            shown_people, shown_events = protected(np.array([people, events]))
            rows.append((code, quarter, shown_events, shown_people))
    frame = pl.DataFrame(
        rows, schema={"borough": pl.String, "quarter": pl.Date, "events": pl.Float64,
                      "people": pl.Float64}, orient="row",
    )  # fmt: skip
    return frame.with_columns(pl.col("events", "people").fill_nan(None).cast(pl.Int64))


def design_1_rates(effect: float, seed: int) -> tuple[float, float, int]:
    """(coverage of the true effect, share of intervals excluding zero, replications)."""
    rng = np.random.default_rng(seed)
    covered = excluded = 0
    for _ in range(DESIGN_1_REPLICATIONS):
        result = before_after(borough_quarters(rng, effect), PILOT, BEFORE, AFTER, WIDE_OPEN)
        assert result.ci_lower is not None, result.status
        covered += result.ci_lower <= effect <= result.ci_upper
        excluded += not (result.ci_lower <= 0 <= result.ci_upper)
    return covered / DESIGN_1_REPLICATIONS, excluded / DESIGN_1_REPLICATIONS, DESIGN_1_REPLICATIONS


def test_design_1_covers_a_simulated_fall_of_6_points_at_the_promised_rate():
    coverage, detected, n = design_1_rates(-0.06, seed=1)
    # 400 replications: 95% promised, one binomial standard error is 1.1 points
    assert 0.92 <= coverage <= 0.98, f"coverage {coverage:.3f} over {n}"
    assert detected > 0.5  # and it usually sees the fall


def test_design_1_finds_no_effect_where_none_was_simulated_about_5_percent_of_the_time():
    coverage, false_positive, n = design_1_rates(0.0, seed=2)
    assert false_positive <= 0.08, f"false positives {false_positive:.3f} over {n}"
    assert coverage >= 0.92


# -- design 2 -----------------------------------------------------------------------------


def marginal_truth(hazard_ratio: float) -> float:
    """The effect design 2 estimates: among people like those in the pilot, the hazard ratio
    of returning with the pilot against without it (everyone's both outcomes drawn), which the
    case mix makes a little closer to 1 than ``hazard_ratio``."""
    rng = np.random.default_rng(0)
    many = pilot_people(rng, 1.0, 200_000).filter(pl.col("treated"))
    need, long_street = many["need"].to_numpy(), many["long_street"].to_numpy()
    base = 0.0015 * np.exp(0.7 * need + 0.5 * long_street)
    follow = rng.uniform(180, 730, len(base))
    arms = []
    for treated, ratio in ((1, hazard_ratio), (0, 1.0)):
        time = rng.exponential(1 / (base * ratio))
        arms.append(
            {
                "t": np.minimum(time, follow),
                "event": (time <= follow).astype(int),
                "treated": np.full(len(base), treated),
            }  # fmt: skip
        )
    stacked = pl.concat([pl.DataFrame(a) for a in arms]).to_pandas()
    return float(CoxPHFitter().fit(stacked, "t", "event").hazard_ratios_["treated"])


def design_2_rates(hazard_ratio: float, seed: int) -> tuple[float, float, float]:
    """(coverage of the truth, share of intervals excluding 1, the truth)."""
    truth = marginal_truth(hazard_ratio)
    rng = np.random.default_rng(seed)
    covered = excluded = 0
    for _ in range(DESIGN_2_REPLICATIONS):
        result = weighted_comparison(pilot_people(rng, hazard_ratio), ["need", "long_street"],
                                     WIDE_OPEN)  # fmt: skip
        assert result.ci_lower is not None, result.status
        covered += result.ci_lower <= truth <= result.ci_upper
        excluded += not (result.ci_lower <= 1 <= result.ci_upper)
    n = DESIGN_2_REPLICATIONS
    return covered / n, excluded / n, truth


@pytest.mark.slow
def test_design_2_covers_a_simulated_halving_of_the_hazard_at_the_promised_rate():
    coverage, detected, truth = design_2_rates(0.5, seed=3)
    # 150 replications: one binomial standard error of 95% is 1.8 points; the robust interval
    # is known to be a little conservative under weighting, so the upper bound is 1
    assert 0.90 <= coverage <= 1.0, f"coverage {coverage:.3f} of {truth:.3f}"
    assert detected > 0.5


@pytest.mark.slow
def test_design_2_finds_no_effect_where_none_was_simulated_about_5_percent_of_the_time():
    coverage, false_positive, truth = design_2_rates(1.0, seed=4)
    assert truth == pytest.approx(1.0, abs=0.02)
    assert false_positive <= 0.10, f"false positives {false_positive:.3f}"


def test_design_2_without_weights_would_be_fooled_by_the_case_mix():
    """The reason for weighting, shown on the same simulated people: with no effect at all,
    the unweighted hazard ratio is well above 1 because the pilot took people likelier to
    return, and the weighted one is not."""
    naive, weighted = [], []
    for seed in range(5, 10):  # five Londons of 4,000 people each
        rng = np.random.default_rng(seed)
        people = pl.concat([pilot_people(rng, 1.0) for _ in range(8)])
        frame = people.select("t", "event", treated=pl.col("treated").cast(int)).to_pandas()
        naive.append(CoxPHFitter().fit(frame, "t", "event").hazard_ratios_["treated"])
        result = weighted_comparison(people, ["need", "long_street"], WIDE_OPEN)
        weighted.append(result.hazard_ratio)
    assert min(naive) > 1.15
    assert np.exp(np.mean(np.log(weighted))) == pytest.approx(1.0, abs=0.05)
