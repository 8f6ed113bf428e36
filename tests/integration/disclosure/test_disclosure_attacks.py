"""Attacks on a protected release, written as a motivated intruder would try them.

The population is synthetic and built so that every relation holds exactly (each person is seen
in one month in one borough), which is the easiest table to attack. The intruder sees only the
protected table and knows the rules: a shown 15 is a true 13 to 17, and zeros are shown.
"""

from datetime import date

import numpy as np
import polars as pl
import pytest
from support.intruder import intruder_intervals, metrics_from_people, shown_interval

from contract.errors import PathwaysError
from pipelines.config import DisclosureConfig
from pipelines.disclosure import (
    assert_release_safe,
    protect,
    protect_metrics,
    protect_survival,
)

LONDON = "E12000007"
WESTMINSTER, LAMBETH, CAMDEN, HILLINGDON = "E09000033", "E09000022", "E09000007", "E09000017"
CONFIG = DisclosureConfig()
GENDERS = ["male", "female", "non_binary", "unknown"]
AGE_BANDS = ["18_25", "26_35", "36_45", "46_55", "56_plus"]
NATIONALITIES = ["uk", "eu_eea", "rest_of_world", "unknown"]


def population(n: int, seed: int, boroughs: dict[str, float]) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    return pl.DataFrame(
        {
            "month": [date(2024, int(m), 1) for m in rng.choice([4, 5, 6], n)],
            "borough": rng.choice(list(boroughs), n, p=list(boroughs.values())).tolist(),
            "seen_type": rng.choice(
                ["flow_new", "stock", "returner"], n, p=[0.6, 0.25, 0.15]
            ).tolist(),
            "gender": rng.choice(GENDERS, n, p=[0.84, 0.13, 0.01, 0.02]).tolist(),
            "age_band": rng.choice(AGE_BANDS, n, p=[0.09, 0.3, 0.3, 0.2, 0.11]).tolist(),
            "nationality_group": rng.choice(NATIONALITIES, n, p=[0.45, 0.25, 0.28, 0.02]).tolist(),
        }
    )


# One person with a rare combination: a woman aged 56 or over, a returner, seen in Hillingdon in May.
RARE_PERSON = {
    "month": date(2024, 5, 1), "borough": HILLINGDON, "seen_type": "returner",
    "gender": "female", "age_band": "56_plus", "nationality_group": "rest_of_world",
}  # fmt: skip


@pytest.fixture(scope="module")
def london():
    people = pl.concat(
        [
            population(260, seed=7, boroughs={WESTMINSTER: 0.7, LAMBETH: 0.22, HILLINGDON: 0.08}),
            pl.DataFrame([RARE_PERSON]),
        ]
    )
    truth = metrics_from_people(people, families=("gender",))
    return truth, protect_metrics(truth, CONFIG)


def hidden_groups(published: pl.DataFrame, by: list[str], total_filter, part_filter):
    """(shown total, shown parts, number of hidden parts) for each relation the intruder can form."""
    totals = published.filter(total_filter).select(*by, total=pl.col("value"))
    parts = (
        published.filter(part_filter)
        .group_by(by)
        .agg(
            shown_sum=pl.col("value").sum(),
            shown_parts=pl.col("value").is_not_null().sum(),
            hidden_parts=pl.col("value").is_null().sum(),
        )
    )
    return totals.join(parts, on=by).filter(
        pl.col("total").is_not_null() & (pl.col("hidden_parts") > 0)
    )


def test_a_total_minus_its_shown_categories_never_isolates_one_hidden_category(london):
    _, published = london
    by = ["metric_id", "period_type", "period_start", "geography_code"]
    groups = hidden_groups(
        published, by, pl.col("breakdown") == "all", pl.col("breakdown").str.starts_with("gender=")
    )
    assert groups.height > 0  # the attack has something to work on
    assert groups["hidden_parts"].min() >= 2
    # What the intruder can say about the hidden categories together, despite rounding:
    # at least (total - 2) - (sum of shown + 2 per shown category) people.
    residual_high = groups["total"] + 2 - groups["shown_sum"] + 2 * groups["shown_parts"]
    assert (residual_high >= CONFIG.threshold).all()


def test_london_minus_the_shown_boroughs_never_isolates_one_hidden_borough(london):
    _, published = london
    by = ["metric_id", "period_type", "period_start", "breakdown"]
    groups = hidden_groups(
        published, by, pl.col("geography_code") == LONDON, pl.col("geography_code") != LONDON
    )
    assert groups.height > 0
    assert groups["hidden_parts"].min() >= 2


def test_a_quarter_minus_its_shown_months_never_isolates_one_hidden_month(london):
    _, published = london
    by = ["metric_id", "geography_code", "breakdown"]
    groups = hidden_groups(
        published, by, pl.col("period_type") == "quarter", pl.col("period_type") == "month"
    )
    assert groups.height > 0
    assert groups["hidden_parts"].min() >= 2


def test_the_interval_attack_with_every_relation_at_once_pins_no_one(london):
    # The intruder solves for the smallest and largest value of each hidden figure given every
    # shown figure (within its rounding), every relation, and that counts are whole and >= 0.
    _, published = london
    intervals = intruder_intervals(published, CONFIG, quick=True)
    pinned = intervals.filter((pl.col("low") == pl.col("high")) & (pl.col("low") > 0))
    assert intervals.height > 100
    assert pinned.height == 0, pinned


def test_even_knowing_every_shown_figure_exactly_pins_no_one(london):
    # The worst case: rounding gives no cover at all.
    truth, published = london
    intervals = intruder_intervals(published, CONFIG, unrounded=truth, quick=True)
    pinned = intervals.filter((pl.col("low") == pl.col("high")) & (pl.col("low") > 0))
    assert pinned.height == 0, pinned


def test_the_person_with_a_rare_combination_cannot_be_found(london):
    truth, published = london
    # Every shown figure is 0 or at least 10: nowhere does the release say "one woman".
    shown = published.filter(pl.col("value").is_not_null())["value"]
    assert ((shown == 0) | (shown >= CONFIG.threshold)).all()
    # The one cell that holds only her (women returners in Hillingdon in May) is hidden...
    her = dict(metric_id="returner", period_type="month", period_start=date(2024, 5, 1),
               geography_code=HILLINGDON, breakdown="gender=female")  # fmt: skip
    assert truth.filter(**her)["value"].item() == 1
    assert published.filter(**her)["status"].item() == "suppressed"
    # ...and no attack narrows it to her alone.
    interval = intruder_intervals(published, CONFIG, only=her)
    assert interval["low"].item() == 0 and interval["high"].item() >= CONFIG.threshold - 1


def test_nationality_cannot_be_read_by_place():
    people = population(400, seed=11, boroughs={WESTMINSTER: 0.6, LAMBETH: 0.3, CAMDEN: 0.1})
    truth = metrics_from_people(people, families=("nationality_group",))
    assert truth.filter(
        pl.col("breakdown").str.starts_with("nationality") & (pl.col("geography_code") != LONDON)
    ).height  # the unprotected table does hold nationality by borough
    published = protect({"metrics": truth}, CONFIG)
    metrics = published["metrics"]
    by_place = metrics.filter(pl.col("breakdown").str.starts_with("nationality"))
    assert by_place["geography_code"].unique().to_list() == [LONDON]
    # No relation joins London's nationality figures to any borough: there is nothing to subtract.
    assert metrics.filter(
        (pl.col("geography_code") != LONDON) & pl.col("breakdown").str.contains("nationality")
    ).is_empty()
    # And a hand-made table that tries it is refused at the door.
    forged = metrics.with_columns(
        geography_code=pl.when(pl.col("breakdown").str.starts_with("nationality"))
        .then(pl.lit(WESTMINSTER))
        .otherwise(pl.col("geography_code"))
    )
    with pytest.raises(PathwaysError, match="nationality for a borough"):
        assert_release_safe({**published, "metrics": forged}, CONFIG)


def kaplan_meier(days: list[int], returned: list[bool]) -> pl.DataFrame:
    """The event table and estimate of a small cohort, one row per distinct day, t=0 first."""
    frame = pl.DataFrame({"t": days, "event": returned})
    steps = (
        frame.group_by("t")
        .agg(n_events=pl.col("event").sum(), n_censored=(~pl.col("event")).sum())
        .sort("t")
    )
    at_risk, survival, rows = len(days), 1.0, [(0, len(days), 0, 0, 1.0)]
    for t, d, c in steps.iter_rows():
        survival *= 1 - d / at_risk
        rows.append((t, at_risk, d, c, survival))
        at_risk -= d + c
    return pl.DataFrame(
        [{"curve_id": "return_to_street", "geography_code": LONDON, "group": "all",
          "t_days": t, "estimate": s, "ci_lower": s, "ci_upper": s, "at_risk": n,
          "status": "ok", "n_events": d, "n_censored": c} for t, n, d, c, s in rows]
    )  # fmt: skip


def test_a_single_return_to_the_street_cannot_be_read_from_the_curve():
    rng = np.random.default_rng(5)
    days = rng.integers(1, 400, 150).tolist()
    returned = (rng.random(150) < 0.4).tolist()
    days.append(40)  # the person the intruder knows moved in and wonders about
    returned.append(True)
    events = kaplan_meier(days, returned)
    published = protect_survival(events, CONFIG)
    assert published.height > 3
    shown = published["t_days"].to_list()
    assert all(t % CONFIG.survival_time_step_days == 0 for t in shown)
    # Between any two shown steps, at least ten people left the risk set, and either nobody or at
    # least ten people returned: the drop in the curve never tells a small number.
    for start, end in zip(shown, shown[1:], strict=False):
        window = events.filter((pl.col("t_days") > start) & (pl.col("t_days") <= end))
        if start == 0:
            window = events.filter(pl.col("t_days") <= end)
        left = window["n_events"].sum() + window["n_censored"].sum()
        returns = window["n_events"].sum()
        assert left >= CONFIG.survival_min_leavers
        assert returns == 0 or returns >= CONFIG.threshold
    # The estimate at each shown step is worked out from the published counts alone, to whole
    # percent, and stays close to the exact curve at that day.
    survival = 1.0
    steps = published.filter(pl.col("t_days") > 0).select("t_days", "at_risk", "events").rows()
    for i, (t, n, d) in enumerate(steps):
        # people no longer followed during the interval count as at risk for half of it
        unfollowed = max(0, n - steps[i + 1][1] - d) if i + 1 < len(steps) else 0
        survival *= 1 - d / (n - unfollowed / 2)
        estimate = published.filter(pl.col("t_days") == t)["estimate"][0]
        assert estimate == round(survival, 2)
        exact = events.filter(pl.col("t_days") <= t)["estimate"].to_list()[-1]
        assert estimate == pytest.approx(exact, abs=0.05)
    # The curve stops while at least ten remain at risk, and those numbers are rounded.
    assert published["at_risk"].min() >= CONFIG.threshold
    assert (published["at_risk"] % CONFIG.rounding_base == 0).all()
    assert "n_events" not in published.columns


def test_rounding_leaves_an_intruder_several_people_of_doubt():
    assert shown_interval(15, CONFIG) == (13, 17)
    assert shown_interval(10, CONFIG) == (10, 12)
    assert shown_interval(0, CONFIG) == (0, 0)
