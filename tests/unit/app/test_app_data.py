"""The data layer enforces each role's scope, whatever a page asks for."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from app.auth import Role
from app.charts.common import Words
from app.data import (
    HEADLINE_METRICS,
    OVERVIEW_METRICS,
    ScopedRelease,
    ScopeError,
    disclosure_rules,
    extract_date,
    load_release,
)
from contract.errors import PathwaysError
from contract.reference import borough_codes

LONDON, CAMDEN, WESTMINSTER = "E12000007", "E09000007", "E09000033"


def scoped(release, role: str):
    refusals = []
    return ScopedRelease(release, Role.parse(role), lambda m, d: refusals.append((m, d))), refusals


def test_london_sees_everything_but_nationality_by_place(release):
    r, _ = scoped(release, "london")
    every = r.metrics(breakdown=None)
    assert every.height == release.metrics.height  # the fixture holds no borough nationality
    assert set(every["geography_code"]) == {LONDON, *borough_codes()}
    assert r.survival().height == release.survival.height
    assert r.comparisons().height == release.comparisons.height


def test_nationality_is_never_returned_for_a_borough(release):
    leaked = pl.DataFrame(
        {
            "metric_id": ["seen_rough_sleeping"], "period_type": ["fy"],
            "period_start": [date(2024, 4, 1)], "geography_type": ["borough"],
            "geography_code": [WESTMINSTER], "breakdown": ["nationality_group=eu_eea"],
            "value": [100.0], "numerator": [100], "denominator": [None], "status": ["ok"],
        },
        schema=release.metrics.schema,
    )  # fmt: skip
    # a release whose metrics table (as read, after its hash was checked) holds the leak
    tampered = type(release)(release.release_dir, release.manifest)
    tampered.__dict__["_tables"] = {
        **release.__dict__["_tables"],
        "metrics": pl.concat([release.metrics, leaked]),
    }
    r, _ = scoped(tampered, "london")
    rows = r.metrics(breakdown="nationality_group")
    assert set(rows["geography_code"]) == {LONDON}


def test_borough_lead_sees_own_detail_and_other_boroughs_totals_only(release):
    r, refusals = scoped(release, f"borough:{CAMDEN}")
    rows = r.metrics(breakdown=None)
    detail = rows.filter(pl.col("breakdown") != "all")
    assert set(detail["geography_code"]) == {LONDON, CAMDEN}
    assert set(rows["geography_code"]) == {LONDON, *borough_codes()}
    assert (
        r.borough_totals("seen_rough_sleeping")
        .filter(pl.col("geography_code") == WESTMINSTER)
        .height
        == 36
    )
    with pytest.raises(ScopeError, match="published totals only"):
        r.metrics(geographies=WESTMINSTER, breakdown="age_band")
    with pytest.raises(ScopeError, match="Westminster"):
        r.survival(geographies=WESTMINSTER)
    with pytest.raises(ScopeError):
        r.pathways(WESTMINSTER)
    with pytest.raises(ScopeError):
        r.require_detail(WESTMINSTER, "the borough snapshot")
    assert len(refusals) == 4
    assert refusals[0][1]["role"] == f"borough:{CAMDEN}"
    assert set(r.survival()["geography_code"]) <= {LONDON, CAMDEN}
    assert set(r.pathways()["geography_code"]) == {LONDON, CAMDEN}


def test_borough_lead_sees_no_comparison_naming_another_borough(release):
    r, _ = scoped(release, f"borough:{CAMDEN}")
    groups = set(r.comparisons()["group_a"]) | set(r.comparisons()["group_b"])
    assert f"borough={CAMDEN}" in groups
    assert "borough=E09000022" not in groups  # Lambeth's comparison is hidden from Camden
    london, _ = scoped(release, "london")
    assert "borough=E09000022" in set(london.comparisons()["group_a"])  # it is in the release


def test_overview_sees_monthly_london_headlines_only(release):
    r, refusals = scoped(release, "overview")
    rows = r.metrics()
    # the headline counts and one measure for each Life off the Streets aim
    assert set(rows["metric_id"]) == set(OVERVIEW_METRICS)
    assert set(rows["metric_id"]) == {*HEADLINE_METRICS, "new_single_night", "living_on_streets",
                                      "nr1_returning"}  # fmt: skip
    assert set(rows["period_type"]) == {"month"}
    assert set(rows["geography_code"]) == {LONDON}
    for ask in (
        dict(metric_ids="b1_long_term"),
        dict(period_type="fy"),
        dict(geographies=CAMDEN),
        dict(breakdown="age_band"),
    ):
        with pytest.raises(ScopeError):
            r.metrics(**ask)
    for table in (r.survival, r.pathways, r.paths, r.comparisons):
        with pytest.raises(ScopeError):
            table()
    with pytest.raises(ScopeError):
        r.borough_totals("seen_rough_sleeping")
    assert len(refusals) == 9


def test_admin_holds_no_data(release):
    r, refusals = scoped(release, "admin")
    with pytest.raises(ScopeError, match="no data"):
        r.metrics()
    with pytest.raises(ScopeError):
        r.survival()
    assert r.manifest.release_id and r.manifest.synthetic  # the manifest is open to all
    assert len(refusals) == 2


def test_manifest_words_reach_the_pages(release):
    manifest = release.manifest
    assert manifest.synthetic is True
    assert extract_date(manifest).isoformat() == "2025-04-30"
    assert Words(manifest).definition("flow_new").version == "2026.1"
    assert "never been seen" in Words(manifest).definition("flow_new").definition
    assert "nearest 5" in disclosure_rules(release)


def test_an_altered_table_is_refused(release_dir, tmp_path):
    import shutil

    copy = tmp_path / "release"
    shutil.copytree(release_dir, copy)
    frame = pl.read_parquet(copy / "metrics.parquet")
    frame.with_columns(pl.col("value") + 1).write_parquet(copy / "metrics.parquet")
    with pytest.raises(PathwaysError, match="changed after"):
        load_release(copy)
    with pytest.raises(PathwaysError, match="No release found"):
        load_release(tmp_path)
