"""指标趋势: several metrics at once, monthly or cumulative, per metric or added up by outcome group
or lead department, over the chosen months."""

import pandas as pd
import streamlit as st

from rectification.core import tables
from rectification.core.months import chinese
from rectification.outputs.charts.figures import metrics_trend
from rectification.rules.data import filter_metrics
from rectification.rules.explorer import BY, MEASURES, counted_twice, explorer_series
from rectification.rules.headlines import headlines
from rectification.rules.text import definition_text, finding_label, number_with_unit
from ui import database, page_frame, view_filters, widgets

st.title("指标趋势")
if not page_frame.page_header():
    st.stop()

data = database.dashboard_data()
filters = view_filters.sidebar_filters(data)
metrics = filter_metrics(data.metrics, filters)
if data.metrics.empty:
    st.info("该整改事项还没有指标：它的整改以问题和措施跟踪。管理员可在「目录管理」中新增指标。")
    st.stop()
if metrics.empty:
    st.warning("左侧筛选条件下没有指标：请放宽筛选。")
    st.stop()

codes = list(metrics.metric_code)
names = {
    r.metric_code: f"{finding_label(r.finding_code, r.report_number)} {r.metric_name}（{r.unit}）"
    for r in metrics.itertuples()
}
if "explorer_metrics" not in st.session_state:
    # A shared link names its metrics; otherwise start with the first headline metrics in view.
    wanted = [c for c in (st.query_params.get("metrics") or "").split(",") if c in codes]
    headline = [c for h in headlines(data, metrics, filters.as_of) for c in h.metric_codes[:1]]
    st.session_state["explorer_metrics"] = wanted or headline[:3] or codes[:3]
    if st.query_params.get("measure") in MEASURES:
        st.session_state["explorer_measure"] = st.query_params["measure"]
    if st.query_params.get("by") in BY:
        st.session_state["explorer_by"] = st.query_params["by"]
st.session_state["explorer_metrics"] = [c for c in st.session_state["explorer_metrics"] if c in codes]

chosen = st.multiselect("指标", codes, key="explorer_metrics", format_func=names.get, placeholder="选择一个或多个指标")
left, right = st.columns(2)
measure = left.radio("数值", list(MEASURES), key="explorer_measure", format_func=MEASURES.get, horizontal=True)
by = right.radio("汇总方式", list(BY), key="explorer_by", format_func=BY.get, horizontal=True)
st.query_params["metrics"] = ",".join(chosen)
st.query_params["measure"] = measure
st.query_params["by"] = by

if not chosen:
    st.info("请在上方选择指标。")
    st.stop()

frame = explorer_series(data, chosen, filters, measure=measure, by=by)
if by != "metric":
    skipped = [names[c] for c in chosen if data.metrics.set_index("metric_code").kind[c] != "count"]
    if skipped:
        st.caption("状态类指标不参与合计：" + "、".join(skipped))
    twice = counted_twice(data.metrics, chosen)
    if twice:
        info = data.metrics.set_index("metric_code")
        st.text(
            "同一事项只计一次："
            + "、".join(f"{names[c]}（与{names.get(info.same_as[c], info.same_as[c])}相同）" for c in twice)
        )
title = f"指标趋势（{MEASURES[measure]}，{BY[by]}）"
widgets.chart(metrics_trend(frame, measure=measure, as_of=filters.as_of, title=title), key="explorer_chart")

with st.expander("指标口径", expanded=False):
    info = data.metrics.set_index("metric_code")
    widgets.show_table(
        {
            "指标": [names[c] for c in chosen],
            "口径": [definition_text(info.definition.get(c)) for c in chosen],
        },
        hide_index=True,
        width="stretch",
        key="explorer_definitions",
    )

if not frame.empty:
    table = frame.assign(月份=frame.month.map(chinese)).pivot_table(
        index=["month", "月份"], columns="series", values="y", aggfunc="first", sort=True
    )
    table = table.reset_index(level="month", drop=True)
    # Figures as text: a month without a figure reads blank, not "None".
    widgets.show_table(
        table.map(lambda v: "" if pd.isna(v) else number_with_unit(v)),
        width="stretch",
        key="explorer_table",
    )
    st.download_button(
        "下载数据（CSV）",
        data=tables.to_csv_bytes(table.reset_index()),
        file_name=f"指标趋势_{chinese(filters.as_of)}.csv",
        mime="text/csv",
        key="explorer_csv",
    )
