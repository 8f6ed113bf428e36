"""Spec: the Ending Rough Sleeping Data Framework measures P1, P2, B1 and NR1."""

from __future__ import annotations


def test_p1_new_to_the_borough_looks_back_five_years_in_that_borough(metrics_of):
    # March 2025 in Westminster: ann was last seen there in April 2020 (59 months before: not
    # new to the borough); bob in February 2020 (61 months before: new to it again); cat was
    # seen in Camden last month but never in Westminster (new to Westminster).
    result = metrics_of(
        """
        person | date       | event               | borough
        ann    | 2020-04-20 | seen_rough_sleeping | Westminster
        ann    | 2025-03-03 | seen_rough_sleeping | Westminster
        bob    | 2020-02-10 | seen_rough_sleeping | Westminster
        bob    | 2025-03-04 | seen_rough_sleeping | Westminster
        cat    | 2025-02-14 | seen_rough_sleeping | Camden
        cat    | 2025-03-05 | seen_rough_sleeping | Westminster
        """
    )
    assert result.value("p1_new_to_borough", "2025-03", where="Westminster") == 2
    assert result.value("p1_new_to_borough", "2025-03", where="Camden") == 0
    # P1 is about a borough; it has no London row.
    assert result.row("p1_new_to_borough", "2025-03") == {}


def test_p2_new_people_who_left_an_institution_in_the_85_days_before(metrics_of):
    # All four are new in June 2024. ann left custody 30 days before; bob approached Camden
    # when his asylum support ended; cat's hospital stay was 100 days before (too long ago);
    # dan approached Lambeth for another reason.
    result = metrics_of(
        """
        person | date       | event               | borough     | detail
        ann    | 2024-05-11 | custody             | -           | -
        ann    | 2024-06-10 | seen_rough_sleeping | Westminster | -
        bob    | 2024-06-01 | hclic_approach      | Camden      | asylum_support_ended
        bob    | 2024-06-05 | seen_rough_sleeping | Camden      | -
        cat    | 2024-03-02 | hospital            | -           | -
        cat    | 2024-06-10 | seen_rough_sleeping | Lambeth     | -
        dan    | 2024-06-01 | hclic_approach      | Lambeth     | end_ast
        dan    | 2024-06-10 | seen_rough_sleeping | Lambeth     | -
        """
    )
    assert result.value("p2_left_institution", "2024-06") == 2
    assert result.value("p2_left_institution", "2024-06", where="Camden") == 1
    assert result.value("p2_left_institution", "2024-Q2") == 2


def test_b1_long_term_seen_in_three_of_the_previous_twelve_months(metrics_of):
    # December 2024: ann was seen in 3 of the previous 12 months (Jan, Jun, Nov); bob in 2
    # (and once 13 months before, outside the window).
    result = metrics_of(
        """
        person | date       | event               | borough
        ann    | 2024-01-05 | seen_rough_sleeping | Westminster
        ann    | 2024-06-05 | seen_rough_sleeping | Westminster
        ann    | 2024-11-05 | seen_rough_sleeping | Westminster
        ann    | 2024-12-05 | seen_rough_sleeping | Westminster
        bob    | 2023-11-05 | seen_rough_sleeping | Camden
        bob    | 2024-05-05 | seen_rough_sleeping | Camden
        bob    | 2024-11-05 | seen_rough_sleeping | Camden
        bob    | 2024-12-05 | seen_rough_sleeping | Camden
        """
    )
    assert result.value("b1_long_term", "2024-12") == 1
    assert result.value("b1_long_term", "2024-12", where="Westminster") == 1
    assert result.value("b1_long_term", "2024-12", where="Camden") == 0


def test_nr1_returning_after_three_months_unseen(metrics_of):
    # October 2024: ann was last seen in June (July-September unseen): returning. bob was seen
    # in July: not. cat is new: not returning.
    result = metrics_of(
        """
        person | date       | event               | borough
        ann    | 2024-06-05 | seen_rough_sleeping | Westminster
        ann    | 2024-10-05 | seen_rough_sleeping | Westminster
        bob    | 2024-07-05 | seen_rough_sleeping | Westminster
        bob    | 2024-10-05 | seen_rough_sleeping | Westminster
        cat    | 2024-10-05 | seen_rough_sleeping | Westminster
        """
    )
    assert result.value("nr1_returning", "2024-10") == 1
    # The Data Framework measures are monthly only.
    assert result.row("nr1_returning", "2024-Q4") == {}
