"""What goes in the pack: the chart catalogue's entries for a pack edition, in catalogue order,
as pages. A chart entry becomes a page of its own; the sections here lay out the rest (cover,
headline table, map and ranking, pathways, returns to the street, methods)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import polars as pl

from app import catalogue, theme
from app.catalogue import PACK, Scene
from app.charts import borough_map, headline, pathways, returns
from app.charts.common import Words, is_share, long_date, period_label
from app.charts.describe import text_alternative
from app.data import (
    AIM_HEADLINES,
    HEADLINE_METRICS,
    ScopedRelease,
    extract_date,
)
from app.pack.edition import Edition, Page, as_of, chart_page, edition_role
from app.pack.pilots import pilot_pages
from contract.periods import add_months
from contract.reference import LONDON_CODE, borough_name
from contract.vocabulary import (
    PERIOD_WORDS,
    SOURCE_NAMES,
    SUPPRESSED,
    disclosure_paragraphs,
    fewer_than_at_risk,
    suppressed_meaning,
)

MAP_METRIC = "seen_rough_sleeping"


def _map_period(totals: pl.DataFrame) -> str:
    """The finest period in which most boroughs have a published figure (as the map page)."""
    for period_type in ("month", "quarter", "fy"):
        rows = totals.filter(pl.col("period_type") == period_type)
        if rows.is_empty():
            continue
        latest = rows.filter(pl.col("period_start") == rows.get_column("period_start").max())
        if latest.get_column("value").is_not_null().mean() >= 0.5:  # type: ignore[operator]
            return period_type
    return "fy"


def _headline_rows(
    words: Words, metrics: pl.DataFrame, geography: str, compare: str | None
) -> tuple[list[list[str]], bool]:
    header = ["Indicator", "Period", "Figure", "Previous period", "Same period a year before"]
    if compare:
        header = [*header[:3], "Previous period", "Year before", "London"]
    rows = [header]
    suppressed = False
    for period_type in ("month", "quarter", "fy"):
        # the aims are monthly measures (as on the dashboard's tiles): the latest month only
        aims = AIM_HEADLINES if period_type == "month" else ()
        for m in (*HEADLINE_METRICS, *aims):
            h = headline.as_shown(words, headline.headline(metrics, m, period_type, geography))
            if h.period_start is None:
                continue
            share = is_share(words.definition(m))

            def change(before, before_status, h=h, share=share):
                text = words.figure(before, before_status, share=share)
                delta = h.value - before if h.value is not None and before is not None else None
                return text if delta is None else f"{text} ({delta:+,.0f}{' pts' if share else ''})"

            row = [
                words.title(m),
                h.label,
                words.figure(h.value, h.status, share=share),
                change(h.previous, h.previous_status),
                # a year's previous period is the year before: say it once
                "as previous" if period_type == "fy" else change(h.last_year, h.last_year_status),
            ]
            if compare:
                london = headline.as_shown(
                    words,
                    headline.headline(
                        metrics, m, period_type, compare, period_start=h.period_start
                    ),
                )
                row.append(words.figure(london.value, london.status, share=share))
            suppressed |= SUPPRESSED in row
            rows.append(row)
    return rows, suppressed


def plan(release: ScopedRelease, edition: Edition) -> list[Page]:
    """The pages of the pack, in the order of the chart catalogue (``app.catalogue``), built
    with the dashboard's chart functions."""
    code = edition.geography
    geos = [code, LONDON_CODE] if edition.borough else [LONDON_CODE]
    scene = Scene(
        Words(release.manifest),
        as_of(release.metrics(geographies=geos, breakdown=None), edition.month),
        code,
        LONDON_CODE if edition.borough else None,
        survival=release.survival("return_to_street", geos),
    )
    pages: list[Page] = []
    for entry in catalogue.entries(PACK, edition_role(edition.borough).kind, code):
        section = SECTIONS.get(entry.key)
        if section is not None:
            pages.extend(section(release, edition, scene))
        else:
            assert entry.draw is not None, entry.key
            pages.append(chart_page(entry.draw(scene), scene.words))
    for page in pages:  # each chart in words, for the image's alternative text
        for chart in page.charts:
            chart.alt_text = chart.alt_text or text_alternative(chart, scene.words.title)
    return pages


def _cover_section(release: ScopedRelease, edition: Edition, scene: Scene) -> list[Page]:
    return [_cover(release, edition)]


def _headlines(release: ScopedRelease, edition: Edition, scene: Scene) -> list[Page]:
    words = scene.words
    rows, suppressed = _headline_rows(
        words, scene.metrics, scene.geography, scene.compare_geography
    )
    notes = ["Changes are between rounded counts; each period is the latest complete one."]
    if suppressed:
        notes.append(suppressed_meaning(words.sdc))
    return [
        Page(
            "headlines",
            f"Headline indicators — {edition.place}, {edition.month_words}",
            words.footnote("Changes are between rounded counts."),
            words.subtitle(HEADLINE_METRICS) + " The Life off the Streets aims (the latest "
            "month) are defined on the methods page.",
            table=rows,
            notes=notes,
        )
    ]


def _map_section(release: ScopedRelease, edition: Edition, scene: Scene) -> list[Page]:
    return [_map_page(release, scene.words, edition)]


def _pathways(release: ScopedRelease, edition: Edition, scene: Scene) -> list[Page]:
    words, code, place, borough = scene.words, edition.geography, edition.place, edition.borough
    pages: list[Page] = []
    links = release.pathways(code)
    cohorts = sorted(set(links.get_column("cohort_period").to_list()))
    # the latest financial-year cohort whose year had ended by the pack's month
    ended = add_months(edition.month, 1)
    years = [c for c in cohorts if " " not in c and add_months(_cohort_start(c), 12) <= ended]
    cohort = years[-1] if years else None
    stages = (
        "Stages: before first seen (a housing approach, leaving an institution, or nothing "
        "known) → first response within 90 days → where people were at 6 months → and at 12 "
        "months. NSNO hub: a No Second Night Out assessment hub. 'Not known': no record in any "
        "source at that point, which is not the same as being settled."
    )
    if cohort is None:
        return [
            Page(
                "sankey",
                f"Pathways — {place}",
                words.footnote(),
                stages,
                notes=[
                    f"No pathways are published for {place} for a cohort whose year had ended "
                    f"by {edition.month_words}."
                ],
            )
        ]
    sankey = pathways.sankey_chart(words, links, code, cohort)
    page = chart_page(sankey, words)
    page.notes.insert(0, stages)
    pages.append(page)
    top = pathways.top_paths_chart(words, release.paths(code), code, cohort)
    if top.figure is not None or sankey.figure is not None:
        pages.append(chart_page(top, words))
    elif borough:
        # too few people to draw the borough's own: London's pathways, for context
        if sankey.empty_message:
            sankey.empty_message += " London's pathways for the same cohort follow."
        london = pathways.sankey_chart(words, release.pathways(LONDON_CODE), LONDON_CODE, cohort)
        if london.figure is not None:
            london.title += " (for context)"
            context = chart_page(london, words)
            context.notes.insert(0, stages)
            pages.append(context)
    return pages


def _returns(release: ScopedRelease, edition: Edition, scene: Scene) -> list[Page]:
    words, code, place, borough = scene.words, edition.geography, edition.place, edition.borough
    geos = [code, LONDON_CODE] if borough else [LONDON_CODE]
    curves = release.survival("return_to_street", geos)
    everyone = curves.filter((pl.col("group") == "all") & pl.col("estimate").is_not_null())
    lengths = dict(everyone.group_by("geography_code").len().iter_rows())
    # a curve that stops at its first step is a dot on paper: leave it out and say why
    drawn = [g for g in geos if lengths.get(g, 0) >= 2]
    survival = returns.survival_chart(
        words,
        curves.filter(pl.col("geography_code").is_in(drawn)),
        "return_to_street",
        code,
        groups=["all"],
        compare_geography=LONDON_CODE if borough and LONDON_CODE in drawn else None,
    )
    survival.title = f"{words.title('return_to_street')} — {place}"
    page = chart_page(survival, words)
    at_days = returns.survival_at_days(everyone)
    read = []
    for g in drawn:
        rows_g = at_days.filter(pl.col("geography_code") == g)
        parts = [
            f"{d} days {e:.0f}%" if e is not None else f"{d} days (curve ended)"
            for d, e in zip(rows_g["day"], rows_g["estimate_pct"], strict=True)
        ]
        read.append(f"{borough_name(g)}: " + ", ".join(parts))
    if read:
        page.notes.insert(0, "Still off the street at " + "; ".join(read) + ".")
    if borough and borough not in drawn:
        page.notes.insert(
            0,
            f"{place}: too few people moved into accommodation to draw a curve (it stops once "
            f"{fewer_than_at_risk(words.sdc)} remain at risk); "
            "London is shown for context.",
        )
    return [page]


def _pilots(release: ScopedRelease, edition: Edition, scene: Scene) -> list[Page]:
    return pilot_pages(release, scene.words)


def _methods_section(release: ScopedRelease, edition: Edition, scene: Scene) -> list[Page]:
    return [_methods(release, edition, scene.words)]


Section = Callable[[ScopedRelease, Edition, Scene], list[Page]]
SECTIONS: dict[str, Section] = {
    "cover": _cover_section,
    "headlines": _headlines,
    "map": _map_section,
    "pathways": _pathways,
    "returns": _returns,
    "pilots": _pilots,
    "methods": _methods_section,
}
"""The catalogue's entries the pack lays out itself (pages of tables, text, or several charts)."""


def _cohort_start(cohort: str) -> date:
    """'2023-24' (a financial year) starts in April 2023; '2023-24 Q2' in July 2023."""
    fy, _, quarter = cohort.partition(" ")
    year = int(fy[:4])
    start = date(year, 4, 1)
    if quarter.startswith("Q") and quarter[1:].isdigit():
        start = add_months(start, 3 * (int(quarter[1:]) - 1))
    return start


def _map_page(release: ScopedRelease, words: Words, edition: Edition) -> Page:
    totals = pl.concat([release.borough_totals(MAP_METRIC, p) for p in ("month", "quarter", "fy")])
    totals = as_of(totals, edition.month)
    period_type = _map_period(totals)
    totals = totals.filter(pl.col("period_type") == period_type)
    if totals.is_empty():
        return Page(
            "map",
            f"{words.title(MAP_METRIC)} by borough",
            words.footnote(),
            words.subtitle([MAP_METRIC]),
            notes=["This release has no borough figures for this indicator."],
        )
    latest = totals.get_column("period_start").max()
    bands = theme.count_bands(
        totals.get_column("value").to_list(),
        threshold=release.manifest.sdc.threshold,
    )
    chart = borough_map.borough_map(
        words,
        totals,
        MAP_METRIC,
        latest,  # type: ignore[arg-type]
        bands,
        selected=edition.borough,
        style=edition.map_style,
        static=True,
        period_type=period_type,
    )
    ranking = borough_map.borough_ranking_chart(
        words,
        chart.data,
        MAP_METRIC,
        latest,  # type: ignore[arg-type]
        period_type=period_type,
        selected=edition.borough,
    )
    notes = list(ranking.notes)
    if period_type != "month":
        notes.append(
            f"Shown by {PERIOD_WORDS[period_type]}: most boroughs' monthly figures count "
            f"{words.fewer_than} people and are suppressed."
        )
    if edition.borough:
        name = borough_name(edition.borough)
        row = chart.data.filter(pl.col("geography_code") == edition.borough)
        ranked = ranking.data.get_column("geography_code").to_list()
        where = (
            f"{ranked.index(edition.borough) + 1} of {len(ranked)} boroughs with a published figure"
            if edition.borough in ranked
            else "not ranked (figure suppressed)"
        )
        value = row["value"].item()
        notes.insert(
            0,
            f"{name} (outlined on the map, orange in the ranking): {value:,.0f}, band "
            f"{row['band'].item()}, {where}."
            if value is not None
            else f"{name} (outlined on the map): figure suppressed, so not ranked.",
        )
    notes.append("Other boroughs appear here by their published totals only.")
    notes += chart.notes  # the boundaries' attribution, under the map
    return Page(
        "map",
        f"{words.title(MAP_METRIC)} by borough, map and ranking — "
        f"{period_label(latest, period_type)}",  # type: ignore[arg-type]
        chart.footnote,
        chart.subtitle,
        charts=[chart, ranking],
        widths=[0.52, 0.48],
        notes=notes,
        legend=[(b.colour, b.label) for b in bands]
        + [(theme.SUPPRESSED_FILL, words.suppressed_label)],
    )


def _cover(release: ScopedRelease, edition: Edition) -> Page:
    info = release.manifest
    words = Words(info)
    period = f"{info.data_period.start:%B %Y} to {info.data_period.end:%B %Y}"
    extracts = ", ".join(
        f"{SOURCE_NAMES.get(k, k)} {long_date(v)}"
        for k, v in sorted(info.source_extract_dates.items())
    ) or long_date(extract_date(info))
    audience = (
        f"Borough edition for {edition.place}: {edition.place} in detail, London for context, "
        "and other boroughs' published totals on the map."
        if edition.borough
        else "London edition: London as a whole, and every borough's published totals."
    )
    paragraphs = [
        ("H", f"Rough sleeping in {edition.place}"),
        ("B", edition.month_words),
        ("", audience),
        ("", f"Data period: {period}."),
        ("", f"Extract dates: {extracts}."),
        (
            "",
            f"Release {info.release_id}; definitions version {info.definitions_version or '?'}; "
            f"code version {info.code_version or '?'}.",
        ),
    ]
    if info.synthetic:
        paragraphs.append(("W", "Synthetic data — not real people."))
    return Page(
        "cover",
        f"Pathways: monthly taskforce chart pack — {edition.place}, {edition.month_words}",
        words.footnote(),
        paragraphs=paragraphs,
        cover=True,
    )


def _methods(release: ScopedRelease, edition: Edition, words: Words) -> Page:
    info = release.manifest
    sdc = info.sdc.model_dump()
    paragraphs: list[tuple[str, str]] = [
        ("H", "Where the figures come from"),
        (
            "",
            "Pathways links the records that London's street outreach teams (CHAIN), borough "
            "housing options services (H-CLIC) and hostel providers (In-Form) keep about the same "
            "people, turns them into anonymised journeys, and publishes only counts that passed "
            "disclosure control. This pack reads that published release and nothing else: it "
            "never sees a name, a date of birth, a pseudonym or a single person's record.",
        ),
        (
            "",
            f"Release {info.release_id}, data from {info.data_period.start} to {info.data_period.end}; "
            + "; ".join(
                f"{SOURCE_NAMES.get(k, k)} extract {v.isoformat()}"
                for k, v in sorted(info.source_extract_dates.items())
            )
            + f". Definitions version {info.definitions_version or 'not recorded'}; code version "
            f"{info.code_version or 'not recorded'}.",
        ),
        (
            "",
            f"Counts, trends, the headline table and the map stop at {edition.month_words}: "
            "a quarter or year still under way then is not shown. Pathways and returns to the "
            "street follow cohorts over time, so they use every month of the release.",
        ),
        ("H", "Small numbers are suppressed and counts rounded"),
        *(("", text) for text in disclosure_paragraphs(sdc)),
        (
            "",
            "Disclosure settings of this release: "
            + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in sdc.items())
            + ".",
        ),
    ]
    if info.synthetic:
        paragraphs.append(
            (
                "W",
                "This release is synthetic: generated data, not real people. Its figures "
                "resemble London's but describe nobody.",
            )
        )
    paragraphs.append(("H", "Definitions used in this pack"))
    drawn = catalogue.entries(PACK, edition_role(edition.borough).kind, edition.geography)
    shown = [*HEADLINE_METRICS, *AIM_HEADLINES, *(m for e in drawn for m in e.metrics)]
    shown += ["return_to_street", "pathways"]
    for metric_id in dict.fromkeys(shown):
        d = words.definition(metric_id)
        if d.definition:
            paragraphs.append(
                ("", f"**{d.title}** (version {d.version}): {d.definition.rstrip('.')}.")
            )
        elif metric_id == "pathways":
            paragraphs.append(
                (
                    "",
                    "**Pathways**: people first seen rough sleeping in the cohort period, followed "
                    "through four stages: what came before, the first response within 90 days, "
                    "and where they were at 6 and 12 months.",
                )
            )
        else:
            paragraphs.append(("", f"**{d.title}**: definition not given in this release."))
    paragraphs.append(("H", "Reading the comparisons"))
    paragraphs.append(
        (
            "",
            "Changes between periods are differences of rounded counts and can be out by a few "
            "people. The survival curves are Kaplan–Meier estimates with 95% confidence bands, "
            "worked out from the published interval counts; they describe what happened, and "
            "the groups were not assigned at random.",
        )
    )
    return Page(
        "methods",
        "Methods and disclosure",
        words.footnote(),
        paragraphs=paragraphs,
    )
