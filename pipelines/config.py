"""Every default a data protection lead or an analyst might question, in one place, with its reason.

A run reads an optional JSON or TOML file (``--config``) whose keys mirror these models; anything
not given keeps the default below. Floors that protect people (the disclosure threshold) are
enforced here, so no configuration file can weaken them.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ValidationConfig(_Section):
    max_quarantine_fraction: float = Field(
        0.05,
        ge=0.0,
        le=1.0,
        description="A run fails when more than this share of a table is quarantined: beyond it the "
        "extract is more likely broken than noisy, and metrics built on it would mislead.",
    )


class LinkageConfig(_Section):
    engine: str = Field(
        "duckdb",
        description="Splink backend. DuckDB (embedded) fits London on one machine; 'spark' is the "
        "optional extra for national volumes.",
    )
    match_threshold: float = Field(
        0.90,
        gt=0.0,
        lt=1.0,
        description="Match probability at or above which two records are clustered as one person. "
        "Chosen on synthetic London for pairwise F1; a false link merges two lives, a missed link "
        "splits one, so the threshold balances both.",
    )
    max_pairs_for_u: float = Field(
        2e6,
        description="Random record pairs sampled to estimate u-probabilities.",
    )


class MetricsConfig(_Section):
    living_on_streets_min_days: int = Field(
        3, ge=1, description="Mayor's definition: seen on at least 3 separate days..."
    )
    living_on_streets_min_span_days: int = Field(
        21, ge=0, description="...spanning at least 21 days within the period."
    )
    p1_lookback_months: int = Field(
        60, ge=1, description="Data Framework P1: not seen in that borough in the previous 5 years."
    )
    p2_window_days: int = Field(
        85,
        ge=1,
        description="Data Framework P2: an institution exit within 85 days before first seen counts.",
    )
    b1_lookback_months: int = Field(
        12, ge=1, description="Data Framework B1: look back over the previous 12 months..."
    )
    b1_min_months: int = Field(
        3, ge=1, description="...and count as long-term when seen in at least 3 of them."
    )
    nr1_gap_months: int = Field(
        3, ge=1, description="Data Framework NR1: returning after at least 3 months unseen."
    )
    moved_in_lookback_months: int = Field(
        12,
        ge=1,
        description="An accommodation move counts for people seen rough sleeping in the previous "
        "12 months, so moves by people never on the street are not credited to rough sleeping work.",
    )
    sustained_months: tuple[int, ...] = Field(
        (3, 6, 12), description="Follow-up windows for the sustainment shares."
    )
    prior_hclic_months: int = Field(
        12,
        ge=1,
        description="Missed prevention: an H-CLIC approach within 12 months before first seen.",
    )


class SurvivalConfig(_Section):
    grace_days: int = Field(
        14,
        ge=0,
        description="A bedded-down contact within 14 days of moving in is usually the same episode "
        "(a move that had not started yet, or a record entered late), not a return.",
    )
    report_days: tuple[int, ...] = Field(
        (90, 180, 365, 730), description="Days at which survival estimates are reported."
    )
    first_response_days: int = Field(
        90,
        ge=1,
        description="Pathways: a response within 90 days of first seen is 'first response'.",
    )


class DisclosureConfig(_Section):
    threshold: int = Field(
        10,
        description="ONS 10-5 rule: counts below 10 are suppressed. Configurable, never below 5.",
    )
    rounding_base: int = Field(
        5, ge=1, description="ONS 10-5 rule: counts at or above the threshold rounded to nearest 5."
    )
    min_rate_denominator: int = Field(
        10, description="Rates and percentages only where the denominator is at least 10."
    )
    survival_min_at_risk: int = Field(
        10, description="Survival curves stop once fewer than 10 people remain at risk."
    )
    survival_min_leavers: int = Field(
        10,
        description="Survival steps are merged until at least 10 people left the risk set, so a "
        "single event or censoring cannot be read from a step.",
    )
    survival_time_step_days: int = Field(
        7,
        ge=1,
        description="Survival times are reported in whole weeks (each step ends on a week "
        "boundary), so no step names the exact day on which someone returned to the street.",
    )

    @model_validator(mode="after")
    def _floors(self) -> DisclosureConfig:
        floor = 5
        for name in (
            "threshold",
            "min_rate_denominator",
            "survival_min_at_risk",
            "survival_min_leavers",
        ):
            if getattr(self, name) < floor:
                raise ValueError(f"disclosure.{name} may not be set below {floor}")
        return self


class PathwaysConfig(_Section):
    validation: ValidationConfig = ValidationConfig()
    linkage: LinkageConfig = LinkageConfig()
    metrics: MetricsConfig = MetricsConfig()
    survival: SurvivalConfig = SurvivalConfig()
    disclosure: DisclosureConfig = DisclosureConfig()


def load_config(path: Path | str | None = None) -> PathwaysConfig:
    """Read a configuration file (JSON or TOML); None gives the defaults."""
    if path is None:
        return PathwaysConfig()
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    data = tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
    return PathwaysConfig.model_validate(data)
