"""One printable page for one borough, set against London."""

import streamlit as st

from app import ui
from app.catalogue import Scene
from app.data import ScopeError
from contract.reference import LONDON_CODE, borough_codes, borough_name, pilot_codes

s = ui.page_session("snapshot")
r = s.release

st.markdown(
    "<style>@media print { section[data-testid='stSidebar'], header, "
    "[data-testid='stDownloadButton'], [data-testid='stExpander'] { display: none !important; } "
    ".main .block-container { padding: 0 !important; } }</style>",
    unsafe_allow_html=True,
)

asked = st.query_params.get("borough") or st.session_state.get("snapshot_borough")
if s.role.kind == "london":
    codes = list(borough_codes())
    if asked in codes:
        st.session_state["snapshot_borough"] = asked
    elif st.session_state.get("snapshot_borough") not in codes:
        st.session_state["snapshot_borough"] = pilot_codes()[0]
    code = st.selectbox(
        "Borough", codes, format_func=borough_name, **ui.audited("snapshot_borough", "Borough")
    )
else:
    code = asked or s.role.borough or ""

try:
    r.require_detail(code, "the borough snapshot")
    metrics = r.metrics(geographies=[code, LONDON_CODE], breakdown=None)
    survival = r.survival("return_to_street", [code, LONDON_CODE])
except ScopeError as e:
    ui.refused(s, e)
    st.stop()
if st.query_params.get("borough") != code:
    st.query_params["borough"] = code

st.header(f"{borough_name(code)} against London", anchor=False)
st.caption("Print this page from your browser (Ctrl+P or ⌘P); it is laid out for A4 landscape.")
ui.draw_catalogue(s, Scene(s.words, metrics, code, LONDON_CODE, survival=survival))
