"""The journeys the metrics count: the columns of the people and events tables (SPEC section 4).

The events stage (``pipelines.events``) builds frames with exactly these columns and types and
checks them here; every metric reads them, so a reader can follow a record from a CSV cell to
the release without guessing.

Validated source tables (output of ``pipelines.sources.validate``) keep the SPEC section 3 column names.
Dates are ``pl.Date``, booleans ``pl.Boolean``, everything else ``pl.String``; optional columns
absent from a file are added as nulls, so every accepted table has its full column set.
"""

from __future__ import annotations

import polars as pl

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
