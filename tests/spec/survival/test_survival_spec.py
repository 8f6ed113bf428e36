"""Returns to the street and time to accommodation, checked by eye on small journeys."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from contract.curves import curves_at
from metrics.config import AnalysisConfig, MetricsConfig
from metrics.survival import (
    SURVIVAL_WORK_SCHEMA,
    compute_survival,
    return_to_street_durations,
)

LONDON = "E12000007"
WESTMINSTER = "E09000033"
CAMDEN = "E09000007"


def curve(frame: pl.DataFrame, curve_id: str, geography=LONDON, group="all") -> dict:
    rows = frame.filter(
        (pl.col("curve_id") == curve_id)
        & (pl.col("geography_code") == geography)
        & (pl.col("group") == group)
    )
    return {r["t_days"]: r for r in rows.iter_rows(named=True)}


# Five people seen bedded down in Westminster and moved into a hostel on 2024-01-11 (day 0).
# Extract date 2024-07-09 (day 180).
#   A seen again on day 5 (inside the 14-day grace: same episode) and on day 50: returned
#   B seen again on day 100: returned
#   C died on day 40: censored for Kaplan–Meier, a competing event for the incidence
#   D never seen again: censored at the extract date, day 180
#   E seen again on day 100: returned
FIVE_PEOPLE = """
person | date       | event               | borough
A      | 2024-01-01 | seen_rough_sleeping | E09000033
A      | 2024-01-11 | hostel_entry        | E09000033
A      | 2024-01-16 | seen_rough_sleeping | E09000033
A      | 2024-03-01 | seen_rough_sleeping | E09000033
B      | 2024-01-01 | seen_rough_sleeping | E09000033
B      | 2024-01-11 | hostel_entry        | E09000033
B      | 2024-04-20 | seen_rough_sleeping | E09000007
C      | 2024-01-01 | seen_rough_sleeping | E09000033
C      | 2024-01-11 | hostel_entry        | E09000033
C      | 2024-02-20 | died                | -
D      | 2024-01-01 | seen_rough_sleeping | E09000033
D      | 2024-01-11 | hostel_entry        | E09000033
E      | 2024-01-01 | seen_rough_sleeping | E09000033
E      | 2024-01-11 | hostel_entry        | E09000033
E      | 2024-04-20 | seen_rough_sleeping | E09000033
"""
EXTRACT = date(2024, 7, 9)


@pytest.fixture
def five(draw_events, no_people) -> pl.DataFrame:
    return compute_survival(draw_events(FIVE_PEOPLE), no_people, AnalysisConfig(), EXTRACT)


def test_return_to_street_kaplan_meier_by_hand(five):
    km = curve(five, "return_to_street")
    #       day: (at risk, returned, censored or died, S(t))
    expected = {
        0: (5, 0, 0, 1.0),
        40: (5, 0, 1, 1.0),  # C dies: leaves the risk set, S unchanged
        50: (4, 1, 0, 3 / 4),  # A returns: 1 of 4
        100: (3, 2, 0, 3 / 4 * 1 / 3),  # B and E return: 2 of 3
        180: (1, 0, 1, 1 / 4),  # D still housed at the extract date
    }
    assert sorted(km) == sorted(expected)
    for day, (at_risk, returned, left, survival) in expected.items():
        row = km[day]
        assert (row["at_risk"], row["n_events"], row["n_censored"]) == (at_risk, returned, left)
        assert row["estimate"] == pytest.approx(survival, abs=1e-12)


def test_return_to_street_cumulative_incidence_treats_death_as_competing(five):
    cif = curve(five, "return_to_street_cif")
    # Day 50: 4/5 still in the running (C died) x 1/4 returned = 1/5.
    # Day 100: 1/5 + (3/5 still in the running) x 2/3 = 3/5. Three of five returned.
    assert {day: round(row["estimate"], 12) for day, row in cif.items()} == {
        0: 0.0,
        40: 0.0,
        50: round(1 / 5, 12),
        100: round(3 / 5, 12),
        180: round(3 / 5, 12),
    }
    # Kaplan–Meier, which pretends C could still return, says more returned: 1 - 1/4 = 3/4.
    assert 1 - curve(five, "return_to_street")[180]["estimate"] > cif[180]["estimate"]


def test_curves_are_drawn_for_the_borough_of_the_move_and_the_first_intervention(five):
    # All moves were in Westminster; B was seen again in Camden, which does not matter.
    assert curve(five, "return_to_street", WESTMINSTER)[100]["estimate"] == pytest.approx(1 / 4)
    assert curve(five, "return_to_street", CAMDEN) == {}
    by_intervention = curve(five, "return_to_street", group="first_intervention=hostel")
    assert by_intervention[100]["estimate"] == pytest.approx(1 / 4)


def test_the_table_has_the_release_columns_plus_the_disclosure_counts(five):
    assert dict(five.schema) == SURVIVAL_WORK_SCHEMA
    assert set(five["status"]) == {"ok"}
    assert set(five["curve_id"]) == {
        "return_to_street",
        "return_to_street_cif",
        "time_to_accommodation",
    }


def test_a_sighting_on_day_14_is_the_same_episode_and_on_day_15_a_return(draw_events, no_people):
    events = draw_events("""
    person | date       | event
    F      | 2024-01-01 | seen_rough_sleeping
    F      | 2024-01-01 | hostel_entry
    F      | 2024-01-15 | seen_rough_sleeping
    G      | 2024-01-01 | seen_rough_sleeping
    G      | 2024-01-01 | hostel_entry
    G      | 2024-01-16 | seen_rough_sleeping
    """)
    durations = return_to_street_durations(events, no_people, AnalysisConfig(), EXTRACT)
    assert durations.select("person_key", "t", "outcome").rows() == [
        ("F", 190, 0),  # day 14 ignored; still housed at the extract date
        ("G", 15, 1),
    ]
    # One grace period for sustainment and the curves: the metrics' setting moves both.
    longer = AnalysisConfig(metrics=MetricsConfig(sustained_grace_days=15))
    durations = return_to_street_durations(events, no_people, longer, EXTRACT)
    assert durations.select("person_key", "t", "outcome").rows() == [("F", 190, 0), ("G", 190, 0)]


def test_the_clock_starts_at_the_first_move_made_within_12_months_of_being_seen(
    draw_events, no_people
):
    events = draw_events("""
    person | date       | event               | borough
    H      | 2021-06-01 | ta_start            | E09000007
    H      | 2023-05-01 | seen_rough_sleeping | E09000007
    H      | 2023-06-01 | hostel_entry        | E09000007
    H      | 2023-09-01 | seen_rough_sleeping | E09000007
    H      | 2023-10-01 | housing_first       | E09000007
    J      | 2022-01-01 | seen_rough_sleeping | E09000033
    J      | 2023-03-01 | housing_first       | E09000033
    J      | 2023-04-01 | seen_rough_sleeping | E09000033
    J      | 2023-05-01 | settled_prs         | E09000033
    J      | 2023-05-01 | hostel_entry        | E09000033
    K      | 2023-01-01 | ta_start            | E09000033
    """)
    # H: the TA in 2021 was before H was ever seen; the hostel move starts the clock, and the
    #    sighting in September is a return (the later Housing First move starts nothing new).
    # J: Housing First came 14 months after J was seen, so it is not counted; the move on
    #    2023-05-01 is, and of the two that day the hostel comes first (the breakdown's order).
    # K: never seen rough sleeping, so K's move is no part of this measure.
    durations = return_to_street_durations(events, no_people, AnalysisConfig(), date(2024, 3, 31))
    assert durations.select(
        "person_key", "move_date", "first_intervention", "borough", "t", "outcome"
    ).rows() == [
        ("H", date(2023, 6, 1), "hostel", "E09000007", 92, 1),
        ("J", date(2023, 5, 1), "hostel", "E09000033", 335, 0),
    ]


def test_time_to_accommodation_counts_from_first_seen_and_day_0_is_a_step(draw_events, no_people):
    events = draw_events("""
    person | date       | event               | borough
    L      | 2024-01-01 | seen_rough_sleeping | E09000001
    L      | 2024-01-01 | nsno_arrival        | E09000001
    L      | 2024-01-01 | hostel_entry        | E09000001
    M      | 2024-01-01 | seen_rough_sleeping | E09000033
    M      | 2024-01-31 | ta_start            | E09000033
    N      | 2023-12-01 | hostel_entry        | E09000033
    N      | 2024-01-01 | seen_rough_sleeping | E09000033
    P      | 2024-01-01 | seen_rough_sleeping | E09000033
    P      | 2024-01-21 | died                | -
    """)
    result = compute_survival(events, no_people, AnalysisConfig(), date(2024, 3, 31))
    km = curve(result, "time_to_accommodation")
    # L moved in the day L was first seen; M after 30 days; N's hostel stay was before N was
    # ever seen, so N is still waiting at the extract date (day 90); P died on day 20.
    assert {d: (r["at_risk"], r["n_events"], r["n_censored"]) for d, r in km.items()} == {
        0: (4, 1, 0),
        20: (3, 0, 1),
        30: (2, 1, 0),
        90: (1, 0, 1),
    }
    assert km[0]["estimate"] == pytest.approx(3 / 4)
    assert km[30]["estimate"] == pytest.approx(3 / 4 * 1 / 2)
    # The borough is where each person was first seen.
    assert curve(result, "time_to_accommodation", "E09000001")[0]["estimate"] == 0.0


def test_breakdowns_are_london_only_and_each_need_is_its_own_group(draw_events, draw_people):
    events = draw_events(FIVE_PEOPLE)
    people = draw_people("""
    person | age_band | gender | needs
    A      | 26_35    | male   | mental_health,drugs
    B      | 26_35    | female | mental_health
    C      | 46_55    | male   | none
    D      | 46_55    | male   | none
    """)
    result = compute_survival(events, people, AnalysisConfig(), EXTRACT)
    groups = result.filter(pl.col("curve_id") == "return_to_street")
    assert set(groups.filter(pl.col("geography_code") != LONDON)["group"]) == {"all"}
    sizes = {
        g: rows["at_risk"][0]
        for (g,), rows in groups.filter(pl.col("t_days") == 0).group_by("group")
    }
    assert sizes["gender=male"] == 3 and sizes["gender=female"] == 1
    assert sizes["gender=unknown"] == 1  # E is not in the people table
    assert sizes["support_need=mental_health"] == 2 and sizes["support_need=drugs"] == 1
    assert sizes["support_need=none"] == 2 and sizes["support_need=unknown"] == 1
    assert sizes["age_band=26_35"] == 2 and sizes["first_intervention=hostel"] == 5
    assert "nationality_group=unknown" in sizes


def test_nothing_to_follow_gives_an_empty_table(draw_events, no_people):
    empty = draw_events("person | date | event")
    result = compute_survival(empty, no_people, AnalysisConfig(), EXTRACT)
    assert result.height == 0 and dict(result.schema) == SURVIVAL_WORK_SCHEMA


def test_a_hostel_exit_to_death_is_a_death(draw_events, no_people):
    events = draw_events("""
    person | date       | event               | borough | detail
    V      | 2024-01-01 | seen_rough_sleeping | -       | -
    V      | 2024-01-01 | hostel_entry        | -       | -
    V      | 2024-03-01 | hostel_exit         | -       | died
    """)
    durations = return_to_street_durations(events, no_people, AnalysisConfig(), EXTRACT)
    assert durations.select("t", "outcome").row(0) == (60, 2)  # died on day 60


def test_curves_are_read_at_the_report_days_as_steps(five):
    at = curves_at(five.filter(pl.col("curve_id") == "return_to_street"), (90, 180, 365))
    london = at.filter(geography_code=LONDON, group="all")
    # Day 90 falls on the step from day 50 (3/4); day 180 is the last row; 365 is unobserved.
    assert london.select("day", "estimate", "at_risk").rows() == [
        (90, 0.75, 4),
        (180, 0.25, 1),
        (365, None, None),
    ]
