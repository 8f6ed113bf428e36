"""The access register, for administrators and the information governance lead."""

from datetime import UTC, date, datetime, timedelta

import streamlit as st

from app import auth, ui
from app.charts.common import excel_csv, long_date
from app.transparency import STALE_DAYS, Period, access_register
from contract.errors import PathwaysError

s = ui.page_session("register")
st.markdown(
    "Every account the access policy names, and every account that signed in through an app role "
    "or a group: its role, organisation, last sign-in, and its sessions, exports and refusals in "
    f"the period you choose. Accounts with no sign-in for {STALE_DAYS} days are flagged for "
    "review: remove them from the policy if they no longer need access."
)
if s.demo:
    st.info("Demo mode: the register lists the demo accounts that have signed in.")
    policy = auth.AccessPolicy(issuer="demo")
else:
    try:
        policy = auth.load_policy()
    except PathwaysError as e:
        st.error(str(e))
        st.stop()

today = datetime.now(UTC).date()
chosen = st.date_input(
    "Period",
    value=(today - timedelta(days=30), today),
    max_value=today,
    format="YYYY-MM-DD",
    **ui.audited("register_period", "Period"),
)
if not isinstance(chosen, tuple) or len(chosen) != 2:
    st.info("Choose the first and the last day of the period.")
    st.stop()
start, end = chosen
period = Period(
    start if isinstance(start, date) else today, end if isinstance(end, date) else today
)
register = access_register(policy, s.audit.entries(newest_first=False), period, today)

flagged = register.filter(register["review"] != "").height
st.caption(
    f"{register.height} accounts; {flagged} flagged for review. Sessions, exports and refusals "
    f"from {long_date(period.start)} to {long_date(period.end)}; last sign-in over the whole log."
)
st.dataframe(ui.readable(register), hide_index=True)
ui.audited_download(
    "Download the register (CSV)",
    excel_csv(register),
    file_name=f"pathways-access-register-{period.start}-{period.end}.csv",
    mime="text/csv",
    key="dl-register",
    details={"chart": "access-register", "title": "Access register", "rows": register.height,
             "format": "csv"},
)  # fmt: skip
