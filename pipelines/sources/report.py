"""The validation report: counts per table, every quarantined row and blanked value, in words.

``pathways validate`` prints it (``summary_lines``) and writes it for the data provider
(``quarantine.csv``, ``blanked_values.csv``, ``validation_report.json`` and ``.md``); a run turns
its counts into rows of the release's quality table (``quality_indicators``). Values themselves
are never repeated in the blanked list: they may identify a person.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from contract.release import QUALITY_SCHEMA
from pipelines.sources.tables import TABLES

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


LISTED_IN_TEXT = 20  # quarantined rows printed on the terminal; the files hold them all
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

    def summary_lines(self, listed: int = LISTED_IN_TEXT) -> list[str]:
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
                    f"Quarantined in {name}: {q['column']}: {q['reason']}: {plural(q['rows'], 'row')}"
                )
        for name, t in self.tables.items():
            for b in t.blanked_by:
                lines.append(
                    f"Blanked in {name}: {b['column']}: {b['reason']}: {plural(b['values'], 'value')}"
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
        md += _every_row(self.quarantine, "## Every quarantined row", "quarantine.csv", "detail")
        md += _every_row(
            self.blanked,
            "## Every blanked value (the value itself is not repeated here)",
            "blanked_values.csv",
            "reason",
        )
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


def _every_row(frame: pl.DataFrame, heading: str, file: str, problem: str) -> list[str]:
    """The Markdown section listing a report's rows, up to the first ``_LISTED_IN_MARKDOWN``."""
    if not frame.height:
        return []
    md = ["", heading, ""]
    if frame.height > _LISTED_IN_MARKDOWN:
        md += [
            f"The first {_LISTED_IN_MARKDOWN:,} of {frame.height:,} are shown; "
            f"`{file}` lists them all.",
            "",
        ]
    md += ["| table | row | column | problem |", "|---|---:|---|---|"]
    for r in frame.head(_LISTED_IN_MARKDOWN).iter_rows(named=True):
        text = str(r[problem]).replace("|", "\\|").replace("\n", " ")
        md.append(f"| {r['table']} | {r['row']} | {r['column']} | {text} |")
    return md


def plural(count: object, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"
