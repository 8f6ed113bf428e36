"""A real dashboard server behind a real OpenID Connect sign-in, for browser tests.

The identity provider is ``oidc-provider-mock`` on the loopback address; Streamlit runs as a
subprocess exactly as ``pathways app`` starts it, with an ``[auth]`` secrets file pointing at the
mock. Nothing here reaches beyond 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from app.audit import AuditLog

AUDIT_KEY = "pathways-audit-test-key-0123456789abcdef-not-a-secret"  # as tests/conftest.py
CHROMIUM = os.environ.get("BROWSER_PATH", "/usr/bin/chromium")
USERS = [
    {"sub": "sam", "email": "sam.okoro@london.gov.uk", "email_verified": True, "name": "Sam Okoro", "groups": ["gla-analysts"]},
    {"sub": "ana", "email": "ana.lopez@camden.gov.uk", "email_verified": True, "name": "Ana Lopez"},
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
