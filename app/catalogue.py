"""The one chart catalogue: which charts, in which order, for which roles, and where they are
drawn (a dashboard page, the monthly chart pack, or both).

The London overview and borough snapshot pages and the chart pack each walk this list in order
and draw the entries that name them, so a chart added here, or moved, moves everywhere at once.
An entry with a ``draw`` function is a chart of one place's metrics; an entry without one is a
section its place lays out itself (the headline tiles or table, the pack's map, pathways,
returns and methods pages), still chosen and ordered here. The interactive pages (borough map,
pathways, returns, comparisons) draw their charts from the same chart functions around their
own controls.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import polars as pl

from app.charts import returns, trends
from app.charts.common import Chart, Words
from contract.reference import LONDON_CODE

PACK = "pack"
"""The place name of the monthly chart pack (pages are named by their key in ``app.pages``)."""

ANALYSTS = ("london", "borough")
DATA_ROLES = (*ANALYSTS, "overview")

SHARES_AGAINST_LONDON = ("new_single_night", "prior_hclic_approach", "sustained_6m")
"""The shares a borough is set against London on (shares compare fairly across sizes)."""

BREAKDOWNS = ("age_band", "gender", "nationality_group")
"""The breakdowns offered for London as a whole (nationality is never shown for a borough)."""


@dataclass(frozen=True)
class Scene:
    """What a chart is drawn from: one place's metrics (already scoped to the role), the words
    of the release, and the place set beside it (London beside a borough)."""

    words: Words
    metrics: pl.DataFrame
    geography: str
    compare_geography: str | None = None
    breakdown: str = "age_band"
    survival: pl.DataFrame | None = None


@dataclass(frozen=True)
class Entry:
    """One chart (or section) of the catalogue.

    Attributes:
        key: its name, unique in the catalogue.
        about: what it shows, in a line.
        places: the pages (by key) and/or ``PACK`` that draw it.
        roles: the role kinds that see it on a page (a pack edition is the London or a borough
            lead's view).
        draw: the chart, from a ``Scene``; None for a section its place lays out itself.
        boroughs_only: drawn only for a borough (set against London), never for London.
        rule_before: the pages on which a dividing line comes before it.
        half: drawn at half width on a page, beside the next half-width entry.
    """

    key: str
    about: str
    places: tuple[str, ...]
    roles: tuple[str, ...] = DATA_ROLES
    draw: Callable[[Scene], Chart] | None = None
    boroughs_only: bool = False
    rule_before: tuple[str, ...] = ()
    half: bool = False


def _trend(scene: Scene) -> Chart:
    ids = ["seen_rough_sleeping"]
    return trends.by_readable_period(
        scene.words,
        scene.metrics,
        ids,
        scene.geography,
        lambda by: trends.trend_chart(
            scene.words, scene.metrics, ids, scene.geography, period_type=by,
            compare_geography=scene.compare_geography,
        ),
    )  # fmt: skip


def _by_readable_period(scene: Scene, ids: Sequence[str], draw: Callable[..., Chart]) -> Chart:
    return trends.by_readable_period(
        scene.words,
        scene.metrics,
        ids,
        scene.geography,
        lambda by: draw(scene.words, scene.metrics, scene.geography, period_type=by),
    )


def _flow_stock_returner(scene: Scene) -> Chart:
    return _by_readable_period(scene, trends.FLOW_STOCK_RETURNER, trends.flow_stock_returner_chart)


def _rare_brief_nonrecurrent(scene: Scene) -> Chart:
    return _by_readable_period(scene, trends.AIMS, trends.rare_brief_nonrecurrent)


def _against_london(scene: Scene) -> Chart:
    return trends.compare_to_london_chart(
        scene.words, scene.metrics, scene.geography, SHARES_AGAINST_LONDON
    )


def _breakdown(scene: Scene) -> Chart:
    return trends.breakdown_chart(
        scene.words, scene.metrics, "seen_rough_sleeping", scene.breakdown, scene.geography
    )


def _returns(scene: Scene) -> Chart:
    assert scene.survival is not None, "the returns chart needs the survival curves"
    return returns.survival_chart(
        scene.words, scene.survival, "return_to_street", scene.geography, groups=["all"],
        compare_geography=scene.compare_geography,
    )  # fmt: skip


CATALOGUE: tuple[Entry, ...] = (
    Entry("cover", "the pack's cover: place, month, data period, release", (PACK,), ANALYSTS),
    Entry("headlines", "headline counts for the latest month, quarter and year",
          ("overview", "snapshot", PACK)),
    Entry("trend", "people seen rough sleeping over time", ("overview", "snapshot", PACK),
          draw=_trend, rule_before=("overview", "snapshot")),
    Entry("flow-stock-returner", "everyone seen, split into new, stock and returners",
          ("overview", "snapshot", PACK), draw=_flow_stock_returner),
    Entry("rare-brief-nonrecurrent", "the three aims side by side", ("overview", PACK),
          ANALYSTS, draw=_rare_brief_nonrecurrent, rule_before=("overview",)),
    Entry("against-london", "a borough's shares set against London's", ("snapshot", PACK),
          ANALYSTS, draw=_against_london, boroughs_only=True, half=True),
    Entry("breakdown", "who is seen rough sleeping, by a breakdown the user picks (London)",
          ("overview",), ANALYSTS, draw=_breakdown, rule_before=("overview",)),
    Entry("breakdown-age", "people seen rough sleeping by age band", ("snapshot",), ANALYSTS,
          draw=_breakdown, half=True),
    Entry("map", "every borough's published total, as a map and a ranking", (PACK,), ANALYSTS),
    Entry("pathways", "where a cohort came from and went, and the most common paths", (PACK,),
          ANALYSTS),
    Entry("returns", "return to the street after moving in", ("snapshot", PACK), ANALYSTS,
          draw=_returns),
    Entry("pilots", "each registered pilot's evaluation: design, estimate, interval, checks",
          (PACK,), ANALYSTS),
    Entry("methods", "where the figures come from, the disclosure rules and the definitions",
          (PACK,), ANALYSTS),
)  # fmt: skip

CATALOGUE_BY_KEY = {entry.key: entry for entry in CATALOGUE}


def entries(place: str, role_kind: str, geography: str = LONDON_CODE) -> list[Entry]:
    """The entries drawn in ``place`` (a page key or ``PACK``) for this role and place, in
    catalogue order."""
    return [
        e
        for e in CATALOGUE
        if place in e.places
        and role_kind in e.roles
        and not (e.boroughs_only and geography == LONDON_CODE)
    ]
