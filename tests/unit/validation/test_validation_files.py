"""Whole files that are wrong, and files that are right in unusual ways."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from contract.errors import PathwaysError
from pipelines.config import PathwaysConfig, ValidationConfig
from pipelines.sources.rules import AFTER_EXTRACT, NOT_A_DATE
from pipelines.sources.tables import TABLES
from pipelines.sources.validate import load_sources, validate_sources

DEFAULT = PathwaysConfig()


def failure_of_run(folder) -> str:
    """The one-line message a run fails with (and check validate agrees it would fail)."""
    result = validate_sources(folder, DEFAULT)
    assert not result.passed
    with pytest.raises(PathwaysError) as caught:
        load_sources(folder, DEFAULT)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_a_valid_directory_passes_and_every_row_is_accepted(write_sources):
    folder = write_sources()
    result = validate_sources(folder, DEFAULT)
    assert result.passed
    counts = result.report.table_counts().filter(pl.col("present"))
    assert counts.select("table", "rows_read", "rows_accepted", "rows_quarantined").rows() == [
        ("chain_people", 2, 2, 0),
        ("chain_contacts", 2, 2, 0),
    ]


def test_a_missing_required_column_names_file_and_column(write_sources):
    folder = write_sources(
        {
            "chain_contacts": """
                chain_id,contact_date,contact_type
                C1,2025-01-01,bedded_down
            """
        }
    )
    assert failure_of_run(folder) == "chain_contacts.csv has no required column borough."


@pytest.mark.parametrize(("delimiter", "words"), [(";", "semicolons"), ("\t", "tabs")])
def test_a_file_with_another_delimiter_is_told_so(write_sources, delimiter, words):
    text = delimiter.join(["chain_id", "contact_date", "borough", "contact_type"]) + "\n"
    text += delimiter.join(["C1", "2025-01-01", "E09000033", "bedded_down"]) + "\n"
    folder = write_sources({"chain_contacts.csv": text.encode()})
    message = failure_of_run(folder)
    assert message.startswith("chain_contacts.csv has no required columns chain_id, ")
    assert f"separated by {words}" in message


def test_a_zero_byte_file_is_a_clear_error(write_sources):
    folder = write_sources({"chain_people.csv": b""})
    assert "chain_people.csv is empty (zero bytes)" in failure_of_run(folder)


def test_a_header_only_file_is_an_empty_table_not_an_error(write_sources):
    folder = write_sources({"chain_outcomes.csv": b"chain_id,outcome_date,outcome_type\n"})
    sources = load_sources(folder, DEFAULT)
    assert sources.tables["chain_outcomes"].height == 0
    assert list(sources.tables["chain_outcomes"].columns) == list(
        TABLES["chain_outcomes"].column_names
    )


def test_a_file_that_is_not_utf8_names_file_and_line(write_sources):
    latin1 = "chain_id,first_name\nC1,Ana\nC2,Jos\u00e9\n".encode("latin-1")
    folder = write_sources({"chain_people.csv": latin1})
    message = failure_of_run(folder)
    assert message.startswith("chain_people.csv is not UTF-8: line 3 ")


def test_a_byte_order_mark_and_windows_line_ends_are_fine(write_sources):
    text = "\ufeffchain_id,gender\r\nC1,male\r\nC2,female\r\n".encode()
    folder = write_sources({"chain_people.csv": text})
    people = load_sources(folder, DEFAULT).tables["chain_people"]
    assert people.select("chain_id", "gender").rows() == [("C1", "male"), ("C2", "female")]


def test_row_numbers_are_file_lines_even_after_quoted_line_breaks_and_blank_lines(write_sources):
    text = (
        b"chain_id,contact_date,borough,contact_type,team\n"  # line 1
        b'C1,2025-01-01,E09000033,bedded_down,"North\nteam"\n'  # lines 2-3
        b"\n"  # line 4, blank
        b"C2,2099-01-01,E09000033,bedded_down,South\n"  # line 5
    )
    folder = write_sources({"chain_contacts.csv": text})
    report = validate_sources(
        folder, PathwaysConfig(validation=ValidationConfig(max_quarantine_fraction=1))
    ).report
    assert report.quarantine.select("row", "reason").rows() == [(5, AFTER_EXTRACT)]
    assert report.tables["chain_contacts"].rows_read == 2
    assert any("1 blank lines skipped" in w for w in report.warnings)


def test_extra_columns_are_ignored_with_a_warning_and_never_travel(write_sources):
    folder = write_sources(
        {
            "chain_people": """
                chain_id,gender,favourite_food,Notes
                C1,male,soup,free text about the person
                C2,female,bread,more free text
            """
        }
    )
    sources = load_sources(folder, DEFAULT)
    assert "favourite_food" not in sources.tables["chain_people"].columns
    assert "notes" not in sources.tables["chain_people"].columns
    assert "chain_people.csv: extra columns ignored: favourite_food, notes." in (
        sources.report.warnings
    )


def test_every_table_has_its_full_column_set_in_spec_order_with_typed_columns(write_sources):
    folder = write_sources(
        {
            "hclic_cases": """
                case_ref,la_code,approach_date,rough_sleeping_at_approach
                A1,E09000007,2024-01-01,yes
            """
        }
    )
    tables = load_sources(folder, DEFAULT).tables
    for name, frame in tables.items():
        spec = TABLES[name]
        assert frame.columns == list(spec.column_names)
        for column in spec.columns:
            assert str(frame.schema[column.name]) == column.dtype_name, (name, column.name)
    hclic = tables["hclic_cases"]
    assert hclic.row(0, named=True)["rough_sleeping_at_approach"] is True
    assert hclic["relief_start"].dtype == pl.Date and hclic["relief_start"].null_count() == 1


def test_absent_tables_are_reported_and_only_the_two_run_tables_are_needed(write_sources):
    result = validate_sources(write_sources(), DEFAULT)
    assert result.passed
    assert result.report.absent_tables == ["chain_outcomes", "hclic_cases", "inform_stays"]
    assert "hclic_cases is absent; it is left out of the run." in result.report.warnings


def test_a_run_without_chain_contacts_fails(write_sources):
    folder = write_sources({"chain_contacts": None})
    assert failure_of_run(folder) == (
        "chain_contacts is absent: a run needs chain_contacts.csv or chain_contacts.parquet."
    )


@pytest.mark.parametrize(
    ("manifest", "expected"),
    [
        (None, "manifest.json is missing from "),
        ("{not json", "manifest.json is not valid JSON (line 1, column 2"),
        ({"sources": {}}, "manifest.json: extract_date is missing"),
        ({"extract_date": "31/03/2025"}, "manifest.json: extract_date '31/03/2025' is not a date"),
        ({"extract_date": 1743379200}, "manifest.json: extract_date must be a date"),
        (
            {"extract_date": "2025-03-31", "sources": {"chain": {"extract_date": "soon"}}},
            "manifest.json: sources.chain.extract_date 'soon' is not a date",
        ),
        # Text is never taken for a flag: "false" would otherwise mark a real extract synthetic.
        (
            {"extract_date": "2025-03-31", "synthetic": "false"},
            "manifest.json: synthetic must be true or false, written without quotes (not 'false')",
        ),
        (
            {"extract_date": "2025-03-31", "synthetic": 0},
            "manifest.json: synthetic must be true or false, written without quotes (not 0)",
        ),
    ],
)
def test_a_missing_or_invalid_manifest_fails_in_one_line(write_sources, manifest, expected):
    folder = write_sources(manifest=manifest)
    assert failure_of_run(folder).startswith(expected)


def test_the_run_fails_when_more_than_the_allowed_share_is_quarantined(write_sources):
    rows = "\n".join(f"C1,2025-01-{day:02d},E09000033,bedded_down" for day in range(1, 20))
    bad = "C1,2099-01-01,E09000033,bedded_down"
    header = "chain_id,contact_date,borough,contact_type\n"
    one_in_twenty = write_sources({"chain_contacts.csv": (header + rows + "\n" + bad).encode()})
    assert validate_sources(one_in_twenty, DEFAULT).passed  # 1 of 20 = 5%: allowed
    two_in_twenty = (header + "\n".join(rows.splitlines()[:18]) + f"\n{bad}\n{bad}\n").encode()
    folder = write_sources({"chain_contacts.csv": two_in_twenty})
    assert failure_of_run(folder) == (
        "chain_contacts.csv: 2 of 20 rows (10.0%) are quarantined, more than the 5% allowed "
        "(validation.max_quarantine_fraction); most often column contact_date: "
        "date after the extract date."
    )
    lenient = PathwaysConfig(validation=ValidationConfig(max_quarantine_fraction=0.2))
    assert validate_sources(folder, lenient).passed


def test_a_table_with_both_csv_and_parquet_fails(write_sources):
    folder = write_sources()
    pl.DataFrame({"chain_id": ["C1"], "gender": ["male"]}).write_parquet(
        folder / "chain_people.parquet"
    )
    assert failure_of_run(folder) == (
        "chain_people has two files, chain_people.csv and chain_people.parquet; keep only one."
    )


def test_a_missing_sources_directory_is_an_error_for_both(tmp_path):
    with pytest.raises(PathwaysError, match="does not exist"):
        validate_sources(tmp_path / "nowhere", DEFAULT)
    with pytest.raises(PathwaysError, match="does not exist"):
        load_sources(tmp_path / "nowhere", DEFAULT)


# --- Parquet ------------------------------------------------------------------------------------


def test_parquet_with_native_types_reads_like_the_csv(write_sources):
    folder = write_sources({"chain_people": None, "chain_contacts": None})
    pl.DataFrame(
        {
            "chain_id": [1, 2],  # integers: read as text
            "dob": [dt.date(1980, 1, 2), None],
            "approx_age": [None, 41.0],
            "armed_forces": [True, False],
            "support_needs": [["mental_health", "drugs"], []],
        }
    ).write_parquet(folder / "chain_people.parquet")
    pl.DataFrame(
        {
            "chain_id": ["1", "2"],
            "contact_date": [dt.datetime(2025, 1, 1, 22, 30), dt.datetime(2025, 1, 2)],
            "borough": ["E09000033", "E09000033"],
            "contact_type": pl.Series(["bedded_down", "nsno_hub"], dtype=pl.Categorical),
        }
    ).write_parquet(folder / "chain_contacts.parquet")
    tables = load_sources(folder, DEFAULT).tables
    people = tables["chain_people"]
    assert people.select(
        "chain_id", "dob", "approx_age", "armed_forces", "support_needs"
    ).rows() == [
        ("1", dt.date(1980, 1, 2), None, True, "mental_health|drugs"),
        ("2", None, "41", False, None),
    ]
    assert tables["chain_contacts"]["contact_date"].to_list() == [
        dt.date(2025, 1, 1),
        dt.date(2025, 1, 2),
    ]


def test_parquet_rows_that_fail_their_types_are_quarantined_by_record_number(write_sources):
    folder = write_sources({"chain_contacts": None})
    pl.DataFrame(
        {
            "chain_id": ["C1", "C2", "C1"],
            "contact_date": [20250101, 20250102, None],  # a number is not a date
            "borough": ["E09000033"] * 3,
            "contact_type": ["bedded_down"] * 3,
        }
    ).write_parquet(folder / "chain_contacts.parquet")
    report = validate_sources(
        folder, PathwaysConfig(validation=ValidationConfig(max_quarantine_fraction=1))
    ).report
    assert report.tables["chain_contacts"].row_label == "record"
    assert report.quarantine.select("row", "column", "reason").rows() == [
        (1, "contact_date", NOT_A_DATE),
        (2, "contact_date", NOT_A_DATE),
        (3, "contact_date", "missing required value"),
    ]


def test_a_file_that_is_not_parquet_is_named(write_sources):
    folder = write_sources({"chain_contacts": None, "chain_contacts.parquet": b"PAR1 not really"})
    assert failure_of_run(folder) == "chain_contacts.parquet is not a readable Parquet file."


def test_linkage_alone_may_load_whatever_person_tables_are_present(write_sources):
    folder = write_sources(
        {
            "chain_contacts": None,
            "hclic_cases": """
                la_code,case_ref,approach_date
                E09000007,A1,2024-01-01
            """,
        }
    )
    sources = load_sources(folder, DEFAULT, required_tables=())
    assert sorted(sources.tables) == ["chain_people", "hclic_cases"]
