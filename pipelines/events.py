"""Journey events: validated source rows, linked to people, become anonymised events (SPEC section 4).

``build_journeys`` turns the validated source tables and the linkage result into two frames:
``people`` (one row per person, broad attributes only) and ``events`` (one row per dated event).
Nothing else about a person travels on: no name, date of birth, NI number or source identifier,
only the keyed ``person_key``. A source row whose record is not in ``links`` has no person and
gives no event.

How each source row becomes events:

| source table | field and value | event_type | event_date | borough | detail |
|---|---|---|---|---|---|
| chain_contacts | contact_type `bedded_down` | `seen_rough_sleeping` | contact_date | borough | |
| chain_contacts | contact_type `street_contact` | `street_contact` | contact_date | borough | |
| chain_contacts | contact_type `nsno_hub` | `nsno_arrival` | contact_date | borough | |
| chain_contacts | contact_type `assessment_hub` | `assessment_hub` | contact_date | borough | |
| chain_outcomes | outcome_type `hostel` | `hostel_entry` | outcome_date | borough | |
| chain_outcomes | outcome_type `temporary_accommodation` | `ta_start` | outcome_date | borough | |
| chain_outcomes | `supported_housing`, `housing_first`, `settled_prs`, `settled_social`, `reconnection_uk`, `reconnection_abroad`, `hospital`, `custody`, `died` | the same name | outcome_date | borough | |
| chain_outcomes | outcome_type `other` | no event: it names no state a journey can be in | | | |
| hclic_cases | approach_date | `hclic_approach` | approach_date | la_code | reason_loss_of_home |
| hclic_cases | prevention_start | `prevention_duty` | prevention_start | la_code | prevention_outcome |
| hclic_cases | relief_start | `relief_duty` | relief_start | la_code | relief_outcome |
| hclic_cases | main_duty_decision `accepted` | `main_duty_accepted` | relief_end, else approach_date (1) | la_code | |
| hclic_cases | ta_start / ta_end | `ta_start` / `ta_end` | ta_start / ta_end | la_code | |
| hclic_cases | prevention or relief outcome that secures accommodation | no event (2) | | | |
| inform_stays | move_in | `hostel_entry` | move_in | hostel_borough | |
| inform_stays | move_out | `hostel_exit` | move_out | hostel_borough | destination |
| inform_stays | destination `prs` / `social` / `housing_first` / `supported` | `settled_prs` / `settled_social` / `housing_first` / `supported_housing` | move_out | hostel_borough (3) | |
| inform_stays | destination `died` / `custody` / `hospital` (or, when the destination is missing or unknown, the same move_out_reason) | `died` / `custody` / `hospital` | move_out | hostel_borough (3) | |
| inform_stays | destination `street`, `family_friends`, `another_hostel`, `unknown` | nothing beyond `hostel_exit`: a return to the street counts only when outreach next sees the person bedded down | | | |

(1) The main housing duty is decided when the relief duty ends, so relief_end dates it; a case
with no relief end recorded falls back to the approach date, the only date every case has.
(2) H-CLIC does not say which tenure was secured, and the product will not invent one: a
settled event claims more than the record says. The person's accommodation, if they were
sleeping rough, is recorded by outreach (chain_outcomes) or the hostel (In-Form).
(3) The destination's borough is not recorded; the hostel's borough is the service that moved
the person on.

People (one row per ``person_key`` in ``links``):

- ``age_band``: age in completed years at the person's first event of any kind. The date of
  birth is the most common one across the person's records (ties: CHAIN, then H-CLIC, then
  In-Form, then the earliest date); without any date of birth, the smallest CHAIN
  ``approx_age`` (age at that record's first contact, so the smallest is nearest the first);
  otherwise ``unknown``.
- ``gender``, ``ethnic_group``, ``nationality_group``: the most common known value across the
  person's records (``unknown`` and empty do not count); ties go to the value from the first
  source in the order CHAIN, H-CLIC, In-Form, then alphabetically so reruns agree. Nationality
  is grouped (UK, EU/EEA, rest of world) before counting.
- support-need flags: true when any record names the need.
- history flags (armed forces, care leaver, prison): true when any CHAIN record says so.

Events are sorted by person, date and type; identical events (for instance the same contact
entered twice) are kept once.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from contract.periods import index_of, period_end, period_index, period_start, period_start_expr
from contract.reference import EU_EEA_CODES, UK_CODES, borough_codes
from contract.release import OTHER_SERVICES, SERVICES_SCHEMA
from metrics.journeys import (
    EVENTS_SCHEMA,
    HISTORY_FLAGS,
    PEOPLE_SCHEMA,
    SUPPORT_NEED_FLAGS,
    check_schema,
)
from pipelines.config import Service

CONTACT_EVENTS = {
    "bedded_down": "seen_rough_sleeping",
    "street_contact": "street_contact",
    "nsno_hub": "nsno_arrival",
    "assessment_hub": "assessment_hub",
}
OUTCOME_EVENTS = {
    "hostel": "hostel_entry",
    "supported_housing": "supported_housing",
    "temporary_accommodation": "ta_start",
    "housing_first": "housing_first",
    "settled_prs": "settled_prs",
    "settled_social": "settled_social",
    "reconnection_uk": "reconnection_uk",
    "reconnection_abroad": "reconnection_abroad",
    "hospital": "hospital",
    "custody": "custody",
    "died": "died",
}
DESTINATION_EVENTS = {
    "prs": "settled_prs",
    "social": "settled_social",
    "housing_first": "housing_first",
    "supported": "supported_housing",
    "died": "died",
    "custody": "custody",
    "hospital": "hospital",
}
MOVE_OUT_REASON_EVENTS = {"died": "died", "custody": "custody", "hospital": "hospital"}

SOURCE_ORDER = {"chain": 0, "hclic": 1, "inform": 2}

RECORD_SCHEMA: dict[str, pl.DataType] = {
    "person_key": pl.String(),
    "source_rank": pl.Int8(),
    "dob": pl.Date(),
    "approx_age": pl.Int64(),
    "gender": pl.String(),
    "ethnic_group": pl.String(),
    "nationality_group": pl.String(),
    **{flag: pl.Boolean() for flag in (*SUPPORT_NEED_FLAGS, *HISTORY_FLAGS)},
}

AGE_BAND_LIMITS = ((18, "under_18"), (26, "18_25"), (36, "26_35"), (46, "36_45"), (56, "46_55"))


def _column(
    frame: pl.DataFrame, name: str, dtype: type[pl.DataType] | pl.DataType = pl.String
) -> pl.Expr:
    """A column of the table, or nulls when an optional column is absent."""
    if name in frame.columns:
        # Not strict: validation has already blanked bad values; a stray one must not stop a run.
        return pl.col(name).cast(dtype, strict=False)
    return pl.lit(None, dtype=dtype)


def _record_ids() -> dict[str, tuple[str, pl.Expr]]:
    """Each table's source and the expression for its record id as ``links`` writes it."""
    return {
        "chain_people": ("chain", pl.col("chain_id").cast(pl.String)),
        "chain_contacts": ("chain", pl.col("chain_id").cast(pl.String)),
        "chain_outcomes": ("chain", pl.col("chain_id").cast(pl.String)),
        "hclic_cases": ("hclic", pl.concat_str(pl.col("la_code"), pl.lit("/"), pl.col("case_ref"))),
        "inform_stays": (
            "inform",
            pl.concat_str(pl.col("provider"), pl.lit("/"), pl.col("resident_id")),
        ),
    }


def _with_person(
    tables: dict[str, pl.DataFrame], links: pl.DataFrame, name: str
) -> pl.DataFrame | None:
    """The table's rows with their person_key; rows of unlinked records are left out."""
    frame = tables.get(name)
    if frame is None or frame.height == 0:
        return None
    source, record_id = _record_ids()[name]
    keys = links.filter(pl.col("source") == source).select(
        pl.col("source_record_id").cast(pl.String), pl.col("person_key")
    )
    return frame.with_columns(source_record_id=record_id).join(
        keys.unique("source_record_id"), on="source_record_id", how="inner"
    )


def _event_frame(
    frame: pl.DataFrame,
    *,
    event_date: pl.Expr,
    event_type: pl.Expr,
    borough: pl.Expr,
    source: str,
    detail: pl.Expr | None = None,
) -> pl.DataFrame:
    return frame.select(
        pl.col("person_key"),
        event_date.cast(pl.Date).alias("event_date"),
        event_type.cast(pl.String).alias("event_type"),
        borough.cast(pl.String).alias("borough"),
        pl.lit(source, dtype=pl.String).alias("source"),
        (detail if detail is not None else pl.lit(None)).cast(pl.String).alias("detail"),
    ).filter(pl.col("event_date").is_not_null() & pl.col("event_type").is_not_null())


def _chain_events(tables: dict[str, pl.DataFrame], links: pl.DataFrame) -> list[pl.DataFrame]:
    out = []
    contacts = _with_person(tables, links, "chain_contacts")
    if contacts is not None:
        out.append(
            _event_frame(
                contacts,
                event_date=pl.col("contact_date"),
                event_type=pl.col("contact_type").replace_strict(CONTACT_EVENTS, default=None),
                borough=pl.col("borough"),
                source="chain",
            )
        )
    outcomes = _with_person(tables, links, "chain_outcomes")
    if outcomes is not None:
        out.append(
            _event_frame(
                outcomes,
                event_date=pl.col("outcome_date"),
                # 'other' maps to no event (null type rows are dropped).
                event_type=pl.col("outcome_type").replace_strict(OUTCOME_EVENTS, default=None),
                borough=_column(outcomes, "borough"),
                source="chain",
            )
        )
    return out


def _hclic_events(tables: dict[str, pl.DataFrame], links: pl.DataFrame) -> list[pl.DataFrame]:
    cases = _with_person(tables, links, "hclic_cases")
    if cases is None:
        return []
    la = pl.col("la_code")

    def event(date_col: pl.Expr, event_type: str, detail: pl.Expr | None = None) -> pl.DataFrame:
        return _event_frame(
            cases,
            event_date=date_col,
            event_type=pl.lit(event_type),
            borough=la,
            source="hclic",
            detail=detail,
        )

    accepted = cases.filter(_column(cases, "main_duty_decision") == "accepted")
    return [
        event(pl.col("approach_date"), "hclic_approach", _column(cases, "reason_loss_of_home")),
        event(
            _column(cases, "prevention_start", pl.Date()),
            "prevention_duty",
            _column(cases, "prevention_outcome"),
        ),
        event(
            _column(cases, "relief_start", pl.Date()),
            "relief_duty",
            _column(cases, "relief_outcome"),
        ),
        _event_frame(
            accepted,
            event_date=pl.coalesce(
                _column(accepted, "relief_end", pl.Date()), pl.col("approach_date")
            ),
            event_type=pl.lit("main_duty_accepted"),
            borough=la,
            source="hclic",
        ),
        event(_column(cases, "ta_start", pl.Date()), "ta_start"),
        event(_column(cases, "ta_end", pl.Date()), "ta_end"),
    ]


def _inform_events(tables: dict[str, pl.DataFrame], links: pl.DataFrame) -> list[pl.DataFrame]:
    stays = _with_person(tables, links, "inform_stays")
    if stays is None:
        return []
    hostel = pl.col("hostel_borough")
    move_out = _column(stays, "move_out", pl.Date())
    destination = _column(stays, "destination")
    after_exit = pl.coalesce(
        destination.replace_strict(DESTINATION_EVENTS, default=None),
        # A missing or unknown destination still tells us a death, arrest or admission.
        pl.when(destination.is_null() | (destination == "unknown")).then(
            _column(stays, "move_out_reason").replace_strict(MOVE_OUT_REASON_EVENTS, default=None)
        ),
    )
    return [
        _event_frame(
            stays,
            event_date=pl.col("move_in"),
            event_type=pl.lit("hostel_entry"),
            borough=hostel,
            source="inform",
        ),
        _event_frame(
            stays,
            event_date=move_out,
            event_type=pl.lit("hostel_exit"),
            borough=hostel,
            source="inform",
            detail=destination,
        ),
        _event_frame(
            stays, event_date=move_out, event_type=after_exit, borough=hostel, source="inform"
        ),
    ]


def _nationality_group(code: pl.Expr) -> pl.Expr:
    """Broad nationality group, as ``contract.reference.nationality_group`` but as an expression."""
    return (
        pl.when(code.is_null() | code.is_in(["", "unknown"]))
        .then(pl.lit("unknown"))
        .when(code.is_in(sorted(UK_CODES)))
        .then(pl.lit("uk"))
        .when(code.is_in(sorted(EU_EEA_CODES)))
        .then(pl.lit("eu_eea"))
        .otherwise(pl.lit("rest_of_world"))
    )


def _person_records(tables: dict[str, pl.DataFrame], links: pl.DataFrame) -> pl.DataFrame:
    """One row per person-level source record with the attributes people are built from."""
    frames = []
    for name, source in (
        ("chain_people", "chain"),
        ("hclic_cases", "hclic"),
        ("inform_stays", "inform"),
    ):
        records = _with_person(tables, links, name)
        if records is None:
            continue
        needs = _column(records, "support_needs").str.split("|")
        frames.append(
            records.select(
                pl.col("person_key"),
                pl.lit(SOURCE_ORDER[source], dtype=pl.Int8).alias("source_rank"),
                _column(records, "dob", pl.Date()).alias("dob"),
                (
                    _column(records, "approx_age", pl.Int64())
                    if source == "chain"
                    else pl.lit(None, dtype=pl.Int64)
                ).alias("approx_age"),
                _column(records, "gender").alias("gender"),
                _column(records, "ethnicity").alias("ethnic_group"),
                _nationality_group(_column(records, "nationality")).alias("nationality_group"),
                *[
                    needs.list.contains(flag.removeprefix("need_")).fill_null(False).alias(flag)
                    for flag in SUPPORT_NEED_FLAGS
                ],
                *[
                    (
                        _column(records, flag, pl.Boolean())
                        if source == "chain"
                        else pl.lit(None, dtype=pl.Boolean)
                    )
                    .fill_null(False)
                    .alias(flag)
                    for flag in HISTORY_FLAGS
                ],
            )
        )
    if not frames:
        return pl.DataFrame(schema=RECORD_SCHEMA)
    return pl.concat(frames, how="vertical")


def _most_common(records: pl.DataFrame, column: str) -> pl.DataFrame:
    """Per person, the most common known value of a column (ties: source order, then value)."""
    known = records.filter(pl.col(column).is_not_null() & ~pl.col(column).is_in(["", "unknown"]))
    return (
        known.group_by("person_key", column)
        .agg(pl.len().alias("n"), pl.col("source_rank").min().alias("best_source"))
        .sort(["person_key", "n", "best_source", column], descending=[False, True, False, False])
        .group_by("person_key", maintain_order=True)
        .first()
        .select("person_key", column)
    )


def _age_band(age: pl.Expr) -> pl.Expr:
    expr = pl.when(age.is_null() | (age < 0)).then(pl.lit("unknown"))
    for limit, band in AGE_BAND_LIMITS:
        expr = expr.when(age < limit).then(pl.lit(band))
    return expr.otherwise(pl.lit("56_plus"))


def _completed_years(born: pl.Expr, on: pl.Expr) -> pl.Expr:
    had_birthday = (on.dt.month() > born.dt.month()) | (
        (on.dt.month() == born.dt.month()) & (on.dt.day() >= born.dt.day())
    )
    return (
        on.dt.year().cast(pl.Int64) - born.dt.year().cast(pl.Int64) - (~had_birthday).cast(pl.Int64)
    )


def _build_people(
    records: pl.DataFrame, person_keys: pl.Series, events: pl.DataFrame, extract_date: date
) -> pl.DataFrame:
    people = pl.DataFrame({"person_key": person_keys.unique().sort()})
    first_event = events.group_by("person_key").agg(pl.col("event_date").min().alias("first_date"))
    dob = (
        records.filter(pl.col("dob").is_not_null())
        .group_by("person_key", "dob")
        .agg(pl.len().alias("n"), pl.col("source_rank").min().alias("best_source"))
        .sort(["person_key", "n", "best_source", "dob"], descending=[False, True, False, False])
        .group_by("person_key", maintain_order=True)
        .first()
        .select("person_key", "dob")
    )
    approx_age = (
        records.filter(pl.col("approx_age").is_not_null())
        .group_by("person_key")
        .agg(pl.col("approx_age").min())
    )
    flags = records.group_by("person_key").agg(
        *[pl.col(flag).any() for flag in (*SUPPORT_NEED_FLAGS, *HISTORY_FLAGS)]
    )
    people = people.join(first_event, on="person_key", how="left")
    people = people.join(dob, on="person_key", how="left").join(
        approx_age, on="person_key", how="left"
    )
    for column in ("gender", "ethnic_group", "nationality_group"):
        people = people.join(_most_common(records, column), on="person_key", how="left")
    people = people.join(flags, on="person_key", how="left")
    # A person with no dated event is aged at the extract date, the last day we know of them.
    reference_day = pl.coalesce(pl.col("first_date"), pl.lit(extract_date, dtype=pl.Date))
    age = pl.coalesce(_completed_years(pl.col("dob"), reference_day), pl.col("approx_age"))
    return people.select(
        pl.col("person_key"),
        _age_band(age).alias("age_band"),
        pl.col("gender").fill_null("unknown"),
        pl.col("ethnic_group").fill_null("unknown"),
        pl.col("nationality_group").fill_null("unknown"),
        *[pl.col(flag).fill_null(False) for flag in (*SUPPORT_NEED_FLAGS, *HISTORY_FLAGS)],
    ).cast(PEOPLE_SCHEMA)


def build_journeys(
    tables: dict[str, pl.DataFrame], links: pl.DataFrame, extract_date: date
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Turn validated source tables and links into anonymised people and events.

    Args:
        tables: validated source tables by SPEC section 3 name; any may be absent.
        links: ``source``, ``source_record_id``, ``person_key`` from linkage.
        extract_date: the extract date; no event after it is kept.

    Returns:
        ``(people, events)`` with exactly ``PEOPLE_SCHEMA`` and ``EVENTS_SCHEMA``.

    Example:
        >>> contacts = pl.DataFrame({"chain_id": ["C1"], "contact_date": [date(2025, 1, 6)],
        ...     "borough": ["E09000033"], "contact_type": ["bedded_down"], "team": [None]})
        >>> links = pl.DataFrame({"source": ["chain"], "source_record_id": ["C1"],
        ...     "person_key": ["9f2c"]})
        >>> people, events = build_journeys({"chain_contacts": contacts}, links, date(2025, 3, 31))
        >>> events.select("person_key", "event_type", "borough").row(0)
        ('9f2c', 'seen_rough_sleeping', 'E09000033')
        >>> people.select("person_key", "age_band", "gender").row(0)
        ('9f2c', 'unknown', 'unknown')
    """
    links = links.select(
        pl.col("source").cast(pl.String),
        pl.col("source_record_id").cast(pl.String),
        pl.col("person_key").cast(pl.String),
    )
    parts = [
        *_chain_events(tables, links),
        *_hclic_events(tables, links),
        *_inform_events(tables, links),
    ]
    events = pl.concat(parts, how="vertical") if parts else pl.DataFrame(schema=EVENTS_SCHEMA)
    events = (
        events.filter(pl.col("event_date") <= extract_date)
        .unique()
        .sort(["person_key", "event_date", "event_type", "source", "borough", "detail"])
        .cast(EVENTS_SCHEMA)
    )
    people = _build_people(
        _person_records(tables, links), links["person_key"], events, extract_date
    )
    check_schema(people, PEOPLE_SCHEMA, "people")
    check_schema(events, EVENTS_SCHEMA, "events")
    return people, events


# --- the service directory -------------------------------------------------------------------


def _registered(
    frame: pl.DataFrame, kind: str, name: str, borough: str, register: tuple[Service, ...]
) -> pl.Expr:
    """The published name of each row's service: its name where the register holds it (for
    this borough), else "other ...". Free text from the source never gets through otherwise."""
    label = pl.lit(OTHER_SERVICES[kind], dtype=pl.String)
    for service in (s for s in register if s.kind == kind):
        here = pl.col(name) == service.name
        if service.boroughs:
            here = here & pl.col(borough).is_in(list(service.boroughs))
        label = pl.when(here.fill_null(False)).then(pl.lit(service.name)).otherwise(label)
    return label


def service_counts(
    tables: dict[str, pl.DataFrame],
    links: pl.DataFrame,
    register: tuple[Service, ...],
    first_day: date,
    extract_date: date,
) -> pl.DataFrame:
    """The service directory before disclosure control (``SERVICES_SCHEMA``): per borough and
    complete financial year (those starting on or after ``first_day`` and ending by
    ``extract_date``), the distinct people each outreach team saw bedded down in that borough,
    and the distinct people who stayed with each hostel provider in that borough (a stay counts
    in every year it overlaps). Names not in the register are counted under "other outreach teams" or "other
    hostel providers"; places outside the London boroughs are left out.

    >>> from pipelines.config import Service
    >>> contacts = pl.DataFrame({"chain_id": ["1", "2"], "contact_date": [date(2024, 5, 1)] * 2,
    ...     "borough": ["E09000007"] * 2, "contact_type": ["bedded_down"] * 2,
    ...     "team": ["Camden outreach team", "Street team X"]})
    >>> links = pl.DataFrame({"source": ["chain"] * 2, "source_record_id": ["1", "2"],
    ...     "person_key": ["a", "b"]})
    >>> register = (Service(kind="outreach", name="Camden outreach team"),)
    >>> service_counts({"chain_contacts": contacts}, links, register, date(2024, 4, 1),
    ...     date(2025, 3, 31)).select("service", "people").rows()
    [('Camden outreach team', 1), ('other outreach teams', 1)]
    """
    links = links.select(
        pl.col("source").cast(pl.String),
        pl.col("source_record_id").cast(pl.String),
        pl.col("person_key").cast(pl.String),
    )
    # whole financial years from the first day reported (as the metrics table's), to the extract
    first, last = index_of("fy", first_day), index_of("fy", extract_date)
    if period_start("fy", first) < first_day:
        first += 1
    first_day = period_start("fy", first)
    if period_end("fy", last) > extract_date:
        last -= 1  # a year is reported once it is complete, as in the metrics table
    last_day = period_end("fy", last)
    parts = []
    contacts = _with_person(tables, links, "chain_contacts")
    if contacts is not None:
        day = pl.col("contact_date").cast(pl.Date, strict=False)
        parts.append(
            contacts.filter(
                (pl.col("contact_type") == "bedded_down") & day.is_between(first_day, last_day)
            ).select(
                "person_key",
                fy=period_index("fy", day),
                geography_code=pl.col("borough").cast(pl.String),
                kind=pl.lit("outreach"),
                service=_registered(contacts, "outreach", "team", "borough", register),
            )
        )
    stays = _with_person(tables, links, "inform_stays")
    if stays is not None:
        move_in = pl.col("move_in").cast(pl.Date, strict=False)
        move_out = _column(stays, "move_out", pl.Date).fill_null(extract_date)
        parts.append(
            stays.filter(move_in.is_not_null() & (move_in <= last_day) & (move_out >= first_day))
            .select(
                "person_key",
                fy=pl.int_ranges(
                    period_index("fy", move_in).clip(first, last),
                    period_index("fy", move_out).clip(first, last) + 1,
                ),
                geography_code=pl.col("hostel_borough").cast(pl.String),
                kind=pl.lit("hostel"),
                service=_registered(stays, "hostel", "provider", "hostel_borough", register),
            )
            .explode("fy")
        )
    if not parts or first > last:
        return pl.DataFrame(schema=SERVICES_SCHEMA)
    rows = pl.concat([p.with_columns(pl.col("fy").cast(pl.Int64)) for p in parts])
    return (
        rows.filter(pl.col("geography_code").is_in(list(borough_codes())))
        .group_by("fy", "geography_code", "kind", "service")
        .agg(people=pl.col("person_key").n_unique().cast(pl.Int64))
        .select(
            period_type=pl.lit("fy"),
            period_start=period_start_expr("fy", pl.col("fy")),
            geography_code="geography_code",
            kind="kind",
            service="service",
            people="people",
            status=pl.lit("ok"),
        )
        .cast(SERVICES_SCHEMA)
        .sort(list(SERVICES_SCHEMA))
    )
