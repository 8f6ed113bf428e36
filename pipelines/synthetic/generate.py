"""``pathways generate``: a synthetic London's source extracts, written as a sources directory."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import polars as pl

from contract.errors import PathwaysError
from contract.periods import month_index, parse_month, period_end, period_start
from contract.reference import PREVENTION_OUTCOMES, boroughs
from pipelines.synthetic import records as rec
from pipelines.synthetic import simulate as sim
from pipelines.synthetic.assumptions import (
    BOROUGH_WEIGHTS,
    DEFAULT_ASSUMPTIONS,
    EU_COUNTRIES,
    REST_OF_WORLD_COUNTRIES,
    Assumptions,
)

CHAIN_PEOPLE_COLUMNS = (
    "chain_id", "first_name", "last_name", "known_as", "dob", "approx_age", "gender",
    "nationality", "support_needs", "ni_number", "armed_forces", "care_leaver",
    "prison_history", "ethnicity",
)  # fmt: skip
CHAIN_CONTACTS_COLUMNS = ("chain_id", "contact_date", "borough", "contact_type", "team")
CHAIN_OUTCOMES_COLUMNS = ("chain_id", "outcome_date", "outcome_type", "borough")
HCLIC_COLUMNS = (
    "la_code", "case_ref", "first_name", "last_name", "dob", "gender", "nationality",
    "ni_number", "approach_date", "prevention_start", "prevention_end", "prevention_outcome",
    "relief_start", "relief_end", "relief_outcome", "main_duty_decision", "ta_start", "ta_end",
    "rough_sleeping_at_approach", "history_of_rough_sleeping", "support_needs",
    "reason_loss_of_home", "ethnicity",
)  # fmt: skip
INFORM_COLUMNS = (
    "provider", "resident_id", "first_name", "last_name", "dob", "gender", "nationality",
    "ni_number", "hostel_borough", "move_in", "move_out", "move_out_reason", "destination",
    "ethnicity",
)  # fmt: skip

LAWFUL_BASIS = {  # (UK GDPR Article 6 basis, Article 9 condition), as codes from the reference
    "chain": ("public_task", "substantial_public_interest"),
    "hclic": ("public_task", "substantial_public_interest"),
    "inform": ("public_task", "health_or_social_care"),
}
PROVIDERS = {
    "chain": "Greater London Authority CHAIN (synthetic)",
    "hclic": "London boroughs H-CLIC returns (synthetic)",
    "inform": "Hostel providers In-Form (synthetic)",
}


def _month_index(text: str, flag: str) -> int:
    try:
        return parse_month(text)
    except ValueError:
        raise PathwaysError(f"{flag} {text!r} is not a month written YYYY-MM.") from None


def _unique_ids(rng: np.random.Generator, n: int, digits: int) -> np.ndarray:
    """``n`` distinct random numbers of ``digits`` digits, as strings."""
    low = 10 ** (digits - 1)
    return (rng.choice(9 * low, size=n, replace=False) + low).astype(str)


def generate(
    out_dir: Path,
    scale: float,
    start: str,
    end: str,
    seed: int,
    truth_path: Path | None = None,
    assumptions: Assumptions = DEFAULT_ASSUMPTIONS,
) -> str:
    """Simulate London's journeys and write a sources directory (SPEC section 3).

    Args:
        out_dir: directory to write ``manifest.json`` and the five CSV tables into.
        scale: 1.0 reproduces London's published volumes; 0.1 a tenth of them.
        start: first month written, ``YYYY-MM`` (history before it is simulated, not written).
        end: last month; the extract date is its last day.
        seed: the same seed gives identical files.
        truth_path: where to write the true identity of every record (CSV ``source``,
            ``source_record_id``, ``true_person``); nothing about truth is written otherwise.

    Returns:
        A short summary: rows per file, people, period and time taken.
    """
    began = time.perf_counter()
    if not scale > 0:
        raise PathwaysError(f"--scale must be above 0 (got {scale}).")
    start_m, end_m = _month_index(start, "--start"), _month_index(end, "--end")
    if end_m < start_m:
        raise PathwaysError(f"--end {end} is before --start {start}.")
    out_dir = Path(out_dir)
    if truth_path is not None and Path(truth_path).resolve().parent == out_dir.resolve():
        raise PathwaysError(
            "The truth file must not be written inside the sources directory: "
            "a real extract never carries true identities."
        )
    a = assumptions
    rng = np.random.default_rng(seed)
    tables, truth, people = build_sources(a, scale, start_m, end_m, rng)

    out_dir.mkdir(parents=True, exist_ok=True)
    extract = period_end("month", end_m).isoformat()
    manifest = {
        "extract_date": extract,
        # Marks the extract as made up: demo mode refuses anything without it, and the release
        # manifest carries it so the app shows its "synthetic data" banner.
        "synthetic": True,
        "sources": {
            source: {
                "provider": PROVIDERS[source],
                "extract_date": extract,
                "lawful_basis": LAWFUL_BASIS[source][0],
                "special_category_condition": LAWFUL_BASIS[source][1],
            }
            for source in ("chain", "hclic", "inform")
        },
    }
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    for name, table in tables.items():
        table.write_csv(out_dir / f"{name}.csv")
    if truth_path is not None:
        Path(truth_path).parent.mkdir(parents=True, exist_ok=True)
        truth.write_csv(truth_path)
    took = time.perf_counter() - began
    rows = ", ".join(f"{name} {len(t):,}" for name, t in tables.items())
    return (
        f"Synthetic London {start} to {end} (extract {extract}), scale {scale:g}, seed {seed}: "
        f"{people:,} people; {rows}. Written to {out_dir}"
        + (f"; truth to {truth_path}" if truth_path is not None else "")
        + f" in {took:.1f} s."
    )


def build_sources(
    a: Assumptions, scale: float, start_m: int, end_m: int, rng: np.random.Generator
) -> tuple[dict[str, pl.DataFrame], pl.DataFrame, int]:
    """Simulate and build the five tables, the truth frame and the number of true people."""
    codes = np.array([b.code for b in boroughs()])
    names = np.array([b.name for b in boroughs()])
    weight_of = dict(BOROUGH_WEIGHTS)
    weights = np.array([weight_of[c] for c in codes], dtype=float)
    weights /= weights.sum()
    pilot = np.array([b.pilot for b in boroughs()])
    # The world starts at a fixed month (or earlier for early starts), not relative to --start.
    first_m = min(start_m - a.burn_in_months, month_index(period_start("fy", a.history_from_fy)))
    j = sim.simulate(a, scale, first_m, end_m, weights, pilot, rng, tuple(codes.tolist()))

    start_date = np.datetime64(period_start("month", start_m), "D")
    extract = np.datetime64(period_end("month", end_m), "D")

    # --- street contacts ------------------------------------------------------------------
    R = len(j.sm_month)
    dim = rec.days_in(j.sm_month)
    ms = rec.month_start(j.sm_month)
    d0 = (rng.random(R) * dim).astype(np.int64)
    low = np.where(j.sm_first, d0, 0)
    n_tot = j.sm_sightings.astype(np.int64) + j.sm_contacts
    row = np.repeat(np.arange(R), n_tot)
    pos = np.arange(len(row)) - np.repeat(np.cumsum(n_tot) - n_tot, n_tot)
    bedded = pos < j.sm_sightings[row]
    day = low[row] + (rng.random(len(row)) * (dim[row] - low[row])).astype(np.int64)
    day = np.where(j.sm_first[row] & (pos == 0), d0[row], day)
    borough = j.sm_borough[row].astype(np.int64)
    elsewhere = rng.random(len(row)) < a.contact_elsewhere_share
    borough[elsewhere] = sim._choice(rng, weights, int(elsewhere.sum()))
    ctype = np.where(bedded, "bedded_down", "street_contact").astype(object)
    team = np.char.add(names[borough], " outreach team").astype(object)
    # No Second Night Out: the hub the same or the next day
    nsno_rows = np.flatnonzero(j.sm_nsno)
    nsno_day = np.minimum(d0[nsno_rows] + rng.integers(0, 2, len(nsno_rows)), dim[nsno_rows] - 1)
    row = np.concatenate([row, nsno_rows])
    day = np.concatenate([day, nsno_day])
    borough = np.concatenate([borough, j.sm_borough[nsno_rows]])
    ctype = np.concatenate([ctype, np.full(len(nsno_rows), "nsno_hub", dtype=object)])
    team = np.concatenate([team, np.full(len(nsno_rows), "No Second Night Out", dtype=object)])
    row_max = np.full(R, -1, dtype=np.int64)
    np.maximum.at(row_max, row, day)
    row_max = np.where(row_max < 0, (rng.random(R) * dim).astype(np.int64), row_max)

    # --- spell dates ----------------------------------------------------------------------
    S = len(j.spell_person)
    street = j.spell_state == sim.STREET
    first_row = np.full(S, R, dtype=np.int64)
    np.minimum.at(first_row, j.sm_spell, np.arange(R))
    last_row = np.full(S, -1, dtype=np.int64)
    np.maximum.at(last_row, j.sm_spell, np.arange(R))
    valid = ~street | (first_row < R)  # street episodes due to start after the end are dropped
    has_row = first_row < R
    spell_start = np.full(S, np.datetime64("NaT"), dtype="datetime64[D]")
    spell_end = np.full(S, np.datetime64("NaT"), dtype="datetime64[D]")
    fr = np.where(has_row, first_row, 0)
    spell_start[street & has_row] = (ms[fr] + d0[fr])[street & has_row]
    ended = j.spell_end >= 0
    lr = np.where(last_row >= 0, last_row, 0)
    exit_day = np.minimum(row_max[lr] + rng.integers(0, 3, S), dim[lr] - 1)
    street_end = street & ended & (last_row >= 0)
    spell_end[street_end] = (ms[lr] + exit_day)[street_end]
    off_end = ~street & ended
    spell_end[off_end] = rec._day_in(j.spell_end[off_end], rng)
    # An off-street spell starts the day the previous spell of the same person ended.
    order = np.lexsort((np.arange(S), j.spell_person))
    prev = np.full(S, -1, dtype=np.int64)
    same = j.spell_person[order][1:] == j.spell_person[order][:-1]
    prev[order[1:][same]] = order[:-1][same]
    off = ~street & (prev >= 0)
    spell_start[off] = spell_end[prev[off]]
    # A hostel spell's end must not precede its start (both drawn within months).
    fix = off_end & (spell_end < spell_start)
    spell_end[fix] = spell_start[fix]

    contact_date = ms[row] + day
    contact_person = j.sm_person[row]
    keep = (contact_date >= start_date) & (contact_date <= extract)
    contacts = pl.DataFrame(
        {
            "person": contact_person[keep].astype(np.int64),
            "contact_date": contact_date[keep],
            "borough": codes[borough[keep]],
            "contact_type": pl.Series(ctype[keep].tolist(), dtype=pl.String),
            "team": pl.Series(team[keep].tolist(), dtype=pl.String),
        }
    )

    # --- CHAIN outcomes -------------------------------------------------------------------
    code = j.spell_end_code
    out_street = street & valid & ended & (last_row >= 0)
    other = out_street & (code == sim.X_AWAY)
    out_street &= ~other | (rng.random(S) < 0.1)  # whereabouts unknown: rarely an "other"
    died_elsewhere = (
        ~street
        & ended
        & (
            ((j.spell_state == sim.HOSTEL) & (code == sim.R_DIED))
            | ((j.spell_state != sim.HOSTEL) & (code == sim.DEAD))
        )
        & (rng.random(S) < 0.7)  # ASSUMPTION: CHAIN hears of most deaths of people it knows
    )
    outcome_type = np.array(sim.STREET_EXIT_OUTCOME, dtype=object)[np.clip(code, 0, 11)]
    outcome_type[died_elsewhere] = "died"
    sel = (out_street | died_elsewhere) & ~np.isnat(spell_end)
    sel &= (spell_end >= start_date) & (spell_end <= extract)
    outcomes = pl.DataFrame(
        {
            "person": j.spell_person[sel].astype(np.int64),
            "outcome_date": spell_end[sel],
            "outcome_type": pl.Series(outcome_type[sel].tolist(), dtype=pl.String),
            "borough": codes[j.spell_borough[sel]],
        }
    )

    # --- people (identities) ---------------------------------------------------------------
    n_rs = j.people
    first_date = np.full(n_rs, np.datetime64("NaT"), dtype="datetime64[D]")
    arrivals = street & (j.spell_origin == sim.NOT_ARRIVED) & has_row
    first_date[j.spell_person[arrivals]] = spell_start[arrivals]
    first_date = np.where(np.isnat(first_date), rec._day_in(j.arrival_month, rng), first_date)

    # H-CLIC households and hostel residents who never appear on the street (distractors)
    months_written = end_m - start_m + 1
    n_hh = int(rng.poisson(scale * a.hclic_households_never_rough_sleeping * months_written / 12))
    hh_date = start_date + (rng.random(n_hh) * ((extract - start_date).astype(int) + 1)).astype(
        np.int64
    )

    # --- In-Form stays ---------------------------------------------------------------------
    hostel = (j.spell_state == sim.HOSTEL) & valid & ~np.isnat(spell_start)
    hostel &= (spell_start <= extract) & (np.isnat(spell_end) | (spell_end >= start_date))
    hs = np.flatnonzero(hostel)
    n_res = int(rng.poisson(a.hostel_stays_not_from_street * len(hs)))
    res_in = start_date + (rng.random(n_res) * ((extract - start_date).astype(int) + 1)).astype(
        np.int64
    )

    gender = np.concatenate(
        [
            j.gender,
            sim._choice(rng, (0.48, 0.50, 0.01, 0.005, 0.005), n_hh),
            sim._choice(rng, (0.75, 0.23, 0.01, 0.005, 0.005), n_res),
        ]
    ).astype(np.int8)
    nationality = np.concatenate(
        [
            j.nationality,
            _nationalities(rng, n_hh, (0.60, 0.12, 0.28)),
            _nationalities(rng, n_res, (0.70, 0.15, 0.15)),
        ]
    )
    age = np.concatenate(
        [j.age_at_arrival, 18 + rng.random(n_hh) * 47, 18 + rng.random(n_res) * 45]
    )
    when = np.concatenate([first_date, hh_date, res_in])
    dob = when - (age * 365.25).astype(np.int64)
    needs = np.concatenate(
        [
            j.needs,
            rng.random((n_hh, 5)) < np.array([0.25, 0.05, 0.05, 0.15, 0.03]),
            rng.random((n_res, 5)) < 0.3,
        ]
    )
    ids = rec.make_identities(nationality, gender, dob, needs, a, rng)

    before = _hostel_before_street(a, j, rng, weights, first_date, start_date)
    inform = _inform_stays(
        a, j, rng, ids, codes, weights, hs, spell_start, spell_end, n_rs + n_hh, res_in, extract,
        before,
    )  # fmt: skip
    hclic = _hclic_cases(
        a, j, rng, ids, codes, weights, start_date, extract, spell_start, spell_end, valid,
        first_date, n_rs, hh_date,
    )  # fmt: skip
    history = {
        "armed_forces": j.armed_forces,
        "care_leaver": j.care_leaver,
        "prison_history": j.prison_history,
    }
    chain_people, contacts, outcomes = _chain_records(a, rng, ids, history, contacts, outcomes)

    tables = {
        "chain_people": chain_people.select(CHAIN_PEOPLE_COLUMNS),
        "chain_contacts": contacts.select(CHAIN_CONTACTS_COLUMNS),
        "chain_outcomes": outcomes.select(CHAIN_OUTCOMES_COLUMNS),
        "hclic_cases": hclic.select(HCLIC_COLUMNS),
        "inform_stays": inform.select(INFORM_COLUMNS),
    }
    truth = pl.concat(
        [
            chain_people.select(
                pl.lit("chain").alias("source"),
                pl.col("chain_id").alias("source_record_id"),
                pl.col("person"),
            ),
            hclic.select(
                pl.lit("hclic").alias("source"),
                pl.concat_str("la_code", "case_ref", separator="/").alias("source_record_id"),
                pl.col("person"),
            ),
            inform.select(
                pl.lit("inform").alias("source"),
                pl.concat_str("provider", "resident_id", separator="/").alias("source_record_id"),
                pl.col("person"),
            ),
        ]
    ).select(
        "source",
        "source_record_id",
        pl.format("P{}", pl.col("person").cast(pl.String).str.zfill(7)).alias("true_person"),
    )
    people = truth["true_person"].n_unique()
    return tables, truth, people


def _nationalities(rng: np.random.Generator, n: int, mix: tuple[float, float, float]) -> np.ndarray:
    group = sim._choice(rng, mix, n)
    out = np.full(n, "GBR", dtype="<U3")
    for g, table in ((1, EU_COUNTRIES), (2, REST_OF_WORLD_COUNTRIES)):
        keys, p = sim._weights(table)
        sel = group == g
        out[sel] = keys[sim._choice(rng, p, int(sel.sum()))]
    return out


def _identity_frame(ids, person, source, a, rng, first_seen=None) -> pl.DataFrame:
    cols = rec.recorded_identity(ids, person, source, a, rng, first_seen)
    return rec.frame({"person": person.astype(np.int64), **cols})


def _chain_records(a, rng, ids, history, contacts: pl.DataFrame, outcomes: pl.DataFrame):
    """CHAIN person records (with duplicates) and their contacts and outcomes."""
    # Stable sorts throughout: the same seed must give byte-identical files.
    contacts = contacts.sort("person", "contact_date", maintain_order=True)
    per = contacts.group_by("person", maintain_order=True).agg(pl.len().alias("n"))
    n = per.height
    u = rng.random(n)
    dup = (u < a.chain_duplicate_share) & (per["n"].to_numpy() >= 2)
    tri = dup & (rng.random(n) < a.chain_triplicate_share) & (per["n"].to_numpy() >= 3)
    cnt = per["n"].to_numpy()
    cut1 = np.where(dup, 1 + (rng.random(n) * (cnt - 1)).astype(np.int64), 1 << 30)
    cut2 = np.where(
        tri & (cut1 < cnt - 1),
        cut1 + 1 + (rng.random(n) * (cnt - cut1 - 1)).astype(np.int64),
        1 << 30,
    )
    per = per.with_columns(cut1=pl.Series(cut1), cut2=pl.Series(cut2))
    contacts = (
        contacts.join(per, on="person", how="left", maintain_order="left")
        .with_columns(rank=pl.int_range(pl.len()).over("person"))
        .with_columns(
            record=(pl.col("rank") >= pl.col("cut1")).cast(pl.Int64)
            + (pl.col("rank") >= pl.col("cut2")).cast(pl.Int64)
        )
    )
    # An outcome belongs to the record of the person's latest contact on or before it.
    marks = contacts.group_by("person", "record").agg(pl.col("contact_date").min().alias("from"))
    outcomes = (
        outcomes.sort("outcome_date", maintain_order=True)
        .join_asof(
            marks.sort("from", "person", "record"),
            left_on="outcome_date",
            right_on="from",
            by="person",
            strategy="backward",
            check_sortedness=False,
        )
        .with_columns(pl.col("record").fill_null(0))
    )
    records = (
        pl.concat(
            [
                contacts.select("person", "record", pl.col("contact_date").alias("date")),
                outcomes.select("person", "record", pl.col("outcome_date").alias("date")),
            ]
        )
        .group_by("person", "record")
        .agg(pl.col("date").min().alias("first_seen"))
        .sort("person", "record")
    )
    # A letter prefix keeps identifiers text when a reader infers column types.
    records = records.with_columns(
        chain_id=pl.Series(np.char.add("CH", _unique_ids(rng, records.height, 7)))
    )
    person = records["person"].to_numpy()
    first_seen = records["first_seen"].to_numpy().astype("datetime64[D]")
    people = _identity_frame(ids, person, rec.CHAIN, a, rng, first_seen)
    flags = {}
    for name, truth_flag in history.items():
        values = truth_flag[person]
        missing = rng.random(len(person)) < 0.12  # ASSUMPTION: often not asked on the street
        flags[name] = pl.Series(name, np.where(missing, None, values).tolist(), dtype=pl.Boolean)
    people = people.with_columns(
        chain_id=records["chain_id"],
        **flags,
    )
    ids_of = records.select("person", "record", "chain_id")
    contacts = contacts.join(ids_of, on=["person", "record"]).sort(
        "contact_date", "chain_id", "contact_type", "borough", "team", maintain_order=True
    )
    outcomes = outcomes.join(ids_of, on=["person", "record"]).sort(
        "outcome_date", "chain_id", "outcome_type", "borough", maintain_order=True
    )
    return people, contacts, outcomes


def _hostel_before_street(a, j, rng, weights, first_date, start_date) -> dict[str, np.ndarray]:
    """Hostel stays that ended in custody or hospital weeks before someone's first night out.

    A share of the people who come to the street from prison or hospital had a hostel place
    before going in; the place was lost, and the stay's move-out (custody or hospital) is the
    record of the institution they left.
    """
    route = j.route
    from_institution = (route == sim.ROUTE_PRISON) | (route == sim.ROUTE_HOSPITAL)
    who = np.flatnonzero(
        from_institution & (rng.random(len(route)) < a.hostel_before_institution_share)
    )
    k = len(who)
    prison = route[who] == sim.ROUTE_PRISON
    # Days inside: short sentences and remand, or a hospital admission.
    inside = np.where(prison, rng.integers(14, 84, k), rng.integers(3, 42, k))
    move_out = first_date[who] - inside
    move_in = move_out - rng.integers(30, 540, k)
    keep = move_out >= start_date
    return {
        "person": who[keep].astype(np.int64),
        "move_in": move_in[keep],
        "move_out": move_out[keep],
        "reason": np.where(prison, sim.R_CUSTODY, sim.R_HOSPITAL)[keep],
        "destination": np.where(prison, sim.D_CUSTODY, sim.D_HOSPITAL)[keep],
        "borough": np.where(rng.random(k) < 0.6, j.home_borough[who], sim._choice(rng, weights, k))[
            keep
        ],
    }


def _inform_stays(
    a, j, rng, ids, codes, weights, hs, spell_start, spell_end, first_res, res_in, extract, before
):
    """One row per hostel stay: from the simulated hostel spells, stays lost to custody or
    hospital before the street, and residents from elsewhere."""
    k = len(hs)
    provider_names = np.array(a.hostel_providers, dtype=object)
    borough = np.where(
        rng.random(k) < 0.6, j.spell_borough[hs], sim._choice(rng, weights, k)
    )  # ASSUMPTION: 60% of hostel places are in the borough where the person slept rough
    move_out = spell_end[hs]
    out_reason = rec.move_out_reason_names(np.clip(j.spell_end_code[hs], 0, 7))
    dest = rec.destination_names(np.clip(j.spell_destination[hs], 0, 10))
    ongoing = np.isnat(move_out)
    n_res = len(res_in)
    stay_months = rng.geometric(a.hostel_exit_rate, n_res)
    res_out = res_in + (stay_months * 30.4 * rng.random(n_res) + 20).astype(np.int64)
    res_reason = sim._choice(rng, a.hostel_exit_reasons, n_res)
    res_dest = np.where(
        res_reason == sim.R_PLANNED,
        np.array([sim.D_PRS, sim.D_SOCIAL, sim.D_SUPPORTED, sim.D_HF, sim.D_FAMILY])[
            sim._choice(rng, a.move_on_destinations, n_res)
        ],
        sim.D_UNKNOWN,
    )
    person = np.concatenate(
        [j.spell_person[hs].astype(np.int64), before["person"], first_res + np.arange(n_res)]
    )
    move_in = np.concatenate([spell_start[hs], before["move_in"], res_in])
    move_out = np.concatenate([move_out, before["move_out"], res_out])
    reason = np.concatenate(
        [
            out_reason,
            rec.move_out_reason_names(before["reason"]),
            rec.move_out_reason_names(res_reason),
        ]
    )
    destination = np.concatenate(
        [dest, rec.destination_names(before["destination"]), rec.destination_names(res_dest)]
    )
    n_before = len(before["person"])
    still = (
        np.concatenate([ongoing, np.zeros(n_before + n_res, dtype=bool)])
        | np.isnat(move_out)
        | (move_out > extract)
    )
    n = len(person)
    frame = _identity_frame(ids, person, rec.INFORM, a, rng)
    provider = provider_names[rng.integers(0, len(provider_names), n)]
    return frame.with_columns(
        provider=pl.Series(provider.tolist(), dtype=pl.String),
        resident_id=pl.Series(np.char.add("R", _unique_ids(rng, n, 7)).tolist(), dtype=pl.String),
        hostel_borough=pl.Series(
            codes[np.concatenate([borough, before["borough"], sim._choice(rng, weights, n_res)])]
        ),
        move_in=pl.Series(move_in, dtype=pl.Date),
        move_out=pl.Series(np.where(still, np.datetime64("NaT"), move_out), dtype=pl.Date),
        move_out_reason=pl.Series(np.where(still, None, reason).tolist(), dtype=pl.String),
        destination=pl.Series(np.where(still, None, destination).tolist(), dtype=pl.String),
    ).sort("move_in", "provider", "resident_id")


def _hclic_cases(
    a, j, rng, ids, codes, weights, start_date, extract, spell_start, spell_end, valid,
    first_date, n_rs, hh_date,
):  # fmt: skip
    """H-CLIC cases: before the street, while on it (some leading to TA), and the rest of London."""
    parts = []
    route = j.route.astype(np.int64)
    # (a) a prevention or relief case before first sleeping rough: a referral weeks before
    # release, discharge or the end of asylum support; otherwise an approach in the year before.
    institution = np.isin(route, (sim.ROUTE_PRISON, sim.ROUTE_HOSPITAL, sim.ROUTE_ASYLUM))
    route_weight = np.array([1.5, 1.3, 0.0, 0.0, 1.4, 0.35, 0.0])
    p_other = a.prior_hclic_share * route_weight[route] / route_weight[route[~institution]].mean()
    p_referral = np.where(
        route == sim.ROUTE_ASYLUM, a.asylum_support_hclic_share, a.institution_hclic_share
    )
    p = np.where(institution, p_referral, p_other)
    who = np.flatnonzero(rng.random(n_rs) < p)
    k = len(who)
    gap = np.where(
        institution[who],
        rng.integers(1, a.institution_referral_max_days + 1, k),
        rng.integers(7, 330, k),
    )
    approach = first_date[who] - gap
    la = np.where(rng.random(k) < 0.5, j.home_borough[who], sim._choice(rng, weights, k))
    prev_start = approach + np.minimum(rng.integers(0, 5, k), gap - 1)
    prev_end = np.maximum(
        np.minimum(prev_start + rng.integers(20, 57, k), first_date[who] - 1), prev_start
    )
    prev_out = np.array(["homeless", "lost_contact", "withdrew", "other"], dtype=object)[
        sim._choice(rng, (0.5, 0.3, 0.1, 0.1), len(who))
    ]
    relief = (prev_out == "homeless") & (first_date[who] - prev_end > 10)
    rel_end = np.minimum(prev_end + 56, first_date[who] - 1)
    parts.append(
        dict(
            person=who,
            la=la,
            approach_date=approach,
            prevention_start=prev_start,
            prevention_end=prev_end,
            prevention_outcome=prev_out,
            relief_start=np.where(relief, prev_end, np.datetime64("NaT")),
            relief_end=np.where(relief, rel_end, np.datetime64("NaT")),
            relief_outcome=np.where(
                relief,
                np.array(["lost_contact", "withdrew", "other"], dtype=object)[
                    sim._choice(rng, (0.5, 0.2, 0.3), len(who))
                ],
                None,
            ),
            main_duty_decision=np.where(
                relief & (rng.random(len(who)) < 0.3), "not_accepted", "none"
            ),
            ta_start=np.full(len(who), np.datetime64("NaT"), dtype="datetime64[D]"),
            ta_end=np.full(len(who), np.datetime64("NaT"), dtype="datetime64[D]"),
            rough_at=np.zeros(len(who), dtype=bool),
            history=np.zeros(len(who), dtype=bool),
            reason=rec.reason_code(route[who]),
        )
    )
    # (b) TA: a relief case opened while sleeping rough (or at the hub)
    ta = np.flatnonzero((j.spell_state == sim.TA) & valid & ~np.isnat(spell_start))
    who = j.spell_person[ta].astype(np.int64)
    k = len(ta)
    ta_start = spell_start[ta]
    approach = ta_start - rng.integers(1, 22, k)
    main = rng.random(k) < 0.6
    parts.append(
        dict(
            person=who,
            la=j.spell_borough[ta].astype(np.int64),
            approach_date=approach,
            prevention_start=np.full(k, np.datetime64("NaT"), dtype="datetime64[D]"),
            prevention_end=np.full(k, np.datetime64("NaT"), dtype="datetime64[D]"),
            prevention_outcome=np.full(k, None, dtype=object),
            relief_start=approach,
            relief_end=ta_start,
            relief_outcome=np.where(main, "main_duty", "secured_accommodation").astype(object),
            main_duty_decision=np.where(main, "accepted", "none"),
            ta_start=ta_start,
            ta_end=spell_end[ta],
            rough_at=j.spell_origin[ta] == sim.STREET,
            history=np.ones(k, dtype=bool),
            reason=np.where(rng.random(k) < 0.5, rec.reason_code(route[who]), "other"),
        )
    )
    # (c) an approach while sleeping rough that did not lead to accommodation
    longer = np.flatnonzero(
        (j.spell_state == sim.STREET) & valid & ~j.spell_brief & ~np.isnat(spell_start)
    )
    longer = longer[rng.random(len(longer)) < a.street_hclic_share]
    who = j.spell_person[longer].astype(np.int64)
    k = len(longer)
    span_end = np.where(np.isnat(spell_end[longer]), extract, spell_end[longer])
    span = np.maximum((span_end - spell_start[longer]).astype(np.int64), 0)
    approach = spell_start[longer] + (rng.random(k) * (span + 1)).astype(np.int64)
    parts.append(
        dict(
            person=who,
            la=j.spell_borough[longer].astype(np.int64),
            approach_date=approach,
            prevention_start=np.full(k, np.datetime64("NaT"), dtype="datetime64[D]"),
            prevention_end=np.full(k, np.datetime64("NaT"), dtype="datetime64[D]"),
            prevention_outcome=np.full(k, None, dtype=object),
            relief_start=approach,
            relief_end=approach + 56,
            relief_outcome=np.array(["lost_contact", "withdrew", "other"], dtype=object)[
                sim._choice(rng, (0.55, 0.2, 0.25), k)
            ],
            main_duty_decision=np.where(rng.random(k) < 0.5, "not_accepted", "none"),
            ta_start=np.full(k, np.datetime64("NaT"), dtype="datetime64[D]"),
            ta_end=np.full(k, np.datetime64("NaT"), dtype="datetime64[D]"),
            rough_at=np.ones(k, dtype=bool),
            history=j.spell_origin[longer] != sim.NOT_ARRIVED,
            reason=np.where(rng.random(k) < 0.5, rec.reason_code(route[who]), "unknown"),
        )
    )
    # (d) households who never sleep rough (most of H-CLIC)
    k = len(hh_date)
    who = n_rs + np.arange(k)
    prev_out = np.array(PREVENTION_OUTCOMES, dtype=object)[
        sim._choice(rng, (0.3, 0.33, 0.22, 0.08, 0.04, 0.03), k)
    ]
    prev_start = hh_date + rng.integers(0, 8, k)
    prev_end = prev_start + rng.integers(14, 57, k)
    relief = prev_out == "homeless"
    rel_out = np.array(
        ["secured_accommodation", "main_duty", "lost_contact", "withdrew", "other"], dtype=object
    )[sim._choice(rng, (0.45, 0.35, 0.1, 0.05, 0.05), k)]
    main = relief & (rel_out == "main_duty")
    ta_start = prev_end + rng.integers(0, 10, k)
    parts.append(
        dict(
            person=who,
            la=sim._choice(rng, np.full(len(codes), 1.0), k),
            approach_date=hh_date,
            prevention_start=prev_start,
            prevention_end=prev_end,
            prevention_outcome=prev_out,
            relief_start=np.where(relief, prev_end, np.datetime64("NaT")),
            relief_end=np.where(relief, prev_end + 56, np.datetime64("NaT")),
            relief_outcome=np.where(relief, rel_out, None),
            main_duty_decision=np.where(main, "accepted", np.where(relief, "not_accepted", "none")),
            ta_start=np.where(main, ta_start, np.datetime64("NaT")),
            ta_end=np.where(main, ta_start + rng.geometric(1 / 400, k), np.datetime64("NaT")),
            rough_at=np.zeros(k, dtype=bool),
            history=rng.random(k) < 0.02,
            reason=np.array(
                [
                    "end_ast",
                    "family_friends_evict",
                    "domestic_abuse",
                    "left_institution",
                    "other",
                    "unknown",
                ],
                dtype=object,
            )[sim._choice(rng, (0.3, 0.3, 0.14, 0.04, 0.17, 0.05), k)],
        )
    )
    cols = {key: np.concatenate([np.asarray(p[key]) for p in parts]) for key in parts[0]}
    keep = (cols["approach_date"] >= start_date) & (cols["approach_date"] <= extract)
    cols = {key: v[keep] for key, v in cols.items()}
    # Nothing after the extract date: later steps are not yet known, so the duty is still open.
    for key in (
        "prevention_start", "prevention_end", "relief_start", "relief_end", "ta_start", "ta_end",
    ):  # fmt: skip
        future = ~np.isnat(cols[key]) & (cols[key] > extract)
        cols[key] = np.where(future, np.datetime64("NaT"), cols[key])
    for end, outcome in (
        ("prevention_end", "prevention_outcome"),
        ("relief_end", "relief_outcome"),
    ):
        cols[outcome] = np.where(np.isnat(cols[end]), None, cols[outcome])
    undecided = np.isnat(cols["relief_end"]) & (cols["main_duty_decision"] == "accepted")
    cols["main_duty_decision"] = np.where(undecided, "none", cols["main_duty_decision"])
    n = len(cols["person"])
    frame = _identity_frame(ids, cols["person"].astype(np.int64), rec.HCLIC, a, rng)
    date_cols = (
        "approach_date", "prevention_start", "prevention_end", "relief_start", "relief_end",
        "ta_start", "ta_end",
    )  # fmt: skip
    return frame.with_columns(
        la_code=pl.Series(codes[cols["la"]]),
        case_ref=pl.Series(np.char.add("HC", _unique_ids(rng, n, 8)).tolist(), dtype=pl.String),
        **{c: pl.Series(cols[c].astype("datetime64[D]"), dtype=pl.Date) for c in date_cols},
        **{
            c: pl.Series(np.asarray(cols[c], dtype=object).tolist(), dtype=pl.String)
            for c in ("prevention_outcome", "relief_outcome", "main_duty_decision")
        },
        rough_sleeping_at_approach=pl.Series(cols["rough_at"], dtype=pl.Boolean),
        history_of_rough_sleeping=pl.Series(cols["history"] | cols["rough_at"], dtype=pl.Boolean),
        reason_loss_of_home=pl.Series(
            np.asarray(cols["reason"], dtype=object).tolist(), dtype=pl.String
        ),
    ).sort("approach_date", "la_code", "case_ref")
