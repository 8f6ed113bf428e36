"""A motivated intruder, in code: how much can be worked out about each hidden metric figure?

``intruder_intervals`` plays the attacker against a protected metrics table. It knows every
shown figure and the rounding rule (a shown 15 is a true 13 to 17), that hidden figures are
whole numbers of people, and every additive relation a release contains, written out here by
hand (``relations``) and NOT taken from disclosure control, so a relation the product forgets
is still one the intruder uses: categories of a family add to their total, boroughs add to
London, flow_new + stock + returner add to seen_rough_sleeping (and so do the bands of days
seen), the kinds of move add to moved_into_accommodation, months add to their quarter,
quarters and months to their financial year, the support-need combinations naming a need to
that need's group. For each hidden figure it solves two integer programmes (smallest and
largest value consistent with all of that) and reports the interval.

It is a test oracle: it lives with the tests, never in the product.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from contract.reference import AGE_BANDS, ETHNIC_GROUPS, GENDERS, LONDON_CODE, NATIONALITY_GROUPS
from pipelines.config import DisclosureConfig
from pipelines.disclosure import SUPPRESSED, smallest_shown_count

# An upper bound for a hidden count when nothing else bounds it: more people than London has.
UNBOUNDED = 1_000_000


def _financial_year(day) -> int:
    return day.year if day.month >= 4 else day.year - 1


def relations(rows: list[dict]) -> list[tuple[int, list[int]]]:
    """Every additive relation among metric rows, as (total row, part rows), by hand.

    Rows are dicts with ``metric_id``, ``period_type``, ``period_start``, ``geography_code``,
    ``breakdown``; their position in the list is their index.
    """
    return [(total, parts) for _, total, parts in named_relations(rows)]


def named_relations(rows: list[dict]) -> list[tuple[str, int, list[int]]]:
    """``relations`` with the kind of each: ``family:<name>``, ``boroughs``, ``seen``,
    ``quarter``, ``fy:months`` or ``fy:quarters``."""
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
        if breakdown.startswith("support_combination="):  # a combination is part of each need
            for need in ("mental_health", "alcohol", "drugs"):
                if need in breakdown:
                    add("needs", (metric, ptype, start, place, f"support_need={need}"), i)
        if place != LONDON_CODE:  # a borough is part of London
            add("boroughs", (metric, ptype, start, LONDON_CODE, breakdown), i)
        if metric in ("flow_new", "stock", "returner"):  # CHAIN's partition of those seen
            add("seen", ("seen_rough_sleeping", ptype, start, place, breakdown), i)
        if metric.startswith("seen_") and metric.endswith(("_day", "_days")):  # days seen
            add("seen:days", ("seen_rough_sleeping", ptype, start, place, breakdown), i)
        if metric.startswith("moved_to_"):  # the kinds of move
            add("moved", ("moved_into_accommodation", ptype, start, place, breakdown), i)
        if ptype == "month":  # a month is part of its quarter and of its financial year
            quarter = start.replace(month=start.month - (start.month - 1) % 3)
            add("quarter", (metric, "quarter", quarter, place, breakdown), i)
            fy = start.replace(year=_financial_year(start), month=4)
            add("fy:months", (metric, "fy", fy, place, breakdown), i)
        if ptype == "quarter":  # a quarter is part of its financial year
            fy = start.replace(year=_financial_year(start), month=4)
            add("fy:quarters", (metric, "fy", fy, place, breakdown), i)
    return [(kind, total, sorted(parts)) for total, kinds in sorted(found.items())
            for kind, parts in kinds.items()]  # fmt: skip


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
    "support_combination": (
        "none", "alcohol", "drugs", "mental_health", "alcohol_drugs", "alcohol_mental_health",
        "drugs_mental_health", "alcohol_drugs_mental_health",
    ),
}  # fmt: skip


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
    a = csr_matrix(a)
    fixed = low == high
    free = np.flatnonzero(~fixed)
    rhs = -(a[:, np.flatnonzero(fixed)] @ low[fixed])
    a_free = a[:, free].tocsr()
    used = np.asarray(abs(a_free).sum(axis=1)).ravel() > 0
    # Split the unknowns into independent pieces: each hidden figure only needs its own piece.
    incidence = (abs(a_free[np.flatnonzero(used)]) > 0).astype(np.int8)
    link = (incidence.T @ incidence) if incidence.shape[0] else csr_matrix((len(free), len(free)))
    _, piece_of = connected_components(link, directed=False)
    equality_rows = np.arange(a.shape[0]) < n_equalities
    position = {int(v): i for i, v in enumerate(free)}
    pieces: dict[int, tuple] = {}
    touches = abs(a_free).tocsc()

    def piece(label: int) -> tuple:
        if label not in pieces:
            columns = np.flatnonzero(piece_of == label)
            rows_in = used & (np.asarray(touches[:, columns].sum(axis=1)).ravel() > 0)
            eq, ub = (
                np.flatnonzero(rows_in & equality_rows),
                np.flatnonzero(rows_in & ~equality_rows),
            )
            pieces[label] = (
                columns,
                {int(c): j for j, c in enumerate(columns)},
                a_free[eq][:, columns], rhs[eq],
                a_free[ub][:, columns], rhs[ub],
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
                             bounds=list(zip(lo, hi, strict=True)),
                             # an interior-point method is several times faster on the large
                             # pieces a whole metrics table makes
                             method="highs-ipm" if len(columns) > 2000 else "highs")  # fmt: skip
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
    hidden_in: dict[int, list[int]] = {}
    for _, _, var in hidden:
        if var in position:
            hidden_in.setdefault(int(piece_of[position[var]]), []).append(var)

    def unproven(label: int) -> list[int]:
        return [v for v in hidden_in.get(label, [])
                if not seen_high.get(v, -np.inf) - seen_low.get(v, np.inf) > 0.5]  # fmt: skip

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
            # Then push every hidden unknown not yet seen to move up together, and down
            # together, while that still frees some: one pair of optimisations for many.
            left = unproven(label)
            while left:
                weights = rng.uniform(0.5, 1.5, len(left))
                for sign in (1.0, -1.0):
                    record(label, solve(label, {v: sign * w for v, w in zip(left, weights,
                                                                          strict=True)}))  # fmt: skip
                still = unproven(label)
                if len(still) == len(left):
                    break
                left = still
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


# --- the whole release at once ---------------------------------------------------------------

# Relations between counts of distinct people that can overlap (one person seen in two boroughs
# or two months): on a real release the total is at most the sum of its parts and at least each
# part. ``additive=True`` treats them as exact sums, as in ``metrics_from_people``.
OVERLAPPING = ("boroughs", "quarter", "fy:months", "fy:quarters")
# Breakdown families in which a person may be in several groups or none (a person with two
# support needs, or none; with a care and a custody history, or neither): each group is at most
# the whole, and nothing more is known of them.
SUBSETS = ("family:support_need", "family:institution")


class _Unknowns:
    """The intruder's unknowns (one per true count), their bounds and the relations among them."""

    def __init__(self, config: DisclosureConfig) -> None:
        self.config = config
        self.low: list[float] = []
        self.high: list[float] = []
        self.equalities: list[dict[int, float]] = []
        self.inequalities: list[dict[int, float]] = []  # each: sum of terms <= 0
        self.hidden: list[tuple[dict, int]] = []  # (what the figure is, its unknown)

    def unknown(self, low: float = 0, high: float = UNBOUNDED) -> int:
        self.low.append(low)
        self.high.append(high)
        return len(self.low) - 1

    def cell(self, label: dict, shown, hidden: bool, low: int = 0, high: int = UNBOUNDED) -> int:
        """A published cell: shown within its rounding, hidden within what the rules allow, or
        (neither, e.g. incomplete follow-up) anything."""
        if hidden:
            var = self.unknown(low, high)
            self.hidden.append((label, var))
            return var
        if shown is None:
            return self.unknown()
        return self.unknown(*shown_interval(int(round(shown)), self.config))

    def sums(self, total: int, parts: list[int], *, overlapping: bool = False) -> None:
        """``total`` is the sum of ``parts``, or (overlapping) at most it and at least each."""
        terms: dict[int, float] = {total: 1.0}
        for p in parts:
            terms[p] = terms.get(p, 0.0) - 1.0
        if not overlapping:
            self.equalities.append(terms)
            return
        self.inequalities.append(terms)
        self.inequalities.extend({p: 1.0, total: -1.0} for p in parts if p != total)

    def within(self, total: int, parts: list[int]) -> None:
        """Each of ``parts`` is at most ``total`` (groups a person may be in several of)."""
        self.inequalities.extend({p: 1.0, total: -1.0} for p in parts if p != total)

    def same(self, a: int, b: int) -> None:
        self.sums(a, [b])

    def balance(self, plus: list[int], minus: list[int]) -> None:
        """The unknowns ``plus`` add up to the same as the unknowns ``minus``."""
        terms: dict[int, float] = {}
        for var, weight in [(v, 1.0) for v in plus] + [(v, -1.0) for v in minus]:
            terms[var] = terms.get(var, 0.0) + weight
        self.equalities.append(terms)

    def matrix(self):
        """The relations as one sparse matrix: the equalities' rows first, then the
        inequalities' (each row's terms add up to 0, or to at most 0)."""
        from scipy.sparse import csr_matrix, lil_matrix

        rows = self.equalities + self.inequalities
        a = lil_matrix((len(rows), len(self.low)))
        for r, terms in enumerate(rows):
            for var, weight in terms.items():
                if weight:
                    a[r, var] = weight
        return csr_matrix(a)

    def solve(self, *, quick: bool, exact: bool) -> pl.DataFrame:
        a = self.matrix()
        labels = [label for label, _ in self.hidden]
        hidden = [(i, label["figure"], var) for i, (label, var) in enumerate(self.hidden)]
        out = _solve_intervals(a, len(self.equalities), np.array(self.low, dtype=float),
                               np.array(self.high, dtype=float), hidden, labels,
                               ["table", "cell"], exact=exact, quick=quick)  # fmt: skip
        schema = {"table": pl.String, "cell": pl.String, "figure": pl.String, "low": pl.Int64,
                  "high": pl.Int64}  # fmt: skip
        return pl.DataFrame(out, schema=schema, orient="row")


def _label(table: str, cell: str, figure: str) -> dict:
    return {"table": table, "cell": cell, "figure": figure}


def _attack_metrics(u: _Unknowns, metrics: pl.DataFrame, *, additive: bool) -> dict[str, list[int]]:
    """Each metric row's count (or a share's numerator and denominator), and every relation
    ``named_relations`` knows among them; returns each row's unknowns by its name."""
    keys = ["metric_id", "period_type", "period_start", "geography_code", "breakdown"]
    shares = set(metrics.filter(pl.col("denominator").is_not_null())["metric_id"].to_list())
    rows = metrics.sort(keys).to_dicts()
    figures: list[list[int]] = []
    for row in rows:
        hidden = row["status"] == SUPPRESSED
        name = "|".join(str(row[k]) for k in keys)
        if row["metric_id"] in shares:
            num = u.cell(_label("metrics", name, "numerator"), row["numerator"], hidden)
            den = u.cell(_label("metrics", name, "denominator"), row["denominator"], hidden)
            u.inequalities.append(
                {num: 1.0, den: -1.0}
            )  # a numerator never exceeds its denominator
            figures.append([num, den])
        else:
            figures.append([u.cell(_label("metrics", name, "count"), row["value"], hidden)])
    for kind, total, parts in named_relations(rows):
        for j in range(len(figures[total])):
            if kind in SUBSETS:
                u.within(figures[total][j], [figures[p][j] for p in parts])
                continue
            u.sums(figures[total][j], [figures[p][j] for p in parts],
                   overlapping=not additive and kind in OVERLAPPING)  # fmt: skip
    return {"|".join(str(row[k]) for k in keys): f for row, f in zip(rows, figures, strict=True)}


def _same_people(curve: tuple[str, str, str]) -> tuple[str, str, str]:
    """The return curve whose people a curve follows, by hand: a competing-risks curve follows
    its return curve; a borough's comparison curve its borough's return curve; an
    intervention's comparison curve the London breakdown curve of that intervention."""
    curve_id, place, group = curve
    if curve_id in ("return_to_street_cif", "compare:first_intervention"):
        return ("return_to_street", place, group)
    if curve_id == "compare:borough" and group == f"borough={place}":
        return ("return_to_street", place, "all")
    return curve


def _attack_survival(u: _Unknowns, survival: pl.DataFrame, *, additive: bool) -> None:
    """Within a curve, the people at risk at the start of an interval are those at risk at the
    start of the next, plus its events, its deaths (competing events) and the people no longer
    followed in it (never published: a hidden figure bounded by the shown ones). Curves of the
    same people share their group size, their people at risk at the same day and their returns
    up to the same day. Group sizes add up across a breakdown, across boroughs, and as a
    compared borough and the rest of London, or the pilot boroughs and the others, to London."""
    keys = ["curve_id", "geography_code", "group"]
    size: dict[tuple, int] = {}
    at_risk_from: dict[tuple, dict[int, int]] = {}  # curve -> interval start day -> unknown
    returns_by: dict[tuple, dict[int, list[int]]] = {}  # curve -> interval end day -> unknowns
    for curve in survival.sort(*keys, "t_days").partition_by(keys, maintain_order=True):
        key = tuple(curve.row(0, named=True)[k] for k in keys)
        name = "|".join(key)
        rows = curve.to_dicts()
        if rows[0]["status"] == SUPPRESSED:
            size[key] = u.cell(_label("survival", name, "group size"), None, True)
            continue
        at_risk, events, starts, ends = [], [], [], []
        after = None  # the people still at risk after the previous interval
        for k, row in enumerate(rows):
            cell = f"{name}|{row['t_days']}"
            start = u.cell(_label("survival", cell, "at_risk"), row["at_risk"], False)
            if after is not None:
                u.same(after, start)
            event = u.cell(_label("survival", cell, "events"), row["events"], False)
            left = [event, u.cell(_label("survival", cell, "no longer followed"), None, True)]
            if row["competing_events"] is not None:
                left.append(u.cell(_label("survival", cell, "competing_events"),
                                   row["competing_events"], False))  # fmt: skip
            after = u.unknown()
            u.sums(start, [*left, after])
            at_risk.append(start)
            events.append(event)
            starts.append(rows[k - 1]["t_days"] if k else 0)
            ends.append(row["t_days"])
        size[key] = at_risk[0]
        at_risk_from[key] = dict(zip(starts, at_risk, strict=True))
        returns_by[key] = {end: events[: i + 1] for i, end in enumerate(ends)}
    for key, var in size.items():
        other = _same_people(key)
        if other == key or other not in size:
            continue
        u.same(var, size[other])
        for day, start in at_risk_from.get(key, {}).items():
            if day in at_risk_from.get(other, {}):
                u.same(start, at_risk_from[other][day])
        for day, returns in returns_by.get(key, {}).items():
            if day in returns_by.get(other, {}):
                u.balance(returns, returns_by[other][day])
    groups: dict[tuple, list[int]] = {}
    for (curve_id, place, group), var in size.items():
        if "=" in group and not curve_id.startswith("compare:"):
            groups.setdefault((curve_id, place, "all", group.split("=")[0]), []).append(var)
        if place != LONDON_CODE and not curve_id.startswith("compare:"):
            groups.setdefault((curve_id, LONDON_CODE, group, "boroughs"), []).append(var)
    for (curve_id, place, group, kind), parts in groups.items():
        total = size.get((curve_id, place, group))
        if total is None:
            continue
        if kind == "boroughs" or kind in FAMILY_VALUES:
            u.sums(total, parts, overlapping=not additive and kind == "boroughs")
        else:  # a person can have several support needs: each group is at most the whole
            u.inequalities.extend({p: 1.0, total: -1.0} for p in parts)
    london = size.get(("return_to_street", LONDON_CODE, "all"))
    if london is None:
        return
    for (curve_id, place, group), var in size.items():
        if curve_id == "compare:borough" and group == "borough=rest_of_london":
            borough = size.get(("compare:borough", place, f"borough={place}"))
            if borough is not None:
                u.sums(london, [borough, var])
    pilots = size.get(("compare:pilot_vs_other", LONDON_CODE, "borough=pilots"))
    others = size.get(("compare:pilot_vs_other", LONDON_CODE, "borough=other_boroughs"))
    if pilots is not None and others is not None:
        u.sums(london, [pilots, others])


def _attack_pathways(u: _Unknowns, pathways: pl.DataFrame) -> None:
    """The flows of every pair of stages of a cohort add up to the cohort, which is never
    published: a cohort too small to show (1 to threshold - 1 people) is a hidden figure."""
    for cohort in pathways.partition_by(["cohort_period", "geography_code"], maintain_order=True):
        name = f"{cohort['cohort_period'][0]}|{cohort['geography_code'][0]}"
        small = (cohort["status"] == SUPPRESSED).any()
        size = (
            u.cell(_label("pathways", name, "cohort"), None, True, 1, u.config.threshold - 1)
            if small
            else u.unknown()
        )
        for pair in cohort.partition_by(["stage_from", "stage_to"], maintain_order=True):
            shown = [
                u.cell(_label("pathways", name, f"{a}>{b}"), c, False)
                for a, b, c, s in pair.select("state_from", "state_to", "count", "status").rows()
                if s != SUPPRESSED
            ]
            if shown:
                u.sums(size, shown)


def _attack_quality(u: _Unknowns, quality: pl.DataFrame) -> None:
    """Every count of the quality table; rows read = rows accepted + rows quarantined. Shares are
    published only as shown numerator over shown denominator, so they add nothing."""
    sums = {"rows_read": ("rows_accepted", "rows_quarantined")}
    for part in quality.partition_by(["source", "period"], maintain_order=True):
        var: dict[str, int] = {}
        for indicator, value, status in part.select("indicator", "value", "status").rows():
            if indicator.endswith(("_share", "_rate", "_fraction", "_pct")):
                continue
            name = f"{part['source'][0]}|{part['period'][0]}|{indicator}"
            var[indicator] = u.cell(_label("quality", name, "count"), value,
                                    status == SUPPRESSED)  # fmt: skip
        for total, parts in sums.items():
            if total in var and all(p in var for p in parts):
                u.sums(var[total], [var[p] for p in parts])


def _attack_evaluation(u: _Unknowns, evaluation: pl.DataFrame) -> None:
    """The pilot evaluation's people: in design 2, each pilot's two groups (a hidden one is
    between 1 and the threshold less one), which together are the people of the pilot borough
    housed since its start; in design 1, each side's people in a quarter, the same people as
    the outcome's published count for that borough and quarter (the pilot's side), or the sum
    of the others (no hidden figure: every part is published)."""
    threshold = u.config.threshold
    sizes = evaluation.filter(pl.col("statistic") == "group_size")
    for pilot_id, group, n, status in sizes.select("pilot_id", "group", "n", "status").rows():
        u.cell(_label("evaluation", f"{pilot_id}|{group}", "group size"), n,
               status == SUPPRESSED, 1, threshold - 1)  # fmt: skip
    shares = evaluation.filter(pl.col("statistic") == "share")
    for row in shares.select("pilot_id", "outcome", "group", "period_start", "n").rows():
        u.cell(_label("evaluation", "|".join(map(str, row[:4])), "people"), row[4], False)


def _attack_services(
    u: _Unknowns, services: pl.DataFrame, metric_vars: dict[str, list[int]]
) -> None:
    """The service directory's people: a hidden one is between 1 and the threshold less one.
    A borough's outreach teams in a year each saw some of the people the metrics table counts
    as seen rough sleeping there that year, and together all of them (the teams overlap)."""
    threshold = u.config.threshold
    teams: dict[tuple, list[int]] = {}
    for fy, place, kind, name, people, status in services.select(
        "period_start", "geography_code", "kind", "service", "people", "status"
    ).rows():
        hidden = status == SUPPRESSED
        var = u.cell(_label("services", f"{fy}|{place}|{kind}|{name}", "people"), people,
                     hidden, 1, threshold - 1)  # fmt: skip
        if kind == "outreach":
            teams.setdefault((fy, place), []).append(var)
    for (fy, place), parts in teams.items():
        total = metric_vars.get(f"seen_rough_sleeping|fy|{fy}|{place}|all")
        if total is not None:
            u.sums(total[0], parts, overlapping=True)


def release_intervals(
    tables: dict[str, pl.DataFrame],
    config: DisclosureConfig,
    *,
    additive: bool = False,
    quick: bool = True,
    exact: bool = False,
) -> pl.DataFrame:
    """One interval attack on a whole release: metrics, survival, pathways, quality, the pilot
    evaluation and the service directory together.

    Every shown count is a true count within its rounding; every relation within and between
    the tables (``named_relations`` for metrics; within and between curves; stage flows and
    their cohort; rows read, accepted and quarantined) holds at once. For each hidden figure,
    including each curve interval's people no longer followed, the smallest and largest value
    the intruder can prove.

    Args:
        tables: the published release tables by name; any may be missing.
        config: the disclosure settings the release was protected with.
        additive: treat borough and period relations as exact sums (tables where each person
            is in one borough and one month); otherwise a total is at most the sum of its parts
            and at least each part, as counts of distinct people are.
        quick, exact: as for ``intruder_intervals``.

    Returns:
        One row per hidden figure: ``table``, ``cell``, ``figure``, ``low``, ``high``; a null
        bound means the relations cannot hold together, which the tests treat as a fault.
    """
    return _release_unknowns(tables, config, additive=additive).solve(quick=quick, exact=exact)


def release_contradictions(
    tables: dict[str, pl.DataFrame], config: DisclosureConfig, *, additive: bool = False
) -> int:
    """How many independent pieces of the intruder's relations (``release_intervals``) the
    release contradicts: none, when every relation the intruder assumes is true of it. A
    contradiction means the intruder assumes more than the data gives (a relation that is not
    one), and an attack built on it proves nothing."""
    from scipy.optimize import linprog
    from scipy.sparse.csgraph import connected_components

    u = _release_unknowns(tables, config, additive=additive)
    a = u.matrix()
    incidence = (abs(a) > 0).astype(np.int8)
    _, piece_of = connected_components(incidence.T @ incidence, directed=False)
    low, high = np.array(u.low, dtype=float), np.array(u.high, dtype=float)
    is_equality = np.arange(a.shape[0]) < len(u.equalities)
    row_piece = piece_of[np.asarray(abs(a).argmax(axis=1)).ravel()]
    contradicted = 0
    for label in np.unique(row_piece):
        columns = np.flatnonzero(piece_of == label)
        eq = np.flatnonzero((row_piece == label) & is_equality)
        ub = np.flatnonzero((row_piece == label) & ~is_equality)
        result = linprog(
            np.zeros(len(columns)),
            A_eq=a[eq][:, columns] if len(eq) else None, b_eq=np.zeros(len(eq)) if len(eq) else None,
            A_ub=a[ub][:, columns] if len(ub) else None, b_ub=np.zeros(len(ub)) if len(ub) else None,
            bounds=np.column_stack([low[columns], high[columns]]),
            method="highs-ipm" if len(columns) > 2000 else "highs",
        )  # fmt: skip
        contradicted += result.status == 2  # infeasible
    return contradicted


def _release_unknowns(
    tables: dict[str, pl.DataFrame], config: DisclosureConfig, *, additive: bool
) -> _Unknowns:
    u = _Unknowns(config)
    metric_vars: dict[str, list[int]] = {}
    if tables.get("metrics") is not None and tables["metrics"].height:
        metric_vars = _attack_metrics(u, tables["metrics"], additive=additive)
    if tables.get("survival") is not None and tables["survival"].height:
        _attack_survival(u, tables["survival"], additive=additive)
    if tables.get("pathways") is not None and tables["pathways"].height:
        _attack_pathways(u, tables["pathways"])
    if tables.get("quality") is not None and tables["quality"].height:
        _attack_quality(u, tables["quality"])
    if tables.get("evaluation") is not None and tables["evaluation"].height:
        _attack_evaluation(u, tables["evaluation"])
    if tables.get("services") is not None and tables["services"].height:
        _attack_services(u, tables["services"], metric_vars)
    return u


def recovered(intervals: pl.DataFrame) -> pl.DataFrame:
    """The hidden figures an attack pins to one value other than zero (a zero could be shown)."""
    return intervals.filter((pl.col("low") == pl.col("high")) & (pl.col("high") > 0))
