"""Server time per interaction, page by page, for ``pathways bench`` (target: under 300 ms).

A rerun of the page script is what every click, slider move and filter change costs on the
server; this signs in as the demo London lead through Streamlit's AppTest and times reruns of
each page after its first visit (which fills the caches, as the first visitor of a month does).
"""

from __future__ import annotations

import os
import secrets
import statistics
import tempfile
import time
from pathlib import Path

from app.audit import AuditLog
from app.pages import PAGES_BY_KEY, PAGES_BY_ROLE

MAIN = Path(__file__).resolve().parent / "main.py"


def page_timings(release: Path, reruns: int = 5) -> dict[str, float]:
    """Median server seconds per rerun of each page the London lead can open."""
    from streamlit.testing.v1 import AppTest

    with tempfile.TemporaryDirectory(prefix="pathways-timing-") as scratch:
        os.environ.update(
            PATHWAYS_RELEASE=str(Path(release).resolve()),
            PATHWAYS_DEMO="1",
            PATHWAYS_AUDIT_DB=str(Path(scratch) / "audit.sqlite"),
            PATHWAYS_AUDIT_KEY=secrets.token_hex(32),
        )
        AuditLog.create(Path(scratch) / "audit.sqlite")
        at = AppTest.from_file(str(MAIN), default_timeout=120).run()
        at.radio(key="demo_account").set_value("london-lead")
        at.button[0].click().run()
        at.text_input(key="purpose_detail").set_value("Measuring the dashboard's speed")
        at.button[0].click().run()
        timings = {}
        for page in PAGES_BY_ROLE["london"]:
            at.switch_page(PAGES_BY_KEY[page].file).run()
            if at.exception:
                raise RuntimeError(f"the {page} page failed: {at.exception[0].value}")
            samples = []
            for _ in range(reruns):
                started = time.perf_counter()
                at.run()
                samples.append(time.perf_counter() - started)
            timings[page] = statistics.median(samples)
        return timings
