"""Validation of a sources directory against the minimum dataset v1 (SPEC section 3).

Every row read is either accepted or quarantined, never silently dropped:
``rows_accepted + rows_quarantined = rows_read`` for every table.

A row is **quarantined** (kept out of the run and listed with its row number, column and reason)
when a required value is missing, a required code is unknown (a borough that is not an ONS London
code, a contact or outcome type, an ``la_code``), a required date cannot be read or falls after
the extract date, its key repeats an earlier accepted row (``chain_id``; ``la_code`` +
``case_ref``; ``provider`` + ``resident_id``: the first occurrence in the file is kept and every
later one is quarantined), or it is a contact or outcome whose ``chain_id`` is not among the
accepted ``chain_people`` rows. A required date before ``validation.earliest_event_date`` (2000 by
default) is quarantined too. A row that cannot be read as a record is quarantined whole, under the
column ``(whole row)`` or the column at fault: a different number of values from the header, the
header repeated inside the file, a NUL byte, a value longer than ``MAX_VALUE_CHARS``.

An invalid **optional** value is blanked and counted, and the rest of the row is kept: a malformed
NI number, an impossible date of birth, an unknown support-need code (only that code is dropped),
an unknown gender, ethnicity, nationality or outcome code, an unreadable, future or implausibly
early optional date, a value that is not yes/no. Blanked values are counted only on accepted rows,
the ones that go on.

Dates are compared with the extract date of their source (``manifest.json``'s
``sources.<source>.extract_date`` when given, else its top-level ``extract_date``).

Unknown extra columns are ignored with a warning and never travel further. A table that is
absent is reported; a run needs ``chain_people`` and ``chain_contacts``.

This module reads each table and decides row by row; what each kind of column must hold, and
the reasons in words, are in ``pipelines.sources.rules``; the report is
``pipelines.sources.report``.

Example:
    >>> result = validate_sources(Path("sources"), PathwaysConfig())  # doctest: +SKIP
    >>> result.passed, result.report.table_counts()  # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from contract.errors import PathwaysError, SourcesError
from pipelines.config import PathwaysConfig
from pipelines.sources.files import (
    PROBLEM,
    PROBLEM_COLUMN,
    PROBLEM_DETAIL,
    ROW,
    RawTable,
    find_table_files,
    read_manifest,
    read_table,
)
from pipelines.sources.report import (
    BLANKED_SCHEMA,
    LISTED_IN_TEXT,
    QUARANTINE_SCHEMA,
    TableReport,
    ValidationReport,
    plural,
)
from pipelines.sources.rules import (
    DUPLICATE_KEY,
    UNKNOWN_PERSON,
    DateBounds,
    check_column,
    problem_column,
    row_problems,
    shown,
    value_column,
)
from pipelines.sources.tables import REQUIRED_FOR_RUN, TABLES, SourcesManifest, TableSpec


@dataclass
class ValidatedSources:
    """Accepted rows of every table present, typed, with the full SPEC section 3 column set.

    Dates are ``pl.Date``, booleans ``pl.Boolean``, everything else ``pl.String``; optional columns
    absent from a file are nulls; extra columns are gone.
    """

    tables: dict[str, pl.DataFrame]
    extract_date: dt.date
    manifest: SourcesManifest
    report: ValidationReport


@dataclass
class ValidationResult:
    """The outcome of ``pathways validate``: whether a run would pass, and the report."""

    passed: bool
    report: ValidationReport
    written: list[Path] = field(default_factory=list)

    def report_text(self) -> str:
        lines = self.report.summary_lines()
        if self.written:
            lines += ["", "Report written to:"] + [f"  {p}" for p in self.written]
        elif self.report.quarantine.height > LISTED_IN_TEXT:
            lines += ["", "Add --report-dir DIR to write every quarantined row to a file."]
        return "\n".join(lines)


def validate_sources(
    sources_dir: Path, config: PathwaysConfig, report_dir: Path | None = None
) -> ValidationResult:
    """Check a sources directory and report every bad row; never raises for bad data.

    Args:
        sources_dir: directory with ``manifest.json`` and one file per table.
        config: the run's configuration (its ``validation`` section).
        report_dir: when given, ``quarantine.csv``, ``blanked_values.csv``,
            ``validation_report.json`` and ``validation_report.md`` are written there.

    Returns:
        ``passed`` is false exactly when ``pathways run`` would fail on these sources.

    Raises:
        PathwaysError: only when ``sources_dir`` is not a directory.
    """
    _, _, report = _check(_existing(sources_dir), config)
    written = report.write(report_dir) if report_dir is not None else []
    return ValidationResult(passed=not report.failures, report=report, written=written)


def load_sources(
    sources_dir: Path,
    config: PathwaysConfig,
    required_tables: Sequence[str] = REQUIRED_FOR_RUN,
) -> ValidatedSources:
    """Read and validate a sources directory for a run.

    Args:
        sources_dir: directory with ``manifest.json`` and one file per table.
        config: the run's configuration (its ``validation`` section).
        required_tables: tables whose absence fails; a run needs ``chain_people`` and
            ``chain_contacts``, linkage alone may pass ``()`` to take whatever is present.

    Raises:
        SourcesError: naming the file (and column) when a required column is missing, a file is
            not UTF-8 or unreadable, the manifest is missing or invalid, ``chain_people`` or
            ``chain_contacts`` is absent, or too much of a table is quarantined.
    """
    tables, manifest, report = _check(_existing(sources_dir), config, required_tables)
    if report.failures:
        more = len(report.failures) - 1
        tail = f" (And {plural(more, 'more problem')}: pathways validate lists them all.)"
        raise SourcesError(report.failures[0] + (tail if more else ""))
    assert manifest is not None  # no failures means the manifest was read
    return ValidatedSources(
        tables=tables, extract_date=manifest.extract_date, manifest=manifest, report=report
    )


def _existing(sources_dir: Path) -> Path:
    # A wrong path is a mistake in the command, not bad data: it fails at once.
    if not Path(sources_dir).is_dir():
        raise PathwaysError(f"The sources directory {sources_dir} does not exist.")
    return Path(sources_dir)


def _check(
    sources_dir: Path, config: PathwaysConfig, required_tables: Sequence[str] = REQUIRED_FOR_RUN
) -> tuple[dict[str, pl.DataFrame], SourcesManifest | None, ValidationReport]:
    report = ValidationReport(sources_dir=str(sources_dir))
    try:
        files, report.warnings = find_table_files(sources_dir)
    except PathwaysError as e:
        report.failures.append(str(e))
        return {}, None, report

    manifest: SourcesManifest | None = None
    try:
        manifest = read_manifest(sources_dir)
        report.extract_date = manifest.extract_date
    except PathwaysError as e:
        report.failures.append(str(e))

    accepted: dict[str, pl.DataFrame] = {}
    quarantined: list[pl.DataFrame] = []
    blanked: list[pl.DataFrame] = []
    for name, spec in TABLES.items():
        path = files.get(name)
        if path is None:
            report.absent_tables.append(name)
            if name in required_tables:
                report.failures.append(
                    f"{name} is absent: a run needs {name}.csv or {name}.parquet."
                )
            else:
                report.warnings.append(f"{name} is absent; it is left out of the run.")
            continue
        extract = manifest.extract_date_for(spec.source) if manifest else None
        try:
            raw = read_table(path, spec)
        except PathwaysError as e:
            report.tables[name] = TableReport(name, path.name, "line", error=str(e))
            report.failures.append(str(e))
            continue
        people = None
        if spec.person_table:
            people_frame = accepted.get(spec.person_table)
            if people_frame is not None:
                people = people_frame.get_column("chain_id")
            else:
                report.warnings.append(
                    f"{path.name}: chain_id values could not be checked against "
                    f"{spec.person_table}, which was not read."
                )
        bounds = DateBounds(config.validation.earliest_event_date, extract)
        table, table_report, q, b = _validate_table(raw, spec, bounds, people)
        accepted[name] = table
        report.tables[name] = table_report
        quarantined.append(q)
        blanked.append(b)
        if raw.ignored_columns:
            report.warnings.append(
                f"{path.name}: extra columns ignored: {', '.join(raw.ignored_columns)}."
            )
        if raw.blank_lines:
            report.warnings.append(f"{path.name}: {raw.blank_lines:,} blank lines skipped.")
        failure = _too_much_quarantined(table_report, config)
        if failure:
            report.failures.append(failure)
    if quarantined:
        report.quarantine = pl.concat(quarantined).sort("table", "row", maintain_order=True)
        report.blanked = pl.concat(blanked).sort("table", "row", maintain_order=True)
        order = {name: i for i, name in enumerate(TABLES)}
        for frame_name in ("quarantine", "blanked"):
            frame = getattr(report, frame_name)
            rank = pl.col("table").replace_strict(order, return_dtype=pl.Int64)
            setattr(report, frame_name, frame.sort(rank, "row", maintain_order=True))
    return accepted, manifest, report


def _too_much_quarantined(t: TableReport, config: PathwaysConfig) -> str | None:
    limit = config.validation.max_quarantine_fraction
    if t.rows_read == 0 or t.rows_quarantined <= limit * t.rows_read:
        return None
    worst = max(t.quarantined_by, key=lambda q: q["rows"])  # type: ignore[arg-type, return-value]
    return (
        f"{t.file}: {t.rows_quarantined:,} of {t.rows_read:,} rows "
        f"({t.rows_quarantined / t.rows_read:.1%}) are quarantined, more than the "
        f"{limit:.0%} allowed (validation.max_quarantine_fraction); most often column "
        f"{worst['column']}: {worst['reason']}."
    )


# ---------------------------------------------------------------------------------------------
# One table


def _validate_table(
    raw: RawTable, spec: TableSpec, bounds: DateBounds, people: pl.Series | None
) -> tuple[pl.DataFrame, TableReport, pl.DataFrame, pl.DataFrame]:
    unreadable = raw.frame.filter(pl.col(PROBLEM).is_not_null())
    frame = raw.frame.filter(pl.col(PROBLEM).is_null()).with_columns(
        pl.lit(None, pl.String).alias(c) for c in raw.absent_optional_columns
    )
    checks = [check_column(col, bounds) for col in spec.columns]
    frame = frame.with_columns(
        expr
        for value, problem, col in checks
        for expr in (value.alias(value_column(col.name)), problem)
    )
    required = [c.name for c in spec.columns if c.required]
    row_ok = pl.all_horizontal(pl.col(problem_column(c)).is_null() for c in required)
    frame = frame.with_columns(row_ok.alias("__ok"))

    problems = [
        unreadable.select(
            pl.lit(raw.name).alias("table"),
            pl.col(ROW).alias("row"),
            pl.col(PROBLEM_COLUMN).alias("column"),
            pl.col(PROBLEM).alias("reason"),
            pl.col(PROBLEM_DETAIL).alias("detail"),
        )
    ]
    problems += [row_problems(frame, spec.column(c), raw.name, bounds) for c in required]

    # Duplicate keys, among rows that passed every other check: the first in the file is kept.
    if spec.key:
        keys = [value_column(k) for k in spec.key]
        later = (
            frame.filter("__ok")
            .select(ROW, *keys)
            .with_columns(pl.col(ROW).first().over(keys).alias("__first"))
            .filter(pl.col(ROW) != pl.col("__first"))
        )
        if later.height:
            key_text = pl.concat_str([pl.col(k) for k in keys], separator=" / ")
            label = " + ".join(spec.key)
            problems.append(
                later.select(
                    pl.lit(raw.name).alias("table"),
                    pl.col(ROW).alias("row"),
                    pl.lit(label).alias("column"),
                    pl.lit(DUPLICATE_KEY).alias("reason"),
                    pl.format(
                        f"{label} '{{}}' was already given on {raw.row_label} {{}}; "
                        "the first is kept",
                        shown(key_text),
                        pl.col("__first"),
                    ).alias("detail"),
                )
            )
            frame = frame.with_columns(pl.col("__ok") & ~pl.col(ROW).is_in(later[ROW].implode()))

    # Contacts and outcomes must name a person among the accepted chain_people rows.
    if spec.person_table and people is not None:
        orphan = pl.col("__ok") & ~pl.col(value_column("chain_id")).is_in(people.implode())
        orphans = frame.filter(orphan)
        if orphans.height:
            problems.append(
                orphans.select(
                    pl.lit(raw.name).alias("table"),
                    pl.col(ROW).alias("row"),
                    pl.lit("chain_id").alias("column"),
                    pl.lit(UNKNOWN_PERSON).alias("reason"),
                    pl.format(
                        f"chain_id '{{}}' is not among the accepted {spec.person_table} rows",
                        shown(pl.col("chain_id")),
                    ).alias("detail"),
                )
            )
            frame = frame.with_columns(pl.col("__ok") & ~orphan)

    accepted_rows = frame.filter("__ok")
    optional = [c.name for c in spec.columns if not c.required]
    blanked = pl.concat(
        [
            accepted_rows.filter(pl.col(problem_column(c)).is_not_null()).select(
                pl.lit(raw.name).alias("table"),
                pl.col(ROW).alias("row"),
                pl.lit(c).alias("column"),
                pl.col(problem_column(c)).alias("reason"),
            )
            for c in optional
        ],
        how="vertical",
    ).cast(BLANKED_SCHEMA)  # type: ignore[arg-type]
    table = accepted_rows.select(
        pl.when(pl.col(problem_column(c.name)).is_null())
        .then(pl.col(value_column(c.name)))
        .alias(c.name)
        if not c.required and c.kind != "support_needs"  # known support needs survive a bad one
        else pl.col(value_column(c.name)).alias(c.name)
        for c in spec.columns
    )
    quarantine = pl.concat(problems, how="vertical").cast(QUARANTINE_SCHEMA)  # type: ignore[arg-type]

    report = TableReport(
        table=raw.name,
        file=raw.path.name,
        row_label=raw.row_label,
        rows_read=frame.height + unreadable.height,
        rows_accepted=table.height,
        rows_quarantined=frame.height + unreadable.height - table.height,
        quarantined_by=_counts(quarantine, "rows"),
        blanked_by=_counts(blanked, "values"),
        ignored_columns=list(raw.ignored_columns),
        absent_optional_columns=list(raw.absent_optional_columns),
        blank_lines=raw.blank_lines,
        extract_date=bounds.extract,
    )
    return table, report, quarantine, blanked


def _counts(frame: pl.DataFrame, what: str) -> list[dict[str, object]]:
    if frame.height == 0:
        return []
    counted = frame.group_by("column", "reason").agg(pl.len().alias(what))
    return counted.sort(what, "column", descending=[True, False]).to_dicts()
