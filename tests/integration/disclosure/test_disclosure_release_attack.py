"""One interval attack on a whole release: metrics, curves, journey flows and data quality at once.

The intruder (``support.intruder.release_intervals``) knows every shown count within its rounding
and every relation within and between the tables, written out by hand: a curve's people at risk
fall by its returns, deaths and people no longer followed in each interval; curves of the same
people share their counts; stage flows add up to their cohort; rows read are rows accepted plus
rows quarantined. No hidden figure other than a zero may be pinned to one value.
"""

from datetime import date

import numpy as np
import polars as pl
import pytest
from support.intruder import (
    metrics_from_people,
    recovered,
    release_contradictions,
    release_intervals,
)

from contract.release import open_release
from metrics._survival_estimators import OUTCOME_CENSORED, OUTCOME_COMPETING, OUTCOME_EVENT
from metrics.survival import survival_curves
from pipelines.config import DisclosureConfig
from pipelines.disclosure import SUPPRESSED, protect

LONDON = "E12000007"
BIG, MIDDLE, SMALL = "E09000033", "E09000022", "E09000007"
CONFIG = DisclosureConfig()
# The worst case: an intruder who knew every shown figure exactly (no rounding at all).
EXACT = DisclosureConfig(rounding_base=1)
# The metrics table of this release hides about 160,000 figures in pieces of up to 17,000
# unknowns: attacking it as well takes the solver many minutes, so here it is checked for the
# truth of the intruder's relations (below); the metrics are attacked on synthetic tables by
# test_disclosure_attacks.py, and with the tables built from them (the service directory, the
# pilot evaluation) by test_disclosure_services.py and the evaluation tests.
ATTACKED = ("survival", "pathways", "quality", "evaluation")
KEYS = ["curve_id", "geography_code", "group"]


def curves_of(people: list[tuple[str, str, int, int]], curve_id: str = "return_to_street"):
    """Exact curves of (place, group, day, outcome) rows; with the competing-risks form for the
    return curve."""
    durations = pl.DataFrame(
        people, schema=["geography_code", "group", "t", "outcome"], orient="row"
    ).with_columns(curve_id=pl.lit(curve_id), outcome=pl.col("outcome").cast(pl.Int8))
    competing = {"cumulative_incidence_id": "return_to_street_cif"}
    return survival_curves(durations, KEYS, curve_id=None,
                           **(competing if curve_id == "return_to_street" else {}))  # fmt: skip


def boroughs_release(sizes: dict[str, int], compared: str, seed: int) -> dict[str, pl.DataFrame]:
    """Return curves for London and each borough, the compared borough against the rest of
    London, and the boroughs' seen_rough_sleeping counts, for people in one borough each."""
    rng = np.random.default_rng(seed)
    people = []
    for place, n in sizes.items():
        for _ in range(n):
            day = int(rng.integers(1, 400))
            outcome = int(rng.choice([OUTCOME_EVENT, OUTCOME_CENSORED, OUTCOME_COMPETING],
                                     p=[0.5, 0.45, 0.05]))  # fmt: skip
            people.append((place, day, outcome))
    curves = curves_of([(p, "all", d, o) for p, d, o in people] +
                       [(LONDON, "all", d, o) for _, d, o in people])  # fmt: skip
    compare = curves_of(
        [
            (compared, f"borough={compared}" if p == compared else "borough=rest_of_london", d, o)
            for p, d, o in people
        ],  # fmt: skip
        curve_id="compare:borough",
    )
    seen = metrics_from_people(
        pl.DataFrame(
            {
                "month": [date(2024, 4, 1)] * len(people),
                "borough": [p for p, _, _ in people],
                "seen_type": ["flow_new"] * len(people),
                "gender": ["male"] * len(people),
                "age_band": ["26_35"] * len(people),
            }  # fmt: skip
        ),
        families=(),
    )
    return {"survival": pl.concat([curves, compare]), "metrics": seen}


def quality_release(read: int, quarantined: int) -> dict[str, pl.DataFrame]:
    return {
        "quality": pl.DataFrame(
            {
                "source": ["chain"] * 4,
                "period": ["2025-03-31"] * 4,
                "indicator": [
                    "rows_read",
                    "rows_accepted",
                    "rows_quarantined",
                    "quarantined_share",
                ],
                "value": [
                    float(read),
                    float(read - quarantined),
                    float(quarantined),
                    quarantined / read,
                ],
            }  # fmt: skip
        )
    }


@pytest.fixture(scope="module")
def pipeline_release(release_dir) -> dict[str, pl.DataFrame]:
    release = open_release(release_dir)
    return {name: release.table(name) for name in ATTACKED}


def test_every_relation_the_intruder_assumes_is_true_of_the_pipelines_whole_release(release_dir):
    # An intruder who assumed a relation the data does not obey (a person may have two support
    # needs, or none, so the needs do not add up to everyone) would find every figure of its
    # piece "impossible", and its attack would prove nothing about them.
    release = open_release(release_dir)
    tables = {name: release.table(name) for name in (*ATTACKED, "metrics", "services")}
    assert release_contradictions(tables, CONFIG) == 0


def test_the_pipelines_own_release_attacked_as_a_whole_gives_no_hidden_figure_away(
    pipeline_release,
):
    intervals = release_intervals(pipeline_release, CONFIG)
    # The attack has work in every table that hides something, curves included.
    assert set(intervals["table"]) >= {"survival", "pathways"}
    assert intervals.filter(pl.col("figure") == "no longer followed").height > 100
    assert intervals["low"].null_count() == 0  # the intruder's relations hold of the release
    assert recovered(intervals).height == 0, recovered(intervals)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_small_releases_attacked_as_a_whole_give_no_hidden_figure_away(seed):
    # Boroughs of 50, 40 and 6 people: the small one is hidden, and the 40 with it, everywhere.
    release = protect(boroughs_release({BIG: 50, MIDDLE: 40, SMALL: 6}, MIDDLE, seed), CONFIG)
    release["quality"] = protect(quality_release(41, 3), CONFIG)["quality"]
    intervals = release_intervals(release, CONFIG, additive=True)
    hidden = intervals.filter(pl.col("figure") != "no longer followed")
    assert {"metrics", "survival", "quality"} <= set(hidden["table"])
    assert intervals["low"].null_count() == 0
    assert recovered(intervals).height == 0, recovered(intervals)


def test_a_compared_borough_hidden_with_its_small_neighbour_is_not_recovered_from_exact_figures():
    # London 96 = 50 + 40 + 6. Were the 40-person borough's comparison curve (the same people as
    # its return curve) shown, 96 - 50 - 40 would pin the 6, even from the rounded figures' truth.
    release = protect(boroughs_release({BIG: 50, MIDDLE: 40, SMALL: 6}, MIDDLE, 1), EXACT)
    starts = release["survival"].filter(pl.col("t_days") == 0)
    assert starts.filter(geography_code=SMALL)["status"].to_list() == [SUPPRESSED] * 2
    intervals = release_intervals(
        {"survival": release["survival"]}, EXACT, additive=True, quick=False
    )
    sizes = intervals.filter(pl.col("figure") == "group size")
    small = sizes.filter(pl.col("cell").str.starts_with(f"return_to_street|{SMALL}|all"))
    assert small.rows() == [("survival", f"return_to_street|{SMALL}|all", "group size", 0, 46)]
    assert recovered(sizes).height == 0


def test_three_quarantined_of_41_read_is_not_recovered_from_exact_figures():
    # Were rows accepted (38) shown beside rows read (41), 41 - 38 would pin the 3.
    release = protect(quality_release(41, 3), EXACT)
    intervals = release_intervals(release, EXACT, quick=False)
    assert intervals.select("cell", "low", "high").sort("cell").rows() == [
        ("chain|2025-03-31|rows_accepted", 0, 41),
        ("chain|2025-03-31|rows_quarantined", 0, 41),
    ]
