"""What every reader can tell apart and open: colour contrast (WCAG 2.2 AA, 1.4.11 non-text
contrast, 3:1), suppressed boroughs marked by more than colour, downloads Excel reads as written,
and dates written the same on every platform."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from app import theme
from app.charts import common

WHITE = theme.BACKGROUND
ROOT = Path(__file__).resolve().parents[3]


def test_contrast_ratio_is_wcag_s():
    #  colours               ratio (WCAG 2.2 definition)
    #  black on white        21.0
    #  white on white         1.0
    #  #767676 on white       4.54  (the lightest grey that passes for body text)
    assert theme.contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert theme.contrast("#ffffff", "#ffffff") == pytest.approx(1.0)
    assert theme.contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)


@pytest.mark.parametrize("colour", theme.SERIES)
def test_every_series_colour_meets_3_to_1_against_the_background(colour):
    assert theme.contrast(colour, WHITE) >= 3.0


def test_each_series_colour_meets_3_to_1_against_its_neighbours():
    # in order of use, and the last against the first (a seventh series wraps round)
    pairs = list(zip(theme.SERIES, (*theme.SERIES[1:], theme.SERIES[0]), strict=True))
    ratios = {(a, b): round(theme.contrast(a, b), 2) for a, b in pairs}
    assert all(r >= 3.0 for r in ratios.values()), ratios


def test_the_earlier_palette_names_now_give_accessible_colours():
    assert all(theme.contrast(c, WHITE) >= 3.0 for c in theme.OKABE_ITO.values())


@pytest.mark.parametrize("colour", theme.BAND_COLOURS)
def test_every_map_band_meets_3_to_1_against_the_background_and_the_borough_outlines(colour):
    assert theme.contrast(colour, WHITE) >= 3.0
    assert theme.contrast(colour, theme.OUTLINE) >= 3.0


def test_map_bands_darken_with_the_count_and_are_told_apart():
    lum = [theme.luminance(c) for c in theme.BAND_COLOURS]
    assert lum == sorted(lum, reverse=True)
    # five bands all 3:1 from white cannot also be 3:1 from each other; each step is at least
    # 1.4:1, and the label, hover and table carry the band in words
    bands = theme.BAND_COLOURS
    steps = [theme.contrast(a, b) for a, b in zip(bands, bands[1:], strict=False)]
    assert min(steps) >= 1.4


def test_suppressed_is_hatched_and_stands_apart_from_the_lowest_band():
    assert theme.contrast(theme.HATCH, theme.SUPPRESSED_FILL) >= 3.0
    assert theme.contrast(theme.BAND_COLOURS[0], theme.SUPPRESSED_FILL) >= 3.0
    assert theme.HATCH in theme.hatch_css() and "repeating-linear-gradient" in theme.hatch_css()


@pytest.mark.parametrize("colour", theme.BAND_COLOURS)
def test_labels_on_map_tiles_meet_4_5_to_1(colour):
    assert theme.contrast(theme.text_on(colour), colour) >= 4.5


def test_csv_downloads_carry_a_byte_order_mark_so_excel_reads_dashes():
    frame = pl.DataFrame({"band": ["10–24"], "value": [12]})
    data = common.excel_csv(frame)
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.decode("utf-8-sig").splitlines() == ["band,value", "10–24,12"]
    chart = common.Chart("k", "t", "s", "f", None, frame)
    assert chart.csv_bytes() == data


def test_long_dates_are_written_without_platform_codes():
    assert common.long_date(date(2025, 3, 1)) == "1 March 2025"
    assert common.long_date(date(2024, 12, 31)) == "31 December 2024"


def test_no_code_formats_dates_with_codes_windows_lacks():
    # '%-d' and '%#d' (no leading zero) each work on one platform only
    pattern = re.compile(r"%[-#][a-zA-Z]")
    found = [
        f"{path.relative_to(ROOT)}:{n}"
        for folder in ("app", "contract", "metrics", "pipelines")
        for path in sorted((ROOT / folder).rglob("*.py"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if pattern.search(line)
    ]
    assert found == []
