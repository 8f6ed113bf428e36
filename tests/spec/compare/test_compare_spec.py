"""Comparisons on a constructed London where hostel residents clearly return more often."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import pytest

from contract.release import COMPARISONS_SCHEMA
from contract.vocabulary import OBSERVATIONAL_CAVEAT
from metrics.compare import compute_comparisons
from metrics.config import AnalysisConfig
from metrics.journeys import EVENTS_SCHEMA, PEOPLE_SCHEMA, SUPPORT_NEED_FLAGS
from metrics.survival import SURVIVAL_WORK_SCHEMA

CAMDEN, WESTMINSTER = "E09000007", "E09000033"
MOVE = date(2023, 1, 10)
EXTRACT = date(2024, 1, 10)  # 365 days after every move


def constructed_london(n_per_group: int = 40) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Everyone is seen on 2023-01-01 and moves in on 2023-01-10.

    Camden's people move into Housing First: one in four is seen rough sleeping again,
    late (day 200 onwards). Westminster's move into hostels: three in four are seen again,
    early (day 20 onwards). Ages, genders and needs are spread alike in both groups (and two
    pairs of needs are always recorded together, which the model has to cope with).
    """
    events, people = [], []
    ages, genders = ("18_25", "26_35", "36_45", "46_55"), ("male", "male", "male", "female")
    for side, (borough, move, share_back, first_day) in enumerate(
        [(CAMDEN, "housing_first", 4, 200), (WESTMINSTER, "hostel_entry", 4 / 3, 20)]
    ):
        for i in range(n_per_group):
            person = f"{'ab'[side]}{i:03d}"
            events += [
                (person, date(2023, 1, 1), "seen_rough_sleeping", borough),
                (person, MOVE, move, borough),
            ]
            if i < n_per_group / share_back:
                back = MOVE + timedelta(days=first_day + 3 * i)
                events.append((person, back, "seen_rough_sleeping", borough))
            people.append(
                {
                    "person_key": person,
                    "age_band": ages[i % 4],
                    "gender": genders[(i // 4) % 4],
                    "ethnic_group": "unknown",
                    "nationality_group": "unknown",
                    **{f: (i + k) % 3 == 0 for k, f in enumerate(SUPPORT_NEED_FLAGS)},
                    "armed_forces": False,
                    "care_leaver": False,
                    "prison_history": False,
                }
            )
    frame = pl.DataFrame(
        [(p, d, t, b, "chain", None) for p, d, t, b in events], schema=EVENTS_SCHEMA, orient="row"
    )
    return frame.sort("person_key", "event_date"), pl.DataFrame(people, schema=PEOPLE_SCHEMA)


@pytest.fixture(scope="module")
def result():
    events, people = constructed_london()
    return compute_comparisons(events, people, AnalysisConfig(), EXTRACT)


def rows_of(comparisons: pl.DataFrame, comparison_id: str, group_a: str) -> dict[str, dict]:
    part = comparisons.filter(
        pl.col("comparison_id") == comparison_id, pl.col("group_a") == group_a
    )
    return {r["statistic"]: r for r in part.iter_rows(named=True)}


def test_housing_first_returns_less_than_hostels(result):
    comparisons, _ = result
    assert dict(comparisons.schema) == COMPARISONS_SCHEMA
    rows = rows_of(comparisons, "first_intervention", "first_intervention=housing_first")
    assert set(rows) == {"hazard_ratio", "logrank_chi2", "ph_test"}
    hr = rows["hazard_ratio"]
    assert hr["group_a"] == "first_intervention=housing_first"
    assert hr["group_b"] == "first_intervention=hostel"
    assert (hr["n_a"], hr["n_b"]) == (40, 40)
    # 10 of 40 back late against 30 of 40 back early: a hazard ratio well below 1.
    assert hr["ci_lower"] < hr["value"] < hr["ci_upper"] < 0.5
    assert hr["p_value"] < 0.001
    assert rows["logrank_chi2"]["value"] > 10 and rows["logrank_chi2"]["p_value"] < 0.001
    assert 0.0 <= rows["ph_test"]["p_value"] <= 1.0


def test_each_borough_is_compared_with_the_rest_of_london(result):
    comparisons, _ = result
    camden = rows_of(comparisons, "borough", f"borough={CAMDEN}")["hazard_ratio"]
    westminster = rows_of(comparisons, "borough", f"borough={WESTMINSTER}")["hazard_ratio"]
    assert camden["group_b"] == "borough=rest_of_london"
    # Two groups only, so each borough's ratio is the other's inverse.
    assert camden["value"] * westminster["value"] == pytest.approx(1.0, rel=1e-4)


def test_comparisons_with_an_empty_or_small_group_are_skipped(result):
    comparisons, _ = result
    # Nobody moved into TA or lived in Lambeth or Hillingdon; every pilot borough is one side
    # of the pilots' comparison and nobody the other.
    assert set(comparisons.select("comparison_id", "group_a").iter_rows()) == {
        ("first_intervention", "first_intervention=housing_first"),
        ("borough", f"borough={CAMDEN}"),
        ("borough", f"borough={WESTMINSTER}"),
    }
    events, people = constructed_london(n_per_group=19)
    small, curves = compute_comparisons(events, people, AnalysisConfig(), EXTRACT)
    assert small.height == 0 and curves.height == 0


def test_each_comparison_comes_with_its_two_curves(result):
    _, curves = result
    assert dict(curves.schema) == SURVIVAL_WORK_SCHEMA
    housing_first = curves.filter(pl.col("curve_id") == "compare:first_intervention")
    assert set(housing_first["group"]) == {
        "first_intervention=housing_first",
        "first_intervention=hostel",
    }
    last = housing_first.group_by("group").agg(pl.col("estimate").last())
    assert dict(last.iter_rows()) == {
        "first_intervention=housing_first": pytest.approx(30 / 40),
        "first_intervention=hostel": pytest.approx(10 / 40),
    }
    camden = curves.filter(
        pl.col("curve_id") == "compare:borough", pl.col("geography_code") == CAMDEN
    )
    assert set(camden["group"]) == {f"borough={CAMDEN}", "borough=rest_of_london"}


def test_the_caveat_says_observational_and_association_in_plain_words():
    words = OBSERVATIONAL_CAVEAT.lower()
    assert "not from an experiment" in words and "association" in words
    assert "age band, gender and support needs" in words
