"""Disclosure control: the wall between person-level data and everything a person sees.

``protect`` turns the unsuppressed aggregate tables of the secure zone into the tables of a
release (SPEC sections 2.3 to 2.5, the ONS "10-5" rule by default):

* primary suppression: a count below the threshold becomes null with status ``suppressed``;
* rounding: every other count goes to the nearest multiple of the rounding base (zeros stay zero);
* secondary suppression: where figures add up (a breakdown family and its total, boroughs and
  London, flow_new + stock + returner = seen_rough_sleeping, months within a quarter, quarters
  and months within a financial year) more cells are hidden until no hidden cell can be worked
  out from what is shown (see ``docs/disclosure.md`` for exactly what is guaranteed);
* every other published number is worked out from published protected counts: shares only
  where the denominator is at least 10, as the shown numerator over the shown denominator, to
  whole percent; survival curves on fixed intervals of protected at-risk, event and death
  counts, with the estimates recomputed from them; small Sankey links folded into "other (small
  numbers)"; rare paths dropped; comparisons only between groups of at least the threshold;
* nationality never with a place finer than London, and no column outside the release schemas.

The functions are pure (frames in, frames out) so a run after erasing a person is just a rerun.

The package, in the order a table goes through it:

* ``rules``: the threshold, the rounding, what a safe count is, and what a release may name;
* ``cells``: secondary suppression over cells that add up or hold the same people;
* ``tables``: the tables of counts (metrics, Sankey links, paths, comparisons, quality), and
  ``protect``, which protects every release table;
* ``curves``: survival curves from protected counts;
* ``checks``: the final check, ``release_problems`` and ``assert_release_safe``.
"""

from pipelines.disclosure.checks import assert_release_safe, release_problems
from pipelines.disclosure.curves import protect_survival
from pipelines.disclosure.rules import (
    BREAKDOWN_FAMILIES,
    SUPPRESSED,
    count_is_safe,
    round_count,
    smallest_shown_count,
)
from pipelines.disclosure.tables import (
    QUALITY_SHARES,
    protect,
    protect_comparisons,
    protect_metrics,
    protect_paths,
    protect_pathways,
    protect_quality,
    protect_services,
)

__all__ = [
    "BREAKDOWN_FAMILIES",
    "QUALITY_SHARES",
    "SUPPRESSED",
    "assert_release_safe",
    "count_is_safe",
    "protect",
    "protect_comparisons",
    "protect_metrics",
    "protect_paths",
    "protect_pathways",
    "protect_quality",
    "protect_services",
    "protect_survival",
    "release_problems",
    "round_count",
    "smallest_shown_count",
]
