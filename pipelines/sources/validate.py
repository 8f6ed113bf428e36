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

Example:
    >>> result = validate_sources(Path("sources"), PathwaysConfig())  # doctest: +SKIP
    >>> result.passed, result.report.table_counts()  # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from contract.errors import PathwaysError, SourcesError
from contract.reference import borough_codes
from contract.release import QUALITY_SCHEMA
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
from pipelines.sources.tables import (
    EARLIEST_BIRTH_YEAR,
    FALSE_WORDS,
    ISO_ALPHA3,
    MAX_AGE,
    REQUIRED_FOR_RUN,
    SUPPORT_NEED_CODES,
    TABLES,
    TRUE_WORDS,
    Column,
    SourcesManifest,
    TableSpec,
)

QUARANTINE_SCHEMA: dict[str, pl.DataType] = {
    "table": pl.String(),
    "row": pl.Int64(),  # CSV: line number in the file (header = 1); Parquet: record number from 1
    "column": pl.String(),
    "reason": pl.String(),  # the rule broken, in plain words (same text for every such row)
    "detail": pl.String(),  # what exactly was wrong in this row
}
BLANKED_SCHEMA: dict[str, pl.DataType] = {
    "table": pl.String(),
    "row": pl.Int64(),
    "column": pl.String(),
    "reason": pl.String(),  # values themselves are never shown: they may identify a person
}
COUNTS_SCHEMA: dict[str, pl.DataType] = {
    "table": pl.String(),
    "present": pl.Boolean(),
    "rows_read": pl.Int64(),
    "rows_accepted": pl.Int64(),
    "rows_quarantined": pl.Int64(),
    "values_blanked": pl.Int64(),
}

# Reasons, in the words a provider reads in the report.
MISSING = "missing required value"
UNKNOWN_CODE = "unknown code"
NOT_A_DATE = "not a date written YYYY-MM-DD"
AFTER_EXTRACT = "date after the extract date"
BEFORE_EARLIEST = "date before the earliest plausible date (validation.earliest_event_date)"
DUPLICATE_KEY = "duplicate key (the first occurrence is kept)"
UNKNOWN_PERSON = "chain_id not among the accepted chain_people rows"
BAD_NI = "not a National Insurance number (two letters, six digits, a letter A to D)"
DOB_FUTURE = "date of birth after the extract date"
DOB_TOO_EARLY = f"date of birth before {EARLIEST_BIRTH_YEAR}"
DOB_TOO_OLD = f"age over {MAX_AGE} at the extract date"
BAD_AGE = f"not an age in whole years from 0 to {MAX_AGE}"
BAD_SUPPORT_NEED = "unknown support-need code dropped (the other codes are kept)"
BAD_BOOLEAN = "not a yes/no value (true/false, 1/0, yes/no, y/n)"
BAD_NATIONALITY = "not an ISO 3166-1 alpha-3 code or 'unknown'"

_DATE_SHAPE = r"^\d{4}-\d{1,2}-\d{1,2}$"
_NI_SHAPE = r"^[A-Z]{2}[0-9]{6}[A-D]$"
_SHOWN_VALUE_CHARS = 40
_LISTED_IN_TEXT = 20  # quarantined rows printed on the terminal; the files hold them all
_LISTED_IN_MARKDOWN = 2000


@dataclass
class TableReport:
    """What validation found in one table's file."""

    table: str
    file: str
    row_label: str  # "line" (CSV: line number in the file, header = 1) or "record" (Parquet)
    rows_read: int = 0
    rows_accepted: int = 0
    rows_quarantined: int = 0
    # One entry per (column, reason): rows quarantined for it. A row with two problems counts
    # under both, so these may add up to more than rows_quarantined.
    quarantined_by: list[dict[str, object]] = field(default_factory=list)
    blanked_by: list[dict[str, object]] = field(default_factory=list)  # values blanked
    ignored_columns: list[str] = field(default_factory=list)
    absent_optional_columns: list[str] = field(default_factory=list)
    blank_lines: int = 0
    extract_date: dt.date | None = None
    error: str | None = None  # a problem with the whole file, so none of it could be read

    @property
    def values_blanked(self) -> int:
        return int(sum(int(b["values"]) for b in self.blanked_by))  # type: ignore[call-overload]

    def to_dict(self) -> dict[str, object]:
        return {
            "table": self.table,
            "file": self.file,
            "row_numbers": self.row_label,
            "extract_date": self.extract_date.isoformat() if self.extract_date else None,
            "rows_read": self.rows_read,
            "rows_accepted": self.rows_accepted,
            "rows_quarantined": self.rows_quarantined,
            "values_blanked": self.values_blanked,
            "quarantined_by": self.quarantined_by,
            "blanked_by": self.blanked_by,
            "ignored_columns": self.ignored_columns,
            "absent_optional_columns": self.absent_optional_columns,
            "blank_lines_skipped": self.blank_lines,
            "error": self.error,
        }


@dataclass
class ValidationReport:
    """The validation report: counts per table, every quarantined row, warnings and failures.

    ``quarantine`` lists every quarantined row (table, row, column, reason, detail); a row with
    several problems appears once per problem. ``blanked`` lists every blanked optional value
    (table, row, column, reason) without the value itself. ``row`` is the line number in a CSV
    file (the header is line 1, the first record line 2) and the record number (from 1) in a
    Parquet file.
    """

    sources_dir: str
    extract_date: dt.date | None = None
    tables: dict[str, TableReport] = field(default_factory=dict)
    absent_tables: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    quarantine: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=QUARANTINE_SCHEMA))
    blanked: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=BLANKED_SCHEMA))

    def table_counts(self) -> pl.DataFrame:
        """Rows read, accepted, quarantined and values blanked per table, for the quality table.

        Every table of the minimum dataset has a row; an absent table has ``present`` false and
        zero counts.
        """
        rows = []
        for name in TABLES:
            t = self.tables.get(name)
            rows.append(
                {
                    "table": name,
                    "present": t is not None and t.error is None,
                    "rows_read": t.rows_read if t else 0,
                    "rows_accepted": t.rows_accepted if t else 0,
                    "rows_quarantined": t.rows_quarantined if t else 0,
                    "values_blanked": t.values_blanked if t else 0,
                }
            )
        return pl.DataFrame(rows, schema=COUNTS_SCHEMA)

    def quality_indicators(self) -> pl.DataFrame:
        """The validation counts as rows of the release's quality table, before disclosure control.

        ``source`` is the table name, ``period`` the extract date of its source; indicators are
        ``rows_read``, ``rows_accepted``, ``rows_quarantined``, ``values_blanked`` (counts) and
        ``quarantined_share`` (a proportion of rows read). Only tables that were read appear.
        """
        rows = []
        for name, t in self.tables.items():
            if t.error:
                continue
            period = (t.extract_date or self.extract_date or dt.date.min).isoformat()
            values = {
                "rows_read": t.rows_read,
                "rows_accepted": t.rows_accepted,
                "rows_quarantined": t.rows_quarantined,
                "values_blanked": t.values_blanked,
                "quarantined_share": t.rows_quarantined / t.rows_read if t.rows_read else None,
            }
            for indicator, value in values.items():
                rows.append(
                    {
                        "source": name,
                        "period": period,
                        "indicator": indicator,
                        "value": None if value is None else float(value),
                        "status": "ok",
                    }
                )
        return pl.DataFrame(rows, schema=QUALITY_SCHEMA)

    def to_dict(self) -> dict[str, object]:
        return {
            "sources_dir": self.sources_dir,
            "extract_date": self.extract_date.isoformat() if self.extract_date else None,
            "passed": not self.failures,
            "failures": self.failures,
            "warnings": self.warnings,
            "absent_tables": self.absent_tables,
            "row_numbers": "CSV: line number in the file (header = line 1, first record = line "
            "2); Parquet: record number starting at 1",
            "tables": {name: t.to_dict() for name, t in self.tables.items()},
        }

    def summary_lines(self, listed: int = _LISTED_IN_TEXT) -> list[str]:
        """The report in plain text: the verdict, counts per table, reasons and first bad rows."""
        verdict = "FAILED" if self.failures else "PASSED"
        extract = self.extract_date.isoformat() if self.extract_date else "unknown"
        lines = [f"Validation of {self.sources_dir} (extract date {extract}): {verdict}"]
        lines += [f"  - {f}" for f in self.failures]
        lines.append("")
        header = f"{'table':<16}{'file':<24}{'read':>10}{'accepted':>10}{'quarantined':>13}"
        lines += [header + f"{'blanked':>9}"]
        for name in TABLES:
            t = self.tables.get(name)
            if t is None:
                lines.append(f"{name:<16}{'(absent)':<24}")
            elif t.error:
                lines.append(f"{name:<16}{t.file:<24}  not read: see above")
            else:
                lines.append(
                    f"{name:<16}{t.file:<24}{t.rows_read:>10,}{t.rows_accepted:>10,}"
                    f"{t.rows_quarantined:>13,}{t.values_blanked:>9,}"
                )
        for name, t in self.tables.items():
            for q in t.quarantined_by:
                lines.append(
                    f"Quarantined in {name}: {q['column']}: {q['reason']}: {_n(q['rows'], 'row')}"
                )
        for name, t in self.tables.items():
            for b in t.blanked_by:
                lines.append(
                    f"Blanked in {name}: {b['column']}: {b['reason']}: {_n(b['values'], 'value')}"
                )
        if self.quarantine.height and listed:
            lines.append("")
            lines.append("Quarantined rows (row = line in a CSV file, record in a Parquet file):")
            for r in self.quarantine.head(listed).iter_rows(named=True):
                lines.append(f"  {r['table']} row {r['row']}: {r['column']}: {r['detail']}")
            if self.quarantine.height > listed:
                lines.append(f"  ... and {self.quarantine.height - listed:,} more")
        if self.warnings:
            lines.append("")
            lines += [f"Warning: {w}" for w in self.warnings]
        return lines

    def to_markdown(self) -> str:
        """A readable report for the data provider, listing every quarantined row."""
        verdict = "**FAILED**" if self.failures else "**PASSED**"
        extract = self.extract_date.isoformat() if self.extract_date else "unknown"
        md = [
            "# Validation report",
            "",
            f"Sources: `{self.sources_dir}` · extract date {extract} · result {verdict}",
            "",
            "Row numbers: in a CSV file, the line number (the header is line 1, the first record "
            "line 2); in a Parquet file, the record number starting at 1.",
            "",
        ]
        if self.failures:
            md += ["## Why the run would fail", ""] + [f"- {f}" for f in self.failures] + [""]
        md += [
            "## Tables",
            "",
            "| table | file | rows read | accepted | quarantined | values blanked |",
            "|---|---|---:|---:|---:|---:|",
        ]
        for name in TABLES:
            t = self.tables.get(name)
            if t is None:
                md.append(f"| {name} | absent | | | | |")
            elif t.error:
                md.append(f"| {name} | {t.file} (not read) | | | | |")
            else:
                md.append(
                    f"| {name} | {t.file} | {t.rows_read:,} | {t.rows_accepted:,} | "
                    f"{t.rows_quarantined:,} | {t.values_blanked:,} |"
                )
        reasons = [(n, q) for n, t in self.tables.items() for q in t.quarantined_by]
        if reasons:
            md += ["", "## Quarantined rows by reason", "", "| table | column | reason | rows |"]
            md.append("|---|---|---|---:|")
            md += [f"| {n} | {q['column']} | {q['reason']} | {q['rows']:,} |" for n, q in reasons]
        blanks = [(n, b) for n, t in self.tables.items() for b in t.blanked_by]
        if blanks:
            md += ["", "## Optional values blanked (the rows are kept)", ""]
            md += ["| table | column | reason | values |", "|---|---|---|---:|"]
            md += [f"| {n} | {b['column']} | {b['reason']} | {b['values']:,} |" for n, b in blanks]
        if self.warnings:
            md += ["", "## Warnings", ""] + [f"- {w}" for w in self.warnings]
        if self.quarantine.height:
            md += ["", "## Every quarantined row", ""]
            if self.quarantine.height > _LISTED_IN_MARKDOWN:
                md += [
                    f"The first {_LISTED_IN_MARKDOWN:,} of {self.quarantine.height:,} are shown; "
                    "`quarantine.csv` lists them all.",
                    "",
                ]
            md += ["| table | row | column | problem |", "|---|---:|---|---|"]
            for r in self.quarantine.head(_LISTED_IN_MARKDOWN).iter_rows(named=True):
                detail = str(r["detail"]).replace("|", "\\|").replace("\n", " ")
                md.append(f"| {r['table']} | {r['row']} | {r['column']} | {detail} |")
        if self.blanked.height:
            md += ["", "## Every blanked value (the value itself is not repeated here)", ""]
            if self.blanked.height > _LISTED_IN_MARKDOWN:
                md += [
                    f"The first {_LISTED_IN_MARKDOWN:,} of {self.blanked.height:,} are shown; "
                    "`blanked_values.csv` lists them all.",
                    "",
                ]
            md += ["| table | row | column | problem |", "|---|---:|---|---|"]
            for r in self.blanked.head(_LISTED_IN_MARKDOWN).iter_rows(named=True):
                md.append(f"| {r['table']} | {r['row']} | {r['column']} | {r['reason']} |")
        return "\n".join(md) + "\n"

    def write(self, report_dir: Path) -> list[Path]:
        """Write quarantine.csv, blanked_values.csv, validation_report.json and .md."""
        report_dir = Path(report_dir)
        report_dir.mkdir(parents=True, exist_ok=True)
        paths = {
            "quarantine": report_dir / "quarantine.csv",
            "blanked": report_dir / "blanked_values.csv",
            "json": report_dir / "validation_report.json",
            "md": report_dir / "validation_report.md",
        }
        self.quarantine.write_csv(paths["quarantine"])
        self.blanked.write_csv(paths["blanked"])
        paths["json"].write_text(json.dumps(self.to_dict(), indent=2) + "\n", encoding="utf-8")
        paths["md"].write_text(self.to_markdown(), encoding="utf-8")
        return list(paths.values())


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
        elif self.report.quarantine.height > _LISTED_IN_TEXT:
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
        tail = f" (And {_n(more, 'more problem')}: pathways validate lists them all.)"
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


def _n(count: object, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


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


def _p(name: str) -> str:
    return f"__problem__{name}"


def _v(name: str) -> str:
    return f"__value__{name}"


@dataclass(frozen=True)
class DateBounds:
    """The plausible range of an event date: from the configured earliest day to the extract."""

    earliest: dt.date
    extract: dt.date | None


def _validate_table(
    raw: RawTable, spec: TableSpec, bounds: DateBounds, people: pl.Series | None
) -> tuple[pl.DataFrame, TableReport, pl.DataFrame, pl.DataFrame]:
    unreadable = raw.frame.filter(pl.col(PROBLEM).is_not_null())
    frame = raw.frame.filter(pl.col(PROBLEM).is_null()).with_columns(
        pl.lit(None, pl.String).alias(c) for c in raw.absent_optional_columns
    )
    checks = [_check_column(col, bounds) for col in spec.columns]
    frame = frame.with_columns(
        expr for value, problem, col in checks for expr in (value.alias(_v(col.name)), problem)
    )
    required = [c.name for c in spec.columns if c.required]
    row_ok = pl.all_horizontal(pl.col(_p(c)).is_null() for c in required)
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
    problems += [_row_problems(frame, spec.column(c), raw.name, bounds) for c in required]

    # Duplicate keys, among rows that passed every other check: the first in the file is kept.
    if spec.key:
        keys = [_v(k) for k in spec.key]
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
                        _shown(key_text),
                        pl.col("__first"),
                    ).alias("detail"),
                )
            )
            frame = frame.with_columns(pl.col("__ok") & ~pl.col(ROW).is_in(later[ROW].implode()))

    # Contacts and outcomes must name a person among the accepted chain_people rows.
    if spec.person_table and people is not None:
        orphan = pl.col("__ok") & ~pl.col(_v("chain_id")).is_in(people.implode())
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
                        _shown(pl.col("chain_id")),
                    ).alias("detail"),
                )
            )
            frame = frame.with_columns(pl.col("__ok") & ~orphan)

    accepted_rows = frame.filter("__ok")
    optional = [c.name for c in spec.columns if not c.required]
    blanked = pl.concat(
        [
            accepted_rows.filter(pl.col(_p(c)).is_not_null()).select(
                pl.lit(raw.name).alias("table"),
                pl.col(ROW).alias("row"),
                pl.lit(c).alias("column"),
                pl.col(_p(c)).alias("reason"),
            )
            for c in optional
        ],
        how="vertical",
    ).cast(BLANKED_SCHEMA)  # type: ignore[arg-type]
    table = accepted_rows.select(
        pl.when(pl.col(_p(c.name)).is_null()).then(pl.col(_v(c.name))).alias(c.name)
        if not c.required and c.kind != "support_needs"  # known support needs survive a bad one
        else pl.col(_v(c.name)).alias(c.name)
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


def _shown(value: pl.Expr) -> pl.Expr:
    """A value as shown in a message: cut short, on one line."""
    text = value.str.replace_all(r"[\r\n\t]", " ")
    return (
        pl.when(text.str.len_chars() > _SHOWN_VALUE_CHARS)
        .then(text.str.slice(0, _SHOWN_VALUE_CHARS) + "...")
        .otherwise(text)
    )


def _row_problems(frame: pl.DataFrame, col: Column, table: str, bounds: DateBounds) -> pl.DataFrame:
    """Every row whose required value in ``col`` breaks a rule, with the detail in words."""
    bad = frame.filter(pl.col(_p(col.name)).is_not_null())
    reason = pl.col(_p(col.name))
    value = _shown(pl.col(col.name))
    if col.kind == "borough":
        expected = "an ONS London borough code, E09000001 to E09000033"
    else:
        expected = "one of " + ", ".join(col.codes)
    return bad.select(
        pl.lit(table).alias("table"),
        pl.col(ROW).alias("row"),
        pl.lit(col.name).alias("column"),
        reason.alias("reason"),
        pl.when(reason == MISSING)
        .then(pl.lit(f"{col.name} is empty"))
        .when(reason == UNKNOWN_CODE)
        .then(pl.format(f"'{{}}' is not {expected}", value))
        .when(reason == NOT_A_DATE)
        .then(pl.format("'{}' is not a date written YYYY-MM-DD", value))
        .when(reason == AFTER_EXTRACT)
        .then(pl.format(f"{{}} is after the extract date, {bounds.extract}", value))
        .when(reason == BEFORE_EARLIEST)
        .then(pl.format(f"{{}} is before {bounds.earliest}, the earliest plausible date", value))
        .otherwise(reason)
        .alias("detail"),
    )


# ---------------------------------------------------------------------------------------------
# One column: its cleaned value and the problem (a reason, or null when the value is fine)


def _check_column(col: Column, bounds: DateBounds) -> tuple[pl.Expr, pl.Expr, Column]:
    v = pl.col(col.name)
    value, problem = _KIND_CHECKS[col.kind](v, col, bounds)
    if col.required:
        problem = pl.when(v.is_null()).then(pl.lit(MISSING)).otherwise(problem)
    return value, problem.alias(_p(col.name)), col


def _none() -> pl.Expr:
    return pl.lit(None, pl.String)


def _text(v: pl.Expr, col: Column, bounds: DateBounds) -> tuple[pl.Expr, pl.Expr]:
    return v, _none()


def _code(v: pl.Expr, col: Column, bounds: DateBounds) -> tuple[pl.Expr, pl.Expr]:
    code = v.str.to_lowercase()
    problem = pl.when(v.is_not_null() & ~code.is_in(col.codes)).then(pl.lit(UNKNOWN_CODE))
    return code, problem.otherwise(_none())


def _borough(v: pl.Expr, col: Column, bounds: DateBounds) -> tuple[pl.Expr, pl.Expr]:
    code = v.str.to_uppercase()
    problem = pl.when(v.is_not_null() & ~code.is_in(borough_codes())).then(pl.lit(UNKNOWN_CODE))
    return code, problem.otherwise(_none())


def _nationality(v: pl.Expr, col: Column, bounds: DateBounds) -> tuple[pl.Expr, pl.Expr]:
    upper = v.str.to_uppercase()
    code = pl.when(upper == "UNKNOWN").then(pl.lit("unknown")).otherwise(upper)
    known = upper.is_in(sorted(ISO_ALPHA3)) | (upper == "UNKNOWN")
    problem = pl.when(v.is_not_null() & ~known).then(pl.lit(BAD_NATIONALITY))
    return code, problem.otherwise(_none())


def _support_needs(v: pl.Expr, col: Column, bounds: DateBounds) -> tuple[pl.Expr, pl.Expr]:
    given = v.str.split("|").list.eval(
        pl.element().str.strip_chars().str.to_lowercase().filter(pl.element().str.len_bytes() > 0)
    )
    known = given.list.eval(pl.element().filter(pl.element().is_in(SUPPORT_NEED_CODES)))
    joined = known.list.unique(maintain_order=True).list.join("|")
    value = pl.when(joined.str.len_bytes() > 0).then(joined)
    dropped = known.list.len() < given.list.len()
    return value, pl.when(dropped).then(pl.lit(BAD_SUPPORT_NEED)).otherwise(_none())


def _parse_date(v: pl.Expr) -> pl.Expr:
    return pl.when(v.str.contains(_DATE_SHAPE)).then(v.str.to_date("%Y-%m-%d", strict=False))


def _date(v: pl.Expr, col: Column, bounds: DateBounds) -> tuple[pl.Expr, pl.Expr]:
    day = _parse_date(v)
    problem = pl.when(v.is_not_null() & day.is_null()).then(pl.lit(NOT_A_DATE))
    problem = problem.when(day < pl.lit(bounds.earliest)).then(pl.lit(BEFORE_EARLIEST))
    if bounds.extract is not None:
        problem = problem.when(day > pl.lit(bounds.extract)).then(pl.lit(AFTER_EXTRACT))
    return day, problem.otherwise(_none())


def _dob(v: pl.Expr, col: Column, bounds: DateBounds) -> tuple[pl.Expr, pl.Expr]:
    day = _parse_date(v)
    problem = pl.when(v.is_not_null() & day.is_null()).then(pl.lit(NOT_A_DATE))
    problem = problem.when(day < pl.lit(dt.date(EARLIEST_BIRTH_YEAR, 1, 1))).then(
        pl.lit(DOB_TOO_EARLY)
    )
    if bounds.extract is not None:
        extract = bounds.extract
        oldest = _years_before(extract, MAX_AGE)
        problem = problem.when(day > pl.lit(extract)).then(pl.lit(DOB_FUTURE))
        problem = problem.when(day < pl.lit(oldest)).then(pl.lit(DOB_TOO_OLD))
    return day, problem.otherwise(_none())


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year - years, day=28)


def _age(v: pl.Expr, col: Column, bounds: DateBounds) -> tuple[pl.Expr, pl.Expr]:
    years = v.cast(pl.Float64, strict=False)
    fine = (
        years.is_not_null()
        & ~years.is_nan()
        & (years >= 0)
        & (years <= MAX_AGE)
        & (years == years.floor())
    )
    value = pl.when(fine).then(years.cast(pl.Int64).cast(pl.String))
    return value, pl.when(v.is_not_null() & ~fine).then(pl.lit(BAD_AGE)).otherwise(_none())


def _boolean(v: pl.Expr, col: Column, bounds: DateBounds) -> tuple[pl.Expr, pl.Expr]:
    word = v.str.to_lowercase()
    value = pl.when(word.is_in(TRUE_WORDS)).then(True).when(word.is_in(FALSE_WORDS)).then(False)
    known = word.is_in(TRUE_WORDS + FALSE_WORDS)
    return value.cast(pl.Boolean), pl.when(v.is_not_null() & ~known).then(
        pl.lit(BAD_BOOLEAN)
    ).otherwise(_none())


def _ni_number(v: pl.Expr, col: Column, bounds: DateBounds) -> tuple[pl.Expr, pl.Expr]:
    ni = v.str.replace_all(r"\s", "").str.to_uppercase()
    fine = ni.str.contains(_NI_SHAPE)
    return ni, pl.when(v.is_not_null() & ~fine).then(pl.lit(BAD_NI)).otherwise(_none())


_KIND_CHECKS = {
    "text": _text,
    "code": _code,
    "borough": _borough,
    "nationality": _nationality,
    "support_needs": _support_needs,
    "date": _date,
    "dob": _dob,
    "age": _age,
    "boolean": _boolean,
    "ni_number": _ni_number,
}
