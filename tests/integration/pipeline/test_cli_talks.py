"""The pathways command as a person and a script use it: progress on stderr, a summary for
programs on stdout, exit codes by kind of problem, and every mistake in one plain line."""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from contract.errors import EXIT_CODES
from pipelines.synthetic import generate

STAGES = ("validate", "link", "events", "metrics", "disclosure", "release")
PROGRESS = re.compile(r"\[\s*(\d+\.\d) s\] (.+)")
LINK_STEPS = ("identity features", "training the model", "scoring record pairs", "pseudonyms")


def pathways(*args: str, env: dict | None = None, limit_kb: int | None = None, cwd=None):
    """Run the installed command in a fresh process, as a user would."""
    command = [sys.executable, "-m", "pipelines.commands.cli", *args]
    if limit_kb is not None:  # the largest file this process may write, as a full disk allows
        command = ["bash", "-c", f'ulimit -f {limit_kb}; exec "$@"', "pathways", *command]
    base = {k: v for k, v in os.environ.items() if not k.startswith("PATHWAYS_")}
    return subprocess.run(
        command, capture_output=True, text=True, env={**base, **(env or {})}, cwd=cwd
    )


def one_plain_line(proc) -> str:
    """The error: one line after any progress lines, and no traceback."""
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.strip().splitlines() if not PROGRESS.fullmatch(line)]
    assert len(lines) == 1, proc.stderr
    return lines[0]


@pytest.fixture(scope="module")
def tiny_sources(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("tiny") / "sources"
    generate(folder, scale=0.01, start="2023-04", end="2025-03", seed=3)
    return folder


def test_version_names_the_product_and_its_version():
    proc = pathways("--version")
    assert proc.returncode == 0
    assert re.fullmatch(r"pathways \d+\.\d+\.\d+\S*\n", proc.stdout)


def test_the_exit_codes_are_listed_in_the_help():
    out = pathways("run", "--help").stdout
    for code, words in EXIT_CODES.items():
        assert f"{code}  {words}" in out


def test_a_run_tells_each_stage_with_its_time_and_can_be_read_by_a_program(tiny_sources, tmp_path):
    work, release = tmp_path / "work", tmp_path / "release"
    # The chart packs (drawn in a browser) are left out: the stages are what is watched here.
    args = ["run", "--sources", str(tiny_sources), "--work", str(work), "--release", str(release),
            "--no-packs"]  # fmt: skip
    proc = pathways(*args, "--json", env={"PATHWAYS_DEMO": "1"})
    assert proc.returncode == 0, proc.stderr
    lines = proc.stderr.splitlines()
    timed = [PROGRESS.fullmatch(line) for line in lines]
    assert all(timed), lines  # every progress line carries the time since the run began
    said = [m.group(2) for m in timed]
    for stage in STAGES:
        assert stage in said
    for step in LINK_STEPS:
        assert any(s.startswith(f"link: {step}") for s in said), said
    seconds = [float(m.group(1)) for m in timed]
    assert seconds == sorted(seconds)

    summary = json.loads(proc.stdout)  # nothing but the summary on stdout
    assert summary["command"] == "run" and summary["exit_code"] == 0
    assert summary["release"] == str(release) and summary["people_linked"] > 0
    assert [s["stage"] for s in summary["stages"]][:2] == ["validate", "link"]

    # Splink's warnings are kept in the linkage report rather than silenced.
    report = json.loads((work / "linkage_report.json").read_text())
    assert report["engine_warnings"], "the tiny extract leaves levels untrained: Splink warns"
    assert all(
        w["message"].startswith("splink") and w["times"] >= 1 for w in report["engine_warnings"]
    )

    quiet = pathways(*args, "-q", env={"PATHWAYS_DEMO": "1"})
    assert quiet.returncode == 0 and quiet.stderr == ""
    assert quiet.stdout.startswith(f"Release written to {release}")


def test_sources_that_fail_validation_exit_1(tiny_sources, tmp_path):
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "manifest.json").write_text((tiny_sources / "manifest.json").read_text())
    (broken / "chain_people.csv").write_text("chain_id\nC1\n")
    validate = pathways("validate", "--sources", str(broken), "--json")
    assert validate.returncode == 1
    assert json.loads(validate.stdout)["passed"] is False
    run = pathways("run", "--sources", str(broken), "--work", str(tmp_path / "w"),
                   "--release", str(tmp_path / "r"), env={"PATHWAYS_DEMO": "1"})  # fmt: skip
    assert run.returncode == 1
    assert one_plain_line(run) == (
        "pathways: chain_contacts is absent: a run needs chain_contacts.csv or "
        "chain_contacts.parquet."
    )


def test_a_usage_mistake_exits_2(tmp_path):
    proc = pathways("validate", "--sources", str(tmp_path / "nowhere"))
    assert proc.returncode == 2
    assert one_plain_line(proc).endswith("does not exist.")
    assert pathways("validate").returncode == 2  # argparse: a required option is missing


@pytest.mark.parametrize(
    ("name", "text", "said"),
    [
        ("config.toml", "[disclosure]\nthreshold = 3\n",
         "config.toml: disclosure.threshold may not be set below 5."),
        ("config.json", '{"disclosure": {"threshold": "ten"}}',
         "config.json: disclosure.threshold: input should be a valid integer, unable to parse "
         "string as an integer."),
        ("config.json", '{"linkage": {"engin": "spark"}}',
         "config.json: linkage.engin is not a setting Pathways knows."),
        ("config.json", "# the run's settings\nlinkage:\n  engine: spark\n",
         "config.json is written in YAML, which Pathways does not read; write it as JSON or "
         'TOML (for example {"disclosure": {"threshold": 10}} in JSON, or [disclosure] '
         "threshold = 10 in TOML)."),
        ("config.yaml", "linkage:\n  engine: spark\n",
         "config.yaml is YAML, which Pathways does not read; write it as JSON or TOML (for "
         'example {"disclosure": {"threshold": 10}} in JSON, or [disclosure] threshold = 10 '
         "in TOML)."),
        ("config.json", "{", "config.json is not valid JSON (line 1, column 2: Expecting "
         "property name enclosed in double quotes); name the file .toml for TOML (for example "
         '{"disclosure": {"threshold": 10}} in JSON, or [disclosure] threshold = 10 in TOML).'),
        ("config.toml", "threshold = = 3", None),
    ],
)  # fmt: skip
def test_a_bad_configuration_file_is_one_line_and_exits_3(tiny_sources, tmp_path, name, text, said):
    config = tmp_path / name
    config.write_text(text)
    proc = pathways("validate", "--sources", str(tiny_sources), "--config", str(config))
    assert proc.returncode == 3
    line = one_plain_line(proc)
    assert (
        line == f"pathways: {said}"
        if said
        else line.startswith(f"pathways: {name} is not valid TOML")
    )


def test_a_missing_configuration_file_exits_3(tiny_sources, tmp_path):
    proc = pathways("run", "--sources", str(tiny_sources), "--work", str(tmp_path / "w"),
                    "--release", str(tmp_path / "r"), "--config", str(tmp_path / "none.toml"))  # fmt: skip
    assert proc.returncode == 3
    assert (
        one_plain_line(proc)
        == f"pathways: The configuration file {tmp_path / 'none.toml'} does not exist."
    )


def test_a_missing_pseudonym_key_is_the_environment_and_exits_4(tiny_sources, tmp_path):
    proc = pathways("run", "--sources", str(tiny_sources), "--work", str(tmp_path / "w"),
                    "--release", str(tmp_path / "r"), "--json")  # fmt: skip
    assert proc.returncode == 4
    assert "PATHWAYS_PSEUDONYM_KEY" in one_plain_line(proc)
    assert json.loads(proc.stdout)["exit_code"] == 4


def test_no_room_to_write_is_one_line_and_exits_4(tmp_path):
    # The operating system refuses every write past 64 KB, as a nearly full disk would.
    proc = pathways("generate", "--out", str(tmp_path / "s"), "--scale", "0.05", limit_kb=64)
    assert proc.returncode == 4
    line = one_plain_line(proc)
    assert line.startswith("pathways: could not read or write")
    assert "File too large" in line and "no room to write" in line


@contextlib.contextmanager
def small_filesystem(where: Path, size: str):
    """A real filesystem of ``size`` mounted at ``where`` (needs root; skips otherwise)."""
    where.mkdir()
    mounted = (
        os.geteuid() == 0
        and subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)], capture_output=True
        ).returncode
        == 0
    )
    if not mounted:
        pytest.skip("mounting a small filesystem needs root")
    try:
        yield where
    finally:
        subprocess.run(["umount", str(where)], check=True)


def test_a_full_disk_is_one_line_and_exits_4(tmp_path):
    with small_filesystem(tmp_path / "small", "128k") as small:
        proc = pathways("generate", "--out", str(small / "s"), "--scale", "0.05")
    assert proc.returncode == 4
    line = one_plain_line(proc)
    assert line.startswith("pathways: could not read or write")
    assert "No space left on device" in line and "no room to write" in line


def test_a_chart_pack_without_its_fonts_is_the_environment_and_exits_4(
    release_dir, tmp_path, monkeypatch, capsys
):
    from app.pack import draw as pack
    from pipelines.commands.cli import main

    monkeypatch.setattr(pack, "FONT_DIR", tmp_path / "no-fonts")
    month = json.loads((release_dir / "manifest.json").read_text())["data_period"]["end"][:7]
    code = main(["pack", "--release", str(release_dir), "--month", month,
                 "--out", str(tmp_path / "pack.pdf")])  # fmt: skip
    assert code == 4
    said = capsys.readouterr().err.strip().splitlines()
    assert said[-1].startswith("pathways: The chart pack's fonts are missing")
