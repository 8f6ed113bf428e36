"""The monthly taskforce chart pack: the dashboard's charts, in the same order every month, as a
numbered A4 landscape PDF (and, on request, one PNG per chart).

Which charts, and in which order, is the chart catalogue's (``app.catalogue``): the pack draws
its entries for ``PACK`` as the dashboard's pages draw theirs.

The pack is built from a ``ScopedRelease``, the same scoped view of a release that the dashboard
pages use, and from the same chart functions (``app.charts``), so it shows exactly what the
dashboard shows to that role and nothing more. A London edition is built as the pan-London lead
sees the release; a borough edition as that borough's lead sees it: the borough in detail, London
for context, and other boroughs' published totals on the map only.

Charts are drawn to PNG by Kaleido in a local Chromium (``BROWSER_PATH``) with the Plotly.js that
ships with Plotly and no MathJax, so nothing is fetched from the internet. Text is set in DejaVu
Sans, shipped inside the package (``assets/fonts``, with its licence), so that £, – and
’ print the same on every host.

The monthly run draws every edition into the release (``release_packs``), so the internet-facing
app host serves finished files and runs no browser; ``pathways pack`` builds one by hand.

Modules: ``edition`` (whose pack, which month, the page model), ``sections`` (the catalogue's
entries as pages), ``draw`` (charts to PNG, pages to PDF), ``build`` (one edition, or every
edition of a release).
"""

from app.pack.build import PackResult, build_pack, pack_month, release_packs, render_pack
from app.pack.edition import Edition, Page, parse_month
from app.pack.sections import plan

__all__ = [
    "Edition", "Page", "PackResult", "build_pack", "pack_month", "parse_month", "plan",
    "release_packs", "render_pack",
]  # fmt: skip
