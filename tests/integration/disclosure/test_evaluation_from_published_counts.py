"""The pilot evaluation in the pipeline's own release: the register travels with it, each pilot is
evaluated, and the table passes the final disclosure check. (That before and after is worked out
from the published metrics alone is tested in tests/unit/disclosure/test_evaluation_disclosure.py:
at the session's small scale every borough's quarterly outcome is suppressed.)"""

from __future__ import annotations

import pytest

from contract.release import open_release
from pipelines.config import DisclosureConfig
from pipelines.disclosure import release_problems


@pytest.fixture(scope="module")
def release(release_dir):
    return open_release(release_dir)


def test_the_release_carries_its_pilot_register_and_an_evaluation_of_each(release):
    registered = {p.id for p in release.manifest.pilots}
    assert registered == {"camden-housing-first", "lambeth-supported-housing"}
    assert set(release.evaluation["pilot_id"]) == registered
    assert set(release.evaluation["design"]) == {"before_after", "weighted"}


def test_the_evaluation_table_passes_the_final_check(release):
    tables = {name: release.table(name) for name in release.manifest.tables}
    problems = [p for p in release_problems(tables, DisclosureConfig()) if "evaluation" in p]
    assert problems == []
