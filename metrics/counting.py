"""Counting metrics: from journey events to the long ``metrics`` table (SPEC sections 5 and 6).

``compute_metrics`` is the one public function. It works in three populations, each a frame with
one row per (period, geography, person) and one true/false column per metric:

- **seen**: people seen rough sleeping in the period (in the borough, for a borough), with the
  partition new/stock/returner, living on the streets, intermittent and the monthly Data
  Framework measures;
- **new**: the ``flow_new`` people, with single night, left an institution, prior H-CLIC approach;
- **moved**: people who moved into accommodation, with sustainment at 3, 6 and 12 months.

Each population is joined to the people's breakdown groups and counted once. The definitions in
words are in ``metrics.registry``; the status of a person (new, stock ...) is London-wide, so a
borough's figures always add up the way London's do. Pure functions, no I/O.
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
from metrics.breakdowns import LONDON_ONLY_BREAKDOWNS, first_intervention, person_breakdowns
from metrics.config import MetricsConfig
from metrics.registry import METRICS, METRICS_BY_ID

SEEN_FLAGS = (
    "seen_rough_sleeping",
    "flow_new",
    "stock",
    "returner",
    "living_on_streets",
    "intermittent",
    "p1_new_to_borough",
    "b1_long_term",
    "nr1_returning",
)
NEW_FLAGS = ("new_single_night", "p2_left_institution", "prior_hclic_approach")
SUSTAINED_MONTHS = (3, 6, 12)
MOVED_FLAGS = ("moved_into_accommodation", *(f"sustained_{m}m" for m in SUSTAINED_MONTHS))

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


def person_history(events: pl.DataFrame, seen: pl.DataFrame, config: MetricsConfig) -> pl.DataFrame:
    """Per person ever seen: ``first_seen``, ``p2_left_institution``, ``prior_hclic_approach``.

    ``p2_left_institution``: a ``custody`` or ``hospital`` event, or an ``hclic_approach`` whose
    reason was leaving an institution or the end of asylum support, in the ``p2_window_days``
    days up to and including the day first seen (a custody or hospital stay just before the
    street means the person left it).
    ``prior_hclic_approach``: an ``hclic_approach`` in the ``prior_hclic_months`` months up to
    and including the day first seen.
    """
    first_seen = seen.group_by("person_key").agg(pl.col("event_date").min().alias("first_seen"))
    before = events.join(first_seen, on="person_key", how="inner").filter(
        pl.col("event_date") <= pl.col("first_seen")
    )
    institution = (
        pl.col("event_type").is_in(INSTITUTION_EVENTS)
        | ((pl.col("event_type") == "hclic_approach") & pl.col("detail").is_in(INSTITUTION_REASONS))
    ) & (pl.col("event_date") >= pl.col("first_seen") - timedelta(days=config.p2_window_days))
    approach = (pl.col("event_type") == "hclic_approach") & (
        pl.col("event_date") >= pl.col("first_seen").dt.offset_by(f"-{config.prior_hclic_months}mo")
    )
    flags = before.group_by("person_key").agg(
        institution.any().alias("p2_left_institution"),
        approach.any().alias("prior_hclic_approach"),
    )
    return first_seen.join(flags, on="person_key", how="left").with_columns(
        pl.col("p2_left_institution", "prior_hclic_approach").fill_null(False)
    )


def _seen_in_periods(seen: pl.DataFrame, period_type: str, config: MetricsConfig) -> pl.DataFrame:
    """London-wide status of each person in each period they were seen (one row each)."""
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
    # "Over three weeks": the last day seen at least 21 days after the first.
    span_days = (pl.col("last_day") - pl.col("first_day")).dt.total_days()
    new = pl.col("previous").is_null()
    living = (pl.col("days_seen") >= config.living_on_streets_min_days) & (
        span_days >= config.living_on_streets_min_span_days
    )
    status = spans.with_columns(
        flow_new=new,
        stock=pl.col("previous") == pl.col("period") - 1,
        living_on_streets=living,
        new_single_night=pl.col("days_seen") == 1,
    ).with_columns(
        returner=~pl.col("flow_new") & ~pl.col("stock"),
        intermittent=~pl.col("flow_new") & ~pl.col("living_on_streets"),
    )
    if period_type != "month":
        return status.with_columns(
            b1_long_term=pl.lit(None, dtype=pl.Boolean),
            nr1_returning=pl.lit(None, dtype=pl.Boolean),
        )
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
    return status.join(lookback, on=["person_key", "period"], how="left").with_columns(
        b1_long_term=pl.col("months_seen_before").fill_null(0) >= config.b1_min_months,
        nr1_returning=pl.col("previous").is_not_null()
        & (pl.col("previous") < pl.col("period") - config.nr1_gap_months),
    )


def _new_to_borough(seen: pl.DataFrame, config: MetricsConfig) -> pl.DataFrame:
    """P1 per (person, borough, month): not seen in that borough in the look-back months."""
    return (
        seen.select("person_key", "borough", period=period_index("month", pl.col("event_date")))
        .unique()
        .sort("person_key", "borough", "period")
        .with_columns(previous=pl.col("period").shift(1).over("person_key", "borough"))
        .select(
            "person_key",
            "borough",
            "period",
            p1_new_to_borough=pl.col("previous").is_null()
            | (pl.col("previous") < pl.col("period") - config.p1_lookback_months),
        )
    )


def seen_population(
    seen: pl.DataFrame, history: pl.DataFrame, config: MetricsConfig
) -> pl.DataFrame:
    """The *seen* and *new* populations: one row per (period, geography, person seen there)."""
    p1 = _new_to_borough(seen, config)
    frames = []
    for period_type in PERIOD_TYPES:
        status = _seen_in_periods(seen, period_type, config).join(
            history, on="person_key", how="left"
        )
        columns = [
            pl.lit(True).alias("seen_rough_sleeping"),
            *[
                pl.col(c)
                for c in (
                    "flow_new",
                    "stock",
                    "returner",
                    "living_on_streets",
                    "intermittent",
                    "b1_long_term",
                    "nr1_returning",
                )
            ],
            # Shares and counts among new people only; null for everyone else.
            *[
                pl.when(pl.col("flow_new")).then(pl.col(c)).alias(c)
                for c in ("new_single_night", "p2_left_institution", "prior_hclic_approach")
            ],
        ]
        london = status.select(
            pl.lit(period_type).alias("period_type"),
            "period",
            pl.lit(LONDON_CODE).alias("geography_code"),
            "person_key",
            pl.lit(None, dtype=pl.Boolean).alias("p1_new_to_borough"),
            *columns,
        )
        in_borough = (
            seen.filter(pl.col("borough").is_not_null())
            .select("person_key", "borough", period=period_index(period_type, pl.col("event_date")))
            .unique()
        )
        if period_type == "month":
            in_borough = in_borough.join(p1, on=["person_key", "borough", "period"], how="left")
        else:
            in_borough = in_borough.with_columns(p1_new_to_borough=pl.lit(None, dtype=pl.Boolean))
        boroughs = in_borough.join(status, on=["person_key", "period"], how="inner").select(
            pl.lit(period_type).alias("period_type"),
            "period",
            pl.col("borough").alias("geography_code"),
            "person_key",
            "p1_new_to_borough",
            *columns,
        )
        frames += [london, boroughs]
    return pl.concat(frames, how="vertical")


def moved_population(
    events: pl.DataFrame, seen: pl.DataFrame, config: MetricsConfig, extract_date: date
) -> pl.DataFrame:
    """The *moved* population: one row per (period, geography, person who moved in there).

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
        .select("person_key", "event_date", "borough")
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
        .select("person_key", "event_date", pl.coalesce("borough", "seen_in").alias("borough"))
    )
    frames = []
    for period_type in PERIOD_TYPES:
        dated = moves.with_columns(period=period_index(period_type, pl.col("event_date")))
        for geography in (pl.lit(LONDON_CODE), pl.col("borough")):
            frames.append(
                dated.with_columns(geography_code=geography)
                .filter(pl.col("geography_code").is_not_null())
                .group_by("period", "geography_code", "person_key")
                .agg(pl.col("event_date").min().alias("moved_on"))
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
        pl.lit(True).alias("moved_into_accommodation"),
        *[
            (
                pl.col("next_seen").is_null()
                | (pl.col("next_seen") > pl.col("moved_on").dt.offset_by(f"{months}mo"))
            ).alias(f"sustained_{months}m")
            for months in SUSTAINED_MONTHS
        ],
    )


def _count(
    population: pl.DataFrame,
    flags: tuple[str, ...],
    groups: pl.DataFrame,
    config: MetricsConfig,
) -> pl.DataFrame:
    """Count a population by period, geography and breakdown group: ``n`` and one sum per flag."""
    joined = population.lazy().join(groups.lazy(), on="person_key", how="inner")
    is_london = pl.col("geography_code") == LONDON_CODE
    breakdown_name = pl.col("breakdown").str.split("=").list.first()
    keep = (pl.col("breakdown") == "all") | (
        (is_london | pl.col("period_type").is_in(list(config.borough_breakdown_periods)))
        & (is_london | ~breakdown_name.is_in(list(LONDON_ONLY_BREAKDOWNS)))
    )
    return (
        joined.filter(keep)
        .group_by(*KEYS, "breakdown")
        .agg(
            pl.len().alias("n"),
            *[pl.col(flag).sum().alias(flag) for flag in flags],
            *[pl.col(flag).is_not_null().sum().alias(f"{flag}__base") for flag in flags],
        )
        # Streaming keeps memory low: each person is repeated once per breakdown group.
        .collect(engine="streaming")
    )


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
    months = (
        pl.col("metric_id")
        .replace_strict(
            {f"sustained_{m}m": m for m in SUSTAINED_MONTHS}, default=None, return_dtype=pl.Int32
        )
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
    left_out = {f"sustained_{m}m" for m in SUSTAINED_MONTHS if m not in config.sustained_months}
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
    history = person_history(events, seen, config)
    groups = person_breakdowns(
        people,
        first_intervention(events, history.select("person_key", "first_seen")),
        events["person_key"],
    )

    seen_counts = _count(
        seen_population(seen, history, config), (*SEEN_FLAGS, *NEW_FLAGS), groups, config
    )
    moved_counts = _count(
        moved_population(events, seen, config, extract_date), MOVED_FLAGS, groups, config
    )
    long = pl.concat(
        [
            *_long(seen_counts, (*SEEN_FLAGS, *NEW_FLAGS)),
            *_long(moved_counts, MOVED_FLAGS),
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
