"""Reference tables and code lists of the minimum dataset v1.

This module holds no data about people. Both zones import it, so it imports nothing else of
the project.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

_HERE = Path(__file__).resolve().parent
#: The top-level ``assets/`` folder of a checkout, or its copy inside an installed wheel.
ASSETS = next(p for p in (_HERE / "assets", _HERE.parent / "assets") if p.is_dir())

LONDON_CODE = "E12000007"
LONDON_NAME = "London"

GENDERS = ("male", "female", "non_binary", "other", "unknown")
ETHNIC_GROUPS = ("asian", "black", "mixed", "white", "other", "unknown")
SUPPORT_NEEDS = (
    "mental_health",
    "alcohol",
    "drugs",
    "physical_health",
    "learning_disability",
    "none",
    "unknown",
)
CONTACT_TYPES = ("bedded_down", "street_contact", "nsno_hub", "assessment_hub")
OUTCOME_TYPES = (
    "hostel",
    "supported_housing",
    "temporary_accommodation",
    "housing_first",
    "settled_prs",
    "settled_social",
    "reconnection_uk",
    "reconnection_abroad",
    "hospital",
    "custody",
    "died",
    "other",
)
PREVENTION_OUTCOMES = (
    "secured_existing",
    "secured_alternative",
    "homeless",
    "lost_contact",
    "withdrew",
    "other",
)
RELIEF_OUTCOMES = ("secured_accommodation", "main_duty", "lost_contact", "withdrew", "other")
MAIN_DUTY_DECISIONS = ("accepted", "not_accepted", "none")
REASONS_LOSS_OF_HOME = (
    "end_ast",
    "family_friends_evict",
    "domestic_abuse",
    "left_institution",
    "asylum_support_ended",
    "other",
    "unknown",
)
MOVE_OUT_REASONS = (
    "planned_move_on",
    "evicted",
    "abandoned",
    "custody",
    "hospital",
    "died",
    "transferred",
    "other",
)
DESTINATIONS = (
    "prs",
    "social",
    "supported",
    "housing_first",
    "family_friends",
    "another_hostel",
    "street",
    "custody",
    "hospital",
    "died",
    "unknown",
)

# The lawful bases a source may be processed under (UK GDPR Article 6(1)), and the conditions for
# its special category data (Article 9(2)): the sources manifest names one of each by code, the
# release carries them, and the public transparency page shows them in these words.
LAWFUL_BASES = {
    "public_task": "Public task (UK GDPR Article 6(1)(e))",
    "legal_obligation": "Legal obligation (UK GDPR Article 6(1)(c))",
    "vital_interests": "Vital interests (UK GDPR Article 6(1)(d))",
    "legitimate_interests": "Legitimate interests (UK GDPR Article 6(1)(f))",
    "contract": "Contract (UK GDPR Article 6(1)(b))",
    "consent": "Consent (UK GDPR Article 6(1)(a))",
}
SPECIAL_CATEGORY_CONDITIONS = {
    "substantial_public_interest": "Substantial public interest (Article 9(2)(g), Data Protection "
    "Act 2018 Schedule 1)",
    "health_or_social_care": "Health or social care (Article 9(2)(h))",
    "vital_interests": "Vital interests (Article 9(2)(c))",
    "explicit_consent": "Explicit consent (Article 9(2)(a))",
    "archiving_research_statistics": "Archiving, research or statistics (Article 9(2)(j))",
}

AGE_BANDS = ("under_18", "18_25", "26_35", "36_45", "46_55", "56_plus", "unknown")
NATIONALITY_GROUPS = ("uk", "eu_eea", "rest_of_world", "unknown")

EVENT_TYPES = (
    "seen_rough_sleeping",
    "street_contact",
    "nsno_arrival",
    "assessment_hub",
    "hclic_approach",
    "prevention_duty",
    "relief_duty",
    "main_duty_accepted",
    "ta_start",
    "ta_end",
    "hostel_entry",
    "hostel_exit",
    "supported_housing",
    "housing_first",
    "settled_prs",
    "settled_social",
    "reconnection_uk",
    "reconnection_abroad",
    "hospital",
    "custody",
    "died",
)
ACCOMMODATION_EVENTS = (
    "hostel_entry",
    "supported_housing",
    "housing_first",
    "ta_start",
    "settled_prs",
    "settled_social",
)

UK_CODES = frozenset({"GBR"})
# EU member states plus Iceland, Liechtenstein and Norway (EEA) and Switzerland, which CHAIN
# reports with the EEA.
EU_EEA_CODES = frozenset(
    {
        "AUT", "BEL", "BGR", "HRV", "CYP", "CZE", "DNK", "EST", "FIN", "FRA", "DEU", "GRC",
        "HUN", "IRL", "ITA", "LVA", "LTU", "LUX", "MLT", "NLD", "POL", "PRT", "ROU", "SVK",
        "SVN", "ESP", "SWE", "ISL", "LIE", "NOR", "CHE",
    }
)  # fmt: skip


def nationality_group(code: str | None) -> str:
    """Broad nationality group of an ISO 3166-1 alpha-3 code.

    >>> nationality_group("ROU"), nationality_group("GBR"), nationality_group(None)
    ('eu_eea', 'uk', 'unknown')
    """
    if code is None or code == "" or code == "unknown":
        return "unknown"
    if code in UK_CODES:
        return "uk"
    if code in EU_EEA_CODES:
        return "eu_eea"
    return "rest_of_world"


@dataclass(frozen=True)
class Borough:
    code: str
    name: str
    pilot: bool


@cache
def boroughs() -> tuple[Borough, ...]:
    """The 33 London boroughs (ONS codes E09000001 to E09000033), with the four pilots marked."""
    with open(ASSETS / "london_boroughs.csv", encoding="utf-8", newline="") as f:
        return tuple(
            Borough(row["code"], row["name"], row["pilot"].strip().lower() == "true")
            for row in csv.DictReader(f)
        )


def borough_codes() -> tuple[str, ...]:
    return tuple(b.code for b in boroughs())


def borough_name(code: str) -> str:
    if code == LONDON_CODE:
        return LONDON_NAME
    for b in boroughs():
        if b.code == code:
            return b.name
    raise KeyError(f"{code} is not a London borough code")


def pilot_codes() -> tuple[str, ...]:
    return tuple(b.code for b in boroughs() if b.pilot)
