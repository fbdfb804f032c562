"""审计日志: who did what and when, filterable and downloadable (admins only)."""

from datetime import date, timedelta

import streamlit as st

from rectification.core import audit, tables
from ui import access, database, page_frame, widgets

st.title("审计日志")
if not page_frame.page_header():
    st.stop()
access.require_role("admin")

ALL = "（全部）"
values = database.live_query("audit_filter_values")
users = [ALL, *values[values.kind == "user"].value]
actions = [ALL, *values[values.kind == "action"].value]

left, middle, right = st.columns(3)
user_name = left.selectbox("用户", users, key="audit_user", placeholder=widgets.CHOOSE)
action = middle.selectbox(
    "操作",
    actions,
    format_func=lambda a: audit.ACTION_LABELS.get(a, a),
    key="audit_action",
    placeholder=widgets.CHOOSE,
)
today = date.today()
period = right.date_input("日期范围", value=(today - timedelta(days=30), today), key="audit_dates")
# While the second date is being picked the widget holds one date: treat it as a single day.
date_from, date_to = (period[0], period[-1]) if isinstance(period, tuple | list) and period else (today, today)

entries = database.live_query(
    "audit_entries",
    user_name=None if user_name == ALL else user_name,
    action=None if action == ALL else action,
    date_from=date_from,
    date_to=date_to,
)
table = audit.readable(entries)

st.caption(f"共 {len(table)} 条记录（{date_from:%Y-%m-%d} 至 {date_to:%Y-%m-%d}）")
st.download_button(
    "下载 CSV",
    tables.to_csv_bytes(table.assign(时间=table["时间"].dt.strftime("%Y-%m-%d %H:%M:%S"))),
    file_name=f"审计日志_{date_from:%Y%m%d}-{date_to:%Y%m%d}.csv",
    mime="text/csv",
    key="audit_download",
)
widgets.show_table(
    table.fillna({"对象": "", "说明": ""}),  # blank, not "None", for an entry about nothing in particular
    hide_index=True,
    column_config={"时间": st.column_config.DatetimeColumn("时间", format="YYYY-MM-DD HH:mm:ss")},
)
