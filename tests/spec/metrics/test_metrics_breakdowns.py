"""Spec: breakdowns by age, gender, needs, nationality (London only) and first intervention."""

from __future__ import annotations

import polars as pl

EVENTS = """
person | date       | event               | borough
-------+------------+---------------------+------------
ann    | 2024-04-02 | seen_rough_sleeping | Westminster
ann    | 2024-04-03 | nsno_arrival        | Westminster
ann    | 2024-04-03 | hostel_entry        | Westminster
bob    | 2024-05-15 | seen_rough_sleeping | Westminster
bob    | 2024-09-01 | ta_start            | Westminster
cat    | 2024-06-20 | seen_rough_sleeping | Lambeth
"""

PEOPLE = """
person | age_band | gender | nationality_group | need_mental_health | need_alcohol
-------+----------+--------+-------------------+--------------------+-------------
ann    | 26_35    | female | eu_eea            | yes                | no
bob    | 36_45    | male   | uk                | yes                | yes
cat    | 26_35    | male   | uk                | no                 | no
"""


def test_counts_by_age_gender_and_support_need(metrics_of):
    result = metrics_of(EVENTS, people=PEOPLE)
    assert result.value("seen_rough_sleeping", "2024-Q2", breakdown="age_band=26_35") == 2
    assert result.value("seen_rough_sleeping", "2024-Q2", breakdown="gender=male") == 2
    # A person with two needs counts once under each.
    assert (
        result.value("seen_rough_sleeping", "2024-Q2", breakdown="support_need=mental_health") == 2
    )
    assert result.value("seen_rough_sleeping", "2024-Q2", breakdown="support_need=alcohol") == 1
    # Borough breakdowns are given for quarters and years, not months.
    assert result.value("flow_new", "2024-Q2", where="Westminster", breakdown="gender=male") == 1
    assert result.row("flow_new", "2024-04", where="Westminster", breakdown="gender=female") == {}


def test_nationality_is_broken_down_for_london_only(metrics_of):
    result = metrics_of(EVENTS, people=PEOPLE)
    assert result.value("seen_rough_sleeping", "2024-Q2", breakdown="nationality_group=uk") == 2
    borough_rows = result.table.filter(
        pl.col("breakdown").str.starts_with("nationality_group")
        & (pl.col("geography_type") == "borough")
    )
    assert borough_rows.height == 0


def test_first_intervention_is_the_first_response_after_first_seen(metrics_of):
    # ann arrived at the No Second Night Out hub and a hostel the same day: the hub came first.
    # bob went into temporary accommodation months later. cat has had no response yet.
    result = metrics_of(EVENTS, people=PEOPLE)
    q2 = "2024-Q2"
    assert result.value("seen_rough_sleeping", q2, breakdown="first_intervention=nsno_hub") == 1
    assert (
        result.value(
            "seen_rough_sleeping", q2, breakdown="first_intervention=temporary_accommodation"
        )
        == 1
    )
    assert result.value("seen_rough_sleeping", q2, breakdown="first_intervention=none") == 1


def test_a_person_missing_from_people_still_counts_in_all(metrics_of):
    # Only ann has a people row; bob and cat are counted in 'all' and as 'unknown'.
    result = metrics_of(EVENTS, people="person | gender\nann | female", people_for_everyone=False)
    assert result.value("seen_rough_sleeping", "2024-Q2") == 3
    assert result.value("seen_rough_sleeping", "2024-Q2", breakdown="gender=unknown") == 2


NEEDS_AND_HISTORY = """
person | need_mental_health | need_alcohol | need_drugs | armed_forces | care_leaver | prison_history
-------+--------------------+--------------+------------+--------------+-------------+---------------
ann    | yes                | no           | no         | no           | yes         | no
bob    | yes                | yes          | no         | yes          | no          | yes
cat    | no                 | no           | no         | no           | no          | no
"""


def test_needs_combined_as_chain_reports_them_each_person_once(metrics_of):
    # ann: mental health alone; bob: alcohol and mental health; cat: none of the three.
    result = metrics_of(EVENTS, people=NEEDS_AND_HISTORY)
    q2 = "2024-Q2"

    def combined(value: str) -> float | None:
        return result.value("seen_rough_sleeping", q2, breakdown=f"support_combination={value}")

    assert combined("mental_health") == 1
    assert combined("alcohol_mental_health") == 1
    assert combined("none") == 1
    # bob is not counted under alcohol alone, and nobody has all three
    assert result.row("seen_rough_sleeping", q2, breakdown="support_combination=alcohol") == {}


def test_institutional_history_counts_each_institution_a_person_has_been_in(metrics_of):
    # ann left care; bob served in the armed forces and has been in prison; cat neither.
    result = metrics_of(EVENTS, people=NEEDS_AND_HISTORY)
    q2 = "2024-Q2"
    assert result.value("seen_rough_sleeping", q2, breakdown="institution=care") == 1
    assert result.value("seen_rough_sleeping", q2, breakdown="institution=armed_forces") == 1
    assert result.value("seen_rough_sleeping", q2, breakdown="institution=custody") == 1
    # and in Westminster (ann and bob were seen there) for the quarter
    assert result.value("seen_rough_sleeping", q2, where="Westminster",
                        breakdown="institution=care") == 1  # fmt: skip
