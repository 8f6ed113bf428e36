"""Start the dashboard on a release: ``pathways app --release DIR``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from app.data import load_release

MAIN = Path(__file__).resolve().parent / "main.py"

# Every setting on the command line, so the dashboard looks and behaves the same from any folder.
STREAMLIT_OPTIONS = {
    "server.address": "127.0.0.1",
    "server.headless": "true",
    "server.fileWatcherType": "none",
    "server.runOnSave": "false",
    "browser.gatherUsageStats": "false",
    "client.toolbarMode": "minimal",
    "client.showErrorDetails": "false",
    "global.developmentMode": "false",
    "theme.base": "light",
    "theme.primaryColor": "#0072B2",
    "theme.font": "sans serif",
}


def streamlit_command(
    release: Path,
    port: int,
    *,
    demo: bool = False,
    secrets: Path | None = None,
    env: dict[str, str] | None = None,
) -> tuple[list[str], dict[str, str]]:
    """The command line and environment that serve the dashboard (for ``serve`` and tests).

    Args:
        release: the release directory (checked before anything starts).
        port: the port on 127.0.0.1.
        demo: demo sign-in with one account per role; refused unless the release is synthetic.
        secrets: a ``secrets.toml`` holding the ``[auth]`` OpenID Connect settings; default
            ``PATHWAYS_SECRETS``, else Streamlit's own (``.streamlit/secrets.toml``).
        env: the environment to start from (default: this process's).
    """
    release = Path(release).resolve()
    load_release(release)  # a broken or altered release stops here, in plain words
    environment = dict(os.environ if env is None else env)
    environment["PATHWAYS_RELEASE"] = str(release)
    if demo:
        environment["PATHWAYS_DEMO"] = "1"
    cmd = [sys.executable, "-m", "streamlit", "run", str(MAIN)]
    options = {**STREAMLIT_OPTIONS, "server.port": str(port)}
    secrets = secrets or (Path(p) if (p := environment.get("PATHWAYS_SECRETS")) else None)
    if secrets is not None:
        options["secrets.files"] = str(Path(secrets).resolve())
    for key, value in options.items():
        cmd += [f"--{key}", value]
    return cmd, environment


def serve(release: Path, port: int = 8501, *, demo: bool = False) -> int:
    """Serve the dashboard on http://127.0.0.1:PORT until interrupted; returns the exit code.

    Headless, bound to the loopback address, with usage statistics off. Put a reverse proxy
    with TLS in front of it to publish it (see ``app/README.md``).
    """
    cmd, environment = streamlit_command(release, port, demo=demo)
    print(f"Pathways dashboard on http://127.0.0.1:{port} (release {Path(release).resolve()})")
    try:
        return subprocess.call(cmd, env=environment)
    except KeyboardInterrupt:
        return 130
