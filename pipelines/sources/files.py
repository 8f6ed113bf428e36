"""Reading a sources directory: ``manifest.json`` and one CSV or Parquet file per table.

Every cell is read as text first (spaces trimmed, an empty cell is missing) so the validator can
say exactly which value in which row is wrong; types come later, in ``pipelines.sources.validate``.

Row numbers are what a provider sees in the file. For CSV, ``row`` is the line number in the file
(the header is line 1, so the first record is line 2; a value with a line break inside quotes
moves later records down, as in a text editor). For Parquet, ``row`` is the record number,
starting at 1.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import polars as pl
from pydantic import ValidationError

from contract.errors import PathwaysError, first_problem
from pipelines.sources.tables import MAX_VALUE_CHARS, TABLES, SourcesManifest, TableSpec

ROW = "_row"  # the provider-facing row number, carried beside the cells
# A row that cannot be read as a record carries why (and where) beside its cells, and is
# quarantined whole by validation: its cells are not trusted.
PROBLEM, PROBLEM_COLUMN, PROBLEM_DETAIL = "_problem", "_problem_column", "_problem_detail"
MANIFEST = "manifest.json"
FORMATS = (".csv", ".parquet")
_BOM = b"\xef\xbb\xbf"
_DELIMITERS = {";": "semicolons", "\t": "tabs", "|": "vertical bars"}

# Reasons a row cannot be read as a record, in the words a provider reads in the report.
WRONG_WIDTH = "a different number of values from the header"
REPEATED_HEADER = "the header row repeated inside the file"
NUL_BYTE = "a NUL byte in a value (the file is damaged or not text)"
TOO_LONG = f"a value longer than {MAX_VALUE_CHARS:,} characters"


@dataclass
class RawTable:
    """One table as read from its file: all cells as trimmed text, plus the row number."""

    name: str
    path: Path
    frame: pl.DataFrame  # the table's columns present in the file (String) and ``_row`` (Int64)
    row_label: Literal["line", "record"]
    ignored_columns: list[str] = field(default_factory=list)
    absent_optional_columns: list[str] = field(default_factory=list)
    blank_lines: int = 0


def read_manifest(sources_dir: Path) -> SourcesManifest:
    """Read and check ``manifest.json``.

    Raises:
        PathwaysError: when it is missing, not UTF-8 JSON, or lacks a valid extract date.
    """
    path = Path(sources_dir) / MANIFEST
    example = '{"extract_date": "2025-03-31", "sources": {"chain": {"provider": "..."}}}'
    if not path.is_file():
        raise PathwaysError(
            f"{MANIFEST} is missing from {sources_dir}; it must give at least the extract date, "
            f"for example {example}."
        )
    try:
        data = json.loads(path.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise PathwaysError(f"{MANIFEST} is not UTF-8 text.") from None
    except json.JSONDecodeError as e:
        raise PathwaysError(
            f"{MANIFEST} is not valid JSON (line {e.lineno}, column {e.colno}: {e.msg})."
        ) from None
    if not isinstance(data, dict):
        raise PathwaysError(f"{MANIFEST} must be a JSON object, for example {example}.")
    try:
        return SourcesManifest.model_validate(data)
    except ValidationError as e:
        where, message, kind = first_problem(e)
        if kind == "missing":
            message = "is missing (write the date as YYYY-MM-DD)"
        elif kind == "bool_type":
            given = e.errors()[0]["input"]
            message = f"must be true or false, written without quotes (not {given!r})"
        raise PathwaysError(f"{MANIFEST}: {where} {message}.") from None


def find_table_files(sources_dir: Path) -> tuple[dict[str, Path], list[str]]:
    """The file of each table present, and warnings about files that will not be read.

    Raises:
        PathwaysError: when the directory does not exist or a table has both a CSV and a Parquet
            file.
    """
    sources_dir = Path(sources_dir)
    if not sources_dir.is_dir():
        raise PathwaysError(f"The sources directory {sources_dir} does not exist.")
    found: dict[str, Path] = {}
    warnings: list[str] = []
    for path in sorted(sources_dir.iterdir()):
        if path.name == MANIFEST or path.name.startswith("."):
            continue
        if not (path.is_file() or path.is_symlink()):  # a link is refused when read
            continue
        stem, suffix = path.stem, path.suffix.lower()
        if stem in TABLES and suffix in FORMATS:
            if stem in found:
                raise PathwaysError(
                    f"{stem} has two files, {found[stem].name} and {path.name}; keep only one."
                )
            found[stem] = path
        elif stem in TABLES:
            warnings.append(f"{path.name} is not read: send {stem} as .csv or .parquet.")
        else:
            warnings.append(f"{path.name} is not a table of the minimum dataset and is ignored.")
    return found, warnings


def read_table(path: Path, spec: TableSpec) -> RawTable:
    """Read one table's file as text cells, keeping only the table's own columns.

    Rows that cannot be records (a different number of values from the header, the header
    repeated, a NUL byte, a value longer than ``MAX_VALUE_CHARS``) are kept with their problem
    in ``PROBLEM``, ``PROBLEM_COLUMN`` and ``PROBLEM_DETAIL`` for validation to quarantine.

    Raises:
        PathwaysError: naming the file (and column) when it is a symbolic link, empty, not
            UTF-8, unreadable, has a column twice, or lacks a required column.
    """
    path = Path(path)
    if path.is_symlink():
        # A link could point anywhere the run can read; a provider's extract is a plain file.
        raise PathwaysError(
            f"{path.name} is a symbolic link; copy the extract itself into the sources directory."
        )
    if path.stat().st_size == 0:
        raise PathwaysError(
            f"{path.name} is empty (zero bytes); a table needs at least its header row."
        )
    if path.suffix.lower() == ".parquet":
        frame, row_label, blank_lines = _read_parquet(path), "record", 0
    else:
        frame, blank_lines = _read_csv(path, spec)
        row_label = "line"

    names = [c for c in frame.columns if c not in _CARRIED]
    _require_columns(path, spec, names)
    wanted = [c for c in spec.column_names if c in names]
    trimmed = _with_cell_problems(frame, names).select(
        *_CARRIED,
        *(
            pl.col(c).str.strip_chars().replace("", None)  # an empty cell is missing
            for c in wanted
        ),
    )
    return RawTable(
        name=spec.name,
        path=path,
        frame=trimmed,
        row_label=row_label,
        ignored_columns=[c for c in names if c not in spec.column_names],
        absent_optional_columns=[c for c in spec.column_names if c not in names],
        blank_lines=blank_lines,
    )


_CARRIED = (ROW, PROBLEM, PROBLEM_COLUMN, PROBLEM_DETAIL)


def _with_cell_problems(frame: pl.DataFrame, names: list[str]) -> pl.DataFrame:
    """Mark rows holding a NUL byte or an overlong value in any column, read or ignored."""
    if not names or frame.height == 0:
        return frame
    nul = [pl.col(c).str.contains("\x00", literal=True).fill_null(False) for c in names]
    long = [(pl.col(c).str.len_chars() > MAX_VALUE_CHARS).fill_null(False) for c in names]
    tests = nul + long

    def first_of(values: list[pl.Expr]) -> pl.Expr:
        chosen = pl.when(tests[0]).then(values[0])
        for test, value in zip(tests[1:], values[1:], strict=True):
            chosen = chosen.when(test).then(value)
        return chosen

    reason = pl.when(pl.any_horizontal(nul)).then(pl.lit(NUL_BYTE))
    reason = reason.when(pl.any_horizontal(long)).then(pl.lit(TOO_LONG))
    column = first_of([pl.lit(c) for c in names] * 2)
    detail = first_of(
        [pl.lit(f"{c} holds a NUL byte") for c in names]
        + [pl.format(f"{c} holds {{}} characters", pl.col(c).str.len_chars()) for c in names]
    )
    kept = pl.col(PROBLEM).is_not_null()  # a row already unreadable keeps its first problem
    return frame.with_columns(
        pl.when(kept).then(pl.col(PROBLEM)).otherwise(reason).alias(PROBLEM),
        pl.when(kept).then(pl.col(PROBLEM_COLUMN)).otherwise(column).alias(PROBLEM_COLUMN),
        pl.when(kept).then(pl.col(PROBLEM_DETAIL)).otherwise(detail).alias(PROBLEM_DETAIL),
    )


def _require_columns(path: Path, spec: TableSpec, names: list[str]) -> None:
    missing = [c for c in spec.required if c not in names]
    if missing:
        raise PathwaysError(_missing_column_message(path, missing, names))


def _missing_column_message(path: Path, missing: list[str], names: list[str]) -> str:
    which = ", ".join(missing)
    word = "column" if len(missing) == 1 else "columns"
    message = f"{path.name} has no required {word} {which}."
    if len(names) == 1:
        for delimiter, words in _DELIMITERS.items():
            if delimiter in names[0]:
                return (
                    f"{message} Its header reads as one column separated by {words}; "
                    "the file must be comma-separated."
                )
    return message


def _normalise_names(path: Path, names: list[str]) -> list[str]:
    normalised = [n.strip().lower() for n in names]
    seen: set[str] = set()
    for n in normalised:
        if n in seen and n:
            raise PathwaysError(f"{path.name} has the column {n} twice; keep only one.")
        seen.add(n)
    # Unnamed columns get a placeholder name so they can be reported and ignored.
    return [n or f"(unnamed column {i + 1})" for i, n in enumerate(normalised)]


def _read_csv(path: Path, spec: TableSpec) -> tuple[pl.DataFrame, int]:
    raw = path.read_bytes()
    if raw.startswith(_BOM):
        raw = raw[len(_BOM) :]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw.count(b"\n", 0, e.start) + 1
        raise PathwaysError(
            f"{path.name} is not UTF-8: line {line} holds bytes that are not valid UTF-8. "
            "Save the file as UTF-8 (in Excel, 'CSV UTF-8')."
        ) from None
    # Lines end with LF, CR LF (Windows) or, in a file with no LF at all, CR alone (Excel's
    # "CSV (Macintosh)"). A lone CR elsewhere is a stray character in a value, read as a space.
    line_end = "\n" if "\n" in text else "\r"
    text = text.replace("\r\n", "\n").replace(line_end, "\n").replace("\r", " ")
    header_line = text[: text.find("\n")] if "\n" in text else text
    if not header_line.strip():
        raise PathwaysError(f"{path.name} has no header row on its first line.")
    if '"' in text:
        header, records, rows = _records_quoted(text)
    else:
        # No quotes, so no value holds a comma or a line break: every line is one record, split
        # at its commas by Polars (the same records as the csv module, much faster).
        header = header_line.split(",")
        lines = pl.Series([text], dtype=pl.String).str.split("\n").explode().slice(1)
        if text.endswith("\n"):
            lines = lines.slice(0, len(lines) - 1)
        records = lines.str.split(",")
        rows = pl.int_range(2, len(lines) + 2, dtype=pl.Int64, eager=True)
    names = _normalise_names(path, header)
    _require_columns(path, spec, names)  # the header alone tells, before any record is read
    return _records_frame(records, rows, names, [h.strip().lower() for h in header])


def _records_quoted(text: str) -> tuple[list[str], pl.Series, pl.Series]:
    """The header, each record's values and the line it starts on, read by the csv module."""
    # No field is longer than the file; the reader's own limit (128 KB) would stop the read.
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader)
    records: list[list[str]] = []
    rows: list[int] = []
    first_line = reader.line_num + 1
    for record in reader:
        # A record starts on the line after the previous one ended (quoted values may hold
        # line breaks), so ``row`` is the line number a provider sees in a text editor.
        rows.append(first_line)
        records.append(record)
        first_line = reader.line_num + 1
    return (
        header,
        pl.Series(records, dtype=pl.List(pl.String)),
        pl.Series(rows, dtype=pl.Int64),
    )


def _records_frame(
    records: pl.Series, rows: pl.Series, names: list[str], header_words: list[str]
) -> tuple[pl.DataFrame, int]:
    """One row per record: its cells, its line, and why it is not a record when it is not.

    Blank lines (or lines of bare commas) are not records: they are counted, not validated.
    """
    width = len(names)
    frame = pl.DataFrame({"__values": records, ROW: rows})
    values = pl.col("__values")
    # Joined with a separator no value holds unchanged, a record is compared in one string.
    joined = values.list.join("\x1f")
    blank = joined.str.replace_all("\x1f", "", literal=True).str.strip_chars() == ""
    frame = frame.with_columns(blank.fill_null(True).alias("__blank"))
    blank_lines = int(frame["__blank"].sum())
    frame = frame.filter(~pl.col("__blank"))
    count = values.list.len()
    # The header again: checked in full only where the first value is the first column's name.
    first = values.list.first().str.strip_chars().str.to_lowercase() == header_words[0]
    normalised = joined.str.replace_all(r"\s*\x1f\s*", "\x1f").str.strip_chars().str.to_lowercase()
    headers = frame.filter(first).filter(normalised == "\x1f".join(header_words))[ROW]
    repeated = pl.col(ROW).is_in(headers.implode())
    problem = (
        pl.when(count != width)
        .then(pl.lit(WRONG_WIDTH))
        .when(repeated)
        .then(pl.lit(REPEATED_HEADER))
    )
    detail = (
        pl.when(count != width)
        .then(pl.format(f"{{}} values where the header has {width} columns", count))
        .when(repeated)
        .then(pl.lit("the header row appears again here"))
    )
    frame = frame.with_columns(problem.alias(PROBLEM), detail.alias(PROBLEM_DETAIL))
    fine = pl.col(PROBLEM).is_null()  # the cells of a row that is not a record are not kept
    return (
        frame.select(
            *(
                pl.when(fine).then(values.list.get(i, null_on_oob=True)).alias(n)
                for i, n in enumerate(names)
            ),
            ROW,
            PROBLEM,
            pl.when(fine)
            .then(pl.lit(None, pl.String))
            .otherwise(pl.lit("(whole row)"))
            .alias(PROBLEM_COLUMN),
            PROBLEM_DETAIL,
        ),
        blank_lines,
    )


def _read_parquet(path: Path) -> pl.DataFrame:
    try:
        frame = pl.read_parquet(path)
    except Exception:  # noqa: BLE001 - any failure to open is the same plain message
        raise PathwaysError(f"{path.name} is not a readable Parquet file.") from None
    names = _normalise_names(path, frame.columns)
    frame = frame.rename(dict(zip(frame.columns, names, strict=True)))
    columns = []
    for name, dtype in frame.schema.items():
        columns.append(_parquet_as_text(path, frame, name, dtype))
    row = pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias(ROW)
    none = [pl.lit(None, pl.String).alias(c) for c in (PROBLEM, PROBLEM_COLUMN, PROBLEM_DETAIL)]
    return frame.select(*columns).with_columns(row, *none)


def _parquet_as_text(path: Path, frame: pl.DataFrame, name: str, dtype: pl.DataType) -> pl.Series:
    """One Parquet column as text, in the form the CSV would carry it."""
    col = frame.get_column(name)
    try:
        if dtype == pl.Date:
            return col.dt.strftime("%Y-%m-%d")
        if isinstance(dtype, pl.Datetime):
            return col.dt.date().dt.strftime("%Y-%m-%d")
        if isinstance(dtype, pl.List | pl.Array):
            # A list of codes (support needs) is the same as the |-separated text.
            return frame.select(pl.col(name).cast(pl.List(pl.String)).list.join("|")).to_series()
        if isinstance(dtype, pl.Struct | pl.Object):
            raise TypeError(dtype)
        return col.cast(pl.String)
    except Exception:  # noqa: BLE001 - a column that cannot be text fails the file, by name
        raise PathwaysError(
            f"{path.name}: column {name} has type {dtype}, which cannot be read as text."
        ) from None
