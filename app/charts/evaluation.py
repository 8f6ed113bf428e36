"""Pilot evaluation: the pilot register as a table, and each pilot's designs as charts and words.

The register comes from the release manifest (``PilotEntry``); the estimates from the release's
``evaluation`` table (``EVALUATION_SCHEMA``). Nothing here computes from people: every number is
the release's own.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import polars as pl

from contract.reference import borough_name
from contract.release import PilotEntry
from contract.vocabulary import GROUP_VALUE_WORDS

TARGET_WORDS = {
    "mental_health": "people with a mental health need",
    "alcohol": "people with an alcohol need",
    "drugs": "people with a drug need",
    "physical_health": "people with a physical health need",
    "learning_disability": "people with a learning disability",
}


def _month_words(month: str | None) -> str:
    if not month:
        return "ongoing"
    return date.fromisoformat(f"{month}-01").strftime("%B %Y")


def pilot_title(pilot: PilotEntry) -> str:
    """'Housing First in Camden, from April 2023'."""
    what = GROUP_VALUE_WORDS.get(pilot.intervention, pilot.intervention.replace("_", " "))
    return f"{what} in {borough_name(pilot.borough)}, from {_month_words(pilot.start)}"


def register_table(pilots: Sequence[PilotEntry]) -> pl.DataFrame:
    """The pilot register as the About and transparency pages show it, one row per pilot."""
    return pl.DataFrame(
        {
            "pilot": [p.id for p in pilots],
            "borough": [borough_name(p.borough) for p in pilots],
            "intervention": [GROUP_VALUE_WORDS.get(p.intervention, p.intervention) for p in pilots],
            "from": [_month_words(p.start) for p in pilots],
            "to": [_month_words(p.end) for p in pilots],
            "for": [TARGET_WORDS.get(p.target_group or "", "everyone") for p in pilots],
            "what it is": [p.description for p in pilots],
        },
        schema={
            c: pl.String
            for c in ("pilot", "borough", "intervention", "from", "to", "for", "what it is")
        },
    )


REGISTER_WORDS = (
    "Pilots registered for evaluation in this release. Each is evaluated on the Compare page "
    "(Pilot evaluation), with its design, estimate, interval, checks and caveat."
)
NO_PILOTS_WORDS = "No pilot is registered for evaluation in this release."
