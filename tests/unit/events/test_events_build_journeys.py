"""The events stage on tiny source tables of every kind."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from metrics.journeys import EVENTS_SCHEMA, PEOPLE_SCHEMA
from pipelines.events import build_journeys

D = date.fromisoformat
WESTMINSTER, CAMDEN, LAMBETH = "E09000033", "E09000007", "E09000022"
EXTRACT = D("2025-03-31")


def _table(rows: list[dict], schema: dict) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=schema, orient="row")


PEOPLE_COLS = {
    "chain_id": pl.String, "first_name": pl.String, "last_name": pl.String,
    "known_as": pl.String, "dob": pl.Date, "approx_age": pl.String, "gender": pl.String,
    "nationality": pl.String, "support_needs": pl.String, "ni_number": pl.String,
    "armed_forces": pl.Boolean, "care_leaver": pl.Boolean, "prison_history": pl.Boolean,
    "ethnicity": pl.String,
}  # fmt: skip


@pytest.fixture
def sources() -> dict[str, pl.DataFrame]:
    chain_people = _table(
        [
            ["C1", "Ion", "Popescu", None, D("1990-05-01"), None, "male", "ROU",
             "mental_health|alcohol", None, False, False, False, "white"],
            ["C2", "Ion", None, "Johnny", None, "40", "unknown", None,
             None, None, False, False, True, None],
            ["C3", "Amira", "Ali", None, None, "58", "female", "unknown",
             "none", "AB123456C", False, True, False, "black"],
            ["C9", "Not", "Linked", None, None, "30", "male", "GBR", None, None, False, False,
             False, None],
        ],
        PEOPLE_COLS,
    )  # fmt: skip
    chain_contacts = pl.DataFrame(
        {
            "chain_id": ["C1", "C1", "C2", "C3", "C3", "C9"],
            "contact_date": [D("2024-01-10"), D("2024-01-10"), D("2024-01-12"),
                             D("2024-02-01"), D("2024-02-02"), D("2024-02-02")],
            "borough": [WESTMINSTER, WESTMINSTER, CAMDEN, LAMBETH, LAMBETH, LAMBETH],
            "contact_type": ["bedded_down", "bedded_down", "street_contact", "nsno_hub",
                             "assessment_hub", "bedded_down"],
            "team": ["A", "A", "B", "C", "C", "C"],
        }
    )  # fmt: skip
    chain_outcomes = pl.DataFrame(
        {
            "chain_id": ["C1", "C1", "C3"],
            "outcome_date": [D("2024-01-20"), D("2024-01-21"), D("2024-02-10")],
            "outcome_type": ["hostel", "other", "temporary_accommodation"],
            "borough": [WESTMINSTER, WESTMINSTER, None],
        }
    )
    hclic_cases = pl.DataFrame(
        {
            "la_code": [CAMDEN], "case_ref": ["H1"], "first_name": ["Ion"],
            "last_name": ["Popescu"], "dob": [D("1990-05-01")], "gender": ["female"],
            "nationality": ["GBR"], "ni_number": ["QQ123456A"],
            "approach_date": [D("2023-10-01")], "prevention_start": [D("2023-10-02")],
            "prevention_end": [D("2023-11-20")], "prevention_outcome": ["homeless"],
            "relief_start": [D("2023-11-21")], "relief_end": [D("2024-01-16")],
            "relief_outcome": ["main_duty"], "main_duty_decision": ["accepted"],
            "ta_start": [D("2024-03-01")], "ta_end": [D("2024-06-01")],
            "rough_sleeping_at_approach": [False], "history_of_rough_sleeping": [True],
            "support_needs": ["drugs"], "reason_loss_of_home": ["end_ast"], "ethnicity": [None],
        },
        schema_overrides={"ethnicity": pl.String},
    )  # fmt: skip
    inform_stays = pl.DataFrame(
        {
            "provider": ["P", "P", "P", "P"],
            "resident_id": ["R1", "R2", "R3", "R4"],
            "first_name": ["Amira", "Ion", "Ion", "Ion"],
            "last_name": ["Ali", "Popescu", "Popescu", "Popescu"],
            "dob": [None, None, None, None],
            "gender": ["male", "male", "male", "male"],
            "nationality": [None, None, None, None],
            "ni_number": [None, None, None, None],
            "hostel_borough": [LAMBETH, WESTMINSTER, WESTMINSTER, WESTMINSTER],
            "move_in": [D("2024-02-15"), D("2024-01-20"), D("2024-07-01"), D("2025-03-01")],
            "move_out": [D("2024-05-01"), D("2024-06-30"), D("2024-08-01"), D("2025-04-10")],
            "move_out_reason": ["died", "planned_move_on", "abandoned", "planned_move_on"],
            "destination": ["unknown", "prs", "street", "social"],
            "ethnicity": [None, None, None, None],
        },
        schema_overrides={"dob": pl.Date, "nationality": pl.String, "ni_number": pl.String,
                          "ethnicity": pl.String},
    )  # fmt: skip
    return {
        "chain_people": chain_people,
        "chain_contacts": chain_contacts,
        "chain_outcomes": chain_outcomes,
        "hclic_cases": hclic_cases,
        "inform_stays": inform_stays,
    }


@pytest.fixture
def links() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "source": ["chain", "chain", "chain", "hclic", "inform", "inform", "inform", "inform"],
            "source_record_id": ["C1", "C2", "C3", f"{CAMDEN}/H1", "P/R1", "P/R2", "P/R3", "P/R4"],
            "person_key": ["k1", "k1", "k2", "k1", "k2", "k1", "k1", "k1"],
        }
    )


def _rows(events: pl.DataFrame, person: str) -> list[tuple]:
    return [
        (e["event_date"].isoformat(), e["event_type"], e["borough"], e["source"], e["detail"])
        for e in events.filter(pl.col("person_key") == person).iter_rows(named=True)
    ]


def test_events_of_every_source(sources, links, tmp_path):
    # Round-trip through Parquet, as the pipeline hands tables over.
    for name, frame in sources.items():
        frame.write_parquet(tmp_path / f"{name}.parquet")
    tables = {name: pl.read_parquet(tmp_path / f"{name}.parquet") for name in sources}
    people, events = build_journeys(tables, links, EXTRACT)

    assert dict(events.schema) == EVENTS_SCHEMA
    assert dict(people.schema) == PEOPLE_SCHEMA
    assert _rows(events, "k1") == [
        ("2023-10-01", "hclic_approach", CAMDEN, "hclic", "end_ast"),
        ("2023-10-02", "prevention_duty", CAMDEN, "hclic", "homeless"),
        ("2023-11-21", "relief_duty", CAMDEN, "hclic", "main_duty"),
        # the same contact entered twice is one event
        ("2024-01-10", "seen_rough_sleeping", WESTMINSTER, "chain", None),
        ("2024-01-12", "street_contact", CAMDEN, "chain", None),
        # main duty dated by the end of relief
        ("2024-01-16", "main_duty_accepted", CAMDEN, "hclic", None),
        # outreach and the hostel both record the same move: two sources, two events
        ("2024-01-20", "hostel_entry", WESTMINSTER, "chain", None),
        ("2024-01-20", "hostel_entry", WESTMINSTER, "inform", None),
        # the 'other' outcome of 21 January gives no event
        ("2024-03-01", "ta_start", CAMDEN, "hclic", None),
        ("2024-06-01", "ta_end", CAMDEN, "hclic", None),
        ("2024-06-30", "hostel_exit", WESTMINSTER, "inform", "prs"),
        ("2024-06-30", "settled_prs", WESTMINSTER, "inform", None),
        ("2024-07-01", "hostel_entry", WESTMINSTER, "inform", None),
        # back to the street: only the exit; the next bedded-down contact is what counts
        ("2024-08-01", "hostel_exit", WESTMINSTER, "inform", "street"),
        # a move-in before the extract date stays; the move-out after it does not
        ("2025-03-01", "hostel_entry", WESTMINSTER, "inform", None),
    ]
    assert _rows(events, "k2") == [
        ("2024-02-01", "nsno_arrival", LAMBETH, "chain", None),
        ("2024-02-02", "assessment_hub", LAMBETH, "chain", None),
        ("2024-02-10", "ta_start", None, "chain", None),
        ("2024-02-15", "hostel_entry", LAMBETH, "inform", None),
        # destination unknown, but the move-out reason says the person died
        # (events of one day are in alphabetical order of type)
        ("2024-05-01", "died", LAMBETH, "inform", None),
        ("2024-05-01", "hostel_exit", LAMBETH, "inform", "unknown"),
    ]
    # C9 is not in the links: its contact gives no event and no person.
    assert set(events["person_key"]) == {"k1", "k2"}


def test_people_attributes_follow_the_documented_precedence(sources, links):
    people, _ = build_journeys(sources, links, EXTRACT)
    k1, k2 = people.sort("person_key").to_dicts()
    # k1: born 1 May 1990, first event 1 October 2023 -> 33 years old.
    assert k1["age_band"] == "26_35"
    # male in CHAIN and two In-Form stays against female in H-CLIC; 'unknown' does not count.
    assert k1["gender"] == "male"
    # ROU (CHAIN) and GBR (H-CLIC) once each: the tie goes to CHAIN.
    assert k1["nationality_group"] == "eu_eea"
    assert k1["ethnic_group"] == "white"
    assert (k1["need_mental_health"], k1["need_alcohol"], k1["need_drugs"]) == (True, True, True)
    assert k1["need_physical_health"] is False
    assert (k1["prison_history"], k1["care_leaver"]) == (True, False)
    # k2: no date of birth anywhere, approximate age 58; female (CHAIN) and male (In-Form)
    # once each: the tie goes to CHAIN.
    assert k2["age_band"] == "56_plus"
    assert k2["gender"] == "female"
    assert k2["nationality_group"] == "unknown"
    assert k2["care_leaver"] is True
    assert not any(k2[f] for f in ("need_mental_health", "need_alcohol", "need_drugs"))


def test_nothing_identifying_leaves_the_stage(sources, links):
    people, events = build_journeys(sources, links, EXTRACT)
    text = str(people.to_dicts()) + str(events.to_dicts())
    for identifying in (
        "Popescu",
        "Ion",
        "Johnny",
        "AB123456C",
        "QQ123456A",
        "1990",
        "C1",
        "H1",
        "R1",
    ):
        assert identifying not in text


def test_absent_tables_are_fine(sources, links):
    people, events = build_journeys(
        {"chain_people": sources["chain_people"], "chain_contacts": sources["chain_contacts"]},
        links,
        EXTRACT,
    )
    assert set(events["event_type"]) == {"seen_rough_sleeping", "street_contact", "nsno_arrival",
                                         "assessment_hub"}  # fmt: skip
    # A person in the links appears once, even if only H-CLIC or In-Form knew them.
    assert people.height == 2
