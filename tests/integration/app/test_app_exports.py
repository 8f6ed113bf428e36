"""What analysts take away: each page's tables as one Excel workbook whose cells are the page's
tables, with a notes sheet; the whole release as a zip of CSVs for the pan-London lead only;
every export in the audit log first."""

from __future__ import annotations

import csv
import io
import math
import zipfile
from datetime import datetime

import pytest
from openpyxl import load_workbook

from app.pages import PAGES_BY_ROLE
from tests.integration.app.test_app_pages import entries, sign_in, visit

CAMDEN, LONDON = "E09000007", "E12000007"


def _as_shown(column: list) -> list[str]:
    """A workbook column written the way the page's table writes it: whole numbers without
    '.0' (when the whole column is whole), dates as YYYY-MM-DD, a dash for no figure."""
    present = [v for v in column if v is not None]
    whole = all(isinstance(v, int | float) and float(v).is_integer() for v in present)
    out = []
    for v in column:
        if v is None:
            out.append("—")
        elif isinstance(v, datetime):
            out.append(v.date().isoformat())
        elif isinstance(v, bool):
            out.append(str(v).lower())
        elif isinstance(v, int | float) and whole:
            out.append(str(int(v)))
        elif isinstance(v, int | float):  # a column with fractions: Excel keeps 175.0 as 175
            out.append(str(float(v)))
        else:
            out.append(str(v))
    return out


def _same(a: list[list[str]], b: list[list[str]]) -> bool:
    """The same cells; numbers equal to the 15 significant digits Excel keeps."""
    if len(a) != len(b) or any(len(x) != len(y) for x, y in zip(a, b, strict=True)):
        return False
    for x, y in zip((c for row in a for c in row), (c for row in b for c in row), strict=True):
        if x == y:
            continue
        try:
            if not math.isclose(float(x), float(y), rel_tol=1e-14):
                return False
        except ValueError:
            return False
    return True


def _sheet_as_shown(sheet) -> tuple[list[str], list[list[str]]]:
    rows = list(sheet.iter_rows(values_only=True))
    header, body = list(rows[1]), [list(r) for r in rows[2:]]
    columns = [_as_shown([r[i] for r in body]) for i in range(len(header))]
    return header, [list(r) for r in zip(*columns, strict=True)] if body else []


def _workbook(at, page, deferred):
    (button,) = [b for b in at.get("download_button") if f"dl-workbook-{page}" in b.proto.id]
    return load_workbook(io.BytesIO(deferred[button.proto.deferred_file_id]()))


@pytest.mark.parametrize("page", PAGES_BY_ROLE["london"])
def test_each_page_offers_one_workbook_whose_cells_are_the_pages_tables(env, deferred, page):
    at = visit(sign_in("london-lead"), page)
    book = _workbook(at, page, deferred)
    assert book.sheetnames[0] == "Notes"
    notes = {r[0]: r[1] for r in book["Notes"].iter_rows(min_row=2, values_only=True)}
    assert notes["Release"] and "Source: Pathways release" in notes["Source"]
    assert any(k == "Disclosure rules" for k in notes) and any("v" in k for k in notes)
    shown = [  # every table the page shows, in order: header and cells as written
        (
            [str(c) for c in df.value.columns],
            [["—" if v is None else str(v) for v in row] for row in df.value.to_numpy().tolist()],
        )
        for df in at.dataframe
    ]
    sheets = [_sheet_as_shown(book[name]) for name in book.sheetnames[1:]]
    assert sheets, page
    # each sheet is one of the page's tables, in the page's order
    rest = iter(shown)
    for header, rows in sheets:
        assert any(header == h and _same(rows, r) for h, r in rest), (page, header)
    # and every table the page shows is in the workbook (one shown twice, once with its
    # columns named for reading, is in it once)
    for header, rows in shown:
        assert any(_same(rows, r) for _, r in sheets), (page, header)
    assert [e.details["format"] for e in entries(env, "download")] == ["xlsx"]


def test_the_workbook_is_audited_before_it_is_served(env, deferred):
    at = visit(sign_in("london-lead"), "map")
    (button,) = [b for b in at.get("download_button") if "dl-workbook-map" in b.proto.id]
    assert button.proto.deferred_file_id and not button.proto.url  # at no address yet
    assert not entries(env, "download")
    load_workbook(io.BytesIO(deferred[button.proto.deferred_file_id]()))  # the click
    (entry,) = entries(env, "download")
    assert entry.details["format"] == "xlsx" and entry.details["chart"] == "workbook-map"
    assert entry.page == "map" and entry.details["tables"]


def test_a_borough_leads_snapshot_workbook_holds_only_their_borough_and_london(env, deferred):
    at = visit(sign_in("camden-lead"), "snapshot")
    book = _workbook(at, "snapshot", deferred)
    codes = set()
    for name in book.sheetnames[1:]:
        rows = list(book[name].iter_rows(min_row=2, values_only=True))
        if "geography_code" in rows[0]:
            i = rows[0].index("geography_code")
            codes |= {r[i] for r in rows[1:]}
    assert codes and codes <= {CAMDEN, LONDON}


def test_the_london_lead_downloads_the_whole_release_as_csvs(env, deferred, release_dir):
    from app.data import load_release
    from contract.release import RELEASE_TABLES

    at = visit(sign_in("london-lead"), "about")
    (button,) = [b for b in at.get("download_button") if "dl-release" in b.proto.id]
    data = deferred[button.proto.deferred_file_id]()
    assert entries(env, "download")[-1].details["format"] == "zip"
    release = load_release(release_dir)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        names = set(z.namelist())
        assert {f"{t}.csv" for t in RELEASE_TABLES} | {
            "disclosure_rules.md",
            "definitions.csv",
        } <= names
        for table in RELEASE_TABLES:
            raw = z.read(f"{table}.csv")
            assert raw.startswith(b"\xef\xbb\xbf")
            rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
            assert len(rows) == release.table(table).height, table
        assert z.read("disclosure_rules.md").decode() == release.disclosure_rules


def test_no_other_role_gets_the_whole_release(env):
    for account in ("camden-lead", "taskforce"):
        at = visit(sign_in(account), "about")
        assert not [b for b in at.get("download_button") if "dl-release" in b.proto.id]


def test_the_release_tables_are_refused_to_a_borough_lead_in_the_data_layer(release_dir):
    from app.auth import Role
    from app.data import ScopedRelease, ScopeError, load_release

    with pytest.raises(ScopeError, match="cannot see the whole release's tables"):
        ScopedRelease(load_release(release_dir), Role("borough", CAMDEN)).published_tables()
