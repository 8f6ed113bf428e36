"""Session fixtures shared across levels: a small synthetic London and a release built from it by
the real pipeline (generate → validate → link → events → metrics → disclosure → release)."""

from __future__ import annotations

import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest

from pipelines.commands.demo import demo_service_directory
from pipelines.commands.run import run_pipeline
from pipelines.config import PathwaysConfig
from pipelines.synthetic import generate
from pipelines.synthetic.pilots import DEMO_PILOTS

TEST_KEY = "pathways-test-key-0123456789abcdef-not-a-secret"
AUDIT_TEST_KEY = "pathways-audit-test-key-0123456789abcdef-not-a-secret"


@pytest.fixture(autouse=True)
def _audit_key(monkeypatch):
    """Every test's audit log is sealed with a fixed test key, as a host's is with its own."""
    monkeypatch.setenv("PATHWAYS_AUDIT_KEY", AUDIT_TEST_KEY)


SMALL_LONDON = {"scale": 0.02, "start": "2021-04", "end": "2025-03", "seed": 7}
# The chart pack editions drawn into the session's release beside London's (all 33 take minutes).
PACK_BOROUGHS = ("E09000007", "E09000033")  # Camden and Westminster, as the demo accounts


@pytest.fixture(scope="session")
def small_sources(tmp_path_factory) -> tuple[Path, Path]:
    """A small synthetic London's sources directory and its truth file."""
    root = tmp_path_factory.mktemp("small_london")
    generate(root / "sources", truth_path=root / "truth.csv", **SMALL_LONDON)
    return root / "sources", root / "truth.csv"


# The session's run registers the demo's pilots, so the evaluation table is filled and its pages
# are drawn (the sources are the default generator's: no simulated effect), and the demo's
# service register, so the service directory names teams and providers.
PILOTS_CONFIG = PathwaysConfig(
    evaluation={"pilots": DEMO_PILOTS}, services={"directory": demo_service_directory()}
)


@pytest.fixture(scope="session")
def pipeline_run(small_sources, tmp_path_factory):
    """The whole pipeline run once on the small synthetic London, with a fixed key, chart packs
    for London, Camden and Westminster included, and the demo's pilots registered."""
    root = tmp_path_factory.mktemp("pipeline")
    mp = pytest.MonkeyPatch()
    mp.setenv("PATHWAYS_PSEUDONYM_KEY", TEST_KEY)
    try:
        summary = run_pipeline(
            small_sources[0], root / "work", root / "release", PILOTS_CONFIG, demo=False,
            pack_boroughs=PACK_BOROUGHS,
        )  # fmt: skip
    finally:
        mp.undo()
    return summary, root / "work", root / "release"


@pytest.fixture(scope="session")
def release_dir(pipeline_run) -> Path:
    """A release directory written by the real pipeline from synthetic data."""
    return pipeline_run[2]


DEPLOY = Path(__file__).resolve().parents[1] / "deploy"


def nginx_site(tmp: Path, upstream_port: int, listen_port: int) -> Path:
    """An nginx configuration, run as a plain process from ``tmp``, holding the shipped proxy
    rules (``deploy/nginx/``: upstream, WebSocket upgrade, base path) in a plain-HTTP server on
    127.0.0.1:``listen_port`` in front of the dashboard on ``upstream_port``."""
    (tmp / "upstream.conf").write_text(
        (DEPLOY / "nginx" / "pathways-upstream.conf")
        .read_text()
        .replace("127.0.0.1:8501", f"127.0.0.1:{upstream_port}")
    )
    server = (
        f"server {{\n    listen 127.0.0.1:{listen_port};\n"
        f"    include {DEPLOY / 'nginx' / 'pathways-locations.conf'};\n}}\n"
    )
    return nginx_config(tmp, f"include {tmp / 'upstream.conf'};\n{server}")


def nginx_config(tmp: Path, http: str) -> Path:
    """A whole nginx.conf whose every file (pid, logs, temporary files) stays under ``tmp``."""
    temps = "\n".join(
        f"    {kind}_temp_path {tmp / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    conf = tmp / "nginx.conf"
    conf.write_text(
        f"pid {tmp / 'nginx.pid'};\nerror_log {tmp / 'error.log'} warn;\ndaemon off;\n"
        "worker_processes 1;\nevents { worker_connections 256; }\n"
        f"http {{\n    access_log off;\n{temps}\n{http}}}\n"
    )
    return conf


@pytest.fixture(scope="session")
def nginx():
    """Where nginx is, with the two configuration builders above; skipped when it is missing."""
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(binary).exists():
        pytest.skip("nginx is not installed (Debian package nginx; .ci/run installs it)")
    return SimpleNamespace(binary=binary, site=nginx_site, config=nginx_config, deploy=DEPLOY)
