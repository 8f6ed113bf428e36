"""Reading a survival curve at given days: one rule for the secure zone and the dashboard.

A curve (a ``survival`` table of the release, or the secure zone's exact curves) is a step
function: its value on a day is that of its last row on or before the day. A day after the
curve's last row was not observed (the curve stops once too few people are left), so nothing is
read there.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

# The days the dashboard and the chart pack read the return-to-street curves at.
REPORT_DAYS = (90, 180, 365, 730)

CURVE_KEYS = ("curve_id", "geography_code", "group")
READ = ("estimate", "ci_lower", "ci_upper", "at_risk")


def curves_at(curves: pl.DataFrame, days: Sequence[int] = REPORT_DAYS) -> pl.DataFrame:
    """Each curve read at each of ``days``.

    Args:
        curves: rows with ``curve_id``, ``geography_code``, ``group``, ``t_days`` and the
            ``estimate``, ``ci_lower``, ``ci_upper`` and ``at_risk`` at each step.
        days: the days to read.

    Returns:
        One row per curve and day: the keys, ``day``, and the step's ``estimate``,
        ``ci_lower``, ``ci_upper`` and ``at_risk`` (all null after the curve's last row).

    >>> curve = pl.DataFrame({"curve_id": "c", "geography_code": "g", "group": "all",
    ...     "t_days": [0, 60, 200], "estimate": [1.0, 0.9, 0.7], "ci_lower": None,
    ...     "ci_upper": None, "at_risk": [200, 150, 40]})
    >>> curves_at(curve, (90, 365))[["day", "estimate", "at_risk"]].rows()
    [(90, 0.9, 150), (365, None, None)]
    """
    keys = list(CURVE_KEYS)
    ends = curves.group_by(keys).agg(last_day=pl.col("t_days").max())
    wanted = ends.join(
        pl.DataFrame({"day": list(days)}, schema={"day": curves.schema["t_days"]}), how="cross"
    )
    read = wanted.sort("day").join_asof(
        curves.select(*keys, "t_days", *READ).sort("t_days"),
        left_on="day",
        right_on="t_days",
        by=keys,
        strategy="backward",
        check_sortedness=False,  # both sorted by day just above
    )
    beyond = pl.col("day") > pl.col("last_day")
    return read.select(
        *keys,
        "day",
        *[pl.when(beyond).then(None).otherwise(pl.col(c)).alias(c) for c in READ],
    ).sort(*keys, "day")
