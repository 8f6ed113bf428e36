"""Random damage to every table of the minimum dataset, as files really arrive broken.

A valid file is drawn for each table and then damaged: lines cut short, stray quotes, another
text encoding, control characters, huge values, columns shuffled (with or without their
values), old Mac line ends. Whatever arrives, validation must not crash: a file is either
refused in one plain line naming it, or every row read is accepted or quarantined.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contract.errors import PathwaysError
from pipelines.config import PathwaysConfig, ValidationConfig
from pipelines.sources.tables import MAX_VALUE_CHARS, TABLES, Column, TableSpec
from pipelines.sources.validate import load_sources, validate_sources

LENIENT = PathwaysConfig(validation=ValidationConfig(max_quarantine_fraction=1.0))
MANIFEST = '{"extract_date": "2025-03-31"}'

# One valid value per kind of column, so that an undamaged file is accepted whole.
VALID = {
    "text": "Ann",
    "borough": "E09000033",
    "nationality": "GBR",
    "support_needs": "alcohol|drugs",
    "date": "2024-06-01",
    "dob": "1980-02-03",
    "age": "44",
    "boolean": "yes",
    "ni_number": "AB123456C",
}


def valid_value(column: Column, row: int) -> str:
    if column.name in ("chain_id", "case_ref", "resident_id"):
        return f"C{row}"
    if column.kind == "code":
        return column.codes[row % len(column.codes)]
    return VALID[column.kind]


def valid_csv(spec: TableSpec, rows: int) -> list[list[str]]:
    header = list(spec.column_names)
    return [header] + [[valid_value(spec.column(c), i) for c in header] for i in range(rows)]


def as_text(lines: list[list[str]]) -> str:
    quoted = [[f'"{v}"' if "," in v or '"' in v else v for v in line] for line in lines]
    return "".join(",".join(line) + "\n" for line in quoted)


CONTROL = st.sampled_from(["\x00", "\x01", "\x07", "\x0b", "\x0c", "\x1a", "\x1b", "\x7f", "\r"])


@st.composite
def damaged(draw, spec: TableSpec) -> bytes:
    lines = valid_csv(spec, draw(st.integers(1, 6)))
    if draw(st.booleans()):  # columns shuffled: the header with its values, or the header alone
        order = draw(st.permutations(range(len(lines[0]))))
        moved = 1 if draw(st.booleans()) else len(lines)
        lines = [[line[i] for i in order] if n < moved else line for n, line in enumerate(lines)]
    if draw(st.booleans()):  # a huge value
        n, i = draw(st.integers(1, len(lines) - 1)), draw(st.integers(0, len(lines[0]) - 1))
        lines[n][i] = "x" * draw(st.sampled_from([MAX_VALUE_CHARS + 1, 200_000]))
    text = as_text(lines)
    for _ in range(draw(st.integers(0, 4))):  # stray characters anywhere after the header
        at = draw(st.integers(len(text.split("\n", 1)[0]), len(text)))
        stray = draw(st.one_of(CONTROL, st.just('"'), st.just(","), st.just("\n")))
        text = text[:at] + stray + text[at:]
    if draw(st.booleans()):  # a line cut short
        text_lines = text.split("\n")
        n = draw(st.integers(1, max(1, len(text_lines) - 1)))
        text_lines[n] = text_lines[n][: draw(st.integers(0, len(text_lines[n])))]
        text = "\n".join(text_lines)
    if draw(st.booleans()):
        text = text.replace("\n", draw(st.sampled_from(["\r", "\r\n"])))
    if draw(st.booleans()):
        text += draw(st.text(max_size=20))  # anything at all, unterminated
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "utf-16", "cp1252"]))
    return text.encode(encoding, errors="replace")


def base_tables(folder: Path) -> None:
    (folder / "manifest.json").write_text(MANIFEST, encoding="utf-8")
    for name in TABLES:
        spec = TABLES[name]
        (folder / f"{name}.csv").write_text(as_text(valid_csv(spec, 3)), encoding="utf-8")


@pytest.mark.parametrize("table", list(TABLES))
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_a_damaged_table_is_refused_in_one_line_or_every_row_is_accounted_for(table, data):
    spec = TABLES[table]
    content = data.draw(damaged(spec))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        base_tables(folder)
        (folder / f"{table}.csv").write_bytes(content)

        report = validate_sources(folder, LENIENT).report  # never raises for bad data
        t = report.tables[table]
        if t.error:
            assert "\n" not in t.error and t.file in t.error
        else:
            assert t.rows_accepted + t.rows_quarantined == t.rows_read
            listed = report.quarantine.filter(pl.col("table") == table)["row"].n_unique()
            assert listed == t.rows_quarantined
            for reason in report.quarantine["detail"].drop_nulls():
                assert len(reason) < 500  # a huge value is never repeated in the report
        try:
            loaded = load_sources(folder, LENIENT)
        except PathwaysError as e:
            assert "\n" not in str(e)
        else:
            accepted = loaded.tables[table]
            assert accepted.height == t.rows_accepted
            assert accepted.columns == list(spec.column_names)
