"""The Pathways dashboard's entry script (``streamlit run app/main.py``).

Each run: open the release named by ``PATHWAYS_RELEASE``, sign the user in (OpenID Connect, or
the demo accounts on a synthetic release), ask for the session's purpose, build the user's
scoped view of the release, and show only the pages their role may open.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pandas  # noqa: F401  (imported up front: plotly's lazy import can race between sessions)
import streamlit as st

from app import auth
from app.audit import NOTE_LIMIT, AuditLog, purpose_problem
from app.auth import DEMO_ACCOUNTS, Identity, Role
from app.data import ScopedRelease, load_release
from app.pages import PAGES_BY_KEY, PAGES_BY_ROLE, PUBLIC_PAGE
from app.ui import (
    CONTEXT_KEY,
    PUBLIC_KEY,
    READABLE_CAPTIONS,
    PublicContext,
    Session,
    page_workbook,
    synthetic_banner,
)
from contract.errors import PathwaysError
from contract.reference import ASSETS

HERE = Path(__file__).resolve().parent
ICON = ASSETS / "pathways-icon.png"  # a local file: no icon fetched from the web

TOKEN_KEY = "_pathways_demo_token"
PURPOSE_KEY = "_pathways_purpose"
SIGNED_IN_KEY = "_pathways_signed_in_logged"
LAST_VIEW_KEY = "_pathways_last_view"

PURPOSES = (
    "Monthly taskforce reporting",
    "Borough service planning",
    "Commissioning or funding decision",
    "Checking data quality",
    "Information governance or audit",
    "Training or demonstration",
    "Other",
)


def _stop_with(message: str) -> None:
    st.error(message)
    st.stop()


def _release():
    path = os.environ.get("PATHWAYS_RELEASE")
    if not path:
        _stop_with(
            "No release is configured. Start the dashboard with `pathways app --release DIR`."
        )
    try:
        return load_release(Path(path))  # type: ignore[arg-type]
    except PathwaysError as e:
        _stop_with(str(e))


def _secrets_have_auth() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def _oidc_provider() -> str | None:
    """The ``[auth.<name>]`` provider to use when secrets name one, else the plain ``[auth]``."""
    named = os.environ.get("PATHWAYS_OIDC_PROVIDER")
    if named:
        return named
    section = st.secrets["auth"]
    providers = [k for k, v in section.items() if hasattr(v, "keys")]
    return providers[0] if len(providers) == 1 else None


def _account_words(account_id: str) -> str:
    account = auth.demo_account(account_id)
    label = account.role.label
    return account.name if label == account.name else f"{account.name} — {label}"


def _demo_sign_in(audit: AuditLog) -> tuple[Identity, Role]:
    account_id = auth.read_token(st.session_state.get(TOKEN_KEY))
    if account_id is not None:
        account = auth.demo_account(account_id)
        demo_id = f"demo:{account.account_id}"
        return Identity(subject=demo_id, name=account.name, account=demo_id), account.role
    st.title("Pathways")
    st.write(
        "Demo mode: pick an account to see the dashboard as that role sees it. Each account "
        "sees only what its role allows; the data layer enforces it."
    )
    with st.form("demo_sign_in"):
        choice = st.radio(
            "Demo account",
            [a.account_id for a in DEMO_ACCOUNTS],
            format_func=lambda a: (
                f"{auth.demo_account(a).name} — {auth.demo_account(a).role.label}"
            ),
            key="demo_account",
        )
        submitted = st.form_submit_button("Sign in", type="primary")
    if submitted and choice:
        account = auth.demo_account(choice)
        st.session_state[TOKEN_KEY] = auth.issue_token(account.account_id)
        audit.append(
            user=f"demo:{account.account_id}",
            role=str(account.role),
            purpose="",
            page="sign-in",
            action="sign_in",
            details={"method": "demo", "account": account.name},
        )
        st.rerun()
    st.stop()
    raise AssertionError  # unreachable: st.stop() ends the run


def _oidc_sign_in(audit: AuditLog) -> tuple[Identity, Role]:
    if not _secrets_have_auth():
        _stop_with(
            "Sign-in is not configured: add an [auth] section to .streamlit/secrets.toml "
            "(see app/README.md), or run the demo on a synthetic release."
        )
    if not st.user.is_logged_in:
        st.title("Pathways")
        st.write("Sign in with your organisation account to continue.")
        provider = _oidc_provider()
        if st.button("Sign in", type="primary", key="oidc_sign_in"):
            st.login(provider) if provider else st.login()
        st.stop()
    identity = Identity.from_claims(st.user.to_dict())
    try:
        decision = auth.load_policy().decide(identity)
    except PathwaysError as e:
        _stop_with(str(e))
        raise
    role = decision.role
    if role is None:
        if not st.session_state.get(SIGNED_IN_KEY):
            audit.append(
                user=decision.user, role="none", purpose="", page="sign-in",
                action="sign_in_denied",
                details={"method": "oidc", "reason": auth.refusal_key(decision.reason)},
            )  # fmt: skip
            st.session_state[SIGNED_IN_KEY] = "denied"
        st.title("Pathways")
        st.error(
            f"{decision.reason} Pathways has not let this sign-in in, and the attempt has been "
            "recorded. Ask your information governance lead if you need access."
        )
        st.button("Sign out", on_click=st.logout)
        st.stop()
    identity = dataclasses.replace(identity, account=decision.user)
    if st.session_state.get(SIGNED_IN_KEY) != str(role):
        audit.append(
            user=identity.user_id, role=str(role), purpose="", page="sign-in",
            action="sign_in",
            details={"method": "oidc", "via": decision.via, "organisation": decision.organisation},
        )  # fmt: skip
        st.session_state[SIGNED_IN_KEY] = str(role)
    return identity, role  # type: ignore[return-value]


def _purpose(identity: Identity, role: Role, audit: AuditLog) -> str:
    purpose = st.session_state.get(PURPOSE_KEY)
    if purpose:
        return purpose
    st.title("Before you start")
    st.write(
        f"Signed in as **{identity.name or identity.user_id}** ({role.label}). Pathways records "
        "why each session is used; your purpose goes into the audit log with every page you view."
    )
    with st.form("purpose_form"):
        category = st.selectbox(
            "Why are you using Pathways today?", PURPOSES, key="purpose_category"
        )
        detail = st.text_input(
            f"Say briefly what for, without naming anyone (10 to {NOTE_LIMIT} characters)",
            key="purpose_detail",
            max_chars=NOTE_LIMIT,
            placeholder="e.g. November taskforce pack, Camden commissioning review",
        )
        submitted = st.form_submit_button("Continue", type="primary")
    if submitted:
        detail = " ".join((detail or "").split())
        problem = purpose_problem(detail)
        if len(detail) < 10:
            st.error("Please say briefly what you are using Pathways for (at least 10 characters).")
        elif problem:
            st.error(
                f"This purpose cannot be recorded. {problem} The audit log is kept for years "
                "and must never hold anything about a person."
            )
        else:
            purpose = f"{category}: {detail}"
            st.session_state[PURPOSE_KEY] = purpose
            audit.append(
                user=identity.user_id, role=str(role), purpose=purpose, page="sign-in",
                action="purpose", details={"category": category},
            )  # fmt: skip
            st.rerun()
    st.stop()
    raise AssertionError


def _sign_out(s: Session) -> None:
    s.log("sign_out", page="")
    for key in (TOKEN_KEY, PURPOSE_KEY, SIGNED_IN_KEY, LAST_VIEW_KEY, CONTEXT_KEY):
        st.session_state.pop(key, None)
    if not s.demo:
        st.logout()


def _signed_in(demo: bool) -> bool:
    """Whether this session holds a sign-in the policy accepts (nothing drawn, nothing logged)."""
    if demo:
        return auth.read_token(st.session_state.get(TOKEN_KEY)) is not None
    if not _secrets_have_auth() or not st.user.is_logged_in:
        return False
    try:
        return auth.load_policy().role_for(Identity.from_claims(st.user.to_dict())) is not None
    except PathwaysError:
        return False


def _public_context(release, audit: AuditLog, demo: bool) -> PublicContext:
    policy = None
    if not demo:
        try:
            policy = auth.load_policy()
        except PathwaysError:
            policy = None
    return PublicContext(release.manifest, audit.path, policy, demo)


def _sign_in_screen() -> None:
    """Stands for the sign-in screens in the signed-out navigation (drawn by main)."""


def main() -> None:
    st.set_page_config(page_title="Pathways", page_icon=str(ICON), layout="wide")
    st.markdown(READABLE_CAPTIONS, unsafe_allow_html=True)
    release = _release()
    demo = auth.demo_mode()
    if demo and not release.manifest.synthetic:
        _stop_with(
            "Demo mode is refused on this release: its manifest does not mark it as synthetic. "
            "Demo accounts may only ever see synthetic data."
        )
    try:
        audit = AuditLog()
    except PathwaysError as e:
        _stop_with(f"{e} Pathways does not open without its audit log.")
        raise
    st.session_state[PUBLIC_KEY] = _public_context(release, audit, demo)
    public = st.Page(
        str(HERE / PUBLIC_PAGE.file), title=PUBLIC_PAGE.title, icon=PUBLIC_PAGE.icon,
        url_path=PUBLIC_PAGE.key,
    )  # fmt: skip

    if not _signed_in(demo):
        # signed out: the public page, or the sign-in screens
        gate = st.Page(_sign_in_screen, title="Sign in", url_path="sign-in", default=True)
        if st.navigation([gate, public], position="hidden").url_path == PUBLIC_PAGE.key:
            public.run()
            return
        if release.manifest.synthetic:
            synthetic_banner()
        st.page_link(public, label="How Pathways is used (public page)", icon=":material/public:")
    identity, role = _demo_sign_in(audit) if demo else _oidc_sign_in(audit)

    pages = []
    for i, name in enumerate(PAGES_BY_ROLE[role.kind]):
        spec = PAGES_BY_KEY[name]
        pages.append(
            st.Page(
                str(HERE / spec.file),
                title=spec.title,
                icon=spec.icon,
                url_path=name,
                default=i == 0,
            )  # fmt: skip
        )
    pages.append(public)
    # navigation before the purpose form, so the page in the address survives it
    has_purpose = bool(st.session_state.get(PURPOSE_KEY))
    nav = st.navigation(pages, position="sidebar" if has_purpose else "hidden")
    if nav.url_path == PUBLIC_PAGE.key and not has_purpose:
        nav.run()  # the public page needs no purpose
        return
    if release.manifest.synthetic and not has_purpose:
        synthetic_banner()
    purpose = _purpose(identity, role, audit)

    s = Session(identity, role, purpose, None, audit, demo)  # type: ignore[arg-type]
    s.release = ScopedRelease(
        release,
        role,
        on_refusal=lambda message, details: s.log("refused", {"message": message, **details}),
    )
    st.session_state[CONTEXT_KEY] = s

    s.page = nav.url_path or PAGES_BY_ROLE[role.kind][0]

    with st.sidebar:
        if release.manifest.synthetic:
            synthetic_banner()
        st.markdown(f"**{identity.name or identity.user_id}**  \n{role.label}")
        st.caption(f"Purpose: {purpose}")
        if demo:
            st.caption("Demo mode — synthetic data, demo accounts.")
        st.button("Sign out", on_click=_sign_out, args=(s,), key="sign_out")

    if st.session_state.get(LAST_VIEW_KEY) != s.page:
        s.log("view", {"title": nav.title})
        st.session_state[LAST_VIEW_KEY] = s.page
    try:
        nav.run()
    finally:  # also when the page stopped early (st.stop)
        page_workbook(s)  # every table the page drew, as one workbook, under the page


main()
