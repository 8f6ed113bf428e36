"""Every number the synthetic London is built from, named, with where it comes from.

Each field's comment starts with PUBLISHED (a figure from a public report, quoted in
``CALIBRATION.md``), DERIVED (set so that a published figure is reproduced; the calibration
table checks it) or ASSUMPTION (ours: plausible, not a fact). Rates are per month unless named
otherwise. Change a value by building ``Assumptions(...)`` with keyword arguments (or
``dataclasses.replace``); the instance is frozen so a run cannot drift.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Financial year (starting April of the given year) -> people first seen rough sleeping in London.
NEW_PEOPLE_BY_FY: tuple[tuple[int, int], ...] = (
    # ASSUMPTION: approximate CHAIN annual "new" counts before 2022/23 (shape of the decade).
    (2013, 4800),
    (2014, 5100),
    (2015, 5300),
    (2016, 5300),
    (2017, 4900),
    (2018, 5500),
    (2019, 7050),
    (2020, 7500),
    (2021, 5100),
    # PUBLISHED: CHAIN annual reports, new (flow) in 2022/23, 2023/24, 2024/25.
    (2022, 6391),
    (2023, 7974),
    (2024, 8396),
    # ASSUMPTION: 2025/26 continues 2024/25.
    (2025, 8400),
)

# Borough code -> relative weight of where a person's street episodes happen.
BOROUGH_WEIGHTS: tuple[tuple[str, float], ...] = (
    ("E09000033", 13.5),  # Westminster: DERIVED so 18% of people are seen there (PUBLISHED 2,102)
    ("E09000022", 5.4),  # Lambeth: DERIVED from PUBLISHED 681
    ("E09000008", 3.6),  # Croydon: DERIVED from PUBLISHED 449
    ("E09000020", 1.8),  # Kensington and Chelsea: DERIVED from PUBLISHED 226
    # ASSUMPTION: the long tail of the other boroughs, below the four named above.
    ("E09000007", 4.4),  # Camden
    ("E09000001", 3.4),  # City of London
    ("E09000028", 4.0),  # Southwark
    ("E09000025", 4.2),  # Newham
    ("E09000030", 3.6),  # Tower Hamlets
    ("E09000017", 3.4),  # Hillingdon (Heathrow)
    ("E09000009", 3.4),  # Ealing
    ("E09000019", 3.0),  # Islington
    ("E09000012", 2.8),  # Hackney
    ("E09000014", 2.6),  # Haringey
    ("E09000005", 2.8),  # Brent
    ("E09000013", 2.4),  # Hammersmith and Fulham
    ("E09000032", 2.2),  # Wandsworth
    ("E09000023", 2.0),  # Lewisham
    ("E09000031", 1.8),  # Waltham Forest
    ("E09000018", 1.9),  # Hounslow
    ("E09000010", 1.6),  # Enfield
    ("E09000003", 1.6),  # Barnet
    ("E09000011", 1.6),  # Greenwich
    ("E09000026", 1.3),  # Redbridge
    ("E09000002", 1.1),  # Barking and Dagenham
    ("E09000024", 1.0),  # Merton
    ("E09000006", 0.9),  # Bromley
    ("E09000015", 0.8),  # Harrow
    ("E09000016", 0.7),  # Havering
    ("E09000021", 0.7),  # Kingston upon Thames
    ("E09000027", 0.8),  # Richmond upon Thames
    ("E09000004", 0.5),  # Bexley
    ("E09000029", 0.5),  # Sutton
)

# Nationality (ISO alpha-3) -> weight within its broad group. ASSUMPTION: CHAIN's largest groups.
EU_COUNTRIES: tuple[tuple[str, float], ...] = (
    ("ROU", 45),
    ("POL", 22),
    ("LTU", 6),
    ("BGR", 6),
    ("PRT", 5),
    ("IRL", 4),
    ("ITA", 4),
    ("ESP", 3),
    ("LVA", 3),
    ("HUN", 2),
    ("CZE", 1),
    ("SVK", 1),
    ("FRA", 1),
    ("DEU", 1),
)
REST_OF_WORLD_COUNTRIES: tuple[tuple[str, float], ...] = (
    ("ERI", 14),
    ("SDN", 10),
    ("IND", 9),
    ("SOM", 7),
    ("AFG", 6),
    ("IRN", 6),
    ("NGA", 6),
    ("ETH", 5),
    ("SYR", 3),
    ("IRQ", 3),
    ("EGY", 3),
    ("PAK", 4),
    ("GHA", 4),
    ("JAM", 4),
    ("BGD", 3),
    ("ALB", 4),
    ("MAR", 2),
    ("DZA", 2),
    ("BRA", 2),
    ("USA", 2),
    ("AUS", 1),
)
# Nationalities of people arriving from asylum support accommodation. ASSUMPTION.
ASYLUM_COUNTRIES: tuple[tuple[str, float], ...] = (
    ("ERI", 30),
    ("SDN", 22),
    ("AFG", 12),
    ("IRN", 10),
    ("SYR", 6),
    ("IRQ", 6),
    ("ETH", 6),
    ("SOM", 5),
    ("ALB", 3),
)


@dataclass(frozen=True)
class SimulatedPilot:
    """A pilot with a known effect, for testing the evaluation against the truth: from ``start``
    (``YYYY-MM``), people whose move in ``borough`` into ``intervention`` (a first-intervention
    kind: ``housing_first``, ``hostel``, ``temporary_accommodation``, ``supported_housing``,
    ``settled``) began then or later return to the street at ``hazard_ratio`` times the rate
    they otherwise would. A ratio of 1 is a pilot with no effect. ``uptake``: the share of the
    people leaving the street in the borough for accommodation whom the pilot houses instead."""

    borough: str
    intervention: str
    start: str
    hazard_ratio: float
    uptake: float = 0.0


@dataclass(frozen=True)
class Assumptions:
    """The parameters of the synthetic London (see the module docstring for the labels)."""

    # --- Volumes -------------------------------------------------------------------------
    new_people_by_fy: tuple[tuple[int, int], ...] = NEW_PEOPLE_BY_FY
    # DERIVED: first-ever arrivals per published "new" person. Returns fade after a few years
    # (``return_plateau_months``), so with four or more years of extract before a year hardly
    # anyone last seen before the extract began looks new, and this stays close to 1.
    arrival_scale: float = 1.0
    # ASSUMPTION: the simulated world begins in April of this year whatever --start is, so a
    # given year has the same history (stock, people away, returners) for every start.
    history_from_fy: int = 2010
    # ASSUMPTION: at least this many months are simulated before --start (for starts before
    # ``history_from_fy``) so that people are on the street, in hostels or away on day one.
    # Records before --start are not written.
    burn_in_months: int = 36
    # ASSUMPTION: month-of-year weights for arrivals (Jan..Dec); summer higher, as in CHAIN
    # quarterly reports (2023/24 Q2 new 2,086 is above a quarter of 7,974).
    arrival_seasonality: tuple[float, ...] = (
        0.95, 0.92, 0.97, 1.0, 1.02, 1.03, 1.05, 1.05, 1.02, 1.0, 0.98, 0.95,
    )  # fmt: skip

    # --- Who arrives ---------------------------------------------------------------------
    # PUBLISHED: 17% of new people in 2023/24 came from asylum support accommodation.
    share_from_asylum_support: float = 0.17
    # DERIVED: nationality group of other arrivals (UK, EU/EEA, rest of world) so the year's
    # total is UK 45%, Europe 25%, rest 30% (PUBLISHED 2023/24).
    nationality_mix_other_routes: tuple[float, float, float] = (0.54, 0.30, 0.16)
    # ASSUMPTION: routes in for people not from asylum support (shares sum to 1):
    # end of tenancy, family/friends eviction, left prison, left hospital, domestic abuse, other.
    route_mix_other: tuple[float, ...] = (0.22, 0.26, 0.12, 0.05, 0.05, 0.30)
    # DERIVED: 84% of people seen in 2023/24 were male (PUBLISHED).
    male_share: float = 0.835
    # ASSUMPTION: non-binary, other and unknown gender shares.
    other_gender_shares: tuple[float, float, float] = (0.004, 0.002, 0.005)
    # DERIVED: age at arrival in bands 18-25, 26-35, 36-45, 46-55, 56-70 so that 9% are 25 or
    # under and 79% are 26-55 among people seen in 2023/24 (PUBLISHED).
    age_band_mix: tuple[float, ...] = (0.10, 0.29, 0.285, 0.22, 0.105)
    # DERIVED: mental-health support need, 48% of people seen in 2023/24 (PUBLISHED).
    mental_health_share: float = 0.58
    # ASSUMPTION: other support needs.
    alcohol_share: float = 0.30
    drugs_share: float = 0.30
    physical_health_share: float = 0.22
    learning_disability_share: float = 0.05
    # ASSUMPTION: institutional history flags among UK nationals.
    armed_forces_share_uk: float = 0.06
    care_leaver_share_young: float = 0.25
    prison_history_share: float = 0.25

    # --- Life on the street ------------------------------------------------------------------
    # DERIVED: share of first episodes that are a single night (PUBLISHED: 70% of new people in
    # 2023/24 were seen only once).
    brief_first_episode_share: float = 0.50
    # ASSUMPTION: share of later episodes (returns) that are a single night.
    brief_return_episode_share: float = 0.30
    # DERIVED: share of longer episodes that are entrenched (seen often, slow to leave), with the
    # sightings below, so 2023/24 Q2 living on the streets (481) and stock (20%) are reproduced.
    entrenched_share: float = 0.12
    # DERIVED: mean bedded-down sightings per month on the street (entrenched, other); sets
    # living on the streets vs intermittent (PUBLISHED 2023/24 Q2: 481 and 1,561).
    sightings_per_month: tuple[float, float] = (0.9, 0.42)
    # ASSUMPTION: non-bedded-down street contacts per month on the street (entrenched, other).
    street_contacts_per_month: tuple[float, float] = (8.0, 2.2)
    # ASSUMPTION: chance each month of leaving the street (entrenched, other longer episodes).
    street_exit_rate: tuple[float, float] = (0.075, 0.40)
    # ASSUMPTION: monthly chance of dying while on the street, and elsewhere.
    death_rate_street: float = 0.0012
    death_rate_elsewhere: float = 0.0003
    # ASSUMPTION: share of a person's contacts seen in a borough other than the episode's.
    contact_elsewhere_share: float = 0.08
    # ASSUMPTION: chance a later episode happens in a borough other than the first one.
    episode_moves_borough_share: float = 0.25

    # --- Responses -------------------------------------------------------------------------
    # ASSUMPTION: share of single-night new people brought to No Second Night Out.
    nsno_share_of_brief_new: float = 0.45
    # ASSUMPTION: where people go from NSNO: hostel, TA, supported, reconnection UK,
    # reconnection abroad, settled PRS, no known outcome (away).
    nsno_destinations: tuple[float, ...] = (0.30, 0.04, 0.02, 0.12, 0.10, 0.03, 0.39)
    # ASSUMPTION: where other single-night people go: hostel, reconnection, away.
    brief_destinations: tuple[float, ...] = (0.06, 0.03, 0.91)
    # ASSUMPTION: where longer episodes end: hostel, TA, supported, housing first, settled PRS,
    # settled social, reconnection UK, reconnection abroad, hospital, custody, away.
    street_exit_destinations: tuple[float, ...] = (
        0.42, 0.04, 0.03, 0.02, 0.03, 0.01, 0.04, 0.06, 0.03, 0.04, 0.28,
    )  # fmt: skip
    # ASSUMPTION: Housing First goes mostly to entrenched people: multiplier on its share.
    housing_first_entrenched_boost: float = 4.0
    # DERIVED: share of arrivals by other routes (end of tenancy, family, domestic abuse,
    # other) who approached a borough's housing options (H-CLIC) in the year before first
    # sleeping rough, so that with the referrals below about a quarter of new people had an
    # H-CLIC case in the previous 12 months (CALIBRATION assumption).
    prior_hclic_share: float = 0.09
    # DERIVED: share of people leaving asylum support accommodation whose borough was told
    # (an H-CLIC case with reason ``asylum_support_ended``) in the weeks before their first
    # night out, so the recorded share of new people from asylum support is the PUBLISHED 17%.
    asylum_support_hclic_share: float = 0.95
    # ASSUMPTION: share of prison and hospital leavers referred to a borough under the duty to
    # refer (an H-CLIC case with reason ``left_institution``) before their first night out.
    institution_hclic_share: float = 0.2
    # ASSUMPTION: such referrals and notices come at most this many days before the street.
    institution_referral_max_days: int = 80
    # DERIVED: share of prison and hospital leavers who had a hostel place before going in (an
    # In-Form stay ending in custody or hospital weeks before the street), so that, with the
    # referrals above, 10% of a month's people are new and left an institution in the 85 days
    # before (PUBLISHED, England, Data Framework March 2025: P2).
    hostel_before_institution_share: float = 0.55
    # ASSUMPTION: share of longer street episodes with an H-CLIC approach while rough sleeping.
    street_hclic_share: float = 0.15

    # --- Hostels and other accommodation ---------------------------------------------------------
    # ASSUMPTION: monthly chance of leaving a hostel (mean stay about 8 months).
    hostel_exit_rate: float = 0.12
    # ASSUMPTION: hostel move-out reasons: planned move-on, evicted, abandoned, transferred,
    # custody, hospital, died, other.
    hostel_exit_reasons: tuple[float, ...] = (0.50, 0.14, 0.20, 0.07, 0.03, 0.03, 0.01, 0.02)
    # ASSUMPTION: destinations after planned move-on: PRS, social, supported, Housing First,
    # family/friends.
    move_on_destinations: tuple[float, ...] = (0.30, 0.20, 0.27, 0.05, 0.18)
    # ASSUMPTION: share of evictions and abandonments that end on the street (rest unknown).
    unplanned_exit_to_street: float = 0.8
    # ASSUMPTION: monthly chance of leaving TA, supported housing (to elsewhere).
    ta_exit_rate: float = 0.06
    supported_exit_rate: float = 0.05
    # ASSUMPTION: share of TA and supported-housing leavers who return to the street (rest split
    # settled / away 2:1).
    ta_exit_to_street: float = 0.26
    supported_exit_to_street: float = 0.28
    # ASSUMPTION: monthly chance of returning to the street from Housing First / settled homes.
    housing_first_return_rate: float = 0.005
    settled_return_rate: float = 0.025
    # ASSUMPTION: monthly chance of leaving hospital or custody; share going to the street,
    # to a hostel (rest away).
    institution_exit_rate: float = 0.25
    institution_exit_to_street: float = 0.45
    institution_exit_to_hostel: float = 0.15
    # ASSUMPTION: multiplier on return hazards in the four pilot boroughs (better tenancy
    # sustainment support).
    pilot_return_multiplier: float = 0.8
    # ASSUMPTION (off by default): pilots with a known effect on returns (``SimulatedPilot``);
    # the demo turns two on (``pipelines.synthetic.pilots``). None: the draws are as before.
    simulated_pilots: tuple[SimulatedPilot, ...] = ()
    # DERIVED: monthly chance that someone whose whereabouts are unknown comes back to the street:
    # early (decaying with months away; none here, as quick returns come from hostels and
    # tenancies) + long-run. Sets stock (20%) and returners (14%).
    away_return_early: float = 0.0
    away_return_decay_months: float = 10.0
    away_return_long_run: float = 0.028
    # ASSUMPTION: the long-run chance builds up over this many months away (people who drift
    # back after a long absence are the returners, not the stock).
    away_return_ramp_months: float = 12.0
    # ASSUMPTION: this many months after last leaving the street, the long-run chance of coming
    # back to it (from away, a settled home or Housing First) fades (e-folding months below), so
    # few people return after more than four years and the split of a year's people into new
    # and returners does not depend on how many earlier years the extract holds.
    return_plateau_months: float = 30.0
    return_fade_months: float = 5.0
    # DERIVED: multiplier on those long-run returns for people who left the street in 2020/21
    # (Everyone In: hotels, then move-on with support), so the returners of 2022/23 (PUBLISHED
    # 1,578) are not inflated by that year's large intake.
    everyone_in_return_multiplier: float = 0.6
    # ASSUMPTION: single-night and NSNO people come back less (87% of NSNO did not return).
    away_return_multiplier_brief: float = 0.22

    # --- Records and identity noise --------------------------------------------------------------
    # ASSUMPTION (CALIBRATION): share of people with a duplicate CHAIN record; of those, share
    # with a third.
    chain_duplicate_share: float = 0.05
    chain_triplicate_share: float = 0.15
    # ASSUMPTION (CALIBRATION): date of birth missing on CHAIN (approx_age instead), H-CLIC,
    # In-Form.
    dob_missing: tuple[float, float, float] = (0.30, 0.03, 0.10)
    # ASSUMPTION (CALIBRATION): surname missing on CHAIN, H-CLIC, In-Form.
    surname_missing: tuple[float, float, float] = (0.10, 0.01, 0.04)
    # ASSUMPTION (CALIBRATION): NI number recorded (when the person has one) on CHAIN, H-CLIC,
    # In-Form.
    ni_recorded: tuple[float, float, float] = (0.15, 0.85, 0.55)
    # ASSUMPTION: share of people who have an NI number by nationality group (UK, EU, rest).
    ni_held: tuple[float, float, float] = (0.97, 0.75, 0.45)
    # ASSUMPTION (CALIBRATION): first and last name swapped; day and month of birth transposed.
    names_swapped: float = 0.02
    day_month_transposed: float = 0.02
    # ASSUMPTION: a keying slip in a name field of a record.
    typo_rate: float = 0.04
    # ASSUMPTION: a name field written in another spelling of the same sounds, for names in the
    # Latin alphabet and for names romanised from another script (Arabic, Ge'ez, Cyrillic,
    # Indian scripts), which have no one spelling.
    variant_rate: tuple[float, float] = (0.05, 0.2)
    # ASSUMPTION: a name field written as it was heard, not as it is spelt, on CHAIN (told to an
    # outreach worker on the street), H-CLIC (documents usually seen) and In-Form.
    misheard_rate: tuple[float, float, float] = (0.05, 0.01, 0.02)
    # ASSUMPTION: a CHAIN record with a short form of the forename (Rob, Tomek) as the forename,
    # and one with the person's street name in the forename field.
    short_form_as_forename: float = 0.08
    known_as_as_forename: float = 0.05
    # ASSUMPTION: people with a street name / alias, and CHAIN records carrying it.
    alias_share: float = 0.30
    alias_recorded: float = 0.8
    # ASSUMPTION: gender, nationality, ethnicity recorded as unknown.
    gender_unknown_record: float = 0.01
    nationality_unknown_record: float = 0.03
    ethnicity_unknown_record: float = 0.06
    # ASSUMPTION: chance that each true support need is recorded on a CHAIN record.
    support_need_recorded: float = 0.88
    # ASSUMPTION: standard deviation (years) of the approximate age outreach workers record.
    approx_age_sd: float = 2.5

    # --- Distractors (records of people never seen rough sleeping) ------------------------------
    # ASSUMPTION: H-CLIC households per year (at scale 1) who never sleep rough in the data.
    hclic_households_never_rough_sleeping: int = 6000
    # ASSUMPTION: hostel stays by people referred from elsewhere, per CHAIN-linked stay.
    hostel_stays_not_from_street: float = 0.15

    # --- Providers ----------------------------------------------------------------------------
    hostel_providers: tuple[str, ...] = field(
        # ASSUMPTION: hostel provider names (illustrative).
        default=(
            "St Mungo's",
            "Thames Reach",
            "SHP",
            "Look Ahead",
            "Riverside",
            "Evolve",
            "Centrepoint",
            "Salvation Army",
        )
    )


DEFAULT_ASSUMPTIONS = Assumptions()
