"""Column contracts between the stages of the secure zone (SPEC sections 3 and 4).

Stages hand each other Polars frames with exactly these columns and types; each stage's tests
check them, so a reader can follow a record from a CSV cell to the release without guessing.

Validated source tables (output of ``pipelines.validate``) keep the SPEC section 3 column names.
Dates are ``pl.Date``, booleans ``pl.Boolean``, everything else ``pl.String``; optional columns
absent from a file are added as nulls, so every accepted table has its full column set.
"""

from __future__ import annotations

import polars as pl

PERSON_TABLES = ("chain_people", "hclic_cases", "inform_stays")
ALL_TABLES = ("chain_people", "chain_contacts", "chain_outcomes", "hclic_cases", "inform_stays")

LINKS_SCHEMA: dict[str, pl.DataType] = {
    "source": pl.String(),  # chain | hclic | inform
    "source_record_id": pl.String(),  # chain_id; la_code/case_ref; provider/resident_id
    "person_key": pl.String(),  # HMAC-SHA256 hex of the cluster
}

SUPPORT_NEED_FLAGS = (
    "need_mental_health",
    "need_alcohol",
    "need_drugs",
    "need_physical_health",
    "need_learning_disability",
)
HISTORY_FLAGS = ("armed_forces", "care_leaver", "prison_history")

PEOPLE_SCHEMA: dict[str, pl.DataType] = {
    "person_key": pl.String(),
    "age_band": pl.String(),
    "gender": pl.String(),
    "ethnic_group": pl.String(),
    "nationality_group": pl.String(),
    **{flag: pl.Boolean() for flag in SUPPORT_NEED_FLAGS},
    **{flag: pl.Boolean() for flag in HISTORY_FLAGS},
}

EVENTS_SCHEMA: dict[str, pl.DataType] = {
    "person_key": pl.String(),
    "event_date": pl.Date(),
    "event_type": pl.String(),
    "borough": pl.String(),  # ONS code; null when the source names no place
    "source": pl.String(),  # chain | hclic | inform
    # Extra columns the metrics need and SPEC section 4 allows within the secure zone:
    # for hclic_approach, the reason for loss of home; for hostel_exit, the destination.
    "detail": pl.String(),
}


def check_schema(frame: pl.DataFrame, schema: dict[str, pl.DataType], name: str) -> None:
    """Raise when a frame does not carry exactly the contracted columns and types."""
    got = dict(frame.schema)
    if list(got) != list(schema) or any(got[c] != t for c, t in schema.items()):
        raise AssertionError(f"{name} columns {got} do not match the contract {schema}")
