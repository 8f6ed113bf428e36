"""Session fixtures shared across levels: a small synthetic London and a release built from it by
the real pipeline (generate → validate → link → events → metrics → disclosure → release)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.run import run_pipeline
from pipelines.synthetic import generate

TEST_KEY = "pathways-test-key-0123456789abcdef-not-a-secret"
AUDIT_TEST_KEY = "pathways-audit-test-key-0123456789abcdef-not-a-secret"


@pytest.fixture(autouse=True)
def _audit_key(monkeypatch):
    """Every test's audit log is sealed with a fixed test key, as a host's is with its own."""
    monkeypatch.setenv("PATHWAYS_AUDIT_KEY", AUDIT_TEST_KEY)


SMALL_LONDON = {"scale": 0.02, "start": "2021-04", "end": "2025-03", "seed": 7}


@pytest.fixture(scope="session")
def small_sources(tmp_path_factory) -> tuple[Path, Path]:
    """A small synthetic London's sources directory and its truth file."""
    root = tmp_path_factory.mktemp("small_london")
    generate(root / "sources", truth_path=root / "truth.csv", **SMALL_LONDON)
    return root / "sources", root / "truth.csv"


@pytest.fixture(scope="session")
def pipeline_run(small_sources, tmp_path_factory):
    """The whole pipeline run once on the small synthetic London, with a fixed key."""
    root = tmp_path_factory.mktemp("pipeline")
    mp = pytest.MonkeyPatch()
    mp.setenv("PATHWAYS_PSEUDONYM_KEY", TEST_KEY)
    try:
        summary = run_pipeline(small_sources[0], root / "work", root / "release", demo=False)
    finally:
        mp.undo()
    return summary, root / "work", root / "release"


@pytest.fixture(scope="session")
def release_dir(pipeline_run) -> Path:
    """A release directory written by the real pipeline from synthetic data."""
    return pipeline_run[2]
