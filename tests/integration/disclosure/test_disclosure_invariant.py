"""Every published number is a protected count or a function of published protected counts.

Each test here is an attack an intruder could try on a release; each failed on the release
rules before curves were published as interval counts (issue 14).
"""

import polars as pl
import pytest
from support.tables import unsuppressed_tables

from contract.errors import PathwaysError
from metrics._survival_estimators import OUTCOME_CENSORED, OUTCOME_COMPETING, OUTCOME_EVENT
from metrics.survival import estimates_from_counts, survival_curves
from pipelines.config import DisclosureConfig
from pipelines.disclosure import protect_quality, protect_survival, release_problems

LONDON = "E12000007"
CONFIG = DisclosureConfig()
KEYS = ["curve_id", "geography_code", "group"]


def curves_of(people: list[tuple[str, str, int, int]]) -> pl.DataFrame:
    """Exact return curves (and the competing-risks form) of (place, group, day, outcome) rows."""
    durations = pl.DataFrame(
        people, schema=["geography_code", "group", "t", "outcome"], orient="row"
    ).with_columns(curve_id=pl.lit("return_to_street"), outcome=pl.col("outcome").cast(pl.Int8))
    return survival_curves(
        durations,
        KEYS,
        curve_id=None,
        cumulative_incidence_id="return_to_street_cif",
    )


def sixty_people(deaths: int) -> list[tuple[str, str, int, int]]:
    """30 return to the street over 300 days, 30 are censored; ``deaths`` of them died instead."""
    returns = [(LONDON, "all", 5 + 10 * i, OUTCOME_EVENT) for i in range(30)]
    censored = [(LONDON, "all", 12 + 13 * i, OUTCOME_CENSORED) for i in range(30)]
    for i in range(deaths):
        censored[3 + 7 * i] = (LONDON, "all", censored[3 + 7 * i][2], OUTCOME_COMPETING)
    return returns + censored


def test_one_two_or_three_deaths_among_sixty_cannot_be_told_apart():
    published = [protect_survival(curves_of(sixty_people(k)), CONFIG) for k in (1, 2, 3)]
    km = [p.filter(pl.col("curve_id") == "return_to_street") for p in published]
    cif = [p.filter(pl.col("curve_id") == "return_to_street_cif") for p in published]
    assert km[0].height > 2  # the return curve is still drawn
    # Every published row, and so 1 - KM - CIF at every shown day, is the same whatever the count.
    assert published[0].equals(published[1]) and published[1].equals(published[2])
    # The competing-risks curve stops before the interval holding the first death.
    assert cif[0]["t_days"].max() < 3 * 13 + 12
    assert set(cif[0]["competing_events"].to_list()) == {0}


def test_no_published_estimate_is_a_ratio_of_unpublished_counts():
    # 11 of 60 return in the first 30 days: 1 - 11/60 = 81.67% would give 11 away.
    people = [(LONDON, "all", 10, OUTCOME_EVENT)] * 11 + [
        (LONDON, "all", 35 + i, OUTCOME_CENSORED) for i in range(49)
    ]
    published = protect_survival(curves_of(people), CONFIG)
    km = published.filter(pl.col("curve_id") == "return_to_street")
    assert km.select("t_days", "at_risk", "events", "estimate").rows()[:2] == [
        (0, 60, 0, 1.0),
        (30, 60, 10, 0.83),
    ]
    assert 0.82 not in published["estimate"].to_list()
    # Every estimate and band is exactly what the published counts give, to whole percent.
    redone = estimates_from_counts(published.drop("estimate", "ci_lower", "ci_upper"))
    assert (
        redone.select(published.columns)
        .sort(published.columns)
        .equals(published.sort(published.columns))
    )


def test_a_borough_curve_hidden_to_protect_a_neighbour_appears_in_no_other_table():
    big, middle, small = "E09000033", "E09000022", "E09000007"
    people = []
    for place, n in ((big, 50), (middle, 40), (small, 6)):
        for i in range(n):
            outcome = OUTCOME_EVENT if i % 2 else OUTCOME_CENSORED
            day = 3 + (i * 7) % 300
            people += [(LONDON, "all", day, outcome), (place, "all", day, outcome)]
    exact = curves_of(people)
    # The comparison of the middle borough with the rest of London, on the same people.
    compare = curves_of(
        [
            (middle, f"borough={middle}" if g == middle else "borough=rest_of_london", t, o)
            for g, _, t, o in people
            if g != LONDON
        ]  # fmt: skip
    ).filter(pl.col("n_competing").is_null())
    compare = compare.with_columns(curve_id=pl.lit("compare:borough"))
    published = protect_survival(pl.concat([exact, compare]), CONFIG)
    status = {
        (c, g, grp): s
        for c, g, grp, s in published.filter(pl.col("t_days") == 0).select(*KEYS, "status").rows()
    }
    assert status[("return_to_street", small, "all")] == "suppressed"
    assert status[("return_to_street", middle, "all")] == "suppressed"  # London - 50 - 40 = 6
    # The same 40 people, and the rest of London (London minus them), are hidden everywhere.
    assert status[("compare:borough", middle, f"borough={middle}")] == "suppressed"
    assert status[("compare:borough", middle, "borough=rest_of_london")] == "suppressed"
    assert status[("return_to_street_cif", middle, "all")] == "suppressed"
    shown_40 = published.filter((pl.col("geography_code") == middle) & (pl.col("status") == "ok"))
    assert shown_40.height == 0


def test_three_quarantined_of_41_read_cannot_be_derived():
    quality = pl.DataFrame(
        {"source": ["chain"] * 4, "period": ["2025-03-31"] * 4,
         "indicator": ["rows_read", "rows_accepted", "rows_quarantined", "quarantined_share"],
         "value": [41.0, 38.0, 3.0, 3 / 41]}
    )  # fmt: skip
    published = protect_quality(quality, CONFIG)
    shown = {i: v for i, v in published.select("indicator", "value").rows() if v is not None}
    assert shown == {"rows_read": 40.0}  # 40 read and nothing else: 3 could be anything 1-9
    assert release_problems_of("quality", published) == []


def release_problems_of(name: str, frame: pl.DataFrame) -> list[str]:
    return [p for p in release_problems({name: frame}, CONFIG) if name in p]


@pytest.fixture(scope="module")
def safe_curves() -> pl.DataFrame:
    people = [(LONDON, "all", 3 + i * 4, OUTCOME_EVENT if i % 3 else OUTCOME_CENSORED)
              for i in range(200)]  # fmt: skip
    published = protect_survival(curves_of(people), CONFIG)
    assert release_problems_of("survival", published) == []
    return published


FORGERIES = {
    "suppressed row still carrying a figure": (
        lambda f: f.with_columns(status=pl.lit("suppressed")),
        "suppressed survival rows still carry a figure",
    ),
    "curve continuing below the threshold at risk": (
        lambda f: f.with_columns(
            at_risk=pl.when(pl.col("t_days") > 0).then(5).otherwise(200).cast(pl.Int64)
        ),
        "fewer people at risk than allowed",
    ),
    "unrounded events": (
        lambda f: f.with_columns(
            events=pl.when(pl.col("t_days") > 0).then(11).otherwise(0).cast(pl.Int64)
        ),
        "events that is neither suppressed",
    ),
    "estimate not a whole percent": (
        lambda f: f.with_columns(estimate=pl.col("estimate") - 0.0033),
        "not a whole percent",
    ),
    "estimate from unpublished counts": (
        lambda f: f.with_columns(estimate=(pl.col("estimate") - 0.01).clip(0, 1)),
        "not the one its published counts give",
    ),
    "nationality with a borough": (
        lambda f: f.with_columns(
            geography_code=pl.lit("E09000033"), group=pl.lit("nationality_group=uk")
        ),
        "nationality for a borough",
    ),
}


@pytest.mark.parametrize("forgery", list(FORGERIES), ids=list(FORGERIES))
def test_a_forged_survival_table_is_refused_by_the_release_gate(safe_curves, forgery):
    forge, problem = FORGERIES[forgery]
    problems = release_problems_of("survival", forge(safe_curves))
    assert any(problem in p for p in problems), problems


def test_a_forged_quality_share_is_refused_by_the_release_gate():
    quality = pl.DataFrame(
        {"source": ["chain"] * 3, "period": ["2025-03-31"] * 3,
         "indicator": ["rows_read", "rows_quarantined", "quarantined_share"],
         "value": [205.0, 25.0, 27 / 203], "status": ["ok"] * 3}
    )  # fmt: skip
    problems = release_problems_of("quality", quality)
    assert any("not a whole percent" in p for p in problems)
    assert any("not its published counts' share" in p for p in problems)
    with pytest.raises(PathwaysError):
        from pipelines.disclosure import assert_release_safe

        assert_release_safe({"quality": quality}, CONFIG)


@pytest.fixture(scope="module")
def safe_release() -> dict[str, pl.DataFrame]:
    """A small release that passes the gate, built by the real disclosure control."""
    from pipelines.disclosure import protect

    quality = pl.DataFrame(
        {"source": ["chain"] * 3, "period": ["2025-03-31"] * 3,
         "indicator": ["rows_read", "rows_quarantined", "quarantined_share"],
         "value": [203.0, 27.0, 27 / 203]}
    )  # fmt: skip
    people = [(LONDON, "all", 3 + i * 4, OUTCOME_EVENT if i % 3 else OUTCOME_CENSORED)
              for i in range(200)]  # fmt: skip
    tables = protect(
        {**unsuppressed_tables(), "survival": curves_of(people), "quality": quality}, CONFIG
    )
    assert release_problems(tables, CONFIG) == []
    return tables


def _first_row(column: str, value) -> pl.Expr:
    return pl.when(pl.int_range(pl.len()) == 0).then(pl.lit(value)).otherwise(pl.col(column))


RELEASE_FORGERIES = {
    # (table, forgery, the gate's words)
    "metrics: a suppressed row still carrying a figure": (
        "metrics", lambda f: f.with_columns(status=_first_row("status", "suppressed")),
        "suppressed metrics rows still carry a figure"),
    "metrics: an unrounded count": (
        "metrics", lambda f: f.with_columns(
            value=pl.when(pl.col("denominator").is_null() & pl.col("value").is_not_null())
            .then(811.0).otherwise(pl.col("value"))),
        "hold a value that is neither suppressed"),
    "metrics: a share not a whole percent": (
        "metrics", lambda f: f.with_columns(
            value=pl.when(pl.col("denominator").is_not_null()).then(0.703)
            .otherwise(pl.col("value"))),
        "not whole percents"),
    "metrics: a share not its shown counts' share": (
        "metrics", lambda f: f.with_columns(
            value=pl.when(pl.col("denominator").is_not_null()).then(0.71)
            .otherwise(pl.col("value"))),
        "not their shown numerator over their shown denominator"),
    "metrics: nationality with a borough": (
        "metrics", lambda f: f.with_columns(
            breakdown=pl.when(pl.col("geography_code") != LONDON)
            .then(pl.lit("nationality_group=uk")).otherwise(pl.col("breakdown"))),
        "nationality for a borough"),
    "metrics: a place finer than a borough": (
        "metrics", lambda f: f.with_columns(geography_code=_first_row("geography_code",
                                                                       "E01000001")),
        "finer than a borough"),
    "metrics: an unknown status": (
        "metrics", lambda f: f.with_columns(status=_first_row("status", "approximate")),
        "unknown status"),
    "paths: a journey below the threshold": (
        "paths", lambda f: f.with_columns(count=pl.lit(0, pl.Int64)),
        "journey below the threshold"),
    "pathways: an unrounded link": (
        "pathways", lambda f: f.with_columns(count=_first_row("count", 121)),
        "hold a count that is neither suppressed"),
    "comparisons: a group below the threshold": (
        "comparisons", lambda f: f.with_columns(n_a=pl.lit(5, pl.Int64)),
        "a comparison has a group (n_a) below the threshold"),
    "quality: an unrounded count": (
        "quality", lambda f: f.with_columns(
            value=pl.when(pl.col("indicator") == "rows_read").then(203.0)
            .otherwise(pl.col("value"))),
        "hold a value that is neither suppressed"),
    "a column outside the release layout": (
        "paths", lambda f: f.with_columns(person_key=pl.lit("abc")),
        "paths table has columns"),
}  # fmt: skip


@pytest.mark.parametrize("forgery", list(RELEASE_FORGERIES), ids=list(RELEASE_FORGERIES))
def test_every_rule_of_the_release_gate_refuses_a_forged_table(safe_release, forgery):
    name, forge, problem = RELEASE_FORGERIES[forgery]
    forged = {**safe_release, name: forge(safe_release[name])}
    problems = release_problems(forged, CONFIG)
    assert any(problem in p for p in problems), problems
