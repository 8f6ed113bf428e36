"""The rules every published count obeys: the threshold, the rounding, and what a release may name.

A count below the threshold is suppressed (null, status ``suppressed``); every other count goes to
the nearest multiple of the rounding base, zeros staying zero (SPEC sections 2.3 to 2.5). These
are the building blocks the table protectors (``tables``, ``curves``) and the final check
(``checks``) share.
"""

from __future__ import annotations

import math

import polars as pl

from contract.errors import PathwaysError
from contract.reference import LONDON_CODE, borough_codes
from pipelines.config import DisclosureConfig

BREAKDOWN_FAMILIES = (
    "age_band",
    "gender",
    "ethnic_group",
    "support_need",
    "support_combination",
    "institution",
    "nationality_group",
    "first_intervention",
)
NATIONALITY_FAMILY = "nationality_group"
NEED_FAMILY = "support_need"
COMBINATION_FAMILY = "support_combination"
# CHAIN's partition of everyone seen rough sleeping in a period (SPEC section 5).
SEEN_TOTAL = "seen_rough_sleeping"
SEEN_PARTS = ("flow_new", "stock", "returner")
# Everyone seen in a year, by how many days they were seen; moves, by kind (metrics.registry).
SEEN_DAY_PARTS = ("seen_1_day", "seen_2_5_days", "seen_6_10_days", "seen_over_10_days")
MOVED_TOTAL = "moved_into_accommodation"
MOVED_PARTS = (
    "moved_to_hostel",
    "moved_to_supported_housing",
    "moved_to_housing_first",
    "moved_to_temporary_accommodation",
    "moved_to_settled",
)

SUPPRESSED = "suppressed"


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


def conform(frame: pl.DataFrame | None, schema: dict[str, pl.DataType], name: str) -> pl.DataFrame:
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


def breakdown_family(column: str = "breakdown") -> pl.Expr:
    return pl.col(column).str.split("=").list.first()


def mentions_nationality(column: str) -> pl.Expr:
    return pl.col(column).fill_null("").str.contains("nationality", literal=True)


def is_borough(column: str) -> pl.Expr:
    return pl.col(column).is_in(list(borough_codes()))


def check_places(frame: pl.DataFrame, column: str, name: str) -> None:
    """Refuse any place that is neither London nor a borough: nothing finer than borough."""
    places = set(frame.get_column(column).unique().to_list())
    unknown = places - set(borough_codes()) - {LONDON_CODE}
    if unknown:
        raise PathwaysError(
            f"The {name} table names places that are neither London nor a London borough "
            f"({', '.join(sorted(str(u) for u in unknown)[:5])}); a release never shows anything "
            "finer than a borough."
        )
