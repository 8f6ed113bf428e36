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


def relation_groups(cells: pl.DataFrame) -> list[tuple[int, list[int]]]:
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

    frame = pl.concat(groups).sort("total", "parts")
    return [(int(t), [int(p) for p in ps]) for t, ps in frame.iter_rows()]


def same_size_ties(cells: pl.DataFrame) -> list[list[int]]:
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


def combination_ties(cells: pl.DataFrame) -> list[list[int]]:
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
        .sort("cells")
    )
    return [list(c) for c in ties.get_column("cells").to_list()]
