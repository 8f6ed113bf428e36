"""Disclosure control of the pilot evaluation: design 1 only from published counts, design 2
under the hazard ratios' exception (group sizes protected, estimates rounded, small groups
left out), and the final check refusing a table that breaks either rule."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from contract.release import EVALUATION_SCHEMA
from metrics.config import Pilot
from pipelines.config import DisclosureConfig, PathwaysConfig
from pipelines.disclosure import release_problems
from pipelines.disclosure.evaluation import protect_evaluation, with_before_after

CONFIG = DisclosureConfig()
PILOT = Pilot(id="camden-housing-first", borough="E09000007", intervention="housing_first",
              start="2023-04")  # fmt: skip


def weighted(rows: list[tuple]) -> pl.DataFrame:
    """(statistic, group, value, n) rows of one pilot's design 2, unprotected."""
    return pl.DataFrame(
        [
            {"pilot_id": PILOT.id, "design": "weighted", "outcome": "returned", "statistic": s,
             "group": g, "value": v, "n": n, "status": "ok"}
            for s, g, v, n in rows
        ],
        schema=EVALUATION_SCHEMA, strict=False,
    )  # fmt: skip


def test_group_sizes_are_rounded_and_estimates_kept_to_two_decimals():
    table = protect_evaluation(
        weighted([
            ("group_size", "pilot", None, 43), ("group_size", "comparison", None, 118),
            ("effective_sample_size", "pilot", 43.0, None),
            ("effective_sample_size", "comparison", 61.7, None),
            ("hazard_ratio", "all", 0.61234, 43), ("balance_after", "need_drugs", 0.0312, None),
            ("returned_by_365d", "pilot", 0.4137, None),
        ]),
        CONFIG,
    )  # fmt: skip
    got = {(s, g): (v, n) for s, g, v, n in table.select("statistic", "group", "value", "n").rows()}
    assert got[("group_size", "pilot")] == (None, 45)
    assert got[("group_size", "comparison")] == (None, 120)
    assert got[("effective_sample_size", "comparison")] == (60.0, None)
    assert got[("hazard_ratio", "all")] == (0.61, 45)
    assert got[("balance_after", "need_drugs")] == (0.03, None)
    assert got[("returned_by_365d", "pilot")] == (0.41, None)  # whole percent
    assert release_problems({**_empty_release(), "evaluation": table}, CONFIG) == []


def test_a_group_under_the_threshold_keeps_only_its_sizes_with_the_small_one_hidden():
    table = protect_evaluation(
        weighted([("group_size", "pilot", None, 7), ("group_size", "comparison", None, 80),
                  ("hazard_ratio", "all", 0.5, 7), ("balance_before", "need_drugs", 0.4, None)]),
        CONFIG,
    )  # fmt: skip
    assert table.select("statistic", "group", "n", "status").sort("group").rows() == [
        ("group_size", "comparison", 80, "too_small"),
        ("group_size", "pilot", None, "suppressed"),
    ]


def test_a_share_returned_that_would_say_how_few_returned_is_left_out():
    # 45 people in the pilot, 4% returned: about 2 people. The comparison's 30% of an effective
    # 60 is 18 people returned and 42 not: shown.
    table = protect_evaluation(
        weighted([("group_size", "pilot", None, 45), ("group_size", "comparison", None, 120),
                  ("effective_sample_size", "pilot", 45.0, None),
                  ("effective_sample_size", "comparison", 60.0, None),
                  ("returned_by_182d", "pilot", 0.04, None),
                  ("returned_by_182d", "comparison", 0.30, None)]),
        CONFIG,
    )  # fmt: skip
    shares = table.filter(pl.col("statistic") == "returned_by_182d")
    assert shares.select("group", "value").rows() == [("comparison", 0.3)]


def test_before_and_after_handed_in_unprotected_is_dropped():
    rows = weighted([("group_size", "pilot", None, 45)]).with_columns(
        design=pl.lit("before_after"), statistic=pl.lit("share"), value=pl.lit(0.123)
    )
    assert protect_evaluation(rows, CONFIG).is_empty()


def test_before_and_after_is_worked_out_from_the_published_metrics_only():
    quarters = [date(2022, 10, 1), date(2023, 1, 1), date(2023, 4, 1), date(2023, 7, 1)]
    boroughs = ["E09000007"] + [f"E09000{n:03d}" for n in range(8, 20)]
    rows = []
    for b in boroughs:
        for q in quarters:
            # Camden's first quarter was suppressed by disclosure control: it must stay unread
            hidden = b == "E09000007" and q == quarters[0]
            rows.append({"metric_id": "sustained_6m", "period_type": "quarter", "period_start": q,
                         "geography_type": "borough", "geography_code": b, "breakdown": "all",
                         "value": None if hidden else 0.8, "numerator": None if hidden else 40,
                         "denominator": None if hidden else 50,
                         "status": "suppressed" if hidden else "ok"})  # fmt: skip
    metrics = pl.DataFrame(rows)
    config = PathwaysConfig(evaluation={"pilots": [PILOT], "before_quarters": 2,
                                        "after_quarters": 2})  # fmt: skip
    tables = with_before_after({"metrics": metrics, "evaluation": weighted([]).head(0)}, config)
    shares = tables["evaluation"].filter(
        (pl.col("statistic") == "share") & (pl.col("outcome") == "returned_6m")
    )
    pilot = shares.filter(pl.col("group") == "pilot")
    assert pilot["period_start"].to_list() == quarters[1:]  # the hidden quarter is not there
    assert set(pilot["n"]) == {50} and set(pilot["value"]) == {0.2}  # 10 of 50 returned
    assert set(shares.filter(pl.col("group") == "rest_of_london")["n"]) == {600}  # 12 x 50


def _empty_release() -> dict[str, pl.DataFrame]:
    from contract.release import RELEASE_SCHEMAS

    return {name: pl.DataFrame(schema=schema) for name, schema in RELEASE_SCHEMAS.items()}


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda f: f.with_columns(n=pl.lit(43, pl.Int64)),
         "evaluation rows hold a group size that is neither suppressed"),
        (lambda f: f.with_columns(value=pl.lit(0.123)).filter(pl.col("statistic") == "returned_by_365d"),
         "an evaluation share is not a whole percent"),
        (lambda f: f.with_columns(status=pl.lit("maybe")), "evaluation rows have an unknown status"),
    ],
)  # fmt: skip
def test_the_final_check_refuses_an_evaluation_that_breaks_the_rules(change, problem):
    table = protect_evaluation(
        weighted([("group_size", "pilot", None, 45), ("group_size", "comparison", None, 120),
                  ("returned_by_365d", "comparison", 0.3, None),
                  ("effective_sample_size", "comparison", 60.0, None)]),
        CONFIG,
    )  # fmt: skip
    problems = release_problems({**_empty_release(), "evaluation": change(table)}, CONFIG)
    assert any(problem in p for p in problems), problems


def test_the_final_check_refuses_a_weighted_estimate_for_a_group_below_the_threshold():
    table = pl.concat([
        weighted([("group_size", "pilot", None, 45)]),
        weighted([("group_size", "comparison", None, None)]).with_columns(status=pl.lit("suppressed")),
        weighted([("hazard_ratio", "all", 0.5, 45)]),
    ])  # fmt: skip
    problems = release_problems({**_empty_release(), "evaluation": table}, CONFIG)
    assert "a weighted evaluation is shown for a group below the threshold" in problems
