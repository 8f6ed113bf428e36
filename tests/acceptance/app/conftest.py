"""The browser tests' servers and browser, started once a session (helpers in
``support.browser``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.browser import CHROMIUM, FOREIGN_USERS, USERS, start_dashboard, start_provider, stop


@pytest.fixture(scope="session")
def identity_provider():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    base, process = start_provider(USERS)
    yield base
    stop(process)


@pytest.fixture(scope="session")
def dashboard(identity_provider, release_dir, tmp_path_factory):
    """The dashboard's URL and its audit database, serving the release the real pipeline built
    from a small synthetic London (``release_dir`` in tests/conftest.py)."""
    work = tmp_path_factory.mktemp("dashboard")
    url, audit_db, process = start_dashboard(
        identity_provider, identity_provider, release_dir, work
    )
    yield url, audit_db
    stop(process)


@pytest.fixture(scope="session")
def foreign_dashboard(identity_provider, release_dir, tmp_path_factory):
    """A dashboard whose sign-in goes to another provider while its policy trusts the first."""
    foreign, provider = start_provider(FOREIGN_USERS)
    work = tmp_path_factory.mktemp("foreign-dashboard")
    url, audit_db, process = start_dashboard(foreign, identity_provider, release_dir, work)
    yield url, audit_db
    stop(process)
    stop(provider)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
            ],
        )
        yield chromium
        chromium.close()
