"""The borough map in a real browser: the real outlines, and a borough's figures and snapshot
reached by a click on the map, by the keyboard alone, and by the address."""

from __future__ import annotations

import re

import pytest
from support.browser import Session

from app.audit import AuditLog

pytestmark = pytest.mark.browser

PICKER = "Borough (or click the map)"


def _tab_to(s: Session, is_there: str, limit: int = 80) -> int:
    """Press Tab until the focused element satisfies the JavaScript test ``is_there``; how
    many presses it took (bounded: a page that traps or loses focus fails here)."""
    for presses in range(1, limit + 1):
        s.page.keyboard.press("Tab")
        if s.page.evaluate(f"(() => {{ const e = document.activeElement; return {is_there}; }})()"):
            return presses
    raise AssertionError(f"focus never reached: {is_there}")


def test_a_borough_opens_from_a_map_click_the_keyboard_and_the_address(browser, dashboard):
    url, audit_db = dashboard
    s = Session(browser, url)
    try:
        s.sign_in("lee", "Checking borough figures for the taskforce")
        s.open("Borough map")
        s.page.locator("[data-testid='stDeckGlJsonChart'] canvas").first.wait_for()
        s.page.get_by_text("Contains OS data © Crown copyright").first.wait_for()

        # 1. a click on Camden's outline selects it and its figures
        s.click_borough("E09000007")
        s.page.get_by_role("heading", name=re.compile(r"^Camden — ")).wait_for()
        s.settled()
        s.page.get_by_role("button", name="Open the full borough snapshot").click()
        s.page.get_by_role("heading", name="Camden against London", exact=True).wait_for()
        assert "borough=E09000007" in s.page.url

        # 2. the keyboard alone: tab from the top of the map page to the picker, type, choose
        s.open("Borough map")
        s.settled()
        s.page.locator("h1").first.click()  # start from the page's title, as a reader would
        _tab_to(s, f"e.getAttribute('aria-label') === '{PICKER}' || "
                   f"(e.closest('[data-testid=\"stSelectbox\"]')?.innerText || '').startsWith('{PICKER}')")  # fmt: skip
        s.page.keyboard.type("Hackney")
        s.page.keyboard.press("Enter")
        s.page.get_by_role("heading", name=re.compile(r"^Hackney — ")).wait_for()
        s.settled()
        s.page.locator("h1").first.click()
        _tab_to(s, "e.innerText === 'Open the full borough snapshot'")
        s.page.keyboard.press("Enter")
        s.page.get_by_role("heading", name="Hackney against London", exact=True).wait_for()

        # 3. the address: a link to Camden's snapshot opens on Camden (a new session)
        s.page.goto(f"{url}/snapshot?borough=E09000007")
        s.page.get_by_label("Say briefly what for").fill("Camden's snapshot from a link")
        s.page.get_by_role("button", name="Continue").click()
        s.page.get_by_role("heading", name="Camden against London", exact=True).wait_for()
        assert s.external == [], s.external
    finally:
        s.close()
    selects = [
        e.details
        for e in AuditLog(audit_db).entries(newest_first=False)
        if e.user == "lee.chan@london.gov.uk" and e.action == "select"
    ]
    assert {"borough": "E09000007", "via": "map click"} in selects
    assert {"borough": "E09000012", "via": "picker"} in selects
