"""The settings the metrics read: each with its default and the reason for it.

One knob per rule, in the section of the stage that reads it: ``metrics`` (the counting metrics,
and the rules that the survival curves, pathways and comparisons share with them), ``survival``,
``pathways`` and ``comparisons``. ``AnalysisConfig`` holds the four; ``pipelines.config``
extends it with the secure zone's own sections into the one configuration a run reads, and
``pathways config --defaults`` lists every knob (``docs/config.md``).
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from contract.reference import borough_codes


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


# The kinds of first intervention a pilot can be (``metrics.breakdowns.FIRST_INTERVENTION_GROUPS``
# of the accommodation events): a pilot is evaluated on the people whose first move was of its kind.
INTERVENTION_KINDS = (
    "hostel",
    "temporary_accommodation",
    "supported_housing",
    "housing_first",
    "settled",
)
# A pilot's optional target group: people with one of the recorded support needs.
TARGET_GROUPS = ("mental_health", "alcohol", "drugs", "physical_health", "learning_disability")
_MONTH = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")
_PILOT_ID = re.compile(r"[a-z0-9][a-z0-9-]{1,47}")


class Pilot(Section):
    """One pilot in the register: where, what, from when, for whom (``[[evaluation.pilots]]`` in TOML)."""

    id: str = Field(description="A short name used in the release, e.g. camden-housing-first.")
    borough: str = Field(description="The pilot borough's ONS code, e.g. E09000007 (Camden).")
    intervention: str = Field(description="The kind of first intervention the pilot offers.")
    start: str = Field(description="The first month of the pilot, YYYY-MM.")
    end: str | None = Field(
        None, description="The last month of the pilot, YYYY-MM; none: ongoing."
    )
    target_group: str | None = Field(
        None, description="People with this support need only (e.g. mental_health); none: all."
    )
    description: str = Field("", max_length=200, description="One or two plain sentences.")

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not _PILOT_ID.fullmatch(value):
            raise ValueError(
                f"{value!r} is not a pilot id: use 2 to 48 lower-case letters, digits and hyphens"
            )
        return value

    @field_validator("borough")
    @classmethod
    def _borough(cls, value: str) -> str:
        if value not in borough_codes():
            raise ValueError(f"{value!r} is not the ONS code of a London borough (E09000001 to 33)")
        return value

    @field_validator("intervention")
    @classmethod
    def _intervention(cls, value: str) -> str:
        if value not in INTERVENTION_KINDS:
            raise ValueError(f"{value!r} is not one of {', '.join(INTERVENTION_KINDS)}")
        return value

    @field_validator("target_group")
    @classmethod
    def _target(cls, value: str | None) -> str | None:
        if value is not None and value not in TARGET_GROUPS:
            raise ValueError(f"{value!r} is not one of {', '.join(TARGET_GROUPS)}")
        return value

    @field_validator("start", "end")
    @classmethod
    def _month(cls, value: str | None) -> str | None:
        if value is not None and not _MONTH.fullmatch(value):
            raise ValueError(f"{value!r} is not a month written YYYY-MM")
        return value

    @model_validator(mode="after")
    def _order(self) -> Pilot:
        if self.end is not None and self.end < self.start:
            raise ValueError(
                f"the pilot {self.id} ends ({self.end}) before it starts ({self.start})"
            )
        return self


class EvaluationConfig(Section):
    before_quarters: int = Field(
        6,
        ge=2,
        description="Before and after: the pilot borough's outcomes in the 6 quarters before the "
        "start are its baseline (enough quarters to see a trend, few enough to be recent).",
    )
    after_quarters: int = Field(
        8,
        ge=1,
        description="...and in at most 8 quarters from the start (or to the pilot's end).",
    )
    min_placebo_boroughs: int = Field(
        10,
        ge=5,
        description="The before-and-after interval comes from the other boroughs' chance changes; "
        "with fewer than 10 boroughs whose figures are published it is not drawn.",
    )
    pre_trend_alert: float = Field(
        0.1,
        gt=0.0,
        lt=1.0,
        description="Warn that the comparison may be unfair when the pilot borough was already "
        "drifting from London before the start by more than the other boroughs' drifts make "
        "likely by chance (p below 0.1).",
    )
    stated_effect_points: float = Field(
        5.0,
        gt=0.0,
        description="Small-number honesty: before and after, a change under 5 percentage points "
        "is the smallest worth detecting; when the design could not detect it at 80% power, "
        "the page says the pilot is too small instead of drawing an interval.",
    )
    stated_hazard_ratio: float = Field(
        0.7,
        gt=0.0,
        lt=1.0,
        description="...and for people in the pilot against similar people, a 30% lower hazard of "
        "returning (hazard ratio 0.7) is the smallest effect worth detecting.",
    )
    power: float = Field(
        0.8, gt=0.5, lt=1.0, description="The power the minimum detectable effect is worked at."
    )
    min_group: int = Field(
        20,
        ge=10,
        description="People in the pilot against similar people: each side needs at least 20 "
        "people (and the disclosure threshold) before anything is estimated.",
    )
    pilots: tuple[Pilot, ...] = Field(
        (),
        description="The pilot register ([[evaluation.pilots]] in TOML): each pilot's id, "
        "borough, intervention, start, optional end, target group and description. Empty by "
        "default: no pilot is evaluated unless it is registered.",
    )

    @model_validator(mode="after")
    def _unique_pilots(self) -> EvaluationConfig:
        ids = [p.id for p in self.pilots]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise ValueError(f"the pilot id {twice[0]} is registered twice")
        return self


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
    evaluation: EvaluationConfig = Field(
        EvaluationConfig(), description="Evaluating the pilots in the register."
    )
