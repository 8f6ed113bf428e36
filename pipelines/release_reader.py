"""Reads a release directory (SPEC section 6). The only pipeline module the app may import.

A release holds aggregates that passed disclosure control and nothing else. This module checks
the manifest's table hashes before handing any table over, so the app never shows a table that
was altered after the run. It imports nothing from the secure zone (the architecture contract
in pyproject.toml enforces it).
"""

from __future__ import annotations

import polars as pl

LONDON_CODE = "E12000007"

STATUSES = ("ok", "suppressed", "incomplete_follow_up")

METRICS_SCHEMA: dict[str, pl.DataType] = {
    "metric_id": pl.String(),
    "period_type": pl.String(),  # month | quarter | fy
    "period_start": pl.Date(),
    "geography_type": pl.String(),  # london | borough
    "geography_code": pl.String(),  # E12000007 for London, E09... for boroughs
    "breakdown": pl.String(),  # "all" or "name=value"
    "value": pl.Float64(),
    "numerator": pl.Int64(),
    "denominator": pl.Int64(),
    "status": pl.String(),
}

SURVIVAL_SCHEMA: dict[str, pl.DataType] = {
    "curve_id": pl.String(),
    "geography_code": pl.String(),
    "group": pl.String(),
    "t_days": pl.Int64(),
    "estimate": pl.Float64(),
    "ci_lower": pl.Float64(),
    "ci_upper": pl.Float64(),
    "at_risk": pl.Int64(),
    "status": pl.String(),
}

PATHWAYS_SCHEMA: dict[str, pl.DataType] = {
    "cohort_period": pl.String(),
    "geography_code": pl.String(),
    "stage_from": pl.String(),
    "state_from": pl.String(),
    "stage_to": pl.String(),
    "state_to": pl.String(),
    "count": pl.Int64(),
    "status": pl.String(),
}

COMPARISONS_SCHEMA: dict[str, pl.DataType] = {
    "comparison_id": pl.String(),
    "group_a": pl.String(),
    "group_b": pl.String(),
    "statistic": pl.String(),
    "value": pl.Float64(),
    "ci_lower": pl.Float64(),
    "ci_upper": pl.Float64(),
    "p_value": pl.Float64(),
    "n_a": pl.Int64(),
    "n_b": pl.Int64(),
}

RELEASE_TABLES = ("metrics", "survival", "pathways", "comparisons", "quality")
