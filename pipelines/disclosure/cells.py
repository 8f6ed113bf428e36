"""Secondary suppression: cells that add up, and hiding more of them until none can be worked out.

Where figures add up (a breakdown family and its total, boroughs and London, flow_new + stock +
returner = seen_rough_sleeping and the other partitions of a count, a support need and the combinations of needs naming it, months
within a quarter, quarters and months within a financial year), a hidden cell could be found by subtraction; ``Cells.protect`` hides more cells until no
hidden cell can be worked out from what is shown (see ``docs/disclosure.md`` for exactly what is
guaranteed). Cells of the same people (a count and the shares whose denominator it is) are tied:
hidden together.
"""

from __future__ import annotations

from collections import deque

import numpy as np
import polars as pl

from contract.periods import period_index
from metrics.breakdowns import COMBINED_NEEDS
from pipelines.config import DisclosureConfig
from pipelines.disclosure.rules import (
    COMBINATION_FAMILY,
    MOVED_PARTS,
    MOVED_TOTAL,
    NEED_FAMILY,
    SEEN_DAY_PARTS,
    SEEN_PARTS,
    SEEN_TOTAL,
    breakdown_family,
)

NEEDS_PATTERN = "|".join(sorted(COMBINED_NEEDS, key=len, reverse=True))


class Cells:
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
        masses = np.asarray(masses, dtype=np.int64)
        self.mass_a: list[int] = masses[:, 0].tolist()
        self.mass_b: list[int] = masses[:, 1].tolist()
        hidden = np.asarray(suppressed, dtype=bool)
        self.suppressed: list[bool] = hidden.tolist()
        # A hidden cell whose size (count or denominator) is not secret: a share hidden only
        # because few or nearly all of its people had the outcome. It does not hide its ties.
        known = (
            np.asarray(size_known, dtype=bool) if size_known is not None else np.zeros_like(hidden)
        )
        self.hides_size: list[bool] = (hidden & ~known).tolist()
        self.threshold = config.threshold

    def protect(self, groups: pl.DataFrame, ties: pl.DataFrame) -> list[bool]:
        """Hide more cells until every relation is safe; return the suppression mask.

        A relation is safe when its hidden parts cannot be worked out from the rest. The
        guarantee, with the total and every visible part known exactly (the worst case, before
        rounding blurs them): either nothing is hidden, or at least two parts are hidden and, for
        each mass, ``total - sum(visible)`` is zero or less (nothing to learn) or at least the
        threshold, and the hidden parts together hold more people than there are hidden parts
        (so no hidden part is pinned to exactly one person).

        Args:
            groups: the additive relations, one row each (``relation_groups``): the total cell
                (``total``) and the part cells (``parts``), worked through in row order.
            ties: cells of equal size (a count, and shares whose denominator is that count),
                one tie a row (``cells``): when one is hidden for its size, the others are
                hidden too, else they would show the hidden size.
        """
        n_cells, t = len(self.suppressed), self.threshold
        totals_np = groups.get_column("total").to_numpy().astype(np.int64)
        flat_np, offsets_np, lengths = _flat(groups.get_column("parts"))
        group_of_part = np.repeat(np.arange(len(totals_np), dtype=np.int64), lengths)

        # Each relation's running state: its hidden parts, and the people in its visible parts.
        hidden_np = np.asarray(self.suppressed, dtype=bool)
        mass_a_np, mass_b_np = np.array(self.mass_a, np.int64), np.array(self.mass_b, np.int64)
        shown = ~hidden_np[flat_np]
        n_hidden = np.bincount(group_of_part, ~shown, len(totals_np)).astype(np.int64).tolist()
        shown_a = np.bincount(group_of_part, mass_a_np[flat_np] * shown, len(totals_np))
        shown_b = np.bincount(group_of_part, mass_b_np[flat_np] * shown, len(totals_np))
        left_a = (mass_a_np[totals_np] - shown_a.astype(np.int64)).tolist()
        left_b = (mass_b_np[totals_np] - shown_b.astype(np.int64)).tolist()

        # Queue entries: a relation as its index g >= 0, a tie t as -(t + 1).
        tie_cells, tie_offsets_np, tie_lengths = _flat(ties.get_column("cells"))
        tie_index = np.repeat(np.arange(ties.height, dtype=np.int64), tie_lengths)
        # A hidden cell queues the relations it is in (in order, its own total first) and its ties.
        at_total = offsets_np[:-1] + np.arange(len(totals_np))
        member = np.empty(len(totals_np) + len(flat_np), dtype=np.int64)
        member[at_total] = totals_np
        member[np.arange(len(flat_np)) + group_of_part + 1] = flat_np
        in_relation_of, in_relation_at = _by_cell(
            np.concatenate([member, tie_cells]),
            np.concatenate([np.repeat(np.arange(len(totals_np)), lengths + 1), -(tie_index + 1)]),
            n_cells,
        )
        part_of, part_at = _by_cell(flat_np, group_of_part, n_cells)
        totals, flat, offsets = totals_np.tolist(), flat_np.tolist(), offsets_np.tolist()
        tie_flat, tie_offsets = tie_cells.tolist(), tie_offsets_np.tolist()
        suppressed, hides_size = self.suppressed, self.hides_size
        mass_a, mass_b = self.mass_a, self.mass_b

        queue: deque[int] = deque(
            np.flatnonzero(hidden_np[totals_np] | (np.asarray(n_hidden) > 0)).tolist()
        )
        sizes_hidden = np.bincount(tie_index, np.asarray(hides_size)[tie_cells], ties.height)
        queue.extend((-(np.flatnonzero(sizes_hidden > 0) + 1)).tolist())

        def hide(cell: int) -> None:
            if hides_size[cell]:
                return
            hides_size[cell] = True
            if not suppressed[cell]:
                suppressed[cell] = True
                a, b = mass_a[cell], mass_b[cell]
                for g in part_of[part_at[cell] : part_at[cell + 1]]:
                    n_hidden[g] += 1
                    left_a[g] += a
                    left_b[g] += b
            queue.extend(in_relation_of[in_relation_at[cell] : in_relation_at[cell + 1]])

        def is_safe(g: int) -> bool:
            hidden = n_hidden[g]
            if not hidden:
                return True
            if hidden < 2:
                return False
            residual_a, residual_b = left_a[g], left_b[g]
            if 0 < residual_a < t or 0 < residual_b < t:
                return False
            people = residual_a + residual_b
            return people <= 0 or (people >= t and people > hidden)

        closed = [False] * len(totals)
        # A tie is queued only once one of its cells hides its size, so its first turn hides
        # them all and any later turn has nothing left to do.
        tie_done = [False] * ties.height
        while queue:
            index = queue.popleft()
            if index < 0:
                tie = -index - 1
                if not tie_done[tie]:
                    tie_done[tie] = True
                    for cell in tie_flat[tie_offsets[tie] : tie_offsets[tie + 1]]:
                        if not hides_size[cell]:
                            hide(cell)
                continue
            if closed[index]:
                continue
            total = totals[index]
            if suppressed[total]:
                parts = flat[offsets[index] : offsets[index + 1]]
                closed[index] = True  # every part hidden once: nothing more can change here
                # The breakdown of a hidden total is hidden too, zeros included: otherwise a
                # small group could be seen to sit wholly in one category.
                for p in parts:
                    if not hides_size[p]:
                        hide(p)
                continue
            if is_safe(index):
                continue
            parts = flat[offsets[index] : offsets[index + 1]]
            while not is_safe(index):
                candidates = [p for p in parts if not suppressed[p]]
                nonzero = [p for p in candidates if mass_a[p] + mass_b[p] > 0]
                if nonzero:
                    # Hide the smallest visible part: the least information lost.
                    hide(min(nonzero, key=lambda p: (mass_a[p] + mass_b[p], p)))
                elif candidates and n_hidden[index] < 2:
                    hide(candidates[0])
                else:
                    hide(total)
                    for p in parts:
                        hide(p)
                    break
        return suppressed


def _flat(lists: pl.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A column of lists of cells as one flat array, the offsets of each list in it and their
    lengths: list ``i`` is ``flat[offsets[i]:offsets[i + 1]]``."""
    lengths = lists.list.len().to_numpy().astype(np.int64)
    flat = lists.explode().drop_nulls().to_numpy().astype(np.int64)
    return flat, np.concatenate([[0], np.cumsum(lengths)]), lengths


def _by_cell(cells: np.ndarray, entries: np.ndarray, n_cells: int) -> tuple[list[int], list[int]]:
    """Entries grouped by cell, keeping their order within a cell: ``entries[at[c]:at[c + 1]]``."""
    order = np.argsort(cells, kind="stable")
    at = np.concatenate([[0], np.cumsum(np.bincount(cells, minlength=n_cells))])
    return entries[order].tolist(), at.tolist()


def relation_groups(cells: pl.DataFrame) -> pl.DataFrame:
    """Every additive relation among metric rows, one row each: ``total`` (the total cell) and
    ``parts`` (the part cells), sorted."""
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
    parts = cells.filter(pl.col("breakdown") != "all").with_columns(family=breakdown_family())
    totals = cells.filter(pl.col("breakdown") == "all")
    family_keys = [*keys_time, "geography_code"]
    collect(totals.join(parts.select(*family_keys, "family").unique(), on=family_keys), parts,
            [*family_keys, "family"])  # fmt: skip

    # A need and the combinations naming it: support_need=alcohol is the sum of the
    # support_combination groups with alcohol in them (each person is in one combination).
    combos = (
        parts.filter(pl.col("family") == COMBINATION_FAMILY)
        .with_columns(
            need=pl.col("breakdown").str.split("=").list.get(1).str.extract_all(NEEDS_PATTERN)
        )
        .explode("need")
    )
    needs = parts.filter(pl.col("family") == NEED_FAMILY).with_columns(
        need=pl.col("breakdown").str.split("=").list.get(1)
    )
    collect(needs, combos, [*family_keys, "need"])

    # Boroughs and London: London minus the visible boroughs (treated as if people counted once).
    geo_keys = [*keys_time, "breakdown"]
    collect(
        cells.filter(pl.col("geography_type") == "london"),
        cells.filter(pl.col("geography_type") == "borough"),
        geo_keys,
    )

    # Partitions of a count: CHAIN's flow_new + stock + returner = seen_rough_sleeping; the
    # bands of days seen = seen_rough_sleeping; the kinds of move = moved_into_accommodation.
    counts = cells.filter(~pl.col("_share"))
    part_keys = ["period_type", "period_start", "geography_code", "breakdown"]
    for total, parts_of in (
        (SEEN_TOTAL, SEEN_PARTS),
        (SEEN_TOTAL, SEEN_DAY_PARTS),
        (MOVED_TOTAL, MOVED_PARTS),
    ):
        collect(
            counts.filter(pl.col("metric_id") == total),
            counts.filter(pl.col("metric_id").is_in(parts_of)),
            part_keys,
        )

    # Cumulative periods: months in a quarter, quarters and months in a financial year.
    place_keys = ["metric_id", "geography_code", "breakdown"]
    timed = cells.with_columns(
        _q=period_index("quarter", pl.col("period_start")),
        _fy=period_index("fy", pl.col("period_start")),
    )
    months = timed.filter(pl.col("period_type") == "month")
    quarters = timed.filter(pl.col("period_type") == "quarter")
    years = timed.filter(pl.col("period_type") == "fy")
    for total_frame, part_frame, key in (
        (quarters, months, "_q"),
        (years, quarters, "_fy"),
        (years, months, "_fy"),
    ):
        collect(total_frame, part_frame, [*place_keys, key])

    # The relations of one total have parts that differ from it in different ways (breakdown,
    # place, measure or period), so no two share a part: the first part orders them as the whole
    # list of parts would, without comparing lists.
    return (
        pl.concat(groups)
        .with_columns(_first=pl.col("parts").list.first())
        .sort("total", "_first")
        .drop("_first")
    )


def same_size_ties(cells: pl.DataFrame) -> pl.DataFrame:
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
    )
    return _by_first_cell(ties)


def combination_ties(cells: pl.DataFrame) -> pl.DataFrame:
    """The combinations of needs naming one need or more, of one metric, period and place: hidden
    together. Each need's group is a sum of four of them, and three such sums with the total
    could pin one hidden combination (the drugs group less the alcohol group, say) even when
    each sum alone is safe; with all seven hidden, none can be worked out from the four sums.
    """
    named = cells.filter(
        (breakdown_family() == COMBINATION_FAMILY)
        & (pl.col("breakdown") != f"{COMBINATION_FAMILY}=none")
    )
    ties = (
        named.group_by("metric_id", "period_type", "period_start", "geography_code")
        .agg(cells=pl.col("_cell").sort())
        .filter(pl.col("cells").list.len() > 1)
    )
    return _by_first_cell(ties)


def _by_first_cell(ties: pl.DataFrame) -> pl.DataFrame:
    """Ties in the order of their sorted cells: each cell is in one tie of a kind, so the first
    cell orders them as the whole list would, without comparing lists."""
    return ties.sort(pl.col("cells").list.first()).select("cells")
