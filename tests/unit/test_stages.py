import numpy as np

from pipelines.commands.timer import StageTimer


def test_each_stage_is_timed_and_its_peak_memory_seen():
    timer = StageTimer()
    timer.run("small", lambda: sum(range(10)))
    big = timer.run("allocates 200 MB", lambda: np.ones(25_000_000))
    assert big.sum() == 25_000_000
    assert [r.stage for r in timer.records] == ["small", "allocates 200 MB"]
    assert timer.records[1].peak_bytes >= timer.records[0].peak_bytes + 150e6
    assert "allocates 200 MB" in timer.table()
