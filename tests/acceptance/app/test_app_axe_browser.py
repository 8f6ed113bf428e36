"""An automated accessibility check (axe-core, WCAG 2.2 A and AA rules) of every page in the
page registry, as the role that opens it, in a real browser. axe-core ships inside the
``axe-playwright-python`` package: nothing is fetched."""

from __future__ import annotations

import pytest
from support.browser import Session

from app.pages import PAGES, PUBLIC_PAGE

pytestmark = [pytest.mark.browser, pytest.mark.slow]

RULES = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa",
                                                "wcag22aa"]},
         "resultTypes": ["violations"]}  # fmt: skip
# who opens each role's pages: the pan-London lead, the information governance lead
ACCOUNTS = {"london": ("lee", "Accessibility review of the pages"),
            "admin": ("ian", "Accessibility review of the admin pages")}  # fmt: skip
EXPLAINED: dict[str, str] = {}
"""Serious or critical violations left, by rule, each with why it stays. None today."""


def _serious(s: Session) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    found = Axe().run(s.page, options=RULES).response["violations"]
    return [
        f"{v['id']} ({v['impact']}, {len(v['nodes'])}x): {v['help']}: "
        + "; ".join(n["failureSummary"].splitlines()[-1].strip() for n in v["nodes"][:2])
        for v in found
        if v["impact"] in ("serious", "critical") and v["id"] not in EXPLAINED
    ]


def test_no_page_has_a_serious_or_critical_accessibility_violation(browser, dashboard):
    url, _ = dashboard
    problems: dict[str, list[str]] = {}
    checked = []
    for kind, (account, purpose) in ACCOUNTS.items():
        s = Session(browser, url)
        try:
            s.sign_in(account, purpose)
            for page in (p for p in PAGES if kind in p.roles):
                s.open(page.title)
                s.settled()
                problems[page.key] = _serious(s)
                checked.append(page.key)
        finally:
            s.close()
    s = Session(browser, url)  # the public page, signed out
    try:
        s.page.goto(f"{url}/{PUBLIC_PAGE.key}")
        s.page.locator("h1", has_text=PUBLIC_PAGE.title).wait_for()
        s.settled()
        problems[PUBLIC_PAGE.key] = _serious(s)
        checked.append(PUBLIC_PAGE.key)
    finally:
        s.close()
    assert set(checked) == {p.key for p in PAGES} | {PUBLIC_PAGE.key}
    assert {k: v for k, v in problems.items() if v} == {}
