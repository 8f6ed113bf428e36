"""Spec: people seen rough sleeping, and its partition into new, stock and returners."""

from __future__ import annotations

APRIL_2024 = """
person | date       | event               | borough
-------+------------+---------------------+------------
ann    | 2024-03-10 | seen_rough_sleeping | Westminster
ann    | 2024-04-02 | seen_rough_sleeping | Westminster
bob    | 2023-11-20 | seen_rough_sleeping | Camden
bob    | 2024-04-15 | seen_rough_sleeping | Camden
cat    | 2024-04-20 | seen_rough_sleeping | Lambeth
cat    | 2024-04-21 | seen_rough_sleeping | Westminster
dan    | 2024-04-03 | street_contact      | Lambeth
"""


def test_seen_rough_sleeping_counts_people_not_contacts(metrics_of):
    # ann, bob and cat were bedded down in April; dan was only met on the street (not bedded down).
    result = metrics_of(APRIL_2024)
    assert result.value("seen_rough_sleeping", "2024-04") == 3
    assert result.value("seen_rough_sleeping", "2024-04", where="Westminster") == 2
    assert result.value("seen_rough_sleeping", "2024-04", where="Lambeth") == 1
    assert result.value("seen_rough_sleeping", "2024-04", where="Hackney") == 0


def test_new_stock_and_returner_in_a_month(metrics_of):
    # April 2024: cat is new; ann was also seen in March (stock); bob was seen in November, not
    # March (returner). The three add up to the three people seen.
    result = metrics_of(APRIL_2024)
    assert result.value("flow_new", "2024-04") == 1
    assert result.value("stock", "2024-04") == 1
    assert result.value("returner", "2024-04") == 1


def test_the_previous_period_has_the_same_length(metrics_of):
    # Quarter 2024-Q2 (April-June): ann was seen in Q1 (March) so is stock; bob was last seen in
    # Q4 2023 (November), not Q1, so returns. Financial year 2024/25: both were seen in 2023/24.
    result = metrics_of(APRIL_2024)
    assert result.value("stock", "2024-Q2") == 1
    assert result.value("returner", "2024-Q2") == 1
    assert result.value("stock", "FY2024") == 2
    assert result.value("returner", "FY2024") == 0
    assert result.value("flow_new", "FY2024") == 1


def test_new_means_new_anywhere_in_london_even_for_a_borough(metrics_of):
    # cat is seen first in Lambeth on 20 April, then in Westminster the next day: in Westminster
    # cat is new (first seen anywhere in London this month), and is not new again next month.
    events = APRIL_2024 + "cat | 2024-05-02 | seen_rough_sleeping | Camden\n"
    result = metrics_of(events)
    assert result.value("flow_new", "2024-04", where="Westminster") == 1
    assert result.value("flow_new", "2024-05", where="Camden") == 0
    assert result.value("stock", "2024-05", where="Camden") == 1


def test_only_complete_periods_are_reported(metrics_of):
    # The extract ends on 15 April 2024: April is incomplete and is not reported; March is.
    result = metrics_of(APRIL_2024, extract="2024-04-15")
    assert result.row("seen_rough_sleeping", "2024-04") == {}
    assert result.value("seen_rough_sleeping", "2024-03") == 1
