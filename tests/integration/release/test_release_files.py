"""Writing and reading a release: atomic, deterministic, verified, and refusing unsafe tables."""

import json
import os

import polars as pl
import pytest

from contract.errors import PathwaysError
from contract.release import RELEASE_TABLES, open_release
from pipelines.config import DisclosureConfig
from pipelines.release import write as release_module
from pipelines.release.write import write_release


def leftovers(root):
    """What a folder holds, a versions folder summed up as its count of whole versions (hidden
    staging folders, the pointer's temporary link and the lock file listed by name if any)."""
    names = []
    for path in sorted(root.iterdir()):
        if path.name.endswith(".versions"):
            inside = [p.name for p in path.iterdir() if p.name != ".lock"]
            whole = [n for n in inside if not n.startswith(".")]
            names.append(f"{path.name}/{len(whole)} version{'s' if len(whole) != 1 else ''}")
            names += sorted(f"{path.name}/{n}" for n in inside if n.startswith("."))
        else:
            names.append(path.name)
    return names


def test_a_release_round_trips_with_its_manifest_and_rules(tmp_path, protected, run_facts):
    release_dir = write_release(tmp_path / "release", protected, run_facts)
    release = open_release(release_dir)
    assert set(release.manifest.tables) == set(RELEASE_TABLES)
    assert release.manifest.synthetic is True
    assert release.manifest.sdc.threshold == 10 and release.manifest.sdc.rounding_base == 5
    assert release.manifest.definitions[0].id == "seen_rough_sleeping"
    assert release.metrics.equals(
        protected["metrics"].sort(protected["metrics"].columns, nulls_last=True)
    )
    assert "person_key" not in release.metrics.columns
    assert release.survival.columns == list(protected["survival"].columns)
    assert "at least 10" in release.disclosure_rules or "10" in release.disclosure_rules
    assert "| `threshold` | 10 |" in release.disclosure_rules
    assert release.metrics is release.metrics  # read once, cached
    assert sorted(p.name for p in release_dir.iterdir()) == sorted(
        [f"{t}.parquet" for t in RELEASE_TABLES] + ["manifest.json", "disclosure_rules.md"]
    )


def test_the_same_tables_give_byte_identical_files_and_the_same_release_id(
    tmp_path, unsuppressed, run_facts
):
    from pipelines.disclosure import protect

    first = write_release(tmp_path / "a", protect(unsuppressed, DisclosureConfig()), run_facts)
    # The same figures, handed over in another row order, give the same bytes.
    shuffled = {name: frame.reverse() for name, frame in unsuppressed.items()}
    second = write_release(tmp_path / "b", protect(shuffled, DisclosureConfig()), run_facts)
    for table in RELEASE_TABLES:
        assert (first / f"{table}.parquet").read_bytes() == (
            second / f"{table}.parquet"
        ).read_bytes()
    a, b = (json.loads((d / "manifest.json").read_text()) for d in (first, second))
    assert a["release_id"] == b["release_id"]
    assert a["tables"] == b["tables"]


def test_a_changed_table_is_refused_in_plain_words(tmp_path, protected, run_facts):
    release_dir = write_release(tmp_path / "release", protected, run_facts)
    tampered = pl.read_parquet(release_dir / "metrics.parquet").with_columns(value=pl.lit(3.0))
    tampered.write_parquet(release_dir / "metrics.parquet")
    with pytest.raises(PathwaysError, match="metrics.parquet .* does not match its manifest"):
        open_release(release_dir)


def test_a_missing_table_or_manifest_is_refused_in_plain_words(tmp_path, protected, run_facts):
    with pytest.raises(PathwaysError, match="No release found"):
        open_release(tmp_path / "nowhere")
    release_dir = write_release(tmp_path / "release", protected, run_facts)
    (release_dir / "survival.parquet").unlink()
    with pytest.raises(PathwaysError, match="missing survival.parquet"):
        open_release(release_dir)


def test_an_unsafe_table_is_never_written_and_the_previous_release_stays(
    tmp_path, protected, run_facts
):
    release_dir = write_release(tmp_path / "release", protected, run_facts)
    before = {p.name: p.read_bytes() for p in release_dir.iterdir()}
    unsafe = dict(protected)
    unsafe["metrics"] = protected["metrics"].with_columns(
        value=pl.when(pl.col("breakdown") == "gender=female").then(7.0).otherwise(pl.col("value"))
    )
    with pytest.raises(PathwaysError, match="would break the disclosure rules"):
        write_release(release_dir, unsafe, {**run_facts, "code_version": "0.2.0"})
    assert {p.name: p.read_bytes() for p in release_dir.iterdir()} == before
    assert leftovers(tmp_path) == ["release", "release.versions/1 version"]  # nothing half-built


def test_an_extra_column_is_never_written(tmp_path, protected, run_facts):
    unsafe = dict(protected)
    unsafe["paths"] = protected["paths"].with_columns(person_key=pl.lit("abc"))
    with pytest.raises(PathwaysError, match="paths table has columns"):
        write_release(tmp_path / "release", unsafe, run_facts)
    assert not (tmp_path / "release").exists()


def test_a_run_that_fails_while_writing_leaves_the_previous_release_untouched(
    tmp_path, protected, run_facts, monkeypatch
):
    release_dir = write_release(tmp_path / "release", protected, run_facts)
    before = {p.name: p.read_bytes() for p in release_dir.iterdir()}
    real_fsync = os.fsync
    calls = {"n": 0}

    def disk_fails_on_the_third_file(fd):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError(28, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(release_module.os, "fsync", disk_fails_on_the_third_file)
    with pytest.raises(OSError, match="No space left"):
        write_release(release_dir, protected, {**run_facts, "code_version": "0.2.0"})
    assert {p.name: p.read_bytes() for p in release_dir.iterdir()} == before
    assert leftovers(tmp_path) == ["release", "release.versions/1 version"]
    assert open_release(release_dir).manifest.code_version == "0.1.0"


def test_a_new_release_replaces_the_old_one_whole(tmp_path, protected, run_facts):
    release_dir = write_release(tmp_path / "release", protected, run_facts)
    write_release(release_dir, protected, {**run_facts, "code_version": "0.2.0"})
    assert open_release(release_dir).manifest.code_version == "0.2.0"
    assert leftovers(tmp_path) == ["release", "release.versions/2 versions"]


def test_an_incomplete_manifest_is_refused(tmp_path, protected, run_facts):
    facts = {k: v for k, v in run_facts.items() if k != "synthetic"}
    with pytest.raises(PathwaysError, match="manifest"):
        write_release(tmp_path / "release", protected, facts)
    assert not (tmp_path / "release").exists()


def test_the_rules_travel_with_the_release_and_are_verified(tmp_path, protected, run_facts):
    release_dir = write_release(tmp_path / "release", protected, run_facts)
    rules = open_release(release_dir).disclosure_rules
    assert rules.startswith("# How Pathways protects the people in its figures")
    assert "Nationality" in rules
    (release_dir / "disclosure_rules.md").write_text("# Anything goes\n", encoding="utf-8")
    with pytest.raises(PathwaysError, match="disclosure_rules.md .* does not match"):
        open_release(release_dir)


@pytest.mark.parametrize(
    "edit",
    [
        {"synthetic": True},  # a real release passed off as synthetic, to be served to demo users
        {"sdc": {"threshold": 5, "rounding_base": 5}},
        {"code_version": "9.9.9"},
    ],
    ids=["synthetic", "threshold", "code_version"],
)
def test_a_manifest_edited_after_writing_is_refused(tmp_path, protected, run_facts, edit):
    release_dir = write_release(tmp_path / "release", protected, {**run_facts, "synthetic": False})
    path = release_dir / "manifest.json"
    manifest = json.loads(path.read_text())
    sdc = manifest["sdc"]
    manifest.update({k: ({**sdc, **v} if k == "sdc" else v) for k, v in edit.items()})
    path.write_text(json.dumps(manifest, indent=2))
    with pytest.raises(PathwaysError, match="manifest .* does not match its release id"):
        open_release(release_dir)
