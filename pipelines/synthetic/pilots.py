"""The demo's pilots: a register for the run and the same pilots simulated with a known effect.

Camden's Housing First pilot from April 2023 houses 40% of the people leaving the street there
for accommodation and halves their hazard of returning to the street; Lambeth's supported
housing pilot from the same month houses as many and changes nothing. The
evaluation (``metrics.evaluation``, ``docs/evaluation.md``) should find the first and not the
second. Both are off unless asked for: ``generate`` draws exactly what it drew before, and a run
registers no pilot, unless given these.
"""

from __future__ import annotations

from dataclasses import replace

from metrics.config import Pilot
from pipelines.synthetic.assumptions import DEFAULT_ASSUMPTIONS, Assumptions, SimulatedPilot

CAMDEN_HAZARD_RATIO = 0.5
"""The demo's true effect: Camden's Housing First tenants return at half the usual rate."""

DEMO_SIMULATED_PILOTS = (
    SimulatedPilot("E09000007", "housing_first", "2023-04", CAMDEN_HAZARD_RATIO, uptake=0.4),
    SimulatedPilot("E09000022", "supported_housing", "2023-04", 1.0, uptake=0.4),
)

DEMO_PILOTS = (
    Pilot(
        id="camden-housing-first",
        borough="E09000007",
        intervention="housing_first",
        start="2023-04",
        description="Housing First tenancies with intensive support for people with a long "
        "history of rough sleeping.",
    ),
    Pilot(
        id="lambeth-supported-housing",
        borough="E09000022",
        intervention="supported_housing",
        start="2023-04",
        description="Supported housing places with a named tenancy sustainment worker.",
    ),
)
"""The register the demo's run evaluates: the simulated pilots, as a borough would register them."""


def with_demo_pilots(assumptions: Assumptions = DEFAULT_ASSUMPTIONS) -> Assumptions:
    """The assumptions with the demo's simulated pilots turned on."""
    return replace(assumptions, simulated_pilots=DEMO_SIMULATED_PILOTS)
