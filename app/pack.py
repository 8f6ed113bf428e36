"""The monthly taskforce chart pack: the dashboard's charts, in the same order every month, as a
numbered A4 landscape PDF (and, on request, one PNG per chart).

The pack is built from a ``ScopedRelease``, the same scoped view of a release that the dashboard
pages use, and from the same chart functions (``app.charts``), so it shows exactly what the
dashboard shows to that role and nothing more. A London edition is built as the pan-London lead
sees the release; a borough edition as that borough's lead sees it: the borough in detail, London
for context, and other boroughs' published totals on the map only.

Charts are drawn to PNG by Kaleido in a local Chromium (``BROWSER_PATH``) with the Plotly.js that
ships with Plotly and no MathJax, so nothing is fetched from the internet. Text is set in DejaVu
Sans, shipped inside the package (``assets/fonts``, with its licence), so that £, – and
’ print the same on every host.

The monthly run draws every edition into the release (``release_packs``), so the internet-facing
app host serves finished files and runs no browser; ``pathways pack`` builds one by hand.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import plotly.graph_objects as go
import polars as pl
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from app import theme
from app.auth import Role
from app.charts import borough_map, common, headline, pathways, returns, trends
from app.charts.common import Chart, Words, period_label
from app.data import (
    HEADLINE_METRICS,
    ReleaseInfo,
    ScopedRelease,
    load_release,
    metric_title,
    pack_file_name,
)
from contract.errors import PathwaysError, SetupError
from contract.periods import MONTHS_IN, add_months
from contract.reference import ASSETS, LONDON_CODE, borough_codes, borough_name
from contract.vocabulary import PERIOD_WORDS, SOURCE_NAMES, curve_protection_words

FONT_DIR = ASSETS / "fonts"
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf", "I": "DejaVuSans-Oblique.ttf"}
FONT = "DejaVu"

# A4 landscape, in millimetres
PAGE_W, PAGE_H = 297.0, 210.0
MARGIN = 12.0
CONTENT_W = PAGE_W - 2 * MARGIN
FOOTER_H = 21.0  # footnote (up to three lines) and the page line
BODY_BOTTOM = PAGE_H - FOOTER_H - 4.0  # text and charts end here, clear of the footer
PX_PER_MM = 96 / 25.4  # charts are laid out at screen size, then drawn at twice the resolution
IMAGE_SCALE = 2

MAP_METRIC = "seen_rough_sleeping"
_RENDER_LOCK = threading.RLock()


def parse_month(text: str) -> date:
    """'2025-03' as the first of March 2025; a PathwaysError for anything else."""
    match = re.fullmatch(r"(\d{4})-(\d{2})", text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise PathwaysError(f"{text!r} is not a month written YYYY-MM (for example 2025-03).")
    return date(int(match.group(1)), int(match.group(2)), 1)


def as_of(metrics: pl.DataFrame, month: date) -> pl.DataFrame:
    """Only the periods that had ended by the end of ``month``: the pack for March never shows
    April, nor a quarter or year still under way in March."""
    keep = pl.lit(False)
    for period_type, months in MONTHS_IN.items():
        last_start = add_months(month, 1 - months)
        keep = keep | (
            (pl.col("period_type") == period_type) & (pl.col("period_start") <= last_start)
        )
    return metrics.filter(keep)


# -- what goes in the pack --------------------------------------------------------------------


@dataclass
class Page:
    """One section of the pack: a titled page (continued on more pages if its text runs over).

    ``charts`` are drawn side by side in the space left under the subtitle; ``table`` is a
    header row and body rows; ``paragraphs`` are (style, text) pairs: style 'H' a heading, 'B'
    bold, 'W' a warning box, '' plain text (with **bold** marks).
    """

    key: str
    title: str
    footnote: str
    subtitle: str = ""
    charts: list[Chart] = field(default_factory=list)
    widths: list[float] | None = None
    notes: list[str] = field(default_factory=list)
    table: list[list[str]] | None = None
    paragraphs: list[tuple[str, str]] = field(default_factory=list)
    legend: list[tuple[str, str]] | None = None
    cover: bool = False


@dataclass(frozen=True)
class Edition:
    """Whose pack this is: London's, or one borough's."""

    month: date
    borough: str | None

    @property
    def place(self) -> str:
        return borough_name(self.borough) if self.borough else "London"

    @property
    def geography(self) -> str:
        return self.borough or LONDON_CODE

    @property
    def month_words(self) -> str:
        return self.month.strftime("%B %Y")

    @property
    def slug(self) -> str:
        return f"{self.month:%Y-%m}-{(self.borough or 'london').lower()}"


def edition_role(borough: str | None) -> Role:
    """The role whose view of the release an edition shows."""
    return Role("borough", borough) if borough else Role("london")


def check_borough(code: str | None) -> None:
    if code is not None and code not in borough_codes():
        raise PathwaysError(
            f"{code!r} is not a London borough code; use an ONS code such as E09000007 (Camden)."
        )


def check_month(release: ScopedRelease, month: date) -> None:
    info = release.info
    if info.data_start is None or info.data_end is None:
        return
    first = info.data_start.replace(day=1)
    last = info.data_end.replace(day=1)
    if not first <= month <= last:
        raise PathwaysError(
            f"{month:%Y-%m} is outside this release's data period "
            f"({first:%Y-%m} to {last:%Y-%m}); choose a month within it."
        )


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


ALL_SUPPRESSED = (
    "Nothing to draw here: every figure in this chart is suppressed (it counts fewer than 10 "
    "people, or would let such a small number be worked out from other figures)"
)


def _chart_page(chart: Chart, **kwargs) -> Page:
    values = chart.data.get_column("value") if "value" in chart.data.columns else None
    if chart.figure is not None and values is not None and (values.fill_null(0) == 0).all():
        # a chart of nothing but gaps (and zeros) looks broken on paper: say why instead
        zeros = " or zero" if (values == 0).any() else ""
        chart.figure, chart.empty_message = None, f"{ALL_SUPPRESSED}{zeros}."
    return Page(
        chart.key,
        chart.title,
        chart.footnote,
        chart.subtitle,
        charts=[chart],
        notes=list(chart.notes),
        **kwargs,
    )


def _headline_rows(
    metrics: pl.DataFrame, geography: str, compare: str | None
) -> tuple[list[list[str]], bool]:
    header = ["Indicator", "Period", "Figure", "Previous period", "Same period a year before"]
    if compare:
        header = [*header[:3], "Previous period", "Year before", "London"]
    rows = [header]
    suppressed = False
    for period_type in ("month", "quarter", "fy"):
        for m in HEADLINE_METRICS:
            h = headline.headline(metrics, m, period_type, geography)
            if h.period_start is None:
                continue

            def change(before, before_status, h=h):
                text = common.figure_words(before, before_status)
                delta = h.value - before if h.value is not None and before is not None else None
                return text if delta is None else f"{text} ({delta:+,.0f})"

            row = [
                metric_title(m),
                h.label,
                common.figure_words(h.value, h.status),
                change(h.previous, h.previous_status),
                # a year's previous period is the year before: say it once
                "as previous" if period_type == "fy" else change(h.last_year, h.last_year_status),
            ]
            if compare:
                london = headline.headline(
                    metrics, m, period_type, compare, period_start=h.period_start
                )
                row.append(common.figure_words(london.value, london.status))
            suppressed |= "fewer than 10" in " ".join(row)
            rows.append(row)
    return rows, suppressed


def plan(release: ScopedRelease, edition: Edition) -> list[Page]:
    """The pages of the pack, in order, built with the dashboard's figure functions."""
    words = Words(release.info)
    code = edition.geography
    borough = edition.borough
    place = edition.place
    geos = [code, LONDON_CODE] if borough else [LONDON_CODE]
    metrics = as_of(release.metrics(geographies=geos, breakdown=None), edition.month)
    pages: list[Page] = [_cover(release, edition)]

    rows, suppressed = _headline_rows(metrics, code, LONDON_CODE if borough else None)
    notes = ["Changes are between rounded counts; each period is the latest complete one."]
    if suppressed:
        notes.append(
            "'Fewer than 10' means the figure is suppressed: it counts fewer than 10 people, or "
            "would let a small number be worked out from other figures."
        )
    pages.append(
        Page(
            "headlines",
            f"Headline indicators — {place}, {edition.month_words}",
            words.footnote("Changes are between rounded counts."),
            words.subtitle(HEADLINE_METRICS),
            table=rows,
            notes=notes,
        )
    )

    pages.append(
        _chart_page(
            trends.by_readable_period(
                metrics,
                ["seen_rough_sleeping"],
                code,
                lambda by: trends.trend_chart(
                    words,
                    metrics,
                    ["seen_rough_sleeping"],
                    code,
                    period_type=by,
                    compare_geography=LONDON_CODE if borough else None,
                ),
            )
        )
    )
    pages.append(
        _chart_page(
            trends.by_readable_period(
                metrics,
                trends.FLOW_STOCK_RETURNER,
                code,
                lambda by: trends.flow_stock_returner_chart(words, metrics, code, period_type=by),
            )
        )
    )
    pages.append(
        _chart_page(
            trends.by_readable_period(
                metrics,
                ["flow_new", "new_single_night", "returner"],
                code,
                lambda by: trends.rare_brief_nonrecurrent(words, metrics, code, period_type=by),
            )
        )
    )
    if borough:
        pages.append(
            _chart_page(
                trends.compare_to_london_chart(
                    words,
                    metrics,
                    borough,
                    ["new_single_night", "prior_hclic_approach", "sustained_6m"],
                )
            )
        )

    pages.append(_map_page(release, words, edition))

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
        pages.append(
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
        )
    else:
        sankey = pathways.sankey_chart(words, links, code, cohort)
        page = _chart_page(sankey)
        page.notes.insert(0, stages)
        pages.append(page)
        top = pathways.top_paths_chart(words, release.paths(code), code, cohort)
        if top.figure is not None or sankey.figure is not None:
            pages.append(_chart_page(top))
        elif borough:
            # too few people to draw the borough's own: London's pathways, for context
            if sankey.empty_message:
                sankey.empty_message += " London's pathways for the same cohort follow."
            london = pathways.sankey_chart(
                words, release.pathways(LONDON_CODE), LONDON_CODE, cohort
            )
            if london.figure is not None:
                london.title += " (for context)"
                context = _chart_page(london)
                context.notes.insert(0, stages)
                pages.append(context)

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
    survival.title = f"{metric_title('return_to_street')} — {place}"
    page = _chart_page(survival)
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
            f"fewer than {release.info.sdc.get('survival_min_at_risk', 10)} remain at risk); "
            "London is shown for context.",
        )
    pages.append(page)

    pages.append(_methods(release, edition, words))
    return pages


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
            f"{metric_title(MAP_METRIC)} by borough",
            words.footnote(),
            words.subtitle([MAP_METRIC]),
            notes=["This release has no borough figures for this indicator."],
        )
    latest = totals.get_column("period_start").max()
    bands = theme.count_bands(
        totals.get_column("value").to_list(),
        threshold=int(release.info.sdc.get("threshold", 10)),
    )
    chart = borough_map.borough_map(
        words,
        totals,
        MAP_METRIC,
        latest,  # type: ignore[arg-type]
        bands,
        selected=edition.borough,
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
            f"Shown by {PERIOD_WORDS[period_type]}: most boroughs' monthly figures count fewer "
            "than 10 people and are suppressed."
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
            else f"{name} (outlined on the map): figure suppressed (fewer than 10 people), so "
            "not ranked.",
        )
    notes.append("Other boroughs appear here by their published totals only.")
    return Page(
        "map",
        f"{metric_title(MAP_METRIC)} by borough, map and ranking — "
        f"{period_label(latest, period_type)}",  # type: ignore[arg-type]
        chart.footnote,
        chart.subtitle,
        charts=[chart, ranking],
        widths=[0.52, 0.48],
        notes=notes,
        legend=[(b.colour, b.label) for b in bands]
        + [(theme.SUPPRESSED_FILL, "suppressed (fewer than 10)")],
    )


def _cover(release: ScopedRelease, edition: Edition) -> Page:
    info = release.info
    words = Words(info)
    period = (
        f"{info.data_start:%B %Y} to {info.data_end:%B %Y}"
        if info.data_start and info.data_end
        else "not recorded"
    )
    extracts = ", ".join(
        f"{SOURCE_NAMES.get(k, k)} {v:%-d %B %Y}"
        for k, v in sorted(info.source_extract_dates.items())
    ) or (f"{info.extract_date:%-d %B %Y}" if info.extract_date else "not recorded")
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
    info = release.info
    sdc = info.sdc
    threshold = sdc.get("threshold", 10)
    base = sdc.get("rounding_base", 5)
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
            f"Release {info.release_id}, data from {info.data_start} to {info.data_end}; "
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
        (
            "",
            f"Counts below {threshold} are suppressed (shown as 'fewer than {threshold}', a gap "
            f"in a line or a grey tile) and every other count is rounded to the nearest {base}.",
        ),
        (
            "",
            "Where published figures add up (breakdowns and their total, boroughs and London, "
            "new + stock + returners, months within a quarter or year), more figures are hidden "
            "so that a hidden one cannot be worked out by subtraction. Percentages are shown only "
            f"where at least {sdc.get('min_rate_denominator', threshold)} people are counted "
            "beneath them, as the rounded count with the outcome over the rounded count of "
            f"people. {curve_protection_words(sdc)} Journey flows "
            f"of fewer than {threshold} people are folded into 'other (small numbers)'. "
            "Nationality is shown only for London as a whole, and no place smaller than a borough "
            "is ever shown.",
        ),
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
    shown = [*HEADLINE_METRICS, "new_single_night"]
    if edition.borough:
        shown += ["prior_hclic_approach", "sustained_6m"]
    shown += ["return_to_street", "pathways"]
    for metric_id in shown:
        d = info.definition(metric_id)
        if d.text:
            paragraphs.append(("", f"**{d.title}** (version {d.version}): {d.text.rstrip('.')}."))
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


# -- drawing -----------------------------------------------------------------------------------


def _font_files() -> dict[str, Path]:
    files = {style: FONT_DIR / name for style, name in FONT_FILES.items()}
    missing = [str(p) for p in files.values() if not p.is_file()]
    if missing:
        raise SetupError(
            "The chart pack's fonts are missing from this installation (reinstall Pathways); "
            f"not found: {', '.join(missing)}."
        )
    return files


def _rgb(colour: str) -> tuple[int, int, int]:
    r, g, b = theme.hex_to_rgb(colour)
    return r, g, b


class _Renderer:
    """Draws Plotly figures to PNG through Kaleido; each image is drawn once per size."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, int, int], bytes] = {}

    def png(self, chart: Chart, width_mm: float, height_mm: float) -> bytes:
        width = int(width_mm * PX_PER_MM)
        height = int(height_mm * PX_PER_MM)
        key = (chart.key, width, height)
        if key not in self._cache:
            import kaleido

            opts = {"format": "png", "width": width, "height": height, "scale": IMAGE_SCALE}
            self._cache[key] = kaleido.calc_fig_sync(go.Figure(chart.figure), opts=opts)
        return self._cache[key]


class _PackPDF(FPDF):
    def __init__(self, running: str, synthetic: bool, fonts: dict[str, Path]):
        super().__init__(orientation="L", unit="mm", format="A4")
        for style, path in fonts.items():
            self.add_font(FONT, style, str(path))
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=PAGE_H - BODY_BOTTOM)
        self.alias_nb_pages()
        self.running = running
        self.synthetic = synthetic
        self.section: Page | None = None
        self.section_pages = 0
        self._next: Page | None = None
        self.set_title(running)
        self.set_creator("Pathways")

    def header(self) -> None:
        # the footer of the page before has been drawn by now, with its own section's footnote
        if self._next is not None:
            self.section, self._next = self._next, None
            self.section_pages = 0
        if self.section is None:
            return
        self.set_font(FONT, "", 8)
        self.set_text_color(*_rgb(theme.MUTED))
        self.set_xy(MARGIN, 6)
        self.cell(CONTENT_W * 0.7, 5, self.running)
        if self.synthetic:
            self.set_text_color(*_rgb("#9a5b00"))
            self.set_font(FONT, "B", 8)
            self.set_xy(MARGIN + CONTENT_W * 0.7, 6)
            self.cell(CONTENT_W * 0.3, 5, "Synthetic data — not real people", align="R")
        self.set_draw_color(*_rgb(theme.GRID))
        self.line(MARGIN, 12, PAGE_W - MARGIN, 12)
        title = self.section.title + (" (continued)" if self.section_pages else "")
        self.section_pages += 1
        self.set_xy(MARGIN, 14)
        self.set_text_color(*_rgb(theme.INK))
        self.set_font(FONT, "B", 15)
        self.multi_cell(CONTENT_W, 7, title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1)

    def footer(self) -> None:
        if self.section is None:
            return
        self.set_draw_color(*_rgb(theme.GRID))
        self.line(MARGIN, PAGE_H - FOOTER_H, PAGE_W - MARGIN, PAGE_H - FOOTER_H)
        self.set_xy(MARGIN, PAGE_H - FOOTER_H + 1)
        self.set_font(FONT, "", 7)
        self.set_text_color(*_rgb(theme.MUTED))
        self.multi_cell(CONTENT_W, 3.2, self.section.footnote, align="L", new_x=XPos.LMARGIN)
        self.set_xy(MARGIN, PAGE_H - 8)
        self.set_font(FONT, "", 8)
        self.cell(CONTENT_W / 2, 4, self.running)
        self.cell(CONTENT_W / 2, 4, f"Page {self.page_no()} of {{nb}}", align="R")

    def start(self, page: Page) -> None:
        self._next = page
        self.add_page()

    def text_height(self, width: float, line: float, text: str, **kwargs) -> float:
        return float(self.multi_cell(width, line, text, dry_run=True, output="HEIGHT", **kwargs))


def _draw_cover(pdf: _PackPDF, page: Page, contents: Sequence[tuple[str, int]]) -> None:
    pdf.set_y(pdf.get_y() + 8)
    for style, text in page.paragraphs:
        if style == "H":
            pdf.set_font(FONT, "B", 24)
            pdf.set_text_color(*_rgb(theme.OKABE_ITO["blue"]))
            pdf.multi_cell(CONTENT_W, 11, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        elif style == "B":
            pdf.set_font(FONT, "B", 16)
            pdf.set_text_color(*_rgb(theme.INK))
            pdf.multi_cell(CONTENT_W, 9, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.ln(3)
        elif style == "W":
            _warning(pdf, text, 11)
        else:
            pdf.set_font(FONT, "", 11)
            pdf.set_text_color(*_rgb(theme.INK))
            pdf.multi_cell(CONTENT_W, 6, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.ln(1)
    pdf.ln(4)
    pdf.set_font(FONT, "B", 12)
    pdf.set_text_color(*_rgb(theme.INK))
    pdf.cell(CONTENT_W, 7, "Contents", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    # two columns of contents, so a long pack still fits the cover
    half = (len(contents) + 1) // 2
    top = pdf.get_y()
    for i, (title, number) in enumerate(contents):
        col = 0 if i < half else 1
        x = MARGIN + col * (CONTENT_W / 2)
        y = top + (i % half) * 5.6
        pdf.set_xy(x, y)
        pdf.set_font(FONT, "", 9)
        pdf.cell(10, 5, str(number), align="R")
        pdf.cell(CONTENT_W / 2 - 14, 5, "  " + _shorten(pdf, title, CONTENT_W / 2 - 18))


def _shorten(pdf: FPDF, text: str, width: float) -> str:
    if pdf.get_string_width(text) <= width:
        return text
    while text and pdf.get_string_width(text + "…") > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _warning(pdf: FPDF, text: str, size: float) -> None:
    pdf.ln(2)
    pdf.set_fill_color(*_rgb(theme.OKABE_ITO["orange"]))
    pdf.set_text_color(0, 0, 0)
    pdf.set_font(FONT, "B", size)
    pdf.multi_cell(CONTENT_W, size * 0.55, text, fill=True, padding=2,
                   new_x=XPos.LMARGIN, new_y=YPos.NEXT)  # fmt: skip
    pdf.ln(2)


def _draw_subtitle(pdf: _PackPDF, text: str) -> None:
    if not text:
        return
    pdf.set_font(FONT, "", 8.5)
    pdf.set_text_color(*_rgb(theme.MUTED))
    pdf.multi_cell(CONTENT_W, 4, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(1.5)


def _notes_height(pdf: _PackPDF, notes: Sequence[str]) -> float:
    pdf.set_font(FONT, "", 8.5)
    return sum(pdf.text_height(CONTENT_W, 4, n) + 0.8 for n in notes)


def _draw_notes(pdf: _PackPDF, notes: Sequence[str]) -> None:
    pdf.set_font(FONT, "", 8.5)
    pdf.set_text_color(*_rgb(theme.INK))
    for n in notes:
        pdf.multi_cell(CONTENT_W, 4, n, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(0.8)


def _draw_empty(pdf: _PackPDF, x: float, y: float, w: float, h: float, message: str) -> None:
    pdf.set_fill_color(*_rgb(theme.NO_DATA_FILL))
    pdf.rect(x, y, w, h, style="F")
    pdf.set_font(FONT, "", 11)
    pdf.set_text_color(*_rgb(theme.INK))
    text_h = pdf.text_height(w - 30, 5.5, message)
    pdf.set_xy(x + 15, y + (h - text_h) / 2)
    pdf.multi_cell(w - 30, 5.5, message, align="C")


def _draw_legend(pdf: _PackPDF, items: Sequence[tuple[str, str]], x: float, y: float) -> None:
    pdf.set_font(FONT, "", 8)
    pdf.set_text_color(*_rgb(theme.INK))
    pdf.set_draw_color(153, 153, 153)
    for colour, label in items:
        pdf.set_fill_color(*_rgb(colour))
        pdf.rect(x, y + 0.6, 3.6, 3.6, style="FD")
        pdf.set_xy(x + 4.6, y)
        pdf.cell(pdf.get_string_width(label) + 1, 4.8, label)
        x += pdf.get_string_width(label) + 10


def _draw_charts(
    pdf: _PackPDF, page: Page, renderer: _Renderer, saved: Callable[[Chart, bytes], None]
) -> None:
    legend_h = 6.0 if page.legend else 0.0
    notes_h = _notes_height(pdf, page.notes)
    top = pdf.get_y()
    height = BODY_BOTTOM - top - notes_h - legend_h - 1
    widths = page.widths or [1.0 / len(page.charts)] * len(page.charts)
    x = MARGIN
    for chart, share in zip(page.charts, widths, strict=True):
        w = CONTENT_W * share - (2 if len(page.charts) > 1 else 0)
        if chart.figure is None:
            _draw_empty(pdf, x, top, w, height, chart.empty_message or "Nothing to show.")
        else:
            image = renderer.png(chart, w, height)
            pdf.image(image, x=x, y=top, w=w, h=height)
            saved(chart, image)
        x += CONTENT_W * share + (2 if len(page.charts) > 1 else 0)
    pdf.set_y(top + height + 1)
    if page.legend:
        _draw_legend(pdf, page.legend, MARGIN, pdf.get_y())
        pdf.set_y(pdf.get_y() + legend_h)
    _draw_notes(pdf, page.notes)


def _draw_table(pdf: _PackPDF, page: Page) -> None:
    rows = page.table or []
    if not rows:
        return
    n = len(rows[0])
    shares = (0.24, 0.12, 0.16, 0.24, 0.24) if n == 5 else (0.22, 0.11, 0.14, 0.19, 0.19, 0.15)
    widths = [CONTENT_W * share for share in shares]
    pdf.ln(1)
    row_h = 6.4
    for i, row in enumerate(rows):
        header = i == 0
        top = pdf.get_y()
        pdf.set_font(FONT, "B" if header else "", 9.5)
        pdf.set_text_color(*_rgb(theme.INK))
        if header:
            pdf.set_fill_color(*_rgb("#e8eef5"))
        elif i % 2 == 0:
            pdf.set_fill_color(*_rgb("#f7f7f7"))
        else:
            pdf.set_fill_color(255, 255, 255)
        for j, (text, w) in enumerate(zip(row, widths, strict=True)):
            pdf.cell(w, row_h, f" {text} " if j < 2 else f"{text}  ", fill=True,
                     align="L" if j < 2 else "R")  # fmt: skip
        if i > 1 and row[1] != rows[i - 1][1]:
            # a rule between the month, quarter and year blocks, over the cells' fill
            pdf.set_draw_color(*_rgb(theme.MUTED))
            pdf.line(MARGIN, top, MARGIN + sum(widths), top)
        pdf.ln(row_h)
    pdf.ln(2)
    _draw_notes(pdf, page.notes)


def _draw_text(pdf: _PackPDF, page: Page) -> None:
    pdf.ln(1)
    for style, text in page.paragraphs:
        if style == "H":
            # keep a heading with at least two lines of what follows
            if pdf.get_y() + 18 > BODY_BOTTOM:
                pdf.add_page()
            pdf.ln(1.5)
            pdf.set_font(FONT, "B", 11)
            pdf.set_text_color(*_rgb(theme.OKABE_ITO["blue"]))
            pdf.multi_cell(CONTENT_W, 5.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        elif style == "W":
            _warning(pdf, text, 9.5)
        else:
            pdf.set_font(FONT, "", 9.5)
            pdf.set_text_color(*_rgb(theme.INK))
            pdf.multi_cell(CONTENT_W, 4.6, text, markdown=True, align="L",
                           new_x=XPos.LMARGIN, new_y=YPos.NEXT)  # fmt: skip
            pdf.ln(1.2)


def _layout(
    pages: Sequence[Page],
    running: str,
    synthetic: bool,
    fonts: dict[str, Path],
    renderer: _Renderer,
    contents: Sequence[tuple[str, int]],
    saved: Callable[[Chart, bytes, int], None],
) -> tuple[_PackPDF, list[int]]:
    pdf = _PackPDF(running, synthetic, fonts)
    starts: list[int] = []
    for page in pages:
        pdf.start(page)
        starts.append(pdf.page_no())
        number = pdf.page_no()
        if page.cover:
            _draw_cover(pdf, page, contents)
            continue
        _draw_subtitle(pdf, page.subtitle)
        if page.charts:
            _draw_charts(pdf, page, renderer, lambda c, b, n=number: saved(c, b, n))
        elif page.table is not None:
            _draw_table(pdf, page)
        elif page.paragraphs:
            _draw_text(pdf, page)
        else:
            _draw_empty(pdf, MARGIN, pdf.get_y(), CONTENT_W, 60, " ".join(page.notes))
    return pdf, starts


@dataclass(frozen=True)
class PackResult:
    """What was written: the PDF's bytes, its page titles and the chart images."""

    pdf: bytes
    page_titles: list[str]
    images: dict[str, bytes]

    @property
    def pages(self) -> int:
        return len(self.page_titles)


def render_pack(release: ScopedRelease, month: date, borough: str | None = None) -> PackResult:
    """Build the pack for one month as ``release``'s role sees it.

    Args:
        release: the release through the scope of the person the pack is for.
        month: the first day of the pack's month.
        borough: the ONS code of a borough edition; None for the London edition.

    Raises:
        PathwaysError: a month outside the release, an unknown borough, a missing font or
            browser. ``ScopeError`` when the role may not see what the edition shows.
    """
    check_borough(borough)
    check_month(release, month)
    if borough:
        release.require_detail(borough, "the borough chart pack")
    edition = Edition(month, borough)
    fonts = _font_files()
    pages = plan(release, edition)
    running = f"Pathways · Monthly taskforce chart pack · {edition.place} · {edition.month_words}"
    synthetic = release.info.synthetic
    images: dict[str, bytes] = {}

    def saved(chart: Chart, image: bytes, number: int) -> None:
        images[f"{number:02d}-{chart.key}.png"] = image

    with _ChartBrowser():
        renderer = _Renderer()
        placeholder = [(p.title, 0) for p in pages[1:]]
        _, starts = _layout(pages, running, synthetic, fonts, renderer, placeholder, saved)
        images.clear()
        contents = [(p.title, n) for p, n in zip(pages[1:], starts[1:], strict=True)]
        pdf, _ = _layout(pages, running, synthetic, fonts, renderer, contents, saved)
    titles = []
    for page, start, end in zip(pages, starts, [*starts[1:], pdf.page_no() + 1], strict=True):
        titles.append(page.title)
        titles.extend(f"{page.title} (continued)" for _ in range(end - start - 1))
    return PackResult(bytes(pdf.output()), titles, images)


class _ChartBrowser:
    """One Chromium for the whole pack (a figure then takes well under a second, not three), or
    for every edition of a release: nested uses share the browser the outermost one started."""

    _depth = 0  # guarded by _RENDER_LOCK

    def __enter__(self) -> None:
        import kaleido
        from kaleido.errors import ChromeNotFoundError

        _RENDER_LOCK.acquire()
        if _ChartBrowser._depth == 0:
            if "BROWSER_PATH" not in os.environ and Path("/usr/bin/chromium").is_file():
                os.environ["BROWSER_PATH"] = "/usr/bin/chromium"
            try:
                # the Plotly.js shipped with Plotly and no MathJax: nothing fetched from the web
                kaleido.start_sync_server(silence_warnings=True, mathjax=False)
            except ChromeNotFoundError:
                _RENDER_LOCK.release()
                raise SetupError(
                    "The chart pack needs Chromium to draw its charts (Debian package chromium); "
                    "set BROWSER_PATH to its path."
                ) from None
            except BaseException:
                _RENDER_LOCK.release()
                raise
        _ChartBrowser._depth += 1

    def __exit__(self, *exc: object) -> None:
        import kaleido

        _ChartBrowser._depth -= 1
        try:
            if _ChartBrowser._depth == 0:
                kaleido.stop_sync_server(silence_warnings=True)
        finally:
            _RENDER_LOCK.release()


def build_pack(
    release_dir: Path | str,
    month: str,
    out: Path | str,
    *,
    borough: str | None = None,
    png_dir: Path | str | None = None,
    before_write: Callable[[int], object] | None = None,
) -> str:
    """``pathways pack``: write the month's chart pack as a PDF (and PNGs) and say what was written.

    The London edition shows the release as the pan-London lead sees it; a borough edition as
    that borough's lead sees it. ``before_write(pages)`` runs once the pack is drawn and before
    any file is written (the command line records the export there).
    """
    when = parse_month(month)
    check_borough(borough)
    scoped = ScopedRelease(load_release(Path(release_dir)), edition_role(borough))
    result = render_pack(scoped, when, borough)
    if before_write is not None:
        before_write(result.pages)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(result.pdf)
    written = f"Wrote {result.pages} pages to {out}"
    if png_dir is not None:
        png_dir = Path(png_dir)
        png_dir.mkdir(parents=True, exist_ok=True)
        for name, image in result.images.items():
            (png_dir / name).write_bytes(image)
        written += f" and {len(result.images)} chart images to {png_dir}"
    return written + "."


# -- every edition, drawn into the release by the monthly run -----------------------------------


def pack_month(info: ReleaseInfo) -> date | None:
    """The month a release's packs show: the latest month wholly within its data period, or
    None when there is none yet (a first year of data is all look-back).

    >>> pack_month(ReleaseInfo.from_manifest({"data_period": {"end": "2025-03-31"}}))
    datetime.date(2025, 3, 1)
    >>> pack_month(ReleaseInfo.from_manifest({"data_period": {"end": "2025-04-05"}}))
    datetime.date(2025, 3, 1)
    """
    if info.data_end is None:
        raise PathwaysError("The release names no end to its data period, so no pack month.")
    month = add_months((info.data_end + timedelta(days=1)).replace(day=1), -1)
    if info.data_start is not None and month < info.data_start.replace(day=1):
        return None
    return month


def release_packs(
    release_dir: Path | str, boroughs: Sequence[str] | None = None
) -> dict[str, bytes]:
    """The editions of the release's pack month as PDF bytes by file name: what the monthly run
    puts under ``packs/`` (``write_release(packs=...)``); none when the release has no whole
    month yet.

    Args:
        release_dir: the release (the run passes the one it is building).
        boroughs: the boroughs whose editions are drawn beside London's; None for all 33.
    """
    loaded = load_release(Path(release_dir))
    month = pack_month(loaded.info)
    if month is None:
        return {}
    editions = [None, *(borough_codes() if boroughs is None else boroughs)]
    with _ChartBrowser():
        return {
            pack_file_name(month, borough): render_pack(
                ScopedRelease(loaded, edition_role(borough)), month, borough
            ).pdf
            for borough in editions
        }
