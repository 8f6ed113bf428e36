import subprocess
import sys


def test_pathways_lists_every_command_of_the_contract():
    out = subprocess.run(
        [sys.executable, "-m", "pipelines.commands.cli", "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for command in ("demo", "generate", "validate", "link", "run", "app", "pack", "audit", "bench"):
        assert command in out


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
