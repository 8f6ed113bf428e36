"""The final check before a release is written: every way the tables could break the rules.

``release_problems`` lists them in plain words; ``assert_release_safe`` refuses to write a release
that has any (SPEC section 6).
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from contract.errors import PathwaysError
from contract.reference import LONDON_CODE, borough_codes
from contract.release import (
    EVALUATION_STATUSES,
    RELEASE_SCHEMAS,
    SERVICE_KINDS,
    SURVIVAL_SCHEMA,
    is_quality_share,
    is_service_name,
)
from metrics.survival import estimates_from_counts
from pipelines.config import DisclosureConfig
from pipelines.disclosure.evaluation import evaluation_problems
from pipelines.disclosure.rules import (
    BREAKDOWN_FAMILIES,
    NATIONALITY_FAMILY,
    SUPPRESSED,
    breakdown_family,
    count_is_safe,
    is_borough,
    mentions_nationality,
)
from pipelines.disclosure.tables import QUALITY_SHARES


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
        known = ["ok", SUPPRESSED, "incomplete_follow_up"]
        if name == "evaluation":
            known += EVALUATION_STATUSES
        odd = frame.filter(~pl.col("status").is_in(known))
        if odd.height:
            yield f"{odd.height} {name} rows have an unknown status"
        counts = [c for c in ("value", "numerator", "denominator", "at_risk", "events",
                              "competing_events", "estimate", "ci_lower", "ci_upper", "count",
                              "people")
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
            (breakdown_family() == NATIONALITY_FAMILY) & (pl.col("geography_code") != LONDON_CODE)
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
        if frame.filter(mentions_nationality("group") & is_borough("geography_code")).height:
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
    elif name == "evaluation":
        yield from evaluation_problems(frame, config)
    elif name == "services":
        yield from _count_problems(frame, name, "people", config, no)
        if frame.filter(~pl.col("kind").is_in(SERVICE_KINDS)).height:
            yield "the services table names a kind of service other than outreach and hostel"
        if frame.filter(pl.col("geography_code") == LONDON_CODE).height:
            yield "the services table holds a row for London, not a borough"
        if frame.filter(pl.col("period_type") != "fy").height:
            yield "the services table is by something finer than the financial year"
        if not all(is_service_name(name) for name in frame["service"].unique()):
            yield "the services table holds a name that is not from the service register"
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
