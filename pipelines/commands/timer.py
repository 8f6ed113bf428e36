"""Wall time and peak memory per pipeline stage, for the run summary and ``pathways bench``.

Peak memory is the process's resident set size sampled every 20 ms while a stage runs: Polars,
DuckDB and Splink allocate outside Python's heap, so tracemalloc would not see most of it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from pipelines import progress

T = TypeVar("T")


def resident_bytes() -> int:
    """This process's resident set size now (Linux), 0 where /proc is unavailable."""
    try:
        with open("/proc/self/statm", encoding="ascii") as f:
            pages = int(f.read().split()[1])
    except OSError:
        return 0
    import resource

    return pages * resource.getpagesize()


class _PeakSampler:
    def __init__(self, interval: float = 0.02) -> None:
        self.interval = interval
        self.peak = resident_bytes()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.peak = max(self.peak, resident_bytes())

    def __enter__(self) -> _PeakSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, resident_bytes())


@dataclass
class StageRecord:
    stage: str
    seconds: float
    peak_bytes: int


@dataclass
class StageTimer:
    """Runs stages one after another and records each one's wall time and peak memory."""

    records: list[StageRecord] = field(default_factory=list)

    def run(self, stage: str, fn: Callable[[], T]) -> T:
        progress.step(stage)
        started = time.perf_counter()
        with _PeakSampler() as sampler:
            result = fn()
        record = StageRecord(stage, time.perf_counter() - started, sampler.peak)
        self.records.append(record)
        progress.detail(
            f"{stage} took {record.seconds:.1f} s, peak {record.peak_bytes / 1e6:,.0f} MB"
        )
        return result

    def to_dict(self) -> list[dict[str, object]]:
        """Each stage's seconds and peak memory, for ``--json``."""
        return [
            {"stage": r.stage, "seconds": round(r.seconds, 3), "peak_mb": round(r.peak_bytes / 1e6)}
            for r in self.records
        ]

    @property
    def total_seconds(self) -> float:
        return sum(r.seconds for r in self.records)

    def table(self) -> str:
        lines = [f"{'stage':<24}{'seconds':>10}{'peak MB':>10}"]
        for r in self.records:
            lines.append(f"{r.stage:<24}{r.seconds:>10.1f}{r.peak_bytes / 1e6:>10.0f}")
        lines.append(f"{'total':<24}{self.total_seconds:>10.1f}")
        return "\n".join(lines)
