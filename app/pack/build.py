"""Building a pack: one edition as a PDF (``pathways pack``), and every edition of a release's
pack month, drawn into the release by the monthly run."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from app.charts.common import Chart
from app.data import (
    ScopedRelease,
    load_release,
    pack_file_name,
)
from app.pack.draw import Renderer, font_files, layout
from app.pack.edition import Edition, check_borough, check_month, edition_role, parse_month
from app.pack.sections import plan
from contract.errors import SetupError
from contract.periods import complete_periods, period_start
from contract.reference import borough_codes
from contract.release import DataPeriod

_RENDER_LOCK = threading.RLock()


@dataclass(frozen=True)
class PackResult:
    """What was written: the PDF's bytes, its page titles and the chart images."""

    pdf: bytes
    page_titles: list[str]
    images: dict[str, bytes]

    @property
    def pages(self) -> int:
        return len(self.page_titles)


def render_pack(
    release: ScopedRelease, month: date, borough: str | None = None, map_style: str = "boundaries"
) -> PackResult:
    """Build the pack for one month as ``release``'s role sees it.

    Args:
        release: the release through the scope of the person the pack is for.
        month: the first day of the pack's month.
        borough: the ONS code of a borough edition; None for the London edition.
        map_style: the borough map's outlines ('boundaries') or one square per borough ('tiles').

    Raises:
        PathwaysError: a month outside the release, an unknown borough, a missing font or
            browser. ``ScopeError`` when the role may not see what the edition shows.
    """
    check_borough(borough)
    check_month(release, month)
    if borough:
        release.require_detail(borough, "the borough chart pack")
    edition = Edition(month, borough, map_style)
    fonts = font_files()
    pages = plan(release, edition)
    running = f"Pathways · Monthly taskforce chart pack · {edition.place} · {edition.month_words}"
    synthetic = release.manifest.synthetic
    images: dict[str, bytes] = {}

    def saved(chart: Chart, image: bytes, number: int) -> None:
        images[f"{number:02d}-{chart.key}.png"] = image

    with ChartBrowser():
        renderer = Renderer()
        placeholder = [(p.title, 0) for p in pages[1:]]
        _, starts = layout(pages, running, synthetic, fonts, renderer, placeholder, saved)
        images.clear()
        contents = [(p.title, n) for p, n in zip(pages[1:], starts[1:], strict=True)]
        pdf, _ = layout(pages, running, synthetic, fonts, renderer, contents, saved)
    titles = []
    for page, start, end in zip(pages, starts, [*starts[1:], pdf.page_no() + 1], strict=True):
        titles.append(page.title)
        titles.extend(f"{page.title} (continued)" for _ in range(end - start - 1))
    return PackResult(bytes(pdf.output()), titles, images)


class ChartBrowser:
    """One Chromium for the whole pack (a figure then takes well under a second, not three), or
    for every edition of a release: nested uses share the browser the outermost one started."""

    _depth = 0  # guarded by _RENDER_LOCK

    def __enter__(self) -> None:
        import kaleido
        from kaleido.errors import ChromeNotFoundError

        _RENDER_LOCK.acquire()
        if ChartBrowser._depth == 0:
            if "BROWSER_PATH" not in os.environ and Path("/usr/bin/chromium").is_file():
                os.environ["BROWSER_PATH"] = "/usr/bin/chromium"
            try:
                # the Plotly.js shipped with Plotly and no MathJax: nothing fetched from the web
                kaleido.start_sync_server(silence_warnings=True, mathjax=False)
            except ChromeNotFoundError:
                _RENDER_LOCK.release()
                raise SetupError(
                    "The chart pack needs Chromium to draw its charts (Debian package chromium); "
                    "set BROWSER_PATH to its path."
                ) from None
            except BaseException:
                _RENDER_LOCK.release()
                raise
        ChartBrowser._depth += 1

    def __exit__(self, *exc: object) -> None:
        import kaleido

        ChartBrowser._depth -= 1
        try:
            if ChartBrowser._depth == 0:
                kaleido.stop_sync_server(silence_warnings=True)
        finally:
            _RENDER_LOCK.release()


def build_pack(
    release_dir: Path | str,
    month: str,
    out: Path | str,
    *,
    borough: str | None = None,
    png_dir: Path | str | None = None,
    map_style: str = "boundaries",
    before_write: Callable[[int], object] | None = None,
) -> str:
    """``pathways pack``: write the month's chart pack as a PDF (and PNGs) and say what was written.

    The London edition shows the release as the pan-London lead sees it; a borough edition as
    that borough's lead sees it. ``before_write(pages)`` runs once the pack is drawn and before
    any file is written (the command line records the export there).
    """
    when = parse_month(month)
    check_borough(borough)
    scoped = ScopedRelease(load_release(Path(release_dir)), edition_role(borough))
    result = render_pack(scoped, when, borough, map_style)
    if before_write is not None:
        before_write(result.pages)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(result.pdf)
    written = f"Wrote {result.pages} pages to {out}"
    if png_dir is not None:
        png_dir = Path(png_dir)
        png_dir.mkdir(parents=True, exist_ok=True)
        for name, image in result.images.items():
            (png_dir / name).write_bytes(image)
        written += f" and {len(result.images)} chart images to {png_dir}"
    return written + "."


def pack_month(period: DataPeriod) -> date | None:
    """The month a release's packs show: the latest month wholly within its data period, or
    None when there is none yet (a first year of data is all look-back).

    >>> pack_month(DataPeriod(start=date(2024, 4, 1), end=date(2025, 3, 31)))
    datetime.date(2025, 3, 1)
    >>> pack_month(DataPeriod(start=date(2024, 4, 1), end=date(2025, 4, 5)))
    datetime.date(2025, 3, 1)
    """
    months = complete_periods("month", period.start, period.end)
    return period_start("month", months[-1]) if months else None


def release_packs(
    release_dir: Path | str, boroughs: Sequence[str] | None = None, map_style: str = "boundaries"
) -> dict[str, bytes]:
    """The editions of the release's pack month as PDF bytes by file name: what the monthly run
    puts under ``packs/`` (``write_release(packs=...)``); none when the release has no whole
    month yet.

    Args:
        release_dir: the release (the run passes the one it is building).
        boroughs: the boroughs whose editions are drawn beside London's; None for all 33.
        map_style: how the borough map is drawn (the run's ``map.style``).
    """
    loaded = load_release(Path(release_dir))
    month = pack_month(loaded.manifest.data_period)
    if month is None:
        return {}
    editions = [None, *(borough_codes() if boroughs is None else boroughs)]
    with ChartBrowser():
        return {
            pack_file_name(month, borough): render_pack(
                ScopedRelease(loaded, edition_role(borough)), month, borough, map_style
            ).pdf
            for borough in editions
        }
