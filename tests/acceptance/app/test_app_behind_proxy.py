"""The dashboard as the app host serves it: behind nginx (the shipped proxy rules, on loopback,
without TLS), under the base path /pathways/, on a release pointer that a publish moves on while
a person is signed in."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import support.browser as browser_support

from app.audit import AuditLog
from app.serve import streamlit_command
from contract.release import RELEASE_TABLES, open_release
from pipelines.release.write import publish, write_release

pytestmark = pytest.mark.browser


def next_month_release(release_dir: Path, where: Path, tag: str = "next") -> Path:
    """The same figures written again as a new version (a later code version), as next month's
    run writes a new release on the secure host."""
    release = open_release(release_dir)
    manifest = release.manifest.model_dump(mode="json", exclude={"release_id", "created_at"})
    manifest["code_version"] = f"{manifest['code_version']}+{tag}"
    for key in ("sdc", "tables", "documents", "packs"):
        manifest.pop(key, None)
    from pipelines.config import DisclosureConfig

    config = DisclosureConfig(**release.manifest.sdc.model_dump())
    tables = {name: release.table(name) for name in RELEASE_TABLES}
    return write_release(where, tables, manifest, config)


@pytest.fixture(scope="module")
def behind_nginx(identity_provider, release_dir, tmp_path_factory, nginx):
    """The dashboard on a release pointer, behind nginx at http://127.0.0.1:PORT/pathways/."""
    work = tmp_path_factory.mktemp("proxied")
    pointer = work / "srv" / "release"
    publish(release_dir, pointer)
    app_port, proxy_port = browser_support.free_port(), browser_support.free_port()
    url = f"http://127.0.0.1:{proxy_port}/pathways"
    secrets = work / "secrets.toml"
    secrets.write_text(
        "[auth]\n"
        f'redirect_uri = "{url}/oauth2callback"\n'
        'cookie_secret = "proxy-test-cookie-secret-0123456789"\n'
        'client_id = "pathways-dashboard"\n'
        'client_secret = "proxy-test-client-secret"\n'
        f'server_metadata_url = "{identity_provider}/.well-known/openid-configuration"\n',
        encoding="utf-8",
    )
    (work / "access.toml").write_text(
        browser_support.POLICY.format(issuer=identity_provider), encoding="utf-8"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PATHWAYS_", "STREAMLIT_"))}
    AuditLog.create(work / "audit.sqlite", key=browser_support.AUDIT_KEY.encode())
    env.update(
        PATHWAYS_AUDIT_KEY=browser_support.AUDIT_KEY,
        AUTHLIB_INSECURE_TRANSPORT="1",  # the mock provider speaks plain HTTP on loopback
        PATHWAYS_RELEASE=str(pointer),
        PATHWAYS_PORT=str(app_port),
        PATHWAYS_BASE_PATH="/pathways/",
        PATHWAYS_AUDIT_DB=str(work / "audit.sqlite"),
        PATHWAYS_ACCESS_POLICY=str(work / "access.toml"),
        PATHWAYS_SECRETS=str(secrets),
    )
    cmd, env = streamlit_command(env=env)
    app = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=work)  # fmt: skip
    proxy_dir = work / "nginx"
    proxy_dir.mkdir()
    conf = nginx.site(proxy_dir, app_port, proxy_port)
    proxy = subprocess.Popen(
        [nginx.binary, "-c", str(conf), "-p", str(proxy_dir)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        browser_support.wait_for(f"http://127.0.0.1:{app_port}/pathways/_stcore/health", app)
        browser_support.wait_for(f"{url}/_stcore/health", proxy)
        yield url, pointer, work
    finally:
        browser_support.stop(proxy)
        browser_support.stop(app)


def test_the_dashboard_is_served_under_its_base_path_and_nothing_else_is(behind_nginx):
    url, _, _ = behind_nginx
    with urllib.request.urlopen(f"{url}/", timeout=10) as page:
        assert page.status == 200 and b"<html" in page.read().lower()
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(url.replace("/pathways", "/_stcore/health"), timeout=10)
    assert refused.value.code in (403, 404)  # only /pathways/ reaches the dashboard


def test_a_person_signs_in_through_the_proxy_and_sees_a_new_release_without_a_restart(
    browser, behind_nginx, release_dir
):
    url, pointer, work = behind_nginx
    first = open_release(pointer).manifest.release_id
    s = browser_support.Session(browser, url)
    try:
        s.sign_in("sam", "Checking the dashboard behind the proxy")
        s.page.locator(".js-plotly-plot").first.wait_for()  # charts: the WebSocket is through
        s.page.get_by_text(f"release {first}").first.wait_for()
        assert "/pathways/" in s.page.url

        secure_side = next_month_release(release_dir, work / "secure" / "release")
        publish(secure_side, pointer)
        second = open_release(pointer).manifest.release_id
        assert second != first

        s.open("About this data")  # the next interaction, same session, same server
        s.page.get_by_text(f"release {second}").first.wait_for()
        assert s.page.get_by_text(f"release {first}").count() == 0
        assert s.external == [], s.external
    finally:
        s.close()


SLOW_PUBLISH = """
import sys, time
from pathlib import Path
from pipelines.release.write import publish

def slowly(step):
    if step == "file":
        time.sleep(0.5)  # a slow link to the app host: the copy takes several seconds

publish(Path(sys.argv[1]), Path(sys.argv[2]), on_step=slowly)
"""


def test_pages_read_while_a_release_is_copied_slowly_show_a_whole_release(
    browser, behind_nginx, release_dir
):
    url, pointer, work = behind_nginx
    before = open_release(pointer).manifest.release_id
    secure_side = next_month_release(release_dir, work / "secure" / "slow", tag="slow")
    after = open_release(secure_side).manifest.release_id
    s = browser_support.Session(browser, url)
    try:
        s.sign_in("sam", "Reading the dashboard during a publish")
        copying = subprocess.Popen(
            [sys.executable, "-c", SLOW_PUBLISH, str(secure_side), str(pointer)],
            stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        seen = []

        def read(page: str) -> None:
            s.open(page)
            shown = s.page.get_by_text(re.compile(r"release [0-9a-f]{16}")).first.inner_text()
            seen.append(re.search(r"release ([0-9a-f]{16})", shown).group(1))
            assert s.page.get_by_text("does not match its manifest").count() == 0
            assert s.page.get_by_text("No release found").count() == 0

        deadline = time.monotonic() + 120
        while copying.poll() is None and time.monotonic() < deadline:
            read(("About this data", "London overview")[len(seen) % 2])
        assert copying.wait(timeout=60) == 0, copying.stderr.read()
        read("Pathways")  # the next interaction after the switch
        assert set(seen) <= {before, after}
        assert seen[0] == before and seen[-1] == after  # read during the copy, then switched
        assert s.external == [], s.external
    finally:
        s.close()
