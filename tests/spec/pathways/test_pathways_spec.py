"""Pathways stage by stage, on journeys drawn by hand."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from contract.release import PATHWAYS_SCHEMA
from metrics.config import AnalysisConfig
from metrics.pathways import PATHS_SCHEMA, compute_pathways, person_paths, transition_graph

LONDON, CAMDEN, WESTMINSTER = "E12000007", "E09000007", "E09000033"

# Four people first seen in April to June 2023 (financial year 2023-24, quarter 1).
JOURNEYS = """
person | date       | event               | borough   | detail
Q      | 2023-03-01 | hclic_approach      | E09000007 | asylum_support_ended
Q      | 2023-05-10 | seen_rough_sleeping | E09000007 | -
Q      | 2023-05-11 | nsno_arrival        | -         | -
Q      | 2023-05-20 | hostel_entry        | E09000007 | -
Q      | 2023-10-01 | hostel_exit         | E09000007 | prs
R      | 2023-04-01 | custody             | -         | -
R      | 2023-05-10 | seen_rough_sleeping | E09000033 | -
R      | 2023-10-15 | seen_rough_sleeping | E09000033 | -
S      | 2023-06-01 | seen_rough_sleeping | E09000033 | -
S      | 2023-09-15 | ta_start            | E09000033 | -
S      | 2024-03-01 | died                | -         | -
T      | 2022-04-01 | hclic_approach      | E09000033 | end_ast
T      | 2023-01-01 | custody             | -         | -
T      | 2023-06-01 | seen_rough_sleeping | E09000033 | -
T      | 2023-06-01 | hostel_entry        | E09000033 | -
T      | 2023-07-01 | hostel_exit         | E09000033 | street
T      | 2023-08-01 | seen_rough_sleeping | E09000033 | -
T      | 2023-09-01 | reconnection_abroad | -         | -
"""
EXTRACT = date(2025, 3, 31)


@pytest.fixture
def events(draw_events) -> pl.DataFrame:
    return draw_events(JOURNEYS)


def test_each_person_is_in_one_state_at_each_stage(events):
    paths = person_paths(events, AnalysisConfig(), EXTRACT)
    assert paths.select("person_key", "before", "first_response", "month_6", "month_12").rows() == [
        # Approached the council when asylum support ended; NSNO hub the next day; a hostel;
        # moved on to a private tenancy in October: settled at 6 months (10 Nov) and 12.
        ("Q", "asylum support ended", "NSNO hub", "settled", "settled"),
        # Custody 39 days before first seen; no response within 90 days; seen again 26 days
        # before 6 months (rough sleeping), but at 12 months that sighting is 7 months old.
        ("R", "left custody", "none", "rough sleeping", "not known"),
        # TA came 106 days after first seen, too late to be the first response; in TA at 6
        # months; died before 12 months.
        ("S", "none known", "none", "TA", "died"),
        # The approach (14 months before) and custody (5 months before) are too early to count.
        # Housed the day first seen; back on the street in July; reconnected abroad in September.
        ("T", "none known", "hostel", "reconnected", "reconnected"),
    ]


def test_links_count_people_between_adjacent_stages(events):
    links, _ = compute_pathways(events, None, AnalysisConfig(), EXTRACT)
    assert dict(links.schema) == PATHWAYS_SCHEMA
    london_fy = links.filter(cohort_period="2023-24", geography_code=LONDON)
    assert london_fy.select("stage_from", "state_from", "stage_to", "state_to", "count").rows() == [
        ("before", "asylum support ended", "first_response", "NSNO hub", 1),
        ("before", "left custody", "first_response", "none", 1),
        ("before", "none known", "first_response", "hostel", 1),
        ("before", "none known", "first_response", "none", 1),
        ("first_response", "NSNO hub", "month_6", "settled", 1),
        ("first_response", "hostel", "month_6", "reconnected", 1),
        ("first_response", "none", "month_6", "TA", 1),
        ("first_response", "none", "month_6", "rough sleeping", 1),
        ("month_6", "TA", "month_12", "died", 1),
        ("month_6", "reconnected", "month_12", "reconnected", 1),
        ("month_6", "rough sleeping", "month_12", "not known", 1),
        ("month_6", "settled", "month_12", "settled", 1),
    ]
    assert set(links["status"]) == {"ok"}


def test_cohorts_are_financial_years_and_their_quarters_and_boroughs_where_first_seen(events):
    links, _ = compute_pathways(events, None, AnalysisConfig(), EXTRACT)
    size = (
        links.filter(stage_from="before")
        .group_by("cohort_period", "geography_code")
        .agg(pl.col("count").sum())
        .sort("cohort_period", "geography_code")
        .rows()
    )
    assert size == [
        ("2023-24", CAMDEN, 1),
        ("2023-24", WESTMINSTER, 3),
        ("2023-24", LONDON, 4),
        ("2023-24 Q1", CAMDEN, 1),
        ("2023-24 Q1", WESTMINSTER, 3),
        ("2023-24 Q1", LONDON, 4),
    ]


def test_only_cohorts_followed_for_12_months_are_shown(events):
    # On 2024-06-30 the first quarter (to 2023-06-30) has 12 months' follow-up; the year not.
    links, paths = compute_pathways(events, None, AnalysisConfig(), date(2024, 6, 30))
    assert set(links["cohort_period"]) == {"2023-24 Q1"} == set(paths["cohort_period"])
    links, _ = compute_pathways(events, None, AnalysisConfig(), date(2024, 6, 29))
    assert links.height == 0


def test_most_common_paths_are_counted_person_by_person(draw_events):
    # Three people take the same path; one another.
    events = draw_events("""
    person | date       | event               | borough   | detail
    a      | 2023-04-03 | seen_rough_sleeping | E09000033 | -
    a      | 2023-04-04 | hostel_entry        | E09000033 | -
    b      | 2023-04-10 | seen_rough_sleeping | E09000033 | -
    b      | 2023-04-12 | hostel_entry        | E09000033 | -
    c      | 2023-04-12 | hclic_approach      | E09000033 | domestic_abuse
    c      | 2023-04-12 | seen_rough_sleeping | E09000033 | -
    c      | 2023-05-01 | hostel_entry        | E09000033 | -
    d      | 2023-04-20 | seen_rough_sleeping | E09000033 | -
    d      | 2023-04-21 | hostel_entry        | E09000033 | -
    """)
    _, paths = compute_pathways(events, None, AnalysisConfig(), EXTRACT)
    assert dict(paths.schema) == PATHS_SCHEMA
    london = paths.filter(cohort_period="2023-24", geography_code=LONDON)
    assert london.select("path", "count", "rank").rows() == [
        ("none known → hostel → supported/hostel → supported/hostel", 3, 1),
        ("domestic abuse → hostel → supported/hostel → supported/hostel", 1, 2),
    ]


def test_same_day_records_resolve_towards_the_way_off_the_street(draw_events):
    events = draw_events("""
    person | date       | event               | borough   | detail
    u      | 2023-04-01 | hclic_approach      | E09000033 | other
    u      | 2023-04-01 | hospital            | -         | -
    u      | 2023-04-10 | seen_rough_sleeping | E09000033 | -
    u      | 2023-04-10 | assessment_hub      | E09000033 | -
    u      | 2023-04-10 | reconnection_uk     | -         | -
    u      | 2023-10-10 | seen_rough_sleeping | E09000033 | -
    u      | 2023-10-10 | ta_start            | E09000033 | -
    u      | 2024-04-10 | ta_end              | E09000033 | -
    """)
    paths = person_paths(events, AnalysisConfig(), EXTRACT)
    # Hospital beats the approach on the same day; the hub comes before the reconnection;
    # seen and moved into TA on the day of the 6-month mark: in TA; TA ended on the 12-month
    # mark with no destination: not known.
    assert paths.select("before", "first_response", "month_6", "month_12").row(0) == (
        "left hospital",
        "NSNO hub",
        "TA",
        "not known",
    )


def test_the_transition_graph_carries_the_link_counts(events):
    links, _ = compute_pathways(events, None, AnalysisConfig(), EXTRACT)
    graph = transition_graph(links.filter(cohort_period="2023-24", geography_code=LONDON))
    assert graph.edges[("before", "none known"), ("first_response", "none")]["count"] == 1
    assert graph.nodes[("before", "none known")]["people"] == 2
    assert graph.nodes[("first_response", "none")]["people"] == 2
    assert graph.number_of_edges() == 12
