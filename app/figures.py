"""Figures built from release tables: Plotly figures and the pydeck borough map.

Each function takes release tables (already scoped by ``app.data.ScopedRelease``) and returns a
``Chart``: the figure, its title, a subtitle carrying the definition and its version, a footnote
with source, extract date and disclosure note, and ``data``, exactly the aggregates drawn (the
table alternative and the CSV download). Nothing here calls Streamlit, so the monthly chart pack
reuses these functions as they are.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
import polars as pl
import pydeck as pdk
from plotly.subplots import make_subplots

from app import theme
from app.data import Definition, ReleaseInfo, metric_title
from contract.reference import ASSETS, LONDON_CODE, borough_name
from contract.release import OTHER_SMALL_NUMBERS
from contract.vocabulary import (
    BREAKDOWN_VALUE_WORDS,
    COMPARISON_NAMES,
    DIMENSION_WORDS,
    GROUP_DIMENSION_NONE,
    GROUP_VALUE_WORDS,
    PERIOD_WORDS,
    SOURCE_NAMES,
    STAGE_WORDS,
    STATE_WORDS,
    curve_protection_words,
)

STAGE_ORDER = ("before", "first_response", "month_6", "month_12")

REPORT_DAYS = (90, 180, 365, 730)


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

    def csv_bytes(self) -> bytes:
        """The aggregates shown, as CSV."""
        return self.data.write_csv().encode("utf-8")


class Words:
    """Subtitles and footnotes from a release's manifest."""

    def __init__(self, info: ReleaseInfo):
        self.info = info

    def definition(self, metric_id: str) -> Definition:
        return self.info.definition(metric_id)

    def subtitle(self, metric_ids: Iterable[str]) -> str:
        parts = []
        for m in metric_ids:
            d = self.definition(m)
            text = d.text.rstrip(".") if d.text else "definition not given in this release"
            parts.append(f"{d.title}: {text} (definition {m} v{d.version}).")
        return " ".join(parts)

    def footnote(self, extra: str = "") -> str:
        info = self.info
        sources = ", ".join(
            f"{SOURCE_NAMES.get(k, k)} extract {v.isoformat()}"
            for k, v in sorted(info.source_extract_dates.items())
        )
        if not sources and info.extract_date:
            sources = f"extract {info.extract_date.isoformat()}"
        threshold = info.sdc.get("threshold", 10)
        base = info.sdc.get("rounding_base", 5)
        synthetic = " Synthetic data — not real people." if info.synthetic else ""
        extra = f" {extra}" if extra else ""
        return (
            f"Source: Pathways release {info.release_id or 'unnamed'} ({sources}).{extra} "
            f"Counts below {threshold} are suppressed (shown as gaps or grey) and others rounded "
            f"to the nearest {base}.{synthetic}"
        )


def _dates(frame: pl.DataFrame, column: str = "period_start") -> list[date]:
    return frame.get_column(column).to_list()


def period_label(start: date, period_type: str) -> str:
    """How a period is written: 'Mar 2025', '2024-25 Q4', '2024-25'."""
    if period_type == "month":
        return start.strftime("%b %Y")
    fy_start = start.year if start.month >= 4 else start.year - 1
    fy = f"{fy_start}-{str(fy_start + 1)[-2:]}"
    if period_type == "quarter":
        q = ((start.month - 4) % 12) // 3 + 1
        return f"{fy} Q{q}"
    return fy


def _empty_chart(key: str, title: str, subtitle: str, footnote: str, message: str) -> Chart:
    return Chart(key, title, subtitle, footnote, None, pl.DataFrame(), empty_message=message)


def _year_ticks(fig: go.Figure, starts: Sequence[date], period_type: str) -> None:
    """Label financial-year points '2023-24', not '2023' (which reads as a calendar year)."""
    if period_type == "fy" and starts:
        fig.update_xaxes(
            tickvals=list(starts), ticktext=[period_label(d, "fy") for d in starts], tickangle=0
        )


def _style(fig: go.Figure, *, height: int = 380, y_title: str | None = None) -> go.Figure:
    fig.update_layout(template=theme.TEMPLATE, height=height)
    if y_title:
        fig.update_yaxes(title_text=y_title)
    return fig


def _is_share(definition: Definition, metric_id: str) -> bool:
    return definition.unit in ("share", "percent", "proportion", "rate") or metric_id in (
        "new_single_night",
        "prior_hclic_approach",
        "sustained_3m",
        "sustained_6m",
        "sustained_12m",
    )


def _display_value(value: float | None, share: bool) -> float | None:
    if value is None:
        return None
    if share:
        # shares are stored as fractions; show whole percent (SPEC 2.5)
        return round(value * 100) if value <= 1 else round(value)
    return value


# -- headline indicators --------------------------------------------------------------------


@dataclass(frozen=True)
class Headline:
    """One indicator for the latest period, with its change on the previous period and on the
    same period a year before. Values are None when suppressed or not published."""

    metric_id: str
    period_type: str
    period_start: date | None
    value: float | None
    previous: float | None
    last_year: float | None
    status: str
    previous_status: str = "not_published"
    last_year_status: str = "not_published"

    @property
    def label(self) -> str:
        return period_label(self.period_start, self.period_type) if self.period_start else "—"

    @property
    def change_on_previous(self) -> float | None:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous

    @property
    def change_on_last_year(self) -> float | None:
        if self.value is None or self.last_year is None:
            return None
        return self.value - self.last_year


def _shift_year(d: date) -> date:
    return d.replace(year=d.year - 1)


def add_months(d: date, months: int) -> date:
    """The first of the month ``months`` after (or before, if negative) ``d``'s month."""
    index = d.year * 12 + d.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _previous_period(d: date, period_type: str) -> date:
    if period_type == "fy":
        return _shift_year(d)
    return add_months(d, -1 if period_type == "month" else -3)


def headline(
    metrics: pl.DataFrame,
    metric_id: str,
    period_type: str,
    geography: str = LONDON_CODE,
    *,
    period_start: date | None = None,
) -> Headline:
    """The latest (or given) period's value of one metric, with its comparisons."""
    rows = metrics.filter(
        (pl.col("metric_id") == metric_id)
        & (pl.col("period_type") == period_type)
        & (pl.col("geography_code") == geography)
        & (pl.col("breakdown") == "all")
    )
    if rows.is_empty():
        return Headline(metric_id, period_type, None, None, None, None, "not_published")
    if period_start is None:
        period_start = rows.get_column("period_start").max()  # type: ignore[assignment]
    values = dict(zip(_dates(rows), rows.get_column("value").to_list(), strict=True))
    statuses = dict(zip(_dates(rows), rows.get_column("status").to_list(), strict=True))
    assert period_start is not None
    prev = _previous_period(period_start, period_type)
    return Headline(
        metric_id,
        period_type,
        period_start,
        values.get(period_start),
        values.get(prev),
        values.get(_shift_year(period_start)),
        statuses.get(period_start, "not_published"),
        statuses.get(prev, "not_published"),
        statuses.get(_shift_year(period_start), "not_published"),
    )


def figure_words(value: float | None, status: str, *, share: bool = False) -> str:
    """A figure as people read it: the number, 'fewer than 10' when suppressed, '—' when absent."""
    if value is None:
        return {
            "suppressed": "fewer than 10",
            "incomplete_follow_up": "follow-up not complete",
        }.get(status, "—")
    return f"{value:,.0f}{'%' if share else ''}"


def headline_table(headlines: Sequence[Headline]) -> pl.DataFrame:
    """The headline indicators as a table (for the table alternative and download)."""
    return pl.DataFrame(
        {
            "metric_id": [h.metric_id for h in headlines],
            "indicator": [metric_title(h.metric_id) for h in headlines],
            "period_type": [h.period_type for h in headlines],
            "period": [h.label for h in headlines],
            "value": [h.value for h in headlines],
            "previous_period": [h.previous for h in headlines],
            "same_period_last_year": [h.last_year for h in headlines],
            "status": [h.status for h in headlines],
        },
        schema_overrides={
            "value": pl.Float64,
            "previous_period": pl.Float64,
            "same_period_last_year": pl.Float64,
        },
    )


# -- trends ---------------------------------------------------------------------------------


def _series(
    metrics: pl.DataFrame, metric_id: str, geography: str, period_type: str, breakdown: str = "all"
) -> pl.DataFrame:
    return metrics.filter(
        (pl.col("metric_id") == metric_id)
        & (pl.col("geography_code") == geography)
        & (pl.col("period_type") == period_type)
        & (pl.col("breakdown") == breakdown)
    ).sort("period_start")


def _shown(frame: pl.DataFrame) -> pl.DataFrame:
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
        out = out.with_columns(words_for(out, "geography_code", _place_name).alias("geography"))
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


def _place_name(code: str) -> str:
    try:
        return borough_name(code)
    except KeyError:
        return code


def trend_chart(
    words: Words,
    metrics: pl.DataFrame,
    metric_ids: Sequence[str],
    geography: str = LONDON_CODE,
    *,
    period_type: str = "month",
    title: str | None = None,
    key: str | None = None,
    compare_geography: str | None = None,
) -> Chart:
    """Monthly (or quarterly, yearly) lines for one or more metrics in one place.

    Suppressed periods are gaps in the line, never zeros. With ``compare_geography`` the same
    metric is drawn for a second place (a borough against London) on its own axis scale.
    """
    place = _place_name(geography)
    title = (
        title
        or f"{', '.join(metric_title(m) for m in metric_ids)} — {place}, by {PERIOD_WORDS[period_type]}"
    )
    key = key or f"trend-{'-'.join(metric_ids)}-{geography}-{period_type}"
    subtitle = words.subtitle(metric_ids)
    footnote = words.footnote()
    frames = []
    geos = [geography] + ([compare_geography] if compare_geography else [])
    for g in geos:
        for m in metric_ids:
            frames.append(_series(metrics, m, g, period_type))
    data = pl.concat(frames) if frames else pl.DataFrame()
    if data.is_empty():
        return _empty_chart(key, title, subtitle, footnote, "No published figures for this view.")
    if compare_geography:
        fig = make_subplots(
            rows=1,
            cols=2,
            subplot_titles=[_place_name(g) for g in geos],
            shared_xaxes=True,
            horizontal_spacing=0.08,
        )
    else:
        fig = go.Figure()
    colour_i = 0
    for gi, g in enumerate(geos):
        for mi, m in enumerate(metric_ids):
            s = _series(metrics, m, g, period_type)
            if s.is_empty():
                continue
            share = _is_share(words.definition(m), m)
            ys = [_display_value(v, share) for v in s.get_column("value").to_list()]
            trace = go.Scatter(
                x=_dates(s),
                y=ys,
                mode="lines+markers" if len(ys) < 16 else "lines",
                name=metric_title(m),
                line={"color": theme.SERIES[mi % len(theme.SERIES)], "width": 2.5},
                connectgaps=False,
                legendgroup=m,
                showlegend=gi == 0 and len(metric_ids) > 1,
                hovertemplate=f"{metric_title(m)}<br>%{{x|%b %Y}}: %{{y:,.0f}}"
                + ("%" if share else "")
                + "<extra></extra>",
            )
            if compare_geography:
                fig.add_trace(trace, row=1, col=gi + 1)
            else:
                fig.add_trace(trace)
            colour_i += 1
    share_any = any(_is_share(words.definition(m), m) for m in metric_ids)
    _style(fig, y_title="per cent" if share_any else "people")
    if len(metric_ids) == 1 and not compare_geography:
        fig.update_layout(showlegend=False)
    _year_ticks(fig, sorted(set(_dates(data))), period_type)
    suppressed = data.filter(pl.col("status") == "suppressed").height
    notes = [f"{suppressed} period(s) suppressed (gaps)."] if suppressed else []
    return Chart(key, title, subtitle, footnote, fig, _shown(data), notes=notes)


FLOW_STOCK_RETURNER = ("flow_new", "stock", "returner")


def readable_period_type(
    metrics: pl.DataFrame,
    metric_ids: Sequence[str],
    geography: str = LONDON_CODE,
    *,
    min_published: float = 0.75,
    recent: int = 8,
) -> str:
    """The finest period (month, quarter, financial year) in which most recent figures of these
    metrics are published, so a trend is a line rather than a row of gaps.

    Looks at the last ``recent`` periods of each type (the start of the data is all new people,
    so older periods say little) and needs ``min_published`` of them to carry a figure.
    """
    here = metrics.filter(
        pl.col("metric_id").is_in(list(metric_ids))
        & (pl.col("geography_code") == geography)
        & (pl.col("breakdown") == "all")
    )
    present = [p for p in ("month", "quarter", "fy") if p in set(here["period_type"].to_list())]
    for period_type in present[:-1]:
        rows = here.filter(pl.col("period_type") == period_type)
        starts = rows.get_column("period_start").unique().sort().tail(recent)
        latest = rows.filter(pl.col("period_start").is_in(starts.implode()))
        if latest.get_column("value").is_not_null().mean() >= min_published:  # type: ignore[operator]
            return period_type
    return present[-1] if present else "month"


def by_readable_period(
    metrics: pl.DataFrame,
    metric_ids: Sequence[str],
    geography: str,
    draw: Callable[[str], Chart],
) -> Chart:
    """Draw a trend by the finest readable period (``readable_period_type``), with a note
    saying why when that is a quarter or a year rather than a month."""
    period_type = readable_period_type(metrics, metric_ids, geography)
    chart = draw(period_type)
    if period_type != "month":
        chart.notes.append(
            f"Shown by {PERIOD_WORDS[period_type]}: most recent monthly figures here count fewer "
            "than 10 people and are suppressed."
        )
    return chart


def flow_stock_returner_chart(
    words: Words, metrics: pl.DataFrame, geography: str = LONDON_CODE, *, period_type: str = "month"
) -> Chart:
    """Stacked bars: everyone seen rough sleeping, split into new, stock and returners."""
    place = _place_name(geography)
    title = f"New, stock and returners — {place}, by {PERIOD_WORDS[period_type]}"
    key = f"flow-stock-returner-{geography}-{period_type}"
    ids = FLOW_STOCK_RETURNER
    subtitle = words.subtitle(ids)
    footnote = words.footnote()
    data = pl.concat([_series(metrics, m, geography, period_type) for m in ids])
    if data.is_empty():
        return _empty_chart(key, title, subtitle, footnote, "No published figures for this view.")
    fig = go.Figure()
    colours = (theme.OKABE_ITO["sky_blue"], theme.OKABE_ITO["blue"], theme.OKABE_ITO["orange"])
    for m, colour in zip(ids, colours, strict=True):
        s = _series(metrics, m, geography, period_type)
        fig.add_trace(
            go.Bar(
                x=_dates(s),
                y=s.get_column("value").to_list(),
                name=metric_title(m).split(" (")[0],
                marker_color=colour,
                hovertemplate=f"{metric_title(m)}<br>%{{x|%b %Y}}: %{{y:,.0f}}<extra></extra>",
            )
        )
    fig.update_layout(barmode="stack", bargap=0.15, legend_traceorder="normal")
    _style(fig, y_title="people")
    _year_ticks(fig, sorted(set(_dates(data))), period_type)
    return Chart(key, title, subtitle, footnote, fig, _shown(data))


def rare_brief_nonrecurrent(
    words: Words, metrics: pl.DataFrame, geography: str = LONDON_CODE, *, period_type: str = "month"
) -> Chart:
    """The government's three aims, side by side, monthly (or by ``period_type``).

    Rare: new people seen rough sleeping. Brief: share of new people seen only one night.
    Non-recurrent: returners.
    """
    panels = (
        ("flow_new", "Rare — new people"),
        ("new_single_night", "Brief — new people seen one night only (%)"),
        ("returner", "Non-recurrent — returners"),
    )
    place = _place_name(geography)
    title = f"Rare, brief, non-recurrent — {place}" + (
        f", by {PERIOD_WORDS[period_type]}" if period_type != "month" else ""
    )
    key = f"rare-brief-nonrecurrent-{geography}" + (
        f"-{period_type}" if period_type != "month" else ""
    )
    subtitle = words.subtitle([m for m, _ in panels])
    footnote = words.footnote("Lower is better for rare and non-recurrent; higher for brief.")
    series = {m: _series(metrics, m, geography, period_type) for m, _ in panels}
    data = pl.concat(list(series.values()))
    if data.is_empty():
        return _empty_chart(key, title, subtitle, footnote, "No published figures for this view.")
    fig = make_subplots(
        rows=1, cols=3, subplot_titles=[t for _, t in panels], horizontal_spacing=0.07
    )
    colours = (theme.OKABE_ITO["blue"], theme.OKABE_ITO["bluish_green"], theme.OKABE_ITO["orange"])
    for i, ((m, _), colour) in enumerate(zip(panels, colours, strict=True), start=1):
        s = series[m]
        share = _is_share(words.definition(m), m)
        ys = [_display_value(v, share) for v in s.get_column("value").to_list()]
        fig.add_trace(
            go.Scatter(
                x=_dates(s),
                y=ys,
                # markers too when points are few, so a figure between two gaps still shows
                mode="lines+markers" if len(ys) < 16 else "lines",
                line={"color": colour, "width": 2.5},
                name=metric_title(m),
                showlegend=False,
                connectgaps=False,
                hovertemplate="%{x|%b %Y}: %{y:,.0f}" + ("%" if share else "") + "<extra></extra>",
            ),
            row=1,
            col=i,
        )
    _style(fig, height=320)
    fig.update_layout(margin={"r": 45})  # room for the last year's label under the last panel
    fig.update_annotations(font_size=14)
    fig.update_yaxes(rangemode="tozero")
    for i, (m, _) in enumerate(panels, start=1):
        if (series[m]["value"].fill_null(0) == 0).all():
            # an empty panel says why, rather than looking like a drawing fault
            axis = "" if i == 1 else str(i)
            fig.add_annotation(
                x=0.5, y=0.5, xref=f"x{axis} domain", yref=f"y{axis} domain",
                text="Suppressed (fewer than<br>10 people) or zero<br>in every period",
                showarrow=False, font={"size": 13, "color": theme.MUTED},
            )  # fmt: skip
    _year_ticks(fig, sorted(set(_dates(data))), period_type)
    return Chart(key, title, subtitle, footnote, fig, _shown(data))


def breakdown_chart(
    words: Words,
    metrics: pl.DataFrame,
    metric_id: str,
    breakdown: str,
    geography: str = LONDON_CODE,
    *,
    period_type: str = "fy",
) -> Chart:
    """Bars for one metric split by a breakdown (age band, gender, ...), latest period."""
    place = _place_name(geography)
    words_b = breakdown.replace("_", " ")
    key = f"breakdown-{metric_id}-{breakdown}-{geography}"
    subtitle = words.subtitle([metric_id])
    footnote = words.footnote()
    rows = metrics.filter(
        (pl.col("metric_id") == metric_id)
        & (pl.col("geography_code") == geography)
        & (pl.col("period_type") == period_type)
        & pl.col("breakdown").str.starts_with(f"{breakdown}=")
    )
    if breakdown.startswith("nationality") and geography != LONDON_CODE:
        raise ValueError("nationality is shown only for London as a whole")
    if rows.is_empty():
        return _empty_chart(
            key,
            f"{metric_title(metric_id)} by {words_b} — {place}",
            subtitle,
            footnote,
            "No published figures for this breakdown.",
        )
    latest = rows.get_column("period_start").max()
    order = list(BREAKDOWN_VALUE_WORDS)
    rows = rows.filter(pl.col("period_start") == latest)
    # age bands youngest first; 'unknown' last; otherwise alphabetical
    rows = (
        rows.with_columns(
            words_for(
                rows,
                "breakdown",
                lambda b: (
                    f"{order.index(v):03d}"
                    if (v := b.split("=", 1)[-1]) in order and b.startswith("age_band=")
                    else ("zzz" if v == "unknown" else f"100{v}")
                ),
            ).alias("_order")
        )
        .sort("_order")
        .drop("_order")
    )
    title = (
        f"{metric_title(metric_id)} by {words_b} — {place}, "
        f"{period_label(latest, period_type)}"  # type: ignore[arg-type]
    )
    share = _is_share(words.definition(metric_id), metric_id)
    values = [_display_value(v, share) for v in rows.get_column("value").to_list()]
    statuses = rows.get_column("status").to_list()
    labels = [
        breakdown_words(b)
        + ("" if v is not None else " (fewer than 10)" if st == "suppressed" else " (—)")
        for b, v, st in zip(rows.get_column("breakdown"), values, statuses, strict=True)
    ]
    fig = go.Figure(
        go.Bar(
            x=values,
            y=labels,
            orientation="h",
            marker_color=theme.OKABE_ITO["blue"],
            text=["suppressed" if v is None else f"{v:,.0f}{'%' if share else ''}" for v in values],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}: %{x:,.0f}<extra></extra>",
        )
    )
    _style(fig, height=max(240, 48 * len(labels) + 80))
    fig.update_yaxes(type="category", autorange="reversed", gridcolor="rgba(0,0,0,0)")
    fig.update_xaxes(
        title_text="per cent" if share else "people", showgrid=True, gridcolor=theme.GRID
    )
    return Chart(key, title, subtitle, footnote, fig, _shown(rows))


def breakdown_words(breakdown: str) -> str:
    """'age_band=18_25' as '18–25', 'nationality_group=eu_eea' as 'EU/EEA'."""
    return value_words(breakdown)


def compare_to_london_chart(
    words: Words,
    metrics: pl.DataFrame,
    borough: str,
    metric_ids: Sequence[str],
    *,
    period_type: str = "fy",
) -> Chart:
    """A borough against London on shares (which compare fairly across sizes), latest period."""
    name = _place_name(borough)
    key = f"compare-london-{borough}"
    subtitle = words.subtitle(metric_ids)
    footnote = words.footnote()
    rows = metrics.filter(
        pl.col("metric_id").is_in(list(metric_ids))
        & pl.col("geography_code").is_in([borough, LONDON_CODE])
        & (pl.col("period_type") == period_type)
        & (pl.col("breakdown") == "all")
    )
    if rows.is_empty():
        return _empty_chart(
            key, f"{name} against London", subtitle, footnote, "No published shares."
        )
    latest = rows.filter(pl.col("geography_code") == borough).get_column("period_start").max()
    if latest is None:
        latest = rows.get_column("period_start").max()
    rows = rows.filter(pl.col("period_start") == latest).sort(["metric_id", "geography_code"])
    title = f"{name} against London — {period_label(latest, period_type)}"  # type: ignore[arg-type]
    fig = go.Figure()
    for g, colour, symbol in (
        (LONDON_CODE, theme.LONDON_COLOUR, "diamond"),
        (borough, theme.BOROUGH_COLOUR, "circle"),
    ):
        s = rows.filter(pl.col("geography_code") == g)
        fig.add_trace(
            go.Scatter(
                x=[_display_value(v, True) for v in s.get_column("value").to_list()],
                y=[metric_title(m) for m in s.get_column("metric_id")],
                mode="markers",
                name=_place_name(g),
                marker={"color": colour, "size": 14, "symbol": symbol},
                hovertemplate="%{y}: %{x:.0f}%<extra>" + _place_name(g) + "</extra>",
            )
        )
    _style(fig, height=max(260, 60 * len(metric_ids) + 100))
    fig.update_xaxes(
        range=[0, 100], dtick=25, title_text="per cent", showgrid=True, gridcolor=theme.GRID
    )
    # automargin: the indicator names are long and must not be cut at the left edge
    fig.update_yaxes(gridcolor=theme.GRID, autorange="reversed", automargin=True)
    chart = Chart(key, title, subtitle, footnote, fig, _shown(rows))
    reasons = {
        "suppressed": "suppressed (fewer than 10 people)",
        "incomplete_follow_up": "not yet known (follow-up not complete)",
    }
    for r in rows.filter(pl.col("value").is_null()).iter_rows(named=True):
        chart.notes.append(
            f"{metric_title(r['metric_id'])}, {_place_name(r['geography_code'])}: "
            f"{reasons.get(r['status'], 'not published')}."
        )
    return chart


# -- the borough map ------------------------------------------------------------------------


@dataclass(frozen=True)
class Tile:
    code: str
    abbr: str
    col: int
    row: int


def borough_tiles() -> tuple[Tile, ...]:
    """The square tile layout of the 33 boroughs (``assets/london_tiles.csv``)."""
    with open(ASSETS / "london_tiles.csv", encoding="utf-8", newline="") as f:
        return tuple(
            Tile(r["code"], r["abbr"], int(r["col"]), int(r["row"])) for r in csv.DictReader(f)
        )


MAP_LAYER_ID = "boroughs"


def map_table(
    totals: pl.DataFrame, metric_id: str, period_start: date, bands: Sequence[theme.Band]
) -> pl.DataFrame:
    """One row per borough for one month: value, status and band (the map's table view)."""
    rows = totals.filter(
        (pl.col("metric_id") == metric_id)
        & (pl.col("period_start") == period_start)
        & (pl.col("breakdown") == "all")
        & (pl.col("geography_code") != LONDON_CODE)
    )
    by_code = {r["geography_code"]: r for r in rows.iter_rows(named=True)}
    out = []
    for t in borough_tiles():
        r = by_code.get(t.code)
        value = r["value"] if r else None
        status = r["status"] if r else "not_published"
        band = theme.band_for(value, bands)
        out.append(
            {
                "geography_code": t.code,
                "geography": borough_name(t.code),
                "metric_id": metric_id,
                "period_start": period_start,
                "value": value,
                "status": status,
                "band": band.label
                if band
                else ("suppressed" if status == "suppressed" else "no figure"),
            }
        )
    return pl.DataFrame(out, schema_overrides={"value": pl.Float64})


def _tile_square(col: int, row: int, gap: float = 0.06) -> list[list[float]]:
    a, b = col + gap, col + 1 - gap
    c, d = row + gap, row + 1 - gap
    return [[a, c], [b, c], [b, d], [a, d]]


def borough_map(
    words: Words,
    totals: pl.DataFrame,
    metric_id: str,
    period_start: date,
    bands: Sequence[theme.Band],
    *,
    selected: str | None = None,
    boundaries: dict[str, Any] | None = None,
    period_type: str = "month",
) -> Chart:
    """The borough map for one period (a month by default): classed colour bands, never finer than borough.

    By default a tile map (one square per borough, roughly where it lies) drawn with no basemap,
    so it works offline and every borough, the City included, is the same size. With
    ``boundaries`` (an ONS borough boundary GeoJSON, already loaded) it draws the real shapes,
    still with no basemap tiles.
    """
    table = map_table(totals, metric_id, period_start, bands)
    title = f"{metric_title(metric_id)} by borough — {period_label(period_start, period_type)}"
    subtitle = words.subtitle([metric_id])
    footnote = words.footnote("Boroughs are the finest geography Pathways shows.")
    key = f"map-{metric_id}-{period_type}-{period_start.isoformat()}"
    records = []
    tiles = {t.code: t for t in borough_tiles()}
    for r in table.iter_rows(named=True):
        band = theme.band_for(r["value"], bands)
        fill = (
            band.colour
            if band
            else (theme.SUPPRESSED_FILL if r["status"] == "suppressed" else theme.NO_DATA_FILL)
        )
        t = tiles[r["geography_code"]]
        shown = "suppressed" if r["value"] is None else f"{r['value']:,.0f}"
        records.append(
            {
                "code": r["geography_code"],
                "name": r["geography"],
                "abbr": t.abbr,
                "value_text": shown,
                "band": r["band"],
                "polygon": _tile_square(t.col, t.row),
                "centre": [t.col + 0.5, t.row + 0.5],
                "fill": [*theme.hex_to_rgb(fill), 255],
                "text_colour": [*theme.hex_to_rgb(theme.text_on(fill)), 255],
                "line": [0, 0, 0, 255] if r["geography_code"] == selected else [255, 255, 255, 255],
                "line_width": 4 if r["geography_code"] == selected else 1,
            }
        )
    tooltip = {
        "html": "<b>{name}</b><br/>{value_text} — band {band}",
        "style": {"fontFamily": theme.FONT_FAMILY, "fontSize": "14px"},
    }
    if boundaries is not None:
        figure: go.Figure | pdk.Deck = _boundary_deck(records, boundaries, tooltip)
    else:
        figure = _tile_figure(records, selected)
    return Chart(key, title, subtitle, footnote, figure, table)


def _tile_figure(records: list[dict[str, Any]], selected: str | None) -> go.Figure:
    """Squares as layout shapes (they scale with the chart), with one clickable point per tile."""
    fig = go.Figure()
    shapes = []
    for r in records:
        (x0, y0), _, (x1, y1), _ = r["polygon"]
        chosen = r["code"] == selected
        shapes.append(
            {
                "type": "rect", "x0": x0, "x1": x1, "y0": y0, "y1": y1, "layer": "below",
                "fillcolor": "rgb({},{},{})".format(*r["fill"][:3]),
                "line": {"color": theme.INK if chosen else "white", "width": 4 if chosen else 1},
            }
        )  # fmt: skip
    # all tiles in one assignment: adding shapes one by one re-validates the list each time
    fig.update_layout(shapes=shapes)
    fig.add_trace(
        go.Scatter(
            x=[r["centre"][0] for r in records],
            y=[r["centre"][1] for r in records],
            mode="markers+text",
            text=[
                f"<b>{r['abbr']}</b><br>{r['value_text'].replace('suppressed', '—')}"
                for r in records
            ],
            textfont={
                "family": theme.FONT_FAMILY,
                "size": 13,
                "color": ["rgb({},{},{})".format(*r["text_colour"][:3]) for r in records],
            },
            marker={"symbol": "square", "size": 46, "opacity": 0.01, "color": "white"},
            customdata=[[r["code"], r["name"], r["value_text"], r["band"]] for r in records],
            hovertemplate="<b>%{customdata[1]}</b><br>%{customdata[2]} — band %{customdata[3]}"
            "<extra></extra>",
            showlegend=False,
        )
    )
    cols = max(r["centre"][0] for r in records) + 0.5
    rows = max(r["centre"][1] for r in records) + 0.5
    fig.update_layout(
        template=theme.TEMPLATE,
        height=520,
        margin={"l": 4, "r": 4, "t": 4, "b": 4},
        dragmode=False,
        clickmode="event+select",
        xaxis={"visible": False, "range": [-0.1, cols + 0.1], "fixedrange": True},
        yaxis={
            "visible": False,
            "range": [rows + 0.1, -0.1],  # row 0 at the top
            "scaleanchor": "x",
            "fixedrange": True,
        },
    )
    return fig


def _feature_code(properties: dict[str, Any]) -> str | None:
    for value in properties.values():
        if isinstance(value, str) and value.startswith("E09") and len(value) == 9:
            return value
    return None


def load_boundaries(path: Path) -> dict[str, Any]:
    """Read an ONS borough boundary GeoJSON (WGS84), keeping only London borough features."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    features = [f for f in data.get("features", []) if _feature_code(f.get("properties") or {})]
    return {"type": "FeatureCollection", "features": features}


def _boundary_deck(
    records: list[dict[str, Any]], boundaries: dict[str, Any], tooltip: dict[str, Any]
) -> pdk.Deck:
    by_code = {r["code"]: r for r in records}
    features = []
    for f in boundaries["features"]:
        code = _feature_code(f.get("properties") or {})
        if code in by_code:
            r = by_code[code]
            props = {
                k: r[k] for k in ("code", "name", "abbr", "value_text", "band", "fill", "line")
            }
            features.append({"type": "Feature", "geometry": f["geometry"], "properties": props})
    layer = pdk.Layer(
        "GeoJsonLayer",
        id=MAP_LAYER_ID,
        data={"type": "FeatureCollection", "features": features},
        get_fill_color="properties.fill",
        get_line_color=[255, 255, 255, 255],
        line_width_min_pixels=1,
        pickable=True,
        auto_highlight=True,
        highlight_color=[230, 159, 0, 160],
    )
    return pdk.Deck(
        layers=[layer],
        initial_view_state=pdk.ViewState(latitude=51.49, longitude=-0.11, zoom=8.6),
        map_provider=None,
        map_style=None,
        tooltip={"html": "<b>{name}</b><br/>{value_text} — band {band}"},  # type: ignore[arg-type]
    )


def borough_ranking_chart(
    words: Words,
    table: pl.DataFrame,
    metric_id: str,
    period_start: date,
    *,
    period_type: str = "month",
    selected: str | None = None,
) -> Chart:
    """Boroughs ranked by one published total (the map's table, as bars), largest first.

    Suppressed boroughs are not ranked: a note names how many there are, never their place in
    the order. ``selected`` (a borough lead's own borough) is drawn in the borough colour.
    """
    label = period_label(period_start, period_type)
    title = f"{metric_title(metric_id)}: boroughs ranked — {label}"
    key = f"ranking-{metric_id}-{period_type}-{period_start.isoformat()}"
    subtitle = words.subtitle([metric_id])
    footnote = words.footnote("Boroughs are the finest geography Pathways shows.")
    ranked = table.filter(pl.col("value").is_not_null()).sort(
        ["value", "geography"], descending=[True, False]
    )
    if ranked.is_empty():
        return _empty_chart(
            key, title, subtitle, footnote, "No borough has a published figure for this period."
        )
    names = ranked.get_column("geography").to_list()
    codes = ranked.get_column("geography_code").to_list()
    values = ranked.get_column("value").to_list()
    colours = [
        theme.OKABE_ITO["orange"] if c == selected else theme.OKABE_ITO["blue"] for c in codes
    ]
    fig = go.Figure(
        go.Bar(
            x=values,
            y=[f"<b>{n}</b>" if c == selected else n for n, c in zip(names, codes, strict=True)],
            orientation="h",
            marker_color=colours,
            text=[f"{v:,.0f}" for v in values],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}: %{x:,.0f}<extra></extra>",
        )
    )
    _style(fig, height=max(260, 17 * len(values) + 80))
    fig.update_layout(margin={"l": 10, "r": 40, "t": 10, "b": 40}, bargap=0.25)
    fig.update_yaxes(type="category", autorange="reversed", automargin=True, tickfont={"size": 11})
    fig.update_xaxes(title_text="people", showgrid=True, gridcolor=theme.GRID)
    chart = Chart(key, title, subtitle, footnote, fig, ranked)
    hidden = table.height - ranked.height
    if hidden:
        chart.notes.append(
            f"{hidden} borough(s) not ranked: their figure is suppressed or not published."
        )
    return chart


# -- pathways -------------------------------------------------------------------------------


def _state_words(state: str) -> str:
    """A Sankey state as people read it ('TA' as 'temporary accommodation')."""
    return STATE_WORDS.get(state, state.replace("_", " "))


def sankey_chart(words: Words, pathways: pl.DataFrame, geography: str, cohort_period: str) -> Chart:
    """Where a cohort came from and went: before → first response → 6 months → 12 months."""
    place = _place_name(geography)
    title = f"Pathways of people first seen in {cohort_period} — {place}"
    key = f"sankey-{geography}-{cohort_period}"
    subtitle = (
        words.subtitle(["pathways"])
        if words.definition("pathways").text
        else "People first seen rough sleeping in the cohort period, followed through four stages: "
        "what came before, the first response within 90 days, and where they were at 6 and 12 "
        "months (SPEC pathways, definition "
        f"v{words.info.definitions_version or '?'})."
    )
    footnote = words.footnote("Flows below the threshold are folded into 'other (small numbers)'.")
    links = pathways.filter(
        (pl.col("geography_code") == geography) & (pl.col("cohort_period") == cohort_period)
    )
    shown = links.filter(pl.col("count").is_not_null() & (pl.col("count") > 0))
    if shown.is_empty():
        return _empty_chart(
            key, title, subtitle, footnote, "No published pathways for this cohort."
        )
    small = OTHER_SMALL_NUMBERS
    if shown.filter((pl.col("state_from") != small) | (pl.col("state_to") != small)).is_empty():
        # every flow was folded into 'other': a chart of one grey band says nothing
        chart = _empty_chart(
            key,
            title,
            subtitle,
            footnote,
            f"Too few people in this cohort in {place} to show where they went: every flow "
            "counts fewer than 10 people. London as a whole shows the pattern across the city.",
        )
        chart.data = links.select(
            "cohort_period", "geography_code", "stage_from", "state_from", "stage_to",
            "state_to", "count", "status",
        )  # fmt: skip
        return chart
    nodes: list[tuple[str, str]] = []
    for stage in STAGE_ORDER:
        states = set(
            shown.filter(pl.col("stage_from") == stage).get_column("state_from").to_list()
        ) | set(shown.filter(pl.col("stage_to") == stage).get_column("state_to").to_list())
        nodes.extend((stage, s) for s in sorted(states, key=lambda s: (s.startswith("other"), s)))
    index = {n: i for i, n in enumerate(nodes)}
    stage_x = {s: i / (len(STAGE_ORDER) - 1) for i, s in enumerate(STAGE_ORDER)}
    palette = [
        c for c in theme.SERIES if c not in (theme.OKABE_ITO["black"], theme.OKABE_ITO["yellow"])
    ]
    palette += [theme.OKABE_ITO["yellow"], "#7f7f7f"]
    state_colour: dict[str, str] = {}
    for _, s in nodes:
        if s not in state_colour:
            state_colour[s] = (
                theme.SUPPRESSED_FILL
                if s.startswith("other")
                else palette[len(state_colour) % len(palette)]
            )
    source, target, value, colours = [], [], [], []
    for r in shown.iter_rows(named=True):
        source.append(index[(r["stage_from"], r["state_from"])])
        target.append(index[(r["stage_to"], r["state_to"])])
        value.append(r["count"])
        c = theme.hex_to_rgb(state_colour[r["state_from"]])
        colours.append(f"rgba({c[0]},{c[1]},{c[2]},0.35)")
    fig = go.Figure(
        go.Sankey(
            arrangement="snap",
            node={
                "label": [_state_words(s) for _, s in nodes],
                "color": [state_colour[s] for _, s in nodes],
                "x": [max(0.001, min(0.999, stage_x[st])) for st, _ in nodes],
                "pad": 18,
                "thickness": 16,
                "line": {"color": "white", "width": 0.5},
                "hovertemplate": "%{label}: %{value:,.0f} people<extra></extra>",
            },
            link={
                "source": source,
                "target": target,
                "value": value,
                "color": colours,
                "hovertemplate": "%{source.label} → %{target.label}: %{value:,.0f}<extra></extra>",
            },
            textfont={"family": theme.FONT_FAMILY, "size": 13, "color": theme.INK},
        )
    )
    for stage in STAGE_ORDER:
        fig.add_annotation(
            x=stage_x[stage],
            y=1.08,
            xref="paper",
            yref="paper",
            text=f"<b>{STAGE_WORDS[stage]}</b>",
            showarrow=False,
            xanchor="center"
            if 0 < stage_x[stage] < 1
            else ("left" if stage_x[stage] == 0 else "right"),
            font={"size": 13},
        )
    _style(fig, height=600)
    fig.update_layout(margin={"l": 10, "r": 10, "t": 50, "b": 20})
    data = links.select(
        "cohort_period",
        "geography_code",
        "stage_from",
        "state_from",
        "stage_to",
        "state_to",
        "count",
        "status",
    ).sort(["stage_from", "state_from", "state_to"])
    return Chart(key, title, subtitle, footnote, fig, data)


def top_paths_chart(
    words: Words, paths: pl.DataFrame, geography: str, cohort_period: str, *, top: int = 10
) -> Chart:
    """The most common whole journeys for a cohort, as horizontal bars."""
    place = _place_name(geography)
    title = f"Most common paths, people first seen in {cohort_period} — {place}"
    key = f"paths-{geography}-{cohort_period}"
    subtitle = "Whole journeys, stage by stage, counted from the state-transition graph."
    footnote = words.footnote("Paths followed by fewer than the threshold are not listed.")
    rows = (
        paths.filter(
            (pl.col("geography_code") == geography)
            & (pl.col("cohort_period") == cohort_period)
            & pl.col("count").is_not_null()
        )
        .sort("count", descending=True)
        .head(top)
    )
    if rows.is_empty():
        return _empty_chart(key, title, subtitle, footnote, "No published paths for this cohort.")
    labels = [
        " → ".join(_state_words(part.strip()) for part in p.replace(">", "→").split("→"))
        for p in rows.get_column("path")
    ]
    fig = go.Figure(
        go.Bar(
            x=rows.get_column("count").to_list(),
            y=labels,
            orientation="h",
            marker_color=theme.OKABE_ITO["bluish_green"],
            text=[f"{v:,}" for v in rows.get_column("count")],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}<br>%{x:,} people<extra></extra>",
        )
    )
    _style(fig, height=max(260, 42 * rows.height + 80))
    fig.update_yaxes(autorange="reversed", automargin=True)
    fig.update_xaxes(title_text="people", showgrid=True, gridcolor=theme.GRID)
    return Chart(key, title, subtitle, footnote, fig, rows)


# -- returns to the street (survival) -------------------------------------------------------


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
        return _place_name(value)
    return BREAKDOWN_VALUE_WORDS.get(value, value.replace("_", " ").capitalize())


def group_words(group: str) -> str:
    """A survival or comparison group in plain words, naming its dimension where the value alone
    is ambiguous: 'first_intervention=housing_first' as 'Housing First', 'borough=E09000007' as
    'Camden', 'ethnic_group=unknown' as 'Ethnic group: not known'."""
    dimension = group.partition("=")[0] if "=" in group else ""
    words = value_words(group)
    if dimension in DIMENSION_WORDS and not words.startswith("No support"):
        return f"{DIMENSION_WORDS[dimension]}: {words}"
    return words


_group_words = group_words


def _steps(t: list[int], y: list[float | None]) -> tuple[list[int], list[float | None]]:
    """A step function's corners: each value holds from its day until the next published day."""
    xs: list[int] = []
    ys: list[float | None] = []
    for i, (day, value) in enumerate(zip(t, y, strict=True)):
        xs += [day] if i == 0 else [day, day]
        ys += [value] if i == 0 else [y[i - 1], value]
    return xs, ys


def survival_chart(
    words: Words,
    survival: pl.DataFrame,
    curve_id: str,
    geography: str,
    *,
    groups: Sequence[str] | None = None,
    compare_geography: str | None = None,
    y_title: str = "still off the street (%)",
    title: str | None = None,
    x_title: str = "days since moving in",
) -> Chart:
    """Step curves with 95% confidence bands, one per group (and place).

    Each published row is an interval ending at ``t_days``: the curve steps there, at the end of
    the interval, and stays flat until the next published interval ends.
    """
    place = _place_name(geography)
    title = title or f"{metric_title(curve_id)} — {place}"
    key = f"survival-{curve_id}-{geography}"
    subtitle = words.subtitle([curve_id])
    footnote = words.footnote(curve_protection_words(words.info.sdc))
    geos = [geography] + ([compare_geography] if compare_geography else [])
    rows = survival.filter((pl.col("curve_id") == curve_id) & pl.col("geography_code").is_in(geos))
    if groups is not None:
        rows = rows.filter(pl.col("group").is_in(list(groups)))
    rows = rows.filter(pl.col("estimate").is_not_null()).sort(["geography_code", "group", "t_days"])
    # A curve that stops at its start (its first interval already held a small number) is not
    # a curve: leave it out and name it.
    steps = pl.len().over("geography_code", "group")
    stopped = rows.filter(steps < 2).select("geography_code", "group").unique(maintain_order=True)
    rows = rows.filter(steps >= 2)

    def series_name(g: str, grp: str) -> str:
        return (
            _group_words(grp)
            if not compare_geography
            else f"{_place_name(g)} — {_group_words(grp)}"
        )

    if stopped.height:
        footnote += (
            " Not drawn, too few people for a curve beyond its start: "
            + ", ".join(series_name(g, grp) for g, grp in stopped.rows())
            + "."
        )
    if rows.is_empty():
        return _empty_chart(key, title, subtitle, footnote, "No published curve for this choice.")
    fig = go.Figure()
    series = rows.select("geography_code", "group").unique(maintain_order=True).rows()
    for i, (g, grp) in enumerate(series):
        s = rows.filter((pl.col("geography_code") == g) & (pl.col("group") == grp))
        colour = theme.SERIES[i % len(theme.SERIES)]
        r, gg, b = theme.hex_to_rgb(colour)
        name = series_name(g, grp)
        t = s.get_column("t_days").to_list()
        est = [v * 100 for v in s.get_column("estimate").to_list()]
        lo = [None if v is None else v * 100 for v in s.get_column("ci_lower").to_list()]
        hi = [None if v is None else v * 100 for v in s.get_column("ci_upper").to_list()]
        # The band as explicit steps: a reversed "hv" edge would step one interval early.
        upper_x, upper_y = _steps(t, hi)
        lower_x, lower_y = _steps(t, lo)
        fig.add_trace(
            go.Scatter(
                x=upper_x + lower_x[::-1],
                y=upper_y + lower_y[::-1],
                fill="toself",
                fillcolor=f"rgba({r},{gg},{b},0.15)",
                line={"width": 0},
                hoverinfo="skip",
                showlegend=False,
                legendgroup=name,
            )
        )
        fig.add_trace(
            go.Scatter(
                x=t,
                y=est,
                mode="lines+markers",
                # a dot on the last step: the curve ends there, it is not cut off by the axis
                marker={"size": [0] * (len(t) - 1) + [7], "color": colour},
                line={"shape": "hv", "color": colour, "width": 2.5},
                name=name,
                legendgroup=name,
                hovertemplate=name + "<br>day %{x}: %{y:.0f}%<extra></extra>",
            )
        )
    _style(fig, height=400, y_title=y_title)
    fig.update_xaxes(title_text=x_title, showgrid=False)
    fig.update_yaxes(range=[0, 101] if "off the street" in y_title else None)
    fig.update_layout(
        shapes=[
            {"type": "line", "x0": d, "x1": d, "y0": 0, "y1": 1, "yref": "paper",
             "line": {"color": theme.GRID, "width": 1, "dash": "dot"}}
            for d in REPORT_DAYS
        ]
    )  # fmt: skip
    return Chart(key, title, subtitle, footnote, fig, rows)


def value_at(survival: pl.DataFrame, t: int) -> pl.DataFrame:
    """Read each curve at day ``t``: the last step at or before it, none beyond the curve's end.

    Returns one row per curve, place and group with ``estimate``, ``ci_lower``, ``ci_upper``
    and ``at_risk`` at that day (null once the curve has stopped).
    """
    keys = ["curve_id", "geography_code", "group"]
    ended = survival.group_by(keys).agg(pl.col("t_days").max().alias("last_t"))
    at = (
        survival.filter(pl.col("t_days") <= t)
        .sort("t_days")
        .group_by(keys, maintain_order=True)
        .last()
        .join(ended, on=keys)
    )
    beyond = pl.col("last_t") < t
    return at.select(
        *keys,
        pl.lit(t, dtype=pl.Int64).alias("day"),
        *[
            pl.when(beyond).then(None).otherwise(pl.col(c)).alias(c)
            for c in ("estimate", "ci_lower", "ci_upper", "at_risk")
        ],
    ).sort(keys)


def survival_at_days(survival: pl.DataFrame, days: Sequence[int] = REPORT_DAYS) -> pl.DataFrame:
    """Each curve read at 90, 180, 365 and 730 days (as percentages), for the table."""
    frames = [value_at(survival, d) for d in days]
    if not frames:
        return pl.DataFrame()
    return (
        pl.concat(frames)
        .with_columns(
            (pl.col(c) * 100).round(0).alias(f"{c}_pct")
            for c in ("estimate", "ci_lower", "ci_upper")
        )
        .select(
            "curve_id",
            "geography_code",
            "group",
            "day",
            "estimate_pct",
            "ci_lower_pct",
            "ci_upper_pct",
            "at_risk",
        )
        .sort(["geography_code", "group", "day"])
    )


def number_at_risk(survival: pl.DataFrame, days: Sequence[int] = (0, *REPORT_DAYS)) -> pl.DataFrame:
    """Number at risk (rounded, as published) under the curve, one column per day."""
    frames = [
        value_at(survival, d).select("geography_code", "group", "day", "at_risk") for d in days
    ]
    if not frames:
        return pl.DataFrame()
    long = pl.concat(frames)
    long = long.with_columns(
        words_for(long, "geography_code", _place_name).alias("place"),
        words_for(long, "group", _group_words),
        pl.format("day {}", pl.col("day")).alias("day"),
    )
    return long.pivot(on="day", index=["place", "group"], values="at_risk").sort(["place", "group"])


def cumulative_incidence_chart(
    words: Words,
    survival: pl.DataFrame,
    curve_id: str,
    geography: str,
    *,
    groups: Sequence[str] | None = ("all",),
) -> Chart:
    """Competing risks: the cumulative incidence of returning to the street and of dying."""
    chart = survival_chart(
        words,
        survival,
        curve_id,
        geography,
        groups=groups,
        y_title="cumulative incidence (%)",
        title=f"Return to the street, with death as a competing event — {_place_name(geography)}",
    )
    chart.key = f"cif-{curve_id}-{geography}"
    chart.subtitle = (
        "Aalen–Johansen cumulative incidence: the share who had returned to rough sleeping (or "
        "died) by each day after moving in, treating death as a competing event rather than "
        "censoring it. "
        + words.subtitle([curve_id if words.definition(curve_id).text else "return_to_street"])
    )
    return chart


# -- comparing interventions ----------------------------------------------------------------


def hazard_ratio_chart(words: Words, comparisons: pl.DataFrame, comparison_id: str) -> Chart:
    """Forest plot of Cox hazard ratios of returning to the street, group against reference."""
    rows = comparisons.filter(
        (pl.col("comparison_id") == comparison_id) & (pl.col("statistic") == "hazard_ratio")
    ).sort("value")
    title = f"Hazard of returning to the street — {COMPARISON_NAMES.get(comparison_id, comparison_id.replace('_', ' '))}"
    key = f"hazard-{comparison_id}"
    subtitle = (
        "Cox proportional hazards ratio of returning to rough sleeping after moving in, adjusted "
        "for age band, gender and support needs, with 95% confidence interval. Below 1: fewer "
        "returns than the reference group. " + words.subtitle(["return_to_street"])
    )
    footnote = words.footnote("Observational data: see the caveat.")
    if rows.is_empty():
        return _empty_chart(key, title, subtitle, footnote, "No published hazard ratios.")
    labels = [
        f"{_group_words(a)} vs {_group_words(b)}"
        for a, b in zip(rows.get_column("group_a"), rows.get_column("group_b"), strict=True)
    ]
    values = rows.get_column("value").to_list()
    lo = rows.get_column("ci_lower").to_list()
    hi = rows.get_column("ci_upper").to_list()
    fig = go.Figure(
        go.Scatter(
            x=values,
            y=labels,
            mode="markers",
            marker={"size": 13, "color": theme.OKABE_ITO["vermillion"], "symbol": "square"},
            error_x={
                "type": "data",
                "symmetric": False,
                "array": [h - v for h, v in zip(hi, values, strict=True)],
                "arrayminus": [v - lo_ for v, lo_ in zip(values, lo, strict=True)],
                "color": theme.INK,
                "thickness": 1.5,
            },
            hovertemplate="%{y}: HR %{x:.2f}<extra></extra>",
        )
    )
    fig.add_vline(x=1, line={"color": theme.MUTED, "dash": "dash"})
    _style(fig, height=max(240, 56 * rows.height + 90))
    fig.update_xaxes(
        type="log", title_text="hazard ratio (log scale)", showgrid=True, gridcolor=theme.GRID
    )
    fig.update_yaxes(autorange="reversed", gridcolor=theme.GRID, automargin=True)
    return Chart(key, title, subtitle, footnote, fig, rows)


def comparison_table(comparisons: pl.DataFrame, comparison_id: str) -> pl.DataFrame:
    """All statistics of one comparison, readable: groups, estimate, interval, p-value, sizes."""
    rows = comparisons.filter(pl.col("comparison_id") == comparison_id)
    return (
        rows.with_columns(
            words_for(rows, "group_a", _group_words),
            words_for(rows, "group_b", _group_words),
            pl.col("value").round(2),
            pl.col("ci_lower").round(2),
            pl.col("ci_upper").round(2),
            pl.col("p_value").round(3),
        )
        .select(
            "statistic",
            "group_a",
            "group_b",
            "value",
            "ci_lower",
            "ci_upper",
            "p_value",
            "n_a",
            "n_b",
        )
        .sort(["statistic", "group_a"])
    )
