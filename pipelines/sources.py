"""Reading a sources directory: ``manifest.json`` and one CSV or Parquet file per table.

Every cell is read as text first (spaces trimmed, an empty cell is missing) so the validator can
say exactly which value in which row is wrong; types come later, in ``pipelines.validate``.

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

from pipelines.errors import PathwaysError
from pipelines.schema import TABLES, SourcesManifest, TableSpec

ROW = "_row"  # the provider-facing row number, carried beside the cells
MANIFEST = "manifest.json"
FORMATS = (".csv", ".parquet")
_BOM = b"\xef\xbb\xbf"
_DELIMITERS = {";": "semicolons", "\t": "tabs", "|": "vertical bars"}


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
        first = e.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "the top level"
        message = first["msg"].removeprefix("Value error, ")
        if first["type"] == "missing":
            message = "is missing (write the date as YYYY-MM-DD)"
        elif first["type"] == "bool_type":
            message = f"must be true or false, written without quotes (not {first['input']!r})"
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
        if path.name == MANIFEST or path.name.startswith(".") or not path.is_file():
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

    Raises:
        PathwaysError: naming the file (and column) when it is empty, not UTF-8, unreadable,
            has a column twice, or lacks a required column.
    """
    path = Path(path)
    if path.stat().st_size == 0:
        raise PathwaysError(
            f"{path.name} is empty (zero bytes); a table needs at least its header row."
        )
    if path.suffix.lower() == ".parquet":
        frame, row_label, blank_lines = _read_parquet(path), "record", 0
    else:
        frame, blank_lines = _read_csv(path, spec)
        row_label = "line"

    names = [c for c in frame.columns if c != ROW]
    _require_columns(path, spec, names)
    wanted = [c for c in spec.column_names if c in names]
    trimmed = frame.select(
        ROW,
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
        raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw.count(b"\n", 0, e.start) + 1
        raise PathwaysError(
            f"{path.name} is not UTF-8: line {line} holds bytes that are not valid UTF-8. "
            "Save the file as UTF-8 (in Excel, 'CSV UTF-8')."
        ) from None
    end = raw.find(b"\n")
    header_line = (raw if end < 0 else raw[:end]).decode("utf-8").rstrip("\r")
    if not header_line.strip():
        raise PathwaysError(f"{path.name} has no header row on its first line.")
    header = next(csv.reader([header_line]))
    names = _normalise_names(path, header)
    _require_columns(path, spec, names)  # the header alone tells, before any record is read
    try:
        frame = pl.read_csv(
            io.BytesIO(raw),
            has_header=True,
            infer_schema=False,
            raise_if_empty=False,
        )
    except pl.exceptions.PolarsError:
        raise PathwaysError(_csv_shape_problem(path, raw, len(header))) from None
    if frame.width != len(names):
        raise PathwaysError(_csv_shape_problem(path, raw, len(header)))
    frame = frame.rename(dict(zip(frame.columns, names, strict=True)))
    # A quoted value with line breaks spans several lines; count them so row = line number.
    if b'"' in raw and frame.height:
        breaks = pl.sum_horizontal(
            pl.col(c).str.count_matches("\n").fill_null(0) for c in names
        ).cast(pl.Int64)
        row = 2 + pl.int_range(pl.len(), dtype=pl.Int64) + breaks.cum_sum() - breaks
    else:
        row = 2 + pl.int_range(pl.len(), dtype=pl.Int64)
    frame = frame.with_columns(row.alias(ROW))
    # Blank lines (or lines of bare commas) are not records; they are counted, not validated.
    blank = pl.all_horizontal(
        pl.col(c).is_null() | (pl.col(c).str.strip_chars() == "") for c in names
    )
    blank_lines = frame.select(blank.sum()).item() if frame.height else 0
    if blank_lines:
        frame = frame.filter(~blank)
    return frame, int(blank_lines or 0)


def _csv_shape_problem(path: Path, raw: bytes, width: int) -> str:
    """Find the first line whose number of fields differs from the header's (error path only)."""
    reader = csv.reader(io.StringIO(raw.decode("utf-8"), newline=""), strict=True)
    start = 1
    try:
        for fields in reader:
            if len(fields) > width:
                return (
                    f"{path.name}: line {start} has {len(fields)} values but the header "
                    f"has {width} columns. Put values that contain commas in double quotes."
                )
            start = reader.line_num + 1
    except csv.Error:
        return (
            f"{path.name}: line {start} cannot be read as CSV: a double quote is misplaced or "
            "never closed. Values with quotes, commas or line breaks must be in double quotes, "
            'with any quote inside doubled ("").'
        )
    return f"{path.name} cannot be read as CSV; check its quoting around line breaks and commas."


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
    return frame.select(*columns).with_columns(row)


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
