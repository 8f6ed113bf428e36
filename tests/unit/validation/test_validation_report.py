"""The validation report: files a data provider can act on, and counts for the quality table."""

from __future__ import annotations

import json

import polars as pl

from contract.release import QUALITY_SCHEMA, is_quality_share
from pipelines.config import PathwaysConfig, ValidationConfig
from pipelines.sources.report import COUNTS_SCHEMA
from pipelines.sources.validate import validate_sources

LENIENT = PathwaysConfig(validation=ValidationConfig(max_quarantine_fraction=1.0))

PEOPLE = """
    chain_id,ni_number,dob
    C1,AB123456C,1980-01-01
    C2,nonsense,1980-01-01
    C1,,
"""
CONTACTS = """
    chain_id,contact_date,borough,contact_type
    C1,2025-01-01,E09000033,bedded_down
    C2,2025-01-01,Camden,bedded_down
    C3,2025-01-01,E09000033,bedded_down
    C2,2099-01-01,E09000033,sleeping
"""


def test_the_report_files_name_every_bad_row_and_why(write_sources, tmp_path):
    folder = write_sources({"chain_people": PEOPLE, "chain_contacts": CONTACTS})
    out = tmp_path / "report"
    result = validate_sources(folder, LENIENT, report_dir=out)
    assert result.passed

    quarantine = pl.read_csv(out / "quarantine.csv")
    assert quarantine.columns == ["table", "row", "column", "reason", "detail"]
    assert quarantine.select("table", "row", "column", "detail").rows() == [
        ("chain_people", 4, "chain_id", "chain_id 'C1' was already given on line 2; the first is kept"),
        ("chain_contacts", 3, "borough", "'Camden' is not an ONS London borough code, E09000001 to E09000033"),
        ("chain_contacts", 4, "chain_id", "chain_id 'C3' is not among the accepted chain_people rows"),
        ("chain_contacts", 5, "contact_date", "2099-01-01 is after the extract date, 2025-03-31"),
        ("chain_contacts", 5, "contact_type", "'sleeping' is not one of bedded_down, street_contact, nsno_hub, assessment_hub"),
    ]  # fmt: skip

    blanked = pl.read_csv(out / "blanked_values.csv")
    assert blanked.rows() == [
        (
            "chain_people",
            3,
            "ni_number",
            "not a National Insurance number (two letters, six digits, a letter A to D)",
        )
    ]
    assert "nonsense" not in (out / "blanked_values.csv").read_text()

    report = json.loads((out / "validation_report.json").read_text())
    assert report["passed"] is True
    contacts = report["tables"]["chain_contacts"]
    assert (contacts["rows_read"], contacts["rows_accepted"], contacts["rows_quarantined"]) == (
        4,
        1,
        3,
    )
    assert {"column": "borough", "reason": "unknown code", "rows": 1} in contacts["quarantined_by"]

    markdown = (out / "validation_report.md").read_text()
    assert "| chain_contacts | 5 | contact_type | 'sleeping' is not one of" in markdown
    assert "| chain_people | chain_people.csv | 3 | 2 | 1 | 1 |" in markdown
    assert "the line number (the header is line 1, the first record line 2)" in markdown
    assert "| chain_people | 3 | ni_number | not a National Insurance number" in markdown


def test_accepted_plus_quarantined_is_read_for_every_table(write_sources):
    folder = write_sources({"chain_people": PEOPLE, "chain_contacts": CONTACTS})
    counts = validate_sources(folder, LENIENT).report.table_counts()
    assert counts.schema == pl.Schema(COUNTS_SCHEMA)
    assert counts["table"].to_list() == [
        "chain_people",
        "chain_contacts",
        "chain_outcomes",
        "hclic_cases",
        "inform_stays",
    ]
    assert counts.select("table", "rows_read", "rows_accepted", "rows_quarantined").rows()[:2] == [
        ("chain_people", 3, 2, 1),
        ("chain_contacts", 4, 1, 3),
    ]
    assert (counts["rows_accepted"] + counts["rows_quarantined"] == counts["rows_read"]).all()


def test_the_terminal_text_gives_the_verdict_the_counts_and_the_first_bad_rows(write_sources):
    folder = write_sources({"chain_people": PEOPLE, "chain_contacts": CONTACTS})
    text = validate_sources(folder, PathwaysConfig()).report_text()
    assert text.splitlines()[0].endswith("(extract date 2025-03-31): FAILED")
    assert "chain_contacts.csv: 3 of 4 rows (75.0%) are quarantined" in text
    assert "  chain_contacts row 3: borough: 'Camden' is not an ONS London borough code" in text
    assert "Blanked in chain_people: ni_number: not a National Insurance number" in text


def test_a_report_without_quarantined_rows_writes_empty_files_with_headers(write_sources, tmp_path):
    out = tmp_path / "report"
    validate_sources(write_sources(), LENIENT, report_dir=out)
    assert (out / "quarantine.csv").read_text().strip() == "table,row,column,reason,detail"
    assert (out / "blanked_values.csv").read_text().strip() == "table,row,column,reason"


def test_the_counts_feed_the_release_quality_table(write_sources):
    folder = write_sources({"chain_people": PEOPLE, "chain_contacts": CONTACTS})
    quality = validate_sources(folder, LENIENT).report.quality_indicators()
    assert quality.schema == pl.Schema(QUALITY_SCHEMA)
    contacts = quality.filter(pl.col("source") == "chain_contacts")
    assert dict(contacts.select("indicator", "value").rows()) == {
        "rows_read": 4.0,
        "rows_accepted": 1.0,
        "rows_quarantined": 3.0,
        "values_blanked": 0.0,
        "quarantined_share": 0.75,
    }
    assert set(contacts["period"]) == {"2025-03-31"}
    # Disclosure control rounds the counts and leaves the share as a proportion.
    assert is_quality_share("quarantined_share") and not is_quality_share("rows_read")
