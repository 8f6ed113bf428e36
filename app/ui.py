"""What every page shares: the signed-in session, audited widgets and the chart block."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import streamlit as st

from app import catalogue, theme
from app.audit import AuditLog
from app.auth import AccessPolicy, Identity, Role
from app.catalogue import Scene
from app.charts.common import Chart, Words, is_share, long_date, period_label
from app.charts.describe import text_alternative
from app.data import (
    AIM_HEADLINES,
    HEADLINE_METRICS,
    ScopedRelease,
    ScopeError,
    days_old,
    extract_date,
)
from app.pages import PAGES_BY_KEY, PAGES_BY_ROLE
from contract.errors import PathwaysError
from contract.periods import PERIOD_TYPES
from contract.reference import LONDON_CODE
from contract.release import ReleaseManifest
from contract.vocabulary import (
    DIMENSION_WORDS,
    PERIOD_WORDS,
    SUPPRESSED,
    capital,
    fewer_than,
    suppressed_meaning,
)

CONTEXT_KEY = "_pathways_context"
PUBLIC_KEY = "_pathways_public"
PAGE_TABLES_KEY = "_pathways_page_tables"
"""The tables this run of the page drew, in order: (title, key, table), for its workbook."""


@dataclass(frozen=True)
class PublicContext:
    """What the public transparency page may read: the release's manifest, where the audit log
    is, and the access policy (for organisations and roles, never names)."""

    manifest: ReleaseManifest
    audit_path: Path
    policy: AccessPolicy | None
    demo: bool


@dataclass
class Session:
    """The signed-in user for this run: who, which role, why, and their view of the release."""

    identity: Identity
    role: Role
    purpose: str
    release: ScopedRelease
    audit: AuditLog
    demo: bool
    page: str = ""

    @property
    def words(self) -> Words:
        return Words(self.release.manifest)

    def log(self, action: str, details: dict[str, Any] | None = None, page: str | None = None):
        """Append an entry for this user to the audit log."""
        self.audit.append(
            user=self.identity.user_id,
            role=str(self.role),
            purpose=self.purpose,
            page=page if page is not None else self.page,
            action=action,
            details=details or {},
        )

    def may_open(self, page: str) -> bool:
        return page in PAGES_BY_ROLE[self.role.kind]


def session() -> Session:
    """The session the entry script set up for this run."""
    ctx = st.session_state.get(CONTEXT_KEY)
    if not isinstance(ctx, Session):
        st.error("Please sign in from the Pathways home page.")
        st.stop()
    return ctx


BANNER = (
    '<div role="status" style="background:#F46A25;color:#000;padding:0.45rem 0.8rem;'
    'border-radius:0.3rem;font-weight:700;margin-bottom:0.6rem;">'
    "Synthetic data — not real people</div>"
)


def never_shown(sdc: dict[str, Any]) -> str:
    """What Pathways never shows, as a list for the About and public pages."""
    return f"""
- **No people.** No row per person, no names, dates of birth, identifiers, pseudonyms or case notes.
- **No places finer than a borough.** No points, postcodes, streets or sites.
- **No nationality by place.** Nationality appears only for London as a whole, in four broad
  groups, and never on a map.
- **No hotspots or patrol views.** Nothing here can direct enforcement to where people sleep.
- **No small numbers.** {capital(fewer_than(sdc))} people are never shown; other counts are rounded.
"""


def synthetic_banner() -> None:
    """The permanent warning on a synthetic release."""
    st.markdown(BANNER, unsafe_allow_html=True)


TILE_LABELS = (
    "<style>[data-testid='stMetricLabel'] * { white-space: normal !important; "
    "overflow: visible !important; text-overflow: clip !important; }</style>"
)
"""A headline tile's label may take two lines: metric titles are the registry's, not cut short."""


READABLE_CAPTIONS = (
    f"<style>[data-testid='stCaptionContainer'], [data-testid='stCaptionContainer'] * "
    f"{{ color: {theme.MUTED} !important; opacity: 1 !important; }} "
    "[data-testid='stDateInput'] [role='spinbutton'] { display: inline-block; min-width: 24px; "
    "min-height: 24px; line-height: 24px; text-align: center; }</style>"
)
"""Captions in the muted grey (7:1 on white, 6.4:1 on the sidebar), not Streamlit's own light
grey (3.9:1), which fails WCAG 2.2 AA for text (4.5:1); and a date's day, month and year each a
24-pixel target (2.5.8), not three figures crowded together."""


def page_session(page: str) -> Session:
    """Start a page: check the role may open it, then write its title (from the page registry)
    and freshness line."""
    s = session()
    s.page = page
    st.session_state[PAGE_TABLES_KEY] = []
    if not s.may_open(page):
        s.log("refused", {"reason": "page not open to this role", "page": page})
        st.error(f"Your role ({s.role.label}) cannot open this page.")
        st.stop()
    if s.release.manifest.synthetic:
        synthetic_banner()
    st.title(PAGES_BY_KEY[page].title)
    st.markdown(TILE_LABELS + READABLE_CAPTIONS, unsafe_allow_html=True)
    freshness_line(s)
    return s


def freshness_line(s: Session, today: date | None = None) -> None:
    """'Extract date … — N days ago', on every page."""
    manifest = s.release.manifest
    days = days_old(manifest, today)
    when = long_date(extract_date(manifest))
    start, end = manifest.data_period.start, manifest.data_period.end
    period = f" · data {period_label(start, 'month')} to {period_label(end, 'month')}"
    text = f"Extract date {when} — {days} days ago{period} · release {manifest.release_id}"
    if days > 45:
        st.warning(f"{text}. This release is more than six weeks old.", icon=":material/schedule:")
    else:
        st.caption(f":material/schedule: {text}")


def refused(s: Session, error: ScopeError) -> None:
    """Tell the user plainly that the request is outside their scope (already audited)."""
    st.error(f"{error} This request has been recorded in the audit log.", icon="🔒")


def _audit_change(key: str, label: str) -> None:
    s = st.session_state.get(CONTEXT_KEY)
    if isinstance(s, Session):
        value = st.session_state.get(key)
        s.log("filter", {"filter": label, "key": key, "value": _jsonable(value)})


def _jsonable(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def audited(key: str, label: str) -> dict[str, Any]:
    """Keyword arguments that make a widget log each change to the audit log."""
    return {"key": key, "on_change": _audit_change, "args": (key, label)}


def select(
    label: str,
    options: Sequence[Any],
    key: str,
    *,
    format_func: Callable[[Any], str] = str,
    index: int = 0,
    horizontal: bool = False,
) -> Any:
    """An audited selectbox whose stored value survives the options changing."""
    if key in st.session_state and st.session_state[key] not in options:
        del st.session_state[key]
    if horizontal and len(options) <= 6:
        return st.segmented_control(
            label,
            options,
            format_func=format_func,
            default=options[index] if options else None,
            selection_mode="single",
            **audited(key, label),
        ) or (options[index] if options else None)
    return st.selectbox(label, options, index=index, format_func=format_func, **audited(key, label))


def recorded_first(
    s: Session, data: bytes | Callable[[], bytes], details: dict[str, Any]
) -> Callable[[], bytes]:
    """The bytes of a download, handed over only after its audit entry is written.

    Streamlit calls this when the user clicks (a deferred download), so before that the file is
    at no address at all; if the entry cannot be written (the log is missing, say), the call
    fails and nothing is served.
    """
    page = s.page

    def bytes_after_entry() -> bytes:
        s.log("download", details, page=page)
        return data() if callable(data) else data

    return bytes_after_entry


def audited_download(
    label: str, data: bytes | Callable[[], bytes], *, file_name: str, mime: str, key: str, details: dict[str, Any],
    **kwargs: Any,
) -> None:  # fmt: skip
    """A download button whose file exists at no address until the download is in the audit
    log. Every download in the app goes through here."""
    s = st.session_state.get(CONTEXT_KEY)
    if not isinstance(s, Session):
        return
    st.download_button(
        label, data=recorded_first(s, data, details), file_name=file_name, mime=mime, key=key,
        on_click="ignore", icon=":material/download:", **kwargs,
    )  # fmt: skip


def show_chart(
    chart: Chart,
    *,
    height: int | None = None,
    table: pl.DataFrame | None = None,
    plotly_config: dict[str, Any] | None = None,
    select_key: str | None = None,
    bands: Sequence[theme.Band] | None = None,
    suppressed_label: str = "",
) -> Any:
    """Title, definition, figure, footnote, table alternative and the audited CSV download."""
    st.subheader(chart.title, anchor=False)
    st.caption(chart.subtitle)
    event = None
    if chart.figure is None:
        st.info(chart.empty_message or "Nothing to show for this choice.")
    elif hasattr(chart.figure, "to_plotly_json"):
        event = st.plotly_chart(
            chart.figure,
            config={"displaylogo": False, "modeBarButtonsToRemove": ["lasso2d", "select2d"]}
            | (plotly_config or {}),
            key=select_key or f"fig-{chart.key}",
            **({"on_select": "rerun", "selection_mode": "points"} if select_key else {}),
        )
    else:
        event = st.pydeck_chart(
            chart.figure,
            height=height or 520,
            key=select_key or f"deck-{chart.key}",
            **({"on_select": "rerun", "selection_mode": "single-object"} if select_key else {}),
        )
    if bands is not None:
        legend(bands, suppressed_label=suppressed_label)
    if chart.figure is not None:
        s = st.session_state.get(CONTEXT_KEY)
        title_of = s.words.title if isinstance(s, Session) else None
        st.caption(f"In words: {chart.alt_text or text_alternative(chart, title_of)}")
    data_footer(chart, table=table)
    return event


def readable(frame: pl.DataFrame) -> pl.DataFrame:
    """A table for people: whole numbers without '.0', and a dash where there is no figure."""
    out = []
    for name, dtype in frame.schema.items():
        col = pl.col(name)
        if dtype.is_float():
            whole = frame.get_column(name).drop_nulls()
            if whole.len() and (whole.round(0) == whole).all():
                col = col.cast(pl.Int64)
        out.append(col.cast(pl.String).fill_null("—").alias(name))
    return frame.select(out)


def data_footer(chart: Chart, *, table: pl.DataFrame | None = None) -> None:
    """Footnote, table alternative and the audited CSV download of exactly what is shown."""
    for note in chart.notes:
        st.caption(note)
    st.caption(chart.footnote)
    shown = chart.data if table is None else table
    if not shown.is_empty():
        st.session_state.setdefault(PAGE_TABLES_KEY, []).append((chart.title, chart.key, shown))
    with st.expander("Table of this chart"):
        if shown.is_empty():
            st.write("No figures.")
        else:
            st.dataframe(readable(shown), hide_index=True)
    audited_download(
        "Download these figures (CSV)",
        chart.csv_bytes,
        file_name=f"pathways-{chart.key}.csv",
        mime="text/csv",
        key=f"dl-{chart.key}",
        details={"chart": chart.key, "title": chart.title, "rows": chart.data.height,
                 "format": "csv"},
        disabled=chart.data.is_empty(),
    )  # fmt: skip


def metric_tile(
    label: str,
    value: float | None,
    *,
    words: Words,
    delta: float | None = None,
    help: str | None = None,
    share: bool = False,
    delta_words: str = "",
    inverse: bool = True,
    status: str = "suppressed",
) -> None:
    """One headline number; rising counts are shown in the 'worse' colour (inverse)."""
    if value is None:
        # short enough for a narrow tile; why it is hidden is in the note under the tiles
        shown = {"suppressed": capital(SUPPRESSED), "incomplete_follow_up": "not yet"}.get(
            status, "—"
        )
        st.metric(label, shown, help=help, border=True)
        st.caption(
            {
                "suppressed": "Hidden to protect small numbers (see the note below).",
                "incomplete_follow_up": "Follow-up not complete yet.",
            }.get(status, "Not published.")
        )
        return
    text = f"{value:,.0f}{'%' if share else ''}"
    delta_text = None
    if delta is not None:
        delta_text = (
            f"no change {delta_words}".strip()
            if delta == 0
            else f"{delta:+,.0f}{' points' if share else ''} {delta_words}".strip()
        )
    st.metric(
        label,
        text,
        delta=delta_text,
        # no change is neither better nor worse: grey, not the 'worse' colour
        delta_color="off" if delta == 0 else ("inverse" if inverse else "normal"),
        delta_arrow="off" if delta == 0 else "auto",
        help=help,
        border=True,
    )


def legend(bands: Sequence[theme.Band], *, suppressed_label: str) -> None:
    """The map's colour classes as a row of swatches."""
    items = [(b.colour, b.label) for b in bands] + [(theme.hatch_css(), suppressed_label)]
    html = " ".join(
        f'<span style="display:inline-flex;align-items:center;margin-right:14px;">'
        f'<span aria-hidden="true" style="width:18px;height:18px;background:{c};'
        f'border:1px solid {theme.HATCH};display:inline-block;margin-right:6px"></span>'
        f"{label}</span>"
        for c, label in items
    )
    st.markdown(html, unsafe_allow_html=True)


def headline_section(
    s: Session,
    metrics: pl.DataFrame,
    geography: str,
    period_types: Sequence[str],
    metric_ids: Sequence[str],
    *,
    key: str,
    title: str = "Headline indicators",
) -> None:
    """Headline tiles for the latest month, quarter and year, each with its change on the
    previous period and on the same period a year before, then the usual footer."""
    from app.charts.headline import as_shown, headline, headline_table

    words = s.words
    all_headlines = []
    any_suppressed = False
    for period_type in period_types:
        hs = [as_shown(words, headline(metrics, m, period_type, geography)) for m in metric_ids]
        if all(h.period_start is None for h in hs):
            continue
        all_headlines.extend(hs)
        period = PERIOD_WORDS[period_type]
        st.markdown(f"**Latest {period}: {hs[0].label}**")
        for col, h in zip(st.columns(len(hs)), hs, strict=True):
            with col:
                share = is_share(words.definition(h.metric_id))
                last_year = words.figure(h.last_year, h.last_year_status, share=share)
                if h.change_on_last_year is not None:
                    last_year += f" ({h.change_on_last_year:+,.0f}{' points' if share else ''})"
                metric_tile(
                    words.title(h.metric_id),
                    h.value,
                    delta=h.change_on_previous,
                    words=words,
                    delta_words=f"on {h.previous_label}",
                    help=words.subtitle([h.metric_id]) + f" Same period last year: {last_year}.",
                    status=h.status,
                    share=share,
                )
                st.caption(f"Same {period} last year: {last_year}")
                if h.value is not None and h.previous is None:
                    st.caption(f"Previous {period}: {words.figure(None, h.previous_status)}")
                if h.status == "suppressed" or "suppressed" in (
                    h.previous_status,
                    h.last_year_status,
                ):
                    any_suppressed = True
    chart = Chart(
        key=key,
        title=title,
        subtitle=words.subtitle(metric_ids),
        footnote=words.footnote("Changes are between rounded counts."),
        figure=None,
        data=headline_table(words, all_headlines),
        notes=([suppressed_meaning(words.sdc)] if any_suppressed else []),
    )
    if not all_headlines:
        st.info("No published headline figures for this place.")
    data_footer(chart)


def page_table(title: str, frame: pl.DataFrame, key: str = "") -> None:
    """Add a table the page shows by itself (not under a chart) to the page's workbook."""
    if not frame.is_empty():
        entry = (title, key or title.lower().replace(" ", "-"), frame)
        st.session_state.setdefault(PAGE_TABLES_KEY, []).append(entry)


def page_workbook(s: Session) -> None:
    """Every table the page drew, as one Excel workbook with a notes sheet (source, release,
    disclosure rules, definitions); audited like every download. Drawn after the page."""
    from app.exports import notes, workbook

    tables = list(st.session_state.get(PAGE_TABLES_KEY) or [])
    if not tables:
        return
    st.divider()
    rules = s.release.disclosure_rules

    def book() -> bytes:
        return workbook(
            [(title, frame) for title, _, frame in tables], notes(s.release.manifest, rules)
        )

    audited_download(
        "Download this page's table (Excel)"
        if len(tables) == 1
        else f"Download all {len(tables)} tables on this page (Excel)",
        book,
        file_name=f"pathways-{s.page}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"dl-workbook-{s.page}",
        details={"chart": f"workbook-{s.page}", "title": "All tables on this page",
                 "format": "xlsx", "tables": [key for _, key, _ in tables],
                 "rows": sum(frame.height for _, _, frame in tables)},
    )  # fmt: skip


def release_download(s: Session) -> None:
    """The whole release's published tables as one zip of CSVs with the disclosure rules and
    definitions, for the pan-London lead who builds their own charts; audited."""
    from app.exports import release_zip

    if s.role.kind != "london":
        return
    st.header("The whole release", anchor=False)
    st.caption(
        "Every published table of this release as CSV files (they open in Excel as written), "
        "with the disclosure rules and the definitions, in one zip: for building your own "
        "charts. Every figure in it has passed disclosure control."
    )
    audited_download(
        "Download the release's tables (zip of CSVs)",
        lambda: release_zip(s.release),
        file_name=f"pathways-release-{s.release.manifest.release_id}.zip",
        mime="application/zip",
        key="dl-release",
        details={"chart": "release", "title": "The release's published tables", "format": "zip"},
    )  # fmt: skip


PACK_KEY = "_pathways_pack"


def _edition_words(file_name: str) -> str:
    from app.data import pack_edition
    from contract.reference import borough_name

    month, borough = pack_edition(file_name) or ("", None)
    place = f"{borough_name(borough)} (borough)" if borough else "London"
    return f"{place}, {date.fromisoformat(month + '-01'):%B %Y}" if month else file_name


def pack_section(s: Session) -> None:
    """The monthly chart packs the monthly run drew into the release, for the roles that may see
    everything they show: the pan-London lead (any edition) and a borough lead (London's or their
    own borough's). Checked against the release's manifest and audited before they are served."""
    from app.data import pack_edition

    if s.role.kind not in ("london", "borough"):
        if s.role.kind == "overview":
            st.caption(
                "The monthly chart pack shows borough and pathway detail beyond this view; "
                "the pan-London lead prepares it for the taskforce."
            )
        return
    st.divider()
    st.header("Monthly chart pack", anchor=False)
    st.caption(
        "The taskforce's charts for the latest complete month as a numbered PDF (A4 landscape), "
        "the same every month: headline indicators, trends, the borough map, pathways, returns "
        "to the street, and the methods and disclosure rules."
    )
    files = s.release.packs()
    if not files:
        st.info(
            "This release holds no chart pack. The monthly run draws them; ask the team that "
            "runs Pathways."
        )
        return
    own = [f for f in files if (pack_edition(f) or ("", None))[1] == s.role.borough]
    edition = select(
        "Edition", files, key="pack_edition", format_func=_edition_words,
        index=files.index(own[0]) if own else 0,
    )  # fmt: skip
    month, borough = pack_edition(edition) or ("", None)
    if st.button("Get the chart pack", key="pack_get", icon=":material/picture_as_pdf:"):
        try:  # checked against the manifest; the download itself is audited below
            st.session_state[PACK_KEY] = (edition, s.release.pack(edition))
        except ScopeError as e:
            refused(s, e)
            return
        except PathwaysError as e:  # a file changed since the run: refused by its hash
            st.error(str(e))
            return
    ready = st.session_state.get(PACK_KEY)
    if ready and ready[0] == edition:
        audited_download(
            f"Download {_edition_words(edition)} (PDF)",
            ready[1],
            file_name=edition,
            mime="application/pdf",
            key="dl-pack",
            details={"chart": "pack", "title": "Monthly chart pack", "format": "pdf",
                     "month": month, "edition": borough or "london", "file": edition,
                     "bytes": len(ready[1])},
            type="primary",
        )  # fmt: skip


def draw_catalogue(s: Session, scene: Scene, *, heading: str | None = None) -> None:
    """Draw the chart catalogue's entries for this page, role and place, in catalogue order:
    a dividing line where the catalogue puts one, half-width entries side by side; with
    ``heading``, only the entries under that heading."""
    shown = catalogue.entries(s.page, s.role.kind, scene.geography)
    if heading is not None:
        shown = [e for e in shown if e.heading == heading]
    i = 0
    while i < len(shown):
        entry = shown[i]
        if s.page in entry.rule_before:
            st.divider()
        if entry.heading and (i == 0 or shown[i - 1].heading != entry.heading):
            st.header(entry.heading, anchor=False)
        pair = shown[i : i + 2]
        if entry.half and len(pair) == 2 and pair[1].half:
            for column, half in zip(st.columns(2, gap="large"), pair, strict=True):
                with column:
                    _draw_entry(s, half, scene)
            i += 2
            continue
        _draw_entry(s, entry, scene)
        i += 1


def _draw_entry(s: Session, entry: catalogue.Entry, scene: Scene) -> None:
    if entry.key == "headlines":
        place = "london" if scene.geography == LONDON_CODE else scene.geography
        period_types = ("month",) if s.role.kind == "overview" else PERIOD_TYPES
        headline_section(
            s, scene.metrics, scene.geography, period_types, HEADLINE_METRICS,
            key=f"headlines-{place}",
        )  # fmt: skip
        st.subheader("Life off the Streets aims", anchor=False)
        st.caption(
            "No second night out, no living on the streets, no return to the streets: the "
            "latest month (the framework measures are monthly)."
        )
        headline_section(
            s, scene.metrics, scene.geography, ("month",), AIM_HEADLINES,
            key=f"aims-{place}", title="Life off the Streets aims",
        )  # fmt: skip
        return
    if entry.key == "breakdown":
        st.header("Who is seen rough sleeping", anchor=False)
        st.caption(
            f"{capital(PERIOD_WORDS['fy'])} breakdowns for London as a whole. Nationality is "
            "shown only here."
        )
        breakdown = select(
            "Breakdown",
            list(catalogue.BREAKDOWNS),
            key="overview_breakdown",
            format_func=lambda b: DIMENSION_WORDS.get(b, b),
        )
        scene = dataclasses.replace(scene, breakdown=breakdown)
    if entry.key == "equity":
        st.caption(
            "Whether outcomes differ between groups: the latest financial year with published "
            "figures for each measure. Nationality is shown for London as a whole only."
        )
        breakdown = select(
            "Group people by",
            list(catalogue.equity_breakdowns(scene.geography)),
            key="equity_breakdown",
            format_func=lambda b: DIMENSION_WORDS.get(b, b),
        )
        scene = dataclasses.replace(scene, breakdown=breakdown)
    assert entry.draw is not None, entry.key
    show_chart(entry.draw(scene))
