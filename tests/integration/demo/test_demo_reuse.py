"""``pathways demo`` keeps its build: a second start serves the same release at once, a change of
code, seed or scale (or ``--rebuild``) builds a new one."""

from __future__ import annotations

import json

from pipelines.commands.demo import STAMP, build_stamp, demo_release, kept_release

TINY = 0.003  # a few dozen people a month: enough for a whole release, quick to build


def test_a_second_start_serves_the_kept_build_and_rebuild_makes_a_new_one(
    tmp_path, capsys, monkeypatch
):
    monkeypatch.setenv("PATHWAYS_DEMO", "1")  # a build sets it; put back as it was afterwards
    first = demo_release(tmp_path, TINY, seed=3)
    built = first.resolve()
    assert (first / "manifest.json").is_file()
    assert json.loads((tmp_path / STAMP).read_text())["seed"] == 3
    capsys.readouterr()

    again = demo_release(tmp_path, TINY, seed=3)
    assert again.resolve() == built  # the same version folder: nothing was built
    assert "built earlier" in capsys.readouterr().out

    rebuilt = demo_release(tmp_path, TINY, seed=3, rebuild=True)
    assert rebuilt.resolve() != built
    assert "Synthetic London ready" in capsys.readouterr().out


def test_a_build_is_kept_only_for_the_same_code_seed_scale_and_period(tmp_path):
    release = tmp_path / "release"
    release.mkdir()
    (release / "manifest.json").write_text("{}")
    stamp = build_stamp(TINY, seed=3)
    (tmp_path / STAMP).write_text(json.dumps(stamp))
    assert kept_release(tmp_path, stamp) == release
    assert kept_release(tmp_path, build_stamp(TINY, seed=4)) is None
    assert kept_release(tmp_path, build_stamp(0.5, seed=3)) is None
    assert kept_release(tmp_path, {**stamp, "code": "0" * 64}) is None
    assert kept_release(tmp_path, {**stamp, "end": "2099-12"}) is None
    (release / "manifest.json").unlink()  # a build that never finished is not served
    assert kept_release(tmp_path, stamp) is None
