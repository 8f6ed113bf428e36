"""The synthetic London: simulated journeys written as source extracts (``pathways generate``).

Public surface:

- ``generate(out_dir, scale, start, end, seed, truth_path)`` writes a sources directory.
- ``calibration_figures(sources, truth_path, fy)`` and ``calibration_table(...)`` compare it
  with the published figures of CALIBRATION.md, computed on true people.
- ``Assumptions`` holds every parameter, each marked published, derived or assumption.
"""

from pipelines.synthetic.assumptions import DEFAULT_ASSUMPTIONS, Assumptions
from pipelines.synthetic.calibration import calibration_figures, calibration_table
from pipelines.synthetic.generate import generate

__all__ = [
    "DEFAULT_ASSUMPTIONS",
    "Assumptions",
    "calibration_figures",
    "calibration_table",
    "generate",
]
