"""总览: status counts and one real metric over time."""

import plotly.express as px
import streamlit as st

import app_state
from rectification.months import current_month, to_date

st.title("整改进展看板")
if not app_state.page_header():
    st.stop()

findings = app_state.query("findings_with_status", as_of=to_date(current_month()))
counts = findings.status.value_counts()
columns = st.columns(4)
for column, status in zip(columns, ["已完成", "推进中", "长期坚持", "未启动"]):
    column.metric(status, int(counts.get(status, 0)))

values = app_state.query("metric_values_export")
if not values.empty:
    first = values.metric_code.iloc[0]
    series = values[values.metric_code == first]
    st.plotly_chart(px.bar(series, x="month", y="value", title=series.metric_name.iloc[0]))
