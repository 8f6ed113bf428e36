"""The dashboard's only way to the data: a release, seen through the user's scope.

Every query a page makes goes through a ``ScopedRelease`` built from the signed-in user's role.
It filters geography and refuses out-of-scope requests with a ``ScopeError`` (and tells the audit
log), so a page that forgot to hide a widget still cannot show what the role may not see:

- ``london``: every aggregate in the release;
- ``borough:<code>``: London and the own borough in detail, and for other boroughs only their
  published headline totals (``breakdown == "all"`` in the metrics table);
- ``overview``: monthly London headline counts only;
- ``admin``: release metadata only (the audit log lives elsewhere).

Whatever the role, nationality is never returned for a borough (SPEC section 2.4).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import polars as pl

from app.auth import Role
from contract.errors import PathwaysError
from contract.reference import LONDON_CODE, borough_codes, borough_name
from contract.release import (
    MANIFEST_FILE,
    RELEASE_TABLES,
    PilotEntry,
    Release,
    ReleaseManifest,
    open_release,
)
from contract.vocabulary import default_disclosure_words

PACK_FILE = re.compile(r"pathways-pack-(?P<month>\d{4}-\d{2})-(?P<place>london|e\d{8})\.pdf")
"""A chart pack's file name in a release's ``packs/``: its month and London's or a borough's."""

HEADLINE_METRICS = ("seen_rough_sleeping", "flow_new", "stock", "returner")
"""The headline counts: everyone seen, new, stock and returners."""

AIM_HEADLINES = ("new_single_night", "living_on_streets", "nr1_returning")
"""One headline for each Life off the Streets aim: no second night out (new people seen one
night only), no living on the streets, no return to the streets (returning after a gap, NR1)."""

OVERVIEW_METRICS = (*HEADLINE_METRICS, *AIM_HEADLINES)
"""The monthly London headlines: the whole of what the ``overview`` role sees."""

ALL_BREAKDOWNS = None
"""Pass as ``breakdown`` to ask for every breakdown the scope allows."""


class ScopeError(PathwaysError):
    """A request for data outside the user's scope. The page says so; the audit log records it."""


def pack_file_name(month: date, borough: str | None) -> str:
    """The file a pack edition is kept under in a release and downloaded as.

    >>> pack_file_name(date(2025, 3, 1), "E09000007")
    'pathways-pack-2025-03-e09000007.pdf'
    """
    return f"pathways-pack-{month:%Y-%m}-{(borough or 'london').lower()}.pdf"


def pack_edition(file_name: str) -> tuple[str, str | None] | None:
    """A pack file's month (YYYY-MM) and borough code (None for London's edition)."""
    match = PACK_FILE.fullmatch(file_name)
    if match is None:
        return None
    place = match.group("place")
    return match.group("month"), None if place == "london" else place.upper()


_LOADING = threading.Lock()


@lru_cache(maxsize=4)
def _load_release_cached(path: str, stamp: int) -> Release:
    release = open_release(Path(path))  # checks every table's hash
    for name in RELEASE_TABLES:  # read them now, once, while later arrivals wait
        release.table(name)
    return release


def load_release(path: Path | str) -> Release:
    """Open a release directory (its manifest read once, typed, and every table checked); reread
    only when its manifest changes."""
    path = Path(path).resolve()
    manifest = path / MANIFEST_FILE
    stamp = manifest.stat().st_mtime_ns if manifest.is_file() else 0
    # one reader at a time: when many people arrive together (a new release, a meeting), the
    # first reads and checks the tables and the others wait for it, instead of each reading them
    with _LOADING:
        return _load_release_cached(str(path), stamp)


def extract_date(manifest: ReleaseManifest) -> date:
    """The release's extract date: its latest source extract, else the end of its data period."""
    return max(manifest.source_extract_dates.values(), default=manifest.data_period.end)


def days_old(manifest: ReleaseManifest, today: date | None = None) -> int:
    """Days since the release's extract date."""
    return ((today or date.today()) - extract_date(manifest)).days


def disclosure_rules(release: Release) -> str:
    """The disclosure rules in words that travel with the release, else the rules in words
    generated from its thresholds."""
    try:
        return release.disclosure_rules
    except PathwaysError:
        return default_disclosure_words(release.manifest.sdc.model_dump())


Refusal = Callable[[str, dict[str, Any]], None]


def _codes(geographies: str | Iterable[str] | None) -> tuple[str, ...] | None:
    if geographies is None:
        return None
    if isinstance(geographies, str):
        return (geographies,)
    return tuple(geographies)


class ScopedRelease:
    """A release as one role may see it. Every page query goes through here.

    Args:
        release: the loaded release.
        role: the signed-in user's role.
        on_refusal: called with (message, details) before a ``ScopeError`` is raised, so every
            refusal reaches the audit log even when a page forgets.
    """

    def __init__(self, release: Release, role: Role, on_refusal: Refusal | None = None):
        self._release = release
        self.role = role
        self._on_refusal = on_refusal

    @property
    def manifest(self) -> ReleaseManifest:
        """The release's manifest (dates, definitions, disclosure settings): open to every role."""
        return self._release.manifest

    @property
    def disclosure_rules(self) -> str:
        """The disclosure rules in words: open to every role."""
        return disclosure_rules(self._release)

    # -- what the role may see -------------------------------------------------------------

    @property
    def detail_geographies(self) -> tuple[str, ...]:
        """Geographies this role may see in detail (every breakdown, curves, pathways)."""
        kind = self.role.kind
        if kind == "london":
            return (LONDON_CODE, *borough_codes())
        if kind == "borough":
            return (LONDON_CODE, self.role.borough or "")
        if kind == "overview":
            return (LONDON_CODE,)
        return ()

    @property
    def sees_borough_totals(self) -> bool:
        """Whether the role may see every borough's published headline totals (the map)."""
        return self.role.kind in ("london", "borough")

    def can_see_detail(self, geography: str) -> bool:
        return geography in self.detail_geographies and self.role.kind in ("london", "borough")

    def refuse(self, message: str, **details: Any) -> None:
        """Record a refusal and raise ``ScopeError``."""
        details = {"role": str(self.role), **details}
        if self._on_refusal is not None:
            self._on_refusal(message, details)
        raise ScopeError(message)

    def require_detail(self, geography: str, what: str = "this detail") -> None:
        """Refuse unless the role may see ``geography`` in detail."""
        if not self.can_see_detail(geography):
            name = _place(geography)
            self.refuse(
                f"Your role ({self.role.label}) cannot see {what} for {name}.",
                geography=geography,
                what=what,
            )

    def _require_kind(self, *kinds: str, what: str) -> None:
        if self.role.kind not in kinds:
            self.refuse(f"Your role ({self.role.label}) cannot see {what}.", what=what)

    # -- tables ----------------------------------------------------------------------------

    def metrics(
        self,
        metric_ids: str | Iterable[str] | None = None,
        *,
        period_type: str | None = None,
        geographies: str | Iterable[str] | None = None,
        breakdown: str | None = "all",
    ) -> pl.DataFrame:
        """Rows of the metrics table within scope.

        Args:
            metric_ids: one id or several; None for all.
            period_type: ``month``, ``quarter`` or ``fy``; None for all.
            geographies: ONS codes asked for; None means everything the role may see.
            breakdown: ``all`` (the default), one ``name=value``, a name (``age_band``) for all
                of its values, or ``ALL_BREAKDOWNS`` (None) for every breakdown.

        Raises:
            ScopeError: when any requested geography, period or breakdown is out of scope.
        """
        kind = self.role.kind
        ids = _codes(metric_ids)
        asked = _codes(geographies)
        if kind == "admin":
            self.refuse("The administrator role holds no data: only the audit log.", what="metrics")
        if kind == "overview":
            outside = [m for m in ids or () if m not in OVERVIEW_METRICS]
            if ids is None:
                ids = OVERVIEW_METRICS
            if (
                outside
                or period_type not in (None, "month")
                or breakdown != "all"
                or (asked is not None and set(asked) - {LONDON_CODE})
            ):
                self.refuse(
                    "The taskforce overview role sees the monthly London headline counts only.",
                    what="metrics",
                    metric_ids=list(ids or ()),
                    period_type=period_type,
                    geographies=list(asked or ()),
                    breakdown=breakdown,
                )
            period_type = "month"
        if kind == "borough" and asked is not None:
            others = [g for g in asked if g not in self.detail_geographies]
            if others and breakdown != "all":
                self.refuse(
                    f"Your role ({self.role.label}) sees other boroughs' published totals only, "
                    f"not their breakdowns ({', '.join(_place(g) for g in others)}).",
                    what="metrics breakdown",
                    geographies=others,
                    breakdown=breakdown,
                )
        frame = self._release.metrics
        if ids is not None:
            frame = frame.filter(pl.col("metric_id").is_in(list(ids)))
        if period_type is not None:
            frame = frame.filter(pl.col("period_type") == period_type)
        if asked is not None:
            frame = frame.filter(pl.col("geography_code").is_in(list(asked)))
        if breakdown is not None:
            if "=" in breakdown or breakdown == "all":
                frame = frame.filter(pl.col("breakdown") == breakdown)
            else:
                frame = frame.filter(pl.col("breakdown").str.starts_with(f"{breakdown}="))
        frame = frame.filter(self._metrics_scope())
        return frame.sort(["metric_id", "geography_code", "breakdown", "period_start"])

    def _metrics_scope(self) -> pl.Expr:
        detail = pl.col("geography_code").is_in(list(self.detail_geographies))
        # nationality only pan-London, whatever the release holds
        no_place_nationality = ~(
            pl.col("breakdown").str.starts_with("nationality")
            & (pl.col("geography_code") != LONDON_CODE)
        )
        if self.role.kind == "london":
            return no_place_nationality
        if self.role.kind == "borough":
            totals = pl.col("geography_code").is_in(list(borough_codes())) & (
                pl.col("breakdown") == "all"
            )
            return (detail | totals) & no_place_nationality
        if self.role.kind == "overview":
            return (
                (pl.col("geography_code") == LONDON_CODE)
                & (pl.col("breakdown") == "all")
                & pl.col("metric_id").is_in(list(OVERVIEW_METRICS))
                & (pl.col("period_type") == "month")
            )
        return pl.lit(False)

    def borough_totals(self, metric_id: str, period_type: str = "month") -> pl.DataFrame:
        """Every borough's published headline total for one metric (the map)."""
        if not self.sees_borough_totals:
            self.refuse(
                f"Your role ({self.role.label}) cannot see borough figures.",
                what="borough totals",
            )
        return self.metrics(
            metric_id, period_type=period_type, geographies=borough_codes(), breakdown="all"
        )

    def _detail_table(
        self, frame: pl.DataFrame, geographies: str | Iterable[str] | None, what: str
    ) -> pl.DataFrame:
        self._require_kind("london", "borough", what=what)
        asked = _codes(geographies)
        for code in asked or ():
            self.require_detail(code, what)
        allowed = list(asked) if asked is not None else list(self.detail_geographies)
        return frame.filter(pl.col("geography_code").is_in(allowed))

    def survival(
        self,
        curve_ids: str | Iterable[str] | None = None,
        geographies: str | Iterable[str] | None = None,
    ) -> pl.DataFrame:
        """Survival curves (return to the street, time to accommodation) within scope."""
        frame = self._release.survival
        ids = _codes(curve_ids)
        if ids is not None:
            frame = frame.filter(pl.col("curve_id").is_in(list(ids)))
        return self._detail_table(frame, geographies, "survival curves").sort(
            ["curve_id", "geography_code", "group", "t_days"]
        )

    def pathways(self, geographies: str | Iterable[str] | None = None) -> pl.DataFrame:
        """Sankey links (stage to stage counts) within scope."""
        return self._detail_table(self._release.pathways, geographies, "pathways")

    def paths(self, geographies: str | Iterable[str] | None = None) -> pl.DataFrame:
        """The most common whole paths within scope."""
        return self._detail_table(self._release.paths, geographies, "pathways")

    def services(self, geographies: str | Iterable[str] | None = None) -> pl.DataFrame:
        """The service directory (outreach teams and hostel providers by borough and financial
        year) for the boroughs within scope: every borough for the London lead, a borough lead's
        own."""
        return self._detail_table(
            self._release.services, geographies, "the service directory"
        ).sort(["period_start", "geography_code", "kind", "service"])

    def comparisons(self) -> pl.DataFrame:
        """Intervention comparisons; for a borough lead, none naming another borough."""
        self._require_kind("london", "borough", what="intervention comparisons")
        frame = self._release.comparisons
        if self.role.kind == "borough":
            # groups read 'borough=E09000033'; a bare code is accepted too
            others = [c for c in borough_codes() if c != self.role.borough]
            others += [f"borough={c}" for c in others]
            frame = frame.filter(
                ~pl.col("group_a").is_in(others) & ~pl.col("group_b").is_in(others)
            )
        return frame

    def pilots(self) -> list[PilotEntry]:
        """The registered pilots this role may see evaluated: every pilot for the pan-London
        lead, their own borough's for a borough lead, none for other roles."""
        self._require_kind("london", "borough", what="pilot evaluations")
        pilots = self._release.manifest.pilots
        if self.role.kind == "borough":
            return [p for p in pilots if p.borough == self.role.borough]
        return list(pilots)

    def evaluation(self) -> pl.DataFrame:
        """The evaluation of the pilots this role may see (``pilots``)."""
        allowed = [p.id for p in self.pilots()]
        return self._release.evaluation.filter(pl.col("pilot_id").is_in(allowed))

    def packs(self) -> list[str]:
        """The release's chart pack files this role may download: any edition for the pan-London
        lead, London's and their own borough's for a borough lead, none for other roles."""
        if self.role.kind not in ("london", "borough"):
            return []
        allowed = []
        for name in self._release.manifest.packs:
            edition = pack_edition(name)
            if edition is not None and self.can_see_detail(edition[1] or LONDON_CODE):
                month, borough = edition
                # newest month first; in a month, London's edition, then boroughs by name
                allowed.append(((month, borough is None), _place(borough or ""), name))
        allowed.sort(key=lambda e: e[1])
        allowed.sort(key=lambda e: e[0], reverse=True)  # stable: boroughs stay in name order
        return [name for _, _, name in allowed]

    def pack(self, file_name: str) -> bytes:
        """One chart pack's bytes, checked against the manifest; refused out of scope.

        Raises:
            ScopeError: the role may not have this edition (the refusal is audited).
            PathwaysError: the release holds no such pack, or the file was changed.
        """
        edition = pack_edition(file_name)
        place = (edition[1] or LONDON_CODE) if edition else ""
        if not self.can_see_detail(place):
            self.refuse(
                f"Your role ({self.role.label}) cannot download the chart pack {file_name}.",
                what="chart pack",
                geography=place,
            )
        return self._release.pack(file_name)  # a pack the release lacks: PathwaysError

    def published_tables(self) -> dict[str, pl.DataFrame]:
        """Every published table of the release, whole: the pan-London lead's download for
        building their own charts. Refused (and audited) for every other role."""
        self._require_kind("london", what="the whole release's tables")
        return {name: self._release.table(name) for name in RELEASE_TABLES}

    def quality(self) -> pl.DataFrame:
        """Aggregate linkage and data-quality indicators: open to every role (transparency)."""
        frame = self._release.quality
        if "geography_code" in frame.columns and self.role.kind != "london":
            frame = frame.filter(
                pl.col("geography_code").is_null()
                | pl.col("geography_code").is_in(list(self.detail_geographies))
            )
        return frame


def _place(code: str) -> str:
    try:
        return borough_name(code)
    except KeyError:
        return code
