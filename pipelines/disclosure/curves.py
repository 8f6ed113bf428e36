"""Disclosure control of survival curves: fixed intervals of protected counts, and estimates
recomputed from those published counts, so a curve tells nothing its counts do not.

Curves of the same people (a competing-risks curve and its Kaplan–Meier curve, a borough's
comparison curve and its return curve) are one cell for secondary suppression of the group sizes.
"""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import polars as pl

from contract.errors import PathwaysError
from contract.reference import LONDON_CODE
from contract.release import SURVIVAL_SCHEMA
from metrics.survival import estimates_from_counts
from pipelines.config import DisclosureConfig
from pipelines.disclosure.cells import Cells, relation_groups
from pipelines.disclosure.rules import (
    SUPPRESSED,
    check_places,
    is_borough,
    mentions_nationality,
    round_count,
)


def _coarsen_curve(curve: pl.DataFrame, config: DisclosureConfig) -> list[dict]:
    """One curve's exact steps (t=0 first) as protected intervals, still unrounded.

    Intervals end on multiples of ``survival_time_step_days``; an interval is merged with the
    next until at least ``survival_min_leavers`` people left it and its events, and its
    competing events (deaths) where the curve has them, are each none or at least the threshold.
    The curve stops once fewer than ``survival_min_at_risk`` remain at risk; a tail that never
    closes is left out. A competing-risks curve also stops where an interval would have to span
    more than ``survival_max_interval_days`` to hide its deaths: deaths are rare, and an interval
    of years is too coarse to recompute the curve from.
    """
    start = curve.row(0, named=True)
    size = int(start["at_risk"] or 0)
    base = {k: start[k] for k in ("curve_id", "geography_code", "group")}
    has_competing = start.get("n_competing") is not None
    # Plain lists, read step by step: a curve has thousands of steps.
    days = curve.get_column("t_days").to_list()
    at_risk, n_events, n_censored, n_competing = (
        curve.get_column(c).fill_null(0).to_list()
        for c in ("at_risk", "n_events", "n_censored", "n_competing")
    )
    if size < config.survival_min_at_risk:
        return [{**base, "t_days": 0, "at_risk": None, "events": None, "competing_events": None,
                 "status": SUPPRESSED}]  # fmt: skip
    width = config.survival_time_step_days
    out = [{**base, "t_days": 0, "at_risk": size, "events": 0,
            "competing_events": 0 if has_competing else None, "status": "ok"}]  # fmt: skip
    at_risk_before = size  # people at risk when the open interval began
    opened = 0  # the day the open interval began
    # Day 0 counts in the first interval, so the first two rows never differ by a small number.
    left = events = competing = 0
    for i, t_days in enumerate(days):
        if i and at_risk[i] < config.survival_min_at_risk:
            break  # the curve stops once fewer than the minimum remain at risk
        interval_end = max(width, math.ceil(int(t_days) / width) * width)
        if has_competing and interval_end - opened > config.survival_max_interval_days:
            break  # its deaths cannot be hidden in an interval short enough to draw
        left += n_events[i] + n_censored[i]
        events += n_events[i]
        competing += n_competing[i]
        if i == 0:
            continue
        next_t = days[i + 1] if i + 1 < len(days) else None
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
        opened = interval_end
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


def _survival_relations(sizes: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Additive relations and same-people ties among curve sizes (one cell per curve start).

    Relations: a curve's groups add up to its ``all`` (each breakdown family), boroughs add up
    to London, and a compared borough and the rest of London add up to London, as do the pilot
    boroughs and the others. Ties: curves of the same people (see ``_population``).
    """
    groups = [(int(t), [int(p) for p in ps]) for t, ps in relation_groups(sizes).iter_rows()]
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
    relations = pl.DataFrame(
        groups, schema={"total": pl.Int64, "parts": pl.List(pl.Int64)}, orient="row"
    )
    same: dict[tuple[str, str, str], list[int]] = {}
    for key, i in cell.items():
        same.setdefault(_population(*key), []).append(i)
    ties = [sorted(cells) for cells in same.values() if len(cells) > 1]
    return relations, pl.DataFrame({"cells": ties}, schema={"cells": pl.List(pl.Int64)})


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
    check_places(frame, "geography_code", "survival")
    frame = frame.filter(~(mentions_nationality("group") & is_borough("geography_code")))
    curves = frame.sort("curve_id", "geography_code", "group", "t_days").partition_by(
        ["curve_id", "geography_code", "group"], maintain_order=True
    )
    rows: list[dict] = []
    for curve in curves:
        rows.extend(_coarsen_curve(curve, config))
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
    protector = Cells(
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
