"""Every page for every role, through Streamlit's AppTest, with the audit log checked.

Sign-in goes through the real demo form (and, for OpenID Connect, through ``st.user`` with a
real access policy); refusals are attempted the way a curious user would: a borough in the
address, a value written into session state, a forged sign-in token.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from app.audit import AuditLog, verify_log
from app.catalogue import EQUITY, LIFE_OFF_THE_STREETS
from app.pages import PAGES_BY_KEY, PAGES_BY_ROLE
from app.ui import CONTEXT_KEY
from contract.errors import PathwaysError

MAIN = Path(__file__).resolve().parents[3] / "app" / "main.py"
CAMDEN, WESTMINSTER = "E09000007", "E09000033"

PAGE_FILES = {key: (page.file, page.title) for key, page in PAGES_BY_KEY.items()}
ACCOUNTS = {
    "london-lead": "london",
    "camden-lead": "borough",
    "westminster-lead": "borough",
    "taskforce": "overview",
    "admin": "admin",
}


def new_app() -> AppTest:
    return AppTest.from_file(str(MAIN), default_timeout=60)


def sign_in(account: str, purpose: str = "Testing every page of the dashboard") -> AppTest:
    at = new_app().run()
    assert not at.exception, at.exception
    at.radio(key="demo_account").set_value(account)
    at.button[0].click().run()
    assert [t.value for t in at.title] == ["Before you start"]
    at.text_input(key="purpose_detail").set_value(purpose)
    at.button[0].click().run()
    assert not at.exception, at.exception
    return at


def visit(at: AppTest, page: str) -> AppTest:
    at.switch_page(PAGE_FILES[page][0]).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += (
        [e.value for e in at.error] + [w.value for w in at.warning] + [i.value for i in at.info]
    )
    return "\n".join(str(p) for p in parts)


def entries(audit_db: Path, action: str | None = None):
    found = AuditLog(audit_db).entries(newest_first=False)
    return [e for e in found if action is None or e.action == action]


@pytest.mark.parametrize("account", list(ACCOUNTS))
def test_every_page_for_every_role(env, account):
    at = sign_in(account)
    role_kind = ACCOUNTS[account]
    for page in PAGES_BY_ROLE[role_kind]:
        visit(at, page)
        assert [t.value for t in at.title] == [PAGE_FILES[page][1]], page
        shown = texts(at)
        assert "Synthetic data — not real people" in shown
        assert "Extract date 31 March 2025" in shown and "days ago" in shown
        assert not at.error, (page, [e.value for e in at.error])
        if page not in ("about", "audit"):
            assert len(at.get("download_button")) >= 1, page
    views = [e.page for e in entries(env, "view")]
    assert set(views) == set(PAGES_BY_ROLE[role_kind])
    signed = entries(env, "sign_in")
    assert len(signed) == 1 and signed[0].user == f"demo:{account}"
    assert all(
        e.purpose.endswith("Testing every page of the dashboard") for e in entries(env, "view")
    )
    assert verify_log(env)[0]


def test_overview_role_cannot_open_other_pages(env):
    at = sign_in("taskforce")
    for page in ("map", "snapshot", "pathways", "returns", "compare", "audit"):
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(PAGE_FILES[page][0])
    visit(at, "overview")
    # the titles the metric registry wrote into the release's manifest
    assert [m.label for m in at.metric] == [
        "People seen rough sleeping", "New people (flow)",
        "People also seen in the previous period (stock)",
        "People returning to the streets (returners)",
        # the Life off the Streets aims, latest month
        "New people seen only once (No Second Night Out)", "People living on the streets",
        "Returning to rough sleeping (NR1)",
    ]  # fmt: skip
    assert "Latest quarter" not in texts(at)
    assert not at.get("segmented_control") and not at.selectbox  # no breakdowns offered


def test_borough_lead_is_refused_another_borough_by_address(env):
    at = sign_in("camden-lead")
    at.switch_page(PAGE_FILES["snapshot"][0])
    at.query_params["borough"] = WESTMINSTER
    at.run()
    assert not at.exception
    assert any("cannot see the borough snapshot for Westminster" in e.value for e in at.error)
    assert not at.get("plotly_chart")  # nothing drawn
    refusals = entries(env, "refused")
    assert refusals and refusals[-1].details["geography"] == WESTMINSTER
    assert refusals[-1].role == f"borough:{CAMDEN}"


def test_borough_lead_is_refused_another_borough_through_session_state(env):
    at = sign_in("camden-lead")
    visit(at, "snapshot")
    assert "Camden against London" in [h.value for h in at.header]
    at.session_state["snapshot_borough"] = WESTMINSTER
    at.query_params.clear()
    at.run()
    assert any("Westminster" in e.value for e in at.error)
    assert entries(env, "refused")[-1].details["geography"] == WESTMINSTER


def test_rewriting_the_session_does_not_change_the_role(env):
    from app.auth import Identity, Role

    at = sign_in("camden-lead")
    visit(at, "snapshot")
    forged = at.session_state[CONTEXT_KEY]
    forged.role = Role("london")
    forged.identity = Identity("demo:london-lead")
    at.session_state[CONTEXT_KEY] = forged
    at.session_state["snapshot_borough"] = WESTMINSTER
    at.query_params.clear()
    at.run()
    assert any("Westminster" in e.value for e in at.error)
    assert at.session_state[CONTEXT_KEY].role == Role("borough", CAMDEN)

    at.session_state["_pathways_demo_token"] = "london-lead|" + "0" * 64
    at.run()
    assert at.radio(key="demo_account")  # a forged token signs nobody in
    assert not at.get("plotly_chart")


def test_borough_lead_sees_other_boroughs_totals_on_the_map_only(env):
    at = sign_in("camden-lead")
    visit(at, "map")
    assert at.selectbox(key="map_pick").value == CAMDEN
    assert at.button(key="open_snapshot")  # own borough: the full snapshot is offered
    at.selectbox(key="map_pick").set_value(WESTMINSTER).run()
    assert not at.exception and not at.error
    assert any(s.value.startswith("Westminster — ") for s in at.subheader)
    assert len(at.metric) == 4
    assert "open to your own borough only" in texts(at)
    assert not [b for b in at.button if b.key == "open_snapshot"]
    assert entries(env, "select")[-1].details == {"borough": WESTMINSTER, "via": "picker"}


def test_map_opens_on_a_period_where_most_boroughs_have_a_figure(env, release_dir):
    import polars as pl

    rows = pl.read_parquet(release_dir / "metrics.parquet").filter(
        (pl.col("metric_id") == "seen_rough_sleeping")
        & (pl.col("geography_type") == "borough")
        & (pl.col("breakdown") == "all")
    )

    def published(period_type: str) -> float:
        these = rows.filter(pl.col("period_type") == period_type)
        latest = these.filter(pl.col("period_start") == these["period_start"].max())
        return latest["value"].is_not_null().mean()

    # the finest period in which at least half the boroughs have a figure, else the year
    expected = next((p for p in ("month", "quarter", "fy") if published(p) >= 0.5), "fy")
    at = sign_in("london-lead")
    visit(at, "map")
    assert at.segmented_control(key="map_period").value == expected
    assert published("month") < 0.5  # a small London: months alone would be a grey sheet


def test_suppressed_headlines_read_suppressed_never_none_nor_a_range(env):
    """A hidden tile says 'Suppressed' and the note says why; never '<10' or 'fewer than 10',
    which a figure hidden to protect another (secondary suppression) may not be (SPEC 2.5)."""
    at = sign_in("camden-lead")
    visit(at, "snapshot")
    values = [m.value for m in at.metric]
    assert values and all(v and v != "None" for v in values)
    assert "Suppressed" in values  # a small borough's latest month has hidden figures
    assert not any("<" in v or "fewer" in v.lower() for v in values)
    shown = texts(at)
    assert "None" not in shown
    assert "Hidden to protect small numbers (see the note below)." in shown
    assert "'Suppressed' means the figure is hidden" in shown


def test_london_lead_opens_any_snapshot_from_the_map(env):
    at = sign_in("london-lead")
    visit(at, "map")
    at.selectbox(key="map_pick").set_value(WESTMINSTER).run()
    at.button(key="open_snapshot").click().run()
    assert not at.exception
    assert "Westminster against London" in [h.value for h in at.header]


def test_filters_and_downloads_are_audited(env, deferred):
    at = sign_in("london-lead")
    visit(at, "map")
    at.segmented_control(key="map_period").set_value("month").run()
    at.select_slider(key="map_month").set_value(date(2024, 3, 1)).run()
    assert "Camden — Mar 2024" not in [x.value for x in at.subheader]  # london default: Westminster
    assert "Westminster — Mar 2024" in [x.value for x in at.subheader]
    filters = entries(env, "filter")
    assert filters[-2].details["filter"] == "Period" and filters[-1].page == "map"
    assert filters[-1].details["filter"] == "Month" and filters[-1].page == "map"
    button = at.get("download_button")[0]
    # the file is at no address until the user clicks: Streamlit then asks the app for it
    assert button.proto.deferred_file_id and not button.proto.url
    button.click().run()
    assert not entries(env, "download")
    served = deferred[button.proto.deferred_file_id]()  # what Streamlit does on the click
    downloads = entries(env, "download")
    assert len(downloads) == 1 and downloads[0].details["format"] == "csv"
    assert downloads[0].details["chart"].startswith("map-") and downloads[0].page == "map"
    assert served.decode("utf-8-sig").startswith("geography_code,geography,metric_id")
    assert served.startswith(b"\xef\xbb\xbf")  # Excel reads it as UTF-8
    assert verify_log(env)[0]


def test_a_download_whose_entry_cannot_be_written_is_not_served(env, deferred):
    at = visit(sign_in("london-lead"), "map")
    button = at.get("download_button")[0]
    env.rename(env.with_suffix(".moved"))  # the log is taken away while the page is open
    with pytest.raises(PathwaysError, match="disappeared"):
        deferred[button.proto.deferred_file_id]()
    env.with_suffix(".moved").rename(env)
    assert not entries(env, "download")


def test_a_purpose_is_required(env):
    at = new_app().run()
    at.radio(key="demo_account").set_value("london-lead")
    at.button[0].click().run()
    at.text_input(key="purpose_detail").set_value("x")
    at.button[0].click().run()
    assert any("at least 10 characters" in e.value for e in at.error)
    assert not at.get("plotly_chart")
    assert not entries(env, "view")


def test_a_purpose_naming_a_person_is_refused_and_never_logged(env):
    """The form refuses rather than keeping a cut-down copy: the log is append-only and kept for
    years, so whatever reaches it can never be erased."""
    at = new_app().run()
    at.radio(key="demo_account").set_value("london-lead")
    at.button[0].click().run()
    at.text_input(key="purpose_detail").set_value("Checking on John Smith, born 12/03/1985")
    at.button[0].click().run()
    assert any("cannot be recorded" in e.value and "a date" in e.value for e in at.error)
    assert not at.get("plotly_chart")
    logged = AuditLog(env).entries()
    assert not [e for e in logged if "Smith" in e.purpose + str(e.details)]
    assert not [e for e in logged if "1985" in e.purpose + str(e.details)]
    at.text_input(key="purpose_detail").set_value("Camden winter planning review")
    at.button[0].click().run()
    assert entries(env, "purpose")[0].details == {"category": "Monthly taskforce reporting"}


def test_the_dashboard_does_not_open_without_its_audit_log(env):
    env.unlink()
    at = new_app().run()
    assert any("audit log" in e.value and "missing" in e.value for e in at.error)
    assert not at.get("radio") and not env.exists()


def test_demo_mode_is_refused_on_a_release_that_is_not_synthetic(
    env, real_release_dir, monkeypatch
):
    monkeypatch.setenv("PATHWAYS_RELEASE", str(real_release_dir))
    at = new_app().run()
    assert any("Demo mode is refused" in e.value for e in at.error)
    assert not at.radio


def test_sign_out_ends_the_session(env):
    at = sign_in("london-lead")
    at.button(key="sign_out").click().run()
    assert at.radio(key="demo_account")
    assert entries(env, "sign_out")


def test_a_camden_leads_compare_page_offers_only_camden(env, built_release_dir, monkeypatch):
    import polars as pl

    monkeypatch.setenv("PATHWAYS_RELEASE", str(built_release_dir))
    published = pl.read_parquet(built_release_dir / "comparisons.parquet").filter(
        pl.col("comparison_id") == "borough"
    )
    assert published.height > 1 and f"borough={CAMDEN}" in set(published["group_a"])
    at = visit(sign_in("camden-lead"), "compare")
    at.selectbox(key="compare_id").set_value("borough").run()
    assert not at.exception, at.exception
    assert at.selectbox(key="compare_borough").options == ["Camden"]
    table = at.dataframe[-1].value
    assert set(table["group"]) == {"Camden"}, set(table["group"])
    london = visit(sign_in("london-lead"), "compare")
    london.selectbox(key="compare_id").set_value("borough").run()
    assert len(london.selectbox(key="compare_borough").options) == published.height


def test_the_public_page_needs_no_sign_in_and_names_nobody(env):
    signed_in = sign_in("camden-lead", "Camden winter planning review")
    visit(signed_in, "map")
    at = new_app()
    at.switch_page("views/transparency.py").run()
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["How Pathways is used"]
    tables = [t.value for t in at.table]
    shown = texts(at) + "\n".join(t.to_csv() for t in tables)
    sources = tables[0]
    assert list(sources["source"]) == ["CHAIN", "H-CLIC", "In-Form"]
    assert set(sources["lawful basis"]) == {"Public task (UK GDPR Article 6(1)(e))"}
    assert "Borough lead (own borough)" in shown and "Monthly taskforce reporting" in shown
    assert "camden-lead" not in shown and "demo:" not in shown
    assert not at.get("radio")  # no sign-in form, no demo accounts offered
    assert not [e for e in entries(env) if e.page == "transparency"]  # anonymous: not logged


def test_the_access_register_lists_accounts_for_the_admin_only(env, deferred):
    sign_in("camden-lead", "Camden winter planning review")
    at = visit(sign_in("admin", "Quarterly access review"), "register")
    register = at.dataframe[0].value
    rows = {r["account"]: r for r in register.to_dict("records")}
    assert set(rows) == {"demo:camden-lead", "demo:admin"}
    assert rows["demo:camden-lead"]["sessions"] == "1" and rows["demo:camden-lead"]["review"] == ""
    button = at.get("download_button")[0]
    csv = deferred[button.proto.deferred_file_id]().decode("utf-8-sig")
    assert csv.splitlines()[0].startswith("account,organisation,role,last sign-in,sessions")
    assert entries(env, "download")[-1].details["chart"] == "access-register"
    assert [k for k, pages in PAGES_BY_ROLE.items() if "register" in pages] == ["admin"]


ISSUER = "http://127.0.0.1:9400"
POLICY = f"""
issuer = "{ISSUER}"

[[people]]
subject = "u1"
email = "ana.lopez@camden.gov.uk"
organisation = "Camden Council"
role = "borough:E09000007"

[[groups]]
id = "taskforce-members"
organisation = "London Rough Sleeping Taskforce"
role = "overview"
"""


@pytest.fixture
def oidc(env, tmp_path, monkeypatch):
    monkeypatch.delenv("PATHWAYS_DEMO")
    policy = tmp_path / "access.toml"
    policy.write_text(POLICY, encoding="utf-8")
    monkeypatch.setenv("PATHWAYS_ACCESS_POLICY", str(policy))
    return env


def oidc_app(user: dict) -> AppTest:
    at = new_app()
    at.secrets["auth"] = {
        "redirect_uri": "http://127.0.0.1:8501/oauth2callback",
        "cookie_secret": "test-cookie-secret",
        "client_id": "pathways",
        "client_secret": "secret",
        "server_metadata_url": "http://127.0.0.1:9400/.well-known/openid-configuration",
    }
    at.user = user
    return at


def test_oidc_user_gets_the_role_the_policy_gives(oidc):
    at = oidc_app(
        {
            "is_logged_in": True,
            "iss": ISSUER,
            "sub": "u1",
            "email": "Ana.Lopez@x.org",
            "name": "Ana",
        }
    )
    at.run()
    at.text_input(key="purpose_detail").set_value("Camden commissioning review")
    at.button[0].click().run()
    assert not at.exception
    visit(at, "snapshot")
    assert "Camden against London" in [h.value for h in at.header]
    assert "Synthetic data — not real people" in texts(at)  # the release is synthetic
    signed = entries(oidc, "sign_in")
    assert signed[0].user == "ana.lopez@camden.gov.uk" and signed[0].details["method"] == "oidc"


def test_oidc_group_membership_gives_a_role(oidc):
    at = oidc_app(
        {
            "is_logged_in": True,
            "iss": ISSUER,
            "sub": "u2",
            "email": "t@london.gov.uk",
            "groups": ["taskforce-members"],
        }
    )
    at.run()
    at.text_input(key="purpose_detail").set_value("Monthly taskforce meeting")
    at.button[0].click().run()
    assert entries(oidc, "sign_in")[0].role == "overview"


def test_oidc_user_outside_the_policy_is_turned_away(oidc):
    at = oidc_app(
        {"is_logged_in": True, "iss": ISSUER, "sub": "u3", "email": "stranger@example.org"}
    )
    at.run()
    assert any("no role" in e.value for e in at.error)
    assert not at.text_input
    denied = entries(oidc, "sign_in_denied")
    assert len(denied) == 1 and denied[0].user == "sub:u3"
    assert denied[0].details["reason"] == "unknown"


def test_oidc_signed_out_user_sees_only_the_sign_in_button(oidc):
    at = oidc_app({"is_logged_in": False})
    at.run()
    assert at.button(key="oidc_sign_in").label == "Sign in"
    assert not at.get("plotly_chart")


def test_every_page_draws_again_on_a_rerun(env):
    # what every click costs: a rerun of the page (its speed is measured by `pathways bench`)
    at = sign_in("london-lead")
    for page in PAGES_BY_ROLE["london"]:
        visit(at, page)  # first visit builds caches
        for _ in range(2):
            at.run()
            assert not at.exception, (page, [e.value for e in at.exception])
            assert [t.value for t in at.title] == [PAGE_FILES[page][1]], page


def subheaders(at) -> list[str]:
    return [h.value for h in at.subheader]


def show(at, section: str):
    """The Outcomes page shows one aim (or the equity views) at a time."""
    at.segmented_control(key="outcomes_section").set_value(section).run()
    assert not at.exception, [e.value for e in at.exception]
    assert [h.value for h in at.header] == [section]
    return at


def every_section(at) -> list[str]:
    """The titles of every chart on the Outcomes page, one section after another."""
    titles = []
    for section in (*LIFE_OFF_THE_STREETS, EQUITY):
        titles += subheaders(show(at, section))
    return titles


def test_a_london_lead_sees_the_three_aims_for_london_then_for_a_borough(env):
    at = sign_in("london-lead")
    visit(at, "outcomes")
    assert [h.value for h in at.header] == [LIFE_OFF_THE_STREETS[0]]  # the first aim first
    titles = every_section(at)
    assert any(t.startswith("New people against people moving in — London") for t in titles)
    assert any(
        t.startswith("Returned to the street 3, 6 and 12 months after moving in — London")
        for t in titles
    )
    assert any(t.startswith("Long-term rough sleeping (B1) — London") for t in titles)
    assert not any("New to the borough (P1)" in t for t in titles)  # P1 is a borough's measure
    assert not at.error
    at.selectbox(key="outcomes_place").set_value(WESTMINSTER).run()
    assert not at.exception
    assert any(t.startswith("New to the borough (P1) — Westminster") for t in every_section(at))


def test_a_borough_lead_sees_london_and_their_own_borough_only(env):
    at = sign_in("camden-lead")
    visit(at, "outcomes")
    place = at.selectbox(key="outcomes_place")
    assert place.options == ["London", "Camden"]
    assert place.value == CAMDEN
    titles = every_section(at)
    assert any(t.startswith("New to the borough (P1) — Camden") for t in titles)
    assert any(t.startswith("Accommodation sustained 3, 6, 12 months — Camden") for t in titles)
    assert "Westminster" not in texts(at)
    assert not at.error and not at.exception


def test_equity_views_by_needs_combined_and_never_nationality_for_a_borough(env):
    at = sign_in("london-lead")
    visit(at, "outcomes")
    show(at, EQUITY)
    assert "Nationality" in at.selectbox(key="equity_breakdown").options
    at.selectbox(key="equity_breakdown").set_value("support_combination").run()
    assert not at.exception
    assert "Outcomes by mental health, alcohol and drugs — London" in subheaders(at)
    at.selectbox(key="equity_breakdown").set_value("institution").run()
    assert "Outcomes by institutional history — London" in subheaders(at)
    at = sign_in("camden-lead")
    visit(at, "outcomes")
    show(at, EQUITY)
    options = at.selectbox(key="equity_breakdown").options
    assert "Nationality" not in options and "Mental health, alcohol and drugs" in options
    at.selectbox(key="equity_breakdown").set_value("ethnic_group").run()
    assert "Outcomes by ethnic group — Camden" in subheaders(at)
    assert not at.error and not at.exception


def test_a_camden_lead_sees_their_own_pilot_evaluated_and_the_london_lead_every_pilot(env):
    at = visit(sign_in("camden-lead"), "compare")
    at.segmented_control(key="compare_view").set_value("pilots").run()
    assert not at.exception, at.exception
    assert at.selectbox(key="compare_pilot").options == ["Housing First in Camden, from April 2023"]
    shown = texts(at)
    assert "Before and after, with London as the comparison" in shown
    assert "People in the pilot against similar people" in shown
    assert "parallel trends" in shown and "not a trial" in shown  # assumptions and caveat
    assert "Lambeth" not in shown
    london = visit(sign_in("london-lead"), "compare")
    london.segmented_control(key="compare_view").set_value("pilots").run()
    assert not london.exception, london.exception
    assert london.selectbox(key="compare_pilot").options == [
        "Housing First in Camden, from April 2023",
        "Supported housing in Lambeth, from April 2023",
    ]
    london.selectbox(key="compare_pilot").select_index(1).run()
    assert not london.exception, london.exception
    assert "Supported housing in Lambeth, from April 2023" in [s.value for s in london.subheader]
    for outcome in (1, 2):  # returns within 12 months; living on the streets
        london.selectbox(key="compare_pilot_outcome").select_index(outcome).run()
        assert not london.exception, london.exception


def test_the_pilot_register_is_on_the_about_and_public_pages(env):
    about = visit(sign_in("camden-lead"), "about")
    register = next(d.value for d in about.dataframe if "intervention" in d.value.columns)
    assert list(register["borough"]) == ["Camden", "Lambeth"]
    public = new_app()
    public.switch_page("views/transparency.py").run()
    assert not public.exception, public.exception
    register = next(t.value for t in public.table if "intervention" in t.value.columns)
    assert list(register["intervention"]) == ["Housing First", "Supported housing"]


def services_table(at):
    """The Outcomes page's Services section: its one table, as rows."""
    show(at, "Services")
    [table] = at.dataframe
    return table.value


def test_a_london_lead_sees_every_boroughs_teams_and_providers_named_from_the_register(env):
    at = visit(sign_in("london-lead"), "outcomes")
    table = services_table(at)
    assert list(table.columns) == ["borough", "service", "name", "people"]
    assert len(set(table["borough"])) > 20  # every borough with a service in the year
    names = set(table["name"])
    assert "Camden outreach team" in names and "Westminster outreach team" in names
    assert "St Mungo's" in names  # a registered hostel provider
    assert set(table["people"]) - {"suppressed"} <= {str(n) for n in range(0, 100000, 5)}
    assert any(s.startswith("Outreach teams and hostel providers — every borough") for s in
               subheaders(at))  # fmt: skip
    assert "do not add up" in texts(at)
    assert not at.error and not at.exception


def test_a_camden_lead_sees_only_camdens_services(env):
    at = visit(sign_in("camden-lead"), "outcomes")
    table = services_table(at)
    assert set(table["borough"]) == {"Camden"}
    assert "Westminster outreach team" not in set(table["name"])
    assert "Camden outreach team" in set(table["name"])
    at.selectbox(key="outcomes_place").set_value("E12000007").run()  # London: still only Camden
    assert set(services_table(at)["borough"]) == {"Camden"}
    assert "Westminster" not in texts(at)
    assert not at.error and not at.exception
