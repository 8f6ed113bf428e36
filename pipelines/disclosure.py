"""Disclosure control: the wall between person-level data and everything a person sees.

``protect`` turns the unsuppressed aggregate tables of the secure zone into the tables of a
release (SPEC sections 2.3 to 2.5, the ONS "10-5" rule by default):

* primary suppression: a count below the threshold becomes null with status ``suppressed``;
* rounding: every other count goes to the nearest multiple of the rounding base (zeros stay zero);
* secondary suppression: where figures add up (a breakdown family and its total, boroughs and
  London, flow_new + stock + returner = seen_rough_sleeping, months within a quarter, quarters
  and months within a financial year) more cells are hidden until no hidden cell can be worked
  out from what is shown (see ``docs/disclosure.md`` for exactly what is guaranteed);
* every other published number is worked out from published protected counts: shares only
  where the denominator is at least 10, as the shown numerator over the shown denominator, to
  whole percent; survival curves on fixed intervals of protected at-risk, event and death
  counts, with the estimates recomputed from them; small Sankey links folded into "other (small
  numbers)"; rare paths dropped; comparisons only between groups of at least the threshold;
* nationality never with a place finer than London, and no column outside the release schemas.

The functions are pure (frames in, frames out) so a run after erasing a person is just a rerun.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable
from datetime import date

import numpy as np
import polars as pl

from contract.errors import PathwaysError
from contract.reference import LONDON_CODE, NATIONALITY_GROUPS, borough_codes
from contract.release import (
    COMPARISONS_SCHEMA,
    METRICS_SCHEMA,
    OTHER_SMALL_NUMBERS,
    PATHS_SCHEMA,
    PATHWAYS_SCHEMA,
    QUALITY_SCHEMA,
    RELEASE_SCHEMAS,
    SURVIVAL_SCHEMA,
    is_quality_share,
)
from metrics.survival import estimates_from_counts
from pipelines.config import DisclosureConfig

BREAKDOWN_FAMILIES = (
    "age_band",
    "gender",
    "ethnic_group",
    "support_need",
    "nationality_group",
    "first_intervention",
)
NATIONALITY_FAMILY = "nationality_group"
# CHAIN's partition of everyone seen rough sleeping in a period (SPEC section 5).
SEEN_TOTAL = "seen_rough_sleeping"
SEEN_PARTS = ("flow_new", "stock", "returner")

SUPPRESSED = "suppressed"


# --- small helpers ---------------------------------------------------------------------------


def smallest_shown_count(config: DisclosureConfig) -> int:
    """The smallest non-zero count a release may show: the first multiple of the base >= threshold."""
    return math.ceil(config.threshold / config.rounding_base) * config.rounding_base


def round_count(column: pl.Expr, config: DisclosureConfig) -> pl.Expr:
    """Round counts at or above the threshold to the nearest multiple of the rounding base.

    Halves go up; a result below the threshold is lifted to the smallest shown count, so every
    shown count is a multiple of the base at or above the threshold. Zero stays zero; counts
    between zero and the threshold must be suppressed before this is applied.
    """
    base = config.rounding_base
    rounded = ((column + base // 2) // base) * base
    return (
        pl.when(column.is_null())
        .then(None)
        .when(column == 0)
        .then(0)
        .otherwise(pl.max_horizontal(rounded, pl.lit(smallest_shown_count(config))))
        .cast(pl.Int64)
    )


def count_is_safe(column: pl.Expr, status: pl.Expr, config: DisclosureConfig) -> pl.Expr:
    """SPEC section 6: null with status suppressed, zero, or a multiple of the base >= threshold."""
    return (
        (column.is_null() & (status == SUPPRESSED))
        | (column == 0)
        | (((column % config.rounding_base) == 0) & (column >= config.threshold))
    ).fill_null(False)


def _conform(frame: pl.DataFrame | None, schema: dict[str, pl.DataType], name: str) -> pl.DataFrame:
    """Keep exactly the schema's columns (dropping anything else, e.g. person keys), cast to it."""
    if frame is None:
        return pl.DataFrame(schema=schema)
    missing = [c for c in schema if c not in frame.columns and c != "status"]
    if missing:
        raise PathwaysError(
            f"The {name} table handed to disclosure control lacks the columns {', '.join(missing)}."
        )
    if "status" in schema and "status" not in frame.columns:
        frame = frame.with_columns(status=pl.lit("ok"))
    return frame.select([pl.col(c).cast(t) for c, t in schema.items()])


def _breakdown_family(column: str = "breakdown") -> pl.Expr:
    return pl.col(column).str.split("=").list.first()


def _mentions_nationality(column: str) -> pl.Expr:
    return pl.col(column).fill_null("").str.contains("nationality", literal=True)


def _is_borough(column: str) -> pl.Expr:
    return pl.col(column).is_in(list(borough_codes()))


def _check_places(frame: pl.DataFrame, column: str, name: str) -> None:
    """Refuse any place that is neither London nor a borough: nothing finer than borough."""
    places = set(frame.get_column(column).unique().to_list())
    unknown = places - set(borough_codes()) - {LONDON_CODE}
    if unknown:
        raise PathwaysError(
            f"The {name} table names places that are neither London nor a London borough "
            f"({', '.join(sorted(str(u) for u in unknown)[:5])}); a release never shows anything "
            "finer than a borough."
        )


# --- secondary suppression -------------------------------------------------------------------


class _Cells:
    """Cells that take part in additive relations, and the rule that keeps them unrecoverable.

    Each cell carries one or two non-negative masses: a count has one (the count); a share has two
    (people with the outcome and people without it), because either could be differenced.
    """

    def __init__(
        self,
        masses: np.ndarray,
        suppressed: np.ndarray,
        config: DisclosureConfig,
        size_known: np.ndarray | None = None,
    ):
        # Plain Python lists: the loop below touches single cells, where numpy is slow.
        self.mass_a = [int(v) for v in masses[:, 0]]
        self.mass_b = [int(v) for v in masses[:, 1]]
        self.suppressed = [bool(v) for v in suppressed]
        # A hidden cell whose size (count or denominator) is not secret: a share hidden only
        # because few or nearly all of its people had the outcome. It does not hide its ties.
        known = size_known if size_known is not None else np.zeros(len(self.suppressed), bool)
        self.hides_size = [bool(h) and not bool(k) for h, k in zip(suppressed, known, strict=True)]
        self.threshold = config.threshold

    def group_is_safe(self, total: int, parts: list[int]) -> bool:
        """True when the hidden parts of this relation cannot be worked out from the rest.

        The guarantee, with the total and every visible part known exactly (the worst case,
        before rounding blurs them): either nothing is hidden, or at least two parts are hidden
        and, for each mass, ``total - sum(visible)`` is zero or less (nothing to learn) or at least
        the threshold, and the hidden parts together hold more people than there are hidden parts
        (so no hidden part is pinned to exactly one person).
        """
        hidden = [p for p in parts if self.suppressed[p]]
        if not hidden:
            return True
        if len(hidden) < 2:
            return False
        visible = [p for p in parts if not self.suppressed[p]]
        residual_a = self.mass_a[total] - sum(self.mass_a[p] for p in visible)
        residual_b = self.mass_b[total] - sum(self.mass_b[p] for p in visible)
        if 0 < residual_a < self.threshold or 0 < residual_b < self.threshold:
            return False
        people = residual_a + residual_b
        return people <= 0 or (people >= self.threshold and people > len(hidden))

    def protect(self, groups: list[tuple[int, list[int]]], ties: list[list[int]]) -> list[bool]:
        """Hide more cells until every relation is safe; return the suppression mask.

        Args:
            groups: (total cell, part cells) of each additive relation.
            ties: cells of equal size (a count, and shares whose denominator is that count):
                when one is hidden for its size, the others are hidden too, else they would
                show the hidden size.
        """
        memberships: dict[int, list[int]] = {}
        for g, (total, parts) in enumerate(groups):
            for cell in (total, *parts):
                memberships.setdefault(cell, []).append(g)
        tie_of: dict[int, list[int]] = {}
        for t, tie in enumerate(ties):
            for cell in tie:
                tie_of.setdefault(cell, []).append(t)

        queue: deque[tuple[str, int]] = deque()
        for g, (total, parts) in enumerate(groups):
            if self.suppressed[total] or any(self.suppressed[p] for p in parts):
                queue.append(("group", g))
        for t, tie in enumerate(ties):
            if any(self.hides_size[c] for c in tie):
                queue.append(("tie", t))

        def hide(cell: int) -> None:
            if not self.hides_size[cell]:
                self.suppressed[cell] = True
                self.hides_size[cell] = True
                queue.extend(("group", g) for g in memberships.get(cell, ()))
                queue.extend(("tie", t) for t in tie_of.get(cell, ()))

        closed: set[int] = set()
        while queue:
            kind, index = queue.popleft()
            if kind == "tie":
                tie = ties[index]
                if any(self.hides_size[c] for c in tie):
                    for cell in tie:
                        hide(cell)
                continue
            if index in closed:
                continue
            total, parts = groups[index]
            if self.suppressed[total]:
                closed.add(index)  # every part hidden once: nothing more can change here
                # The breakdown of a hidden total is hidden too, zeros included: otherwise a
                # small group could be seen to sit wholly in one category.
                for p in parts:
                    hide(p)
                continue
            while not self.group_is_safe(total, parts):
                candidates = [p for p in parts if not self.suppressed[p]]
                nonzero = [p for p in candidates if self.mass_a[p] + self.mass_b[p] > 0]
                if nonzero:
                    # Hide the smallest visible part: the least information lost.
                    hide(min(nonzero, key=lambda p: (self.mass_a[p] + self.mass_b[p], p)))
                elif candidates and sum(self.suppressed[p] for p in parts) < 2:
                    hide(candidates[0])
                else:
                    hide(total)
                    for p in parts:
                        hide(p)
                    break
        return self.suppressed


def _month_index(column: str) -> pl.Expr:
    return pl.col(column).dt.year().cast(pl.Int64) * 12 + pl.col(column).dt.month().cast(pl.Int64)


def _relation_groups(cells: pl.DataFrame) -> list[tuple[int, list[int]]]:
    """Every additive relation among metric rows, as (total cell, part cells)."""
    groups: list[pl.DataFrame] = []
    keys_time = ["metric_id", "period_type", "period_start"]

    def collect(totals: pl.DataFrame, parts: pl.DataFrame, on: list[str]) -> None:
        joined = (
            parts.group_by(on)
            .agg(parts=pl.col("_cell").sort())
            .join(totals.select(*on, total=pl.col("_cell")), on=on, how="inner")
            .select("total", "parts")
        )
        groups.append(joined)

    # A breakdown family and its total: the categories of one family add up to "all".
    parts = cells.filter(pl.col("breakdown") != "all").with_columns(family=_breakdown_family())
    totals = cells.filter(pl.col("breakdown") == "all")
    family_keys = [*keys_time, "geography_code"]
    collect(totals.join(parts.select(*family_keys, "family").unique(), on=family_keys), parts,
            [*family_keys, "family"])  # fmt: skip

    # Boroughs and London: London minus the visible boroughs (treated as if people counted once).
    geo_keys = [*keys_time, "breakdown"]
    collect(
        cells.filter(pl.col("geography_type") == "london"),
        cells.filter(pl.col("geography_type") == "borough"),
        geo_keys,
    )

    # CHAIN's partition: flow_new + stock + returner = seen_rough_sleeping.
    counts = cells.filter(~pl.col("_share"))
    part_keys = ["period_type", "period_start", "geography_code", "breakdown"]
    collect(
        counts.filter(pl.col("metric_id") == SEEN_TOTAL),
        counts.filter(pl.col("metric_id").is_in(SEEN_PARTS)),
        part_keys,
    )

    # Cumulative periods: months in a quarter, quarters and months in a financial year.
    place_keys = ["metric_id", "geography_code", "breakdown"]
    timed = cells.with_columns(
        _m=_month_index("period_start"),
        _fy=pl.when(pl.col("period_start").dt.month() >= 4)
        .then(pl.col("period_start").dt.year())
        .otherwise(pl.col("period_start").dt.year() - 1)
        .cast(pl.Int64),
    ).with_columns(_q=(pl.col("_m") - 1) // 3)
    months = timed.filter(pl.col("period_type") == "month")
    quarters = timed.filter(pl.col("period_type") == "quarter")
    years = timed.filter(pl.col("period_type") == "fy")
    for total_frame, part_frame, key in (
        (quarters, months, "_q"),
        (years, quarters, "_fy"),
        (years, months, "_fy"),
    ):
        collect(total_frame, part_frame, [*place_keys, key])

    frame = pl.concat(groups).sort("total", "parts")
    return [(int(t), [int(p) for p in ps]) for t, ps in frame.iter_rows()]


def _ties(cells: pl.DataFrame) -> list[list[int]]:
    """Share rows whose denominator equals a count or another share's denominator of the same
    period, place and breakdown: the shown denominator would otherwise give the hidden figure away.
    """
    keyed = cells.with_columns(
        _size=pl.when(pl.col("_share")).then(pl.col("denominator")).otherwise(pl.col("_count"))
    ).filter(pl.col("_size") > 0)
    ties = (
        keyed.group_by("period_type", "period_start", "geography_code", "breakdown", "_size")
        .agg(cells=pl.col("_cell").sort(), shares=pl.col("_share").sum())
        .filter((pl.col("shares") > 0) & (pl.col("cells").list.len() > 1))
        .sort("cells")
    )
    return [list(c) for c in ties.get_column("cells").to_list()]


# --- metrics ---------------------------------------------------------------------------------


def protect_metrics(metrics: pl.DataFrame | None, config: DisclosureConfig) -> pl.DataFrame:
    """Disclosure control for the long metrics table (METRICS_SCHEMA, unsuppressed counts).

    A metric is a share when any of its rows carries a denominator; its value is the shown
    (rounded) numerator over the shown denominator, to whole percent. Other metrics are
    counts of people: ``value`` (and ``numerator``, filled with the same count) are rounded.

    Example:
        >>> protect_metrics(unsuppressed, DisclosureConfig())  # doctest: +SKIP
    """
    frame = _conform(metrics, METRICS_SCHEMA, "metrics")
    if frame.is_empty():
        return frame
    _check_places(frame, "geography_code", "metrics")
    families = frame.filter(pl.col("breakdown") != "all").select(
        family=_breakdown_family(),
        value=pl.col("breakdown").str.split("=").list.get(1, null_on_oob=True),
    )
    bad = families.filter(~pl.col("family").is_in(BREAKDOWN_FAMILIES) | pl.col("value").is_null())
    if bad.height:
        raise PathwaysError(
            f"The metrics table has breakdowns outside the published families: "
            f"{', '.join(sorted(set(bad.get_column('family').to_list()))[:5])}."
        )
    nationality = families.filter(pl.col("family") == NATIONALITY_FAMILY)
    if not set(nationality.get_column("value").to_list()) <= set(NATIONALITY_GROUPS):
        raise PathwaysError("Nationality may only be shown in the broad groups uk, eu_eea, "
                            "rest_of_world and unknown.")  # fmt: skip

    share_metrics = (
        frame.filter(pl.col("denominator").is_not_null()).get_column("metric_id").unique().to_list()
    )
    t, min_den = config.threshold, config.min_rate_denominator
    cells = (
        # Nationality only pan-London (SPEC 2.4): never with a borough, whatever the source says.
        frame.filter(
            ~((_breakdown_family() == NATIONALITY_FAMILY) & (pl.col("geography_type") != "london"))
        )
        .with_columns(
            geography_type=pl.when(pl.col("geography_code") == LONDON_CODE)
            .then(pl.lit("london"))
            .otherwise(pl.lit("borough")),
            _share=pl.col("metric_id").is_in(share_metrics),
            _count=pl.col("value").round(0).cast(pl.Int64),
        )
        .sort(list(METRICS_SCHEMA))
        .with_row_index("_cell")
        .with_columns(pl.col("_cell").cast(pl.Int64))
    )
    num, den, count = pl.col("numerator"), pl.col("denominator"), pl.col("_count")
    cells = cells.with_columns(
        _primary=pl.when(pl.col("_share"))
        .then(
            num.is_null()
            | den.is_null()
            | (den < min_den)
            | ((num > 0) & (num < t))
            | ((den - num > 0) & (den - num < t))
        )
        .otherwise(count.is_null() | ((count > 0) & (count < t)))
        .fill_null(True),
        _mass_a=pl.when(pl.col("_share")).then(num).otherwise(count).fill_null(0).clip(0),
        _mass_b=pl.when(pl.col("_share")).then(den - num).otherwise(0).fill_null(0).clip(0),
    )
    # A row kept for incomplete follow-up with nothing to show is not a hidden small number.
    nothing_to_show = (pl.col("status") == "incomplete_follow_up") & pl.col("value").is_null()
    cells = cells.with_columns(_primary=pl.col("_primary") & ~nothing_to_show)

    size_known = cells.select(
        pl.col("_share") & pl.col("denominator").is_not_null() & (den >= min_den)
    ).to_series()
    protector = _Cells(
        cells.select("_mass_a", "_mass_b").to_numpy(),
        cells.get_column("_primary").to_numpy(),
        config,
        size_known.fill_null(False).to_numpy(),
    )
    suppressed = protector.protect(_relation_groups(cells), _ties(cells))
    cells = cells.with_columns(_suppressed=pl.Series(suppressed, dtype=pl.Boolean))

    hidden = pl.col("_suppressed")
    share = pl.col("_share")
    out = cells.with_columns(
        value=pl.when(hidden)
        .then(None)
        .when(share)
        .then((round_count(num, config) / round_count(den, config)).round(2))
        .otherwise(round_count(count, config).cast(pl.Float64)),
        numerator=pl.when(hidden)
        .then(None)
        .when(share)
        .then(round_count(num, config))
        .otherwise(round_count(count, config)),
        denominator=pl.when(hidden | ~share).then(None).otherwise(round_count(den, config)),
        status=pl.when(hidden).then(pl.lit(SUPPRESSED)).otherwise(pl.col("status")),
    )
    return out.select(list(METRICS_SCHEMA)).sort(list(METRICS_SCHEMA), nulls_last=True)


# --- survival --------------------------------------------------------------------------------


def _coarsen_curve(steps: list[dict], config: DisclosureConfig) -> list[dict]:
    """One curve's exact steps (t=0 first) as protected intervals, still unrounded.

    Intervals end on multiples of ``survival_time_step_days``; an interval is merged with the
    next until at least ``survival_min_leavers`` people left it and its events, and its
    competing events (deaths) where the curve has them, are each none or at least the threshold.
    The curve stops once fewer than ``survival_min_at_risk`` remain at risk; a tail that never
    closes is left out.
    """
    start = steps[0]
    size = int(start["at_risk"] or 0)
    base = {k: start[k] for k in ("curve_id", "geography_code", "group")}
    has_competing = start.get("n_competing") is not None
    if size < config.survival_min_at_risk:
        return [{**base, "t_days": 0, "at_risk": None, "events": None, "competing_events": None,
                 "status": SUPPRESSED}]  # fmt: skip
    width = config.survival_time_step_days
    out = [{**base, "t_days": 0, "at_risk": size, "events": 0,
            "competing_events": 0 if has_competing else None, "status": "ok"}]  # fmt: skip
    at_risk_before = size  # people at risk when the open interval began
    # Day 0 counts in the first interval, so the first two rows never differ by a small number.
    left = events = competing = 0
    for i, step in enumerate(steps):
        if i and int(step["at_risk"] or 0) < config.survival_min_at_risk:
            break  # the curve stops once fewer than the minimum remain at risk
        left += int(step.get("n_events") or 0) + int(step.get("n_censored") or 0)
        events += int(step.get("n_events") or 0)
        competing += int(step.get("n_competing") or 0)
        if i == 0:
            continue
        interval_end = max(width, math.ceil(int(step["t_days"]) / width) * width)
        next_t = steps[i + 1]["t_days"] if i + 1 < len(steps) else None
        closes = (
            (next_t is None or int(next_t) > interval_end)
            and left >= config.survival_min_leavers
            and (events == 0 or events >= config.threshold)
            and (competing == 0 or competing >= config.threshold)
        )
        if not closes:
            continue
        out.append({**base, "t_days": interval_end, "at_risk": at_risk_before, "events": events,
                    "competing_events": competing if has_competing else None,
                    "status": "ok"})  # fmt: skip
        at_risk_before -= left
        left = events = competing = 0
    return out


def _population(curve_id: str, geography_code: str, group: str) -> tuple[str, str, str]:
    """The curve whose people this curve follows: curves of the same people are one cell for
    secondary suppression. A competing-risks curve follows its Kaplan–Meier curve's people; a
    borough's comparison curve its return curve; an intervention's comparison curve its
    London breakdown curve."""
    if curve_id == "return_to_street_cif":
        return ("return_to_street", geography_code, group)
    if curve_id == "compare:borough" and group == f"borough={geography_code}":
        return ("return_to_street", geography_code, "all")
    if curve_id == "compare:first_intervention":
        return ("return_to_street", geography_code, group)
    return (curve_id, geography_code, group)


def _survival_relations(sizes: pl.DataFrame) -> tuple[list[tuple[int, list[int]]], list[list[int]]]:
    """Additive relations and same-people ties among curve sizes (one cell per curve start).

    Relations: a curve's groups add up to its ``all`` (each breakdown family), boroughs add up
    to London, and a compared borough and the rest of London add up to London, as do the pilot
    boroughs and the others. Ties: curves of the same people (see ``_population``).
    """
    groups = _relation_groups(sizes)
    cell = {
        (c, g, grp): int(i)
        for c, g, grp, i in sizes.select("curve_id", "geography_code", "group", "_cell").rows()
    }
    london = cell.get(("return_to_street", LONDON_CODE, "all"))
    if london is not None:
        for (c, g, grp), i in cell.items():
            if c == "compare:borough" and grp == "borough=rest_of_london":
                groups.append((london, [cell.get(("return_to_street", g, "all"), i), i]))
        pilots = cell.get(("compare:pilot_vs_other", LONDON_CODE, "borough=pilots"))
        others = cell.get(("compare:pilot_vs_other", LONDON_CODE, "borough=other_boroughs"))
        if pilots is not None and others is not None:
            groups.append((london, [pilots, others]))
    groups = [(t, sorted(set(ps))) for t, ps in groups if len(set(ps)) > 1 or t not in ps]
    same: dict[tuple[str, str, str], list[int]] = {}
    for key, i in cell.items():
        same.setdefault(_population(*key), []).append(i)
    ties = [sorted(cells) for cells in same.values() if len(cells) > 1]
    return groups, ties


def protect_survival(survival: pl.DataFrame | None, config: DisclosureConfig) -> pl.DataFrame:
    """Disclosure control for survival curves (``SURVIVAL_WORK_SCHEMA``: exact steps and counts).

    Each curve becomes fixed intervals (see ``_coarsen_curve``) carrying the people at risk at
    the interval's start, the events and, for a competing-risks curve, the deaths within it, as
    protected counts; the estimate and band are then recomputed from those published counts
    (``metrics.survival.estimates_from_counts``), so the curve tells nothing the counts do not.
    A curve whose group is smaller than the threshold, or hidden by secondary suppression of the
    group sizes, is one suppressed row at t = 0, and so is every curve of the same people.
    """
    if survival is None or survival.is_empty():
        return pl.DataFrame(schema=SURVIVAL_SCHEMA)
    needed = ("curve_id", "geography_code", "group", "t_days", "at_risk", "n_events", "n_censored")
    missing = [c for c in needed if c not in survival.columns]
    if missing:
        raise PathwaysError(f"The survival table lacks the columns {', '.join(missing)}.")
    if "n_competing" not in survival.columns:
        survival = survival.with_columns(n_competing=pl.lit(None, pl.Int64))
    frame = survival.with_columns(pl.col("t_days", "at_risk", "n_events", "n_competing",
                                         "n_censored").cast(pl.Int64))  # fmt: skip
    _check_places(frame, "geography_code", "survival")
    frame = frame.filter(~(_mentions_nationality("group") & _is_borough("geography_code")))
    curves = frame.sort("curve_id", "geography_code", "group", "t_days").partition_by(
        ["curve_id", "geography_code", "group"], maintain_order=True
    )
    rows: list[dict] = []
    for curve in curves:
        rows.extend(_coarsen_curve(curve.to_dicts(), config))
    counts = ["at_risk", "events", "competing_events"]
    work = {k: SURVIVAL_SCHEMA[k] for k in (*SURVIVAL_SCHEMA,) if k not in
            ("estimate", "ci_lower", "ci_upper")}  # fmt: skip
    out = pl.DataFrame(rows, schema=work, orient="row")

    # Group sizes add up across a curve's groups and across boroughs: protect them like counts.
    starts = out.filter(pl.col("t_days") == 0).with_row_index("_cell")
    sizes = starts.with_columns(
        metric_id=pl.col("curve_id"),
        period_type=pl.lit("curve"),
        period_start=pl.lit(date(2000, 1, 1)),
        geography_type=pl.when(pl.col("geography_code") == LONDON_CODE)
        .then(pl.lit("london"))
        .otherwise(pl.lit("borough")),
        breakdown=pl.when(pl.col("group").str.contains("=") | (pl.col("group") == "all"))
        .then(pl.col("group"))
        .otherwise(pl.lit("group=") + pl.col("group")),
        _share=pl.lit(False),
        _cell=pl.col("_cell").cast(pl.Int64),
    )
    full_sizes = frame.filter(pl.col("t_days") == 0).select(
        "curve_id", "geography_code", "group", _true=pl.col("at_risk")
    )
    sizes = sizes.join(full_sizes, on=["curve_id", "geography_code", "group"], how="left")
    groups, ties = _survival_relations(sizes)
    protector = _Cells(
        np.column_stack([sizes.get_column("_true").fill_null(0).to_numpy(),
                         np.zeros(sizes.height, dtype=np.int64)]),
        (sizes.get_column("status") == SUPPRESSED).to_numpy(),
        config,
    )  # fmt: skip
    hidden = protector.protect(groups, ties)
    hidden_curves = sizes.filter(
        pl.Series(hidden, dtype=pl.Boolean) & (pl.col("status") != SUPPRESSED)
    ).select("curve_id", "geography_code", "group")
    if hidden_curves.height:
        suppressed_rows = hidden_curves.with_columns(
            t_days=pl.lit(0, pl.Int64),
            **{c: pl.lit(None, pl.Int64) for c in counts},
            status=pl.lit(SUPPRESSED),
        )
        out = pl.concat(
            [out.join(hidden_curves, on=["curve_id", "geography_code", "group"], how="anti"),
             suppressed_rows.select(list(work))]
        )  # fmt: skip
    out = out.with_columns(round_count(pl.col(c), config).alias(c) for c in counts)
    out = estimates_from_counts(out)
    return out.select(list(SURVIVAL_SCHEMA)).sort(list(SURVIVAL_SCHEMA), nulls_last=True)


# --- pathways (Sankey) and paths -------------------------------------------------------------


def protect_pathways(pathways: pl.DataFrame | None, config: DisclosureConfig) -> pl.DataFrame:
    """Fold Sankey links below the threshold into visible "other (small numbers)" flows.

    Within each cohort, place and pair of stages: small links from one state are gathered into
    ``state -> other (small numbers)``; what is still small joins one
    ``other (small numbers) -> other (small numbers)`` link, which takes in the smallest shown
    links until it too reaches the threshold. No one is dropped, so each stage pair still adds up
    to the cohort (before rounding). A whole stage pair smaller than the threshold is one
    suppressed link. Shown counts are rounded.
    """
    frame = _conform(pathways, PATHWAYS_SCHEMA, "pathways")
    if frame.is_empty():
        return frame
    _check_places(frame, "geography_code", "pathways")
    t = config.threshold
    keys = ["cohort_period", "geography_code", "stage_from", "stage_to"]
    links = frame.group_by(*keys, "state_from", "state_to").agg(pl.col("count").fill_null(0).sum())
    links = links.filter(pl.col("count") > 0)
    out: list[dict] = []
    for pair in links.sort([*keys, "state_from", "state_to"]).partition_by(
        keys, maintain_order=True
    ):
        key = {k: pair[k][0] for k in keys}
        rows = pair.select("state_from", "state_to", "count").rows()
        if sum(c for _, _, c in rows) < t:
            out.append({**key, "state_from": OTHER_SMALL_NUMBERS, "state_to": OTHER_SMALL_NUMBERS,
                        "count": None, "status": SUPPRESSED})  # fmt: skip
            continue
        shown: dict[tuple[str, str], int] = {}
        small_by_source: dict[str, int] = {}
        for state_from, state_to, c in rows:
            if c >= t:
                shown[(state_from, state_to)] = c
            else:
                small_by_source[state_from] = small_by_source.get(state_from, 0) + c
        other = 0
        for state_from, c in small_by_source.items():
            if c >= t:
                shown[(state_from, OTHER_SMALL_NUMBERS)] = c
            else:
                other += c
        while 0 < other < t:
            smallest = min(shown, key=lambda k: (shown[k], k))
            other += shown.pop(smallest)
        if other:
            link = (OTHER_SMALL_NUMBERS, OTHER_SMALL_NUMBERS)
            shown[link] = shown.get(link, 0) + other
        for (state_from, state_to), c in shown.items():
            out.append({**key, "state_from": state_from, "state_to": state_to, "count": c,
                        "status": "ok"})  # fmt: skip
    result = pl.DataFrame(out, schema=PATHWAYS_SCHEMA, orient="row")
    return result.with_columns(count=round_count(pl.col("count"), config)).sort(
        list(PATHWAYS_SCHEMA), nulls_last=True
    )


def protect_paths(paths: pl.DataFrame | None, config: DisclosureConfig) -> pl.DataFrame:
    """Keep only journeys followed by at least the threshold; counts rounded, ranks renumbered."""
    frame = _conform(paths, PATHS_SCHEMA, "paths")
    if frame.is_empty():
        return frame
    _check_places(frame, "geography_code", "paths")
    kept = frame.filter(pl.col("count") >= config.threshold)
    kept = kept.sort("cohort_period", "geography_code", "rank", "path").with_columns(
        rank=pl.col("count")
        .rank("ordinal", descending=True)
        .over("cohort_period", "geography_code")
        .cast(pl.Int64),
        count=round_count(pl.col("count"), config),
    )
    return kept.select(list(PATHS_SCHEMA)).sort(list(PATHS_SCHEMA))


# --- comparisons and quality -----------------------------------------------------------------


def protect_comparisons(comparisons: pl.DataFrame | None, config: DisclosureConfig) -> pl.DataFrame:
    """Keep comparisons only where both groups hold at least the threshold; sizes rounded.

    A comparison that sets nationality against a borough is dropped whatever its sizes.
    """
    frame = _conform(comparisons, COMPARISONS_SCHEMA, "comparisons")
    if frame.is_empty():
        return frame
    labels = pl.concat_str(
        ["comparison_id", "group_a", "group_b"], separator="|", ignore_nulls=True
    )
    kept = frame.filter(
        (pl.col("n_a") >= config.threshold)
        & (pl.col("n_b") >= config.threshold)
        & ~(labels.str.contains("nationality") & labels.str.contains(r"E09\d{6}"))
    )
    return kept.with_columns(
        n_a=round_count(pl.col("n_a"), config), n_b=round_count(pl.col("n_b"), config)
    ).sort(list(COMPARISONS_SCHEMA), nulls_last=True)


#: The quality table's families, in one place: each share and the counts it is a share of
#: (numerator, denominator), and each count that is the sum of others. A share is published only
#: as its published numerator over its published denominator; a share of no family is withheld.
QUALITY_SHARES = {
    "quarantined_share": ("rows_quarantined", "rows_read"),
    "linked_to_another_source_share": ("records_linked_to_another_source", "person_records"),
    "linked_within_source_share": ("records_linked_within_source", "person_records"),
}
QUALITY_SUMS = {"rows_read": ("rows_accepted", "rows_quarantined")}


def protect_quality(quality: pl.DataFrame | None, config: DisclosureConfig) -> pl.DataFrame:
    """Quality counts obey the small-numbers rule; shares come from the published counts.

    A count below the threshold is suppressed; where counts add up (rows read = accepted +
    quarantined) a second part is hidden with it, so the first cannot be found by subtraction.
    A share (``QUALITY_SHARES``) is its rounded numerator over its rounded denominator, to whole
    percent, only where both are shown and the denominator is at least the minimum.
    """
    frame = _conform(quality, QUALITY_SCHEMA, "quality")
    if frame.is_empty():
        return frame
    text = pl.concat_str(["source", "period", "indicator"], separator="|", ignore_nulls=True)
    frame = frame.filter(~(text.str.contains("nationality") & text.str.contains(r"E09\d{6}")))
    is_share = pl.col("indicator").map_elements(is_quality_share, return_dtype=pl.Boolean)
    count = pl.col("value").round(0).cast(pl.Int64)
    small = count.is_null() | ((count > 0) & (count < config.threshold))
    counts = frame.filter(~is_share).with_columns(_count=count, _hidden=small)
    keys = ["source", "period"]
    for total, parts in QUALITY_SUMS.items():
        family = pl.col("indicator").is_in([total, *parts])
        hidden_parts = (pl.col("indicator").is_in(parts) & pl.col("_hidden")).sum().over(keys)
        total_hidden = ((pl.col("indicator") == total) & pl.col("_hidden")).any().over(keys)
        counts = counts.with_columns(
            _hidden=pl.col("_hidden")
            | (family & pl.col("indicator").is_in(parts) & ((hidden_parts == 1) | total_hidden))
        )
    counts = counts.with_columns(
        value=pl.when(pl.col("_hidden"))
        .then(None)
        .otherwise(round_count(pl.col("_count"), config).cast(pl.Float64)),
        status=pl.when(pl.col("_hidden")).then(pl.lit(SUPPRESSED)).otherwise(pl.col("status")),
    )
    shown = dict(((s, p, i), v) for s, p, i, v in counts.select(*keys, "indicator", "value").rows())
    shares = []
    for source, period, indicator, status in (
        frame.filter(is_share).select(*keys, "indicator", "status").rows()
    ):
        num, den = (
            (shown.get((source, period, c)) for c in QUALITY_SHARES[indicator])
            if indicator in QUALITY_SHARES
            else (None, None)
        )
        ok = num is not None and den is not None and den >= config.min_rate_denominator
        shares.append({"source": source, "period": period, "indicator": indicator,
                       "value": round(num / den, 2) if ok else None,
                       "status": status if ok else SUPPRESSED})  # fmt: skip
    out = pl.concat([counts.select(list(QUALITY_SCHEMA)),
                     pl.DataFrame(shares, schema=QUALITY_SCHEMA, orient="row")])  # fmt: skip
    return out.sort(list(QUALITY_SCHEMA), nulls_last=True)


# --- the whole release -----------------------------------------------------------------------

_PROTECTORS = {
    "metrics": protect_metrics,
    "survival": protect_survival,
    "pathways": protect_pathways,
    "paths": protect_paths,
    "comparisons": protect_comparisons,
    "quality": protect_quality,
}


def protect(tables: dict[str, pl.DataFrame], config: DisclosureConfig) -> dict[str, pl.DataFrame]:
    """Disclosure control for every release table; absent tables come back empty.

    Args:
        tables: unsuppressed aggregates by release table name (``metrics``, ``survival``,
            ``pathways``, ``paths``, ``comparisons``, ``quality``).
        config: the disclosure settings (ONS 10-5 by default, never below threshold 5).

    Returns:
        The release tables, each with exactly its release schema, ready for ``write_release``.
    """
    unknown = set(tables) - set(_PROTECTORS)
    if unknown:
        raise PathwaysError(
            f"Disclosure control does not know the tables {', '.join(sorted(unknown))}; only "
            f"{', '.join(_PROTECTORS)} may be released."
        )
    return {name: fn(tables.get(name), config) for name, fn in _PROTECTORS.items()}


# --- the final check -------------------------------------------------------------------------


def release_problems(tables: dict[str, pl.DataFrame], config: DisclosureConfig) -> list[str]:
    """Every way in which these tables break the release rules, in plain words (empty when safe)."""
    problems: list[str] = []
    for name in tables:
        if name not in RELEASE_SCHEMAS:
            problems.append(f"{name} is not a release table")
    for name, schema in RELEASE_SCHEMAS.items():
        frame = tables.get(name)
        if frame is None:
            problems.append(f"the {name} table is missing")
            continue
        if dict(frame.schema) != schema:
            problems.append(
                f"the {name} table has columns {list(frame.schema)}, not {list(schema)}"
            )
            continue
        problems.extend(_table_problems(name, frame, config))
    return problems


def _count_problems(
    frame: pl.DataFrame, name: str, column: str, config: DisclosureConfig, allow_null: pl.Expr
) -> Iterable[str]:
    status = pl.col("status") if "status" in frame.columns else pl.lit("ok")
    bad = frame.filter(
        ~(count_is_safe(pl.col(column), status, config) | (pl.col(column).is_null() & allow_null))
    )
    if bad.height:
        yield (
            f"{bad.height} {name} rows hold a {column} that is neither suppressed, zero, nor a "
            f"multiple of {config.rounding_base} at or above {config.threshold}"
        )


def _not_whole_percent(frame: pl.DataFrame, columns: list[str]) -> bool:
    """True when any non-null figure in these columns is not a whole percent between 0 and 1."""
    return any(
        frame.filter(
            ((pl.col(c) * 100 - (pl.col(c) * 100).round(0)).abs() > 1e-9)
            | (pl.col(c) < 0)
            | (pl.col(c) > 1)
        ).height
        for c in columns
    )


def _table_problems(name: str, frame: pl.DataFrame, config: DisclosureConfig) -> Iterable[str]:
    if frame.is_empty():
        return
    no = pl.lit(False)
    if "status" in frame.columns:
        odd = frame.filter(~pl.col("status").is_in(["ok", SUPPRESSED, "incomplete_follow_up"]))
        if odd.height:
            yield f"{odd.height} {name} rows have an unknown status"
        counts = [c for c in ("value", "numerator", "denominator", "at_risk", "events",
                              "competing_events", "estimate", "ci_lower", "ci_upper", "count")
                  if c in frame.columns]  # fmt: skip
        leaky = frame.filter(
            (pl.col("status") == SUPPRESSED) & pl.any_horizontal(pl.col(counts).is_not_null())
        )
        if leaky.height:
            yield f"{leaky.height} suppressed {name} rows still carry a figure"
    if "geography_code" in frame.columns:
        places = set(frame.get_column("geography_code").unique().to_list())
        if places - set(borough_codes()) - {LONDON_CODE}:
            yield f"the {name} table names places finer than a borough or outside London"
    if name == "metrics":
        count_rows = pl.col("denominator").is_null() & (pl.col("status") != SUPPRESSED)
        share_rows = pl.col("denominator").is_not_null()
        incomplete = pl.col("status") == "incomplete_follow_up"
        yield from _count_problems(frame, name, "numerator", config, incomplete)
        yield from _count_problems(frame, name, "denominator", config, incomplete | count_rows)
        counts = frame.filter(count_rows).with_columns(
            value=pl.col("value").round(0).cast(pl.Int64)
        )
        yield from _count_problems(counts, name, "value", config, incomplete)
        shares = frame.filter(share_rows & pl.col("value").is_not_null())
        if (
            _not_whole_percent(shares, ["value"])
            or shares.filter(pl.col("denominator") < config.min_rate_denominator).height
        ):
            yield "some shares are not whole percents between 0 and 1 on a denominator of 10 or more"
        redone = (pl.col("numerator") / pl.col("denominator")).round(2)
        if shares.filter((pl.col("value") - redone).abs().fill_null(1.0) > 1e-9).height:
            yield "some shares are not their shown numerator over their shown denominator"
        leaks = frame.filter(
            (_breakdown_family() == NATIONALITY_FAMILY) & (pl.col("geography_code") != LONDON_CODE)
        )
        if leaks.height:
            yield f"{leaks.height} metrics rows show nationality for a borough"
        families = frame.filter(pl.col("breakdown") != "all").get_column("breakdown")
        if not families.str.split("=").list.first().is_in(BREAKDOWN_FAMILIES).all():
            yield "the metrics table has breakdowns outside the published families"
    elif name == "survival":
        yield from _count_problems(frame, name, "at_risk", config, no)
        yield from _count_problems(frame, name, "events", config, no)
        shown = pl.col("status") != SUPPRESSED
        competing = frame.filter(pl.col("competing_events").is_not_null() | ~shown)
        yield from _count_problems(competing, name, "competing_events", config, no)
        low = frame.filter(pl.col("at_risk") < config.survival_min_at_risk)
        if low.height:
            yield "a survival curve continues with fewer people at risk than allowed"
        if _not_whole_percent(frame, ["estimate", "ci_lower", "ci_upper"]):
            yield "a survival estimate or band is not a whole percent between 0 and 1"
        figures = ["estimate", "ci_lower", "ci_upper"]
        given = frame.filter(shown).sort(list(SURVIVAL_SCHEMA), nulls_last=True)
        redone = estimates_from_counts(given).sort(list(SURVIVAL_SCHEMA), nulls_last=True)
        if not given.select(figures).equals(redone.select(figures)):
            yield "a survival estimate is not the one its published counts give"
        if frame.filter(_mentions_nationality("group") & _is_borough("geography_code")).height:
            yield "a survival curve shows nationality for a borough"
    elif name in ("pathways", "paths"):
        yield from _count_problems(frame, name, "count", config, no)
        if (
            name == "paths"
            and frame.filter(pl.col("count").is_null() | (pl.col("count") == 0)).height
        ):
            yield "the paths table holds a journey below the threshold"
    elif name == "comparisons":
        for column in ("n_a", "n_b"):
            small = frame.filter(pl.col(column).is_null() | (pl.col(column) < config.threshold))
            if small.height:
                yield f"a comparison has a group ({column}) below the threshold"
            yield from _count_problems(frame, name, column, config, no)
    elif name == "quality":
        share = pl.col("indicator").map_elements(is_quality_share, return_dtype=pl.Boolean)
        counts = frame.filter(~share).with_columns(value=pl.col("value").round(0).cast(pl.Int64))
        yield from _count_problems(counts, name, "value", config, no)
        shares = frame.filter(share & pl.col("value").is_not_null())
        if _not_whole_percent(shares, ["value"]):
            yield "a quality share is not a whole percent between 0 and 1"
        shown = {(s, p, i): v for s, p, i, v in counts.select("source", "period", "indicator",
                                                              "value").rows()}  # fmt: skip
        for source, period, indicator, value in shares.select(
            "source", "period", "indicator", "value"
        ).rows():
            num, den = (shown.get((source, period, c)) for c in QUALITY_SHARES.get(indicator, "  "))
            if (
                num is None
                or den is None
                or den < config.min_rate_denominator
                or (round(num / den, 2) != value)
            ):
                yield f"the quality share {indicator} is not its published counts' share"


def assert_release_safe(tables: dict[str, pl.DataFrame], config: DisclosureConfig) -> None:
    """Refuse (PathwaysError) unless every table obeys the release rules of SPEC section 6.

    Every count column holds null with status suppressed, zero, or a multiple of the rounding base
    at or above the threshold; no table carries a column outside its release schema; nationality
    never appears with a borough; no place is finer than a borough.
    """
    problems = release_problems(tables, config)
    if problems:
        raise PathwaysError(
            "The release was not written because it would break the disclosure rules: "
            + "; ".join(problems[:5])
            + ("." if len(problems) <= 5 else f"; and {len(problems) - 5} more.")
        )
