"""The audit log and its verification, for administrators."""

import polars as pl
import streamlit as st

from app import ui
from app.audit import verify_log

s = ui.page_session("audit")
ok, message = verify_log(s.audit.path)
if ok:
    st.success(message, icon=":material/verified:")
else:
    st.error(message, icon=":material/gpp_bad:")

entries = s.audit.entries(limit=1000)
table = pl.DataFrame(
    [
        {
            "seq": e.seq,
            "time (UTC)": e.ts[:19].replace("T", " "),
            "user": e.user,
            "role": e.role,
            "purpose": e.purpose,
            "page": e.page,
            "action": e.action,
            "details": ", ".join(f"{k}={v}" for k, v in e.details.items()),
            "MAC": e.hash[:12],
        }
        for e in entries
    ],
    schema={
        "seq": pl.Int64,
        "time (UTC)": pl.String,
        "user": pl.String,
        "role": pl.String,
        "purpose": pl.String,
        "page": pl.String,
        "action": pl.String,
        "details": pl.String,
        "MAC": pl.String,
    },  # fmt: skip
)
actions = sorted(set(table.get_column("action").to_list()))
chosen = st.multiselect(
    "Actions", actions, default=actions, **ui.audited("audit_actions", "Actions")
)
shown = table.filter(pl.col("action").is_in(chosen))
st.caption(f"Newest first; {shown.height} of the latest {table.height} entries.")
st.dataframe(shown, hide_index=True, **({"height": 560} if shown.height > 15 else {}))
st.caption(
    "Each entry is sealed with a keyed MAC that covers the one before it. `pathways audit "
    "verify` checks the chain from the command line; keep the anchors `pathways audit anchor` "
    "prints elsewhere, and check against them with `--expect-head` to detect a truncated or "
    "replaced log."
)
