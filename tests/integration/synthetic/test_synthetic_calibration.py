"""A fifth-scale synthetic London has the shape of London's published 2023/24 figures.

Shares (not absolute counts) are compared with CALIBRATION.md, computed on true people so
linkage plays no part, for an extract starting four years before the year and one starting
eight years before (the figures must not depend on the start). The full-scale table is quoted
in the generator's documentation.
"""

from __future__ import annotations

import pytest

from pipelines.synthetic import calibration_figures, calibration_table, generate

SCALE = 0.2  # large enough that a few hundred returners make a stable share


@pytest.fixture(scope="module", params=["2019-04", "2015-04"])
def figures(request, tmp_path_factory):
    root = tmp_path_factory.mktemp("calibration")
    generate(root / "s", SCALE, request.param, "2025-03", seed=11, truth_path=root / "truth.csv")
    return calibration_figures(root / "s", root / "truth.csv", fy=2023), (
        root / "s",
        root / "truth.csv",
    )


@pytest.mark.parametrize(
    ("measure", "target"),
    [
        ("new_single_night_share", 0.70),
        ("nationality_uk_share", 0.45),
        ("nationality_eu_share", 0.25),
        ("nationality_rest_share", 0.30),
        ("male_share", 0.84),
        ("age_26_55_share", 0.79),
        ("westminster_share", 2_102 / 11_993),
        ("mental_health_share", 0.48),
        ("hostel_within_year_share", 1 / 3),
        ("nsno_not_returned_share", 0.87),
        ("p2_left_institution_share", 0.10),
        ("asylum_support_share_of_new", 0.17),
        ("prior_hclic_share_of_new", 0.25),
    ],
)
def test_profile_shares_are_within_15_percent(figures, measure, target):
    got = figures[0][measure]
    assert abs(got - target) / target <= 0.15, f"{measure}: {got:.3f} vs {target:.3f}"


@pytest.mark.parametrize(
    ("part", "target"),
    [("flow_new", 7_974 / 11_993), ("stock", 0.20), ("returner", 0.14)],
)
def test_flow_stock_and_returners_split_the_year_as_published(figures, part, target):
    f = figures[0]
    assert f["flow_new"] + f["stock"] + f["returner"] == f["seen_rough_sleeping"]
    share = f[part] / f["seen_rough_sleeping"]
    assert abs(share - target) / target <= 0.15, f"{part}: {share:.3f} vs {target:.3f}"


def test_volume_scales_with_scale(figures):
    got = figures[0]["seen_rough_sleeping"]
    assert abs(got - 11_993 * SCALE) / (11_993 * SCALE) <= 0.15


def test_calibration_table_reports_target_achieved_and_error(figures):
    table = calibration_table(*figures[1], scale=SCALE)
    assert table.columns == ["measure", "basis", "target", "achieved", "relative_error"]
    row = table.filter(table["measure"] == "seen_rough_sleeping").row(0, named=True)
    goal = 11_993 * SCALE
    assert row["target"] == pytest.approx(goal)
    assert row["relative_error"] == pytest.approx((row["achieved"] - goal) / goal, abs=1e-3)
