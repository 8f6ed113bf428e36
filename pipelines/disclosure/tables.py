"""Disclosure control of the release's tables of counts: metrics, Sankey links, paths,
comparisons and the data-quality table.

Counts go through the small-numbers rule and rounding (``rules``); where counts add up, more are
hidden (``cells``); a share is published only as its shown numerator over its shown
denominator, to whole percent, where the denominator is at least the minimum. Small Sankey links
are folded into "other (small numbers)"; rare paths are dropped; comparisons are kept only
between groups of at least the threshold.
"""

from __future__ import annotations

from itertools import groupby

import polars as pl

from contract.errors import PathwaysError
from contract.reference import LONDON_CODE, NATIONALITY_GROUPS
from contract.release import (
    COMPARISONS_SCHEMA,
    METRICS_SCHEMA,
    OTHER_SMALL_NUMBERS,
    PATHS_SCHEMA,
    PATHWAYS_SCHEMA,
    QUALITY_SCHEMA,
    SERVICE_KINDS,
    SERVICES_SCHEMA,
    is_quality_share,
)
from pipelines.config import DisclosureConfig
from pipelines.disclosure.cells import Cells, combination_ties, relation_groups, same_size_ties
from pipelines.disclosure.curves import protect_survival
from pipelines.disclosure.evaluation import protect_evaluation
from pipelines.disclosure.rules import (
    BREAKDOWN_FAMILIES,
    NATIONALITY_FAMILY,
    SUPPRESSED,
    breakdown_family,
    check_places,
    conform,
    round_count,
)


def protect_metrics(metrics: pl.DataFrame | None, config: DisclosureConfig) -> pl.DataFrame:
    """Disclosure control for the long metrics table (METRICS_SCHEMA, unsuppressed counts).

    A metric is a share when any of its rows carries a denominator; its value is the shown
    (rounded) numerator over the shown denominator, to whole percent. Other metrics are
    counts of people: ``value`` (and ``numerator``, filled with the same count) are rounded.

    Example:
        >>> protect_metrics(unsuppressed, DisclosureConfig())  # doctest: +SKIP
    """
    frame = conform(metrics, METRICS_SCHEMA, "metrics")
    if frame.is_empty():
        return frame
    check_places(frame, "geography_code", "metrics")
    families = frame.filter(pl.col("breakdown") != "all").select(
        family=breakdown_family(),
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
            ~((breakdown_family() == NATIONALITY_FAMILY) & (pl.col("geography_type") != "london"))
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
    protector = Cells(
        cells.select("_mass_a", "_mass_b").to_numpy(),
        cells.get_column("_primary").to_numpy(),
        config,
        size_known.fill_null(False).to_numpy(),
    )
    ties = pl.concat([same_size_ties(cells), combination_ties(cells)])
    suppressed = protector.protect(relation_groups(cells), ties)
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
    frame = conform(pathways, PATHWAYS_SCHEMA, "pathways")
    if frame.is_empty():
        return frame
    check_places(frame, "geography_code", "pathways")
    t = config.threshold
    keys = ["cohort_period", "geography_code", "stage_from", "stage_to"]
    links = frame.group_by(*keys, "state_from", "state_to").agg(pl.col("count").fill_null(0).sum())
    links = links.filter(pl.col("count") > 0)
    out: list[dict] = []
    # One pass over the sorted links, a stage pair at a time.
    ordered = links.sort([*keys, "state_from", "state_to"]).select(
        *keys, "state_from", "state_to", "count"
    )
    for values, pair in groupby(ordered.rows(), key=lambda row: row[: len(keys)]):
        key = dict(zip(keys, values, strict=True))
        rows = [row[len(keys) :] for row in pair]
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
    frame = conform(paths, PATHS_SCHEMA, "paths")
    if frame.is_empty():
        return frame
    check_places(frame, "geography_code", "paths")
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

    A comparison that sets nationality against a borough is dropped whatever its sizes. The
    model's figures are published as people read them, as the pilot evaluation's are: estimates,
    intervals and test statistics to two decimals, p-values to three. A fitted model's figures to
    sixteen digits say more about the people in a group than anyone needs to know.
    """
    frame = conform(comparisons, COMPARISONS_SCHEMA, "comparisons")
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
        pl.col("value", "ci_lower", "ci_upper").round(2),
        p_value=pl.col("p_value").round(3),
        n_a=round_count(pl.col("n_a"), config),
        n_b=round_count(pl.col("n_b"), config),
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
    frame = conform(quality, QUALITY_SCHEMA, "quality")
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


def protect_services(services: pl.DataFrame | None, config: DisclosureConfig) -> pl.DataFrame:
    """The service directory: a borough's count of people for one team or provider in one
    financial year obeys the small-numbers rule (1 to 9 people: suppressed) and is rounded.

    No row adds up to another (a person seen by two teams is in both; the table has no totals),
    so there is no secondary suppression. Rows that are not a borough, an outreach team or a
    hostel provider by the financial year are refused.
    """
    frame = conform(services, SERVICES_SCHEMA, "services")
    if frame.is_empty():
        return frame
    check_places(frame, "geography_code", "services")
    odd = frame.filter(
        ~pl.col("kind").is_in(SERVICE_KINDS)
        | (pl.col("period_type") != "fy")
        | (pl.col("geography_code") == LONDON_CODE)
    )
    if odd.height:
        raise PathwaysError(
            "The services table may hold only outreach teams and hostel providers by borough and "
            "financial year."
        )
    people = pl.col("people")
    small = people.is_null() | ((people > 0) & (people < config.threshold))
    return frame.with_columns(
        people=pl.when(small).then(None).otherwise(round_count(people, config)),
        status=pl.when(small).then(pl.lit(SUPPRESSED)).otherwise(pl.col("status")),
    ).sort(list(SERVICES_SCHEMA), nulls_last=True)


# --- the whole release -----------------------------------------------------------------------

_PROTECTORS = {
    "metrics": protect_metrics,
    "survival": protect_survival,
    "pathways": protect_pathways,
    "paths": protect_paths,
    "comparisons": protect_comparisons,
    "quality": protect_quality,
    "evaluation": protect_evaluation,
    "services": protect_services,
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
    protected = {name: fn(tables.get(name), config) for name, fn in _PROTECTORS.items()}
    return {**protected, "services": _outreach_with_totals(protected)}


def _outreach_with_totals(protected: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """Every outreach team of a borough and year is hidden where the metrics table hides the
    borough's people seen rough sleeping that year: each team's people are some of them, and
    all the teams together are all of them, so shown teams would bound a hidden total."""
    services = protected["services"]
    hidden = protected["metrics"].filter(
        (pl.col("metric_id") == "seen_rough_sleeping")
        & (pl.col("period_type") == "fy")
        & (pl.col("breakdown") == "all")
        & (pl.col("status") == SUPPRESSED)
    )
    if services.is_empty() or hidden.is_empty():
        return services
    keys = ["period_start", "geography_code"]
    marked = services.join(
        hidden.select(*keys, _total_hidden=pl.lit(True)), on=keys, how="left"
    ).with_columns(_hide=(pl.col("kind") == "outreach") & pl.col("_total_hidden").fill_null(False))
    return marked.with_columns(
        people=pl.when(pl.col("_hide")).then(None).otherwise(pl.col("people")),
        status=pl.when(pl.col("_hide")).then(pl.lit(SUPPRESSED)).otherwise(pl.col("status")),
    ).select(list(SERVICES_SCHEMA))
