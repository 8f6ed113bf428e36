"""Counting metrics: from journey events to the long ``metrics`` table (SPEC sections 5 and 6).

``compute_metrics`` is the one public function. It is driven by the registry
(``metrics.registry``): each metric names its population and its rule (``metrics.rules``). A
population is a frame of facts with one row per (period, geography, person); each metric of the
population adds one true/false column, its rule evaluated on those facts:

- **seen**: people seen rough sleeping in the period (in the borough, for a borough);
- **new**: the seen people who are ``flow_new``; their rules are evaluated on the seen facts and
  are null for everyone else, so a share's denominator is the new people;
- **moved**: people who moved into accommodation in the period.

Each population is joined to the people's breakdown groups and counted once. The status of a
person (new, stock ...) is London-wide, so a borough's figures always add up the way London's
do. Pure functions, no I/O.
"""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl

from contract.periods import (
    MONTHS_IN,
    PERIOD_TYPES,
    complete_periods,
    period_index,
    period_start_expr,
)
from contract.reference import ACCOMMODATION_EVENTS, LONDON_CODE, borough_codes
from contract.release import METRICS_SCHEMA
from metrics import rules
from metrics.breakdowns import (
    FIRST_INTERVENTION_GROUPS,
    LONDON_ONLY_BREAKDOWNS,
    first_intervention,
    person_breakdowns,
)
from metrics.config import MetricsConfig
from metrics.registry import METRICS, METRICS_BY_ID, Metric

# The populations whose facts each builder below makes (the "new" rules read the seen facts).
MOVE_KINDS = {e: FIRST_INTERVENTION_GROUPS[e] for e in ACCOMMODATION_EVENTS}
"""Each accommodation event's kind of move (hostel, supported housing, Housing First, temporary
accommodation, settled), grouped as first interventions are (``metrics.breakdowns``)."""
MOVE_ORDER = {e: rank for rank, e in enumerate(FIRST_INTERVENTION_GROUPS) if e in MOVE_KINDS}

SEEN_POPULATIONS = ("seen", "new")
MOVED_POPULATIONS = ("moved",)

INSTITUTION_EVENTS = ("custody", "hospital")
INSTITUTION_REASONS = ("left_institution", "asylum_support_ended")

KEYS = ("period_type", "period", "geography_code")


def seen_rough_sleeping(events: pl.DataFrame, extract_date: date) -> pl.DataFrame:
    """Distinct (``person_key``, ``event_date``, ``borough``) of bedded-down contacts."""
    return (
        events.filter(
            (pl.col("event_type") == "seen_rough_sleeping") & (pl.col("event_date") <= extract_date)
        )
        .select("person_key", "event_date", "borough")
        .unique()
    )


def person_history(events: pl.DataFrame, seen: pl.DataFrame) -> pl.DataFrame:
    """Per person ever seen: ``first_seen``, ``last_institution``, ``last_approach``.

    ``last_institution``: the last ``custody`` or ``hospital`` event, or ``hclic_approach`` whose
    reason was leaving an institution or the end of asylum support, on or before the day first
    seen (a custody or hospital stay just before the street means the person left it).
    ``last_approach``: the last ``hclic_approach`` on or before the day first seen.
    """
    first_seen = seen.group_by("person_key").agg(pl.col("event_date").min().alias("first_seen"))
    before = events.join(first_seen, on="person_key", how="inner").filter(
        pl.col("event_date") <= pl.col("first_seen")
    )
    approach = pl.col("event_type") == "hclic_approach"
    institution = pl.col("event_type").is_in(INSTITUTION_EVENTS) | (
        approach & pl.col("detail").is_in(INSTITUTION_REASONS)
    )
    facts = before.group_by("person_key").agg(
        pl.col("event_date").filter(institution).max().alias("last_institution"),
        pl.col("event_date").filter(approach).max().alias("last_approach"),
    )
    return first_seen.join(facts, on="person_key", how="left")


def _seen_in_periods(seen: pl.DataFrame, period_type: str, config: MetricsConfig) -> pl.DataFrame:
    """London-wide facts of each person in each period they were seen (one row each)."""
    spans = (
        seen.with_columns(period=period_index(period_type, pl.col("event_date")))
        .group_by("person_key", "period")
        .agg(
            pl.col("event_date").n_unique().alias("days_seen"),
            pl.col("event_date").min().alias("first_day"),
            pl.col("event_date").max().alias("last_day"),
        )
        .sort("person_key", "period")
        .with_columns(previous=pl.col("period").shift(1).over("person_key"))
    )
    if period_type != "month":
        return spans
    # Each month seen counts towards the look-back of the months that follow it.
    lookback = (
        spans.select(
            "person_key",
            pl.int_ranges(
                pl.col("period") + 1, pl.col("period") + 1 + config.b1_lookback_months
            ).alias("period"),
        )
        .explode("period")
        .with_columns(pl.col("period").cast(pl.Int32))
        .group_by("person_key", "period")
        .agg(pl.len().alias("months_seen_before"))
    )
    return spans.join(lookback, on=["person_key", "period"], how="left")


def _previous_in_borough(seen: pl.DataFrame) -> pl.DataFrame:
    """Per (person, borough, month seen there): the last earlier month seen in that borough."""
    return (
        seen.select("person_key", "borough", period=period_index("month", pl.col("event_date")))
        .unique()
        .sort("person_key", "borough", "period")
        .with_columns(previous_in_borough=pl.col("period").shift(1).over("person_key", "borough"))
    )


def _flag(metric: Metric, config: MetricsConfig, period_type: str, geography: str) -> pl.Expr:
    """A metric's rule as a column; null where the metric is not reported (its facts are absent).

    A rule of the *new* population is null for people who are not new, so a share's denominator
    is the new people.
    """
    if period_type not in metric.period_types or geography not in metric.geographies:
        return pl.lit(None, dtype=pl.Boolean).alias(metric.id)
    rule = metric.rule(config)
    if metric.population == "new":
        rule = pl.when(rules.flow_new(config)).then(rule)
    return rule.alias(metric.id)


def seen_population(
    seen: pl.DataFrame, history: pl.DataFrame, config: MetricsConfig
) -> pl.DataFrame:
    """The *seen* and *new* populations: one row per (period, geography, person seen there),
    with one column per metric of those populations."""
    counted = [metric for metric in METRICS if metric.population in SEEN_POPULATIONS]
    in_borough_before = _previous_in_borough(seen)
    frames = []
    for period_type in PERIOD_TYPES:
        facts = _seen_in_periods(seen, period_type, config).join(
            history, on="person_key", how="left"
        )
        in_borough = (
            seen.filter(pl.col("borough").is_not_null())
            .select("person_key", "borough", period=period_index(period_type, pl.col("event_date")))
            .unique()
        )
        if period_type == "month":
            in_borough = in_borough.join(
                in_borough_before, on=["person_key", "borough", "period"], how="left"
            )
        places = {
            "london": facts.with_columns(geography_code=pl.lit(LONDON_CODE)),
            "borough": in_borough.join(facts, on=["person_key", "period"], how="inner").rename(
                {"borough": "geography_code"}
            ),
        }
        frames += [
            frame.select(
                pl.lit(period_type).alias("period_type"),
                "period",
                "geography_code",
                "person_key",
                *[_flag(metric, config, period_type, geography) for metric in counted],
            )
            for geography, frame in places.items()
        ]
    return pl.concat(frames, how="vertical")


def moved_population(
    events: pl.DataFrame, seen: pl.DataFrame, config: MetricsConfig, extract_date: date
) -> pl.DataFrame:
    """The *moved* population: one row per (period, geography, person who moved in there),
    with one column per metric of that population.

    A move counts when the person was seen rough sleeping in the ``moved_in_lookback_months``
    months up to and including the day of the move. Sustainment is judged from the person's
    first counted move in the period and geography: not seen rough sleeping after the grace
    days and within N months of it.
    """
    last_seen = seen.select(
        "person_key", pl.col("event_date").alias("seen_date"), pl.col("borough").alias("seen_in")
    ).sort("seen_date")
    moves = (
        events.filter(
            pl.col("event_type").is_in(ACCOMMODATION_EVENTS)
            & (pl.col("event_date") <= extract_date)
        )
        .select("person_key", "event_date", "borough", "event_type")
        .unique()
        .sort("event_date")
        .join_asof(
            last_seen,
            left_on="event_date",
            right_on="seen_date",
            by="person_key",
            strategy="backward",
            check_sortedness=False,  # sorted by date just above
        )
        .filter(
            pl.col("seen_date")
            >= pl.col("event_date").dt.offset_by(f"-{config.moved_in_lookback_months}mo")
        )
        .select(
            "person_key",
            "event_date",
            pl.coalesce("borough", "seen_in").alias("borough"),
            # the kind of move; on one day, the first in MOVE_KINDS' order
            pl.col("event_type").replace_strict(MOVE_KINDS, return_dtype=pl.String).alias("kind"),
            pl.col("event_type").replace_strict(MOVE_ORDER, return_dtype=pl.Int32).alias("rank"),
        )
    )
    frames = []
    for period_type in PERIOD_TYPES:
        dated = moves.with_columns(period=period_index(period_type, pl.col("event_date")))
        # The kind of a person's move is decided London-wide, like every status: their first
        # move of the period anywhere, so a borough's kinds never exceed London's.
        kinds = dated.group_by("period", "person_key").agg(
            pl.col("kind").sort_by("event_date", "rank").first().alias("moved_kind")
        )
        for geography in (pl.lit(LONDON_CODE), pl.col("borough")):
            frames.append(
                dated.with_columns(geography_code=geography)
                .filter(pl.col("geography_code").is_not_null())
                .group_by("period", "geography_code", "person_key")
                .agg(pl.col("event_date").min().alias("moved_on"))
                .join(kinds, on=["period", "person_key"])
                .with_columns(period_type=pl.lit(period_type))
            )
    cohort = pl.concat(frames, how="vertical")
    next_seen = last_seen.select("person_key", pl.col("seen_date").alias("next_seen")).sort(
        "next_seen"
    )
    cohort = (
        cohort.with_columns(
            grace_over=pl.col("moved_on") + timedelta(days=config.sustained_grace_days + 1)
        )
        .sort("grace_over")
        .join_asof(
            next_seen,
            left_on="grace_over",
            right_on="next_seen",
            by="person_key",
            strategy="forward",
            check_sortedness=False,  # sorted by date just above
        )
    )
    return cohort.select(
        *KEYS,
        "person_key",
        *[
            metric.rule(config).alias(metric.id)
            for metric in METRICS
            if metric.population in MOVED_POPULATIONS
        ],
    )


def _count(
    population: pl.DataFrame,
    flags: tuple[str, ...],
    groups: pl.DataFrame,
    config: MetricsConfig,
) -> pl.DataFrame:
    """Count a population by period, geography and breakdown group: ``n`` and one sum per flag.

    London is counted in every group; a borough in group ``all``, and in the groups that are not
    London's alone in ``borough_breakdown_periods``. Each kind of row joins only the groups it is
    counted in, so nobody is repeated in a group that would then be thrown away.
    """
    breakdown_name = pl.col("breakdown").str.split("=").list.first()
    everywhere = groups.lazy().filter(~breakdown_name.is_in(list(LONDON_ONLY_BREAKDOWNS)))
    is_london = pl.col("geography_code") == LONDON_CODE
    in_periods = pl.col("period_type").is_in(list(config.borough_breakdown_periods))
    rows = population.lazy()
    joined = pl.concat(
        [
            rows.filter(is_london).join(groups.lazy(), on="person_key", how="inner"),
            rows.filter(~is_london & in_periods).join(everywhere, on="person_key", how="inner"),
            rows.filter(~is_london & ~in_periods).join(
                groups.lazy().filter(pl.col("breakdown") == "all"), on="person_key", how="inner"
            ),
        ],
        how="vertical",
    )
    return (
        joined.group_by(*KEYS, "breakdown")
        .agg(
            pl.len().alias("n"),
            *[pl.col(flag).sum().alias(flag) for flag in flags],
            *[pl.col(flag).is_not_null().sum().alias(f"{flag}__base") for flag in flags],
        )
        # Streaming keeps memory low: each person is repeated once per breakdown group.
        .collect(engine="streaming")
    )


def _counted(
    population: pl.DataFrame,
    populations: tuple[str, ...],
    groups: pl.DataFrame,
    config: MetricsConfig,
) -> list[pl.DataFrame]:
    """Every registry metric of these populations, counted: one long frame per metric."""
    flags = tuple(metric.id for metric in METRICS if metric.population in populations)
    return _long(_count(population, flags, groups, config), flags)


def _long(counts: pl.DataFrame, flags: tuple[str, ...]) -> list[pl.DataFrame]:
    """One long frame per metric from the population counts."""
    out = []
    for metric_id in flags:
        metric = METRICS_BY_ID[metric_id]
        numerator = pl.col(metric_id).cast(pl.Int64)
        if metric.unit == "people":
            frame = counts.select(
                pl.lit(metric_id).alias("metric_id"),
                *KEYS,
                "breakdown",
                numerator.cast(pl.Float64).alias("value"),
                numerator.alias("numerator"),
                pl.lit(None, dtype=pl.Int64).alias("denominator"),
                pl.lit("ok").alias("status"),
            )
        else:
            denominator = pl.col(f"{metric_id}__base").cast(pl.Int64)
            frame = counts.filter(denominator > 0).select(
                pl.lit(metric_id).alias("metric_id"),
                *KEYS,
                "breakdown",
                (numerator / denominator).alias("value"),
                numerator.alias("numerator"),
                denominator.alias("denominator"),
                pl.lit("ok").alias("status"),
            )
        out.append(frame)
    return out


def _mark_incomplete(table: pl.DataFrame, extract_date: date) -> pl.DataFrame:
    """Sustainment whose follow-up runs past the extract date: no share, status says why.

    The follow-up of a period's cohort ends N months after the period's last day; the share is
    given only when that day is on or before the extract date, so every person in the cohort
    was followed for the full N months.
    """
    follow_ups = {m.id: m.follow_up_months for m in METRICS if m.follow_up_months is not None}
    months = (
        pl.col("metric_id")
        .replace_strict(follow_ups, default=None, return_dtype=pl.Int32)
        .alias("follow_up_months")
    )
    length = pl.col("period_type").replace_strict(MONTHS_IN, return_dtype=pl.Int32)
    # The day after the follow-up ends: the period start moved on by its length plus N months.
    after_follow_up = pl.col("period_start").dt.offset_by(
        pl.format("{}mo", length + pl.col("follow_up_months"))
    )
    incomplete = pl.col("follow_up_months").is_not_null() & (
        after_follow_up > extract_date + timedelta(days=1)
    )
    return (
        table.with_columns(months)
        .with_columns(
            pl.when(incomplete).then(None).otherwise(pl.col("value")).alias("value"),
            pl.when(incomplete).then(None).otherwise(pl.col("numerator")).alias("numerator"),
            pl.when(incomplete)
            .then(pl.lit("incomplete_follow_up"))
            .otherwise(pl.col("status"))
            .alias("status"),
        )
        .drop("follow_up_months")
    )


def _grid(first_day: date, extract_date: date, config: MetricsConfig) -> pl.DataFrame:
    """Every (metric, period, geography) the release reports, breakdown ``all``."""
    left_out = {
        m.id
        for m in METRICS
        if m.follow_up_months is not None and m.follow_up_months not in config.sustained_months
    }
    periods = pl.DataFrame(
        [
            (period_type, period)
            for period_type in PERIOD_TYPES
            for period in complete_periods(period_type, first_day, extract_date)
        ],
        schema={"period_type": pl.String, "period": pl.Int32},
        orient="row",
    )
    geographies = pl.DataFrame(
        {
            "geography_type": ["london", *["borough"] * len(borough_codes())],
            "geography_code": [LONDON_CODE, *borough_codes()],
        }
    )
    applies = pl.DataFrame(
        [
            (metric.id, period_type, geography)
            for metric in METRICS
            if metric.id not in left_out
            for period_type in metric.period_types
            for geography in metric.geographies
        ],
        schema={"metric_id": pl.String, "period_type": pl.String, "geography_type": pl.String},
        orient="row",
    )
    return (
        applies.join(periods, on="period_type")
        .join(geographies, on="geography_type")
        .with_columns(breakdown=pl.lit("all"))
    )


def compute_metrics(
    events: pl.DataFrame, people: pl.DataFrame, config: MetricsConfig, extract_date: date
) -> pl.DataFrame:
    """Every counting metric of the registry, for every complete period, London and boroughs.

    Args:
        events: journey events (``EVENTS_SCHEMA``).
        people: people (``PEOPLE_SCHEMA``), for the breakdowns.
        config: the metrics section of the configuration (windows and thresholds).
        extract_date: the last day the data covers; later periods are not reported and
            sustainment needing follow-up beyond it is ``incomplete_follow_up``.

    Returns:
        The unsuppressed ``metrics`` table in ``METRICS_SCHEMA``: one row per metric, period,
        geography and breakdown. For people metrics ``value`` and ``numerator`` are the count
        and ``denominator`` is null; for shares ``value`` is numerator / denominator (0 to 1).
        Breakdown ``all`` rows exist for every period and geography (zero when nobody);
        breakdown groups appear where the metric's population has someone in them.
    """
    seen = seen_rough_sleeping(events, extract_date)
    if seen.height == 0:
        return pl.DataFrame(schema=METRICS_SCHEMA)
    events = events.filter(pl.col("event_date") <= extract_date)
    history = person_history(events, seen)
    groups = person_breakdowns(
        people,
        first_intervention(events, history.select("person_key", "first_seen")),
        events["person_key"],
    )

    long = pl.concat(
        [
            *_counted(seen_population(seen, history, config), SEEN_POPULATIONS, groups, config),
            *_counted(
                moved_population(events, seen, config, extract_date),
                MOVED_POPULATIONS,
                groups,
                config,
            ),
        ],
        how="vertical",
    )
    grid = _grid(seen["event_date"].min(), extract_date, config)
    reported = grid.select("metric_id", "period_type", "period", "geography_code").unique()
    # Groups other than 'all' are reported where the metric applies; 'all' comes from the grid.
    groups_rows = long.filter(pl.col("breakdown") != "all").join(
        reported, on=["metric_id", "period_type", "period", "geography_code"], how="semi"
    )
    all_rows = grid.join(
        long.filter(pl.col("breakdown") == "all"),
        on=["metric_id", "period_type", "period", "geography_code", "breakdown"],
        how="left",
    )
    all_rows = _fill_empty(all_rows)
    table = pl.concat(
        [all_rows.select(groups_rows.columns), groups_rows], how="vertical"
    ).with_columns(
        geography_type=pl.when(pl.col("geography_code") == LONDON_CODE)
        .then(pl.lit("london"))
        .otherwise(pl.lit("borough")),
    )
    starts = [
        table.filter(pl.col("period_type") == period_type).with_columns(
            period_start=period_start_expr(period_type, pl.col("period"))
        )
        for period_type in PERIOD_TYPES
    ]
    return (
        _mark_incomplete(pl.concat(starts, how="vertical"), extract_date)
        .select(list(METRICS_SCHEMA))
        .cast(METRICS_SCHEMA)
        .sort(
            "metric_id",
            "period_type",
            "period_start",
            "geography_type",
            "geography_code",
            "breakdown",
        )
    )


def _fill_empty(rows: pl.DataFrame) -> pl.DataFrame:
    """Grid rows nobody fell in: zero people, or a share with no denominator."""
    unit = pl.col("metric_id").replace_strict(
        {m.id: m.unit for m in METRICS}, return_dtype=pl.String
    )
    empty = pl.col("status").is_null()
    people = unit == "people"
    return rows.with_columns(
        pl.when(empty & people).then(0.0).otherwise(pl.col("value")).alias("value"),
        pl.when(empty).then(0).otherwise(pl.col("numerator")).alias("numerator"),
        pl.when(empty & ~people).then(0).otherwise(pl.col("denominator")).alias("denominator"),
        pl.when(empty).then(pl.lit("ok")).otherwise(pl.col("status")).alias("status"),
    )
