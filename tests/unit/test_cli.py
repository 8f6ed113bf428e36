import json
import subprocess
import sys

from pipelines.config import DOCUMENT


def test_pathways_lists_every_command_of_the_contract():
    out = subprocess.run(
        [sys.executable, "-m", "pipelines.commands.cli", "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for command in ("demo", "generate", "validate", "link", "run", "app", "pack", "audit", "bench"):
        assert command in out
    assert "config" in out


def test_config_defaults_prints_the_settings_reference():
    proc = subprocess.run(
        [sys.executable, "-m", "pipelines.commands.cli", "config", "--defaults"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert proc.stdout == DOCUMENT.read_text(encoding="utf-8")
    summary = subprocess.run(
        [sys.executable, "-m", "pipelines.commands.cli", "--json", "config", "--defaults"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    reported = json.loads(summary)["defaults"]
    assert reported["comparisons"]["min_group"]["default"] == 20
    assert reported["metrics"]["sustained_grace_days"]["reason"].startswith("A bedded-down")


def test_a_bad_month_is_one_plain_line_not_a_traceback():
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipelines.commands.cli",
            "generate",
            "--out",
            "x",
            "--start",
            "2024-13",
        ],
        capture_output=True,
        text=True,
    )
    assert proc.returncode != 0
    assert "not a month written YYYY-MM" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_chart_pack_of_a_missing_release_is_said_plainly(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "pipelines.commands.cli", "pack", "--release", str(tmp_path),
         "--month", "2025-03", "--out", str(tmp_path / "pack.pdf")],
        capture_output=True, text=True,
    )  # fmt: skip
    assert proc.returncode == 2
    assert "No release found" in proc.stderr and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "pack.pdf").exists()
