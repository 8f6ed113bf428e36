"""Releases as versions behind one pointer: a run or a publish killed at any step, or a release
copied while the dashboard reads it, always leaves a whole release served, old or new."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.data import load_release
from contract.errors import PathwaysError
from contract.release import open_release
from pipelines.release.write import publish, versions_dir, write_release

PUBLISH_STEPS = ("file", "copied", "moved", "flipped", "pruned")

# A publish in its own process, killed outright (SIGKILL: no clean-up runs) at one step, or
# slowed down after each file it copies.
PUBLISHER = """
import os, signal, sys, time
from pathlib import Path
from pipelines.release.write import publish

source, dest, kill_at, pause = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])

def step(name):
    if name == kill_at:
        os.kill(os.getpid(), signal.SIGKILL)
    if name == "file":
        time.sleep(pause)

print(publish(Path(source), Path(dest), keep=2, on_step=step))
"""


def run_publisher(source: Path, dest: Path, kill_at: str = "", pause: float = 0.0):
    return subprocess.Popen(
        [sys.executable, "-c", PUBLISHER, str(source), str(dest), kill_at, str(pause)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture
def two_releases(tmp_path, protected, run_facts) -> tuple[Path, str, Path, str]:
    """Two different releases on the secure host, as two monthly runs leave them."""
    old = write_release(tmp_path / "secure" / "march", protected, run_facts)
    new = write_release(
        tmp_path / "secure" / "april", protected, {**run_facts, "code_version": "0.2.0"}
    )
    ids = [open_release(p).manifest.release_id for p in (old, new)]
    assert ids[0] != ids[1]
    return old, ids[0], new, ids[1]


def served(pointer: Path) -> str:
    """The release the dashboard would show now: opened the way each interaction opens it."""
    return load_release(pointer).manifest.release_id


def test_a_release_is_a_pointer_to_its_newest_version_and_the_oldest_are_dropped(
    tmp_path, protected, run_facts
):
    pointer = tmp_path / "release"
    ids = []
    for n in range(4):
        write_release(pointer, protected, {**run_facts, "code_version": f"0.{n}.0"}, keep=3)
        ids.append(open_release(pointer).manifest.release_id)
    assert pointer.is_symlink()
    assert not os.path.isabs(os.readlink(pointer))  # relative: the folder can be moved
    kept = sorted(p.name for p in versions_dir(pointer).iterdir() if p.name != ".lock")
    assert [name.rsplit("-", 1)[1] for name in kept] == ids[1:]  # oldest first, by name
    assert pointer.resolve().name == kept[-1]
    assert served(pointer) == ids[-1]


def test_a_release_written_before_versions_is_taken_in_as_one(tmp_path, protected, run_facts):
    pointer = tmp_path / "release"
    pointer.mkdir()
    old = write_release(tmp_path / "elsewhere", protected, run_facts)
    for f in old.iterdir():
        (pointer / f.name).write_bytes(f.read_bytes())
    old_id = open_release(pointer).manifest.release_id
    write_release(pointer, protected, {**run_facts, "code_version": "0.2.0"})
    assert pointer.is_symlink()
    versions = [p for p in versions_dir(pointer).iterdir() if p.name != ".lock"]
    assert old_id in {open_release(p).manifest.release_id for p in versions}
    assert len(versions) == 2


@pytest.mark.parametrize("step", ["copied", "moved", "flipped", "pruned"])
def test_a_run_interrupted_at_any_step_leaves_a_whole_release(tmp_path, protected, run_facts, step):
    pointer = write_release(tmp_path / "release", protected, run_facts)
    old_id = served(pointer)

    def interrupt(name: str) -> None:
        if name == step:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_release(pointer, protected, {**run_facts, "code_version": "0.2.0"}, on_step=interrupt)
    now = open_release(pointer).manifest  # every file checked
    assert now.release_id == old_id if step in ("copied", "moved") else now.release_id != old_id
    hidden = [p.name for p in versions_dir(pointer).iterdir() if p.name.startswith(".b")]
    assert hidden == []  # nothing half-built is left behind


@pytest.mark.parametrize("step", PUBLISH_STEPS)
def test_a_publish_killed_at_any_step_leaves_a_whole_release_served(tmp_path, two_releases, step):
    old, old_id, new, new_id = two_releases
    app_host = tmp_path / "apphost" / "release"
    publish(old, app_host)
    assert served(app_host) == old_id

    killed = run_publisher(new, app_host, kill_at=step)
    killed.wait(timeout=60)
    assert killed.returncode == -signal.SIGKILL, killed.stderr.read()
    after_kill = open_release(app_host).manifest.release_id  # whole: every hash checks
    assert after_kill == (old_id if step in ("file", "copied", "moved") else new_id)
    assert served(app_host) == after_kill

    # the next publish clears what the killed one left and completes
    assert "Published release" in publish(new, app_host)
    assert served(app_host) == new_id
    leftovers = [p.name for p in versions_dir(app_host).iterdir() if p.name.startswith(".")]
    assert sorted(leftovers) == [".lock"]
    assert not list(app_host.parent.glob(".release.pointer-*"))


def test_the_dashboard_reads_whole_releases_while_one_is_copied_slowly(tmp_path, two_releases):
    old, old_id, new, new_id = two_releases
    app_host = tmp_path / "apphost" / "release"
    publish(old, app_host)
    publisher = run_publisher(new, app_host, pause=0.25)  # ten files: over two seconds
    seen: list[str] = []
    deadline = time.monotonic() + 60
    while publisher.poll() is None and time.monotonic() < deadline:
        seen.append(served(app_host))  # raises if it ever met a half-copied release
        time.sleep(0.02)
    assert publisher.wait(timeout=60) == 0, publisher.stderr.read()
    seen.append(served(app_host))
    assert len(seen) > 20
    assert set(seen) <= {old_id, new_id}
    assert seen[0] == old_id and seen[-1] == new_id
    switched = seen.index(new_id)
    assert set(seen[switched:]) == {new_id}  # once switched, never back


def test_publishing_refuses_a_damaged_release_and_keeps_the_current_one(tmp_path, two_releases):
    old, old_id, new, _ = two_releases
    app_host = tmp_path / "apphost" / "release"
    publish(old, app_host)
    (new.resolve() / "metrics.parquet").write_bytes(b"not the table the manifest names")
    with pytest.raises(PathwaysError, match="does not match its manifest"):
        publish(new, app_host)
    assert served(app_host) == old_id


def test_the_publish_command_says_what_it_did(tmp_path, two_releases):
    from pipelines.commands.cli import main

    old, old_id, _, _ = two_releases
    app_host = tmp_path / "apphost" / "release"
    assert main(["publish", "--release", str(old), "--to", str(app_host), "--keep", "2"]) == 0
    assert served(app_host) == old_id
    assert main(["publish", "--release", str(tmp_path / "nothing"), "--to", str(app_host)]) == 2
