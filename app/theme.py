"""Colours, type and map bands: one look for the dashboard and the chart pack.

The series palette is the UK Government Analysis Function's categorical palette: every colour
meets 3:1 against the white background and against the colours either side of it in the order
of use, so no series depends on a faint line (WCAG 2.2 AA, 1.4.11 non-text contrast). Map bands
are a fixed set of classes (set gradations, not a continuous scale) in a single-hue blue ramp,
darker meaning more; every band meets 3:1 against the white background and the white outlines
between boroughs. Five bands cannot also meet 3:1 against each other (from white, only two such
steps exist), so the bands are told apart as well by their labels, the hover and the table.
Suppressed boroughs are hatched, not a grey that could pass for the lowest band.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import plotly.graph_objects as go
import plotly.io as pio

ANALYSIS_FUNCTION = {
    "dark_blue": "#12436D",
    "turquoise": "#28A197",
    "dark_pink": "#801650",
    "orange": "#F46A25",
    "dark_grey": "#3D3D3D",
    "light_purple": "#A285D1",
}
"""The Analysis Function's categorical palette (analysisfunction.civilservice.gov.uk, 'Data
visualisation: colours'), in its order of use: dark and light alternate."""

SERIES = tuple(ANALYSIS_FUNCTION.values())
"""Series colours in order of use; each meets 3:1 against white and against its neighbours."""

OKABE_ITO = {
    "black": ANALYSIS_FUNCTION["dark_grey"],
    "orange": ANALYSIS_FUNCTION["orange"],
    "sky_blue": ANALYSIS_FUNCTION["light_purple"],
    "bluish_green": ANALYSIS_FUNCTION["turquoise"],
    "yellow": ANALYSIS_FUNCTION["light_purple"],
    "blue": ANALYSIS_FUNCTION["dark_blue"],
    "vermillion": ANALYSIS_FUNCTION["dark_pink"],
    "reddish_purple": ANALYSIS_FUNCTION["dark_pink"],
}
"""The earlier palette's names, each mapped to its accessible replacement, so a chart written
against them draws in the Analysis Function palette."""

LONDON_COLOUR = ANALYSIS_FUNCTION["dark_grey"]
BOROUGH_COLOUR = ANALYSIS_FUNCTION["dark_blue"]
HIGHLIGHT = ANALYSIS_FUNCTION["orange"]
"""One borough picked out among others (a borough lead's own in the ranking)."""
INK = "#1f1f1f"
MUTED = "#595959"
GRID = "#e5e5e5"
BACKGROUND = "#ffffff"
HATCH = ANALYSIS_FUNCTION["dark_grey"]
"""The hatching over a suppressed borough (10.9:1 against white)."""
SUPPRESSED_FILL = BACKGROUND
"""A suppressed borough's ground, under its hatching: white, never a band's colour."""
OTHER_FILL = "#B1B4B6"
"""Grouped 'other' states in a diagram (never a map band)."""
NO_DATA_FILL = "#f2f2f2"
OUTLINE = BACKGROUND
"""Borough outlines: white lines, 3:1 against every band."""

BAND_COLOURS = ("#5694CA", "#2073BC", "#185A9D", "#12436D", "#0A2240")
"""Five blues from light to dark, each 3:1 or more against white (3.2 to 16:1)."""

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


def luminance(colour: str) -> float:
    """WCAG 2.2 relative luminance of an sRGB colour, from 0 (black) to 1 (white)."""
    channels = [c / 255 for c in hex_to_rgb(colour)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG 2.2 contrast ratio of two colours, from 1 (the same) to 21 (black on white).

    >>> round(contrast("#000000", "#ffffff"), 1)
    21.0
    """
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def text_on(colour: str) -> str:
    """Dark or white text, whichever contrasts more with ``colour``."""
    return INK if contrast(INK, colour) >= contrast("#ffffff", colour) else "#ffffff"


def hatch_css(ground: str = SUPPRESSED_FILL) -> str:
    """A CSS background of diagonal hatching, for the legend's suppressed swatch."""
    return f"repeating-linear-gradient(45deg, {HATCH} 0 2px, {ground} 2px 6px)"
