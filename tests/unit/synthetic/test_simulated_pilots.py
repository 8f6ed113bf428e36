"""Simulated pilots: a known effect on returns, off unless asked for."""

from __future__ import annotations

import numpy as np

from contract.reference import borough_codes
from pipelines.synthetic import simulate as sim
from pipelines.synthetic.assumptions import DEFAULT_ASSUMPTIONS, SimulatedPilot
from pipelines.synthetic.pilots import DEMO_PILOTS, DEMO_SIMULATED_PILOTS, with_demo_pilots

CAMDEN, LAMBETH = "E09000007", "E09000022"


def test_a_simulated_pilot_multiplies_the_return_chance_of_its_own_people_only():
    a = with_demo_pilots()
    codes = borough_codes()
    camden, lambeth = codes.index(CAMDEN), codes.index(LAMBETH)
    april_2023 = 2023 * 12 + 3
    # Housing First in Camden from April 2023 (0.5); before it; a hostel in Camden; Housing
    # First in Lambeth; supported housing in Lambeth from April 2023 (the pilot with no effect).
    state = np.array([sim.HOUSING_FIRST, sim.HOUSING_FIRST, sim.HOSTEL, sim.HOUSING_FIRST,
                      sim.SUPPORTED])  # fmt: skip
    borough = np.array([camden, camden, camden, lambeth, lambeth])
    since = np.array([april_2023, april_2023 - 1, april_2023 + 5, april_2023, april_2023 + 2])
    ratio = sim._simulated_pilot_ratio(a, state, borough, since, codes)
    assert ratio.tolist() == [0.5, 1.0, 1.0, 1.0, 1.0]


def test_no_pilot_is_simulated_by_default():
    assert DEFAULT_ASSUMPTIONS.simulated_pilots == ()


def test_the_demo_registers_the_pilots_it_simulates():
    simulated = {(p.borough, p.intervention, p.start) for p in DEMO_SIMULATED_PILOTS}
    registered = {(p.borough, p.intervention, p.start) for p in DEMO_PILOTS}
    assert simulated == registered
    assert SimulatedPilot(CAMDEN, "housing_first", "2023-04", 0.5, 0.4) in DEMO_SIMULATED_PILOTS
