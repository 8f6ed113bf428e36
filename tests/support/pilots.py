"""Simulated people of a pilot borough with a known effect, for the evaluation's tests and the
test release: the weighted comparison (design 2) must find the effect through confounding."""

from __future__ import annotations

import numpy as np
import polars as pl


def pilot_people(
    rng: np.random.Generator,
    hazard_ratio: float,
    n: int = 500,
    columns: tuple[str, str] = ("need", "long_street"),
) -> pl.DataFrame:
    """People in a pilot borough: a support need and a long time on the street each make both
    the pilot and a return likelier (confounding); in the pilot, the hazard of returning is
    ``hazard_ratio`` times what it would be. Followed up to two years.

    Returns:
        ``treated``, ``t`` (days), ``event`` (1 = returned), and the two case-mix flags named
        by ``columns``.
    """
    need = rng.random(n) < 0.4
    long_street = rng.random(n) < 0.5
    treated = rng.random(n) < 1 / (1 + np.exp(-(-0.6 + 1.2 * need + 0.8 * long_street)))
    hazard = 0.0015 * np.exp(0.7 * need + 0.5 * long_street) * np.where(treated, hazard_ratio, 1)
    time = rng.exponential(1 / hazard)
    follow = rng.uniform(180, 730, n)
    return pl.DataFrame(
        {
            "treated": treated,
            "t": np.minimum(time, follow),
            "event": (time <= follow).astype(int),
            columns[0]: need.astype(int),
            columns[1]: long_street.astype(int),
        }
    )
