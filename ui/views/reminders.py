"""催办: per lead department, the findings to chase at the weekly meeting, as a table and as
downloads (xlsx and a printable page). No rankings, no scores."""

import datetime as dt

import streamlit as st

from rectification.core import config
from rectification.outputs import reminders
from ui import access, database, page_frame, widgets

st.title("催办")
if not page_frame.page_header():
    st.stop()

today = dt.date.today()
notice, warning = config.deadline_days()
everything = reminders.rows(database.cursor(), today)
st.caption(
    f"列入：已逾期、{notice} 天内到期（{warning} 天内为预警）、销号申请被退回、到期待回头看的整改问题。"
    "按牵头部门分列，供周例会逐项督办。"
)
if everything.empty:
    st.success("目前没有需要催办的事项。")
    st.stop()
departments = sorted(everything["牵头部门"].unique())
user = access.current_user()
default = departments.index(user.department) if user and user.department in departments else 0
counts = everything["牵头部门"].value_counts()
department = st.selectbox(
    "牵头部门",
    departments,
    index=default,
    format_func=lambda d: f"{d}（{counts[d]} 项）",
    key="reminder_department",
    placeholder=widgets.CHOOSE,
)
rows = reminders.for_department(everything, department)
widgets.show_table(
    rows.drop(columns="牵头部门"),
    hide_index=True,
    width="stretch",
    column_config={"事项": st.column_config.TextColumn(width="large")},
    key="reminder_table",
)
left, right, _ = st.columns([1, 1, 2])
left.download_button(
    "下载催办单（Excel）",
    data=reminders.xlsx_bytes(rows, department, today),
    file_name=f"催办单_{department}_{today:%Y%m%d}.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    key="reminder_xlsx",
)
right.download_button(
    "下载催办单（打印版网页）",
    data=reminders.html_bytes(rows, department, today),
    file_name=f"催办单_{department}_{today:%Y%m%d}.html",
    mime="text/html",
    key="reminder_html",
)
