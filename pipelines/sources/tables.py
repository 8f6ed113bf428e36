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

from contract.reference import (
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

# No value of the minimum dataset is near this long (names, codes, team names); a longer one is a
# damaged or wrongly exported file, and its row is quarantined rather than carried into linkage.
MAX_VALUE_CHARS = 10_000


@dataclass(frozen=True)
class Column:
    """One column of the minimum dataset."""

    name: str
    kind: Kind = "text"
    required: bool = False
    codes: tuple[str, ...] = ()
    about: str = ""  # what the column holds, for the minimum dataset document

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
    about: str = ""  # what one row is, for the minimum dataset document

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


def _req(name: str, kind: Kind = "text", codes: tuple[str, ...] = (), about: str = "") -> Column:
    return Column(name, kind, required=True, codes=codes, about=about)


def _opt(name: str, kind: Kind = "text", codes: tuple[str, ...] = (), about: str = "") -> Column:
    return Column(name, kind, required=False, codes=codes, about=about)


CHAIN_PEOPLE = TableSpec(
    name="chain_people",
    about="Street outreach (CHAIN): one row per outreach record; one person may have several.",
    source="chain",
    key=("chain_id",),
    columns=(
        _req("chain_id", about="The CHAIN record's identifier."),
        _opt("first_name", about="Given name as recorded."),
        _opt("last_name", about="Family name as recorded."),
        _opt("known_as", about="A nickname or alias the person uses."),
        _opt("dob", "dob", about="Date of birth."),
        _opt(
            "approx_age", "age", about="Age at first contact, when the date of birth is not known."
        ),
        _opt("gender", "code", GENDERS, about="Gender."),
        _opt("ethnicity", "code", ETHNIC_GROUPS, about="ONS 2021 high-level ethnic group."),
        _opt("nationality", "nationality", about="Nationality."),
        _opt("support_needs", "support_needs", about="Support needs."),
        _opt("ni_number", "ni_number", about="National Insurance number."),
        _opt("armed_forces", "boolean", about="Has served in the armed forces."),
        _opt("care_leaver", "boolean", about="Has been in local authority care."),
        _opt("prison_history", "boolean", about="Has been in prison."),
    ),
)

CHAIN_CONTACTS = TableSpec(
    name="chain_contacts",
    about="Street outreach (CHAIN): one row per contact with a person.",
    source="chain",
    person_table="chain_people",
    columns=(
        _req("chain_id", about="The CHAIN record's identifier."),
        _req("contact_date", "date", about="Day of the contact."),
        _req("borough", "borough", about="Borough where the contact took place."),
        _req(
            "contact_type",
            "code",
            CONTACT_TYPES,
            about="bedded_down: seen sleeping rough; street_contact: met on the street; nsno_hub and assessment_hub: seen at a hub.",
        ),
        _opt("team", about="Outreach team."),
    ),
)

CHAIN_OUTCOMES = TableSpec(
    name="chain_outcomes",
    about="Street outreach (CHAIN): one row per outcome recorded for a person.",
    source="chain",
    person_table="chain_people",
    columns=(
        _req("chain_id", about="The CHAIN record's identifier."),
        _req("outcome_date", "date", about="Day of the outcome."),
        _req("outcome_type", "code", OUTCOME_TYPES, about="Where the person went."),
        _opt("borough", "borough", about="Borough of the outcome."),
    ),
)

# The identity columns H-CLIC and In-Form share, in SPEC order (CHAIN adds aliases and ages).
_IDENTITY_COLUMNS = (
    _opt("first_name", about="Given name as recorded."),
    _opt("last_name", about="Family name as recorded."),
    _opt("dob", "dob", about="Date of birth."),
    _opt("gender", "code", GENDERS, about="Gender."),
    _opt("ethnicity", "code", ETHNIC_GROUPS, about="ONS 2021 high-level ethnic group."),
    _opt("nationality", "nationality", about="Nationality."),
    _opt("ni_number", "ni_number", about="National Insurance number."),
)

HCLIC_CASES = TableSpec(
    name="hclic_cases",
    about="Statutory homelessness (H-CLIC): one row per household case.",
    source="hclic",
    key=("la_code", "case_ref"),
    columns=(
        _req("la_code", "borough", about="The local authority that holds the case."),
        _req("case_ref", about="The case reference, unique within the local authority."),
        *_IDENTITY_COLUMNS,
        _req("approach_date", "date", about="Day the household approached the council."),
        _opt("prevention_start", "date", about="Start of the prevention duty."),
        _opt("prevention_end", "date", about="End of the prevention duty."),
        _opt(
            "prevention_outcome",
            "code",
            PREVENTION_OUTCOMES,
            about="How the prevention duty ended.",
        ),
        _opt("relief_start", "date", about="Start of the relief duty."),
        _opt("relief_end", "date", about="End of the relief duty."),
        _opt("relief_outcome", "code", RELIEF_OUTCOMES, about="How the relief duty ended."),
        _opt(
            "main_duty_decision",
            "code",
            MAIN_DUTY_DECISIONS,
            about="Decision on the main housing duty.",
        ),
        _opt("ta_start", "date", about="Move into temporary accommodation."),
        _opt("ta_end", "date", about="Move out of temporary accommodation."),
        _opt("rough_sleeping_at_approach", "boolean", about="Sleeping rough when they approached."),
        _opt("history_of_rough_sleeping", "boolean", about="Has slept rough before."),
        _opt("support_needs", "support_needs", about="Support needs."),
        _opt(
            "reason_loss_of_home",
            "code",
            REASONS_LOSS_OF_HOME,
            about="Main reason for the loss of the last settled home.",
        ),
    ),
)

INFORM_STAYS = TableSpec(
    name="inform_stays",
    about="Hostels (In-Form): one row per stay.",
    source="inform",
    key=("provider", "resident_id"),
    columns=(
        _req("provider", about="The hostel provider."),
        _req("resident_id", about="The resident's identifier, unique within the provider."),
        *_IDENTITY_COLUMNS,
        _req("hostel_borough", "borough", about="Borough of the hostel."),
        _req("move_in", "date", about="Day the stay began."),
        _opt("move_out", "date", about="Day the stay ended; empty while the person is resident."),
        _opt("move_out_reason", "code", MOVE_OUT_REASONS, about="Why the stay ended."),
        _opt("destination", "code", DESTINATIONS, about="Where the person went on leaving."),
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
