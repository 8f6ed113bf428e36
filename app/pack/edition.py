"""Whose pack and which month: the edition, the pack's page model, and the periods a month's
pack may show."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

import polars as pl

from app.auth import Role
from app.charts.common import Chart, Words
from app.data import (
    ScopedRelease,
)
from contract.errors import PathwaysError
from contract.periods import MONTHS_IN, add_months
from contract.reference import LONDON_CODE, borough_codes, borough_name


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
    map_style: str = "boundaries"
    """How the borough map is drawn (``app.charts.boundaries.MAP_STYLES``)."""

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
    period = release.manifest.data_period
    first = period.start.replace(day=1)
    last = period.end.replace(day=1)
    if not first <= month <= last:
        raise PathwaysError(
            f"{month:%Y-%m} is outside this release's data period "
            f"({first:%Y-%m} to {last:%Y-%m}); choose a month within it."
        )


def chart_page(chart: Chart, words: Words, **kwargs) -> Page:
    """A page of one chart; a chart of nothing but suppressed figures says so instead."""
    values = chart.data.get_column("value") if "value" in chart.data.columns else None
    if chart.figure is not None and values is not None and (values.fill_null(0) == 0).all():
        # a chart of nothing but gaps (and zeros) looks broken on paper: say why instead
        zeros = " or zero" if (values == 0).any() else ""
        chart.figure, chart.empty_message = (
            None,
            (
                "Nothing to draw here: every figure in this chart is suppressed (it counts "
                f"{words.fewer_than} people, or would let such a small number be worked out from "
                f"other figures){zeros}."
            ),
        )
    return Page(
        chart.key,
        chart.title,
        chart.footnote,
        chart.subtitle,
        charts=[chart],
        notes=list(chart.notes),
        **kwargs,
    )
