"""Turn simulated journeys into the rows each data controller would hold (SPEC section 3).

Dates are drawn inside each simulated month; identities are written with the noise of each
source (aliases, missing dates of birth, transliterations, swaps, typos, duplicate CHAIN
records). Only rows dated from ``start`` to the extract date are kept.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from contract.reference import (
    DESTINATIONS,
    EU_EEA_CODES,
    GENDERS,
    MOVE_OUT_REASONS,
    REASONS_LOSS_OF_HOME,
)
from pipelines.synthetic import simulate as sim
from pipelines.synthetic.assumptions import Assumptions
from pipelines.synthetic.names import (
    CULTURE_OF_COUNTRY,
    POOLS,
    WRITING_OF_CULTURE,
    draw_names,
    keyed,
    misheard,
    short_form,
    spelling_variant,
    street_name,
)

CHAIN, HCLIC, INFORM = 0, 1, 2
# Writing systems whose names reach English records by romanisation, so vary more in spelling.
OTHER_SCRIPTS = frozenset({"arabic_script", "ethiopic", "cyrillic", "indic"})
EPOCH_MONTH = 1970 * 12


def month_start(month: np.ndarray) -> np.ndarray:
    """First day (datetime64[D]) of each month index: ``contract.periods.period_start`` for
    NumPy arrays of months (the same index, ``year * 12 + month - 1``)."""
    return (
        (np.asarray(month, dtype=np.int64) - EPOCH_MONTH)
        .astype("datetime64[M]")
        .astype("datetime64[D]")
    )


def days_in(month: np.ndarray) -> np.ndarray:
    return (month_start(np.asarray(month) + 1) - month_start(month)).astype(np.int64)


def _day_in(month: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A random day within each month."""
    month = np.asarray(month)
    return month_start(month) + (rng.random(len(month)) * days_in(month)).astype(np.int64)


@dataclass
class Identities:
    """True identity of every person (rough sleepers first, then people only in H-CLIC/In-Form)."""

    first: np.ndarray
    last: np.ndarray
    dob: np.ndarray  # datetime64[D]
    gender: np.ndarray  # index into GENDERS
    nationality: np.ndarray
    ni: np.ndarray  # "" when the person has none
    alias: np.ndarray  # "" when none
    ethnicity: np.ndarray
    needs: np.ndarray  # (n, 5) bool
    culture: np.ndarray  # the naming tradition of each person's names (names.POOLS)


_ETHNICITY_BY_COUNTRY = {
    "black": {"ERI", "ETH", "SOM", "SDN", "NGA", "GHA", "JAM"},
    "asian": {"IND", "PAK", "BGD", "AFG"},
    "other": {"IRN", "SYR", "IRQ", "EGY", "MAR", "DZA"},
    "mixed": {"BRA"},
}


def _ethnicity(nationality: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """ASSUMPTION: ethnic group follows nationality; UK nationals are a London mix."""
    n = len(nationality)
    out = np.full(n, "white", dtype="<U5")
    for group, codes in _ETHNICITY_BY_COUNTRY.items():
        out[np.isin(nationality, list(codes))] = group
    uk = nationality == "GBR"
    mix = np.array(["white", "black", "mixed", "asian", "other"])
    cdf = np.cumsum([0.70, 0.14, 0.07, 0.05, 0.04])
    out[uk] = mix[np.minimum(np.searchsorted(cdf, rng.random(int(uk.sum()))), 4)]
    # A minority of every nationality belongs to another group (ASSUMPTION).
    flip = (~uk) & (rng.random(n) < 0.08)
    out[flip] = mix[rng.integers(0, 5, int(flip.sum()))]
    return out


def _ni_numbers(n: int, rng: np.random.Generator) -> np.ndarray:
    first = np.array(list("ABCEGHJKLMNPRSTWXYZ"))
    second = np.array(list("ABCEGHJKLMNPRSTWXYZ"))
    suffix = np.array(list("ABCD"))
    digits = rng.integers(0, 1_000_000, n)
    return np.char.add(
        np.char.add(
            np.char.add(
                first[rng.integers(0, len(first), n)], second[rng.integers(0, len(second), n)]
            ),
            np.char.zfill(digits.astype(str), 6),
        ),
        suffix[rng.integers(0, 4, n)],
    )


def make_identities(
    nationality: np.ndarray,
    gender: np.ndarray,
    dob: np.ndarray,
    needs: np.ndarray,
    a: Assumptions,
    rng: np.random.Generator,
) -> Identities:
    """Draw names, NI numbers, aliases and ethnic groups for people of given nationality."""
    n = len(nationality)
    first = np.empty(n, dtype=object)
    last = np.empty(n, dtype=object)
    culture = np.array([CULTURE_OF_COUNTRY.get(c, "european_other") for c in nationality])
    for name in POOLS:
        sel = np.flatnonzero(culture == name)
        if len(sel):
            first[sel], last[sel] = draw_names(name, gender[sel] == 0, rng)
    group = np.where(
        nationality == "GBR", 0, np.where(np.isin(nationality, list(EU_EEA_CODES)), 1, 2)
    )
    has_ni = rng.random(n) < np.asarray(a.ni_held)[group]
    ni = np.where(has_ni, _ni_numbers(n, rng), "")
    alias = np.full(n, "", dtype=object)
    has_alias = np.flatnonzero(rng.random(n) < a.alias_share)
    for i in has_alias:
        pet = short_form(first[i], culture[i], rng) if rng.random() < 0.6 else None
        alias[i] = pet or street_name(last[i], rng)
    return Identities(
        first=first,
        last=last,
        dob=dob,
        gender=gender,
        nationality=nationality,
        ni=ni.astype(object),
        alias=alias,
        ethnicity=_ethnicity(nationality, rng),
        needs=needs,
        culture=culture,
    )


def recorded_identity(
    ids: Identities,
    person: np.ndarray,
    source: int,
    a: Assumptions,
    rng: np.random.Generator,
    first_seen: np.ndarray | None = None,
) -> dict[str, object]:
    """The identity columns as one source records them, noise included (one row per record)."""
    k = len(person)
    first = ids.first[person].copy()
    last = ids.last[person].copy()
    culture = ids.culture[person]
    other_script = np.isin(
        np.array([WRITING_OF_CULTURE[c] for c in culture]), list(OTHER_SCRIPTS)
    ).astype(int)
    variant_rate = np.asarray(a.variant_rate)[other_script]
    if source == CHAIN:
        # a worker who knows someone by a short form of the forename writes it as the forename
        for i in np.flatnonzero(rng.random(k) < a.short_form_as_forename):
            first[i] = short_form(first[i], culture[i], rng) or first[i]
    for arr in (first, last):
        for i in np.flatnonzero(rng.random(k) < variant_rate):
            arr[i] = spelling_variant(arr[i], culture[i], rng)
        for i in np.flatnonzero(rng.random(k) < a.misheard_rate[source]):
            arr[i] = misheard(arr[i], culture[i], rng)
        for i in np.flatnonzero(rng.random(k) < a.typo_rate):
            arr[i] = keyed(arr[i], rng)
    swap = rng.random(k) < a.names_swapped
    first[swap], last[swap] = last[swap], first[swap].copy()
    last[rng.random(k) < a.surname_missing[source]] = None

    dob = ids.dob[person].copy()
    years = dob.astype("datetime64[Y]").astype(int) + 1970
    months = dob.astype("datetime64[M]").astype(int) % 12 + 1
    days = (dob - dob.astype("datetime64[M]").astype("datetime64[D]")).astype(int) + 1
    transpose = (rng.random(k) < a.day_month_transposed) & (days <= 12) & (days != months)
    if transpose.any():
        swapped = np.array(
            [
                f"{y:04d}-{d:02d}-{mo:02d}"
                for y, mo, d in zip(
                    years[transpose], months[transpose], days[transpose], strict=True
                )
            ],
            dtype="datetime64[D]",
        )
        dob[transpose] = swapped
    dob_missing = rng.random(k) < a.dob_missing[source]
    dob_str = np.where(dob_missing, None, dob.astype(str).astype(object))

    gender = np.array(GENDERS, dtype=object)[ids.gender[person]]
    gender[rng.random(k) < a.gender_unknown_record] = "unknown"
    nationality = ids.nationality[person].astype(object)
    nationality[rng.random(k) < a.nationality_unknown_record] = "unknown"
    ethnicity = ids.ethnicity[person].astype(object)
    ethnicity[rng.random(k) < a.ethnicity_unknown_record] = "unknown"
    ni = ids.ni[person].copy()
    ni[(ni == "") | (rng.random(k) >= a.ni_recorded[source])] = None

    out: dict[str, object] = {
        "first_name": first,
        "last_name": last,
        "dob": dob_str,
        "gender": gender,
        "nationality": nationality,
        "ni_number": ni,
        "ethnicity": ethnicity,
    }
    if source == CHAIN:
        known_as = ids.alias[person].copy()
        # a person known only by a street name: it stands in the forename field
        street_only = (known_as != "") & (rng.random(k) < a.known_as_as_forename)
        first[street_only] = known_as[street_only]
        known_as[(known_as == "") | (rng.random(k) >= a.alias_recorded)] = None
        out["known_as"] = known_as
        assert first_seen is not None
        age = (first_seen - ids.dob[person]).astype(np.int64) / 365.25
        approx = np.round(age + rng.normal(0, a.approx_age_sd, k)).astype(np.int64)
        out["approx_age"] = pl.Series(
            "approx_age", np.where(dob_missing, approx, 0), dtype=pl.Int64
        ).set(pl.Series(~dob_missing), None)
    if source in (CHAIN, HCLIC):
        out["support_needs"] = _support_needs(ids.needs[person], a, rng)
    return out


def _support_needs(needs: np.ndarray, a: Assumptions, rng: np.random.Generator) -> np.ndarray:
    recorded = needs & (rng.random(needs.shape) < a.support_need_recorded)
    names = np.array(sim.NEEDS)
    out = np.empty(len(needs), dtype=object)
    unknown = rng.random(len(needs)) < 0.05
    for i in range(len(needs)):
        if unknown[i]:
            out[i] = "unknown"
        elif recorded[i].any():
            out[i] = "|".join(names[recorded[i]])
        else:
            out[i] = "none"
    return out


def reason_code(route: np.ndarray) -> np.ndarray:
    """H-CLIC reason for loss of home of each route in."""
    mapping = np.array(
        ["end_ast", "family_friends_evict", "left_institution", "left_institution",
         "domestic_abuse", "other", "asylum_support_ended"],
        dtype=object,
    )  # fmt: skip
    out = mapping[route]
    assert set(out) <= set(REASONS_LOSS_OF_HOME)
    return out


def move_out_reason_names(code: np.ndarray) -> np.ndarray:
    return np.array(MOVE_OUT_REASONS, dtype=object)[code]


def destination_names(code: np.ndarray) -> np.ndarray:
    order = (
        "prs", "social", "supported", "housing_first", "family_friends", "another_hostel",
        "street", "custody", "hospital", "died", "unknown",
    )  # fmt: skip
    assert set(order) <= set(DESTINATIONS)
    return np.array(order, dtype=object)[code]


def frame(columns: dict[str, object]) -> pl.DataFrame:
    """A Polars frame from numpy columns (object arrays become strings, None stays null)."""
    data = {}
    for name, values in columns.items():
        if isinstance(values, pl.Series):
            data[name] = values.alias(name)
            continue
        arr = np.asarray(values)
        if arr.dtype.kind == "M":
            data[name] = pl.Series(name, arr.astype("datetime64[D]"), dtype=pl.Date)
        elif arr.dtype == object:
            data[name] = pl.Series(name, arr.tolist(), dtype=pl.String)
        else:
            data[name] = pl.Series(name, arr)
    return pl.DataFrame(data)
