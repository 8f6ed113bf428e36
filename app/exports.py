"""Files analysts take away: one Excel workbook of a page's tables, with a notes sheet, and the
whole release's published tables as one zip of CSVs for the pan-London lead.

Both hold only what the user may see: a page's workbook is the tables the page drew, already
scoped by ``app.data.ScopedRelease``; the release zip is refused to every role but London's.
Nothing here calls Streamlit; the pages offer these through ``ui.audited_download``.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from datetime import date, datetime

import polars as pl
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from app.charts.common import Words, excel_csv
from app.data import ScopedRelease
from contract.release import ReleaseManifest
from contract.vocabulary import SOURCE_NAMES, disclosure_paragraphs

NOTES_SHEET = "Notes"
_NOT_IN_NAMES = re.compile(r"[\[\]:*?/\\]")


def notes(manifest: ReleaseManifest, disclosure_rules: str | None = None) -> list[list[str]]:
    """The notes that travel with every export: source, release, disclosure rules and every
    definition, as rows of a heading and its text."""
    words = Words(manifest)
    rows = [
        ["Source", words.footnote()],
        ["Release", manifest.release_id or "unnamed"],
        ["Data period", f"{manifest.data_period.start} to {manifest.data_period.end}"],
        *(
            [f"{SOURCE_NAMES.get(k, k)} extract", v.isoformat()]
            for k, v in sorted(manifest.source_extract_dates.items())
        ),
        ["Definitions version", manifest.definitions_version or "not recorded"],
        ["Synthetic", "Yes: generated data, not real people" if manifest.synthetic else "No"],
    ]
    rules = [disclosure_rules] if disclosure_rules else disclosure_paragraphs(words.sdc)
    rows += [["Disclosure rules", text] for text in rules]
    for d in manifest.definitions:
        version = d.version or manifest.definitions_version or "?"
        rows.append([f"{d.title or d.id} ({d.id} v{version})", d.definition or "not given"])
    return rows


def sheet_name(title: str, taken: set[str]) -> str:
    """An Excel sheet name for a table: at most 31 characters, none of []:*?/\\, unique."""
    base = _NOT_IN_NAMES.sub(" ", title).strip()[:31] or "Table"
    name, n = base, 2
    while name.lower() in taken:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(name.lower())
    return name


def _cell(value: object) -> object:
    if isinstance(value, date | datetime | int | float | str) or value is None:
        return value
    return str(value)


def workbook(tables: Sequence[tuple[str, pl.DataFrame]], note_rows: list[list[str]]) -> bytes:
    """An Excel workbook: the notes sheet first, then one sheet per table, its title in the
    first row and its columns from the second, numbers and dates kept as numbers and dates."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = NOTES_SHEET
    sheet.append(["About these tables", ""])
    sheet["A1"].font = Font(bold=True)
    for row in note_rows:
        sheet.append(row)
    sheet.column_dimensions["A"].width = 38
    sheet.column_dimensions["B"].width = 110
    for (cell,) in sheet.iter_rows(min_col=2, max_col=2):
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    taken = {NOTES_SHEET.lower()}
    for title, frame in tables:
        sheet = book.create_sheet(sheet_name(title, taken))
        sheet.append([title])
        sheet["A1"].font = Font(bold=True)
        sheet.append(frame.columns)
        for row in frame.iter_rows():
            sheet.append([_cell(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def release_zip(release: ScopedRelease) -> bytes:
    """Every published table of the release as a CSV (with the byte-order mark Excel needs),
    the disclosure rules and the definitions, in one zip: for the pan-London lead only."""
    tables = release.published_tables()
    manifest = release.manifest
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, frame in tables.items():
            z.writestr(f"{name}.csv", excel_csv(frame))
        z.writestr("disclosure_rules.md", release.disclosure_rules)
        definitions = pl.DataFrame(
            [
                {"id": d.id, "title": d.title, "unit": d.unit,
                 "version": d.version or manifest.definitions_version, "definition": d.definition}
                for d in manifest.definitions
            ],
            schema={c: pl.String for c in ("id", "title", "unit", "version", "definition")},
        )  # fmt: skip
        z.writestr("definitions.csv", excel_csv(definitions))
        z.writestr(
            "notes.csv",
            excel_csv(pl.DataFrame(notes(manifest), schema=["note", "text"], orient="row")),
        )
    return out.getvalue()
