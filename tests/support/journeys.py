"""Random but plausible journeys, for testing the survival, pathway and comparison code.

Not the synthetic London (that is ``pathways generate``, calibrated to published figures):
this draws events and people straight in the shapes the metrics read (``metrics.journeys``),
so the metrics can be tested on thousands of people without the rest of the pipeline. Every
rate below is an assumption.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

from contract.reference import (
    ACCOMMODATION_EVENTS,
    AGE_BANDS,
    DESTINATIONS,
    ETHNIC_GROUPS,
    GENDERS,
    NATIONALITY_GROUPS,
    REASONS_LOSS_OF_HOME,
    borough_codes,
)
from metrics.journeys import EVENTS_SCHEMA, HISTORY_FLAGS, PEOPLE_SCHEMA, SUPPORT_NEED_FLAGS


def sample_journeys(
    n_people: int = 100_000,
    start: date = date(2015, 4, 1),
    end: date = date(2025, 3, 31),
    seed: int = 1,
    street_contacts_per_person: float = 20.0,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Events and people for ``n_people`` first seen between ``start`` and ``end``.

    Returns:
        ``(events, people)`` in ``EVENTS_SCHEMA`` and ``PEOPLE_SCHEMA``, events sorted by
        person then date.
    """
    rng = np.random.default_rng(seed)
    span = (end - start).days
    keys = np.array([f"p{i:07d}" for i in range(n_people)])
    codes = np.array(borough_codes())
    weights = np.r_[np.full(len(codes) - 1, 1.0), 8.0]  # Westminster (last) draws most people
    home = rng.choice(codes, size=n_people, p=weights / weights.sum())
    first = rng.integers(0, span, size=n_people)
    # How a person's journey goes depends a little on who they are, so comparisons have signal.
    need = rng.random((n_people, len(SUPPORT_NEED_FLAGS))) < 0.3
    frailty = 1.0 + 0.8 * need[:, 0] + 0.5 * need[:, 2]

    pieces: list[tuple[np.ndarray, np.ndarray, str, np.ndarray, np.ndarray]] = []

    def add(who: np.ndarray, day: np.ndarray, kind: str, where=None, detail=None) -> None:
        keep = day <= span
        who, day = who[keep], day[keep]
        where = home[who] if where is None else where[keep]
        detail = np.full(len(who), None, dtype=object) if detail is None else detail[keep]
        pieces.append((who, day, kind, where, detail))

    everyone = np.arange(n_people)
    add(everyone, first, "seen_rough_sleeping")
    repeats = rng.geometric(0.45, size=n_people) - 1  # about half are seen only once
    who = np.repeat(everyone, repeats)
    add(who, first[who] + rng.exponential(120, size=len(who)).astype(int), "seen_rough_sleeping")
    who = np.repeat(everyone, rng.poisson(street_contacts_per_person, size=n_people))
    add(who, first[who] + rng.exponential(200, size=len(who)).astype(int), "street_contact")

    who = everyone[rng.random(n_people) < 0.25]
    reason = rng.choice(np.array(REASONS_LOSS_OF_HOME, dtype=object), size=len(who))
    add(who, first[who] - rng.integers(0, 365, size=len(who)), "hclic_approach", detail=reason)
    who = everyone[rng.random(n_people) < 0.08]
    kind = rng.choice(["custody", "hospital"], size=len(who))
    for k in ("custody", "hospital"):
        w = who[kind == k]
        add(w, first[w] - rng.integers(0, 85, size=len(w)), k)
    who = everyone[rng.random(n_people) < 0.3]
    add(who, first[who] + rng.integers(0, 10, size=len(who)), "nsno_arrival")

    moved = everyone[rng.random(n_people) < 0.45]
    move_day = first[moved] + rng.exponential(60, size=len(moved)).astype(int)
    kind = rng.choice(
        np.array(ACCOMMODATION_EVENTS), size=len(moved), p=[0.5, 0.15, 0.05, 0.2, 0.05, 0.05]
    )
    for k in ACCOMMODATION_EVENTS:
        sel = kind == k
        add(moved[sel], move_day[sel], k)
    hostel = moved[kind == "hostel_entry"]
    stay = rng.exponential(250, size=len(hostel)).astype(int)
    destination = rng.choice(np.array(DESTINATIONS, dtype=object), size=len(hostel))
    add(hostel, move_day[kind == "hostel_entry"] + stay, "hostel_exit", detail=destination)
    # Returns: faster for people with more needs, slower after Housing First.
    scale = 400.0 / frailty[moved] * np.where(kind == "housing_first", 3.0, 1.0)
    back = rng.random(len(moved)) < 0.4
    add(
        moved[back],
        move_day[back] + 15 + rng.exponential(scale[back]).astype(int),
        "seen_rough_sleeping",
    )
    who = everyone[rng.random(n_people) < 0.02]
    add(who, first[who] + rng.integers(0, 2000, size=len(who)), "died")

    who_all = np.concatenate([p[0] for p in pieces])
    day_all = np.concatenate([p[1] for p in pieces])
    events = (
        pl.DataFrame(
            {
                "person_key": keys[who_all],
                "event_date": day_all,
                "event_type": np.concatenate([np.full(len(p[0]), p[2]) for p in pieces]),
                "borough": np.concatenate([p[3] for p in pieces]),
                "source": "chain",
                "detail": pl.Series(
                    np.concatenate([p[4] for p in pieces]).tolist(), dtype=pl.String
                ),
            }
        )
        .with_columns(
            event_date=pl.lit(start) + pl.duration(days=pl.col("event_date").cast(pl.Int64))
        )
        .filter(pl.col("event_date") >= date(start.year - 2, 1, 1))
        .sort("person_key", "event_date")
        .select(list(EVENTS_SCHEMA))
    )
    people = pl.DataFrame(
        {
            "person_key": keys,
            "age_band": rng.choice(AGE_BANDS, size=n_people),
            "gender": rng.choice(GENDERS, size=n_people, p=[0.8, 0.15, 0.02, 0.01, 0.02]),
            "ethnic_group": rng.choice(ETHNIC_GROUPS, size=n_people),
            "nationality_group": rng.choice(NATIONALITY_GROUPS, size=n_people),
            **{flag: need[:, i] for i, flag in enumerate(SUPPORT_NEED_FLAGS)},
            **{flag: rng.random(n_people) < 0.1 for flag in HISTORY_FLAGS},
        },
        schema=PEOPLE_SCHEMA,
    )
    return events.cast(EVENTS_SCHEMA), people
