"""Returns to the street and time to accommodation, as survival curves (SPEC section 5).

Two measures, each a curve of days for London, every borough and the London breakdowns:

``return_to_street`` (Kaplan–Meier) and ``return_to_street_cif`` (Aalen–Johansen)
    **Who.** Each person once: their *first* move into accommodation (``hostel_entry``,
    ``ta_start``, ``supported_housing``, ``housing_first``, ``settled_prs``,
    ``settled_social``) made while they had been seen rough sleeping in the previous 12 months
    (``metrics.moved_in_lookback_months``; seen on the day of the move counts). This is the rule of
    ``moved_into_accommodation``, so the curves follow the people that metric counts. One
    episode per person keeps every person's weight equal and the observations independent, as
    Kaplan–Meier, the log-rank test and Cox models assume; a person who moves many times would
    otherwise dominate the curve. When two moves fall on the same day, the first in the order
    above is the one that starts the clock.

    **Clock.** Days from the move to the next ``seen_rough_sleeping`` more than
    ``metrics.sustained_grace_days`` (14) days later: a bedded-down contact in the first 14 days is usually the same episode, not
    a return. Someone who dies first is censored on the day they died in the Kaplan–Meier curve
    (``estimate`` is the share not yet returned, had nobody died) and counts as a competing event
    in the cumulative incidence (``estimate`` is the share who returned, with death taking people
    out of the running). Everyone else is censored at the extract date. A death and a return on
    the same day count as a return. A death is a ``died`` event or a hostel exit to death.

    **Where and who.** Borough: the borough of the move into accommodation (moves with no
    borough count for London only). ``first_intervention``: the kind of move that started the
    clock, in the words of the metrics' breakdown (``hostel``, ``temporary_accommodation``,
    ``supported_housing``, ``housing_first``, ``settled``). Unlike that breakdown (the first
    response of any kind after first seen), it is the move this curve follows.

``time_to_accommodation`` (Kaplan–Meier)
    Days from each person's first ``seen_rough_sleeping`` in the data to their first move into
    accommodation on or after that day (0 when on the same day); censored at death or at the
    extract date. Borough: the borough where they were first seen.

Breakdowns (London only): ``age_band``, ``gender``, ``ethnic_group``, ``nationality_group``,
``support_need`` (one group per need flag, ``none`` when no need is recorded, ``unknown`` when
the flags are missing) and, for returns, ``first_intervention``. A group is written
``name=value``; the whole population is ``all``.

Each curve has one row per distinct day on which someone left it (event, death or censoring)
and a row at ``t_days = 0``; ``at_risk`` counts people still followed just before that day,
``n_events`` those who had the event that day, ``n_censored`` everyone else who left and, for
the cumulative incidence only, ``n_competing`` the deaths among them (null for a Kaplan–Meier
curve, where a death is a censoring). At ``t_days = 0`` the estimate is 1.0 (0.0 for the
cumulative incidence) unless people had the event on day 0, which only happens for
``time_to_accommodation`` (moved in the day they were first seen): then the row at 0 already
carries that step. This table stays in the secure zone: disclosure control publishes the
curves on fixed intervals, from protected counts, with the estimates recomputed from those
counts (:func:`estimates_from_counts`); the exact estimates here are kept to measure that.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from contract.reference import ACCOMMODATION_EVENTS, LONDON_CODE, borough_codes
from metrics._survival_estimators import (
    OUTCOME_CENSORED,
    OUTCOME_COMPETING,
    OUTCOME_EVENT,
    aalen_johansen,
    event_table,
    kaplan_meier,
)
from metrics.breakdowns import FIRST_INTERVENTION_GROUPS
from metrics.config import AnalysisConfig
from metrics.journeys import SUPPORT_NEED_FLAGS

RETURN_TO_STREET = "return_to_street"
RETURN_TO_STREET_CIF = "return_to_street_cif"
TIME_TO_ACCOMMODATION = "time_to_accommodation"

#: Plain-words definitions, for the registry and the About page.
DEFINITIONS = {
    RETURN_TO_STREET: "Of people who moved into accommodation (hostel, supported housing, Housing "
    "First, temporary accommodation or a settled tenancy) having been seen rough sleeping in the "
    "previous 12 months, the share not yet seen rough sleeping again, by days since the move. "
    "Each person counts once, from their first such move. Sightings in the first 14 days are "
    "treated as the same episode. People who died are counted until their death.",
    RETURN_TO_STREET_CIF: "Of the same people, the share seen rough sleeping again by each day "
    "since the move, allowing for people who died first (who can no longer return).",
    TIME_TO_ACCOMMODATION: "Of people seen rough sleeping for the first time, the share not yet "
    "moved into accommodation, by days since they were first seen.",
}

#: The exact curves, one row per day someone left, before disclosure control.
SURVIVAL_WORK_SCHEMA: dict[str, pl.DataType] = {
    "curve_id": pl.String(),
    "geography_code": pl.String(),
    "group": pl.String(),
    "t_days": pl.Int64(),
    "estimate": pl.Float64(),
    "ci_lower": pl.Float64(),
    "ci_upper": pl.Float64(),
    "at_risk": pl.Int64(),
    "status": pl.String(),
    "n_events": pl.Int64(),
    "n_competing": pl.Int64(),
    "n_censored": pl.Int64(),
}

#: Person attributes that give a London-only breakdown, by their ``people`` column.
BREAKDOWN_COLUMNS = ("age_band", "gender", "ethnic_group", "nationality_group")

_SEEN = "seen_rough_sleeping"
# A death is a ``died`` event or a hostel exit whose destination is death.
_IS_DEATH = (pl.col("event_type") == "died") | (
    (pl.col("event_type") == "hostel_exit") & (pl.col("detail") == "died")
)


def _lazy(frame: pl.DataFrame | pl.LazyFrame) -> pl.LazyFrame:
    return frame.lazy()


def _with_people(durations: pl.LazyFrame, people: pl.DataFrame | pl.LazyFrame) -> pl.LazyFrame:
    """Attach the breakdown attributes; a person missing from ``people`` is 'unknown'."""
    attributes = _lazy(people).select("person_key", *BREAKDOWN_COLUMNS, *SUPPORT_NEED_FLAGS)
    known_flags = pl.sum_horizontal([pl.col(f).is_not_null() for f in SUPPORT_NEED_FLAGS])
    any_need = pl.any_horizontal([pl.col(f).fill_null(False) for f in SUPPORT_NEED_FLAGS])
    return (
        durations.join(attributes, on="person_key", how="left")
        .with_columns(pl.col(c).fill_null("unknown") for c in BREAKDOWN_COLUMNS)
        .with_columns(
            no_need_recorded=pl.when(known_flags == 0)
            .then(pl.lit("unknown"))
            .when(~any_need)
            .then(pl.lit("none"))
            .otherwise(pl.lit(None, pl.String))
        )
    )


def return_to_street_durations(
    events: pl.DataFrame | pl.LazyFrame,
    people: pl.DataFrame | pl.LazyFrame,
    config: AnalysisConfig,
    extract_date: date,
) -> pl.DataFrame:
    """One row per person whose move into accommodation starts the return-to-street clock.

    Args:
        events: the secure zone's events (``EVENTS_SCHEMA``).
        people: the secure zone's people (``PEOPLE_SCHEMA``).
        config: the run's configuration; the look-back and grace days are the rules of
            sustainment (``config.metrics``).
        extract_date: censoring date.

    Returns:
        ``person_key``, ``move_date``, ``borough`` (of the move), ``first_intervention``, ``t``
        (days), ``outcome`` (1 returned, 2 died first, 0 censored at the extract date), the
        breakdown attributes, the support-need flags and ``no_need_recorded``.
    """
    ev = _lazy(events).filter(pl.col("event_date") <= extract_date)
    seen = (
        ev.filter(pl.col("event_type") == _SEEN)
        .select("person_key", seen_date=pl.col("event_date"))
        .unique()
        .sort("seen_date")
    )
    died = ev.filter(_IS_DEATH).group_by("person_key").agg(died_date=pl.col("event_date").min())
    # Same-day moves: the breakdown's order (hostel, TA, supported, Housing First, settled).
    order = [e for e in FIRST_INTERVENTION_GROUPS if e in ACCOMMODATION_EVENTS]
    priority = pl.col("event_type").replace_strict(
        {e: i for i, e in enumerate(order)}, default=None, return_dtype=pl.Int32
    )
    moves = (
        ev.filter(pl.col("event_type").is_in(ACCOMMODATION_EVENTS))
        .select(
            "person_key",
            "borough",
            move_date=pl.col("event_date"),
            first_intervention=pl.col("event_type").replace_strict(FIRST_INTERVENTION_GROUPS),
            priority=priority,
        )
        .sort("move_date")
        .join_asof(
            seen,
            left_on="move_date",
            right_on="seen_date",
            by="person_key",
            strategy="backward",
            check_sortedness=False,
        )
        .filter(
            pl.col("seen_date")
            >= pl.col("move_date").dt.offset_by(f"-{config.metrics.moved_in_lookback_months}mo")
        )
        .sort("person_key", "move_date", "priority")
        .group_by("person_key", maintain_order=True)
        .first()
        .drop("seen_date", "priority")
    )
    returns = (
        moves.with_columns(
            after_grace=pl.col("move_date")
            + pl.duration(days=config.metrics.sustained_grace_days + 1)
        )
        .sort("after_grace")
        .join_asof(
            seen.rename({"seen_date": "return_date"}),
            left_on="after_grace",
            right_on="return_date",
            by="person_key",
            strategy="forward",
            check_sortedness=False,
        )
        .drop("after_grace")
        .join(died, on="person_key", how="left")
        # A death recorded before the move is a data error; it does not end this episode.
        .with_columns(
            died_date=pl.when(pl.col("died_date") >= pl.col("move_date")).then(pl.col("died_date"))
        )
    )
    returned = pl.col("return_date").is_not_null() & (
        pl.col("died_date").is_null() | (pl.col("return_date") <= pl.col("died_date"))
    )
    died_first = ~returned & pl.col("died_date").is_not_null()
    end = (
        pl.when(returned)
        .then(pl.col("return_date"))
        .when(died_first)
        .then(pl.col("died_date"))
        .otherwise(pl.lit(extract_date))
    )
    durations = returns.with_columns(
        t=(end - pl.col("move_date")).dt.total_days().cast(pl.Int64),
        outcome=pl.when(returned)
        .then(OUTCOME_EVENT)
        .when(died_first)
        .then(OUTCOME_COMPETING)
        .otherwise(OUTCOME_CENSORED)
        .cast(pl.Int8),
    ).select("person_key", "move_date", "borough", "first_intervention", "t", "outcome")
    return _with_people(durations, people).sort("person_key").collect()


def time_to_accommodation_durations(
    events: pl.DataFrame | pl.LazyFrame,
    people: pl.DataFrame | pl.LazyFrame,
    extract_date: date,
) -> pl.DataFrame:
    """One row per person ever seen rough sleeping: days to their first move into accommodation.

    Returns:
        ``person_key``, ``first_seen``, ``borough`` (where first seen), ``t``, ``outcome``
        (1 accommodated, 0 censored at death or the extract date) and the breakdown attributes.
    """
    ev = _lazy(events).filter(pl.col("event_date") <= extract_date)
    first_seen = (
        ev.filter(pl.col("event_type") == _SEEN)
        .sort("person_key", "event_date", "borough", nulls_last=True)
        .group_by("person_key", maintain_order=True)
        .first()
        .select("person_key", "borough", first_seen=pl.col("event_date"))
    )
    moves = (
        ev.filter(pl.col("event_type").is_in(ACCOMMODATION_EVENTS))
        .select("person_key", move_date=pl.col("event_date"))
        .unique()
        .sort("move_date")
    )
    deaths = (
        ev.filter(_IS_DEATH)
        .select("person_key", died_date=pl.col("event_date"))
        .unique()
        .sort("died_date")
    )
    joined = (
        first_seen.sort("first_seen")
        .join_asof(
            moves,
            left_on="first_seen",
            right_on="move_date",
            by="person_key",
            strategy="forward",
            check_sortedness=False,
        )
        .join_asof(
            deaths,
            left_on="first_seen",
            right_on="died_date",
            by="person_key",
            strategy="forward",
            check_sortedness=False,
        )
    )
    accommodated = pl.col("move_date").is_not_null() & (
        pl.col("died_date").is_null() | (pl.col("move_date") <= pl.col("died_date"))
    )
    end = (
        pl.when(accommodated)
        .then(pl.col("move_date"))
        .otherwise(pl.coalesce(pl.col("died_date"), pl.lit(extract_date)))
    )
    durations = joined.select(
        "person_key",
        "first_seen",
        "borough",
        t=(end - pl.col("first_seen")).dt.total_days().cast(pl.Int64),
        outcome=pl.when(accommodated).then(OUTCOME_EVENT).otherwise(OUTCOME_CENSORED).cast(pl.Int8),
    )
    return _with_people(durations, people).sort("person_key").collect()


def curve_membership(durations: pl.DataFrame, *, with_intervention: bool) -> pl.LazyFrame:
    """Every (geography_code, group) curve a person belongs to, with their ``t`` and ``outcome``.

    London ``all``; each London borough ``all``; London breakdowns ``name=value``.
    """
    base = durations.lazy().select(
        "t",
        "outcome",
        "borough",
        "no_need_recorded",
        *BREAKDOWN_COLUMNS,
        *SUPPORT_NEED_FLAGS,
        *(["first_intervention"] if with_intervention else []),
    )
    london = pl.lit(LONDON_CODE)
    keep = ["geography_code", "group", "t", "outcome"]
    parts = [
        base.with_columns(geography_code=london, group=pl.lit("all")).select(keep),
        base.filter(pl.col("borough").is_in(borough_codes()))
        .with_columns(geography_code=pl.col("borough"), group=pl.lit("all"))
        .select(keep),
    ]
    for column in (*BREAKDOWN_COLUMNS, *(["first_intervention"] if with_intervention else [])):
        parts.append(
            base.with_columns(
                geography_code=london, group=pl.format(f"{column}={{}}", pl.col(column))
            ).select(keep)
        )
    for flag in SUPPORT_NEED_FLAGS:
        need = flag.removeprefix("need_")
        parts.append(
            base.filter(pl.col(flag).fill_null(False))
            .with_columns(geography_code=london, group=pl.lit(f"support_need={need}"))
            .select(keep)
        )
    parts.append(
        base.filter(pl.col("no_need_recorded").is_not_null())
        .with_columns(
            geography_code=london, group=pl.format("support_need={}", pl.col("no_need_recorded"))
        )
        .select(keep)
    )
    return pl.concat(parts)


def _finish(curves: pl.LazyFrame, curve_id: str | None, *, competing: bool) -> pl.LazyFrame:
    named = curves if curve_id is None else curves.with_columns(curve_id=pl.lit(curve_id))
    return (
        named.rename({"t": "t_days"})
        .with_columns(
            status=pl.lit("ok"),
            n_competing=pl.col("n_competing") if competing else pl.lit(None, pl.Int64),
        )
        .select(pl.col(name).cast(dtype) for name, dtype in SURVIVAL_WORK_SCHEMA.items())
    )


def survival_curves(
    durations: pl.DataFrame | pl.LazyFrame,
    keys: list[str],
    *,
    curve_id: str | None,
    cumulative_incidence_id: str | None = None,
    confidence_level: float = 0.95,
) -> pl.DataFrame:
    """Kaplan–Meier curves (and optionally Aalen–Johansen curves) for every curve in ``keys``.

    Args:
        durations: rows of ``keys``, ``t`` and ``outcome`` (one per person and curve).
        keys: the columns naming a curve: ``geography_code``, ``group`` and perhaps
            ``curve_id``.
        curve_id: id of the Kaplan–Meier curves; None when ``keys`` carry it.
        cumulative_incidence_id: id of the cumulative incidence curves, when wanted.
        confidence_level: level of the bands.

    Returns:
        Rows in ``SURVIVAL_WORK_SCHEMA``.
    """
    table = event_table(durations, keys).collect().lazy()
    parts = [_finish(kaplan_meier(table, keys, confidence_level), curve_id, competing=False)]
    if cumulative_incidence_id is not None:
        parts.append(
            _finish(
                aalen_johansen(table, keys, confidence_level),
                cumulative_incidence_id,
                competing=True,
            )
        )
    return pl.concat(parts).collect()


def compute_survival(
    events: pl.DataFrame | pl.LazyFrame,
    people: pl.DataFrame | pl.LazyFrame,
    config: AnalysisConfig,
    extract_date: date,
) -> pl.DataFrame:
    """All survival curves of the release, before disclosure control.

    Args:
        events: the secure zone's events (``EVENTS_SCHEMA``).
        people: the secure zone's people (``PEOPLE_SCHEMA``).
        config: the run's configuration (``metrics`` for who and when, ``survival`` for the
            bands).
        extract_date: the extract date; everyone still followed is censored here.

    Returns:
        ``SURVIVAL_WORK_SCHEMA`` rows for ``return_to_street``, ``return_to_street_cif`` and
        ``time_to_accommodation``, sorted by curve, geography, group and day.

    Example:
        Three people move into a hostel; one is seen bedded down 40 days later, one dies on
        day 100 and one is still housed 200 days later at the extract date. The London
        ``return_to_street`` curve reads 1.0 at day 0 and 2/3 from day 40.
    """
    keys = ["geography_code", "group"]
    returns = return_to_street_durations(events, people, config, extract_date)
    accommodation = time_to_accommodation_durations(events, people, extract_date)
    parts = [
        survival_curves(
            curve_membership(returns, with_intervention=True),
            keys,
            curve_id=RETURN_TO_STREET,
            cumulative_incidence_id=RETURN_TO_STREET_CIF,
            confidence_level=config.survival.confidence_level,
        ),
        survival_curves(
            curve_membership(accommodation, with_intervention=False),
            keys,
            curve_id=TIME_TO_ACCOMMODATION,
            confidence_level=config.survival.confidence_level,
        ),
    ]
    return (
        pl.concat(parts)
        .sort("curve_id", "geography_code", "group", "t_days")
        .select(list(SURVIVAL_WORK_SCHEMA))
    )


def _whole_percent(column: str, how: str) -> pl.Expr:
    scaled = pl.col(column).clip(0.0, 1.0) * 100
    rounded = {"nearest": scaled.round(0), "down": (scaled + 1e-9).floor(),
               "up": (scaled - 1e-9).ceil()}[how]  # fmt: skip
    return (rounded / 100).round(2).abs()  # abs: ceil of a tiny negative gives -0.0


def estimates_from_counts(curves: pl.DataFrame, confidence_level: float = 0.95) -> pl.DataFrame:
    """Each curve's estimate and band, worked out again from its published interval counts.

    A curve is a Kaplan–Meier curve when ``competing_events`` is null throughout, else an
    Aalen–Johansen cumulative incidence. Each row is an interval ending at ``t_days``:
    ``at_risk`` people at its start, ``events`` (and ``competing_events``) within it; the row at
    ``t_days = 0`` is the start. People who stopped being followed during an interval are the
    published numbers at risk at its start and at the next interval's start, less its events:
    as in an actuarial life table, they count as at risk for half the interval, so a long
    (merged) interval does not understate the risk. The last interval, with no next start
    published, counts everyone at its start. The estimate is shown to whole percent, the band
    rounded outwards to whole percent. Suppressed rows keep null figures.

    Example:
        100 people; in the first 30 days 20 return and 20 stop being followed, so 60 are at risk
        at day 30; 15 of those return in the next (last) interval. The curve reads
        1 − 20 / (100 − 20 / 2) = 78% at day 30 and 78% × (1 − 15/60) = 58% at day 60.
    """
    keys = ["curve_id", "geography_code", "group"]
    if curves.is_empty():
        return curves
    shown = curves.filter(pl.col("status") == "ok").sort([*keys, "t_days"])
    next_at_risk = pl.col("at_risk").shift(-1).over(keys)
    left_unfollowed = (
        pl.col("at_risk")
        - next_at_risk
        - pl.col("events").fill_null(0)
        - pl.col("competing_events").fill_null(0)
    ).clip(lower_bound=0)
    table = shown.select(
        *keys,
        t=pl.col("t_days"),
        at_risk=pl.col("at_risk") - left_unfollowed.fill_null(0) / 2,
        d_event=pl.col("events").fill_null(0),
        d_competing=pl.col("competing_events").fill_null(0),
        d_censored=pl.lit(0, pl.Int64),
        _cif=pl.col("competing_events").is_not_null().any().over(keys),
    ).lazy()
    parts = [
        estimator(table.filter(pl.col("_cif") == cif).drop("_cif"), keys, confidence_level)
        for estimator, cif in ((kaplan_meier, False), (aalen_johansen, True))
    ]
    estimates = (
        pl.concat(parts)
        .select(
            *keys,
            t_days=pl.col("t"),
            estimate=pl.col("estimate").fill_nan(None),
            ci_lower=pl.col("ci_lower").fill_nan(None).fill_null(pl.col("estimate")),
            ci_upper=pl.col("ci_upper").fill_nan(None).fill_null(pl.col("estimate")),
        )
        .with_columns(
            estimate=_whole_percent("estimate", "nearest"),
            ci_lower=_whole_percent("ci_lower", "down"),
            ci_upper=_whole_percent("ci_upper", "up"),
        )
        .collect()
    )
    return (
        curves.drop("estimate", "ci_lower", "ci_upper", strict=False)
        .join(estimates, on=[*keys, "t_days"], how="left")
        .with_columns(
            pl.when(pl.col("status") == "ok").then(pl.col(c)).otherwise(None).alias(c)
            for c in ("estimate", "ci_lower", "ci_upper")
        )
    )
