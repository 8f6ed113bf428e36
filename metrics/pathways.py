"""Pathways: where people new to the street came from and where they were 6 and 12 months on.

A **cohort** is everyone first seen rough sleeping (their first ``seen_rough_sleeping`` in the
data) in one financial year (``cohort_period`` ``2023-24``) or one quarter of it (``2023-24 Q2``
is July to September 2023). Only cohorts whose last member has been followed for 12 months by
the extract date are shown. Geography: London, and the borough where each person was first
seen. People first seen in the first year of the data include some who slept rough before it
began: read the earliest cohorts with care.

Each person is in exactly one state at each of four stages, so every stage sums to the cohort:

``before`` — the most recent of these, up to the day first seen:
    an H-CLIC approach in the previous 12 months (``metrics.prior_hclic_months``, the window of missed prevention), named by its
    reason for loss of home (``asylum support ended``, ``end of private tenancy``,
    ``evicted by family or friends``, ``domestic abuse``, ``left an institution``,
    ``other reason``, ``reason not recorded``); or a custody or hospital record in the
    previous 85 days (``metrics.p2_window_days``, the Data Framework P2 window): ``left custody``, ``left hospital``;
    otherwise ``none known``. On the same day an institution record wins.

``first_response`` — the first of these in the 90 days from first seen (``pathways.first_response_days``):
    ``NSNO hub`` (No Second Night Out or an assessment hub), ``hostel``, ``TA``,
    ``supported housing``, ``Housing First``, ``settled`` (straight into a tenancy, which the
    SPEC's list leaves out but which happens), ``reconnection``; otherwise ``none``. On the
    same day the first in this order wins (people pass through a hub on the way in), the order
    of the ``first_intervention`` breakdown.

``month_6`` and ``month_12`` — the state on the day 6 (12) calendar months after first seen:
    ``died`` if a death is recorded on or before that day. Otherwise the latest of these records
    from first seen to that day decides:

    ==========================================  =====================
    record                                      state
    ==========================================  =====================
    settled PRS or social tenancy, Housing      ``settled``
    First; hostel exit to PRS, social housing
    or Housing First
    hostel entry, supported housing; hostel     ``supported/hostel``
    exit to supported housing or another hostel
    TA start                                    ``TA``
    reconnection (UK or abroad)                 ``reconnected``
    custody, hospital; hostel exit to them      ``institution``
    seen rough sleeping; hostel exit to street  ``rough sleeping``
    TA end; hostel exit to family or friends,   ``not known``
    or unknown destination
    ==========================================  =====================

    ``rough sleeping`` and ``institution`` last only 90 days (``pathways.state_window_days``):
    a sighting or hospital record older than that says nothing about today, so the state is
    ``not known``. A move into accommodation holds until a later record says otherwise (hostel
    and TA records carry their end). With no record at all the state is ``not known``. When
    records share a day, the one further along the way off the street wins (settled, then
    supported/hostel, TA, reconnected, institution, rough sleeping, not known): someone seen in
    the morning and housed that evening is housed.

Counts here are unrounded; disclosure control rounds them and folds small links together.
"""

from __future__ import annotations

from datetime import date

import networkx as nx
import polars as pl

from contract.periods import period_end_expr, period_index, quarter_of_fy
from contract.reference import LONDON_CODE, borough_codes
from contract.release import PATHS_SCHEMA, PATHWAYS_SCHEMA
from metrics.config import AnalysisConfig

#: Plain-words definition, for the registry and the About page.
DEFINITION = (
    "People first seen rough sleeping in a financial year or quarter, followed for 12 months: "
    "what came before (an approach to a council for help and its reason, or leaving custody or "
    "hospital), the first response within 90 days, and where they were 6 and 12 months after "
    "they were first seen. Only periods whose people have all been followed for 12 months are "
    "shown. 'Not known' means no record says where someone was."
)

STAGES = ("before", "first_response", "month_6", "month_12")

#: ``before``: H-CLIC reason for loss of home, in words.
BEFORE_REASONS = {
    "asylum_support_ended": "asylum support ended",
    "end_ast": "end of private tenancy",
    "family_friends_evict": "evicted by family or friends",
    "domestic_abuse": "domestic abuse",
    "left_institution": "left an institution",
    "other": "other reason",
    "unknown": "reason not recorded",
}
BEFORE_INSTITUTIONS = {"custody": "left custody", "hospital": "left hospital"}
NONE_KNOWN = "none known"

#: ``first_response``: event type to state, in same-day order of precedence.
FIRST_RESPONSES = {
    "nsno_arrival": "NSNO hub",
    "assessment_hub": "NSNO hub",
    "hostel_entry": "hostel",
    "ta_start": "TA",
    "supported_housing": "supported housing",
    "housing_first": "Housing First",
    "settled_prs": "settled",
    "settled_social": "settled",
    "reconnection_uk": "reconnection",
    "reconnection_abroad": "reconnection",
}
NO_RESPONSE = "none"

SETTLED, SUPPORTED, TA = "settled", "supported/hostel", "TA"
RECONNECTED, INSTITUTION, ROUGH_SLEEPING = "reconnected", "institution", "rough sleeping"
DIED, NOT_KNOWN = "died", "not known"
#: States at 6 and 12 months, from furthest off the street (wins a same-day tie) to not known.
LATER_STATES = (SETTLED, SUPPORTED, TA, RECONNECTED, INSTITUTION, ROUGH_SLEEPING, NOT_KNOWN)
_STATE_EVENTS = {
    "settled_prs": SETTLED,
    "settled_social": SETTLED,
    "housing_first": SETTLED,
    "hostel_entry": SUPPORTED,
    "supported_housing": SUPPORTED,
    "ta_start": TA,
    "ta_end": NOT_KNOWN,
    "reconnection_uk": RECONNECTED,
    "reconnection_abroad": RECONNECTED,
    "custody": INSTITUTION,
    "hospital": INSTITUTION,
    "seen_rough_sleeping": ROUGH_SLEEPING,
}
_HOSTEL_DESTINATIONS = {
    "prs": SETTLED,
    "social": SETTLED,
    "housing_first": SETTLED,
    "supported": SUPPORTED,
    "another_hostel": SUPPORTED,
    "street": ROUGH_SLEEPING,
    "custody": INSTITUTION,
    "hospital": INSTITUTION,
    "died": DIED,
}
_SHORT_LIVED = (ROUGH_SLEEPING, INSTITUTION)

PATH_SEPARATOR = " → "


def _fy_label(fy: pl.Expr) -> pl.Expr:
    return pl.format("{}-{}", fy, ((fy + 1) % 100).cast(pl.String).str.zfill(2))


def first_seen_cohorts(events: pl.DataFrame | pl.LazyFrame, extract_date: date) -> pl.LazyFrame:
    """Everyone's first sighting: ``person_key``, ``first_seen``, ``borough``, ``fy``,
    ``fy_quarter`` (1 = April to June) and the last day of each period."""
    return (
        events.lazy()
        .filter(
            (pl.col("event_type") == "seen_rough_sleeping") & (pl.col("event_date") <= extract_date)
        )
        .sort("person_key", "event_date", "borough", nulls_last=True)
        .group_by("person_key", maintain_order=True)
        .first()
        .select("person_key", "borough", first_seen=pl.col("event_date"))
        .with_columns(
            fy=period_index("fy", pl.col("first_seen")),
            quarter=period_index("quarter", pl.col("first_seen")),
        )
        .with_columns(
            fy_quarter=quarter_of_fy(pl.col("quarter")),
            fy_end=period_end_expr("fy", pl.col("fy")),
            quarter_end=period_end_expr("quarter", pl.col("quarter")),
        )
        .drop("quarter")
    )


def person_paths(
    events: pl.DataFrame | pl.LazyFrame, config: AnalysisConfig, extract_date: date
) -> pl.DataFrame:
    """Each person's state at the four stages (one row per person with 12 months' follow-up).

    Returns:
        ``person_key``, ``first_seen``, ``borough``, ``fy``, ``fy_quarter``, ``fy_end``,
        ``quarter_end``, ``before``, ``first_response``, ``month_6``, ``month_12``.
    """
    ev = events.lazy().filter(pl.col("event_date") <= extract_date)
    cohort = (
        first_seen_cohorts(ev, extract_date)
        .with_columns(
            month_6_date=pl.col("first_seen").dt.offset_by("6mo"),
            month_12_date=pl.col("first_seen").dt.offset_by("12mo"),
        )
        .filter(pl.col("month_12_date") <= extract_date)
    )
    anchor = cohort.select("person_key", "first_seen", "month_6_date", "month_12_date")
    day = pl.col("event_date")
    first_seen = pl.col("first_seen")

    is_approach = pl.col("event_type") == "hclic_approach"
    before = (
        ev.filter(pl.col("event_type").is_in(["hclic_approach", *BEFORE_INSTITUTIONS]))
        .join(anchor, on="person_key")
        .filter(
            (day <= first_seen)
            & pl.when(is_approach)
            .then(day >= first_seen.dt.offset_by(f"-{config.metrics.prior_hclic_months}mo"))
            .otherwise(day >= first_seen - pl.duration(days=config.metrics.p2_window_days))
        )
        .with_columns(
            before=pl.when(is_approach)
            .then(
                pl.col("detail").replace_strict(
                    BEFORE_REASONS, default=BEFORE_REASONS["unknown"], return_dtype=pl.String
                )
            )
            .otherwise(pl.col("event_type").replace_strict(BEFORE_INSTITUTIONS, default=None)),
            precedence=is_approach.not_().cast(pl.Int8),
        )
        .sort("person_key", "event_date", "precedence")
        .group_by("person_key")
        .agg(pl.col("before").last())
    )

    order = {e: i for i, e in enumerate(FIRST_RESPONSES)}
    first_response = (
        ev.filter(pl.col("event_type").is_in(list(FIRST_RESPONSES)))
        .join(anchor, on="person_key")
        .filter(
            day.is_between(
                first_seen, first_seen + pl.duration(days=config.pathways.first_response_days)
            )
        )
        .with_columns(
            first_response=pl.col("event_type").replace_strict(FIRST_RESPONSES),
            precedence=pl.col("event_type").replace_strict(order, return_dtype=pl.Int32),
        )
        .sort("person_key", "event_date", "precedence")
        .group_by("person_key")
        .agg(pl.col("first_response").first())
    )

    later_rank = {s: i for i, s in enumerate(reversed(LATER_STATES))}  # higher wins a tie
    records = (
        ev.filter(pl.col("event_type").is_in([*_STATE_EVENTS, "hostel_exit"]))
        .join(anchor, on="person_key")
        .filter(day >= first_seen)
        .with_columns(
            state=pl.when(pl.col("event_type") == "hostel_exit")
            .then(
                pl.col("detail").replace_strict(
                    _HOSTEL_DESTINATIONS, default=NOT_KNOWN, return_dtype=pl.String
                )
            )
            .otherwise(pl.col("event_type").replace_strict(_STATE_EVENTS, default=None))
        )
        # A hostel exit to death is a death record, handled with the others below.
        .filter(pl.col("state") != DIED)
        .with_columns(precedence=pl.col("state").replace_strict(later_rank, return_dtype=pl.Int32))
        .sort("person_key", "event_date", "precedence")
    )
    deaths = (
        ev.filter(
            (pl.col("event_type") == "died")
            | ((pl.col("event_type") == "hostel_exit") & (pl.col("detail") == "died"))
        )
        .group_by("person_key")
        .agg(died_date=day.min())
    )
    stages = []
    for column in ("month_6", "month_12"):
        on = pl.col(f"{column}_date")
        latest = (
            records.filter(day <= on)
            .group_by("person_key")
            .agg(pl.col("state").last(), pl.col("event_date").last(), on.first())
        )
        stale = pl.col("state").is_in(_SHORT_LIVED) & (
            (on - day).dt.total_days() > config.pathways.state_window_days
        )
        stages.append(
            anchor.select("person_key", on)
            .join(latest.drop(on.meta.output_name()), on="person_key", how="left")
            .join(deaths, on="person_key", how="left")
            .select(
                "person_key",
                pl.when(pl.col("died_date") <= on)
                .then(pl.lit(DIED))
                .when(pl.col("state").is_null() | stale)
                .then(pl.lit(NOT_KNOWN))
                .otherwise(pl.col("state"))
                .alias(column),
            )
        )
    return (
        cohort.drop("month_6_date", "month_12_date")
        .join(before, on="person_key", how="left")
        .join(first_response, on="person_key", how="left")
        .join(stages[0], on="person_key", how="left")
        .join(stages[1], on="person_key", how="left")
        .with_columns(
            pl.col("before").fill_null(NONE_KNOWN),
            pl.col("first_response").fill_null(NO_RESPONSE),
        )
        .sort("person_key")
        .collect()
    )


def _cohort_rows(paths: pl.DataFrame, extract_date: date) -> pl.LazyFrame:
    """Each person once per complete cohort period and geography they belong to."""
    complete_fy = pl.col("fy_end").dt.offset_by("12mo") <= extract_date
    complete_quarter = pl.col("quarter_end").dt.offset_by("12mo") <= extract_date
    lazy = paths.lazy()
    by_period = pl.concat(
        [
            lazy.filter(complete_fy).with_columns(cohort_period=_fy_label(pl.col("fy"))),
            lazy.filter(complete_quarter).with_columns(
                cohort_period=pl.format("{} Q{}", _fy_label(pl.col("fy")), pl.col("fy_quarter"))
            ),
        ]
    )
    return pl.concat(
        [
            by_period.select("cohort_period", *STAGES, geography_code=pl.lit(LONDON_CODE)),
            by_period.filter(pl.col("borough").is_in(borough_codes())).select(
                "cohort_period", *STAGES, geography_code=pl.col("borough")
            ),
        ]
    )


def compute_pathways(
    events: pl.DataFrame | pl.LazyFrame,
    people: pl.DataFrame | pl.LazyFrame,
    config: AnalysisConfig,
    extract_date: date,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Sankey links and the most common full paths, per cohort and geography.

    Args:
        events: the secure zone's events (``EVENTS_SCHEMA``).
        people: the secure zone's people (unused: pathways have no person breakdown).
        config: the run's configuration (``pathways``: windows of each stage, how many paths to
            list; the windows before first seen are ``metrics``' own).
        extract_date: the extract date; cohorts without 12 months' follow-up are left out.

    Returns:
        ``(links, paths)``. ``links`` is in ``PATHWAYS_SCHEMA``: one row per cohort, geography,
        adjacent pair of stages and pair of states, ``count`` people, ``status`` ``ok``. Each
        stage's counts sum to the cohort. ``paths`` (``PATHS_SCHEMA``) lists the
        ``pathways.top_paths`` most common full paths, such as ``asylum support ended → NSNO hub
        → supported/hostel → settled``, counted person by person (a path read off the
        transition graph by multiplying shares would be a guess, and could name a path nobody
        took), ranked by count and then alphabetically.
    """
    del people
    rows = _cohort_rows(person_paths(events, config, extract_date), extract_date)
    links = pl.concat(
        [
            rows.group_by("cohort_period", "geography_code", stage_from, stage_to)
            .agg(count=pl.len().cast(pl.Int64))
            .select(
                "cohort_period",
                "geography_code",
                stage_from=pl.lit(stage_from),
                state_from=pl.col(stage_from),
                stage_to=pl.lit(stage_to),
                state_to=pl.col(stage_to),
                count="count",
                status=pl.lit("ok"),
            )
            for stage_from, stage_to in zip(STAGES, STAGES[1:], strict=False)
        ]
    )
    paths = (
        rows.group_by("cohort_period", "geography_code", *STAGES)
        .agg(count=pl.len().cast(pl.Int64))
        .select(
            "cohort_period",
            "geography_code",
            path=pl.concat_str(list(STAGES), separator=PATH_SEPARATOR),
            count="count",
        )
        .sort(
            "cohort_period",
            "geography_code",
            pl.col("count"),
            "path",
            descending=[False, False, True, False],
        )
        .with_columns(rank=pl.int_range(1, pl.len() + 1).over("cohort_period", "geography_code"))
        .filter(pl.col("rank") <= config.pathways.top_paths)
        .with_columns(pl.col("rank").cast(pl.Int64))
    )
    stage_order = {s: i for i, s in enumerate(STAGES)}
    links_frame, paths_frame = pl.collect_all([links, paths])
    links_frame = links_frame.sort(
        "cohort_period",
        "geography_code",
        pl.col("stage_from").replace_strict(stage_order, return_dtype=pl.Int8),
        "state_from",
        "state_to",
    ).select(pl.col(c).cast(t) for c, t in PATHWAYS_SCHEMA.items())
    return links_frame, paths_frame.select(pl.col(c).cast(t) for c, t in PATHS_SCHEMA.items())


def transition_graph(links_frame: pl.DataFrame) -> nx.DiGraph:
    """The state-transition graph of a links table (filter it to one cohort and geography first).

    Nodes are ``(stage, state)`` pairs with a ``people`` attribute; edges carry ``count``, the
    people who moved from one state to the next, summed over the rows given.

    Example:
        >>> graph = transition_graph(links.filter(pl.col("cohort_period") == "2023-24"))
        >>> graph.edges[("before", "none known"), ("first_response", "NSNO hub")]["count"]
    """
    graph = nx.DiGraph()
    totals = links_frame.group_by("stage_from", "state_from", "stage_to", "state_to").agg(
        pl.col("count").sum()
    )
    for stage_from, state_from, stage_to, state_to, count in totals.iter_rows():
        graph.add_edge((stage_from, state_from), (stage_to, state_to), count=int(count))
    for node in graph.nodes:
        incoming = sum(d["count"] for *_, d in graph.in_edges(node, data=True))
        outgoing = sum(d["count"] for *_, d in graph.out_edges(node, data=True))
        graph.nodes[node]["people"] = incoming if graph.in_degree(node) else outgoing
    return graph
