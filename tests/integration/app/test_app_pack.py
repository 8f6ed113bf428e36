"""The chart packs in the dashboard: drawn by the monthly run into the release, offered to the
roles that may see all they show, checked against the manifest, and audited before they are
served. The app host draws nothing and needs no browser."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader
from streamlit.testing.v1 import AppTest

from app.audit import AuditLog, verify_log
from app.auth import Role
from app.data import ScopedRelease, ScopeError, load_release
from contract.release import open_release

MAIN = Path(__file__).resolve().parents[3] / "app" / "main.py"
CAMDEN, WESTMINSTER = "E09000007", "E09000033"
CAMDEN_PACK = "pathways-pack-2025-03-e09000007.pdf"


@pytest.fixture(autouse=True)
def no_browser_on_the_app_host(monkeypatch):
    """The app host has no Chromium: serving a pack must not need one."""
    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chromium")


def sign_in_on_overview(account: str) -> AppTest:
    at = AppTest.from_file(str(MAIN), default_timeout=120).run()
    at.radio(key="demo_account").set_value(account)
    at.button[0].click().run()
    at.text_input(key="purpose_detail").set_value("November taskforce chart pack")
    at.button[0].click().run()
    at.switch_page("views/overview.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def entries(audit_db: Path, action: str):
    return [e for e in AuditLog(audit_db).entries(newest_first=False) if e.action == action]


def pack_buttons(at: AppTest):
    return [b for b in at.get("download_button") if b.proto.id.endswith("dl-pack")]


def test_a_borough_lead_gets_their_boroughs_pack_logged_before_it_is_served(
    env, release_dir, deferred
):
    at = sign_in_on_overview("camden-lead")
    edition = at.selectbox(key="pack_edition")
    # London's edition or their own borough's; Westminster's is in the release but not offered
    assert edition.options == ["London, March 2025", "Camden (borough), March 2025"]
    assert edition.value == CAMDEN_PACK
    assert not pack_buttons(at)  # no download button until the pack is checked
    at.button(key="pack_get").click().run()
    assert not at.exception, [e.value for e in at.exception]
    (button,) = pack_buttons(at)
    assert not entries(env, "download")  # getting the pack ready is not downloading it
    assert button.proto.deferred_file_id and not button.proto.url  # at no address yet
    button.click().run()
    served = deferred[button.proto.deferred_file_id]()  # Streamlit asks for the bytes on the click
    logged = entries(env, "download")
    assert len(logged) == 1
    entry = logged[0]
    assert entry.user == "demo:camden-lead" and entry.role == f"borough:{CAMDEN}"
    assert entry.purpose.endswith("November taskforce chart pack")
    assert entry.details["chart"] == "pack" and entry.details["format"] == "pdf"
    assert entry.details["edition"] == CAMDEN and entry.details["month"] == "2025-03"
    assert entry.details["file"] == CAMDEN_PACK
    assert served == (release_dir / "packs" / CAMDEN_PACK).read_bytes()
    assert entry.details["bytes"] == len(served)
    first = PdfReader(io.BytesIO(served)).pages[0].extract_text()
    assert "Pathways: monthly taskforce chart pack — Camden, March 2025" in first
    assert verify_log(env)[0]


def test_the_pan_london_lead_is_offered_every_edition_the_release_holds(env, release_dir):
    at = sign_in_on_overview("london-lead")
    options = at.selectbox(key="pack_edition").options
    held = sorted(open_release(release_dir).manifest.packs)
    assert len(options) == len(held) == 3
    assert options[0] == "London, March 2025"
    assert "Westminster (borough), March 2025" in options


def test_the_taskforce_overview_role_is_not_offered_the_pack(env):
    at = sign_in_on_overview("taskforce")
    assert "Monthly chart pack" not in [h.value for h in at.header]
    assert any("the pan-London lead prepares it" in c.value for c in at.caption)
    with pytest.raises(KeyError):
        at.button(key="pack_get")


@pytest.mark.parametrize(
    ("role", "file_name"),
    [
        (Role("borough", CAMDEN), "pathways-pack-2025-03-e09000033.pdf"),
        (Role("overview"), "pathways-pack-2025-03-london.pdf"),
        (Role("admin"), "pathways-pack-2025-03-london.pdf"),
        (Role("london"), "../manifest.json"),
    ],
)
def test_the_data_layer_refuses_a_pack_out_of_scope_and_says_so_first(release_dir, role, file_name):
    told = []
    scoped = ScopedRelease(load_release(release_dir), role, lambda m, d: told.append(d))
    with pytest.raises(ScopeError, match="cannot download the chart pack"):
        scoped.pack(file_name)
    assert told and told[0]["what"] == "chart pack"
    assert file_name not in scoped.packs()


def test_a_pack_changed_on_the_app_host_is_refused_and_not_logged_as_served(
    env, release_dir, tmp_path, monkeypatch
):
    import shutil

    copy = tmp_path / "release"
    shutil.copytree(release_dir.resolve(), copy)
    (copy / "packs" / CAMDEN_PACK).write_bytes(b"%PDF-1.4 not the pack the run drew")
    monkeypatch.setenv("PATHWAYS_RELEASE", str(copy))
    at = AppTest.from_file(str(MAIN), default_timeout=120).run()
    # the whole release is refused on opening: every pack is checked with the tables
    assert any("does not match its manifest" in e.value for e in at.error)
    assert not entries(env, "download")


def test_a_pack_made_on_the_command_line_is_in_the_audit_log_before_it_is_written(
    env, release_dir, tmp_path, monkeypatch, capsys
):
    from pipelines.commands.cli import main as pathways

    monkeypatch.setenv("PATHWAYS_OPERATOR", "analyst.one")
    monkeypatch.setenv("BROWSER_PATH", "/usr/bin/chromium")  # drawn on the secure side
    out = tmp_path / "camden.pdf"
    args = ["pack", "--release", str(release_dir), "--month", "2025-03", "--out", str(out),
            "--borough", CAMDEN]  # fmt: skip
    env.rename(env.with_suffix(".moved"))  # no log, no pack
    assert pathways(args) == 2
    assert "audit log" in capsys.readouterr().err and not out.exists()
    env.with_suffix(".moved").rename(env)
    assert pathways(args) == 0
    pages = len(PdfReader(out).pages)
    (entry,) = AuditLog(env).entries()
    assert (entry.user, entry.role, entry.action, entry.page) == (
        "operator:analyst.one", "operator", "export", "command line",
    )  # fmt: skip
    assert entry.details == {"kind": "chart pack", "route": "command line", "format": "pdf",
                             "month": "2025-03", "edition": CAMDEN, "pages": pages}  # fmt: skip
    assert verify_log(env)[0]
