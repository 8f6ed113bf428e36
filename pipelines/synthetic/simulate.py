"""People's journeys, month by month: the street, hubs, hostels, TA, homes, returns and deaths.

Everyone alive is moved one month at a time with vectorised draws over numpy arrays, so a decade
of London at scale 1 (about 100,000 people) takes seconds. The result is a ``Journeys`` record
of what happened: each person's attributes, every street month with its sightings, and every
spell (street episode, hostel stay, TA, supported housing, Housing First, settled home,
hospital, custody, away) with how it started and ended. ``records`` turns it into source rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from contract.periods import parse_month
from contract.reference import EU_EEA_CODES
from pipelines.synthetic.assumptions import (
    ASYLUM_COUNTRIES,
    EU_COUNTRIES,
    REST_OF_WORLD_COUNTRIES,
    Assumptions,
)

# States of a person.
NOT_ARRIVED, STREET, HOSTEL, TA, SUPPORTED, HOUSING_FIRST, SETTLED = 0, 1, 2, 3, 4, 5, 6
HOSPITAL, CUSTODY, AWAY, DEAD = 7, 8, 9, 10
STATE_NAMES = (
    "not_arrived", "street", "hostel", "ta", "supported", "housing_first", "settled",
    "hospital", "custody", "away", "dead",
)  # fmt: skip

# How a spell ended (``Journeys.spell_end_code``): the CHAIN outcome, In-Form move-out reason...
# For street spells: the destination.
X_HOSTEL, X_TA, X_SUPPORTED, X_HF, X_PRS, X_SOCIAL = 0, 1, 2, 3, 4, 5
X_RECON_UK, X_RECON_ABROAD, X_HOSPITAL, X_CUSTODY, X_DIED, X_AWAY = 6, 7, 8, 9, 10, 11
STREET_EXIT_STATE = np.array(
    [
        HOSTEL,
        TA,
        SUPPORTED,
        HOUSING_FIRST,
        SETTLED,
        SETTLED,
        AWAY,
        AWAY,
        HOSPITAL,
        CUSTODY,
        DEAD,
        AWAY,
    ]
)
# Order of ``Assumptions.street_exit_destinations``.
LONGER_EPISODE_EXITS = np.array(
    [X_HOSTEL, X_TA, X_SUPPORTED, X_HF, X_PRS, X_SOCIAL, X_RECON_UK, X_RECON_ABROAD, X_HOSPITAL,
     X_CUSTODY, X_AWAY]
)  # fmt: skip
STREET_EXIT_OUTCOME = (
    "hostel", "temporary_accommodation", "supported_housing", "housing_first", "settled_prs",
    "settled_social", "reconnection_uk", "reconnection_abroad", "hospital", "custody", "died",
    "other",
)  # fmt: skip

# Hostel move-out reason (index into reference.MOVE_OUT_REASONS) and destination
# (index into reference.DESTINATIONS) are stored for hostel spells.
R_PLANNED, R_EVICTED, R_ABANDONED, R_TRANSFERRED, R_CUSTODY, R_HOSPITAL, R_DIED, R_OTHER = range(8)
D_PRS, D_SOCIAL, D_SUPPORTED, D_HF, D_FAMILY, D_ANOTHER, D_STREET = 0, 1, 2, 3, 4, 5, 6
D_CUSTODY, D_HOSPITAL, D_DIED, D_UNKNOWN = 7, 8, 9, 10

# Routes in (reference.REASONS_LOSS_OF_HOME order is used for H-CLIC).
ROUTE_END_AST, ROUTE_FAMILY, ROUTE_PRISON, ROUTE_HOSPITAL = 0, 1, 2, 3
ROUTE_DOMESTIC_ABUSE, ROUTE_OTHER, ROUTE_ASYLUM = 4, 5, 6

NAT_UK, NAT_EU, NAT_ROW = 0, 1, 2
NEEDS = ("mental_health", "alcohol", "drugs", "physical_health", "learning_disability")


def fy_of_month(month: np.ndarray | int) -> np.ndarray | int:
    """Financial year (its starting calendar year) of a month index (year * 12 + month - 1):
    ``contract.periods.index_of("fy", ...)`` for NumPy arrays of months."""
    return (np.asarray(month) - 3) // 12


@dataclass
class Journeys:
    """What happened to everyone, as flat numpy arrays (month = year * 12 + month - 1)."""

    first_month: int  # first simulated month (burn-in included)
    end_month: int
    # people (index = person number)
    arrival_month: np.ndarray
    gender: np.ndarray  # index into reference.GENDERS
    age_at_arrival: np.ndarray  # years, float
    nationality: np.ndarray  # ISO alpha-3 strings
    nationality_group: np.ndarray  # NAT_UK / NAT_EU / NAT_ROW
    route: np.ndarray  # ROUTE_*
    needs: np.ndarray  # (n, 5) bool in NEEDS order
    armed_forces: np.ndarray
    care_leaver: np.ndarray
    prison_history: np.ndarray
    home_borough: np.ndarray  # index into borough_codes
    # street months
    sm_person: np.ndarray
    sm_month: np.ndarray
    sm_sightings: np.ndarray  # bedded-down days
    sm_contacts: np.ndarray  # other street contacts
    sm_borough: np.ndarray
    sm_first: np.ndarray  # first month of an episode
    sm_nsno: np.ndarray  # brought to No Second Night Out this month
    sm_spell: np.ndarray  # street spell id
    # spells
    spell_person: np.ndarray
    spell_state: np.ndarray
    spell_start: np.ndarray  # month
    spell_end: np.ndarray  # month, -1 while ongoing at the end
    spell_end_code: np.ndarray  # street: X_*; hostel: R_*; others: next state; -1 ongoing
    spell_destination: np.ndarray  # hostel: D_*; -1 otherwise
    spell_borough: np.ndarray  # borough of the episode / hostel
    spell_origin: np.ndarray  # state before the spell
    spell_via_nsno: np.ndarray  # the spell started from an NSNO hub
    spell_brief: np.ndarray  # street: a single-night episode

    @property
    def people(self) -> int:
        return len(self.arrival_month)


def _weights(pairs: tuple[tuple[str, float], ...]) -> tuple[np.ndarray, np.ndarray]:
    keys = np.array([k for k, _ in pairs])
    w = np.array([v for _, v in pairs], dtype=float)
    return keys, w / w.sum()


def _choice(rng: np.random.Generator, probs, size: int) -> np.ndarray:
    """Vectorised categorical draws with fixed probabilities."""
    p = np.asarray(probs, dtype=float)
    cdf = np.cumsum(p / p.sum())
    return np.minimum(np.searchsorted(cdf, rng.random(size), side="right"), len(p) - 1)


def _row_choice(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """Categorical draws, one per row of a probability matrix."""
    cdf = np.cumsum(probs / probs.sum(axis=1, keepdims=True), axis=1)
    u = rng.random(len(probs))[:, None]
    return np.minimum((u > cdf).sum(axis=1), probs.shape[1] - 1)


class _Spells:
    """Growable spell table."""

    def __init__(self, capacity: int) -> None:
        self.n = 0
        self.cols: dict[str, np.ndarray] = {}
        self._alloc(capacity)

    def _alloc(self, capacity: int) -> None:
        new = {
            name: np.full(capacity, -1, dtype=np.int32)
            for name in (
                "person",
                "state",
                "start",
                "end",
                "end_code",
                "destination",
                "borough",
                "origin",
            )  # fmt: skip
        }
        new["via_nsno"] = np.zeros(capacity, dtype=bool)
        new["brief"] = np.zeros(capacity, dtype=bool)
        for name, arr in self.cols.items():
            new[name][: self.n] = arr[: self.n]
        self.cols = new

    def open(self, person, state, start, borough, origin, via_nsno=None, brief=None) -> np.ndarray:
        k = len(person)
        if self.n + k > len(self.cols["person"]):
            self._alloc(2 * (self.n + k))
        ids = np.arange(self.n, self.n + k)
        c = self.cols
        c["person"][ids] = person
        c["state"][ids] = state
        c["start"][ids] = start
        c["borough"][ids] = borough
        c["origin"][ids] = origin
        if via_nsno is not None:
            c["via_nsno"][ids] = via_nsno
        if brief is not None:
            c["brief"][ids] = brief
        self.n += k
        return ids

    def close(self, ids, month, end_code, destination=None) -> None:
        c = self.cols
        c["end"][ids] = month
        c["end_code"][ids] = end_code
        if destination is not None:
            c["destination"][ids] = destination

    def frozen(self) -> dict[str, np.ndarray]:
        return {k: v[: self.n].copy() for k, v in self.cols.items()}


# The state a simulated pilot's intervention kind puts people in.
INTERVENTION_STATE = {
    "hostel": HOSTEL,
    "temporary_accommodation": TA,
    "supported_housing": SUPPORTED,
    "housing_first": HOUSING_FIRST,
    "settled": SETTLED,
}


def _simulated_pilot_ratio(
    a: Assumptions,
    state: np.ndarray,
    borough: np.ndarray,
    since: np.ndarray,
    borough_codes: tuple[str, ...],
) -> np.ndarray:
    """Each person's multiplier on the chance of returning from the simulated pilots: their
    ``hazard_ratio`` for people in the pilot's kind of accommodation in its borough, who moved
    in from its start; 1 for everyone else."""
    ratio = np.ones(len(state))
    for p in a.simulated_pilots:
        start = parse_month(p.start)
        inside = (
            (state == INTERVENTION_STATE[p.intervention])
            & (borough == borough_codes.index(p.borough))
            & (since >= start)
        )
        ratio[inside] *= p.hazard_ratio
    return ratio


INTERVENTION_EXIT = {
    "hostel": X_HOSTEL,
    "temporary_accommodation": X_TA,
    "supported_housing": X_SUPPORTED,
    "housing_first": X_HF,
    "settled": X_SOCIAL,
}


def _simulated_pilot_uptake(
    a: Assumptions,
    dest: np.ndarray,
    borough: np.ndarray,
    month: int,
    borough_codes: tuple[str, ...],
    rng: np.random.Generator,
) -> np.ndarray:
    """From a simulated pilot's start, its ``uptake`` share of the people leaving the street in
    its borough for accommodation go to the pilot's kind instead."""
    housed = np.isin(dest, (X_HOSTEL, X_TA, X_SUPPORTED, X_HF))
    draw = rng.random(len(dest))
    dest = dest.copy()
    for p in a.simulated_pilots:
        if month < parse_month(p.start) or p.uptake == 0:
            continue
        offered = housed & (borough == borough_codes.index(p.borough)) & (draw < p.uptake)
        dest[offered] = INTERVENTION_EXIT[p.intervention]
    return dest


def simulate(
    a: Assumptions,
    scale: float,
    first_month: int,
    end_month: int,
    borough_weights: np.ndarray,
    pilot: np.ndarray,
    rng: np.random.Generator,
    borough_codes: tuple[str, ...] = (),
) -> Journeys:
    """Simulate everyone's journey from ``first_month`` to ``end_month`` (inclusive).

    ``borough_codes`` names the boroughs of ``borough_weights`` in order (needed only for
    ``a.simulated_pilots``)."""
    months = np.arange(first_month, end_month + 1)
    by_fy = dict(a.new_people_by_fy)
    lo, hi = min(by_fy), max(by_fy)
    fy = np.clip(fy_of_month(months), lo, hi)
    season = np.asarray(a.arrival_seasonality)[months % 12]
    # Normalise seasonality within each financial year so a year's arrivals match its figure.
    season_fy = np.array([season[fy == y].mean() if (fy == y).any() else 1.0 for y in fy])
    rate = (
        scale * a.arrival_scale * np.array([by_fy[int(y)] for y in fy]) / 12.0 * season / season_fy
    )
    counts = rng.poisson(rate)
    arrival_month = np.repeat(months, counts).astype(np.int32)
    n = len(arrival_month)

    # --- who arrives ---
    asylum = rng.random(n) < a.share_from_asylum_support
    nat_group = np.where(asylum, NAT_ROW, _choice(rng, a.nationality_mix_other_routes, n))
    nationality = np.empty(n, dtype="<U3")
    nationality[nat_group == NAT_UK] = "GBR"
    for group, table in ((NAT_EU, EU_COUNTRIES), (NAT_ROW, REST_OF_WORLD_COUNTRIES)):
        keys, p = _weights(table)
        sel = (nat_group == group) & ~asylum
        nationality[sel] = keys[_choice(rng, p, int(sel.sum()))]
    keys, p = _weights(ASYLUM_COUNTRIES)
    nationality[asylum] = keys[_choice(rng, p, int(asylum.sum()))]
    route = np.where(asylum, ROUTE_ASYLUM, _choice(rng, a.route_mix_other, n))

    nb, other, unk = a.other_gender_shares
    gender = _choice(rng, (a.male_share, 1 - a.male_share - nb - other - unk, nb, other, unk), n)
    bands = np.array([[18, 26], [26, 36], [36, 46], [46, 56], [56, 71]], dtype=float)
    band = _choice(rng, a.age_band_mix, n)
    # Asylum seekers leaving support are younger.
    band = np.where(asylum & (band == 4), 1, band)
    age = bands[band, 0] + rng.random(n) * (bands[band, 1] - bands[band, 0])

    needs = np.zeros((n, len(NEEDS)), dtype=bool)
    uk = nat_group == NAT_UK
    shares = (
        a.mental_health_share,
        a.alcohol_share,
        a.drugs_share,
        a.physical_health_share,
        a.learning_disability_share,
    )
    for j, share in enumerate(shares):
        # UK nationals report needs more often than recent migrants (ASSUMPTION).
        p_need = np.where(uk, share * 1.15, share * 0.85)
        needs[:, j] = rng.random(n) < p_need
    armed_forces = uk & (gender == 0) & (rng.random(n) < a.armed_forces_share_uk)
    care_leaver = (age < 26) & (rng.random(n) < a.care_leaver_share_young)
    prison_history = (route == ROUTE_PRISON) | (
        (nat_group != NAT_ROW) & (rng.random(n) < a.prison_history_share)
    )
    home_borough = _choice(rng, borough_weights, n)
    entrenched_person = rng.random(n) < a.entrenched_share
    lam_scale = rng.gamma(4.0, 0.25, n)  # person-level visibility around the mean

    # --- month by month ---
    state = np.zeros(n, dtype=np.int8)
    since = np.zeros(n, dtype=np.int32)
    left_street = np.zeros(n, dtype=np.int32)  # month a person last left the street
    episode_start = np.full(n, -1, dtype=np.int32)
    episode_brief = np.zeros(n, dtype=bool)
    episode_borough = home_borough.copy()
    episodes = np.zeros(n, dtype=np.int16)
    spell = np.full(n, -1, dtype=np.int64)
    away_mult = np.ones(n)
    spells = _Spells(max(16, n * 4))
    sm: dict[str, list[np.ndarray]] = {
        k: [] for k in ("person", "month", "sightings", "contacts", "borough", "first", "nsno")
    }
    sm_spell: list[np.ndarray] = []

    p_exit_dest = np.asarray(a.street_exit_destinations, dtype=float)
    hf_boost = np.ones(len(p_exit_dest))
    hf_boost[X_HF] = a.housing_first_entrenched_boost
    starts = np.searchsorted(arrival_month, months)
    ends = np.searchsorted(arrival_month, months, side="right")

    def start_street(people: np.ndarray, m: int, origin: np.ndarray | int) -> None:
        """Open a street episode starting in month ``m``."""
        first = episodes[people] == 0
        brief_p = np.where(first, a.brief_first_episode_share, a.brief_return_episode_share)
        episode_brief[people] = rng.random(len(people)) < brief_p
        moves = (~first) & (rng.random(len(people)) < a.episode_moves_borough_share)
        episode_borough[people] = np.where(
            moves, _choice(rng, borough_weights, len(people)), home_borough[people]
        )
        episode_start[people] = m
        episodes[people] += 1
        state[people] = STREET
        since[people] = m
        spell[people] = spells.open(
            people, STREET, m, episode_borough[people], origin, brief=episode_brief[people]
        )

    def enter(people: np.ndarray, new_state: np.ndarray, m: int, origin, via_nsno=None) -> None:
        """Move people into off-street states (street returns start next month)."""
        if len(people) == 0:
            return
        to_street = new_state == STREET
        if to_street.any():
            start_street(
                people[to_street], m + 1, origin if np.isscalar(origin) else origin[to_street]
            )
        rest = ~to_street
        p, s = people[rest], new_state[rest]
        state[p] = s
        since[p] = m
        org = origin if np.isscalar(origin) else origin[rest]
        nsno = None if via_nsno is None else via_nsno[rest]
        spell[p] = spells.open(p, s, m, episode_borough[p], org, via_nsno=nsno)

    for mi, m in enumerate(months):
        # (a) arrivals
        new = np.arange(starts[mi], ends[mi])
        if len(new):
            start_street(new, m, NOT_ARRIVED)

        # (b) a month on the street (episodes that start next month wait)
        on_street = np.flatnonzero((state == STREET) & (episode_start <= m))
        first = episode_start[on_street] == m
        brief = episode_brief[on_street]
        ent = entrenched_person[on_street] & ~brief
        lam = np.where(ent, a.sightings_per_month[0], a.sightings_per_month[1])
        lam = lam * lam_scale[on_street]
        sightings = rng.poisson(np.where(first, 0.6 * lam, lam))
        sightings = np.where(first, 1 + np.where(brief, 0, sightings), sightings)
        contacts = rng.poisson(
            np.where(ent, a.street_contacts_per_month[0], a.street_contacts_per_month[1])
            * np.where(brief, 0.3, 1.0)
        )
        new_person = first & (episodes[on_street] == 1)
        nsno = brief & new_person & (rng.random(len(on_street)) < a.nsno_share_of_brief_new)

        sm["person"].append(on_street.astype(np.int32))
        sm["month"].append(np.full(len(on_street), m, dtype=np.int32))
        sm["sightings"].append(sightings.astype(np.int16))
        sm["contacts"].append(contacts.astype(np.int16))
        sm["borough"].append(episode_borough[on_street].astype(np.int8))
        sm["first"].append(first)
        sm["nsno"].append(nsno)
        sm_spell.append(spell[on_street].copy())

        # (c) leaving the street
        exit_rate = np.where(ent, a.street_exit_rate[0], a.street_exit_rate[1])
        leaves = (brief & first) | (rng.random(len(on_street)) < exit_rate)
        dies = rng.random(len(on_street)) < a.death_rate_street
        leaves |= dies
        who = on_street[leaves]
        k = len(who)
        dest = np.full(k, X_AWAY)
        w_brief = brief[leaves] & first[leaves]
        w_nsno = nsno[leaves]
        # NSNO: hostel, TA, supported, reconnection UK, reconnection abroad, settled PRS, away
        nsno_map = np.array(
            [X_HOSTEL, X_TA, X_SUPPORTED, X_RECON_UK, X_RECON_ABROAD, X_PRS, X_AWAY]
        )
        dest[w_nsno] = nsno_map[_choice(rng, a.nsno_destinations, int(w_nsno.sum()))]
        plain_brief = w_brief & ~w_nsno
        brief_map = np.array([X_HOSTEL, X_RECON_UK, X_AWAY])
        dest[plain_brief] = brief_map[_choice(rng, a.brief_destinations, int(plain_brief.sum()))]
        longer = ~w_brief
        if longer.any():
            probs = np.tile(p_exit_dest, (int(longer.sum()), 1))
            probs[ent[leaves][longer]] *= hf_boost
            probs[nat_group[who[longer]] == NAT_UK, X_RECON_ABROAD] = 0.0
            dest[longer] = LONGER_EPISODE_EXITS[_row_choice(rng, probs)]
        # UK nationals are not reconnected abroad: they are reconnected within the UK.
        dest[(dest == X_RECON_ABROAD) & (nat_group[who] == NAT_UK)] = X_RECON_UK
        if a.simulated_pilots:
            dest = _simulated_pilot_uptake(a, dest, episode_borough[who], m, borough_codes, rng)
        dest[dies[leaves]] = X_DIED
        spells.close(spell[who], m, dest)
        left_street[who] = m
        away_mult[who] = np.where(
            w_brief, a.away_return_multiplier_brief, np.where(dest == X_RECON_ABROAD, 0.3, 1.0)
        )
        enter(who, STREET_EXIT_STATE[dest], m, STREET, via_nsno=w_nsno)

        # (d) everyone else off the street (not those who moved this month)
        off = np.flatnonzero((state > STREET) & (state < DEAD) & (since < m))
        if len(off) == 0:
            continue
        st = state[off]
        pilot_mult = np.where(pilot[episode_borough[off]], a.pilot_return_multiplier, 1.0)
        if a.simulated_pilots:
            pilot_mult = pilot_mult * _simulated_pilot_ratio(
                a, state[off], episode_borough[off], since[off], borough_codes
            )
        dies = rng.random(len(off)) < a.death_rate_elsewhere
        u = rng.random(len(off))
        moves = np.zeros(len(off), dtype=bool)
        nxt = np.full(len(off), -1)
        code = np.full(len(off), -1)
        destination = np.full(len(off), -1)

        # hostel stays end with a reason and a destination
        h = (st == HOSTEL) & ((u < a.hostel_exit_rate) | dies)
        reason = _choice(rng, a.hostel_exit_reasons, len(off))
        reason[dies] = R_DIED
        dest_h = np.full(len(off), D_UNKNOWN)
        move_on = reason == R_PLANNED
        dest_h[move_on] = np.array([D_PRS, D_SOCIAL, D_SUPPORTED, D_HF, D_FAMILY])[
            _choice(rng, a.move_on_destinations, int(move_on.sum()))
        ]
        unplanned = (reason == R_EVICTED) | (reason == R_ABANDONED)
        to_street = rng.random(len(off)) < a.unplanned_exit_to_street * pilot_mult
        dest_h[unplanned & to_street] = D_STREET
        dest_h[reason == R_TRANSFERRED] = D_ANOTHER
        dest_h[reason == R_CUSTODY] = D_CUSTODY
        dest_h[reason == R_HOSPITAL] = D_HOSPITAL
        dest_h[reason == R_DIED] = D_DIED
        dest_state = np.array(
            [
                SETTLED,
                SETTLED,
                SUPPORTED,
                HOUSING_FIRST,
                AWAY,
                HOSTEL,
                STREET,
                CUSTODY,
                HOSPITAL,
                DEAD,
                AWAY,
            ]
        )
        moves |= h
        nxt[h] = dest_state[dest_h[h]]
        code[h] = reason[h]
        destination[h] = dest_h[h]

        # TA and supported housing: leave for a settled home, the street or elsewhere
        for s_code, rate, p_street in (
            (TA, a.ta_exit_rate, a.ta_exit_to_street),
            (SUPPORTED, a.supported_exit_rate, a.supported_exit_to_street),
        ):
            sel = (st == s_code) & (u < rate)
            v = rng.random(len(off))
            where = np.where(
                v < p_street * pilot_mult,
                STREET,
                np.where(v < p_street + (1 - p_street) * 2 / 3, SETTLED, AWAY),
            )
            moves |= sel
            nxt[sel] = where[sel]
        # Housing First and settled homes: the chance of losing them
        # (a few years after leaving the street the chance of going back fades)
        off_street_for = (m - left_street[off]).astype(float)
        fade = np.exp(
            -np.maximum(off_street_for - a.return_plateau_months, 0) / a.return_fade_months
        )
        # Everyone In: people helped off the street in 2020/21 came back less.
        fade = fade * np.where(
            fy_of_month(left_street[off]) == 2020, a.everyone_in_return_multiplier, 1.0
        )
        for s_code, rate in (
            (HOUSING_FIRST, a.housing_first_return_rate),
            (SETTLED, a.settled_return_rate),
        ):
            sel = (st == s_code) & (u < rate * pilot_mult * fade)
            moves |= sel
            nxt[sel] = STREET
        # hospital and custody
        sel = ((st == HOSPITAL) | (st == CUSTODY)) & (u < a.institution_exit_rate)
        v = rng.random(len(off))
        where = np.where(
            v < a.institution_exit_to_street,
            STREET,
            np.where(v < a.institution_exit_to_street + a.institution_exit_to_hostel, HOSTEL, AWAY),
        )
        moves |= sel
        nxt[sel] = where[sel]
        # whereabouts unknown: the chance of coming back to the street fades with time away
        away_for = (m - since[off]).astype(float)
        p_back = (
            a.away_return_early * np.exp(-away_for / a.away_return_decay_months)
            + a.away_return_long_run * np.minimum(away_for / a.away_return_ramp_months, 1.0) * fade
        ) * away_mult[off]
        sel = (st == AWAY) & (u < p_back)
        moves |= sel
        nxt[sel] = STREET

        # deaths outside hostels
        d = dies & (st != HOSTEL)
        moves |= d
        nxt[d] = DEAD

        movers = off[moves]
        nxt = nxt[moves]
        code = np.where(code[moves] >= 0, code[moves], nxt)
        spells.close(spell[movers], m, code, destination[moves])
        away_mult[movers] = 1.0
        enter(movers, nxt, m, st[moves])

    sp = spells.frozen()
    cat = {k: np.concatenate(v) for k, v in sm.items()}
    return Journeys(
        first_month=int(first_month),
        end_month=int(end_month),
        arrival_month=arrival_month,
        gender=gender.astype(np.int8),
        age_at_arrival=age,
        nationality=nationality,
        nationality_group=nat_group.astype(np.int8),
        route=route.astype(np.int8),
        needs=needs,
        armed_forces=armed_forces,
        care_leaver=care_leaver,
        prison_history=prison_history,
        home_borough=home_borough.astype(np.int8),
        sm_person=cat["person"],
        sm_month=cat["month"],
        sm_sightings=cat["sightings"],
        sm_contacts=cat["contacts"],
        sm_borough=cat["borough"],
        sm_first=cat["first"],
        sm_nsno=cat["nsno"],
        sm_spell=np.concatenate(sm_spell),
        spell_person=sp["person"],
        spell_state=sp["state"],
        spell_start=sp["start"],
        spell_end=sp["end"],
        spell_end_code=sp["end_code"],
        spell_destination=sp["destination"],
        spell_borough=sp["borough"],
        spell_origin=sp["origin"],
        spell_via_nsno=sp["via_nsno"],
        spell_brief=sp["brief"],
    )


def is_eu(code: str) -> bool:
    return code in EU_EEA_CODES
