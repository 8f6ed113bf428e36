"""``pathways validate`` from the command line: exit codes, the report, errors without tracebacks."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

CONTACTS_HEADER = "chain_id,contact_date,borough,contact_type\n"


def pathways(*args: str) -> subprocess.CompletedProcess[str]:
    script = shutil.which("pathways", path=str(Path(sys.executable).parent))
    command = [script] if script else [sys.executable, "-m", "pipelines.commands.cli"]
    return subprocess.run([*command, *args], capture_output=True, text=True, timeout=120)


@pytest.fixture
def sources(tmp_path: Path) -> Path:
    folder = tmp_path / "sources"
    folder.mkdir()
    (folder / "manifest.json").write_text(json.dumps({"extract_date": "2025-03-31"}))
    (folder / "chain_people.csv").write_text("chain_id,gender\nC1,male\nC2,female\n")
    (folder / "chain_contacts.csv").write_text(
        CONTACTS_HEADER + "C1,2025-01-01,E09000033,bedded_down\nC2,2025-02-01,E09000001,nsno_hub\n"
    )
    return folder


def test_valid_sources_exit_zero_with_a_report(sources, tmp_path):
    out = tmp_path / "report"
    proc = pathways("validate", "--sources", str(sources), "--report-dir", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "(extract date 2025-03-31): PASSED" in proc.stdout
    assert proc.stderr == ""
    for name in ("quarantine.csv", "validation_report.json", "validation_report.md"):
        assert (out / name).is_file()


def test_sources_a_run_would_reject_exit_one_and_say_why(sources):
    (sources / "chain_contacts.csv").write_text(
        CONTACTS_HEADER + "C1,2025-01-01,E09000033,bedded_down\nC9,2025-01-01,E09000033,x\n"
    )
    proc = pathways("validate", "--sources", str(sources))
    assert proc.returncode == 1
    assert "FAILED" in proc.stdout
    assert "chain_contacts.csv: 1 of 2 rows (50.0%) are quarantined" in proc.stdout
    assert "chain_contacts row 3: contact_type: 'x' is not one of" in proc.stdout
    assert "Traceback" not in proc.stdout + proc.stderr


def test_a_missing_column_exits_one_naming_file_and_column(sources):
    (sources / "chain_contacts.csv").write_text("chain_id;contact_date;borough;contact_type\n")
    proc = pathways("validate", "--sources", str(sources))
    assert proc.returncode == 1
    assert "chain_contacts.csv has no required columns chain_id, contact_date" in proc.stdout
    assert "separated by semicolons" in proc.stdout
    assert "Traceback" not in proc.stdout + proc.stderr


def test_a_wrong_directory_is_one_plain_line_on_stderr(tmp_path):
    proc = pathways("validate", "--sources", str(tmp_path / "missing"))
    assert proc.returncode not in (0, 1)
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("pathways: The sources directory ")
    assert lines[0].endswith("does not exist.")
