"""Breakdowns: the groups a metric is split by (SPEC section 5).

Each person falls in one group of each breakdown, written ``name=value`` in the release:

| breakdown | values | where |
|---|---|---|
| ``age_band`` | ``under_18`` ... ``56_plus``, ``unknown`` | London and boroughs |
| ``gender`` | ``male``, ``female``, ``non_binary``, ``other``, ``unknown`` | London and boroughs |
| ``ethnic_group`` | ONS 2021 high-level groups, ``unknown`` | London and boroughs |
| ``support_need`` | one row per need the person has (a person may be in several) | London and boroughs |
| ``support_combination`` | CHAIN's combinations of three needs, below (each person in one) | London and boroughs |
| ``institution`` | one row per institution the person has been in: ``armed_forces``, ``care``, ``custody`` | London and boroughs |
| ``nationality_group`` | ``uk``, ``eu_eea``, ``rest_of_world``, ``unknown`` | **London only**, never a borough |
| ``first_intervention`` | see below | London and boroughs |

**Support needs combined** is how CHAIN's annual report tables mental health, alcohol and drugs:
each person falls in exactly one of ``none`` (none of the three recorded), ``alcohol``,
``drugs``, ``mental_health`` (that need alone), ``alcohol_drugs``, ``alcohol_mental_health``,
``drugs_mental_health`` (those two), or ``alcohol_drugs_mental_health`` (all three). A
combination naming a need is part of that need's ``support_need`` group: disclosure control
treats them as adding up (``pipelines.disclosure.cells``).

**Institutional history** comes from the outreach record's armed forces, care leaver and prison
history flags (``custody`` is prison history); a person may be in several or none.

**First intervention** is the first response a person received on or after the day they were
first seen rough sleeping, at any time up to the extract date, grouped as the pathways are:

| group | event types |
|---|---|
| ``nsno_hub`` | ``nsno_arrival``, ``assessment_hub`` |
| ``hostel`` | ``hostel_entry`` |
| ``temporary_accommodation`` | ``ta_start`` |
| ``supported_housing`` | ``supported_housing`` |
| ``housing_first`` | ``housing_first`` |
| ``settled`` | ``settled_prs``, ``settled_social`` |
| ``reconnection`` | ``reconnection_uk``, ``reconnection_abroad`` |
| ``none`` | no response yet |

When two responses fall on the same day the one earlier in this table counts (a person who
arrives at the hub and goes on to a hostel the same day was first helped by the hub).
"""

from __future__ import annotations

import polars as pl

from metrics.journeys import SUPPORT_NEED_FLAGS

FIRST_INTERVENTION_GROUPS: dict[str, str] = {
    "nsno_arrival": "nsno_hub",
    "assessment_hub": "nsno_hub",
    "hostel_entry": "hostel",
    "ta_start": "temporary_accommodation",
    "supported_housing": "supported_housing",
    "housing_first": "housing_first",
    "settled_prs": "settled",
    "settled_social": "settled",
    "reconnection_uk": "reconnection",
    "reconnection_abroad": "reconnection",
}
FIRST_INTERVENTION_VALUES = (*dict.fromkeys(FIRST_INTERVENTION_GROUPS.values()), "none")

SINGLE_BREAKDOWNS = ("age_band", "gender", "ethnic_group", "nationality_group")
LONDON_ONLY_BREAKDOWNS = ("nationality_group",)

COMBINED_NEEDS = ("alcohol", "drugs", "mental_health")
"""The needs CHAIN reports in combination, in the order a combination's value names them."""

INSTITUTIONS = {"armed_forces": "armed_forces", "care_leaver": "care", "prison_history": "custody"}
"""Each institutional-history flag of the people table, and its group in the ``institution``
breakdown."""


def support_combination() -> pl.Expr:
    """A person's combination of the three needs: ``none``, or the needs they have joined by
    ``_`` in ``COMBINED_NEEDS`` order ('alcohol_mental_health')."""
    named = [pl.when(pl.col(f"need_{need}")).then(pl.lit(need)) for need in COMBINED_NEEDS]
    joined = pl.concat_str(named, separator="_", ignore_nulls=True)
    return pl.when(joined == "").then(pl.lit("none")).otherwise(joined)


def first_intervention(events: pl.DataFrame, first_seen: pl.DataFrame) -> pl.DataFrame:
    """Each person's first intervention group (``person_key``, ``first_intervention``).

    Args:
        events: journey events (``EVENTS_SCHEMA``).
        first_seen: ``person_key``, ``first_seen`` (date first seen rough sleeping).
    """
    order = {group: rank for rank, group in enumerate(FIRST_INTERVENTION_GROUPS)}
    responses = (
        events.filter(pl.col("event_type").is_in(list(FIRST_INTERVENTION_GROUPS)))
        .join(first_seen, on="person_key", how="inner")
        .filter(pl.col("event_date") >= pl.col("first_seen"))
        .with_columns(rank=pl.col("event_type").replace_strict(order, return_dtype=pl.Int32))
        .sort(["person_key", "event_date", "rank"])
        .group_by("person_key", maintain_order=True)
        .first()
        .select(
            "person_key",
            pl.col("event_type")
            .replace_strict(FIRST_INTERVENTION_GROUPS, return_dtype=pl.String)
            .alias("first_intervention"),
        )
    )
    return (
        first_seen.select("person_key")
        .join(responses, on="person_key", how="left")
        .select("person_key", pl.col("first_intervention").fill_null("none"))
    )


def person_breakdowns(
    people: pl.DataFrame, interventions: pl.DataFrame, everyone: pl.Series
) -> pl.DataFrame:
    """Long frame ``person_key``, ``breakdown``: ``all`` plus each group the person is in.

    Args:
        people: ``PEOPLE_SCHEMA`` frame.
        interventions: output of ``first_intervention``; people missing from it are ``none``.
        everyone: every person_key to count; one missing from ``people`` still counts in
            ``all``, with unknown attributes and no support-need flags.
    """
    flags = [c for c, t in people.schema.items() if t == pl.Boolean()]
    base = (
        pl.DataFrame({"person_key": everyone.unique()})
        .join(people, on="person_key", how="left")
        .join(interventions, on="person_key", how="left")
        .with_columns(
            pl.col("first_intervention").fill_null("none"), pl.col(flags).fill_null(False)
        )
    )
    parts = [base.select("person_key", pl.lit("all").alias("breakdown"))]
    for name in (*SINGLE_BREAKDOWNS, "first_intervention"):
        parts.append(
            base.select(
                "person_key",
                pl.concat_str(pl.lit(f"{name}="), pl.col(name).fill_null("unknown")).alias(
                    "breakdown"
                ),
            )
        )
    for flag in SUPPORT_NEED_FLAGS:
        need = flag.removeprefix("need_")
        parts.append(
            base.filter(pl.col(flag)).select(
                "person_key", pl.lit(f"support_need={need}").alias("breakdown")
            )
        )
    parts.append(
        base.select(
            "person_key",
            pl.concat_str(pl.lit("support_combination="), support_combination()).alias("breakdown"),
        )
    )
    for flag, group in INSTITUTIONS.items():
        parts.append(
            base.filter(pl.col(flag)).select(
                "person_key", pl.lit(f"institution={group}").alias("breakdown")
            )
        )
    return pl.concat(parts, how="vertical")
