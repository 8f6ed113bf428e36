"""``pathways app``: every setting from a flag or its PATHWAYS_* variable, every path absolute,
and a missing one stopping the start in one plain line."""

from __future__ import annotations

import pytest

from app.serve import MAIN, base_path, streamlit_command
from contract.errors import PathwaysError
from pipelines.commands.cli import main


def _options(cmd: list[str]) -> dict[str, str]:
    flags = cmd[cmd.index(str(MAIN)) + 1 :]
    return dict(zip(flags[::2], flags[1::2], strict=True))


@pytest.fixture
def host(tmp_path, release_dir):
    """An app host's files: the release, a folder for the audit log, a policy and secrets."""
    (tmp_path / "audit").mkdir()
    (tmp_path / "access.toml").write_text('[users]\n"a@b.gov.uk" = "london"\n')
    (tmp_path / "secrets.toml").write_text("[auth]\n")
    return {
        "PATH": "/usr/bin",
        "PATHWAYS_RELEASE": str(release_dir),
        "PATHWAYS_AUDIT_DB": str(tmp_path / "audit" / "audit.sqlite"),
        "PATHWAYS_ACCESS_POLICY": str(tmp_path / "access.toml"),
    }


def test_by_default_the_dashboard_listens_on_loopback_headless_without_statistics(host):
    cmd, env = streamlit_command(env=host)
    assert cmd[1:4] == ["-m", "streamlit", "run"]
    options = _options(cmd)
    assert options["--server.address"] == "127.0.0.1"
    assert options["--server.port"] == "8501"
    assert options["--server.baseUrlPath"] == ""
    assert options["--server.headless"] == "true"
    assert options["--browser.gatherUsageStats"] == "false"
    assert "PATHWAYS_DEMO" not in env
    _, demo_env = streamlit_command(demo=True, env=host)
    assert demo_env["PATHWAYS_DEMO"] == "1"
    del host["PATHWAYS_ACCESS_POLICY"]  # demo accounts need no policy, however demo is asked for
    assert streamlit_command(env={**host, "PATHWAYS_DEMO": "1"})[1]["PATHWAYS_DEMO"] == "1"


def test_the_environment_sets_address_port_and_base_path_and_flags_beat_it(host):
    host.update(PATHWAYS_ADDRESS="0.0.0.0", PATHWAYS_PORT="8700", PATHWAYS_BASE_PATH="/pathways/")
    options = _options(streamlit_command(env=host)[0])
    assert (options["--server.address"], options["--server.port"]) == ("0.0.0.0", "8700")
    assert options["--server.baseUrlPath"] == "pathways"
    flagged = streamlit_command(port=8900, address="10.0.0.5", base="/rough-sleeping", env=host)
    options = _options(flagged[0])
    assert (options["--server.address"], options["--server.port"]) == ("10.0.0.5", "8900")
    assert options["--server.baseUrlPath"] == "rough-sleeping"


def test_every_path_reaches_the_dashboard_absolute_and_a_release_pointer_stays_a_pointer(
    host, tmp_path, monkeypatch, release_dir
):
    monkeypatch.chdir(tmp_path)
    pointer = tmp_path / "current"
    pointer.symlink_to(release_dir)
    cmd, env = streamlit_command(
        "current", audit_log="audit/audit.sqlite", access_policy="access.toml",
        secrets="secrets.toml", env=host,
    )  # fmt: skip
    assert env["PATHWAYS_RELEASE"] == str(pointer)  # not the version it points at today
    assert env["PATHWAYS_AUDIT_DB"] == str(tmp_path / "audit" / "audit.sqlite")
    assert env["PATHWAYS_ACCESS_POLICY"] == str(tmp_path / "access.toml")
    assert _options(cmd)["--secrets.files"] == str(tmp_path / "secrets.toml")


@pytest.mark.parametrize(
    ("unset", "message"),
    [
        ("PATHWAYS_RELEASE", "No release is configured: pass --release DIR or set PATHWAYS_RELEASE."),
        ("PATHWAYS_AUDIT_DB", "No audit log is configured: pass --audit-log FILE or set PATHWAYS_AUDIT_DB."),
        ("PATHWAYS_ACCESS_POLICY", "No access policy is configured: pass --access-policy FILE or set PATHWAYS_ACCESS_POLICY."),
    ],
)  # fmt: skip
def test_a_missing_setting_stops_the_start_in_one_line(host, unset, message, capsys):
    del host[unset]
    with pytest.raises(PathwaysError) as e:
        streamlit_command(env=host)
    assert str(e.value) == message


def test_a_wrong_setting_stops_the_start_in_one_line(host, tmp_path):
    with pytest.raises(PathwaysError, match="No release found"):
        streamlit_command(tmp_path, env=host)
    with pytest.raises(PathwaysError, match="folder .*nowhere does not exist"):
        streamlit_command(audit_log=tmp_path / "nowhere" / "audit.sqlite", env=host)
    with pytest.raises(PathwaysError, match="no access policy at"):
        streamlit_command(access_policy=tmp_path / "missing.toml", env=host)
    with pytest.raises(PathwaysError, match="not a number from 1 to 65535"):
        streamlit_command(env={**host, "PATHWAYS_PORT": "eighty"})
    with pytest.raises(PathwaysError, match="base path"):
        base_path("/../etc")
    with pytest.raises(PathwaysError, match="PATHWAYS_MAP_STYLE 'hexes' is not one of"):
        streamlit_command(env={**host, "PATHWAYS_MAP_STYLE": "hexes"})
    _, env = streamlit_command(env={**host, "PATHWAYS_MAP_STYLE": "tiles"})
    assert env["PATHWAYS_MAP_STYLE"] == "tiles"


def test_the_app_command_says_what_is_missing_without_a_traceback(monkeypatch, capsys):
    for variable in ("PATHWAYS_RELEASE", "PATHWAYS_AUDIT_DB", "PATHWAYS_ACCESS_POLICY"):
        monkeypatch.delenv(variable, raising=False)
    assert main(["app"]) == 2
    err = capsys.readouterr().err
    assert (
        err == "pathways: No release is configured: pass --release DIR or set PATHWAYS_RELEASE.\n"
    )
