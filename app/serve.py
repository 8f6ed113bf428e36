"""Start the dashboard on a release: ``pathways app --release DIR``.

Every setting comes from a command-line flag, else from its ``PATHWAYS_*`` environment variable
(the table in the README lists them all), else from a default; the paths (release, audit log,
access policy, secrets) are made absolute before Streamlit starts, so the dashboard never
depends on the folder it was started from, and a missing one stops it at once in one line.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from app.charts.boundaries import MAP_STYLES
from app.data import load_release
from contract.errors import PathwaysError

MAIN = Path(__file__).resolve().parent / "main.py"
DEFAULT_ADDRESS = "127.0.0.1"
DEFAULT_PORT = 8501

# Every setting on the command line, so the dashboard looks and behaves the same from any folder.
STREAMLIT_OPTIONS = {
    "server.headless": "true",
    "server.fileWatcherType": "none",
    "server.runOnSave": "false",
    "browser.gatherUsageStats": "false",
    "client.toolbarMode": "minimal",
    "client.showErrorDetails": "false",
    "global.developmentMode": "false",
    "theme.base": "light",
    "theme.primaryColor": "#12436D",
    "theme.font": "sans serif",
}


def _setting(given: object, environment: Mapping[str, str], variable: str) -> str | None:
    """A flag's value, else its environment variable's, else None."""
    if given is not None and given != "":
        return str(given)
    return environment.get(variable) or None


def _path(
    given: Path | str | None,
    environment: Mapping[str, str],
    variable: str,
    flag: str,
    what: str,
) -> Path:
    value = _setting(given, environment, variable)
    if value is None:
        raise PathwaysError(f"No {what} is configured: pass {flag} or set {variable}.")
    return Path(value).expanduser().absolute()  # absolute, but a release pointer stays a pointer


def _port(given: int | None, environment: Mapping[str, str]) -> int:
    value = _setting(given, environment, "PATHWAYS_PORT") or str(DEFAULT_PORT)
    if not value.isdigit() or not 1 <= int(value) <= 65535:
        raise PathwaysError(f"The port {value!r} is not a number from 1 to 65535 (PATHWAYS_PORT).")
    return int(value)


def base_path(value: str | None) -> str:
    """The path the dashboard is served under, as Streamlit wants it: ``/pathways/`` → ``pathways``."""
    parts = [p for p in (value or "").split("/") if p]
    if any(p in (".", "..") or not p.replace("-", "").replace("_", "").isalnum() for p in parts):
        raise PathwaysError(
            f"The base path {value!r} may hold only letters, digits, '-' and '_' between slashes, "
            "for example /pathways/."
        )
    return "/".join(parts)


def streamlit_command(
    release: Path | str | None = None,
    port: int | None = None,
    *,
    address: str | None = None,
    base: str | None = None,
    audit_log: Path | str | None = None,
    access_policy: Path | str | None = None,
    secrets: Path | str | None = None,
    demo: bool = False,
    env: Mapping[str, str] | None = None,
) -> tuple[list[str], dict[str, str]]:
    """The command line and environment that serve the dashboard (for ``serve`` and tests).

    Each argument left as None is read from its environment variable, then its default.

    Args:
        release: the release (``PATHWAYS_RELEASE``); checked before anything starts. A release
            pointer stays a pointer, so a newly published release is picked up without a restart.
        port: the port (``PATHWAYS_PORT``, default 8501).
        address: the address to listen on (``PATHWAYS_ADDRESS``, default 127.0.0.1).
        base: the path served under behind a proxy (``PATHWAYS_BASE_PATH``, e.g. ``/pathways/``).
        audit_log: the audit database (``PATHWAYS_AUDIT_DB``); its folder must exist.
        access_policy: the access policy (``PATHWAYS_ACCESS_POLICY``); not used in demo mode.
        secrets: a ``secrets.toml`` holding the ``[auth]`` OpenID Connect settings
            (``PATHWAYS_SECRETS``, else Streamlit's own ``.streamlit/secrets.toml``).
        demo: demo sign-in with one account per role (``PATHWAYS_DEMO=1``); refused unless the
            release is synthetic.
        env: the environment to start from (default: this process's).

    Raises:
        PathwaysError: a setting is missing or wrong, in one plain sentence.
    """
    environment = dict(os.environ if env is None else env)
    release = _path(release, environment, "PATHWAYS_RELEASE", "--release DIR", "release")
    load_release(release)  # a missing, broken or altered release stops here, in plain words
    log = _path(audit_log, environment, "PATHWAYS_AUDIT_DB", "--audit-log FILE", "audit log")
    if not log.parent.is_dir():
        raise PathwaysError(f"The audit log's folder {log.parent} does not exist; create it first.")
    environment.update(PATHWAYS_RELEASE=str(release), PATHWAYS_AUDIT_DB=str(log))
    style = environment.get("PATHWAYS_MAP_STYLE", "").strip().lower()
    if style and style not in MAP_STYLES:
        raise PathwaysError(f"PATHWAYS_MAP_STYLE {style!r} is not one of {', '.join(MAP_STYLES)}.")
    if demo or environment.get("PATHWAYS_DEMO", "").strip().lower() in ("1", "true", "yes"):
        environment["PATHWAYS_DEMO"] = "1"
    else:
        policy = _path(
            access_policy, environment, "PATHWAYS_ACCESS_POLICY", "--access-policy FILE",
            "access policy",
        )  # fmt: skip
        if not policy.is_file():
            raise PathwaysError(f"There is no access policy at {policy} (PATHWAYS_ACCESS_POLICY).")
        environment["PATHWAYS_ACCESS_POLICY"] = str(policy)
    options = {
        "server.address": _setting(address, environment, "PATHWAYS_ADDRESS") or DEFAULT_ADDRESS,
        "server.port": str(_port(port, environment)),
        "server.baseUrlPath": base_path(_setting(base, environment, "PATHWAYS_BASE_PATH")),
        **STREAMLIT_OPTIONS,
    }
    if secrets := _setting(secrets, environment, "PATHWAYS_SECRETS"):
        secrets_file = Path(secrets).expanduser().absolute()
        if not secrets_file.is_file():
            raise PathwaysError(f"There is no secrets file at {secrets_file} (PATHWAYS_SECRETS).")
        options["secrets.files"] = str(secrets_file)
        environment["PATHWAYS_SECRETS"] = str(secrets_file)
    cmd = [sys.executable, "-m", "streamlit", "run", str(MAIN)]
    for key, value in options.items():
        cmd += [f"--{key}", value]
    return cmd, environment


def serve(release: Path | str | None = None, port: int | None = None, **settings) -> int:
    """Serve the dashboard until interrupted; returns the exit code.

    Headless, with usage statistics off, on 127.0.0.1 unless told otherwise. Put a reverse proxy
    with TLS in front of it to publish it (``deploy/`` holds an nginx site for that).

    Args:
        release, port, settings: as for ``streamlit_command``.
    """
    cmd, environment = streamlit_command(release, port, **settings)
    options = dict(zip(cmd[5::2], cmd[6::2], strict=True))
    where = f"{options['--server.address']}:{options['--server.port']}"
    base = options["--server.baseUrlPath"]
    print(
        f"Pathways dashboard on http://{where}/{base + '/' if base else ''} "
        f"(release {environment['PATHWAYS_RELEASE']})",
        flush=True,
    )
    try:
        return subprocess.call(cmd, env=environment)
    except KeyboardInterrupt:
        return 130
