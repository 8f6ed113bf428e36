"""Spec: moving into accommodation, sustaining it, and missed prevention."""

from __future__ import annotations

from metrics.config import MetricsConfig

MOVES = """
person | date       | event               | borough
-------+------------+---------------------+------------
ann    | 2023-09-01 | seen_rough_sleeping | Westminster
ann    | 2024-01-10 | hostel_entry        | Camden
bob    | 2023-12-20 | seen_rough_sleeping | Lambeth
bob    | 2024-01-15 | settled_prs         | -
bob    | 2024-01-20 | seen_rough_sleeping | Lambeth
cat    | 2022-06-01 | seen_rough_sleeping | Lambeth
cat    | 2024-01-20 | ta_start            | Lambeth
dan    | 2023-12-01 | seen_rough_sleeping | Hackney
dan    | 2024-02-25 | supported_housing   | Hackney
dan    | 2024-06-01 | seen_rough_sleeping | Hackney
eve    | 2024-01-02 | seen_rough_sleeping | Hackney
eve    | 2024-01-05 | hostel_entry        | Hackney
eve    | 2024-04-20 | seen_rough_sleeping | Hackney
"""


def test_moved_into_accommodation_needs_rough_sleeping_in_the_year_before(metrics_of):
    # January 2024: ann (hostel, seen in September), bob (private tenancy, seen in December) and
    # eve (hostel, seen 3 days before) count. cat's last rough sleeping was 2022: not counted.
    result = metrics_of(MOVES)
    assert result.value("moved_into_accommodation", "2024-01") == 3
    assert result.value("moved_into_accommodation", "2024-01", where="Camden") == 1
    # bob's tenancy names no borough: he counts where he was last seen rough sleeping.
    assert result.value("moved_into_accommodation", "2024-01", where="Lambeth") == 1
    assert result.value("moved_into_accommodation", "2024-Q1") == 4


def test_sustained_shares_of_the_quarter_cohort(metrics_of):
    # 2024 Q1 cohort: ann, bob, dan, eve. bob's contact 5 days after moving in falls in the
    # 14-day grace. Nobody is seen again within 3 months; within 6 months eve (106 days after
    # moving in) and dan (97 days after) are. Within 12 months: the same two.
    result = metrics_of(MOVES)
    three = result.row("sustained_3m", "2024-Q1")
    assert (three["numerator"], three["denominator"]) == (4, 4)
    six = result.row("sustained_6m", "2024-Q1")
    assert (six["numerator"], six["denominator"], six["value"]) == (2, 4, 0.5)
    assert result.value("sustained_12m", "2024-Q1") == 0.5


def test_sustained_only_once_follow_up_is_complete(metrics_of):
    # Extract on 31 August 2024: the Q1 cohort (to 31 March) has 3 months of follow-up (to
    # 30 June) but not 6 months (to 30 September).
    result = metrics_of(MOVES, extract="2024-08-31")
    assert result.row("sustained_3m", "2024-Q1")["status"] == "ok"
    six = result.row("sustained_6m", "2024-Q1")
    assert six["status"] == "incomplete_follow_up"
    assert six["value"] is None and six["numerator"] is None
    assert six["denominator"] == 4  # the cohort size is known; its outcome is not yet


def test_prior_hclic_approach_in_the_year_before_first_seen(metrics_of):
    # New in May 2024: ann approached Camden 11 months before; bob 13 months before; cat never.
    result = metrics_of(
        """
        person | date       | event               | borough
        ann    | 2023-06-10 | hclic_approach      | Camden
        ann    | 2024-05-09 | seen_rough_sleeping | Camden
        bob    | 2023-04-01 | hclic_approach      | Camden
        bob    | 2024-05-09 | seen_rough_sleeping | Camden
        cat    | 2024-05-20 | seen_rough_sleeping | Camden
        """
    )
    row = result.row("prior_hclic_approach", "2024-05", where="Camden")
    assert (row["numerator"], row["denominator"]) == (1, 3)
    assert abs(row["value"] - 1 / 3) < 1e-12


def test_the_configuration_chooses_the_follow_up_windows(metrics_of):
    result = metrics_of(MOVES, config=MetricsConfig(sustained_months=(6,)))
    assert result.row("sustained_3m", "2024-Q1") == {}
    assert result.value("sustained_6m", "2024-Q1") == 0.5


def test_moves_by_kind_count_each_person_under_their_first_move(metrics_of):
    # 2024 Q1: ann and eve moved into hostels, bob into a private tenancy (settled), dan into
    # supported housing. Each person counts once, under the kind of their first move, so the
    # kinds add up to everyone who moved in (cat's move does not count: see above).
    result = metrics_of(MOVES)
    q1 = "2024-Q1"
    assert result.value("moved_to_hostel", q1) == 2
    assert result.value("moved_to_settled", q1) == 1
    assert result.value("moved_to_supported_housing", q1) == 1
    assert result.value("moved_to_temporary_accommodation", q1) == 0
    kinds = ("hostel", "supported_housing", "housing_first", "temporary_accommodation", "settled")
    assert sum(result.value(f"moved_to_{k}", q1) for k in kinds) == result.value(
        "moved_into_accommodation", q1
    )


def test_a_person_who_moves_twice_counts_under_the_first_move(metrics_of):
    # fay went to a hostel, then into Housing First in the same quarter: a hostel move.
    result = metrics_of(
        """
        person | date       | event               | borough
        fay    | 2024-01-02 | seen_rough_sleeping | Camden
        fay    | 2024-01-10 | hostel_entry        | Camden
        fay    | 2024-03-01 | housing_first       | Camden
        """
    )
    assert result.value("moved_to_hostel", "2024-Q1") == 1
    assert result.value("moved_to_housing_first", "2024-Q1") == 0


def test_the_kind_of_a_move_is_decided_london_wide_like_every_status(metrics_of):
    # gus went to a hostel in Camden, then into a private tenancy in Westminster, in one
    # quarter. His first move anywhere was the hostel: London counts him under hostel, and so
    # does Westminster, where he moved in too; no borough counts a kind London does not.
    result = metrics_of(
        """
        person | date       | event               | borough
        gus    | 2024-01-02 | seen_rough_sleeping | Camden
        gus    | 2024-01-10 | hostel_entry        | Camden
        gus    | 2024-02-20 | settled_prs         | Westminster
        """
    )
    q1 = "2024-Q1"
    assert result.value("moved_to_hostel", q1) == 1
    assert result.value("moved_to_settled", q1) == 0
    assert result.value("moved_to_hostel", q1, where="Westminster") == 1
    assert result.value("moved_to_settled", q1, where="Westminster") == 0
    assert result.value("moved_into_accommodation", q1, where="Westminster") == 1
