"""Reads a release directory (SPEC section 6). The only pipeline module the app may import.

A release holds aggregates that passed disclosure control and nothing else. This module checks
the manifest's hashes before handing any table or document over, so the app never shows a table
that was altered after the run. It imports nothing from the secure zone (the architecture
contract in pyproject.toml enforces it).

Example:
    >>> release = open_release(Path("release"))  # doctest: +SKIP
    >>> release.metrics.filter(pl.col("metric_id") == "flow_new")  # doctest: +SKIP
    >>> release.disclosure_rules  # the plain-words rules, for the About page  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from datetime import date, datetime
from functools import cached_property
from pathlib import Path

import polars as pl
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from contract.errors import PathwaysError

STATUSES = ("ok", "suppressed", "incomplete_follow_up")

# The label of a Sankey flow that gathers links too small to show on their own.
OTHER_SMALL_NUMBERS = "other (small numbers)"

METRICS_SCHEMA: dict[str, pl.DataType] = {
    "metric_id": pl.String(),
    "period_type": pl.String(),  # month | quarter | fy
    "period_start": pl.Date(),
    "geography_type": pl.String(),  # london | borough
    "geography_code": pl.String(),  # E12000007 for London, E09... for boroughs
    "breakdown": pl.String(),  # "all" or "name=value"
    "value": pl.Float64(),
    "numerator": pl.Int64(),
    "denominator": pl.Int64(),
    "status": pl.String(),
}

# One row per interval of a curve, ending at ``t_days`` (the row at 0 is the start): protected
# counts, then the estimate and band recomputed from those counts (to whole percent).
SURVIVAL_SCHEMA: dict[str, pl.DataType] = {
    "curve_id": pl.String(),
    "geography_code": pl.String(),
    "group": pl.String(),
    "t_days": pl.Int64(),
    "at_risk": pl.Int64(),  # at the start of the interval
    "events": pl.Int64(),
    "competing_events": pl.Int64(),  # null where the curve has no competing event
    "estimate": pl.Float64(),
    "ci_lower": pl.Float64(),
    "ci_upper": pl.Float64(),
    "status": pl.String(),
}

PATHWAYS_SCHEMA: dict[str, pl.DataType] = {
    "cohort_period": pl.String(),
    "geography_code": pl.String(),
    "stage_from": pl.String(),
    "state_from": pl.String(),
    "stage_to": pl.String(),
    "state_to": pl.String(),
    "count": pl.Int64(),
    "status": pl.String(),
}

# The most common journeys through the Sankey stages, e.g. "none > hostel > settled > settled".
PATHS_SCHEMA: dict[str, pl.DataType] = {
    "cohort_period": pl.String(),
    "geography_code": pl.String(),
    "path": pl.String(),
    "count": pl.Int64(),
    "rank": pl.Int64(),
}

COMPARISONS_SCHEMA: dict[str, pl.DataType] = {
    "comparison_id": pl.String(),
    "group_a": pl.String(),
    "group_b": pl.String(),
    "statistic": pl.String(),
    "value": pl.Float64(),
    "ci_lower": pl.Float64(),
    "ci_upper": pl.Float64(),
    "p_value": pl.Float64(),
    "n_a": pl.Int64(),
    "n_b": pl.Int64(),
}

# Pilot evaluation (metrics.evaluation, docs/evaluation.md): one row per figure of a registered
# pilot's designs. ``design`` is ``before_after`` (computed from the published borough by quarter
# counts of the metrics table) or ``weighted`` (people in the pilot against similar people, under
# the hazard ratios' exception in docs/disclosure.md). ``group`` names a side (``pilot``,
# ``rest_of_london``, ``comparison``), a covariate for balance, or ``all``; ``period_start`` is
# the quarter of a ``share``. ``n`` is a protected count of people. ``status`` is ``ok``,
# ``warning`` (read with care: the pre-trend check failed), ``too_small`` (the design cannot
# detect the stated effect: no interval) or ``not_estimable``.
EVALUATION_SCHEMA: dict[str, pl.DataType] = {
    "pilot_id": pl.String(),
    "design": pl.String(),
    "outcome": pl.String(),
    "statistic": pl.String(),
    "group": pl.String(),
    "period_start": pl.Date(),
    "value": pl.Float64(),
    "ci_lower": pl.Float64(),
    "ci_upper": pl.Float64(),
    "p_value": pl.Float64(),
    "n": pl.Int64(),
    "status": pl.String(),
}
EVALUATION_STATUSES = ("ok", "warning", "too_small", "not_estimable")

# The service directory: per borough and financial year, each outreach team (people it saw
# bedded down there) and each hostel provider (people who stayed with it there). ``service`` is a
# name from the configured register or OTHER_SERVICES[kind]. A person seen by two teams is
# counted by both, so a borough's rows do not add up to its total.
SERVICES_SCHEMA: dict[str, pl.DataType] = {
    "period_type": pl.String(),  # fy
    "period_start": pl.Date(),
    "geography_code": pl.String(),  # a borough, E09...
    "kind": pl.String(),  # outreach | hostel
    "service": pl.String(),
    "people": pl.Int64(),
    "status": pl.String(),
}
SERVICE_KINDS = ("outreach", "hostel")
OTHER_SERVICES = {"outreach": "other outreach teams", "hostel": "other hostel providers"}
# What a registered name may look like: short, plain, and never passing for an "other" row.
SERVICE_NAME = re.compile(r"(?!other )[A-Za-z0-9][A-Za-z0-9 &'.,()/-]{0,79}", re.IGNORECASE)


def is_service_name(name: str) -> bool:
    """True for a name the service directory may publish: an "other" row or a plain short name."""
    return name in OTHER_SERVICES.values() or SERVICE_NAME.fullmatch(name) is not None


# Aggregate data-quality and linkage indicators. A count indicator obeys the small-numbers rule;
# an indicator named as a share (see QUALITY_SHARE_SUFFIXES) is a proportion between 0 and 1.
QUALITY_SCHEMA: dict[str, pl.DataType] = {
    "source": pl.String(),
    "period": pl.String(),
    "indicator": pl.String(),
    "value": pl.Float64(),
    "status": pl.String(),
}
QUALITY_SHARE_SUFFIXES = ("_share", "_rate", "_fraction", "_pct", "precision", "recall", "f1")

RELEASE_SCHEMAS: dict[str, dict[str, pl.DataType]] = {
    "metrics": METRICS_SCHEMA,
    "survival": SURVIVAL_SCHEMA,
    "pathways": PATHWAYS_SCHEMA,
    "paths": PATHS_SCHEMA,
    "comparisons": COMPARISONS_SCHEMA,
    "quality": QUALITY_SCHEMA,
    "evaluation": EVALUATION_SCHEMA,
    "services": SERVICES_SCHEMA,
}
RELEASE_TABLES = tuple(RELEASE_SCHEMAS)

MANIFEST_FILE = "manifest.json"
DISCLOSURE_RULES_FILE = "disclosure_rules.md"
PACKS_DIR = "packs"  # the monthly chart packs, drawn on the secure host by the run
_PACK_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\.pdf")


def is_quality_share(indicator: str) -> bool:
    """True when a quality indicator is a proportion rather than a count of records or people."""
    return indicator.endswith(QUALITY_SHARE_SUFFIXES)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DataPeriod(_Model):
    start: date
    end: date


class SdcSettings(_Model):
    """The disclosure-control settings the release was built with (shown on the About page)."""

    model_config = ConfigDict(extra="allow", frozen=True)
    threshold: int = Field(ge=5)
    rounding_base: int = Field(ge=1)


class MetricDefinition(_Model):
    """One metric as the pages and the pack show it: id, title, words, unit and version (the
    metric registry writes them into every release)."""

    model_config = ConfigDict(extra="allow", frozen=True)
    id: str
    title: str = ""
    definition: str
    unit: str = ""
    version: str = ""


class SourceBasis(_Model):
    """Who provided a source and the lawful basis it is processed under (codes from
    ``contract.reference.LAWFUL_BASES`` and ``SPECIAL_CATEGORY_CONDITIONS``)."""

    provider: str | None = None
    lawful_basis: str | None = None
    special_category_condition: str | None = None


class PilotEntry(_Model):
    """One pilot of the register the release was evaluated under (shown on About and the
    transparency page): its borough's ONS code, the kind of first intervention, the first and
    last month (``YYYY-MM``; no end while it runs), the support need it targets, its words."""

    id: str
    borough: str
    intervention: str
    start: str
    end: str | None = None
    target_group: str | None = None
    description: str = ""


class ReleaseManifest(_Model):
    """``manifest.json`` of a release (SPEC section 6)."""

    release_id: str
    created_at: datetime
    data_period: DataPeriod
    source_extract_dates: dict[str, date] = {}
    lawful_bases: dict[str, SourceBasis] = {}
    sdc: SdcSettings
    definitions_version: str
    code_version: str
    synthetic: bool
    definitions: list[MetricDefinition] = []
    tables: dict[str, str]
    documents: dict[str, str] = {}
    packs: dict[str, str] = {}  # file name within packs/ -> sha256
    pilots: list[PilotEntry] = []  # the pilot register (``evaluation.pilots``)

    @field_validator("packs")
    @classmethod
    def _plain_file_names(cls, packs: dict[str, str]) -> dict[str, str]:
        if any(not _PACK_NAME.fullmatch(name) for name in packs):
            raise ValueError("a pack name is not a plain file name")
        return packs


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def content_release_id(manifest: ReleaseManifest) -> str:
    """The release id: a hash of everything in the manifest but the id, the write time and the
    chart packs' hashes.

    The manifest carries the tables' and documents' hashes, so this one id covers the whole
    release: a flipped field (``synthetic``, a threshold, a table hash) no longer matches it.
    The packs are drawings of those tables that carry their drawing date and print this id on
    their cover, so they are checked by their own hashes and leave the id as the data made it.
    """
    content = manifest.model_dump(mode="json", exclude={"release_id", "created_at", "packs"})
    return sha256_bytes(json.dumps(content, sort_keys=True).encode())[:16]


class Release:
    """A verified release: the manifest plus its tables as Polars frames (read once, cached).

    Every table and document is checked against the manifest's SHA-256 before it is returned.
    """

    def __init__(self, release_dir: Path, manifest: ReleaseManifest):
        self.release_dir = release_dir
        self.manifest = manifest

    def _verified_bytes(self, filename: str, expected: str) -> bytes:
        path = self.release_dir / filename
        try:
            data = path.read_bytes()
        except OSError:
            raise PathwaysError(
                f"The release in {self.release_dir} is missing {filename}. Copy the whole release "
                "directory again from the secure host."
            ) from None
        if sha256_bytes(data) != expected:
            raise PathwaysError(
                f"{filename} in the release {self.release_dir} does not match its manifest: it was "
                "changed after the release was written. Copy the release again from the secure host."
            )
        return data

    def table(self, name: str) -> pl.DataFrame:
        """One release table by name (see ``RELEASE_TABLES``), verified and cached."""
        if name not in RELEASE_SCHEMAS:
            raise PathwaysError(f"A release has no table called {name!r}.")
        cache = self.__dict__.setdefault("_tables", {})
        if name not in cache:
            expected = self.manifest.tables.get(name)
            if expected is None:
                raise PathwaysError(
                    f"The release in {self.release_dir} lists no {name} table in its manifest."
                )
            data = self._verified_bytes(f"{name}.parquet", expected)
            # Parse the very bytes that were hashed, so nothing can swap the file in between.
            cache[name] = pl.read_parquet(io.BytesIO(data))
        return cache[name]

    @property
    def metrics(self) -> pl.DataFrame:
        return self.table("metrics")

    @property
    def survival(self) -> pl.DataFrame:
        return self.table("survival")

    @property
    def pathways(self) -> pl.DataFrame:
        return self.table("pathways")

    @property
    def paths(self) -> pl.DataFrame:
        return self.table("paths")

    @property
    def comparisons(self) -> pl.DataFrame:
        return self.table("comparisons")

    @property
    def quality(self) -> pl.DataFrame:
        return self.table("quality")

    @property
    def evaluation(self) -> pl.DataFrame:
        return self.table("evaluation")

    @property
    def services(self) -> pl.DataFrame:
        return self.table("services")

    @cached_property
    def disclosure_rules(self) -> str:
        """The plain-words disclosure rules this release was built under (Markdown)."""
        expected = self.manifest.documents.get(DISCLOSURE_RULES_FILE)
        if expected is None:
            raise PathwaysError(f"The release in {self.release_dir} carries no disclosure rules.")
        return self._verified_bytes(DISCLOSURE_RULES_FILE, expected).decode("utf-8")

    def pack(self, filename: str) -> bytes:
        """One chart pack's bytes (a file the manifest lists under ``packs``), verified."""
        expected = self.manifest.packs.get(filename)
        if expected is None:
            raise PathwaysError(f"The release in {self.release_dir} holds no pack {filename!r}.")
        return self._verified_bytes(f"{PACKS_DIR}/{filename}", expected)

    def verify(self) -> None:
        """Check every table, document and pack against the manifest; PathwaysError on a mismatch."""
        for name, expected in self.manifest.tables.items():
            self._verified_bytes(f"{name}.parquet", expected)
        for filename, expected in self.manifest.documents.items():
            self._verified_bytes(filename, expected)
        for filename, expected in self.manifest.packs.items():
            self._verified_bytes(f"{PACKS_DIR}/{filename}", expected)


def read_manifest(release_dir: Path) -> ReleaseManifest:
    """The release's manifest, validated; PathwaysError when it is missing or malformed."""
    path = Path(release_dir) / MANIFEST_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        raise PathwaysError(
            f"No release found in {release_dir}: there is no {MANIFEST_FILE}. Run `pathways run` "
            "(or `pathways demo`) to write one."
        ) from None
    try:
        manifest = ReleaseManifest.model_validate(json.loads(text))
    except (ValueError, ValidationError):
        raise PathwaysError(
            f"The manifest of the release in {release_dir} is not valid; the release cannot be used."
        ) from None
    if content_release_id(manifest) != manifest.release_id:
        raise PathwaysError(
            f"The manifest of the release in {release_dir} does not match its release id: it was "
            "changed after the release was written. Copy the release again from the secure host."
        )
    return manifest


def open_release(release_dir: Path) -> Release:
    """Open a release directory, checking every table and document against the manifest.

    Args:
        release_dir: the directory ``pathways run`` wrote.

    Returns:
        A ``Release`` whose tables are read on first use and cached.

    Raises:
        PathwaysError: the release is missing, incomplete, or was changed after it was written.
    """
    release_dir = Path(release_dir)
    release = Release(release_dir, read_manifest(release_dir))
    missing = [name for name in RELEASE_TABLES if name not in release.manifest.tables]
    if missing:
        raise PathwaysError(
            f"The release in {release_dir} lacks the tables {', '.join(missing)}; it was written "
            "by an older or broken run."
        )
    release.verify()
    return release
