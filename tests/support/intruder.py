"""A motivated intruder, in code: how much can be worked out about each hidden metric figure?

``intruder_intervals`` plays the attacker against a protected metrics table. It knows every
shown figure and the rounding rule (a shown 15 is a true 13 to 17), that hidden figures are
whole numbers of people, and every additive relation a release contains, written out here by
hand (``relations``) and NOT taken from disclosure control, so a relation the product forgets
is still one the intruder uses: categories of a family add to their total, boroughs add to
London, flow_new + stock + returner add to seen_rough_sleeping, months add to their quarter,
quarters and months to their financial year. For each hidden figure it solves two integer
programmes (smallest and largest value consistent with all of that) and reports the interval.

It is a test oracle: it lives with the tests, never in the product.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from pipelines.config import DisclosureConfig
from pipelines.disclosure import SUPPRESSED, smallest_shown_count
from pipelines.reference import AGE_BANDS, ETHNIC_GROUPS, GENDERS, NATIONALITY_GROUPS
from pipelines.release_reader import LONDON_CODE

# An upper bound for a hidden count when nothing else bounds it: more people than London has.
UNBOUNDED = 1_000_000


def _financial_year(day) -> int:
    return day.year if day.month >= 4 else day.year - 1


def relations(rows: list[dict]) -> list[tuple[int, list[int]]]:
    """Every additive relation among metric rows, as (total row, part rows), by hand.

    Rows are dicts with ``metric_id``, ``period_type``, ``period_start``, ``geography_code``,
    ``breakdown``; their position in the list is their index.
    """
    index = {
        (
            r["metric_id"],
            r["period_type"],
            r["period_start"],
            r["geography_code"],
            r["breakdown"],
        ): i
        for i, r in enumerate(rows)
    }
    found: dict[int, dict[str, list[int]]] = {}

    def add(kind: str, total_key: tuple, part: int) -> None:
        total = index.get(total_key)
        if total is not None and total != part:
            found.setdefault(total, {}).setdefault(kind, []).append(part)

    for i, r in enumerate(rows):
        metric, ptype, start, place, breakdown = (
            r["metric_id"], r["period_type"], r["period_start"], r["geography_code"],
            r["breakdown"],
        )  # fmt: skip
        if breakdown != "all":  # a category of a family is part of "all"
            family = breakdown.split("=")[0]
            add(f"family:{family}", (metric, ptype, start, place, "all"), i)
        if place != LONDON_CODE:  # a borough is part of London
            add("boroughs", (metric, ptype, start, LONDON_CODE, breakdown), i)
        if metric in ("flow_new", "stock", "returner"):  # CHAIN's partition of those seen
            add("seen", ("seen_rough_sleeping", ptype, start, place, breakdown), i)
        if ptype == "month":  # a month is part of its quarter and of its financial year
            quarter = start.replace(month=start.month - (start.month - 1) % 3)
            add("quarter", (metric, "quarter", quarter, place, breakdown), i)
            fy = start.replace(year=_financial_year(start), month=4)
            add("fy:months", (metric, "fy", fy, place, breakdown), i)
        if ptype == "quarter":  # a quarter is part of its financial year
            fy = start.replace(year=_financial_year(start), month=4)
            add("fy:quarters", (metric, "fy", fy, place, breakdown), i)
    return [(total, sorted(parts)) for total, kinds in sorted(found.items())
            for parts in kinds.values()]  # fmt: skip


def shown_interval(shown: int, config: DisclosureConfig) -> tuple[int, int]:
    """The true counts that the rounding rule would show as ``shown``."""
    if shown == 0:
        return 0, 0
    base = config.rounding_base
    low = shown - base // 2
    high = shown + (base - 1) // 2
    if shown == smallest_shown_count(config):
        low = config.threshold  # anything smaller would have been suppressed instead
    return low, high


def intruder_intervals(
    published: pl.DataFrame,
    config: DisclosureConfig,
    *,
    unrounded: pl.DataFrame | None = None,
    exact: bool = False,
    quick: bool = False,
    only: dict | None = None,
) -> pl.DataFrame:
    """For every hidden figure of a protected metrics table, the narrowest interval an intruder
    can prove from what the release shows.

    Args:
        published: a protected metrics table (output of ``protect_metrics``).
        config: the disclosure settings it was protected with.
        unrounded: optionally the unsuppressed table; then the intruder is told the exact value of
            every figure the release shows (the worst case, as if rounding gave no cover).
        exact: solve whole-number programmes (slower) rather than their linear relaxation; the
            relaxation's interval, rounded inwards to whole numbers, can only be wider.
        only: attack only the hidden rows matching these column values (e.g. one cell).
        quick: only find which figures are pinned; for the others the interval reported is just
            wide enough to prove it (much faster on large tables).

    Returns:
        One row per hidden figure: the metric row's keys, ``figure`` (``count``, ``numerator`` or
        ``denominator``), and ``low``/``high``; ``low == high`` means the figure is recovered.
    """
    keys = ["metric_id", "period_type", "period_start", "geography_code", "breakdown"]
    cells = (
        published.sort(keys)
        .with_row_index("_cell")
        .with_columns(
            pl.col("_cell").cast(pl.Int64),
            _share=pl.col("metric_id").is_in(
                published.filter(pl.col("denominator").is_not_null())
                .get_column("metric_id")
                .unique()
                .to_list()
            ),
            _count=pl.col("value").round(0).cast(pl.Int64),
        )
    )
    if unrounded is not None:
        truth = unrounded.select(
            *keys,
            _true_count=pl.col("value").round(0).cast(pl.Int64),
            _true_num=pl.col("numerator"),
            _true_den=pl.col("denominator"),
        )
        cells = cells.join(truth, on=keys, how="left")
    n = cells.height
    # Two unknowns per row: a count (or a share's numerator) and a share's denominator.
    low = np.zeros(2 * n)
    high = np.full(2 * n, float(UNBOUNDED))
    rows = cells.to_dicts()
    hidden: list[tuple[int, str, int]] = []
    for i, row in enumerate(rows):
        is_hidden = row["status"] == SUPPRESSED
        figures = (
            [("numerator", row["numerator"]), ("denominator", row["denominator"])]
            if row["_share"]
            else [("count", row["_count"])]
        )
        if not row["_share"]:
            low[2 * i + 1] = high[2 * i + 1] = 0
        for j, (figure, shown) in enumerate(figures):
            var = 2 * i + j
            if is_hidden or shown is None:
                if is_hidden:
                    hidden.append((i, figure, var))
                continue
            if unrounded is not None:
                exact = {"count": "_true_count", "numerator": "_true_num"}.get(figure, "_true_den")
                low[var] = high[var] = row[exact]
            else:
                low[var], high[var] = shown_interval(int(shown), config)

    if only is not None:
        hidden = [h for h in hidden if all(rows[h[0]][k] == v for k, v in only.items())]
    equations: list[np.ndarray] = []
    for total, parts in relations(rows):
        for j in (0, 1):
            eq = np.zeros(2 * n)
            eq[2 * total + j] = 1.0
            for p in parts:
                eq[2 * p + j] -= 1.0
            equations.append(eq)
    for i, row in enumerate(rows):
        if row["_share"]:  # a numerator never exceeds its denominator
            eq = np.zeros(2 * n)
            eq[2 * i], eq[2 * i + 1] = 1.0, -1.0
            equations.append(eq)
    n_equalities = len(equations) - int(cells.get_column("_share").sum())
    if not hidden:
        out: list[dict] = []
    else:
        out = _solve_intervals(np.array(equations), n_equalities, low, high, hidden, rows, keys,
                               exact=exact, quick=quick)  # fmt: skip
    schema = {**{k: published.schema[k] for k in keys}, "figure": pl.String, "low": pl.Int64,
              "high": pl.Int64}  # fmt: skip
    return pl.DataFrame(out, schema=schema, orient="row")


FAMILY_VALUES = {
    "age_band": AGE_BANDS,
    "gender": GENDERS,
    "ethnic_group": ETHNIC_GROUPS,
    "nationality_group": NATIONALITY_GROUPS,
}


def metrics_from_people(
    people: pl.DataFrame, families: tuple[str, ...] = ("gender", "age_band")
) -> pl.DataFrame:
    """The unsuppressed metrics table of a list of synthetic people, as additive as data can be.

    Each person (columns ``month``, ``borough``, ``seen_type`` = flow_new | stock | returner, and
    one column per family) is seen in one month in one borough, so every relation the intruder
    knows holds exactly: the hardest table to protect. Counts are given for seen_rough_sleeping
    and its three parts, per month, quarter and financial year, for London and each borough,
    for ``all`` and every category of each family (zeros included).
    """
    month = pl.col("month")
    fy_year = pl.when(month.dt.month() >= 4).then(month.dt.year()).otherwise(month.dt.year() - 1)
    periods = [
        people.with_columns(period_type=pl.lit("month"), period_start=month),
        people.with_columns(period_type=pl.lit("quarter"), period_start=month.dt.truncate("1q")),
        people.with_columns(period_type=pl.lit("fy"), period_start=pl.date(fy_year, 4, 1)),
    ]
    timed = pl.concat(periods)
    placed = pl.concat(
        [
            timed.with_columns(geography_code=pl.lit(LONDON_CODE)),
            timed.with_columns(geography_code=pl.col("borough")),
        ]
    )
    broken = pl.concat(
        [placed.with_columns(breakdown=pl.lit("all"))]
        + [placed.with_columns(breakdown=pl.lit(f"{f}=") + pl.col(f)) for f in families]
    )
    measured = pl.concat(
        [
            broken.with_columns(metric_id=pl.lit("seen_rough_sleeping")),
            broken.with_columns(metric_id=pl.col("seen_type")),
        ]
    )
    keys = ["metric_id", "period_type", "period_start", "geography_code", "breakdown"]
    counts = measured.group_by(keys).agg(value=pl.len().cast(pl.Float64))
    grid = (
        measured.select("period_type", "period_start").unique()
        .join(pl.DataFrame({"geography_code": [LONDON_CODE, *sorted(set(people["borough"]))]}),
              how="cross")
        .join(pl.DataFrame({"breakdown": ["all"] + [f"{f}={v}" for f in families
                                                     for v in FAMILY_VALUES[f]]}), how="cross")
        .join(pl.DataFrame({"metric_id": ["seen_rough_sleeping", "flow_new", "stock", "returner"]}),
              how="cross")
    )  # fmt: skip
    return (
        grid.join(counts, on=keys, how="left")
        .with_columns(
            pl.col("value").fill_null(0.0),
            geography_type=pl.when(pl.col("geography_code") == LONDON_CODE)
            .then(pl.lit("london"))
            .otherwise(pl.lit("borough")),
            numerator=pl.lit(None, pl.Int64),
            denominator=pl.lit(None, pl.Int64),
            status=pl.lit("ok"),
        )
        .select(
            "metric_id",
            "period_type",
            "period_start",
            "geography_type",
            "geography_code",
            "breakdown",
            "value",
            "numerator",
            "denominator",
            "status",
        )  # fmt: skip
        .sort(keys)
    )


def _solve_intervals(
    a: np.ndarray,
    n_equalities: int,
    low: np.ndarray,
    high: np.ndarray,
    hidden: list[tuple[int, str, int]],
    rows: list[dict],
    keys: list[str],
    *,
    exact: bool,
    quick: bool,
) -> list[dict]:
    """Smallest and largest value of each hidden unknown subject to the relations and bounds."""
    from scipy.optimize import Bounds, LinearConstraint, linprog, milp
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    # Unknowns the intruder already knows exactly are folded into the right-hand side.
    fixed = low == high
    free = np.flatnonzero(~fixed)
    rhs = -(a[:, fixed] @ low[fixed])
    a_free = a[:, free]
    used = np.abs(a_free).sum(axis=1) > 0
    # Split the unknowns into independent pieces: each hidden figure only needs its own piece.
    incidence = csr_matrix((np.abs(a_free[used]) > 0).astype(np.int8))
    link = (incidence.T @ incidence) if incidence.shape[0] else csr_matrix((len(free), len(free)))
    _, piece_of = connected_components(link, directed=False)
    equality_rows = np.arange(len(a)) < n_equalities
    position = {int(v): i for i, v in enumerate(free)}
    pieces: dict[int, tuple] = {}

    def piece(label: int) -> tuple:
        if label not in pieces:
            columns = np.flatnonzero(piece_of == label)
            rows_in = used & (np.abs(a_free[:, columns]).sum(axis=1) > 0)
            eq, ub = rows_in & equality_rows, rows_in & ~equality_rows
            pieces[label] = (
                columns,
                {int(c): j for j, c in enumerate(columns)},
                csr_matrix(a_free[np.ix_(eq, columns)]), rhs[eq],
                csr_matrix(a_free[np.ix_(ub, columns)]), rhs[ub],
                low[free][columns], high[free][columns],
            )  # fmt: skip
        return pieces[label]

    def solve(label: int, objective: dict[int, float]) -> np.ndarray | None:
        columns, local, a_eq, b_eq, a_ub, b_ub, lo, hi = piece(label)
        c = np.zeros(len(columns))
        for var, weight in objective.items():
            c[local[position[var]]] = weight
        has_eq, has_ub = a_eq.shape[0] > 0, a_ub.shape[0] > 0
        if exact:
            constraints = []
            if has_eq:
                constraints.append(LinearConstraint(a_eq, b_eq, b_eq))
            if has_ub:
                constraints.append(LinearConstraint(a_ub, -np.inf, b_ub))
            result = milp(c, constraints=constraints, bounds=Bounds(lo, hi),
                          integrality=np.ones(len(columns)))  # fmt: skip
        else:
            result = linprog(c, A_ub=a_ub if has_ub else None, b_ub=b_ub if has_ub else None,
                             A_eq=a_eq if has_eq else None, b_eq=b_eq if has_eq else None,
                             bounds=list(zip(lo, hi, strict=True)), method="highs")  # fmt: skip
        return result.x if result.success else None

    # Values each unknown was seen to take in some solution: two different values prove that the
    # intruder cannot pin it, which saves most of the optimisations when only pins matter.
    seen_low: dict[int, float] = {}
    seen_high: dict[int, float] = {}

    def record(label: int, x: np.ndarray | None) -> None:
        if x is None:
            return
        columns = pieces[label][0]
        for j, col in enumerate(columns):
            var = int(free[col])
            seen_low[var] = min(seen_low.get(var, np.inf), x[j])
            seen_high[var] = max(seen_high.get(var, -np.inf), x[j])

    rng = np.random.default_rng(0)
    explored: set[int] = set()
    out = []
    for i, figure, var in hidden:
        if quick and var in position and int(piece_of[position[var]]) not in explored:
            # Two opposite random directions move most free unknowns at once.
            label = int(piece_of[position[var]])
            explored.add(label)
            columns = piece(label)[0]
            weights = rng.uniform(-1.0, 1.0, len(columns))
            for sign in (1.0, -1.0):
                record(
                    label,
                    solve(
                        label,
                        {int(free[c]): sign * w for c, w in zip(columns, weights, strict=True)},
                    ),
                )
        if var not in position:
            found: list[int | None] = [int(low[var]), int(low[var])]
        else:
            label = int(piece_of[position[var]])
            found = []
            for sign in (1.0, -1.0):
                if quick and seen_high.get(var, -np.inf) - seen_low.get(var, np.inf) > 0.5:
                    found.append(None)
                    continue
                x = solve(label, {var: sign})
                record(label, x)
                if x is None:
                    found.append(None)
                    continue
                value = x[pieces[label][1][position[var]]]
                # Whole people: round the bound inwards (the true value is a whole number in it).
                found.append(
                    int(np.ceil(value - 1e-6)) if sign > 0 else int(np.floor(value + 1e-6))
                )
            if quick and None in found and var in seen_low:
                found = [int(np.ceil(seen_low[var] - 1e-6)), int(np.floor(seen_high[var] + 1e-6))]
        out.append({**{k: rows[i][k] for k in keys}, "figure": figure, "low": found[0],
                    "high": found[1]})  # fmt: skip
    return out
