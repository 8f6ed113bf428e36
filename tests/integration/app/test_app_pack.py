"""The chart pack offered in the dashboard: to the roles that may see all it shows, built through
the user's scope, and every download written to the audit log."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader
from streamlit.testing.v1 import AppTest

from app.audit import AuditLog, verify_log

MAIN = Path(__file__).resolve().parents[3] / "app" / "main.py"
CAMDEN = "E09000007"


def sign_in_on_overview(account: str) -> AppTest:
    at = AppTest.from_file(str(MAIN), default_timeout=120).run()
    at.radio(key="demo_account").set_value(account)
    at.button[0].click().run()
    at.text_input(key="purpose_detail").set_value("November taskforce chart pack")
    at.button[0].click().run()
    at.switch_page("views/overview.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def downloads(audit_db: Path):
    return [e for e in AuditLog(audit_db).entries(newest_first=False) if e.action == "download"]


def test_a_borough_lead_downloads_their_boroughs_pack_and_the_log_says_so(env, deferred):
    at = sign_in_on_overview("camden-lead")
    edition = at.selectbox(key="pack_edition")
    # a borough lead may have London's edition or their own borough's, and no other
    assert edition.options == ["London", "Camden (borough)"]
    assert edition.value == CAMDEN
    assert at.selectbox(key="pack_month").value.isoformat() == "2025-03-01"
    assert not [b for b in at.get("download_button") if b.proto.id.endswith("dl-pack")]
    at.button(key="pack_build").click().run()
    assert not at.exception, [e.value for e in at.exception]
    button = [b for b in at.get("download_button") if "chart pack" in b.proto.label]
    assert len(button) == 1 and "pages" in button[0].proto.label
    assert not downloads(env)  # preparing is not downloading
    assert button[0].proto.deferred_file_id and not button[0].proto.url  # at no address yet
    button[0].click().run()
    pdf = deferred[button[0].proto.deferred_file_id]()  # Streamlit asks for the bytes on the click
    assert pdf.startswith(b"%PDF")
    logged = downloads(env)
    assert len(logged) == 1
    entry = logged[0]
    assert entry.user == "demo:camden-lead" and entry.role == f"borough:{CAMDEN}"
    assert entry.purpose.endswith("November taskforce chart pack")
    assert entry.details["chart"] == "pack" and entry.details["format"] == "pdf"
    assert entry.details["edition"] == CAMDEN and entry.details["month"] == "2025-03"
    assert entry.details["pages"] >= 10
    assert verify_log(env)[0]


def test_the_pack_the_app_builds_is_the_borough_edition(env):
    at = sign_in_on_overview("camden-lead")
    at.button(key="pack_build").click().run()
    pdf = at.session_state["_pathways_pack"][2]
    reader = PdfReader(io.BytesIO(pdf))
    first = reader.pages[0].extract_text()
    assert "Pathways: monthly taskforce chart pack — Camden, March 2025" in first
    assert f"Page 1 of {len(reader.pages)}" in first


def test_the_pan_london_lead_may_choose_any_edition(env):
    at = sign_in_on_overview("london-lead")
    options = at.selectbox(key="pack_edition").options
    assert options[0] == "London" and len(options) == 34


def test_the_taskforce_overview_role_is_not_offered_the_pack(env):
    at = sign_in_on_overview("taskforce")
    assert "Monthly chart pack" not in [h.value for h in at.header]
    assert any("the pan-London lead prepares it" in c.value for c in at.caption)
    with pytest.raises(KeyError):
        at.button(key="pack_build")


def test_a_pack_made_on_the_command_line_is_in_the_audit_log_before_it_is_written(
    env, release_dir, tmp_path, monkeypatch, capsys
):
    from pipelines.cli import main as pathways

    monkeypatch.setenv("PATHWAYS_OPERATOR", "analyst.one")
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
