"""``pathways demo``: a synthetic London, the whole pipeline and the dashboard, on one machine.

In real use the two zones live on two machines (see the README); the demo runs both here for
convenience, draws a random pseudonym key for each build, and marks everything as synthetic.

A build is kept in the demo's folder and served again by the next ``pathways demo`` while it was
made by the same code, seed, scale and six-year period (``demo.json`` records them); ``--rebuild``
makes a new one.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import time
from datetime import date
from pathlib import Path

from contract.periods import month_index, period_start

DEMO_YEARS = 6  # enough history for stock, returners and two-year survival
DEMO_SCALE = 1.0  # London's published volumes: the dashboard looks like London, not a village
STAMP = "demo.json"
# The code whose change changes what a build holds: the shared contract, the metrics, the secure
# zone, and the app (the release carries its chart packs).
_ROOT = Path(__file__).resolve().parents[2]
_BUILD_CODE = ("contract", "metrics", "pipelines", "app", "assets")


def demo_period(today: date | None = None) -> tuple[str, str]:
    """Six years up to the last complete month, so the demo looks as fresh as a real monthly run.

    >>> demo_period(date(2026, 11, 22))
    ('2020-11', '2026-10')
    """
    last = month_index(today or date.today()) - 1  # the last complete month
    start, end = period_start("month", last - 12 * DEMO_YEARS + 1), period_start("month", last)
    return f"{start:%Y-%m}", f"{end:%Y-%m}"


def build_stamp(scale: float, seed: int, today: date | None = None) -> dict[str, object]:
    """What a demo build depends on: the code that made it, the seed, the scale and the period."""
    from pipelines import code_version

    code = hashlib.sha256()
    for folder in _BUILD_CODE:
        for path in sorted((_ROOT / folder).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                code.update(str(path.relative_to(_ROOT)).encode() + b"\0" + path.read_bytes())
    start, end = demo_period(today)
    return {"version": code_version(), "code": code.hexdigest(), "seed": seed, "scale": scale,
            "start": start, "end": end}  # fmt: skip


def kept_release(workdir: Path, stamp: dict[str, object]) -> Path | None:
    """The release an earlier build left in ``workdir``, when it was made with this stamp."""
    workdir = Path(workdir)
    try:
        kept = json.loads((workdir / STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    release = workdir / "release"
    if kept != stamp or not (release / "manifest.json").is_file():
        return None
    return release


def demo_service_directory() -> list[dict[str, object]]:
    """The demo's service register: the teams and providers the synthetic generator writes
    (each borough's outreach team, No Second Night Out, the hostel providers)."""
    from contract.reference import borough_codes, borough_name
    from pipelines.synthetic.assumptions import Assumptions

    teams = [
        {"kind": "outreach", "name": f"{borough_name(code)} outreach team", "boroughs": [code]}
        for code in borough_codes()
    ]
    providers = [{"kind": "hostel", "name": name} for name in Assumptions().hostel_providers]
    return [*teams, {"kind": "outreach", "name": "No Second Night Out"}, *providers]


def build_demo_release(workdir: Path, scale: float, seed: int) -> Path:
    """Generate synthetic sources and run the pipeline on them; returns the release directory."""
    from pipelines.commands.run import run_pipeline
    from pipelines.config import PathwaysConfig
    from pipelines.synthetic import generate
    from pipelines.synthetic.pilots import DEMO_PILOTS, with_demo_pilots

    os.environ["PATHWAYS_DEMO"] = "1"
    workdir = Path(workdir)
    sources = workdir / "sources"
    shutil.rmtree(sources, ignore_errors=True)
    started = time.perf_counter()
    start, end = demo_period()
    # The demo's pilots: simulated with a known effect, and registered for evaluation.
    print(generate(sources, scale, start, end, seed, None, with_demo_pilots()), flush=True)
    from app.auth import DEMO_ACCOUNTS

    # the packs the demo accounts can download: London's and the demo boroughs'
    boroughs = [a.role.borough for a in DEMO_ACCOUNTS if a.role.borough]
    config = PathwaysConfig(
        evaluation={"pilots": DEMO_PILOTS}, services={"directory": demo_service_directory()}
    )
    summary = run_pipeline(
        sources,
        workdir / "work",
        workdir / "release",
        config,
        demo=True,
        pack_boroughs=boroughs,
    )
    print(summary, flush=True)
    print(f"\nSynthetic London ready in {time.perf_counter() - started:.0f} s.", flush=True)
    return summary.release_dir


def demo_release(workdir: Path, scale: float, seed: int, *, rebuild: bool = False) -> Path:
    """The kept demo release when it still matches the code, seed, scale and period; else a new
    build, whose stamp is written only once it has finished."""
    workdir = Path(workdir)
    stamp = build_stamp(scale, seed)
    kept = None if rebuild else kept_release(workdir, stamp)
    if kept is not None:
        print(f"Serving the synthetic London built earlier in {workdir}/ (same code, seed, scale "
              "and period); pathways demo --rebuild builds a new one.", flush=True)  # fmt: skip
        return kept
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / STAMP).unlink(missing_ok=True)
    release = build_demo_release(workdir, scale, seed)
    (workdir / STAMP).write_text(json.dumps(stamp, indent=2) + "\n", encoding="utf-8")
    return release


def start_demo_audit_log(workdir: Path) -> Path:
    """A fresh audit log for this demo run, sealed with a random key drawn for the run (a real
    host creates its log once with `pathways audit init` and keeps its key)."""
    from app.audit import AuditLog

    path = (workdir / "audit.sqlite").resolve()
    path.unlink(missing_ok=True)
    os.environ["PATHWAYS_AUDIT_KEY"] = secrets.token_hex(32)
    os.environ["PATHWAYS_AUDIT_DB"] = str(path)
    AuditLog.create(path)
    return path


def demo(scale: float, seed: int, port: int, workdir: Path, *, rebuild: bool = False) -> int:
    """Build the synthetic release (or reuse the kept one) and serve the dashboard on it."""
    from app.serve import serve

    release = demo_release(workdir, scale, seed, rebuild=rebuild)
    start_demo_audit_log(Path(workdir))
    print(
        "Demo: the secure zone and the app run on this one machine for convenience; in real use "
        "only the release is copied to the app host.",
        flush=True,
    )
    return serve(release, port, demo=True, audit_log=Path(workdir).absolute() / "audit.sqlite")
