"""A real dashboard behind a real OpenID Connect sign-in, and a browser session on it: what the
browser tests share (``tests/acceptance/app``).

The identity provider is ``oidc-provider-mock`` on the loopback address; Streamlit runs as a
subprocess exactly as ``pathways app`` starts it, with an ``[auth]`` secrets file pointing at the
mock. Nothing here reaches beyond 127.0.0.1.
"""

from __future__ import annotations

import json
import math
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from app.audit import AuditLog
from contract.reference import borough_name

AUDIT_KEY = "pathways-audit-test-key-0123456789abcdef-not-a-secret"  # as tests/conftest.py
CHROMIUM = os.environ.get("BROWSER_PATH", "/usr/bin/chromium")
USERS = [
    {"sub": "sam", "email": "sam.okoro@london.gov.uk", "email_verified": True, "name": "Sam Okoro", "groups": ["gla-analysts"]},
    {"sub": "ana", "email": "ana.lopez@camden.gov.uk", "email_verified": True, "name": "Ana Lopez"},
    # a second pan-London analyst, so the map and accessibility tests leave Sam's entries alone
    {"sub": "lee", "email": "lee.chan@london.gov.uk", "email_verified": True, "name": "Lee Chan", "groups": ["gla-analysts"]},
    {"sub": "ian", "email": "ig.lead@london.gov.uk", "email_verified": True, "name": "Ian Gold"},
    {"sub": "stranger", "email": "stranger@example.org", "email_verified": True},
    # spoofing users: each claims the address of the administrator the policy names by email
    {"sub": "mallory-unverified", "email": "ig.lead@london.gov.uk", "email_verified": False},
    {"sub": "mallory-case", "email": "IG.Lead@London.gov.uk"},
    {"sub": "mallory-username", "preferred_username": "ig.lead@london.gov.uk"},
    {"sub": "mallory-bare"},
]  # fmt: skip
# another sign-in service, whose user has Ana's subject and the administrator's verified address
FOREIGN_USERS = [
    {"sub": "ana", "email": "ig.lead@london.gov.uk", "email_verified": True, "groups": ["gla-analysts"]},
]  # fmt: skip
POLICY = """
issuer = "{issuer}"

[[people]]
subject = "ana"
email = "ana.lopez@camden.gov.uk"
organisation = "Camden Council"
role = "borough:E09000007"

[[people]]
email = "ig.lead@london.gov.uk"
organisation = "Greater London Authority"
role = "admin"

[[groups]]
id = "gla-analysts"
organisation = "Greater London Authority"
role = "london"
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"server exited early: {process.stdout.read() if process.stdout else ''}"
            )
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(url)


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


def start_provider(users: list[dict]) -> tuple[str, subprocess.Popen]:
    """``oidc-provider-mock`` on a free loopback port with these users; its issuer URL."""
    port = free_port()
    cmd = [sys.executable, "-m", "oidc_provider_mock", "--port", str(port)]
    for user in users:
        cmd += ["--user-claims", json.dumps(user)]
    process = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    wait_for(f"{base}/.well-known/openid-configuration", process)
    return base, process


def start_dashboard(provider: str, issuer: str, release: Path, work: Path):
    """The dashboard signing in through ``provider``, with a policy that trusts ``issuer``."""
    from app.serve import streamlit_command

    port = free_port()
    secrets = work / "secrets.toml"
    secrets.write_text(
        "[auth]\n"
        f'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
        'cookie_secret = "browser-test-cookie-secret-0123456789"\n'
        'client_id = "pathways-dashboard"\n'
        'client_secret = "browser-test-client-secret"\n'
        f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n',
        encoding="utf-8",
    )
    policy = work / "access.toml"
    policy.write_text(POLICY.format(issuer=issuer), encoding="utf-8")
    audit_db = work / "audit.sqlite"
    AuditLog.create(audit_db, key=AUDIT_KEY.encode())
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PATHWAYS_", "STREAMLIT_"))}
    env.update(
        AUTHLIB_INSECURE_TRANSPORT="1",  # the mock provider speaks plain HTTP on loopback
        PATHWAYS_ACCESS_POLICY=str(policy),
        PATHWAYS_AUDIT_DB=str(audit_db),
        PATHWAYS_AUDIT_KEY=AUDIT_KEY,
    )
    cmd, env = streamlit_command(release, port, secrets=secrets, env=env)
    process = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=work)  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    wait_for(f"{url}/_stcore/health", process)
    return url, audit_db, process


def borough_offset(code: str) -> tuple[float, float]:
    """Where a borough's middle is drawn, in pixels from the middle of the map, by the Web
    Mercator projection deck.gl uses (a world 512 pixels wide at zoom 0)."""
    from app.charts.boundaries import VIEW, shipped_boundaries

    (feature,) = [f for f in shipped_boundaries()["features"] if f["properties"]["code"] == code]
    geometry = feature["geometry"]
    polygons = (
        [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    )
    ring = max((p[0] for p in polygons), key=len)
    lon = sum(p[0] for p in ring) / len(ring)
    lat = sum(p[1] for p in ring) / len(ring)
    world = 512 * 2 ** VIEW["zoom"]

    def mercator(latitude: float) -> float:
        return math.log(math.tan(math.pi / 4 + math.radians(latitude) / 2))

    dx = (lon - VIEW["longitude"]) / 360 * world
    dy = -(mercator(lat) - mercator(VIEW["latitude"])) * world / (2 * math.pi)
    return dx, dy


class Session:
    """One browser context, with every request outside the loopback address refused and noted."""

    def __init__(self, browser, url: str):
        self.url = url
        self.context = browser.new_context(
            viewport={"width": 1400, "height": 1000}, accept_downloads=True
        )
        self.page = self.context.new_page()
        self.page.set_default_timeout(30_000)
        self.external: list[str] = []
        self.page.route("**/*", self._route)

    def _route(self, route):
        url = route.request.url
        if url.startswith(("http://127.0.0.1", "data:", "blob:")):
            return route.continue_()
        if self.url in self.page.url:  # the identity provider's own page may ask for a stylesheet
            self.external.append(url)
        return route.abort()

    def authenticate(self, subject: str) -> None:
        """Sign in at the identity provider as ``subject`` and come back to the dashboard."""
        page = self.page
        page.goto(self.url)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/oauth2/authorize**")
        page.get_by_role("button", name=subject, exact=True).click()

    def sign_in(self, subject: str, purpose: str) -> None:
        page = self.page
        self.authenticate(subject)
        page.get_by_text("Before you start").wait_for()
        page.get_by_label("Say briefly what for").fill(purpose)
        page.get_by_role("button", name="Continue").click()
        page.locator("h1").first.wait_for()

    def open_page(self, name: str) -> None:
        self.page.get_by_role("link", name=name, exact=True).click()
        self.page.locator("h1", has_text=name).wait_for()

    def open(self, name: str) -> None:
        self.page.get_by_role("link", name=name, exact=True).click()
        self.page.locator("h1", has_text=name).wait_for()
        self.page.get_by_text("Extract date 31 March 2025").first.wait_for()

    def settled(self) -> None:
        """Wait until Streamlit has finished the current run."""
        self.page.wait_for_function(
            "!document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=30000
        )
        self.page.wait_for_timeout(300)

    def click_borough(self, code: str) -> None:
        """Click a borough on the real-boundary map, where the map's opening view draws it,
        and wait until the page has answered with that borough's heading."""
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        name = borough_name(code)
        heading = self.page.get_by_role("heading", name=re.compile(rf"^{re.escape(name)} — "))
        deck = self.page.locator("[data-testid='stDeckGlJsonChart']").first
        # a click while Streamlit is still running the page can be dropped with the old map,
        # so wait for the run to finish, click, and click again if the page never answered
        for _ in range(3):
            self.settled()
            deck.scroll_into_view_if_needed()
            deck.locator("canvas").first.wait_for()
            box = deck.bounding_box()
            assert box is not None
            dx, dy = borough_offset(code)
            x, y = box["x"] + box["width"] / 2 + dx, box["y"] + box["height"] / 2 + dy
            # the map answers once drawn: hover until its tooltip names the borough, then click
            tooltip = self.page.locator(".deck-tooltip", has_text=name)
            for attempt in range(40):
                self.page.mouse.move(x + attempt % 2, y)
                if tooltip.is_visible():
                    break
                self.page.wait_for_timeout(250)
            else:
                raise AssertionError(f"the map never showed {name} under the pointer")
            self.page.mouse.click(x, y)
            try:
                heading.wait_for(timeout=15000)
                return
            except PlaywrightTimeout:
                continue
        raise AssertionError(f"clicking {name} on the map never opened its figures")

    def close(self) -> None:
        self.context.close()
