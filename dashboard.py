"""整改进展看板 — the Streamlit entry: page config and navigation, little else.

The page scripts live in views/, not pages/: with a pages/ folder beside the entry script,
Streamlit 1.67 runs a deep-linked page file on its own (old multipage mode) in the first
session after the server starts, skipping this navigation. tests/test_browser.py guards it.
"""

import streamlit as st

import app_state

st.set_page_config(page_title="整改进展看板", page_icon="📊", layout="wide")

pages = [
    st.Page("views/overview.py", title="总览", icon=":material/dashboard:", default=True),
    st.Page("views/finding_detail.py", title="问题详情", icon=":material/search:", url_path="finding_detail"),
    st.Page("views/metric_explorer.py", title="指标趋势", icon=":material/monitoring:", url_path="metric_explorer"),
    st.Page("views/reminders.py", title="催办", icon=":material/notifications:", url_path="reminders"),
]
# Reporting: editors upload the month's figures and ledger; the upload history and rollback.
data_pages = [
    st.Page("views/upload.py", title="数据上报", icon=":material/upload_file:", url_path="upload"),
    st.Page("views/data_admin.py", title="数据管理", icon=":material/manage_history:", url_path="data_admin"),
    st.Page("views/closure_review.py", title="销号审核", icon=":material/fact_check:", url_path="closure_review"),
    # Export (the 督办会 pack, the 通报 draft): open to everyone who may view the dashboard.
    st.Page("views/briefing.py", title="简报导出", icon=":material/slideshow:", url_path="briefing"),
]
# Administration, in its own section; each page checks the role itself.
admin_pages = [
    st.Page("views/targets.py", title="目标设置", icon=":material/flag:", url_path="targets"),
    st.Page("views/catalogue.py", title="目录管理", icon=":material/list_alt:", url_path="catalogue"),
    st.Page("views/admin_users.py", title="用户管理", icon=":material/group:"),
    st.Page("views/audit_log.py", title="审计日志", icon=":material/history:"),
    st.Page("views/backup.py", title="备份与恢复", icon=":material/backup:"),
]
# expanded=True: all pages always listed (a collapsed menu shows an English "View N more" button).
navigation = st.navigation({"": pages, "数据": data_pages, "管理": admin_pages}, expanded=True)
try:
    navigation.run()
except app_state.STORE_ERRORS as error:
    app_state.store_failure(error)  # a full disk, a read-only folder, a damaged file: a message, no traceback
finally:
    app_state.end_run()  # the store file is held only while a script run uses it
