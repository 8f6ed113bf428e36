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

from app.charts import equity, outcomes, returns, trends
from app.charts.common import Chart, Words, place_name
from contract.reference import LONDON_CODE
from contract.vocabulary import PERIOD_WORDS

PACK = "pack"
"""The place name of the monthly chart pack (pages are named by their key in ``app.pages``)."""

ANALYSTS = ("london", "borough")
DATA_ROLES = (*ANALYSTS, "overview")

SHARES_AGAINST_LONDON = ("new_single_night", "prior_hclic_approach", "sustained_6m")
"""The shares a borough is set against London on (shares compare fairly across sizes)."""

BREAKDOWNS = (
    "age_band", "gender", "ethnic_group", "support_combination", "institution", "nationality_group"
)  # fmt: skip
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
        metrics: the registry metric ids it draws (``metrics.registry``): a test checks that
            every metric of the registry is drawn on a page and in the pack.
        heading: a heading a page puts above it (the Life off the Streets aim it belongs to).
    """

    key: str
    about: str
    places: tuple[str, ...]
    roles: tuple[str, ...] = DATA_ROLES
    draw: Callable[[Scene], Chart] | None = None
    boroughs_only: bool = False
    rule_before: tuple[str, ...] = ()
    half: bool = False
    metrics: tuple[str, ...] = ()
    heading: str = ""


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


def _metric_trend(title: str, ids: Sequence[str]) -> Callable[[Scene], Chart]:
    """A trend of registry metrics by the finest readable period, titled for its aim."""

    def draw(scene: Scene) -> Chart:
        def by(period_type: str) -> Chart:
            return trends.trend_chart(
                scene.words, scene.metrics, ids, scene.geography, period_type=period_type,
                title=f"{title} — {place_name(scene.geography)}, by {PERIOD_WORDS[period_type]}",
                key=f"outcome-{'-'.join(ids)}-{scene.geography}-{period_type}",
            )  # fmt: skip

        chart = trends.by_readable_period(scene.words, scene.metrics, ids, scene.geography, by)
        values = chart.data.get_column("value") if "value" in chart.data.columns else None
        if chart.figure is not None and values is not None and values.is_null().all():
            # an axis with nothing on it looks broken: say why instead
            chart.figure, chart.empty_message = (
                None,
                (
                    f"Nothing to draw: every figure here for {place_name(scene.geography)} is "
                    "suppressed to protect small numbers."
                ),
            )
        return chart

    return draw


def _inflow_outflow(scene: Scene) -> Chart:
    return _by_readable_period(
        scene, (outcomes.INFLOW, outcomes.OUTFLOW), outcomes.inflow_outflow_chart
    )


MOVE_KINDS = (
    "moved_to_hostel", "moved_to_supported_housing", "moved_to_housing_first",
    "moved_to_temporary_accommodation", "moved_to_settled",
)  # fmt: skip
DAYS_SEEN = ("seen_1_day", "seen_2_5_days", "seen_6_10_days", "seen_over_10_days")


def _parts(
    title: str, key: str, ids: tuple[str, ...], note: str, period_type: str | None = None
) -> Callable[[Scene], Chart]:
    """Stacked counts that add up to a whole, by ``period_type`` or else the finest readable
    period."""

    def draw(scene: Scene) -> Chart:
        def by(period: str) -> Chart:
            chart = outcomes.parts_chart(
                scene.words, scene.metrics, ids, scene.geography, period_type=period,
                title=title, key=key,
            )  # fmt: skip
            chart.notes.insert(0, note)
            return chart

        if period_type is not None:
            return by(period_type)
        return trends.by_readable_period(scene.words, scene.metrics, ids, scene.geography, by)

    return draw


def _returned_at_months(scene: Scene) -> Chart:
    assert scene.survival is not None, "return at 3, 6 and 12 months needs the survival curves"
    return outcomes.returned_at_months_chart(
        scene.words, scene.survival, scene.geography, compare_geography=scene.compare_geography
    )


def _outcome(
    key: str, about: str, heading: str, ids: tuple[str, ...], title: str, **kwargs
) -> Entry:
    """An Outcomes chart of registry metrics over time, on the Outcomes page and in the pack."""
    return Entry(key, about, ("outcomes", PACK), ANALYSTS, draw=_metric_trend(title, ids),
                 metrics=ids, heading=heading, **kwargs)  # fmt: skip


NO_FIRST_NIGHT = "No first night out, no second night out"
NO_LIVING = "No living on the streets"
NO_RETURN = "No return to the streets"
LIFE_OFF_THE_STREETS = (NO_FIRST_NIGHT, NO_LIVING, NO_RETURN)
"""The three aims of London's Life off the Streets programme, the Outcomes page's sections."""


def _equity(scene: Scene) -> Chart:
    return equity.equity_chart(scene.words, scene.metrics, scene.breakdown, scene.geography)


EQUITY = "Who is seen, and who moves on"
"""The heading of the equity views: outcomes by age, gender, ethnic group, needs and history."""


def equity_breakdowns(geography: str) -> tuple[str, ...]:
    """The breakdowns an equity view offers for a place: never nationality for a borough."""
    return tuple(
        b for b in equity.EQUITY_BREAKDOWNS
        if geography == LONDON_CODE or not b.startswith("nationality")
    )  # fmt: skip


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
          draw=_trend, rule_before=("overview", "snapshot"), metrics=("seen_rough_sleeping",)),
    Entry("flow-stock-returner", "everyone seen, split into new, stock and returners",
          ("overview", "snapshot", PACK), draw=_flow_stock_returner,
          metrics=trends.FLOW_STOCK_RETURNER),
    Entry("rare-brief-nonrecurrent", "the three aims side by side", ("overview", PACK),
          ANALYSTS, draw=_rare_brief_nonrecurrent, rule_before=("overview",), metrics=trends.AIMS),
    Entry("against-london", "a borough's shares set against London's", ("snapshot", PACK),
          ANALYSTS, draw=_against_london, boroughs_only=True, half=True,
          metrics=SHARES_AGAINST_LONDON),
    Entry("breakdown", "who is seen rough sleeping, by a breakdown the user picks (London)",
          ("overview",), ANALYSTS, draw=_breakdown, rule_before=("overview",)),
    Entry("breakdown-age", "people seen rough sleeping by age band", ("snapshot",), ANALYSTS,
          draw=_breakdown, half=True),
    Entry("map", "every borough's published total, as a map and a ranking", (PACK,), ANALYSTS),
    Entry("pathways", "where a cohort came from and went, and the most common paths", (PACK,),
          ANALYSTS),
    Entry("returns", "return to the street after moving in", ("snapshot", PACK), ANALYSTS,
          draw=_returns),
    _outcome("outcome-new", "new people, and new people who had left an institution",
             NO_FIRST_NIGHT, ("flow_new", "p2_left_institution"),
             "New people, and those leaving institutions"),
    _outcome("outcome-new-shares", "of new people, seen one night only and had approached "
             "their council", NO_FIRST_NIGHT, ("new_single_night", "prior_hclic_approach"),
             "No second night out, missed prevention"),
    _outcome("outcome-p1", "people new to the borough (P1)", NO_FIRST_NIGHT,
             ("p1_new_to_borough",), "New to the borough (P1)", boroughs_only=True),
    _outcome("outcome-living", "people living on the streets and seen intermittently",
             NO_LIVING, ("living_on_streets", "intermittent"),
             "Living on the streets, and intermittent"),
    _outcome("outcome-b1", "long-term rough sleeping (B1)", NO_LIVING, ("b1_long_term",),
             "Long-term rough sleeping (B1)"),
    Entry("inflow-outflow", "new people against people moved into accommodation, net change",
          ("outcomes", PACK), ANALYSTS, draw=_inflow_outflow,
          metrics=("flow_new", "moved_into_accommodation"), heading=NO_LIVING),
    Entry("destinations", "moves into accommodation by kind", ("outcomes", PACK), ANALYSTS,
          draw=_parts("Moves into accommodation by kind", "destinations", MOVE_KINDS,
                      "Each person counts once, under the kind of their first move of the period, "
                      "so the kinds add up to everyone who moved into accommodation."),
          metrics=MOVE_KINDS, heading=NO_LIVING),
    Entry("days-seen", "people by the number of days seen rough sleeping in the year",
          ("outcomes", PACK), ANALYSTS,
          draw=_parts("How often people were seen rough sleeping", "days-seen", DAYS_SEEN,
                      "CHAIN's 'number of times seen', as separate days seen bedded down in the "
                      "year: the bands add up to everyone seen rough sleeping in it.", "fy"),
          metrics=DAYS_SEEN, heading=NO_LIVING),
    _outcome("outcome-nr1", "people returning to rough sleeping after a gap (NR1)", NO_RETURN,
             ("nr1_returning",), "Returning to rough sleeping (NR1)"),
    _outcome("outcome-sustained", "accommodation sustained 3, 6 and 12 months", NO_RETURN,
             ("sustained_3m", "sustained_6m", "sustained_12m"),
             "Accommodation sustained 3, 6, 12 months"),
    Entry("returned-at-months", "returned to the street 3, 6 and 12 months after moving in",
          ("outcomes", PACK), ANALYSTS, draw=_returned_at_months, heading=NO_RETURN),
    Entry("equity", "seen, moved in, living on the streets and sustained 12 months, by a group "
          "the user picks", ("outcomes",), ANALYSTS, draw=_equity, metrics=equity.EQUITY_METRICS,
          heading=EQUITY),
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
