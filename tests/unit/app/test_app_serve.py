"""``pathways app`` starts Streamlit on loopback, headless, with no usage statistics."""

from __future__ import annotations

import pytest

from app.serve import MAIN, streamlit_command
from pipelines.errors import PathwaysError


def _options(cmd: list[str]) -> dict[str, str]:
    flags = cmd[cmd.index(str(MAIN)) + 1 :]
    return dict(zip(flags[::2], flags[1::2], strict=True))


def test_the_command_serves_the_release_on_loopback(release_dir, tmp_path):
    secrets = tmp_path / "secrets.toml"
    cmd, env = streamlit_command(release_dir, 8600, secrets=secrets, env={"PATH": "/usr/bin"})
    assert cmd[1:4] == ["-m", "streamlit", "run"]
    options = _options(cmd)
    assert options["--server.address"] == "127.0.0.1"
    assert options["--server.port"] == "8600"
    assert options["--server.headless"] == "true"
    assert options["--browser.gatherUsageStats"] == "false"
    assert options["--secrets.files"] == str(secrets.resolve())
    assert env["PATHWAYS_RELEASE"] == str(release_dir.resolve())
    assert "PATHWAYS_DEMO" not in env
    _, demo_env = streamlit_command(release_dir, 8600, demo=True, env={})
    assert demo_env["PATHWAYS_DEMO"] == "1"


def test_a_missing_release_stops_before_anything_starts(tmp_path):
    with pytest.raises(PathwaysError, match="No release found"):
        streamlit_command(tmp_path, 8600)
