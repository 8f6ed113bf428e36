"""Draw event tables as text, the way a borough analyst would sketch them (survival, pathways
and comparison spec tests)."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from metrics.journeys import EVENTS_SCHEMA, PEOPLE_SCHEMA, SUPPORT_NEED_FLAGS


def _draw_events(table: str) -> pl.DataFrame:
    """Rows ``person | date | event [| borough [| detail]]``; ``-`` is an empty cell."""
    rows = []
    for line in table.strip().splitlines()[1:]:  # first line is the header
        cells = [c.strip() for c in line.split("|")] + ["-", "-"]
        person, day, event, borough, detail = cells[:5]
        rows.append(
            {
                "person_key": person,
                "event_date": date.fromisoformat(day),
                "event_type": event,
                "borough": None if borough == "-" else borough,
                "source": "chain",
                "detail": None if detail == "-" else detail,
            }
        )
    return pl.DataFrame(rows, schema=EVENTS_SCHEMA).sort("person_key", "event_date")


def _draw_people(table: str) -> pl.DataFrame:
    """Rows ``person | age_band | gender | needs`` (needs ``,``-separated, or ``none``)."""
    rows = []
    for line in table.strip().splitlines()[1:]:
        person, age_band, gender, needs = (c.strip() for c in line.split("|"))
        flags = set(needs.split(","))
        rows.append(
            {
                "person_key": person,
                "age_band": age_band,
                "gender": gender,
                "ethnic_group": "unknown",
                "nationality_group": "unknown",
                **{f: f.removeprefix("need_") in flags for f in SUPPORT_NEED_FLAGS},
                "armed_forces": False,
                "care_leaver": False,
                "prison_history": False,
            }
        )
    return pl.DataFrame(rows, schema=PEOPLE_SCHEMA)


@pytest.fixture
def draw_events():
    return _draw_events


@pytest.fixture
def draw_people():
    return _draw_people


@pytest.fixture
def no_people() -> pl.DataFrame:
    return pl.DataFrame(schema=PEOPLE_SCHEMA)
