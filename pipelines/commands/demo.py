"""``pathways demo``: a synthetic London, the whole pipeline and the dashboard, on one machine.

In real use the two zones live on two machines (see the README); the demo runs both here for
convenience, draws a random pseudonym key each run, and marks everything as synthetic.
"""

from __future__ import annotations

import os
import secrets
import shutil
import time
from datetime import date, timedelta
from pathlib import Path

DEMO_YEARS = 6  # enough history for stock, returners and two-year survival


def demo_period(today: date | None = None) -> tuple[str, str]:
    """Six years up to the last complete month, so the demo looks as fresh as a real monthly run.

    >>> demo_period(date(2026, 11, 22))
    ('2020-11', '2026-10')
    """
    today = today or date.today()
    end = date(today.year, today.month, 1) - timedelta(days=1)
    start_year = end.year - DEMO_YEARS + (1 if end.month == 12 else 0)
    start_month = end.month % 12 + 1
    return f"{start_year:04d}-{start_month:02d}", f"{end:%Y-%m}"


def build_demo_release(workdir: Path, scale: float, seed: int) -> Path:
    """Generate synthetic sources and run the pipeline on them; returns the release directory."""
    from pipelines.commands.run import run_pipeline
    from pipelines.synthetic import generate

    os.environ["PATHWAYS_DEMO"] = "1"
    workdir = Path(workdir)
    sources = workdir / "sources"
    shutil.rmtree(sources, ignore_errors=True)
    started = time.perf_counter()
    start, end = demo_period()
    print(generate(sources, scale, start, end, seed, None), flush=True)
    from app.auth import DEMO_ACCOUNTS

    # the packs the demo accounts can download: London's and the demo boroughs'
    boroughs = [a.role.borough for a in DEMO_ACCOUNTS if a.role.borough]
    summary = run_pipeline(
        sources, workdir / "work", workdir / "release", demo=True, pack_boroughs=boroughs
    )
    print(summary, flush=True)
    print(f"\nSynthetic London ready in {time.perf_counter() - started:.0f} s.", flush=True)
    return summary.release_dir


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


def demo(scale: float, seed: int, port: int, workdir: Path) -> int:
    """Build the synthetic release and serve the dashboard on it in demo mode."""
    from app.serve import serve

    release = build_demo_release(workdir, scale, seed)
    start_demo_audit_log(Path(workdir))
    print(
        "Demo: the secure zone and the app run on this one machine for convenience; in real use "
        "only the release is copied to the app host.",
        flush=True,
    )
    return serve(release, port, demo=True, audit_log=Path(workdir).absolute() / "audit.sqlite")
