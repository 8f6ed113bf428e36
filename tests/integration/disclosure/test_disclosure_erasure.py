"""The erasure diff: erase one person, rebuild the release from the same extract, compare.

For 30 people drawn at random from a synthetic London, each erased in turn, the published figures
that change are counted, and no change may tie a borough to a nationality group: a release never
publishes that combination, so no diff between two releases may reveal it either.
"""

from __future__ import annotations

import json

import numpy as np
import polars as pl
import pytest
from support import erasure

LONDON = "E12000007"
PEOPLE = 30

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def erasures(pipeline_run):
    _, work, release = pipeline_run
    manifest = json.loads((release / "manifest.json").read_text())
    period = manifest["data_period"]
    start, end = (pl.Series([period[k]]).str.to_date()[0] for k in ("start", "end"))
    events = pl.read_parquet(work / "events.parquet")
    people = pl.read_parquet(work / "people.parquet")
    before = erasure.protected_tables(events, people, end, start)
    seen = events.filter(pl.col("event_type") == "seen_rough_sleeping")["person_key"].unique()
    drawn = np.random.default_rng(14).choice(seen.sort().to_numpy(), PEOPLE, replace=False)
    diffs = []
    for key in drawn:
        after = erasure.protected_tables(
            events.filter(pl.col("person_key") != key),
            people.filter(pl.col("person_key") != key),
            end,
            start,
        )
        diffs.append(erasure.changed_rows(before, after))
    print(f"\npublished rows (quality table aside): {sum(t.height for t in before.values())}")
    return diffs


def test_an_erasure_diff_never_ties_a_borough_to_a_nationality_group(erasures):
    changed = [d.filter(pl.col("side") == "before").height for d in erasures]
    print(f"\npublished rows changed by erasing one person: {sorted(changed)}")
    # How often a same-extract diff narrows a person to one borough and one nationality group
    # (see docs/disclosure.md, Erasure: a real erasure never comes alone like this).
    pinned = 0
    for diff in erasures:
        boroughs = set(diff.filter(pl.col("place") != LONDON)["place"].drop_nulls())
        groups = set(diff.filter(pl.col("group").str.starts_with("nationality_group="))["group"])
        pinned += len(boroughs) == 1 and len(groups) == 1
    print(f"diffs naming exactly one borough and one nationality group: {pinned} of {PEOPLE}")
    for diff in erasures:
        nationality = diff.filter(pl.col("group").str.contains("nationality"))
        assert (nationality["place"] == LONDON).all()
        # No single changed figure is about a borough and a nationality group at once.
        assert diff.filter(
            pl.col("group").str.contains("nationality") & (pl.col("place") != LONDON)
        ).is_empty()


def test_most_erasures_change_few_published_figures(erasures):
    # Rounding absorbs one person in most figures they were counted in.
    changed = sorted(d.filter(pl.col("side") == "before").height for d in erasures)
    assert changed[len(changed) // 2] < 200
