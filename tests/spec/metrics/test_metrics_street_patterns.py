"""Spec: living on the streets, intermittent, and new people seen only once."""

from __future__ import annotations

from metrics.config import MetricsConfig

JULY_2024 = """
person | date       | event               | borough
-------+------------+---------------------+------------
ann    | 2024-07-01 | seen_rough_sleeping | Westminster
ann    | 2024-07-10 | seen_rough_sleeping | Westminster
ann    | 2024-07-22 | seen_rough_sleeping | Camden
bob    | 2024-07-01 | seen_rough_sleeping | Westminster
bob    | 2024-07-10 | seen_rough_sleeping | Westminster
bob    | 2024-07-21 | seen_rough_sleeping | Westminster
cat    | 2024-07-05 | seen_rough_sleeping | Lambeth
cat    | 2024-07-29 | seen_rough_sleeping | Lambeth
dan    | 2023-02-01 | seen_rough_sleeping | Lambeth
dan    | 2024-07-15 | seen_rough_sleeping | Lambeth
eve    | 2024-07-15 | seen_rough_sleeping | Hackney
"""


def test_living_on_the_streets_needs_three_days_spanning_three_weeks(metrics_of):
    # ann: 3 days, the last (22 July) 21 days after the first (1 July) -> living on the streets.
    # bob: 3 days, the last (21 July) 20 days after the first -> not.
    # cat: 24 days apart but seen on only 2 days -> not.
    result = metrics_of(JULY_2024)
    assert result.value("living_on_streets", "2024-07") == 1
    # The status is London-wide: ann counts in both boroughs she was seen in.
    assert result.value("living_on_streets", "2024-07", where="Camden") == 1
    assert result.value("living_on_streets", "2024-07", where="Westminster") == 1


def test_living_on_the_streets_parameters_come_from_the_configuration(metrics_of):
    result = metrics_of(JULY_2024, config=MetricsConfig(living_on_streets_min_span_days=20))
    assert result.value("living_on_streets", "2024-07") == 2  # ann and bob


def test_intermittent_is_seen_before_and_not_living_on_the_streets(metrics_of):
    # Only dan was seen before July 2024 (February 2023); he is not living on the streets.
    # ann, bob, cat and eve are new, so neither intermittent nor returners.
    result = metrics_of(JULY_2024)
    assert result.value("intermittent", "2024-07") == 1
    assert result.value("intermittent", "2024-07", where="Lambeth") == 1
    assert result.value("intermittent", "2024-07", where="Westminster") == 0


def test_new_single_night_is_a_share_of_new_people(metrics_of):
    # New in July: ann (3 days), bob (3), cat (2), eve (1) -> 1 of 4 seen on a single day.
    row = metrics_of(JULY_2024).row("new_single_night", "2024-07")
    assert (row["numerator"], row["denominator"], row["value"]) == (1, 4, 0.25)
    assert row["status"] == "ok"


SEEN_IN_THE_YEAR = """
person | date       | event               | borough
-------+------------+---------------------+------------
ann    | 2024-05-01 | seen_rough_sleeping | Westminster
bob    | 2024-05-01 | seen_rough_sleeping | Westminster
bob    | 2024-05-01 | seen_rough_sleeping | Westminster
bob    | 2024-06-12 | seen_rough_sleeping | Camden
bob    | 2025-01-03 | seen_rough_sleeping | Camden
"""


def test_how_often_people_are_seen_in_the_year_counts_separate_days(metrics_of):
    # 2024-25: ann was seen on 1 day; bob on 3 separate days (twice on 1 May counts once).
    result = metrics_of(SEEN_IN_THE_YEAR)
    fy = "FY2024"
    assert result.value("seen_1_day", fy) == 1
    assert result.value("seen_2_5_days", fy) == 1
    assert result.value("seen_6_10_days", fy) == 0
    assert result.value("seen_over_10_days", fy) == 0
    # bob was seen on 2 of his days in Camden: a borough counts the days seen anywhere in London
    assert result.value("seen_2_5_days", fy, where="Camden") == 1
