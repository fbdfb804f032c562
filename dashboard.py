"""整改进展看板 — the Streamlit entry: page config and navigation, little else."""

import streamlit as st

st.set_page_config(page_title="整改进展看板", page_icon="📊", layout="wide")

pages = [
    st.Page("pages/overview.py", title="总览", icon="📊", default=True),
]
st.navigation(pages).run()
