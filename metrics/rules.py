"""Each counting metric's rule: who counts, as a true/false expression over one person's facts.

``metrics.registry`` names a rule in every entry, and ``metrics.counting`` evaluates the rules of
a population on that population's facts, one row per (period, geography, person). A rule takes
the run's ``MetricsConfig`` and returns a Polars expression; it reads only the facts listed here.

Facts of the **seen** population (people seen rough sleeping in the period), also read by the
rules of the **new** population, which ``metrics.counting`` restricts to ``flow_new`` people:

- ``period``: the period's index (``contract.periods``); ``previous``: the index of the last
  earlier period of the same type in which the person was seen anywhere in London (null if none);
- ``days_seen``, ``first_day``, ``last_day``: the separate days seen in the period, the first
  and the last (London-wide);
- ``months_seen_before``: months seen in the ``b1_lookback_months`` before (months only);
- ``previous_in_borough``: the last earlier month seen in this borough (boroughs' months only);
- ``first_seen``: the first day ever seen; ``last_institution``: the last custody or hospital
  event, or approach for having left an institution or asylum support, on or before it;
  ``last_approach``: the last H-CLIC approach on or before it.

Facts of the **moved** population (people who moved into accommodation in the period):
``moved_on``, the day of their first counted move there, ``moved_kind``, the kind of that move
(``hostel``, ``supported_housing``, ``housing_first``, ``temporary_accommodation``, ``settled``),
and ``next_seen``, the first day they were seen rough sleeping after it, past the grace days
(``sustained_grace_days``; null if never).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import polars as pl

from metrics.config import MetricsConfig

Rule = Callable[[MetricsConfig], pl.Expr]


def everyone(config: MetricsConfig) -> pl.Expr:
    """Everyone in the population (people seen rough sleeping; people who moved in)."""
    return pl.lit(True)


def flow_new(config: MetricsConfig) -> pl.Expr:
    """Never seen in an earlier period."""
    return pl.col("previous").is_null()


def stock(config: MetricsConfig) -> pl.Expr:
    """Seen in the previous period of the same length."""
    return pl.col("previous") == pl.col("period") - 1


def returner(config: MetricsConfig) -> pl.Expr:
    """Seen before, but not in the previous period."""
    return ~flow_new(config) & ~stock(config)


def living_on_streets(config: MetricsConfig) -> pl.Expr:
    """Seen on enough separate days, over a long enough span ("over three weeks")."""
    span_days = (pl.col("last_day") - pl.col("first_day")).dt.total_days()
    return (pl.col("days_seen") >= config.living_on_streets_min_days) & (
        span_days >= config.living_on_streets_min_span_days
    )


def intermittent(config: MetricsConfig) -> pl.Expr:
    """Seen before, and not living on the streets."""
    return ~flow_new(config) & ~living_on_streets(config)


def single_night(config: MetricsConfig) -> pl.Expr:
    """Seen on exactly one day of the period."""
    return pl.col("days_seen") == 1


def new_to_borough(config: MetricsConfig) -> pl.Expr:
    """Not seen in this borough in the look-back months (P1)."""
    previous = pl.col("previous_in_borough")
    return previous.is_null() | (previous < pl.col("period") - config.p1_lookback_months)


def left_institution(config: MetricsConfig) -> pl.Expr:
    """Left an institution in the window up to the day first seen (P2)."""
    window = pl.col("first_seen") - timedelta(days=config.p2_window_days)
    return (pl.col("last_institution") >= window).fill_null(False)


def long_term(config: MetricsConfig) -> pl.Expr:
    """Seen in enough of the look-back months (B1)."""
    return pl.col("months_seen_before").fill_null(0) >= config.b1_min_months


def returning_after_gap(config: MetricsConfig) -> pl.Expr:
    """Seen before, but not in the gap months before this one (NR1)."""
    previous = pl.col("previous")
    return previous.is_not_null() & (previous < pl.col("period") - config.nr1_gap_months)


def approached_council(config: MetricsConfig) -> pl.Expr:
    """An H-CLIC approach in the months up to the day first seen (missed prevention)."""
    window = pl.col("first_seen").dt.offset_by(f"-{config.prior_hclic_months}mo")
    return (pl.col("last_approach") >= window).fill_null(False)


def sustained(months: int) -> Rule:
    """Not seen rough sleeping again within ``months`` months of the move (after the grace)."""

    def rule(config: MetricsConfig) -> pl.Expr:
        return pl.col("next_seen").is_null() | (
            pl.col("next_seen") > pl.col("moved_on").dt.offset_by(f"{months}mo")
        )

    rule.__doc__ = f"Not seen rough sleeping again within {months} months of the move."
    return rule


def moved_to(kind: str) -> Rule:
    """The first move in the period was of this kind (a hostel, Housing First ...)."""

    def rule(config: MetricsConfig) -> pl.Expr:
        return pl.col("moved_kind") == kind

    rule.__doc__ = f"The first move in the period was into {kind.replace('_', ' ')}."
    return rule


def seen_on_days(low: int, high: int | None) -> Rule:
    """Seen rough sleeping on between ``low`` and ``high`` separate days of the period (no upper
    limit when ``high`` is None)."""

    def rule(config: MetricsConfig) -> pl.Expr:
        days = pl.col("days_seen")
        return (days >= low) & (days <= high) if high is not None else days >= low

    rule.__doc__ = f"Seen on {low} to {high or 'any number of'} separate days of the period."
    return rule
