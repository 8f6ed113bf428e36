"""Every default a data protection lead or an analyst might question, in one place, with its reason.

A run reads an optional JSON or TOML file (``--config``) whose keys mirror these models; anything
not given keeps the default below. Floors that protect people (the disclosure threshold) are
enforced here, so no configuration file can weaken them.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from pipelines.errors import ConfigError, first_problem


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ValidationConfig(_Section):
    earliest_event_date: dt.date = Field(
        dt.date(2000, 1, 1),
        description="Event dates (contacts, outcomes, approaches, stays) before this day are "
        "implausible for these records and are quarantined (a required date) or blanked (an "
        "optional one): one contact dated 1900 would add a century of empty months to the "
        "metrics and turn its person from new into a returner. The extract date is the other "
        "bound.",
    )
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
        0.60,
        gt=0.0,
        lt=1.0,
        description="Match probability at or above which two records are linked as one person "
        "(strongest links first, never across contradicting NI numbers, dates of birth or "
        "genders unless the model's own scores outvote them). Chosen across labelled data: on "
        "synthetic London (seeds 1, 3 and 7) pairwise F1 is flat between 0.6 and 0.8 (0.944 to "
        "0.953); where evidence is thin the model is under-confident, and 0.6 does better: "
        "FEBRL 3 0.992 against 0.990 at 0.8, synthetic London with place and time left out "
        "(use_context false) 0.890 against 0.851. Below 0.6 synthetic London loses precision "
        "faster than it gains recall.",
    )
    max_pairs_for_u: float = Field(
        4e6,
        description="At most this many random record pairs are sampled to estimate "
        "u-probabilities: ten per record, at least a million (the rarest agreements, a swapped "
        "full name, about 1 in 100,000 pairs, are then seen about ten times). They are sampled "
        "once per model version (code and this configuration) and kept in the work directory.",
    )
    use_context: bool = Field(
        True,
        description="Weigh where and when records place a person (a borough in common, dates of "
        "activity close together) besides names, dates of birth and NI numbers. It tells apart "
        "namesakes whom identity fields cannot, but it favours links between records close in "
        "place and time, so a returner after years away is a little likelier to be split.",
    )
    sure_rules_recall: float = Field(
        0.6,
        gt=0.0,
        le=1.0,
        description="Share of true record pairs found by the near-certain rules (same NI number, "
        "or same full name and date of birth), used to estimate how often two random records "
        "are one person. An assumption: street records often lack NI numbers and exact dates.",
    )


class MetricsConfig(_Section):
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
    sustained_months: tuple[Literal[3, 6, 12], ...] = Field(
        (3, 6, 12),
        description="Follow-up windows reported for the sustainment shares: any of the registry's "
        "sustained_3m, sustained_6m and sustained_12m.",
    )
    prior_hclic_months: int = Field(
        12,
        ge=1,
        description="Missed prevention: an H-CLIC approach within 12 months before first seen.",
    )
    sustained_grace_days: int = Field(
        14,
        ge=0,
        description="Sustainment ignores a bedded-down contact within 14 days of moving in, as the "
        "return-to-street curves do: it is usually the same episode (a move that had not started "
        "yet, or a record entered late), and the shares then agree with the curves.",
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
    moved_in_lookback_months: int = Field(
        12,
        ge=1,
        description="The return-to-street clock starts at a move into accommodation by someone seen "
        "rough sleeping in the previous 12 months, the same rule as moved_into_accommodation, so "
        "the curves follow the people that metric counts.",
    )
    confidence_level: float = Field(
        0.95,
        gt=0.5,
        lt=1.0,
        description="Confidence level of survival bands and hazard ratio intervals; 95% is the "
        "convention readers expect.",
    )
    pathway_hclic_months: int = Field(
        12,
        ge=0,
        description="Pathways 'before' stage: an H-CLIC approach up to 12 months before first seen "
        "is the route in, the same window as prior_hclic_approach (missed prevention).",
    )
    pathway_institution_days: int = Field(
        85,
        ge=0,
        description="Pathways 'before' stage: a custody or hospital record up to 85 days before "
        "first seen counts as leaving an institution, the Data Framework P2 window.",
    )
    pathway_state_window_days: int = Field(
        90,
        ge=1,
        description="Pathways 6- and 12-month states: being seen rough sleeping or an institution "
        "record says where someone is for 90 days; older than that, where they are is not known.",
    )
    pathway_top_paths: int = Field(
        10,
        ge=1,
        description="How many of the most common full paths to list per cohort and geography.",
    )
    compare_min_group: int = Field(
        20,
        ge=2,
        description="A comparison is made only when each group has at least 20 people: smaller "
        "groups give intervals too wide to read and tests with little power.",
    )
    compare_min_events: int = Field(
        5,
        ge=1,
        description="...and at least 5 returns to the street in each group, below which a hazard "
        "ratio cannot be estimated reliably.",
    )
    compare_top_boroughs: int = Field(
        6,
        ge=0,
        description="Boroughs compared with the rest of London: the four pilots plus the 6 with "
        "the most moves into accommodation, keeping the number of models (and of chance "
        "findings) modest.",
    )
    compare_reference_intervention: str = Field(
        "hostel",
        description="Each first intervention is compared with hostels, the most common route off "
        "the street, so every hazard ratio has the same familiar baseline.",
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
        30,
        ge=1,
        description="Survival curves are published on fixed 30-day intervals (merged where an "
        "interval holds a small number), so no step names the day someone returned or died.",
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


# "linkage:" or "engine: spark" at the start of the first line that is not a comment.
_YAML_LINE = re.compile(r"^(?:\s*(?:#[^\n]*)?\n)*\s*[A-Za-z_][\w.]*:(?:\s|$)")
_EXAMPLE = (
    'for example {"disclosure": {"threshold": 10}} in JSON, or [disclosure] threshold = 10 in TOML'
)


def load_config(path: Path | str | None = None) -> PathwaysConfig:
    """Read a configuration file (JSON, or TOML when it ends in ``.toml``); None gives the defaults.

    Raises:
        ConfigError: in one line naming the file, when it is missing, not UTF-8, YAML, not valid
            JSON or TOML, or gives a key or value the configuration does not allow.
    """
    if path is None:
        return PathwaysConfig()
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"The configuration file {path} does not exist.")
    if path.suffix.lower() in (".yaml", ".yml"):
        raise ConfigError(
            f"{path.name} is YAML, which Pathways does not read; write it as JSON or TOML ({_EXAMPLE})."
        )
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{path.name} is not UTF-8 text.") from None
    try:
        data = tomllib.loads(text) if path.suffix.lower() == ".toml" else json.loads(text)
    except json.JSONDecodeError as e:
        if _YAML_LINE.match(text):
            raise ConfigError(
                f"{path.name} is written in YAML, which Pathways does not read; write it as JSON "
                f"or TOML ({_EXAMPLE})."
            ) from None
        raise ConfigError(
            f"{path.name} is not valid JSON (line {e.lineno}, column {e.colno}: {e.msg}); "
            f"name the file .toml for TOML ({_EXAMPLE})."
        ) from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path.name} is not valid TOML: {e}.") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path.name} must hold an object of sections ({_EXAMPLE}).")
    try:
        return PathwaysConfig.model_validate(data)
    except ValidationError as e:
        where, message, kind = first_problem(e)
        if kind == "extra_forbidden":
            message = f"{where} is not a setting Pathways knows"
        elif not message.startswith(where):  # a floor's own message already names its setting
            message = f"{where}: {message[:1].lower()}{message[1:]}"
        more = len(e.errors()) - 1
        tail = f" (and {more} more)" if more else ""
        raise ConfigError(f"{path.name}: {message}{tail}.") from None
