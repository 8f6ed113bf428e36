"""Colours, type and map bands: one look for the dashboard and the chart pack.

The series palette is Okabe–Ito, which stays distinguishable for the common forms of colour
blindness. Map bands are a fixed set of classes (set gradations, not a continuous scale) in a
single-hue sequential ramp, so darker always means more, whatever the reader's colour vision.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import plotly.graph_objects as go
import plotly.io as pio

OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}

SERIES = (
    OKABE_ITO["blue"],
    OKABE_ITO["orange"],
    OKABE_ITO["bluish_green"],
    OKABE_ITO["vermillion"],
    OKABE_ITO["reddish_purple"],
    OKABE_ITO["sky_blue"],
    OKABE_ITO["black"],
    OKABE_ITO["yellow"],
)
"""Series colours in order of use; yellow last, as it is faint on white."""

LONDON_COLOUR = OKABE_ITO["black"]
BOROUGH_COLOUR = OKABE_ITO["blue"]
INK = "#1f1f1f"
MUTED = "#595959"
GRID = "#e5e5e5"
SUPPRESSED_FILL = "#d9d9d9"
NO_DATA_FILL = "#f2f2f2"

# ColorBrewer "Blues" (5 classes): sequential, colour-blind and print safe.
BAND_COLOURS = ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c")

FONT_FAMILY = "system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', Arial, sans-serif"
"""System fonts only: the dashboard loads nothing from the internet."""


def _template() -> go.layout.Template:
    t = go.layout.Template()
    t.layout = go.Layout(
        font={"family": FONT_FAMILY, "size": 14, "color": INK},
        colorway=list(SERIES),
        paper_bgcolor="white",
        plot_bgcolor="white",
        margin={"l": 60, "r": 20, "t": 30, "b": 50},
        hoverlabel={"font": {"family": FONT_FAMILY, "size": 13}},
        legend={
            "orientation": "h",
            "yanchor": "bottom",
            "y": 1.02,
            "x": 0,
            "title": None,
            "font": {"size": 13},
        },
        xaxis={
            "showgrid": False,
            "linecolor": MUTED,
            "ticks": "outside",
            "tickcolor": MUTED,
            "tickfont": {"size": 13, "color": INK},
        },
        yaxis={
            "gridcolor": GRID,
            "zeroline": False,
            "rangemode": "tozero",
            "tickfont": {"size": 13, "color": INK},
        },
    )
    return t


pio.templates["pathways"] = _template()
TEMPLATE = "pathways"


@dataclass(frozen=True)
class Band:
    """One map class: values in ``[lower, upper)``; ``upper`` None means no upper bound."""

    lower: float
    upper: float | None
    colour: str

    @property
    def label(self) -> str:
        if self.upper is None:
            return f"{_fmt(self.lower)} or more"
        return f"{_fmt(self.lower)}–{_fmt(self.upper - 1)}"


def _fmt(x: float) -> str:
    return f"{int(x):,}"


_NICE = (1, 2.5, 5)


def _nice_steps(limit: float) -> list[float]:
    """1, 2.5, 5, 10, 25, 50, ... up to ``limit``."""
    steps = []
    exp = 0
    while True:
        for n in _NICE:
            v = n * 10**exp
            if v > limit:
                return steps
            steps.append(v)
        exp += 1


def count_bands(
    values: Sequence[float | None], *, threshold: int = 10, classes: int = 5
) -> list[Band]:
    """Fixed classes for counts, on round numbers, starting at the disclosure threshold.

    The breaks are chosen once from all the values shown (every month on the slider), so a
    borough's colour means the same thing in every month.

    >>> [b.label for b in count_bands([12, 40, 95, 180, 420])]
    ['10–24', '25–49', '50–99', '100–249', '250 or more']
    """
    present = sorted(v for v in values if v is not None and not math.isnan(v) and v >= threshold)
    classes = max(2, min(classes, len(BAND_COLOURS)))
    if not present:
        return [Band(threshold, None, BAND_COLOURS[0])]
    # round numbers between the threshold and the largest value, evenly spread on a log scale
    ladder = [s for s in _nice_steps(present[-1]) if s > threshold]
    if len(ladder) > classes - 1:
        step = len(ladder) / (classes - 1)
        ladder = [ladder[min(len(ladder) - 1, int(i * step))] for i in range(classes - 1)]
    breaks: list[float] = [float(threshold), *sorted(set(ladder))]
    colours = _spread(len(breaks))
    return [
        Band(lo, breaks[i + 1] if i + 1 < len(breaks) else None, colours[i])
        for i, lo in enumerate(breaks)
    ]


def share_bands(classes: int = 5) -> list[Band]:
    """Fixed classes for percentages: 0–19, 20–39, ... 80 or more."""
    width = 100 // classes
    return [
        Band(i * width, (i + 1) * width if i + 1 < classes else None, BAND_COLOURS[i])
        for i in range(classes)
    ]


def _spread(n: int) -> list[str]:
    if n >= len(BAND_COLOURS):
        return list(BAND_COLOURS)
    idx = [round(i * (len(BAND_COLOURS) - 1) / max(1, n - 1)) for i in range(n)]
    return [BAND_COLOURS[i] for i in idx]


def band_for(value: float | None, bands: Sequence[Band]) -> Band | None:
    """The band a value falls in; None for a suppressed or missing value."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    for band in reversed(bands):
        if value >= band.lower:
            return band
    return None


def hex_to_rgb(colour: str) -> list[int]:
    colour = colour.lstrip("#")
    return [int(colour[i : i + 2], 16) for i in (0, 2, 4)]


def text_on(colour: str) -> str:
    """Black or white text, whichever reads better on ``colour``."""
    r, g, b = hex_to_rgb(colour)
    return INK if (0.299 * r + 0.587 * g + 0.114 * b) > 140 else "#ffffff"
