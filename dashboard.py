"""整改进展看板 — the Streamlit entry: page config and navigation, little else.

The page scripts live in views/, not pages/: with a pages/ folder beside the entry script,
Streamlit 1.67 runs a deep-linked page file on its own (old multipage mode) in the first
session after the server starts, skipping this navigation. tests/test_browser.py guards it.
"""

import streamlit as st

from rectification.workflow import auth
from ui import access, database, programme_choice

st.set_page_config(page_title="整改进展看板", page_icon="📊", layout="wide")

SEVERAL = "several rectifications"  # not a role: listed when the user may see more than one

# Each page with the role it is for (None: everyone who may view the dashboard). The sidebar lists
# only the pages the current user may use; the others stay registered but hidden (in the unnamed
# section, so no empty heading shows), so a link to one still opens it and its own role check — the
# second line of defence — asks to sign in or says 无权限.
SECTIONS = {
    "": [
        ("ui/views/overview.py", "总览", ":material/dashboard:", None, {"default": True}),
        # The city office's roll-up: listed for whoever may see more than one rectification.
        ("ui/views/city_overview.py", "各单位整改进展", ":material/domain:", SEVERAL, {"url_path": "city_overview"}),
        ("ui/views/finding_detail.py", "问题详情", ":material/search:", None, {"url_path": "finding_detail"}),
        ("ui/views/metric_explorer.py", "指标趋势", ":material/monitoring:", None, {"url_path": "metric_explorer"}),
        ("ui/views/reminders.py", "催办", ":material/notifications:", None, {"url_path": "reminders"}),
    ],
    # Reporting: editors upload the month's figures and ledger; the upload history and rollback.
    "数据": [
        ("ui/views/upload.py", "数据上报", ":material/upload_file:", "editor", {"url_path": "upload"}),
        ("ui/views/data_admin.py", "数据管理", ":material/manage_history:", "editor", {"url_path": "data_admin"}),
        ("ui/views/closure_review.py", "销号审核", ":material/fact_check:", "reviewer", {"url_path": "closure_review"}),
        # Export (the 督办会 pack, the 通报 draft): open to everyone who may view the dashboard.
        ("ui/views/briefing.py", "简报导出", ":material/slideshow:", None, {"url_path": "briefing"}),
    ],
    # Administration, in its own section; 目标设置 (targets, deadlines, responsibility) is the 整改办's
    # too: reviewers set the plan (auth.can_plan).
    "管理": [
        ("ui/views/targets.py", "目标设置", ":material/flag:", "reviewer", {"url_path": "targets"}),
        ("ui/views/catalogue.py", "目录管理", ":material/list_alt:", "admin", {"url_path": "catalogue"}),
        ("ui/views/new_programme.py", "新建整改", ":material/add_circle:", "admin", {"url_path": "new_programme"}),
        ("ui/views/admin_users.py", "用户管理", ":material/group:", "admin", {}),
        ("ui/views/audit_log.py", "审计日志", ":material/history:", "admin", {}),
        ("ui/views/backup.py", "备份与恢复", ":material/backup:", "admin", {}),
    ],
}


def _listed(user, minimum) -> bool:
    if minimum == SEVERAL:
        return len(programme_choice.visible()) > 1
    return minimum is None or auth.has_role(user, minimum)


def navigation():
    user = access.current_user()
    sections: dict[str, list] = {name: [] for name in SECTIONS}
    for name, entries in SECTIONS.items():
        for path, title, icon, minimum, extra in entries:
            listed = _listed(user, minimum)
            page = st.Page(path, title=title, icon=icon, visibility="visible" if listed else "hidden", **extra)
            sections[name if listed else ""].append(page)
    # expanded=True: all listed pages always shown (a collapsed menu shows an English "View N more" button).
    return st.navigation({name: pages for name, pages in sections.items() if pages}, expanded=True)


try:
    programme_choice.choose()  # which rectification this run shows (the sidebar's picker, at its top)
    database.begin_run()  # the sidebar's first slot, for the filters: the account box comes below them
    navigation().run()
except database.STORE_ERRORS as error:
    database.store_failure(error)  # a full disk, a read-only folder, a damaged file: a message, no traceback
finally:
    database.end_run()  # the store file is held only while a script run uses it
    database.end_sidebar()
