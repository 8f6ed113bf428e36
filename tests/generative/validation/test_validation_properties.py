"""Hypothesis throws malformed rows and files at the validator.

Whatever it is given, validation must not crash (only a ``PathwaysError`` may escape
``load_sources``, as one plain line), every row read must be accepted or quarantined, and what
is accepted must keep the contract: full column set and types, no future required dates, unique
keys, contacts of known people only.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from contract.errors import PathwaysError
from contract.reference import borough_codes
from pipelines.config import PathwaysConfig, ValidationConfig
from pipelines.sources.tables import TABLES, Column, TableSpec
from pipelines.sources.validate import load_sources, validate_sources

EXTRACT = dt.date(2025, 3, 31)
SETTINGS = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
LENIENT = PathwaysConfig(validation=ValidationConfig(max_quarantine_fraction=1.0))

junk = st.text(max_size=12)
dates = st.dates(dt.date(2015, 1, 1), dt.date(2026, 12, 31)).map(dt.date.isoformat)
tricky = st.sampled_from(
    ["", "  ", "n/a", "NULL", "2099-01-01", "2025-02-30", "31/12/2024", "E09000099", "é", '"', ","]
)


def valid_cell(column: Column) -> st.SearchStrategy[str]:
    if column.name in ("chain_id", "case_ref", "resident_id"):
        return st.sampled_from(["C1", "C2", "C3", "C4", "C5"])  # few values: duplicates happen
    if column.name == "provider":
        return st.sampled_from(["St Mungo's", "Thames Reach"])
    kind = column.kind
    if kind == "code":
        return st.sampled_from(column.codes)
    if kind == "borough":
        return st.sampled_from(borough_codes())
    if kind == "nationality":
        return st.sampled_from(["GBR", "ROU", "POL", "ERI", "unknown"])
    if kind == "support_needs":
        codes = ["mental_health", "alcohol", "drugs", "none"]
        return st.lists(st.sampled_from(codes), max_size=3).map("|".join)
    if kind == "date":
        return dates
    if kind == "dob":
        return st.dates(dt.date(1930, 1, 1), dt.date(2007, 1, 1)).map(dt.date.isoformat)
    if kind == "age":
        return st.integers(0, 110).map(str)
    if kind == "boolean":
        return st.sampled_from(["true", "false", "Yes", "n", "1"])
    if kind == "ni_number":
        return st.sampled_from(["AB123456C", "ab 12 34 56 d"])
    return st.text(st.characters(categories=["L", "N", "Zs"]), max_size=8)


def cell(column: Column) -> st.SearchStrategy[str]:
    return st.one_of(valid_cell(column), valid_cell(column), valid_cell(column), tricky, junk)


@dataclass
class TableFile:
    spec: TableSpec
    columns: list[str]
    rows: list[list[str]]
    fmt: str  # csv | parquet
    delimiter: str
    newline: str
    bom: bool
    corrupt_at: int | None  # put a byte that is not UTF-8 here
    zero_bytes: bool

    @property
    def file_name(self) -> str:
        return f"{self.spec.name}.{self.fmt}"


@st.composite
def table_files(draw, spec: TableSpec, may_break: bool = True) -> TableFile:
    names = list(spec.column_names)
    # One file in five is broken as a whole (missing column, delimiter, bytes, zero bytes);
    # the others carry only bad rows, so that most runs go ahead and their output is checked.
    broken = may_break and draw(st.integers(0, 4)) == 0
    columns = [
        n
        for n in names
        if (spec.column(n).required and (not broken or draw(st.booleans()))) or draw(st.booleans())
    ]
    if draw(st.booleans()):
        columns.append(draw(st.sampled_from(["notes", "Extra", "chain_id_old", ""])))
    columns = list(dict.fromkeys(columns))
    columns = draw(st.permutations(columns))
    specs = {n: spec.column(n) if n in names else Column(n) for n in columns}
    rows = draw(
        st.lists(st.tuples(*(cell(specs[n]) for n in columns)).map(list), max_size=8)
        if columns
        else st.just([])
    )
    return TableFile(
        spec=spec,
        columns=columns,
        rows=rows,
        fmt=draw(st.sampled_from(["csv", "csv", "csv", "parquet"])),
        delimiter=draw(st.sampled_from([",", ";", "\t"])) if broken else ",",
        newline=draw(st.sampled_from(["\n", "\r\n"])),
        bom=draw(st.booleans()),
        corrupt_at=draw(st.none() | st.integers(0, 400)) if broken else None,
        zero_bytes=broken and draw(st.integers(0, 3)) == 0,
    )


def write(folder: Path, table: TableFile) -> None:
    path = folder / table.file_name
    if table.zero_bytes:
        path.write_bytes(b"")
        return
    if table.fmt == "parquet":
        frame = pl.DataFrame(
            {f"{n}": [r[i] or None for r in table.rows] for i, n in enumerate(table.columns)},
            schema={n: pl.String for n in table.columns},
        )
        # A provider's Parquet may carry native types: a date column as dates (or as numbers).
        for name in frame.columns:
            kind = table.spec.column(name).kind if name in table.spec.column_names else "text"
            if kind == "date":
                frame = frame.with_columns(pl.col(name).str.to_date(strict=False))
            elif kind == "age":
                frame = frame.with_columns(pl.col(name).cast(pl.Int64, strict=False))
        frame.write_parquet(path)
        return
    text = io.StringIO()
    writer = csv.writer(text, delimiter=table.delimiter, lineterminator=table.newline)
    writer.writerow(table.columns)
    writer.writerows(table.rows)
    data = ("\ufeff" if table.bom else "").encode() + text.getvalue().encode("utf-8")
    if table.corrupt_at is not None:
        at = min(table.corrupt_at, len(data))
        data = data[:at] + b"\xff" + data[at:]
    path.write_bytes(data)


manifests = st.one_of(
    st.just({"extract_date": EXTRACT.isoformat()}),
    st.just({"extract_date": EXTRACT.isoformat()}),
    st.just({"extract_date": EXTRACT.isoformat()}),
    st.just({"extract_date": EXTRACT.isoformat()}),
    st.just(
        {"extract_date": EXTRACT.isoformat(), "sources": {"chain": {"extract_date": "2025-01-31"}}}
    ),
    st.just({"extract_date": "31/03/2025"}),
    st.just({}),
    st.none(),
)


@st.composite
def sources_dirs(draw, may_break: bool = True):
    tables = []
    for name, spec in TABLES.items():
        needed = name in ("chain_people", "chain_contacts")
        if (needed and not may_break) or draw(st.integers(0, 9)) > (0 if needed else 4):
            tables.append(draw(table_files(spec, may_break)))
    manifest = draw(manifests) if may_break else {"extract_date": EXTRACT.isoformat()}
    return manifest, tables


def check_invariants(folder: Path, tables: list[TableFile]) -> None:
    result = validate_sources(folder, LENIENT)
    report = result.report
    assert result.report_text()
    assert report.to_markdown()
    for name, t in report.tables.items():
        if t.error:
            assert "\n" not in t.error and t.file in t.error
            continue
        assert t.rows_accepted + t.rows_quarantined == t.rows_read, name
        listed = report.quarantine.filter(pl.col("table") == name)["row"].n_unique()
        assert listed == t.rows_quarantined, name
        written = next(tf for tf in tables if tf.spec.name == name)
        assert t.rows_read + t.blank_lines == len(written.rows), name  # nothing silently dropped

    try:
        loaded = load_sources(folder, LENIENT)
    except PathwaysError as e:
        event("the run fails")
        assert not result.passed
        message = str(e)
        assert message and "\n" not in message
        return
    event("the run goes ahead")
    assert result.passed
    for name, frame in loaded.tables.items():
        spec = TABLES[name]
        assert frame.columns == list(spec.column_names)
        assert [str(frame.schema[c.name]) for c in spec.columns] == [
            c.dtype_name for c in spec.columns
        ]
        assert frame.select(
            pl.col(c).is_null().sum() for c in spec.required
        ).sum_horizontal().item() in (0, None)
        extract = loaded.manifest.extract_date_for(spec.source)
        for c in spec.columns:
            if c.kind == "date":
                assert (frame[c.name].drop_nulls() <= extract).all()
        if spec.key:
            assert not frame.select(spec.key).is_duplicated().any()
    people = loaded.tables.get("chain_people")
    for name in ("chain_contacts", "chain_outcomes"):
        if name in loaded.tables and people is not None:
            assert loaded.tables[name]["chain_id"].is_in(people["chain_id"].implode()).all()


def run_case(manifest: dict | None, tables: list[TableFile]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if manifest is not None:
            (folder / "manifest.json").write_text(json.dumps(manifest))
        for table in tables:
            write(folder, table)
        check_invariants(folder, tables)


@SETTINGS
@given(sources_dirs())
def test_any_sources_directory_is_validated_without_crashing(case):
    run_case(*case)


@SETTINGS
@given(sources_dirs(may_break=False))
def test_bad_rows_in_readable_files_leave_a_run_that_keeps_the_contract(case):
    # Every file is readable and the manifest valid: only rows are bad, so the run goes ahead
    # and what it accepts is checked against the contract.
    run_case(*case)


@SETTINGS
@given(
    st.sampled_from(list(TABLES)),
    st.sampled_from(["zero_bytes", "not_utf8", "semicolons", "tabs", "no_required_column"]),
    st.lists(st.text(max_size=6), max_size=4),
)
def test_a_broken_file_fails_the_run_in_one_line_naming_the_file(table, breakage, junk_cells):
    spec = TABLES[table]
    header = list(spec.column_names)
    good_row = ["2025-01-01" if spec.column(c).kind == "date" else "x" for c in header]
    if breakage == "zero_bytes":
        data = b""
    elif breakage == "not_utf8":
        data = (",".join(header) + "\n").encode() + "Jos\u00e9,".encode("cp1252") + b"\n"
    elif breakage == "no_required_column":
        kept = [c for c in header if c != spec.required[-1]]
        data = (",".join(kept) + "\n" + ",".join(junk_cells)).encode()
    else:
        delimiter = ";" if breakage == "semicolons" else "\t"
        data = (delimiter.join(header) + "\n" + delimiter.join(good_row) + "\n").encode()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "manifest.json").write_text(json.dumps({"extract_date": "2025-03-31"}))
        (folder / "chain_people.csv").write_text("chain_id\nC1\n")
        (folder / "chain_contacts.csv").write_text(
            "chain_id,contact_date,borough,contact_type\nC1,2025-01-01,E09000033,bedded_down\n"
        )
        (folder / f"{table}.csv").write_bytes(data)
        result = validate_sources(folder, LENIENT)
        assert not result.passed
        try:
            load_sources(folder, LENIENT)
        except PathwaysError as e:
            message = str(e)
        else:
            raise AssertionError("a broken file must fail the run")
        assert "\n" not in message
        assert f"{table}.csv" in message
        if breakage in ("semicolons", "tabs", "no_required_column"):
            assert "has no required column" in message
