"""Each rule of SPEC section 3 "Bad input", on a small table drawn in the test.

Row numbers are line numbers in the CSV file: the header is line 1, the first record line 2.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from pipelines.config import PathwaysConfig, ValidationConfig
from pipelines.sources.rules import (
    AFTER_EXTRACT,
    BAD_AGE,
    BAD_BOOLEAN,
    BAD_NATIONALITY,
    BAD_NI,
    BAD_SUPPORT_NEED,
    DOB_FUTURE,
    DOB_TOO_EARLY,
    DOB_TOO_OLD,
    DUPLICATE_KEY,
    MISSING,
    NOT_A_DATE,
    UNKNOWN_CODE,
    UNKNOWN_PERSON,
)
from pipelines.sources.validate import load_sources, validate_sources

# Quarantine limits are tested on their own; here every bad row is let through to the report.
LENIENT = PathwaysConfig(validation=ValidationConfig(max_quarantine_fraction=1.0))


def quarantined(folder, table: str) -> list[tuple[int, str, str]]:
    report = validate_sources(folder, LENIENT).report
    rows = report.quarantine.filter(pl.col("table") == table)
    return [(r["row"], r["column"], r["reason"]) for r in rows.iter_rows(named=True)]


def blanked(folder, table: str) -> list[tuple[int, str, str]]:
    report = validate_sources(folder, LENIENT).report
    rows = report.blanked.filter(pl.col("table") == table)
    return [(r["row"], r["column"], r["reason"]) for r in rows.iter_rows(named=True)]


def accepted(folder, table: str) -> pl.DataFrame:
    return load_sources(folder, LENIENT).tables[table]


# --- quarantined: the row stays out of the run ------------------------------------------------


def test_a_contact_after_the_extract_date_is_quarantined(write_sources):
    folder = write_sources(
        {
            "chain_contacts": """
                chain_id,contact_date,borough,contact_type
                C1,2025-03-31,E09000033,bedded_down
                C1,2025-04-01,E09000033,bedded_down
            """
        }
    )  # extract date 2025-03-31: the day itself is fine, the day after is not
    assert quarantined(folder, "chain_contacts") == [(3, "contact_date", AFTER_EXTRACT)]


def test_each_source_is_held_to_its_own_extract_date(write_sources):
    manifest = {
        "extract_date": "2025-03-31",
        "sources": {"chain": {"provider": "outreach", "extract_date": "2025-02-28"}},
    }
    folder = write_sources(
        {
            "chain_contacts": """
                chain_id,contact_date,borough,contact_type
                C1,2025-02-28,E09000033,bedded_down
                C1,2025-03-01,E09000033,bedded_down
            """,
            "inform_stays": """
                provider,resident_id,hostel_borough,move_in
                P1,R1,E09000033,2025-03-15
            """,
        },
        manifest=manifest,
    )
    assert quarantined(folder, "chain_contacts") == [(3, "contact_date", AFTER_EXTRACT)]
    assert quarantined(folder, "inform_stays") == []


def test_duplicate_chain_ids_keep_the_first_and_quarantine_the_rest(write_sources):
    folder = write_sources(
        {
            "chain_people": """
                chain_id,gender
                C1,male
                C2,female
                C1,female
                C1,male
            """
        }
    )
    assert quarantined(folder, "chain_people") == [
        (4, "chain_id", DUPLICATE_KEY),
        (5, "chain_id", DUPLICATE_KEY),
    ]
    people = accepted(folder, "chain_people")
    assert people.select("chain_id", "gender").rows() == [("C1", "male"), ("C2", "female")]


def test_a_case_ref_repeats_only_within_the_same_borough(write_sources):
    folder = write_sources(
        {
            "hclic_cases": """
                la_code,case_ref,approach_date
                E09000007,A1,2024-01-01
                E09000022,A1,2024-01-01
                E09000007,A1,2024-02-01
            """
        }
    )
    assert quarantined(folder, "hclic_cases") == [(4, "la_code + case_ref", DUPLICATE_KEY)]


def test_a_resident_id_repeats_only_within_the_same_provider(write_sources):
    folder = write_sources(
        {
            "inform_stays": """
                provider,resident_id,hostel_borough,move_in
                St Mungo's,R1,E09000033,2024-01-01
                Thames Reach,R1,E09000022,2024-01-01
                St Mungo's,R1,E09000033,2024-05-01
            """
        }
    )
    assert quarantined(folder, "inform_stays") == [(4, "provider + resident_id", DUPLICATE_KEY)]


def test_a_duplicate_key_counts_only_against_rows_that_were_accepted(write_sources):
    # The first C1 is quarantined for its date, so the second C1 is the first good one.
    folder = write_sources(
        {
            "chain_outcomes": """
                chain_id,outcome_date,outcome_type
                C1,2025-01-01,hostel
            """,
            "hclic_cases": """
                la_code,case_ref,approach_date
                E09000007,A1,2099-01-01
                E09000007,A1,2024-01-01
            """,
        }
    )
    assert quarantined(folder, "hclic_cases") == [(2, "approach_date", AFTER_EXTRACT)]


@pytest.mark.parametrize(
    ("column", "bad"),
    [
        ("borough", "E09000034"),
        ("borough", "Westminster"),
        ("borough", "E12000007"),
        ("contact_type", "slept_out"),
    ],
)
def test_an_unknown_code_in_a_required_column_is_quarantined(write_sources, column, bad):
    good = {"borough": "E09000033", "contact_type": "bedded_down"}
    good[column] = bad
    folder = write_sources(
        {
            "chain_contacts": f"""
                chain_id,contact_date,borough,contact_type
                C1,2025-01-01,{good["borough"]},{good["contact_type"]}
            """
        }
    )
    assert quarantined(folder, "chain_contacts") == [(2, column, UNKNOWN_CODE)]


def test_an_unknown_outcome_type_or_la_code_is_quarantined(write_sources):
    folder = write_sources(
        {
            "chain_outcomes": """
                chain_id,outcome_date,outcome_type
                C1,2025-01-01,hostel
                C1,2025-01-02,mansion
            """,
            "hclic_cases": """
                la_code,case_ref,approach_date
                E07000001,A1,2024-01-01
            """,
        }
    )
    assert quarantined(folder, "chain_outcomes") == [(3, "outcome_type", UNKNOWN_CODE)]
    assert quarantined(folder, "hclic_cases") == [(2, "la_code", UNKNOWN_CODE)]


def test_codes_are_read_regardless_of_case_and_stored_in_their_spec_form(write_sources):
    folder = write_sources(
        {
            "chain_contacts": """
                chain_id,contact_date,borough,contact_type
                C1,2025-01-01,e09000033, Bedded_Down
            """
        }
    )
    contacts = accepted(folder, "chain_contacts")
    assert contacts.select("borough", "contact_type").row(0) == ("E09000033", "bedded_down")


@pytest.mark.parametrize("bad", ["2025-02-30", "01/02/2025", "yesterday", "2025-13-01"])
def test_an_unreadable_required_date_is_quarantined(write_sources, bad):
    folder = write_sources(
        {
            "chain_contacts": f"""
                chain_id,contact_date,borough,contact_type
                C1,{bad},E09000033,bedded_down
            """
        }
    )
    assert quarantined(folder, "chain_contacts") == [(2, "contact_date", NOT_A_DATE)]


def test_a_missing_required_value_is_quarantined_and_each_problem_is_listed(write_sources):
    folder = write_sources(
        {
            "chain_contacts": """
                chain_id,contact_date,borough,contact_type
                C1,,E09000033,
                C2,2025-01-01,   ,bedded_down
            """
        }
    )  # a cell of spaces is empty too
    assert quarantined(folder, "chain_contacts") == [
        (2, "contact_date", MISSING),
        (2, "contact_type", MISSING),
        (3, "borough", MISSING),
    ]
    report = validate_sources(folder, LENIENT).report
    assert report.tables["chain_contacts"].rows_quarantined == 2  # rows, not problems


def test_contacts_and_outcomes_of_an_unknown_person_are_quarantined(write_sources):
    folder = write_sources(
        {
            "chain_people": """
                chain_id,gender
                C1,male
                C1,male
                ,female
            """,
            "chain_contacts": """
                chain_id,contact_date,borough,contact_type
                C1,2025-01-01,E09000033,bedded_down
                C7,2025-01-01,E09000033,bedded_down
            """,
            "chain_outcomes": """
                chain_id,outcome_date,outcome_type
                C9,2025-01-01,hostel
                C1,2025-01-01,hostel
            """,
        }
    )
    assert quarantined(folder, "chain_contacts") == [(3, "chain_id", UNKNOWN_PERSON)]
    assert quarantined(folder, "chain_outcomes") == [(2, "chain_id", UNKNOWN_PERSON)]


def test_a_person_whose_only_record_was_quarantined_is_unknown_to_their_contacts(
    write_sources,
):
    folder = write_sources(
        {
            "chain_people": """
                chain_id,gender
                C1,male
                C1,female
            """,
            "chain_contacts": """
                chain_id,contact_date,borough,contact_type
                C1,2025-01-01,E09000033,bedded_down
            """,
        }
    )  # C1 is accepted once: its contact is kept
    assert quarantined(folder, "chain_contacts") == []


def test_the_quarantine_detail_names_the_value_and_what_was_expected(write_sources):
    folder = write_sources(
        {
            "chain_contacts": """
                chain_id,contact_date,borough,contact_type
                C1,2025-01-01,E09000099,bedded_down
            """
        }
    )
    detail = validate_sources(folder, LENIENT).report.quarantine["detail"].to_list()
    assert detail == ["'E09000099' is not an ONS London borough code, E09000001 to E09000033"]


# --- blanked: the value is dropped and counted, the row is kept -------------------------------


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("AB123456C", "AB123456C"),
        ("ab 12 34 56 c", "AB123456C"),
        ("AB123456", None),  # no suffix letter
        ("AB123456E", None),  # suffix after D
        ("A1234567C", None),
        ("not known", None),
    ],
)
def test_ni_numbers_are_normalised_or_blanked(write_sources, given, kept):
    folder = write_sources(
        {
            "chain_people": f"""
                chain_id,ni_number
                C1,{given}
                C2,
            """
        }
    )
    people = accepted(folder, "chain_people")
    assert people["ni_number"].to_list() == [kept, None]
    expected = [] if kept else [(2, "ni_number", BAD_NI)]
    assert blanked(folder, "chain_people") == expected


def test_impossible_dates_of_birth_are_blanked(write_sources):
    folder = write_sources(
        {
            "chain_people": """
                chain_id,dob
                C1,1980-06-15
                C2,2025-04-01
                C3,1899-12-31
                C4,1914-03-30
                C5,1915-03-31
                C6,15/06/1980
            """
        }
    )  # extract date 2025-03-31: C4 would be 111, C5 exactly 110
    people = accepted(folder, "chain_people")
    assert people["dob"].to_list() == [
        dt.date(1980, 6, 15),
        None,
        None,
        None,
        dt.date(1915, 3, 31),
        None,
    ]
    assert blanked(folder, "chain_people") == [
        (3, "dob", DOB_FUTURE),
        (4, "dob", DOB_TOO_EARLY),
        (5, "dob", DOB_TOO_OLD),
        (7, "dob", NOT_A_DATE),
    ]


def test_unknown_support_need_codes_are_dropped_and_the_rest_kept(write_sources):
    folder = write_sources(
        {
            "chain_people": """
                chain_id,support_needs
                C1,mental_health|drugs
                C2,Mental_Health | gambling | alcohol
                C3,gambling
                C4,
            """
        }
    )
    people = accepted(folder, "chain_people")
    assert people["support_needs"].to_list() == [
        "mental_health|drugs",
        "mental_health|alcohol",
        None,
        None,
    ]
    assert blanked(folder, "chain_people") == [
        (3, "support_needs", BAD_SUPPORT_NEED),
        (4, "support_needs", BAD_SUPPORT_NEED),
    ]


def test_unknown_optional_codes_are_blanked(write_sources):
    folder = write_sources(
        {
            "chain_people": """
                chain_id,gender,ethnicity,nationality
                C1,Female,white,rou
                C2,woman,purple,Romania
                C3,unknown,unknown,UNKNOWN
            """,
            "chain_outcomes": """
                chain_id,outcome_date,outcome_type,borough
                C1,2025-01-01,hostel,Camden
            """,
        }
    )
    people = accepted(folder, "chain_people")
    assert people.select("gender", "ethnicity", "nationality").rows() == [
        ("female", "white", "ROU"),
        (None, None, None),
        ("unknown", "unknown", "unknown"),
    ]
    assert blanked(folder, "chain_people") == [
        (3, "gender", UNKNOWN_CODE),
        (3, "ethnicity", UNKNOWN_CODE),
        (3, "nationality", BAD_NATIONALITY),
    ]
    assert blanked(folder, "chain_outcomes") == [(2, "borough", UNKNOWN_CODE)]
    assert accepted(folder, "chain_outcomes")["borough"].to_list() == [None]


def test_booleans_accept_the_usual_words_and_blank_the_rest(write_sources):
    folder = write_sources(
        {
            "chain_people": """
                chain_id,armed_forces,care_leaver,prison_history
                C1,TRUE,yes,Y
                C2,0,No,false
                C3,maybe,,2
            """
        }
    )
    people = accepted(folder, "chain_people")
    assert people.select("armed_forces", "care_leaver", "prison_history").rows() == [
        (True, True, True),
        (False, False, False),
        (None, None, None),
    ]
    assert blanked(folder, "chain_people") == [
        (4, "armed_forces", BAD_BOOLEAN),
        (4, "prison_history", BAD_BOOLEAN),
    ]


def test_bad_or_future_optional_dates_are_blanked_not_quarantined(write_sources):
    folder = write_sources(
        {
            "inform_stays": """
                provider,resident_id,hostel_borough,move_in,move_out
                P1,R1,E09000033,2024-01-01,2024-06-01
                P1,R2,E09000033,2024-01-01,next week
                P1,R3,E09000033,2024-01-01,2026-01-01
            """
        }
    )
    stays = accepted(folder, "inform_stays")
    assert stays["move_out"].to_list() == [dt.date(2024, 6, 1), None, None]
    assert blanked(folder, "inform_stays") == [
        (3, "move_out", NOT_A_DATE),
        (4, "move_out", AFTER_EXTRACT),
    ]


def test_approximate_age_is_kept_in_whole_years(write_sources):
    folder = write_sources(
        {
            "chain_people": """
                chain_id,approx_age
                C1,34
                C2,34.0
                C3,about 40
                C4,120
            """
        }
    )
    assert accepted(folder, "chain_people")["approx_age"].to_list() == ["34", "34", None, None]
    assert [b[0] for b in blanked(folder, "chain_people")] == [4, 5]
    assert {b[2] for b in blanked(folder, "chain_people")} == {BAD_AGE}


def test_blanked_values_are_counted_by_column_and_reason(write_sources):
    folder = write_sources(
        {
            "chain_people": """
                chain_id,ni_number,gender
                C1,XX,male
                C2,YY,man
                C3,AB123456A,male
            """
        }
    )
    report = validate_sources(folder, LENIENT).report
    people = report.tables["chain_people"]
    assert people.blanked_by == [
        {"column": "ni_number", "reason": BAD_NI, "values": 2},
        {"column": "gender", "reason": UNKNOWN_CODE, "values": 1},
    ]
    assert (people.rows_read, people.rows_accepted, people.rows_quarantined) == (3, 3, 0)
    # The report never repeats the blanked value itself: it may identify a person.
    assert report.blanked.columns == ["table", "row", "column", "reason"]
