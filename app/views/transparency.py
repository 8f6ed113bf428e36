"""How Pathways is used: the public transparency page (no sign-in; SPEC section 2.10).

It reads only the release manifest, the access policy's organisations and roles, and the audit
log's monthly counts. It names nobody.
"""

import polars as pl
import streamlit as st

from app import ui
from app.audit import AuditLog
from app.auth import ROLE_WORDS
from app.charts.common import long_date
from app.charts.evaluation import NO_PILOTS_WORDS, REGISTER_WORDS, register_table
from app.transparency import ROLE_KIND_WORDS, organisations, usage_by_month
from contract.reference import LAWFUL_BASES, SPECIAL_CATEGORY_CONDITIONS
from contract.vocabulary import SOURCE_NAMES

st.markdown(ui.READABLE_CAPTIONS, unsafe_allow_html=True)
public = st.session_state.get(ui.PUBLIC_KEY)
if not isinstance(public, ui.PublicContext):
    st.error("This page is not available right now.")
    st.stop()
info = public.manifest

if info.synthetic:
    ui.synthetic_banner()
st.title("How Pathways is used")
st.markdown(
    "Pathways helps London's councils, the Greater London Authority and their partners see "
    "whether people sleeping rough are helped off the street quickly and for good. It links the "
    "records that street outreach teams (CHAIN), borough housing options services (H-CLIC) and "
    "hostel providers (In-Form) keep about the same people into anonymised journeys, and "
    "publishes only counts that passed disclosure control. This page is public: it says what is "
    "shared, with whom and why, so that the people whose data this is, and the organisations that "
    "work with them, can check."
)

st.header("Sources and lawful basis", anchor=False)
rows = []
for source in ("chain", "hclic", "inform"):
    given = info.lawful_bases.get(source)
    extract = info.source_extract_dates.get(source)
    if not given and extract is None:
        continue
    basis = given.lawful_basis if given else None
    condition = given.special_category_condition if given else None
    rows.append(
        {
            "source": SOURCE_NAMES.get(source, source),
            "provided by": (given.provider if given else None) or "not recorded",
            "lawful basis": LAWFUL_BASES.get(basis or "", "not stated in this release"),
            "special category condition": SPECIAL_CATEGORY_CONDITIONS.get(
                condition or "", "not stated in this release"
            ),
            "latest extract": long_date(extract) if extract else "—",
        }
    )
if rows:
    st.table(pl.DataFrame(rows), hide_index=True)
else:
    st.write("This release does not record its sources.")
st.caption(
    "Support needs are health data, a special category under UK GDPR; the condition column says "
    "which Article 9 condition each source relies on."
)

st.header("Pilots being evaluated", anchor=False)
if info.pilots:
    st.table(register_table(info.pilots), hide_index=True)
    st.caption(REGISTER_WORDS)
else:
    st.write(NO_PILOTS_WORDS)

st.header("What Pathways will never show", anchor=False)
st.markdown(ui.never_shown(info.sdc.model_dump()))

st.header("Who has access", anchor=False)
st.markdown(
    "Everyone signs in with their organisation's account, holds one role, and states why at the "
    "start of every session. Nobody is listed by name here: the table counts the accounts and the "
    "app roles or groups that each organisation holds."
)
if public.policy is None:
    st.write(
        "Demo mode: five demo accounts, one per role, see synthetic data only."
        if public.demo
        else "The access policy could not be read."
    )
else:
    st.table(organisations(public.policy), hide_index=True)
st.table(
    pl.DataFrame(
        {"role": [ROLE_KIND_WORDS[k] for k in ROLE_WORDS], "sees": list(ROLE_WORDS.values())}
    ),
    hide_index=True,
)

st.header("Use, month by month", anchor=False)
try:
    usage = usage_by_month(AuditLog(public.audit_path).entries(newest_first=False))
except Exception:  # a public page shows no internal errors
    st.write("The audit log cannot be read right now.")
    st.stop()
for key, heading, column, empty in (
    ("sessions", "Sessions by role and stated purpose", "sessions", "No sessions recorded yet."),
    ("exports", "Exports by kind", "exports", "No exports recorded yet."),
    ("refusals", "Refused sign-ins", "refused sign-ins", "No refused sign-ins recorded."),
):
    st.subheader(heading, anchor=False)
    if usage[key].is_empty():
        st.write(empty)
    else:
        st.table(usage[key].rename({"count": column}), hide_index=True)
st.caption(
    "Counted from the audit log, which records every sign-in, refusal, page view, filter change "
    "and export, chained with a keyed seal so that no entry can be changed or removed unnoticed."
    f" Release {info.release_id}."
)
