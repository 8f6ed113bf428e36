"""The words of the product, in one home both zones import: what the release's codes are called
on screen, in the pack and in the manifest.

Metric titles and definitions are not here: the metric registry (``metrics.registry``) writes
them into every release's manifest, and the app reads them from there. What is here are the
names of the release's codes (periods, sources, groups, pathway states, comparisons), the caveat
every comparison carries, and the disclosure rules in words, generated from the thresholds a
release was protected with (its manifest's ``sdc`` block), so the words can never disagree with
the rules applied.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

SOURCE_NAMES = {"chain": "CHAIN", "hclic": "H-CLIC", "inform": "In-Form"}


PERIOD_WORDS = {"month": "month", "quarter": "quarter", "fy": "financial year"}
"""A period type in words; capitalise the first letter at the start of a label (``capital``)."""


STAGE_WORDS = {
    "before": "Before",
    "first_response": "First response (90 days)",
    "month_6": "At 6 months",
    "month_12": "At 12 months",
}


STATE_WORDS = {
    "none known": "nothing known",
    "none": "no intervention",
    "not known": "not known",
    # short: the 6- and 12-month labels face each other across one column gap
    "TA": "temporary accomm.",
    "NSNO hub": "NSNO hub",
    "supported/hostel": "supported/hostel",
    "reconnected": "reconnected",
}


GROUP_VALUE_WORDS = {
    # first intervention (survival, comparisons and the metrics breakdown share these)
    "hostel": "Hostel",
    "temporary_accommodation": "Temporary accommodation",
    "supported_housing": "Supported housing",
    "housing_first": "Housing First",
    "settled": "Settled housing",
    "nsno_hub": "No Second Night Out hub",
    "reconnection": "Reconnection",
    # comparison families
    "rest_of_london": "Rest of London",
    "pilots": "Pilot boroughs",
    "other_boroughs": "Other boroughs",
}


GROUP_DIMENSION_NONE = {
    "first_intervention": "No intervention recorded",
    "support_need": "No support needs recorded",
    "support_combination": "None of the three",
}


DIMENSION_WORDS = {
    "age_band": "Age",
    "gender": "Gender",
    "ethnic_group": "Ethnic group",
    "nationality_group": "Nationality",
    "support_need": "Support need",
    "support_combination": "Mental health, alcohol and drugs",
    "institution": "Institutional history",
}


BREAKDOWN_VALUE_WORDS = {
    "under_18": "Under 18", "18_25": "18–25", "26_35": "26–35", "36_45": "36–45",
    "46_55": "46–55", "56_plus": "56 and over", "eu_eea": "EU/EEA", "uk": "UK",
    "rest_of_world": "Rest of world", "non_binary": "Non-binary",
    # CHAIN's combinations of needs; one need alone is '<need> only' (common.value_words)
    "alcohol_drugs": "Alcohol and drugs", "alcohol_mental_health": "Alcohol and mental health",
    "drugs_mental_health": "Drugs and mental health",
    "alcohol_drugs_mental_health": "All three", "mental_health": "Mental health",
    # institutional history
    "armed_forces": "Armed forces", "care": "Left care", "custody": "Prison (custody)",
}  # fmt: skip


# The statistics of a comparison (``comparisons.statistic``), as the dashboard names them.
STATISTIC_WORDS = {
    "hazard_ratio": "hazard ratio",
    "logrank_chi2": "log-rank test (chi-squared)",
    "ph_test": "proportional-hazards check (chi-squared)",
}

COMPARISON_NAMES = {
    "first_intervention": "by first intervention",
    "pilot_vs_other": "pilot boroughs against the rest",
    "borough": "each borough against the rest of London",
}


OBSERVATIONAL_CAVEAT = (
    "These comparisons come from records of what happened to people, not from an experiment. "
    "People were not placed in an intervention or a borough at random, and the groups differ "
    "in ways the records do not capture, such as how long someone had slept rough, their "
    "history, or what was available when they needed it. The hazard ratios allow only for age "
    "band, gender and support needs. They show how returns to the street differ between "
    "groups, not what an intervention or a borough caused: a lower ratio is an association, "
    "not proof that one approach works better."
)


def capital(words: str) -> str:
    """Words at the start of a label: 'financial year' as 'Financial year' (the rest unchanged)."""
    return words[:1].upper() + words[1:]


def fewer_than(sdc: Mapping[str, Any]) -> str:
    """How a suppressed figure is written: 'fewer than 10', from the release's threshold."""
    return f"fewer than {sdc.get('threshold', 10)}"


def fewer_than_at_risk(sdc: Mapping[str, Any]) -> str:
    """Where a curve stops: 'fewer than 10' people still at risk."""
    return f"fewer than {sdc.get('survival_min_at_risk', sdc.get('threshold', 10))}"


SUPPRESSED = "suppressed"
"""How a suppressed figure is written, wherever it is shown. Never 'fewer than 10': a figure
hidden so that a small one cannot be worked out (secondary suppression) may be far larger."""


def suppressed_meaning(sdc: Mapping[str, Any]) -> str:
    """What 'suppressed' in a table or tile means, for the note under it."""
    return (
        f"'{capital(SUPPRESSED)}' means the figure is hidden: either it counts {fewer_than(sdc)} "
        "people, or it could be used with other published figures to work out a small number, "
        "so it may be of any size."
    )


def footnote_disclosure_words(sdc: Mapping[str, Any]) -> str:
    """The disclosure rules in one sentence, for the footnote of every chart."""
    return (
        f"Counts below {sdc.get('threshold', 10)} are suppressed (gaps in charts, hatched on maps) and "
        f"others rounded to the nearest {sdc.get('rounding_base', 5)}."
    )


def disclosure_paragraphs(sdc: Mapping[str, Any]) -> list[str]:
    """The disclosure rules in paragraphs, for the chart pack's methods page."""
    threshold = sdc.get("threshold", 10)
    return [
        f"Counts below {threshold} are suppressed (shown as '{SUPPRESSED}', a gap in a line or "
        f"a grey tile) and every other count is rounded to the nearest "
        f"{sdc.get('rounding_base', 5)}.",
        "Where published figures add up (breakdowns and their total, boroughs and London, new + "
        "stock + returners, months within a quarter or year), more figures are hidden so that a "
        "hidden one cannot be worked out by subtraction. Percentages are shown only where at "
        f"least {sdc.get('min_rate_denominator', threshold)} people are counted beneath them, as "
        "the rounded count with the outcome over the rounded count of people. "
        f"{curve_protection_words(sdc)} Journey flows of {fewer_than(sdc)} people are folded "
        "into 'other (small numbers)'. Nationality is shown only for London as a whole, and no "
        "place smaller than a borough is ever shown.",
    ]


def curve_protection_words(sdc: Mapping[str, Any]) -> str:
    """How the survival curves were protected, from the manifest's ``sdc`` block."""
    threshold = sdc.get("threshold", 10)
    width = sdc.get("survival_time_step_days", 30)
    return (
        f"Curves are drawn from counts over {width}-day intervals (people still followed, people "
        "who returned to the street or moved in, and, for the competing-risks curve, deaths), "
        f"each hidden below {threshold} or rounded to the nearest "
        f"{sdc.get('rounding_base', 5)}, merging intervals that hold a small number; each step "
        "is worked out from those published counts and shown to the whole percent. Curves stop "
        f"once {fewer_than_at_risk(sdc)} people remain at risk; the competing-risks curve also "
        "stops where its deaths are too few to hide in an interval of at most "
        f"{sdc.get('survival_max_interval_days', 180)} days."
    )


def default_disclosure_words(sdc: Mapping[str, Any]) -> str:
    """The disclosure rules in words, from the manifest's ``sdc`` block."""
    threshold = sdc.get("threshold", 10)
    base = sdc.get("rounding_base", 5)
    return (
        f"Counts below {threshold} are suppressed and every other count is rounded to the nearest "
        f"{base}. Cells that could reveal a suppressed one are suppressed too. Percentages are "
        f"shown only where at least {sdc.get('min_rate_denominator', threshold)} people are "
        "counted beneath them, and are worked out from the rounded counts. "
        + curve_protection_words(sdc)
        + " Small pathway flows are grouped as 'other (small numbers)'."
    )
