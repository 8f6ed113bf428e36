"""The minimum dataset v1 (SPEC section 3): every table's columns, and the sources manifest.

Each column has a kind that says how its cells are read and checked:

- ``text``: free text or an identifier, kept as given (spaces trimmed).
- ``code``: one of a fixed list of codes (matched without regard to case).
- ``borough``: an ONS London borough code, ``E09000001`` to ``E09000033``.
- ``nationality``: an ISO 3166-1 alpha-3 code, or ``unknown``.
- ``support_needs``: ``|``-separated support-need codes.
- ``date``: an ISO date, ``YYYY-MM-DD``.
- ``dob``: a date of birth (a date that must also be a possible birth date).
- ``age``: an approximate age in whole years.
- ``boolean``: yes or no (``true/false``, ``1/0``, ``yes/no``, ``y/n``, any case).
- ``ni_number``: a UK National Insurance number.

A problem in a required column quarantines the row; a problem in an optional column blanks the
value and is counted, because the rest of the row is still worth having.

The column ``ethnicity`` (SPEC section 3: "optional column on every person-level table") sits
after ``gender`` in each person-level table.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator

from pipelines.reference import (
    CONTACT_TYPES,
    DESTINATIONS,
    ETHNIC_GROUPS,
    GENDERS,
    LAWFUL_BASES,
    MAIN_DUTY_DECISIONS,
    MOVE_OUT_REASONS,
    OUTCOME_TYPES,
    PREVENTION_OUTCOMES,
    REASONS_LOSS_OF_HOME,
    RELIEF_OUTCOMES,
    SPECIAL_CATEGORY_CONDITIONS,
    SUPPORT_NEEDS,
)

Kind = Literal[
    "text",
    "code",
    "borough",
    "nationality",
    "support_needs",
    "date",
    "dob",
    "age",
    "boolean",
    "ni_number",
]

SourceName = Literal["chain", "hclic", "inform"]

# ISO 3166-1 alpha-3, all 249 officially assigned codes, plus XKX (Kosovo, user-assigned but in
# wide use) and XXA (stateless person, ICAO 9303), both of which outreach records meet.
ISO_ALPHA3 = frozenset(
    """AFG ALA ALB DZA ASM AND AGO AIA ATA ATG ARG ARM ABW AUS AUT AZE BHS BHR BGD BRB BLR BEL BLZ
    BEN BMU BTN BOL BES BIH BWA BVT BRA IOT BRN BGR BFA BDI CPV KHM CMR CAN CYM CAF TCD CHL CHN CXR
    CCK COL COM COG COD COK CRI CIV HRV CUB CUW CYP CZE DNK DJI DMA DOM ECU EGY SLV GNQ ERI EST SWZ
    ETH FLK FRO FJI FIN FRA GUF PYF ATF GAB GMB GEO DEU GHA GIB GRC GRL GRD GLP GUM GTM GGY GIN GNB
    GUY HTI HMD VAT HND HKG HUN ISL IND IDN IRN IRQ IRL IMN ISR ITA JAM JPN JEY JOR KAZ KEN KIR PRK
    KOR KWT KGZ LAO LVA LBN LSO LBR LBY LIE LTU LUX MAC MDG MWI MYS MDV MLI MLT MHL MTQ MRT MUS MYT
    MEX FSM MDA MCO MNG MNE MSR MAR MOZ MMR NAM NRU NPL NLD NCL NZL NIC NER NGA NIU NFK MKD MNP NOR
    OMN PAK PLW PSE PAN PNG PRY PER PHL PCN POL PRT PRI QAT REU ROU RUS RWA BLM SHN KNA LCA MAF SPM
    VCT WSM SMR STP SAU SEN SRB SYC SLE SGP SXM SVK SVN SLB SOM ZAF SGS SSD ESP LKA SDN SUR SJM SWE
    CHE SYR TWN TJK TZA THA TLS TGO TKL TON TTO TUN TUR TKM TCA TUV UGA UKR ARE GBR USA UMI URY UZB
    VUT VEN VNM VGB VIR WLF ESH YEM ZMB ZWE XKX XXA""".split()  # noqa: SIM905
)

TRUE_WORDS = ("true", "1", "yes", "y")
FALSE_WORDS = ("false", "0", "no", "n")

# Impossible dates of birth: before this year, or an age above MAX_AGE at the extract date.
EARLIEST_BIRTH_YEAR = 1900
MAX_AGE = 110


@dataclass(frozen=True)
class Column:
    """One column of the minimum dataset."""

    name: str
    kind: Kind = "text"
    required: bool = False
    codes: tuple[str, ...] = ()

    @property
    def dtype_name(self) -> str:
        """The type of the column in a validated table: Date, Boolean or String."""
        if self.kind in ("date", "dob"):
            return "Date"
        if self.kind == "boolean":
            return "Boolean"
        return "String"


@dataclass(frozen=True)
class TableSpec:
    """One table of the minimum dataset: its columns in SPEC order and its unique key."""

    name: str
    source: SourceName
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    # Rows must name a person (chain_id) among the accepted rows of this table.
    person_table: str | None = None

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


def _req(name: str, kind: Kind = "text", codes: tuple[str, ...] = ()) -> Column:
    return Column(name, kind, required=True, codes=codes)


def _opt(name: str, kind: Kind = "text", codes: tuple[str, ...] = ()) -> Column:
    return Column(name, kind, required=False, codes=codes)


CHAIN_PEOPLE = TableSpec(
    name="chain_people",
    source="chain",
    key=("chain_id",),
    columns=(
        _req("chain_id"),
        _opt("first_name"),
        _opt("last_name"),
        _opt("known_as"),
        _opt("dob", "dob"),
        _opt("approx_age", "age"),
        _opt("gender", "code", GENDERS),
        _opt("ethnicity", "code", ETHNIC_GROUPS),
        _opt("nationality", "nationality"),
        _opt("support_needs", "support_needs"),
        _opt("ni_number", "ni_number"),
        _opt("armed_forces", "boolean"),
        _opt("care_leaver", "boolean"),
        _opt("prison_history", "boolean"),
    ),
)

CHAIN_CONTACTS = TableSpec(
    name="chain_contacts",
    source="chain",
    person_table="chain_people",
    columns=(
        _req("chain_id"),
        _req("contact_date", "date"),
        _req("borough", "borough"),
        _req("contact_type", "code", CONTACT_TYPES),
        _opt("team"),
    ),
)

CHAIN_OUTCOMES = TableSpec(
    name="chain_outcomes",
    source="chain",
    person_table="chain_people",
    columns=(
        _req("chain_id"),
        _req("outcome_date", "date"),
        _req("outcome_type", "code", OUTCOME_TYPES),
        _opt("borough", "borough"),
    ),
)

# The identity columns H-CLIC and In-Form share, in SPEC order (CHAIN adds aliases and ages).
_IDENTITY_COLUMNS = (
    _opt("first_name"),
    _opt("last_name"),
    _opt("dob", "dob"),
    _opt("gender", "code", GENDERS),
    _opt("ethnicity", "code", ETHNIC_GROUPS),
    _opt("nationality", "nationality"),
    _opt("ni_number", "ni_number"),
)

HCLIC_CASES = TableSpec(
    name="hclic_cases",
    source="hclic",
    key=("la_code", "case_ref"),
    columns=(
        _req("la_code", "borough"),
        _req("case_ref"),
        *_IDENTITY_COLUMNS,
        _req("approach_date", "date"),
        _opt("prevention_start", "date"),
        _opt("prevention_end", "date"),
        _opt("prevention_outcome", "code", PREVENTION_OUTCOMES),
        _opt("relief_start", "date"),
        _opt("relief_end", "date"),
        _opt("relief_outcome", "code", RELIEF_OUTCOMES),
        _opt("main_duty_decision", "code", MAIN_DUTY_DECISIONS),
        _opt("ta_start", "date"),
        _opt("ta_end", "date"),
        _opt("rough_sleeping_at_approach", "boolean"),
        _opt("history_of_rough_sleeping", "boolean"),
        _opt("support_needs", "support_needs"),
        _opt("reason_loss_of_home", "code", REASONS_LOSS_OF_HOME),
    ),
)

INFORM_STAYS = TableSpec(
    name="inform_stays",
    source="inform",
    key=("provider", "resident_id"),
    columns=(
        _req("provider"),
        _req("resident_id"),
        *_IDENTITY_COLUMNS,
        _req("hostel_borough", "borough"),
        _req("move_in", "date"),
        _opt("move_out", "date"),
        _opt("move_out_reason", "code", MOVE_OUT_REASONS),
        _opt("destination", "code", DESTINATIONS),
    ),
)

# In dependency order: chain_people comes before the tables whose rows must name a person in it.
TABLES: dict[str, TableSpec] = {
    t.name: t for t in (CHAIN_PEOPLE, CHAIN_CONTACTS, CHAIN_OUTCOMES, HCLIC_CASES, INFORM_STAYS)
}
REQUIRED_FOR_RUN = ("chain_people", "chain_contacts")
SUPPORT_NEED_CODES = SUPPORT_NEEDS


class SourceManifest(BaseModel):
    """What a provider says about one source's extract."""

    model_config = ConfigDict(extra="allow", frozen=True)

    provider: str | None = Field(None, description="Who sent the extract.")
    extract_date: dt.date | None = Field(
        None, description="The day the extract was taken; defaults to the manifest's own date."
    )
    lawful_basis: str | None = Field(
        None, description="The lawful basis for processing: a code from LAWFUL_BASES."
    )
    special_category_condition: str | None = Field(
        None, description="The Article 9 condition: a code from SPECIAL_CATEGORY_CONDITIONS."
    )

    @field_validator("extract_date", mode="before")
    @classmethod
    def _iso_date(cls, value: object) -> object:
        return _iso_date(value)

    @field_validator("lawful_basis")
    @classmethod
    def _known_basis(cls, value: str | None) -> str | None:
        return _one_of(value, LAWFUL_BASES, "lawful basis")

    @field_validator("special_category_condition")
    @classmethod
    def _known_condition(cls, value: str | None) -> str | None:
        return _one_of(value, SPECIAL_CATEGORY_CONDITIONS, "special category condition")


def _one_of(value: str | None, allowed: dict[str, str], what: str) -> str | None:
    if value is not None and value not in allowed:
        raise ValueError(f"{value!r} is not a {what}; use one of {', '.join(allowed)}")
    return value


class SourcesManifest(BaseModel):
    """``manifest.json`` of a sources directory (SPEC section 3)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    extract_date: dt.date = Field(description="The day the extracts were taken.")
    sources: dict[SourceName, SourceManifest] = Field(default_factory=dict)
    synthetic: StrictBool = Field(
        default=False,
        description="True only for generated data; a JSON true or false, never text or a number.",
    )

    @field_validator("extract_date", mode="before")
    @classmethod
    def _iso_date(cls, value: object) -> object:
        return _iso_date(value)

    def extract_date_for(self, source: SourceName) -> dt.date:
        """The extract date of one source: its own when the manifest gives one, else the top one."""
        own = self.sources.get(source)
        return own.extract_date if own and own.extract_date else self.extract_date


def _iso_date(value: object) -> object:
    # Only ISO text dates: pydantic would otherwise take a number as a Unix timestamp.
    if value is None or isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        raise ValueError("must be a date written YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"{value!r} is not a date written YYYY-MM-DD") from None
