"""What every chart shares: the ``Chart`` (a figure with the words and numbers that travel with
it), ``Words`` (subtitles and footnotes from the release's manifest), and the small helpers the
chart families use: how a period and a figure are written, the house style, release rows in words.

Each family (``headline``, ``trends``, ``borough_map``, ``pathways``, ``returns``, ``compare``)
takes release tables already scoped by ``app.data.ScopedRelease`` and returns a ``Chart``: the
figure, its title, a subtitle carrying the definition and its version, a footnote with source,
extract date and disclosure note, and ``data``, exactly the aggregates drawn (the table
alternative and the CSV download). Nothing here calls Streamlit, so the monthly chart pack draws
the same functions as they are.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import plotly.graph_objects as go
import polars as pl
import pydeck as pdk

from app import theme
from contract.periods import index_of, period_start
from contract.reference import borough_name
from contract.release import MetricDefinition, ReleaseManifest
from contract.vocabulary import (
    BREAKDOWN_VALUE_WORDS,
    DIMENSION_WORDS,
    GROUP_DIMENSION_NONE,
    GROUP_VALUE_WORDS,
    SOURCE_NAMES,
    SUPPRESSED,
    fewer_than,
    footnote_disclosure_words,
)


@dataclass
class Chart:
    """A figure with the words and numbers that must travel with it.

    Attributes:
        key: short slug, used for file names and widget keys.
        title: what the chart shows, in users' words.
        subtitle: the definition(s) and their versions.
        footnote: source, extract date and disclosure note.
        figure: a Plotly figure or a pydeck deck; None when nothing can be shown.
        data: exactly the aggregates drawn, for the table alternative and the download.
        empty_message: why nothing is drawn, when ``figure`` is None.
    """

    key: str
    title: str
    subtitle: str
    footnote: str
    figure: go.Figure | pdk.Deck | None
    data: pl.DataFrame
    empty_message: str | None = None
    notes: list[str] = field(default_factory=list)
    alt_text: str = ""
    """The chart in words for readers who do not see it (``app.charts.describe``)."""

    def csv_bytes(self) -> bytes:
        """The aggregates shown, as CSV (with the byte-order mark Excel needs)."""
        return excel_csv(self.data)


class Words:
    """Titles, subtitles and footnotes from a release's manifest, which carries every metric's
    title and definition as the metric registry wrote them."""

    def __init__(self, manifest: ReleaseManifest):
        self.manifest = manifest
        self._definitions = {d.id: d for d in manifest.definitions}

    def definition(self, metric_id: str) -> MetricDefinition:
        """The metric's definition, its version filled in from the release's when it gives none;
        a bare one (its id in words, no text) when the manifest lacks it."""
        d = self._definitions.get(metric_id) or MetricDefinition(
            id=metric_id, definition="", unit="people"
        )
        return d.model_copy(
            update={
                "title": d.title or metric_id.replace("_", " ").capitalize(),
                "version": d.version or self.manifest.definitions_version or "?",
            }
        )

    @property
    def sdc(self) -> dict[str, Any]:
        """The disclosure settings the release was protected with, for the rules in words."""
        return self.manifest.sdc.model_dump()

    @property
    def fewer_than(self) -> str:
        """How a suppressed figure is written: 'fewer than 10'."""
        return fewer_than(self.sdc)

    @property
    def suppressed_label(self) -> str:
        """The legend's label for a suppressed borough: 'suppressed' (the footnote says why; a
        figure hidden to protect another may be of any size, so never 'fewer than 10')."""
        return SUPPRESSED

    def figure(self, value: float | None, status: str, *, share: bool = False) -> str:
        """A figure as people read it: the number, 'suppressed' when suppressed, '—' when
        absent."""
        return figure_words(value, status, share=share)

    def title(self, metric_id: str) -> str:
        """A metric's title, as the manifest carries it."""
        return self.definition(metric_id).title

    def subtitle(self, metric_ids: Iterable[str]) -> str:
        parts = []
        for m in metric_ids:
            d = self.definition(m)
            text = (
                d.definition.rstrip(".") if d.definition else "definition not given in this release"
            )
            parts.append(f"{d.title}: {text} (definition {m} v{d.version}).")
        return " ".join(parts)

    def footnote(self, extra: str = "") -> str:
        manifest = self.manifest
        sources = (
            ", ".join(
                f"{SOURCE_NAMES.get(k, k)} extract {v.isoformat()}"
                for k, v in sorted(manifest.source_extract_dates.items())
            )
            or f"extract {manifest.data_period.end.isoformat()}"
        )
        synthetic = " Synthetic data — not real people." if manifest.synthetic else ""
        extra = f" {extra}" if extra else ""
        return (
            f"Source: Pathways release {manifest.release_id or 'unnamed'} ({sources}).{extra} "
            f"{footnote_disclosure_words(self.sdc)}{synthetic}"
        )


def excel_csv(frame: pl.DataFrame) -> bytes:
    """A table as UTF-8 CSV with a byte-order mark, so Excel on Windows reads '10–24' and
    'Côte d’Ivoire' as written rather than as Windows-1252 mojibake."""
    return frame.write_csv().encode("utf-8-sig")


def long_date(day: date) -> str:
    """A day as people write it, the same on every platform (no day code without its leading zero: Windows lacks it).

    >>> long_date(date(2025, 3, 1))
    '1 March 2025'
    """
    return f"{day.day} {day:%B %Y}"


def dates_of(frame: pl.DataFrame, column: str = "period_start") -> list[date]:
    return frame.get_column(column).to_list()


def period_label(start: date, period_type: str) -> str:
    """How a period is written: 'Mar 2025', '2024-25 Q4', '2024-25'."""
    if period_type == "month":
        return start.strftime("%b %Y")
    year = index_of("fy", start)
    fy = f"{year}-{str(year + 1)[-2:]}"
    if period_type == "quarter":
        quarter = index_of("quarter", start) - index_of("quarter", period_start("fy", year)) + 1
        return f"{fy} Q{quarter}"
    return fy


def empty_chart(key: str, title: str, subtitle: str, footnote: str, message: str) -> Chart:
    return Chart(key, title, subtitle, footnote, None, pl.DataFrame(), empty_message=message)


def year_ticks(fig: go.Figure, starts: Sequence[date], period_type: str) -> None:
    """Label financial-year points '2023-24', not '2023' (which reads as a calendar year)."""
    if period_type == "fy" and starts:
        fig.update_xaxes(
            tickvals=list(starts), ticktext=[period_label(d, "fy") for d in starts], tickangle=0
        )


def style_figure(fig: go.Figure, *, height: int = 380, y_title: str | None = None) -> go.Figure:
    fig.update_layout(template=theme.TEMPLATE, height=height)
    if y_title:
        fig.update_yaxes(title_text=y_title)
    return fig


def is_share(definition: MetricDefinition) -> bool:
    """Whether a metric is a share (0 to 1, shown as whole percent), by its unit in the manifest."""
    return definition.unit in ("share", "percent", "proportion", "rate")


def display_value(value: float | None, share: bool) -> float | None:
    if value is None:
        return None
    if share:
        # shares are stored as fractions; show whole percent (SPEC 2.5)
        return round(value * 100) if value <= 1 else round(value)
    return value


def figure_words(value: float | None, status: str, *, share: bool = False) -> str:
    """A figure as people read it: the number, 'suppressed' when suppressed, '—' when absent.

    >>> figure_words(None, "suppressed"), figure_words(35.0, "ok")
    ('suppressed', '35')
    """
    if value is None:
        return {
            "suppressed": SUPPRESSED,
            "incomplete_follow_up": "follow-up not complete",
        }.get(status, "—")
    return f"{value:,.0f}{'%' if share else ''}"


def metric_series(
    metrics: pl.DataFrame, metric_id: str, geography: str, period_type: str, breakdown: str = "all"
) -> pl.DataFrame:
    return metrics.filter(
        (pl.col("metric_id") == metric_id)
        & (pl.col("geography_code") == geography)
        & (pl.col("period_type") == period_type)
        & (pl.col("breakdown") == breakdown)
    ).sort("period_start")


def shown_columns(frame: pl.DataFrame) -> pl.DataFrame:
    keep = [
        c
        for c in (
            "metric_id",
            "period_type",
            "period_start",
            "geography_code",
            "breakdown",
            "value",
            "numerator",
            "denominator",
            "status",
        )
        if c in frame.columns
    ]
    out = frame.select(keep)
    if "geography_code" in out.columns:
        out = out.with_columns(words_for(out, "geography_code", place_name).alias("geography"))
    return out


def words_for(
    frame: pl.DataFrame, column: str, words: Callable[[Any], Any], dtype: Any = pl.String
) -> pl.Expr:
    """``column`` put into words by ``words``, as a Polars expression over ``frame``.

    The Python function is called here, once per distinct value, and Polars is handed a lookup
    table. Never ``map_elements``: that runs Python on Polars' worker threads, which then need
    the interpreter lock while another person's page holds it waiting for those same workers.
    With a few people on the dashboard at once their pages froze for good (``pathways bench
    --users``, docs/bench.md).
    """
    values = [v for v in frame.get_column(column).unique().to_list() if v is not None]
    lookup = {v: words(v) for v in values}
    return pl.col(column).replace_strict(lookup, default=None, return_dtype=dtype)


def place_name(code: str) -> str:
    try:
        return borough_name(code)
    except KeyError:
        return code


def value_words(group: str) -> str:
    """The value of a group or breakdown in plain words, without its dimension: 'age_band=18_25'
    as '18–25', 'first_intervention=housing_first' as 'Housing First', 'borough=E09000007' as
    'Camden'."""
    if group == "all":
        return "Everyone"
    dimension, _, value = group.partition("=") if "=" in group else ("", "", group)
    if value == "none" and dimension in GROUP_DIMENSION_NONE:
        return GROUP_DIMENSION_NONE[dimension]
    if value == "unknown":
        return "Not known"
    if value in GROUP_VALUE_WORDS:
        return GROUP_VALUE_WORDS[value]
    if value.startswith("E09") or value.startswith("E12"):
        return place_name(value)
    words = BREAKDOWN_VALUE_WORDS.get(value, value.replace("_", " ").capitalize())
    if dimension == "support_combination" and "_" not in value.replace("mental_health", ""):
        return f"{words} only"  # one need of the three, without the others
    return words


def group_words(group: str) -> str:
    """A survival or comparison group in plain words, naming its dimension where the value alone
    is ambiguous: 'first_intervention=housing_first' as 'Housing First', 'borough=E09000007' as
    'Camden', 'ethnic_group=unknown' as 'Ethnic group: not known'."""
    dimension = group.partition("=")[0] if "=" in group else ""
    words = value_words(group)
    if dimension in DIMENSION_WORDS and not words.startswith("No support"):
        return f"{DIMENSION_WORDS[dimension]}: {words}"
    return words
