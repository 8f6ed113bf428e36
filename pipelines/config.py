"""Every default a data protection lead or an analyst might question, each with its reason.

A run reads an optional JSON or TOML file (``--config``) whose keys mirror these models; anything
not given keeps its default. The secure zone's sections are here, the metrics' own in
``metrics.config``; ``pathways config --defaults`` (and ``docs/config.md``, generated from it)
lists them all. Floors that protect people (the disclosure threshold) are enforced here, so no
configuration file can weaken them.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, model_validator

from contract.errors import ConfigError, first_problem
from contract.reference import borough_codes
from contract.release import SERVICE_NAME
from metrics.config import AnalysisConfig, Pilot, Section


class ValidationConfig(Section):
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


class LinkageConfig(Section):
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


class DisclosureConfig(Section):
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
    survival_max_interval_days: int = Field(
        180,
        ge=1,
        description="A competing-risks curve stops where its deaths cannot be hidden in an "
        "interval of at most 180 days: a longer interval is too coarse to recompute the curve from "
        "its published counts within its own confidence band.",
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


class MapConfig(Section):
    style: Literal["boundaries", "tiles"] = Field(
        "boundaries",
        description="How the chart pack's borough map is drawn: the real borough outlines "
        "shipped with Pathways (OS / ONS boundary data, Open Government Licence), or 'tiles', "
        "one equal square per borough, where the City of London is as visible as Bromley. The "
        "dashboard's map follows PATHWAYS_MAP_STYLE.",
    )


class Service(Section):
    """One service of the register (``[[services.directory]]`` in TOML): an outreach team or a
    hostel provider whose name may be published. A name the sources give that is not here is
    counted under "other outreach teams" or "other hostel providers"."""

    kind: Literal["outreach", "hostel"] = Field(
        description="outreach (a CHAIN team) or hostel (an In-Form provider)."
    )
    name: str = Field(description="The name exactly as the source writes it, e.g. SHP.")
    boroughs: tuple[str, ...] = Field(
        (), description="ONS codes of the boroughs it is named in; none: every borough."
    )

    @model_validator(mode="after")
    def _plain(self) -> Service:
        if not SERVICE_NAME.fullmatch(self.name):
            raise ValueError(
                f"{self.name!r} is not a service name: up to 80 letters, digits, spaces and "
                "& ' . , ( ) / -, not starting with 'other'"
            )
        unknown = sorted(set(self.boroughs) - set(borough_codes()))
        if unknown:
            raise ValueError(f"{unknown[0]!r} is not the ONS code of a London borough")
        return self


class ServicesConfig(Section):
    directory: tuple[Service, ...] = Field(
        (),
        description="The service register ([[services.directory]] in TOML): the outreach teams "
        "and hostel providers whose names the service directory may publish. Empty by default: "
        "every team and provider is counted under 'other', as the sources' names are free text.",
    )


class PathwaysConfig(AnalysisConfig):
    """The one configuration a run reads: the metrics' sections (``metrics.config``) and these."""

    validation: ValidationConfig = Field(
        ValidationConfig(), description="Accepting or quarantining each row of the sources."
    )
    linkage: LinkageConfig = Field(
        LinkageConfig(), description="Linking records about the same person."
    )
    disclosure: DisclosureConfig = Field(
        DisclosureConfig(), description="Disclosure control of every published number."
    )
    services: ServicesConfig = Field(
        ServicesConfig(), description="The service directory's register of names."
    )
    map: MapConfig = Field(MapConfig(), description="The chart pack's borough map.")


# The sections in the order the data flows through them (how they are listed and documented).
SECTIONS = (
    "validation", "linkage", "metrics", "survival", "pathways", "comparisons", "evaluation",
    "services", "disclosure", "map",
)  # fmt: skip
DOCUMENT = Path(__file__).resolve().parents[1] / "docs" / "config.md"


# Keys that moved when each rule got one knob in the section of the stage that reads it: an old
# configuration file naming one is refused with the new name (``pipelines.config.load_config``).
MOVED_KEYS: dict[str, str | None] = {
    "survival.grace_days": "metrics.sustained_grace_days",
    "survival.moved_in_lookback_months": "metrics.moved_in_lookback_months",
    "survival.pathway_hclic_months": "metrics.prior_hclic_months",
    "survival.pathway_institution_days": "metrics.p2_window_days",
    "survival.first_response_days": "pathways.first_response_days",
    "survival.pathway_state_window_days": "pathways.state_window_days",
    "survival.pathway_top_paths": "pathways.top_paths",
    "survival.compare_min_group": "comparisons.min_group",
    "survival.compare_min_events": "comparisons.min_events",
    "survival.compare_top_boroughs": "comparisons.top_boroughs",
    "survival.compare_reference_intervention": "comparisons.reference_intervention",
    "survival.report_days": None,  # read by nothing: the dashboard reads contract.curves.REPORT_DAYS
}


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
    _refuse_moved_keys(path.name, data)
    try:
        return PathwaysConfig.model_validate(data)
    except ValidationError as e:
        where, message, kind = first_problem(e)
        # A pilot of the register is named by its place in the file, counting from 1.
        where = re.sub(r"pilots\.(\d+)", lambda m: f"pilots[{int(m[1]) + 1}]", where)
        if kind == "extra_forbidden":
            message = f"{where} is not a setting Pathways knows"
        elif not message.startswith(where):  # a floor's own message already names its setting
            message = f"{where}: {message[:1].lower()}{message[1:]}"
        more = len(e.errors()) - 1
        tail = f" (and {more} more)" if more else ""
        raise ConfigError(f"{path.name}: {message}{tail}.") from None


def _refuse_moved_keys(name: str, data: dict) -> None:
    """A key of an older configuration that moved or went: one line naming where it is now."""
    for old, new in MOVED_KEYS.items():
        section, key = old.split(".")
        given = data.get(section)
        if isinstance(given, dict) and key in given:
            now = (
                f"is now {new}: set it there (one setting per rule, in the section that reads it)"
                if new
                else "is no longer a setting: nothing read it"
            )
            raise ConfigError(f"{name}: {old} {now}.")


def defaults() -> dict[str, dict[str, dict[str, object]]]:
    """Every setting by section, in flow order: its default (as a config file writes it) and reason.

    >>> defaults()["disclosure"]["threshold"]["default"]
    10
    """
    return {
        section: {
            name: {
                "default": json.loads(json.dumps(field.default, default=str)),
                "reason": field.description,
            }
            for name, field in _section(section).model_fields.items()
        }  # fmt: skip
        for section in SECTIONS
    }


def defaults_reference() -> str:
    """``docs/config.md`` and ``pathways config --defaults``: every setting, default and reason."""
    lines = [
        "# Settings: every default and its reason",
        "",
        "Generated from the configuration's own models by `pathways config --defaults` (or",
        "`python -m pipelines.config`); edit the models in `pipelines/config.py` and",
        "`metrics/config.py`, not this file.",
        "",
        "A run reads an optional `--config FILE`: JSON, or TOML when the name ends in `.toml`. Its",
        "sections and keys are the ones below; anything not given keeps its default, and a key",
        "Pathways does not know is refused in one line. For example, in TOML:",
        "",
        "```toml",
        "[disclosure]",
        "threshold = 10",
        "",
        "[metrics]",
        "sustained_grace_days = 14",
        "```",
        "",
        "Each rule has one setting, in the section of the stage that reads it. Disclosure",
        "settings have a floor no file can go below.",
        "",
        "The pilot register, `evaluation.pilots`, is a list, empty by default (`docs/evaluation.md` says how each pilot",
        "is evaluated):",
        "",
        "```toml",
        "[[evaluation.pilots]]",
        'id = "camden-housing-first"',
        'borough = "E09000007"',
        'intervention = "housing_first"',
        'start = "2023-04"',
        'description = "Housing First for people with a long history of rough sleeping."',
        "```",
        "",
        "| pilot field | meaning |",
        "|---|---|",
        *(f"| `{name}` | {field.description} |" for name, field in Pilot.model_fields.items()),
        "",
        "The service register, `services.directory`, names the outreach teams and hostel",
        "providers the service directory may publish, exactly as the sources write them; every",
        "other name is counted under 'other'. Empty by default:",
        "",
        "```toml",
        "[[services.directory]]",
        'kind = "outreach"',
        'name = "Camden outreach team"',
        'boroughs = ["E09000007"]',
        "```",
        "",
        "| service field | meaning |",
        "|---|---|",
        *(f"| `{name}` | {field.description} |" for name, field in Service.model_fields.items()),
    ]
    for section, settings in defaults().items():
        reason = str(PathwaysConfig.model_fields[section].description).rstrip(".")
        lines += [
            "",
            f"## `{section}`: {reason}",
            "",
            "| setting | default | reason |",
            "|---|---|---|",
        ]
        for name, setting in settings.items():
            default = json.dumps(setting["default"])
            lines.append(f"| `{section}.{name}` | `{default}` | {setting['reason']} |")
    return "\n".join(lines) + "\n"


def _section(name: str) -> type[Section]:
    annotation = PathwaysConfig.model_fields[name].annotation
    assert isinstance(annotation, type) and issubclass(annotation, Section)
    return annotation


if __name__ == "__main__":
    DOCUMENT.write_text(defaults_reference(), encoding="utf-8")
    print(f"Wrote {DOCUMENT}")
