"""Time the survival curves, pathways and comparisons at London scale.

``uv run python -m metrics._survival_bench [n_people]`` prints wall time and peak memory per
stage on random journeys (``metrics._survival_sample``), or pass your own events and people to
:func:`time_survival_stages`.
"""

from __future__ import annotations

import resource
import sys
import time
from datetime import date

import polars as pl

from metrics._survival_sample import sample_journeys
from metrics.compare import compute_comparisons
from metrics.config import AnalysisConfig
from metrics.pathways import compute_pathways
from metrics.survival import compute_survival


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def time_survival_stages(
    events: pl.DataFrame,
    people: pl.DataFrame,
    extract_date: date,
    config: AnalysisConfig | None = None,
) -> list[dict]:
    """Run each stage once; one row per stage with seconds, output rows and peak memory (MB)."""
    config = config or AnalysisConfig()
    results = []
    for name, stage in (
        ("survival curves", compute_survival),
        ("pathways", compute_pathways),
        ("comparisons", compute_comparisons),
    ):
        start = time.perf_counter()
        out = stage(events, people, config, extract_date)
        seconds = time.perf_counter() - start
        rows = out.height if isinstance(out, pl.DataFrame) else sum(f.height for f in out)
        results.append(
            {"stage": name, "seconds": round(seconds, 2), "rows": rows, "peak_mb": _peak_mb()}
        )
    return results


def main(argv: list[str]) -> None:
    n_people = int(argv[0]) if argv else 100_000
    start = time.perf_counter()
    events, people = sample_journeys(n_people=n_people)
    print(
        f"{people.height:,} people, {events.height:,} events "
        f"(drawn in {time.perf_counter() - start:.1f} s)"
    )
    table = pl.DataFrame(time_survival_stages(events, people, date(2025, 3, 31)))
    print(table)
    print(f"total {table['seconds'].sum():.1f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
