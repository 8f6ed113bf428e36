"""Disclosure control of the pilot evaluation (``metrics.evaluation``, ``docs/evaluation.md``).

Two kinds of rows, two routes:

* **Before and after** (design 1) is worked out *after* disclosure control, from the borough by
  quarter counts the release's metrics table publishes (``with_before_after``), so every figure
  of it is a function of published, protected counts, as SPEC section 2.5 asks. Any such rows
  handed in unprotected are dropped.
* **People in the pilot against similar people** (design 2) is person-level, like the
  comparisons' hazard ratios, and published under the same exception (``docs/disclosure.md``):
  only where both groups hold at least the threshold (and the evaluation's own minimum group,
  applied before); group sizes and effective sample sizes rounded like counts; the hazard
  ratio, its interval and the minimum detectable effect to two decimals; balance to two
  decimals; the weighted shares returned to whole percent; p-values to three decimals.
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from contract.release import EVALUATION_SCHEMA
from metrics.evaluation import before_after_rows
from pipelines.config import DisclosureConfig, PathwaysConfig
from pipelines.disclosure.rules import SUPPRESSED, conform, count_is_safe, round_count

WEIGHTED, BEFORE_AFTER = "weighted", "before_after"
_SHARES = ("share", "returned_by_182d", "returned_by_365d")
_COUNTS = ("effective_sample_size",)


def _rounded(frame: pl.DataFrame, config: DisclosureConfig) -> pl.DataFrame:
    statistic = pl.col("statistic")
    shown = pl.col("value").round(0).cast(pl.Int64)
    as_count = round_count(pl.when(shown >= config.threshold).then(shown), config)
    return frame.with_columns(
        value=pl.when(statistic.is_in(_SHARES))
        .then(pl.col("value").round(2))
        .when(statistic.is_in(_COUNTS))
        .then(as_count.cast(pl.Float64))
        .when(statistic == "placebo_boroughs")
        .then(pl.col("value"))
        .when(pl.col("design") == BEFORE_AFTER)
        .then(pl.col("value").round(3))
        .otherwise(pl.col("value").round(2)),
        ci_lower=pl.when(pl.col("design") == BEFORE_AFTER)
        .then(pl.col("ci_lower").round(3))
        .otherwise(pl.col("ci_lower").round(2)),
        ci_upper=pl.when(pl.col("design") == BEFORE_AFTER)
        .then(pl.col("ci_upper").round(3))
        .otherwise(pl.col("ci_upper").round(2)),
        p_value=pl.col("p_value").round(3),
    )


def protect_evaluation(evaluation: pl.DataFrame | None, config: DisclosureConfig) -> pl.DataFrame:
    """Design 2's rows, protected; a pilot whose group is under the threshold keeps only its
    group sizes (the small one suppressed) and the status ``too_small``."""
    frame = conform(evaluation, EVALUATION_SCHEMA, "evaluation").filter(
        pl.col("design") == WEIGHTED
    )
    if frame.is_empty():
        return frame
    sizes = frame.filter(pl.col("statistic") == "group_size")
    small = set(sizes.filter(pl.col("n").is_null() | (pl.col("n") < config.threshold))["pilot_id"])
    hidden = (pl.col("n") > 0) & (pl.col("n") < config.threshold)
    kept = frame.filter(
        ~pl.col("pilot_id").is_in(sorted(small)) | (pl.col("statistic") == "group_size")
    ).with_columns(
        status=pl.when(hidden)
        .then(pl.lit(SUPPRESSED))
        .when(pl.col("pilot_id").is_in(sorted(small)))
        .then(pl.lit("too_small"))
        .otherwise(pl.col("status")),
        n=round_count(pl.when(~hidden).then(pl.col("n")), config),
    )
    return _rounded(_shares_of_enough_people(kept, config), config).sort(
        list(EVALUATION_SCHEMA), nulls_last=True
    )


def _shares_of_enough_people(frame: pl.DataFrame, config: DisclosureConfig) -> pl.DataFrame:
    """A weighted share returned is kept only where it is zero or stands for at least the
    threshold of (effectively) people on each side of it: its share of the group's effective
    size, and the rest, are both at least the threshold. Otherwise a small group's share would
    say how many of them returned."""
    sizes = frame.filter(pl.col("statistic") == "effective_sample_size").select(
        "pilot_id", "group", size=pl.col("value")
    )
    shares = pl.col("statistic").is_in(_SHARES)
    share = pl.col("value")
    enough = (share == 0) | (
        (share * pl.col("size") >= config.threshold)
        & ((1 - share) * pl.col("size") >= config.threshold)
    )
    return (
        frame.join(sizes, on=["pilot_id", "group"], how="left")
        .filter(~shares | enough.fill_null(False))
        .drop("size")
    )


def with_before_after(
    protected: dict[str, pl.DataFrame], config: PathwaysConfig
) -> dict[str, pl.DataFrame]:
    """The protected tables with design 1's rows added to the evaluation table, worked out from
    the protected metrics table alone."""
    rows = before_after_rows(protected["metrics"], config)
    if rows.is_empty():
        return protected
    evaluation = pl.concat([protected["evaluation"], _rounded(rows, config.disclosure)])
    return {**protected, "evaluation": evaluation.sort(list(EVALUATION_SCHEMA), nulls_last=True)}


def evaluation_problems(frame: pl.DataFrame, config: DisclosureConfig) -> Iterable[str]:
    """The final check's rules for the evaluation table (``checks.release_problems``)."""
    status = pl.col("status")
    bad = frame.filter(~(count_is_safe(pl.col("n"), status, config) | pl.col("n").is_null()))
    if bad.height:
        yield (
            f"{bad.height} evaluation rows hold a group size that is neither suppressed, zero, "
            f"nor a multiple of {config.rounding_base} at or above {config.threshold}"
        )
    shares = frame.filter(pl.col("statistic").is_in(_SHARES) & pl.col("value").is_not_null())
    off = (pl.col("value") * 100 - (pl.col("value") * 100).round(0)).abs() > 1e-9
    if shares.filter(off | (pl.col("value") < 0) | (pl.col("value") > 1)).height:
        yield "an evaluation share is not a whole percent between 0 and 1"
    weighted = frame.filter(pl.col("design") == WEIGHTED)
    sizes = weighted.filter(pl.col("statistic") == "group_size")
    small = set(sizes.filter(pl.col("n").is_null() | (pl.col("n") < config.threshold))["pilot_id"])
    estimates = weighted.filter(
        (pl.col("statistic") != "group_size") & pl.col("pilot_id").is_in(sorted(small))
    )
    if estimates.height or set(weighted["pilot_id"]) - set(sizes["pilot_id"]):
        yield "a weighted evaluation is shown for a group below the threshold"
