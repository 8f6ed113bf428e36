"""The one page registry: each page's file, title, icon and the roles that may open it.

The entry script builds the navigation from it, every page checks it before drawing, and the
speed bench and the tests walk it. A role sees its pages in the order written here, and opens on
the first. The public transparency page is open to everyone, signed in or not.
"""

from __future__ import annotations

from dataclasses import dataclass

ANALYSTS = ("london", "borough")
EVERYONE = ("london", "borough", "overview", "admin")


@dataclass(frozen=True)
class PageSpec:
    """One page: its address (``key``), its file under ``app/``, and who may open it."""

    key: str
    file: str
    title: str
    icon: str
    roles: tuple[str, ...]


PAGES: tuple[PageSpec, ...] = (
    PageSpec("overview", "views/overview.py", "London overview", ":material/monitoring:",
             (*ANALYSTS, "overview")),
    PageSpec("map", "views/borough_map.py", "Borough map", ":material/grid_view:", ANALYSTS),
    PageSpec("snapshot", "views/snapshot.py", "Borough snapshot", ":material/summarize:", ANALYSTS),
    PageSpec("outcomes", "views/outcomes.py", "Outcomes", ":material/flag:", ANALYSTS),
    PageSpec("pathways", "views/pathways.py", "Pathways", ":material/route:", ANALYSTS),
    PageSpec("returns", "views/returns.py", "Returns to the street", ":material/replay:", ANALYSTS),
    PageSpec("compare", "views/compare.py", "Compare interventions",
             ":material/compare_arrows:", ANALYSTS),
    PageSpec("audit", "views/audit_log.py", "Audit log", ":material/fact_check:", ("admin",)),
    PageSpec("register", "views/register.py", "Access register", ":material/badge:", ("admin",)),
    PageSpec("about", "views/about.py", "About this data", ":material/info:", EVERYONE),
)  # fmt: skip

PUBLIC_PAGE = PageSpec(
    "transparency", "views/transparency.py", "How Pathways is used", ":material/public:", ()
)
"""The public page: how Pathways is used, open without signing in."""

PAGES_BY_KEY = {page.key: page for page in (*PAGES, PUBLIC_PAGE)}

PAGES_BY_ROLE: dict[str, tuple[str, ...]] = {
    role: tuple(page.key for page in PAGES if role in page.roles) for role in EVERYONE
}
"""The pages each role may open, in navigation order (the first is where the role opens)."""
