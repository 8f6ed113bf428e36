"""The settings the metrics read: each with its default and the reason for it.

One knob per rule, in the section of the stage that reads it: ``metrics`` (the counting metrics,
and the rules that the survival curves, pathways and comparisons share with them), ``survival``,
``pathways`` and ``comparisons``. ``AnalysisConfig`` holds the four; ``pipelines.config``
extends it with the secure zone's own sections into the one configuration a run reads, and
``pathways config --defaults`` lists every knob (``docs/config.md``).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Section(BaseModel):
    """A configuration section: unknown keys are refused, values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class MetricsConfig(Section):
    living_on_streets_min_days: int = Field(
        3, ge=1, description="Mayor's definition: seen on at least 3 separate days..."
    )
    living_on_streets_min_span_days: int = Field(
        21,
        ge=0,
        description="...within the period, the last at least 21 days after the first (a pattern "
        "over three weeks or more).",
    )
    p1_lookback_months: int = Field(
        60, ge=1, description="Data Framework P1: not seen in that borough in the previous 5 years."
    )
    p2_window_days: int = Field(
        85,
        ge=1,
        description="Data Framework P2: an institution exit within 85 days before first seen "
        "counts. The pathways' 'before' stage uses the same window for custody and hospital.",
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
        "12 months, so moves by people never on the street are not credited to rough sleeping "
        "work. One rule for moved_into_accommodation, sustainment and the return-to-street "
        "curves (whose clock starts at such a move), so the curves follow the people the "
        "metric counts.",
    )
    sustained_months: tuple[Literal[3, 6, 12], ...] = Field(
        (3, 6, 12),
        description="Follow-up windows reported for the sustainment shares: any of the registry's "
        "sustained_3m, sustained_6m and sustained_12m.",
    )
    prior_hclic_months: int = Field(
        12,
        ge=1,
        description="Missed prevention: an H-CLIC approach within 12 months before first seen. "
        "The pathways' 'before' stage uses the same window for the route in.",
    )
    sustained_grace_days: int = Field(
        14,
        ge=0,
        description="A bedded-down contact within 14 days of moving in is usually the same episode "
        "(a move that had not started yet, or a record entered late), not a return. One rule for "
        "sustainment and the return-to-street curves, so the shares agree with the curves.",
    )
    borough_breakdown_periods: tuple[Literal["month", "quarter", "fy"], ...] = Field(
        ("quarter", "fy"),
        description="Borough figures are broken down (age, gender, ethnic group, needs, first "
        "intervention) for these period types only: monthly borough groups are mostly too small "
        "to publish, and leaving them out keeps the table a sane size for a decade of data.",
    )
    history_months: int = Field(
        12,
        ge=0,
        description="The first 12 months of an extract are history, not reported: everyone seen in "
        "them would look new (no earlier record to be stock or a returner), so their figures would "
        "mislead. Periods starting before the first bedded-down contact plus 12 months are left "
        "out of the release.",
    )


class SurvivalConfig(Section):
    confidence_level: float = Field(
        0.95,
        gt=0.5,
        lt=1.0,
        description="Confidence level of survival bands and hazard ratio intervals; 95% is the "
        "convention readers expect.",
    )


class PathwayConfig(Section):
    first_response_days: int = Field(
        90,
        ge=1,
        description="A response within 90 days of first seen is the 'first response' stage.",
    )
    state_window_days: int = Field(
        90,
        ge=1,
        description="The 6- and 12-month states: being seen rough sleeping or an institution "
        "record says where someone is for 90 days; older than that, where they are is not known.",
    )
    top_paths: int = Field(
        10,
        ge=1,
        description="How many of the most common full paths to list per cohort and geography.",
    )


class CompareConfig(Section):
    min_group: int = Field(
        20,
        ge=2,
        description="A comparison is made only when each group has at least 20 people: smaller "
        "groups give intervals too wide to read and tests with little power.",
    )
    min_events: int = Field(
        5,
        ge=1,
        description="...and at least 5 returns to the street in each group, below which a hazard "
        "ratio cannot be estimated reliably.",
    )
    top_boroughs: int = Field(
        6,
        ge=0,
        description="Boroughs compared with the rest of London: the four pilots plus the 6 with "
        "the most moves into accommodation, keeping the number of models (and of chance "
        "findings) modest.",
    )
    reference_intervention: str = Field(
        "hostel",
        description="Each first intervention is compared with hostels, the most common route off "
        "the street, so every hazard ratio has the same familiar baseline.",
    )


class AnalysisConfig(Section):
    """The sections the metrics read; ``pipelines.config.PathwaysConfig`` adds the rest."""

    metrics: MetricsConfig = Field(
        MetricsConfig(), description="The counting metrics, and the rules shared with them."
    )
    survival: SurvivalConfig = Field(
        SurvivalConfig(), description="Returns to the street and time to accommodation."
    )
    pathways: PathwayConfig = Field(
        PathwayConfig(), description="Where each cohort came from and where it went."
    )
    comparisons: CompareConfig = Field(
        CompareConfig(), description="Comparisons of interventions and of boroughs."
    )
