"""The synthetic London writes a sources directory exactly per SPEC section 3."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from contract.errors import PathwaysError
from contract.reference import (
    CONTACT_TYPES,
    DESTINATIONS,
    ETHNIC_GROUPS,
    GENDERS,
    MAIN_DUTY_DECISIONS,
    MOVE_OUT_REASONS,
    OUTCOME_TYPES,
    PREVENTION_OUTCOMES,
    REASONS_LOSS_OF_HOME,
    RELIEF_OUTCOMES,
    SUPPORT_NEEDS,
    borough_codes,
)
from pipelines.synthetic import generate

# The columns of the minimum dataset v1, copied from SPEC section 3 (plus `ethnicity`).
SPEC_COLUMNS = {
    "chain_people": [
        "chain_id", "first_name", "last_name", "known_as", "dob", "approx_age", "gender",
        "nationality", "support_needs", "ni_number", "armed_forces", "care_leaver",
        "prison_history", "ethnicity",
    ],
    "chain_contacts": ["chain_id", "contact_date", "borough", "contact_type", "team"],
    "chain_outcomes": ["chain_id", "outcome_date", "outcome_type", "borough"],
    "hclic_cases": [
        "la_code", "case_ref", "first_name", "last_name", "dob", "gender", "nationality",
        "ni_number", "approach_date", "prevention_start", "prevention_end",
        "prevention_outcome", "relief_start", "relief_end", "relief_outcome",
        "main_duty_decision", "ta_start", "ta_end", "rough_sleeping_at_approach",
        "history_of_rough_sleeping", "support_needs", "reason_loss_of_home", "ethnicity",
    ],
    "inform_stays": [
        "provider", "resident_id", "first_name", "last_name", "dob", "gender", "nationality",
        "ni_number", "hostel_borough", "move_in", "move_out", "move_out_reason", "destination",
        "ethnicity",
    ],
}  # fmt: skip
DATE_COLUMNS = {
    "chain_people": ["dob"],
    "chain_contacts": ["contact_date"],
    "chain_outcomes": ["outcome_date"],
    "hclic_cases": [
        "dob", "approach_date", "prevention_start", "prevention_end", "relief_start",
        "relief_end", "ta_start", "ta_end",
    ],
    "inform_stays": ["dob", "move_in", "move_out"],
}  # fmt: skip
CODE_LISTS = {
    ("chain_contacts", "contact_type"): CONTACT_TYPES,
    ("chain_outcomes", "outcome_type"): OUTCOME_TYPES,
    ("hclic_cases", "prevention_outcome"): PREVENTION_OUTCOMES,
    ("hclic_cases", "relief_outcome"): RELIEF_OUTCOMES,
    ("hclic_cases", "main_duty_decision"): MAIN_DUTY_DECISIONS,
    ("hclic_cases", "reason_loss_of_home"): REASONS_LOSS_OF_HOME,
    ("inform_stays", "move_out_reason"): MOVE_OUT_REASONS,
    ("inform_stays", "destination"): DESTINATIONS,
}
BOROUGH_COLUMNS = {
    "chain_contacts": "borough",
    "chain_outcomes": "borough",
    "hclic_cases": "la_code",
    "inform_stays": "hostel_borough",
}


def read(sources: Path, table: str) -> pl.DataFrame:
    return pl.read_csv(sources / f"{table}.csv", infer_schema=False)


def test_the_directory_holds_the_manifest_and_five_tables_and_no_truth(small_london):
    sources, truth = small_london
    assert sorted(p.name for p in sources.iterdir()) == sorted(
        ["manifest.json", *(f"{t}.csv" for t in SPEC_COLUMNS)]
    )
    for path in sources.iterdir():
        assert "true_person" not in path.read_text(encoding="utf-8")
    assert truth.exists()


def test_manifest_names_the_extract_date_and_each_source(small_london):
    manifest = json.loads((small_london[0] / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["extract_date"] == "2025-01-31"  # last day of --end
    assert set(manifest["sources"]) == {"chain", "hclic", "inform"}
    assert manifest["synthetic"] is True  # demo mode and the app banner depend on it
    for source in manifest["sources"].values():
        assert source["extract_date"] == "2025-01-31"
        assert source["provider"] and source["lawful_basis"]


@pytest.mark.parametrize("table", list(SPEC_COLUMNS))
def test_each_table_has_exactly_the_spec_columns(small_london, table):
    frame = read(small_london[0], table)
    assert frame.columns == SPEC_COLUMNS[table]
    assert frame.height > 0


@pytest.mark.parametrize(("table", "column"), list(CODE_LISTS))
def test_coded_columns_use_only_the_code_lists(small_london, table, column):
    values = set(read(small_london[0], table)[column].drop_nulls())
    assert values <= set(CODE_LISTS[(table, column)])


@pytest.mark.parametrize(("table", "column"), list(BOROUGH_COLUMNS.items()))
def test_places_are_ons_borough_codes(small_london, table, column):
    values = read(small_london[0], table)[column]
    assert values.null_count() == 0
    assert set(values) <= set(borough_codes())


@pytest.mark.parametrize("table", ["chain_people", "hclic_cases", "inform_stays"])
def test_person_columns_are_coded(small_london, table):
    frame = read(small_london[0], table)
    assert set(frame["gender"].drop_nulls()) <= set(GENDERS)
    assert set(frame["ethnicity"].drop_nulls()) <= set(ETHNIC_GROUPS)
    nationality = frame["nationality"].drop_nulls()
    assert nationality.str.contains(r"^([A-Z]{3}|unknown)$").all()
    ni = frame["ni_number"].drop_nulls()
    assert ni.str.contains(r"^[A-Z]{2}[0-9]{6}[A-D]$").all()
    if "support_needs" in frame.columns:
        needs = frame["support_needs"].drop_nulls().str.split("|").explode()
        assert set(needs) <= set(SUPPORT_NEEDS)


def test_booleans_are_written_true_or_false(small_london):
    sources = small_london[0]
    people = read(sources, "chain_people")
    cases = read(sources, "hclic_cases")
    for column in (
        people["armed_forces"],
        people["care_leaver"],
        people["prison_history"],
        cases["rough_sleeping_at_approach"],
        cases["history_of_rough_sleeping"],
    ):
        assert set(column.drop_nulls()) <= {"true", "false"}


@pytest.mark.parametrize("table", list(DATE_COLUMNS))
def test_dates_are_iso_and_none_after_the_extract_date(small_london, table):
    frame = read(small_london[0], table)
    for column in DATE_COLUMNS[table]:
        values = frame[column].drop_nulls()
        parsed = values.str.to_date("%Y-%m-%d")  # raises on anything but ISO dates
        assert parsed.max() <= date(2025, 1, 31), column


def test_event_dates_start_at_start(small_london):
    sources = small_london[0]
    assert read(sources, "chain_contacts")["contact_date"].min() >= "2023-04-01"
    assert read(sources, "chain_outcomes")["outcome_date"].min() >= "2023-04-01"
    assert read(sources, "hclic_cases")["approach_date"].min() >= "2023-04-01"


def test_keys_are_unique(small_london):
    sources = small_london[0]
    assert read(sources, "chain_people")["chain_id"].is_unique().all()
    assert not read(sources, "hclic_cases").select("la_code", "case_ref").is_duplicated().any()
    assert not read(sources, "inform_stays").select("provider", "resident_id").is_duplicated().any()


def test_every_contact_and_outcome_belongs_to_a_chain_person(small_london):
    sources = small_london[0]
    people = set(read(sources, "chain_people")["chain_id"])
    assert set(read(sources, "chain_contacts")["chain_id"]) <= people
    assert set(read(sources, "chain_outcomes")["chain_id"]) <= people


def test_stays_and_duties_run_forwards(small_london):
    sources = small_london[0]
    stays = read(sources, "inform_stays").filter(pl.col("move_out").is_not_null())
    assert (stays["move_out"] >= stays["move_in"]).all()
    cases = read(sources, "hclic_cases").filter(pl.col("ta_end").is_not_null())
    assert (cases["ta_end"] >= cases["ta_start"]).all()
    ongoing = read(sources, "inform_stays").filter(pl.col("move_out").is_null())
    assert ongoing["move_out_reason"].null_count() == ongoing.height


def test_truth_names_every_record_once(small_london):
    sources, truth_path = small_london
    truth = pl.read_csv(truth_path, infer_schema=False)
    assert truth.columns == ["source", "source_record_id", "true_person"]
    assert not truth.select("source", "source_record_id").is_duplicated().any()
    cases = read(sources, "hclic_cases")
    stays = read(sources, "inform_stays")
    expected = {
        "chain": set(read(sources, "chain_people")["chain_id"]),
        "hclic": set(cases["la_code"] + "/" + cases["case_ref"]),
        "inform": set(stays["provider"] + "/" + stays["resident_id"]),
    }
    for source, ids in expected.items():
        assert set(truth.filter(pl.col("source") == source)["source_record_id"]) == ids


def test_identities_carry_the_noise_of_street_records(small_london):
    sources, truth_path = small_london
    truth = pl.read_csv(truth_path, infer_schema=False)
    chain = truth.filter(pl.col("source") == "chain")
    records_per_person = chain.group_by("true_person").len()["len"]
    assert (records_per_person > 1).any()  # duplicate CHAIN records exist
    assert (records_per_person > 1).mean() < 0.12
    people = read(sources, "chain_people")
    assert 0.2 < people["dob"].is_null().mean() < 0.4
    assert people.filter(pl.col("dob").is_null())["approx_age"].null_count() == 0
    assert people["ni_number"].is_not_null().mean() < 0.3
    assert read(sources, "hclic_cases")["ni_number"].is_not_null().mean() > 0.5
    assert people["known_as"].is_not_null().any()
    # some people are in H-CLIC or In-Form as well as CHAIN: the sources can be linked
    sources_per_person = truth.group_by("true_person").agg(pl.col("source").n_unique())
    assert (sources_per_person["source"] > 1).any()


def test_same_seed_same_files_other_seed_other_files(tmp_path):
    args = {"scale": 0.01, "start": "2024-01", "end": "2024-06"}
    generate(out_dir=tmp_path / "a", seed=3, truth_path=tmp_path / "a.csv", **args)
    generate(out_dir=tmp_path / "b", seed=3, truth_path=tmp_path / "b.csv", **args)
    generate(out_dir=tmp_path / "c", seed=4, truth_path=tmp_path / "c.csv", **args)
    for name in [*(f"{t}.csv" for t in SPEC_COLUMNS), "manifest.json"]:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    assert (tmp_path / "a" / "chain_contacts.csv").read_bytes() != (
        tmp_path / "c" / "chain_contacts.csv"
    ).read_bytes()


def test_truth_is_written_only_where_asked(tmp_path):
    generate(
        out_dir=tmp_path / "s", scale=0.01, start="2024-01", end="2024-03", seed=1, truth_path=None
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s"]
    assert not any("truth" in p.name for p in (tmp_path / "s").iterdir())


def test_truth_may_not_go_inside_the_sources_directory(tmp_path):
    with pytest.raises(PathwaysError, match="truth"):
        generate(
            out_dir=tmp_path, scale=0.01, start="2024-01", end="2024-03", seed=1,
            truth_path=tmp_path / "truth.csv",
        )  # fmt: skip


@pytest.mark.parametrize(
    ("scale", "start", "end", "message"),
    [(0.0, "2024-01", "2024-03", "scale"), (0.1, "2024-05", "2024-03", "before")],
)
def test_bad_arguments_are_plain_errors(tmp_path, scale, start, end, message):
    with pytest.raises(PathwaysError, match=message):
        generate(out_dir=tmp_path, scale=scale, start=start, end=end, seed=1, truth_path=None)


def test_pathways_generate_prints_its_summary(tmp_path):
    proc = subprocess.run(
        [
            sys.executable, "-m", "pipelines.commands.cli", "generate", "--out", str(tmp_path / "s"),
            "--scale", "0.01", "--start", "2024-01", "--end", "2024-03",
        ],
        capture_output=True,
        text=True,
        check=True,
    )  # fmt: skip
    assert "chain_contacts" in proc.stdout and "people" in proc.stdout
    assert (tmp_path / "s" / "manifest.json").exists()
