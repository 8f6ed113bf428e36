"""A person signs in through OpenID Connect and uses every page, in a real browser."""

from __future__ import annotations

import csv
import io
import os
import re
from pathlib import Path

import pytest
from support.browser import Session

from app.audit import AuditLog, verify_log

pytestmark = pytest.mark.browser

PAGES = (
    "London overview",
    "Borough map",
    "Borough snapshot",
    "Pathways",
    "Returns to the street",
    "Compare interventions",
    "About this data",
)


@pytest.mark.slow  # seven pages in a real browser: about 40 s on a shared machine
def test_a_london_lead_signs_in_and_uses_every_page(browser, dashboard):
    url, audit_db = dashboard
    s = Session(browser, url)
    try:
        s.sign_in("sam", "November taskforce pack preparation")
        for name in PAGES:
            s.open(name)
            assert s.page.get_by_text("Synthetic data — not real people").first.is_visible()
            if name == "Borough map":  # the real outlines, drawn by pydeck
                s.page.locator("[data-testid='stDeckGlJsonChart'] canvas").first.wait_for()
            elif name != "About this data":
                s.page.locator(".js-plotly-plot").first.wait_for()

        s.open("Borough map")
        s.click_borough("E09000007")  # Camden, on the real-boundary map
        s.page.get_by_role("heading", name=re.compile(r"^Camden — ")).wait_for()

        s.settled()  # a click during the rerun would land on a button about to be replaced
        button = s.page.get_by_role("button", name="Download these figures (CSV)").first
        button.wait_for()
        with s.page.expect_download() as download:
            button.click()
        data = download.value.path().read_bytes()
        assert data.startswith(b"\xef\xbb\xbf")  # the byte-order mark Excel needs
        rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
        assert len(rows) == 33 and {r["metric_id"] for r in rows} == {"seen_rough_sleeping"}
        s.page.wait_for_timeout(500)
        assert s.external == [], s.external
    finally:
        s.close()

    entries = AuditLog(audit_db).entries(newest_first=False)
    sam = [e for e in entries if e.user == "sam.okoro@london.gov.uk"]
    actions = [e.action for e in sam]
    assert actions[:2] == ["sign_in", "purpose"]
    assert sam[0].details["method"] == "oidc" and sam[0].role == "london"
    viewed = {e.page for e in sam if e.action == "view"}
    assert viewed == {"overview", "map", "snapshot", "pathways", "returns", "compare", "about"}
    assert all(e.purpose.endswith("November taskforce pack preparation") for e in sam[1:])
    assert any(e.action == "select" and e.details["via"] == "map click" for e in sam)
    downloads = [e.details["chart"] for e in sam if e.action == "download"]
    assert len(downloads) == 1 and downloads[0].startswith("map-seen_rough_sleeping-")
    assert verify_log(audit_db)[0]


def test_a_borough_lead_is_refused_another_borough_by_address(browser, dashboard):
    url, audit_db = dashboard
    s = Session(browser, url)
    try:
        s.sign_in("ana", "Camden winter planning review")
        s.open("Borough snapshot")
        s.page.get_by_role("heading", name="Camden against London", exact=True).wait_for()
        s.page.goto(f"{url}/snapshot?borough=E09000033")  # a new session: purpose asked again
        s.page.get_by_label("Say briefly what for").fill("Looking at Westminster's figures")
        s.page.get_by_role("button", name="Continue").click()
        s.page.get_by_text("cannot see the borough snapshot for Westminster").wait_for()
        assert s.page.locator(".js-plotly-plot").count() == 0
        assert s.page.get_by_role("link", name="Audit log").count() == 0
    finally:
        s.close()
    refused = [e for e in AuditLog(audit_db).entries() if e.action == "refused"]
    assert refused[0].user == "ana.lopez@camden.gov.uk"
    assert refused[0].details["geography"] == "E09000033"


def test_a_borough_lead_downloads_their_monthly_chart_pack(browser, dashboard):
    """The pack the monthly run drew into the release, served as it is: no drawing here."""
    from pypdf import PdfReader

    url, audit_db = dashboard
    s = Session(browser, url)
    try:
        s.sign_in("ana", "Camden pack for the monthly taskforce")
        s.page.get_by_role("heading", name="Monthly chart pack").scroll_into_view_if_needed()
        s.page.get_by_role("button", name="Get the chart pack").click()
        button = s.page.get_by_role("button", name="Download Camden (borough), March 2025 (PDF)")
        button.wait_for()
        s.settled()
        with s.page.expect_download() as download:
            button.click()
        assert download.value.suggested_filename == "pathways-pack-2025-03-e09000007.pdf"
        reader = PdfReader(download.value.path())
        size = download.value.path().stat().st_size
        first = reader.pages[0].extract_text()
        assert "Camden" in first and f"Page 1 of {len(reader.pages)}" in first
        s.page.wait_for_timeout(500)
        assert s.external == [], s.external
    finally:
        s.close()
    ana = [e for e in AuditLog(audit_db).entries() if e.user == "ana.lopez@camden.gov.uk"]
    packs = [e.details for e in ana if e.action == "download" and e.details["chart"] == "pack"]
    assert len(packs) == 1 and packs[0]["edition"] == "E09000007"
    assert packs[0]["bytes"] == size


REFUSED = {
    "stranger": ("stranger", "gives this account no role", "unknown"),
    "unverified email": ("mallory-unverified", "not verified", "unverified"),
    "case-different email": ("mallory-case", "not verified", "unverified"),
    "address as user name": ("mallory-username", "gives this account no role", "unknown"),
    "missing claims": ("mallory-bare", "gives this account no role", "unknown"),
}


@pytest.mark.parametrize("who", list(REFUSED))
def test_a_refused_or_spoofing_user_gets_a_sentence_and_an_audit_entry(browser, dashboard, who):
    url, audit_db = dashboard
    subject, words, reason = REFUSED[who]
    admin_sign_ins = [e for e in AuditLog(audit_db).entries() if e.role == "admin"]
    s = Session(browser, url)
    try:
        s.authenticate(subject)
        s.page.get_by_text(words).wait_for()
        s.page.get_by_text("the attempt has been recorded").wait_for()
        assert s.page.get_by_text("Before you start").count() == 0
        assert s.page.locator(".js-plotly-plot").count() == 0
        assert s.page.get_by_role("link", name="Audit log").count() == 0
    finally:
        s.close()
    denied = [e for e in AuditLog(audit_db).entries() if e.user == f"sub:{subject}"]
    assert [e.action for e in denied] == ["sign_in_denied"]
    assert denied[0].role == "none" and denied[0].details["reason"] == reason
    assert [e for e in AuditLog(audit_db).entries() if e.role == "admin"] == admin_sign_ins


def test_a_user_of_another_sign_in_service_is_refused(browser, foreign_dashboard):
    """Same subject as Ana, the administrator's verified address, a group the policy names: but
    issued by a service the policy does not trust."""
    url, audit_db = foreign_dashboard
    s = Session(browser, url)
    try:
        s.authenticate("ana")
        s.page.get_by_text("does not accept").wait_for()
        assert s.page.get_by_text("Before you start").count() == 0
    finally:
        s.close()
    entries = AuditLog(audit_db).entries()
    assert [(e.action, e.user, e.details["reason"]) for e in entries] == [
        ("sign_in_denied", "sub:ana", "issuer")
    ]


def _screenshot(page, name: str, tmp_path) -> None:
    """Keep a full-page screenshot (in PATHWAYS_SCREENSHOTS when set) for people to look at."""
    folder = Path(os.environ.get("PATHWAYS_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def test_anyone_can_read_the_public_page_without_signing_in(browser, dashboard, tmp_path):
    url, audit_db = dashboard
    before = len(AuditLog(audit_db).entries())
    s = Session(browser, url)
    try:
        s.page.goto(f"{url}/transparency")
        s.page.get_by_role("heading", name="How Pathways is used", exact=True).wait_for()
        s.page.get_by_role("heading", name="Who has access").wait_for()
        s.page.get_by_text("Public task (UK GDPR Article 6(1)(e))").first.wait_for()
        s.settled()
        text = s.page.locator("body").inner_text()
        assert "Camden Council" in text and "Greater London Authority" in text
        for name in ("ana.lopez", "Ana Lopez", "ig.lead", "sam.okoro", "Sam Okoro"):
            assert name not in text, name
        assert s.page.get_by_role("button", name="Sign in").count() == 0
        _screenshot(s.page, "transparency-signed-out", tmp_path)
        s.page.get_by_role("heading", name="Refused sign-ins").scroll_into_view_if_needed()
        _screenshot(s.page, "transparency-signed-out-usage", tmp_path)
        s.page.goto(url)  # the sign-in screen links to it
        s.page.get_by_role("link", name="How Pathways is used (public page)").wait_for()
        assert s.external == [], s.external
    finally:
        s.close()
    assert len(AuditLog(audit_db).entries()) == before  # reading it signed out is not logged


def test_the_administrator_reads_the_access_register(browser, dashboard, tmp_path):
    url, audit_db = dashboard
    s = Session(browser, url)
    try:
        s.sign_in("ian", "Quarterly access review")
        s.open_page("Access register")
        s.page.get_by_text("flagged for review").first.wait_for()
        s.page.get_by_role("button", name="Download the register (CSV)").wait_for()
        s.page.locator("[data-testid='stDataFrame'] canvas").first.wait_for()
        s.settled()
        s.page.wait_for_timeout(1000)
        _screenshot(s.page, "access-register", tmp_path)
        assert s.page.get_by_text("accounts;").first.is_visible()
    finally:
        s.close()
