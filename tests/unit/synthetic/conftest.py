"""One small synthetic London shared by the unit tests of the generator (built once)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.synthetic import generate

SMALL = {"scale": 0.03, "start": "2023-04", "end": "2025-01", "seed": 7}


@pytest.fixture(scope="session")
def small_london(tmp_path_factory) -> tuple[Path, Path]:
    """A sources directory and its truth file (truth written outside the directory)."""
    root = tmp_path_factory.mktemp("synthetic")
    sources, truth = root / "sources", root / "truth.csv"
    generate(out_dir=sources, truth_path=truth, **SMALL)
    return sources, truth
