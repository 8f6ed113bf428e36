"""Files as real providers send them, damaged in the ways real files are: each row that cannot
be a record is quarantined with its reason, never padded, never a traceback."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from pipelines.config import PathwaysConfig, ValidationConfig
from pipelines.sources.files import NUL_BYTE, REPEATED_HEADER, TOO_LONG, WRONG_WIDTH
from pipelines.sources.rules import BEFORE_EARLIEST
from pipelines.sources.tables import MAX_VALUE_CHARS
from pipelines.sources.validate import load_sources, validate_sources

LENIENT = PathwaysConfig(validation=ValidationConfig(max_quarantine_fraction=1))


def quarantined(folder, config: PathwaysConfig = LENIENT, table: str | None = None) -> list:
    """(table, row, column, reason) of every quarantined row; and every row is accounted for.

    With ``table``, only that table's rows (its people's contacts follow them out).
    """
    report = validate_sources(folder, config).report
    for t in report.tables.values():
        assert t.error is None, t.error
        assert t.rows_accepted + t.rows_quarantined == t.rows_read
    rows = report.quarantine.filter(pl.col("table") == table) if table else report.quarantine
    return rows.select("table", "row", "column", "reason").rows()


def test_old_mac_line_ends_read_as_lines(write_sources):
    # Excel for Mac's "CSV (Macintosh)" ends lines with a carriage return alone.
    text = b"chain_id,gender\rC1,male\rC2,female\r"
    folder = write_sources({"chain_people.csv": text})
    people = load_sources(folder, PathwaysConfig()).tables["chain_people"]
    assert people.select("chain_id", "gender").rows() == [("C1", "male"), ("C2", "female")]


def test_a_short_row_is_quarantined_not_padded(write_sources):
    folder = write_sources(
        {
            "chain_contacts": """
                chain_id,contact_date,borough,contact_type
                C1,2025-01-01,E09000033,bedded_down
                C2,2025-01-02
            """
        }
    )
    assert quarantined(folder) == [("chain_contacts", 3, "(whole row)", WRONG_WIDTH)]
    detail = validate_sources(folder, LENIENT).report.quarantine["detail"].to_list()
    assert detail == ["2 values where the header has 4 columns"]


def test_a_long_row_is_quarantined_and_the_rest_of_the_file_is_read(write_sources):
    folder = write_sources(
        {
            "chain_people": """
                chain_id,gender
                C1,male
                C2,female,extra
                C3,female
            """
        }
    )
    assert quarantined(folder, table="chain_people") == [
        ("chain_people", 3, "(whole row)", WRONG_WIDTH)
    ]
    people = load_sources(folder, LENIENT).tables["chain_people"]
    assert people["chain_id"].to_list() == ["C1", "C3"]


def test_a_header_repeated_mid_file_is_not_a_person(write_sources):
    # Two exports pasted one after the other.
    folder = write_sources(
        {
            "chain_people": """
                chain_id,gender
                C1,male
                Chain_ID, gender
                C2,female
            """
        }
    )
    assert quarantined(folder, table="chain_people") == [
        ("chain_people", 3, "(whole row)", REPEATED_HEADER)
    ]
    people = load_sources(folder, LENIENT).tables["chain_people"]
    assert "chain_id" not in people["chain_id"].to_list()


def test_a_nul_byte_quarantines_its_row_and_names_the_column(write_sources):
    text = b"chain_id,first_name,gender\nC1,Ann,female\nC2,Bo\x00b,male\n"
    folder = write_sources({"chain_people.csv": text})
    assert quarantined(folder, table="chain_people") == [
        ("chain_people", 3, "first_name", NUL_BYTE)
    ]


def test_a_huge_value_quarantines_its_row(write_sources):
    huge = "x" * 20_000_000  # 20 MB in one cell, as a broken export produces
    text = f"chain_id,first_name,gender\nC1,Ann,female\nC2,{huge},male\nC3,Cy,male\n".encode()
    folder = write_sources({"chain_people.csv": text})
    assert quarantined(folder, table="chain_people") == [
        ("chain_people", 3, "first_name", TOO_LONG)
    ]
    detail = validate_sources(folder, LENIENT).report.quarantine["detail"][0]
    assert detail == "first_name holds 20000000 characters" and len(detail) < 100
    assert len(huge) > MAX_VALUE_CHARS


def test_nul_bytes_and_huge_values_in_parquet_are_quarantined_too(write_sources):
    folder = write_sources()
    pl.DataFrame(
        {"chain_id": ["C1", "C2", "C3"], "known_as": ["ok", "a\x00b", "y" * (MAX_VALUE_CHARS + 1)]}
    ).write_parquet(folder / "chain_people.parquet")
    (folder / "chain_people.csv").unlink()
    assert quarantined(folder, table="chain_people") == [
        ("chain_people", 2, "known_as", NUL_BYTE),
        ("chain_people", 3, "known_as", TOO_LONG),
    ]


def test_a_symlinked_table_is_refused(write_sources, tmp_path):
    folder = write_sources()
    elsewhere = tmp_path / "elsewhere.csv"
    (folder / "chain_people.csv").rename(elsewhere)
    (folder / "chain_people.csv").symlink_to(elsewhere)
    result = validate_sources(folder, PathwaysConfig())
    assert not result.passed
    assert result.report.failures == [
        "chain_people.csv is a symbolic link; copy the extract itself into the sources directory."
    ]


@pytest.mark.parametrize("day", ["0001-01-01", "1850-02-28", "1999-12-31"])
def test_an_event_before_the_plausible_range_is_quarantined(write_sources, day):
    folder = write_sources(
        {
            "chain_contacts": f"""
                chain_id,contact_date,borough,contact_type
                C1,2025-01-01,E09000033,bedded_down
                C2,{day},E09000033,bedded_down
            """
        }
    )
    assert quarantined(folder) == [("chain_contacts", 3, "contact_date", BEFORE_EARLIEST)]
    detail = validate_sources(folder, LENIENT).report.quarantine["detail"].item()
    assert detail == f"{day} is before 2000-01-01, the earliest plausible date"


def test_the_plausible_range_is_configurable_and_optional_dates_are_blanked(write_sources):
    folder = write_sources(
        {
            "inform_stays": """
                provider,resident_id,hostel_borough,move_in,move_out
                P,R1,E09000033,2012-05-01,2013-01-01
                P,R2,E09000033,2016-05-01,2009-01-01
            """
        }
    )
    later = PathwaysConfig(
        validation=ValidationConfig(
            earliest_event_date=dt.date(2015, 1, 1), max_quarantine_fraction=1
        )
    )
    assert quarantined(folder, later) == [("inform_stays", 2, "move_in", BEFORE_EARLIEST)]
    report = validate_sources(folder, later).report
    assert report.blanked.select("row", "column", "reason").rows() == [
        (3, "move_out", BEFORE_EARLIEST)
    ]
    assert quarantined(folder, LENIENT) == []  # both after 2000, the default earliest day
