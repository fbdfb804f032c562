"""总览: where the rectification stands, what moved this month, and what needs attention."""

import datetime as dt

import streamlit as st

import app_state
from rectification import briefing, charts, progress
from rectification.months import add_months, chinese, current_month

st.title("整改进展总览")
if not app_state.page_header():
    st.stop()

data = app_state.dashboard_data()
filters = app_state.sidebar_filters(data)
as_of = filters.as_of
previous = add_months(as_of, -1)
view = app_state.view(progress.overview, filters, dt.date.today())

st.caption(f"数据截至 {chinese(as_of)}　·　纳入 {view.n_findings} 项整改问题、{view.n_metrics} 个指标")
if data.latest < add_months(current_month(), -1):
    st.info(f"库中最近的数据为 {chinese(data.latest)}。各部门月报上传后，看板随即更新。")

# --- Tiles: the findings by status, each with its change since last month ---
now, before = view.now, view.before
tiles = [
    (progress.DONE, "已完成", "normal"),
    (progress.ONGOING, "推进中", "off"),
    (progress.LONG_TERM, "长期坚持", "off"),
    (progress.OVERDUE, "逾期", "inverse"),
]
columns = st.columns(5)
for column, (key, label, colour) in zip(columns, tiles, strict=False):
    delta = now[key] - before[key] if before else None
    column.metric(
        f"{label}（项）", now[key], delta=delta, delta_color=colour, border=True, help=f"较{chinese(previous)}"
    )
rate, rate_before = now["完成率"], before["完成率"] if before else None
columns[4].metric(
    "完成率",
    "—" if rate is None else f"{rate:.0%}",
    delta=None if rate is None or rate_before is None else f"{(rate - rate_before) * 100:+.0f} 个百分点",
    border=True,
    help="已完成 ÷（全部问题 − 长期坚持问题）；长期坚持事项持续推进，不计入分母。",
)
if now[progress.NOT_STARTED]:
    st.caption(f"另有未启动 {now[progress.NOT_STARTED]} 项。")

app_state.rag_legend()

# --- 需要关注 ---
st.subheader("需要关注")
attention = view.attention
if attention.empty:
    st.success(f"{chinese(as_of)}没有需要关注的事项。")
else:
    shown = attention.assign(
        详情=[f"finding_detail?finding={code}" if code else None for code in attention.finding_code.fillna("")],
    )[["类别", "状态", "问题", "事项", "说明", "详情"]]
    badge = {rag: f"background-color: {colour}; color: white" for rag, colour in charts.RAG_COLOURS.items()}
    app_state.show_table(
        shown.style.map(badge.get, subset=["状态"]),
        hide_index=True,
        width="stretch",
        column_config={
            "说明": st.column_config.TextColumn(width="large"),
            "详情": st.column_config.LinkColumn(display_text="查看"),
        },
        key="attention_table",
    )

# --- 本月变化: what moved this month, and the editors' notes on why ---
st.subheader("本月变化")
if view.changes.empty:
    st.caption(f"{chinese(as_of)}没有问题状态变化，也没有注释。")
else:
    app_state.show_table(
        view.changes.drop(columns="finding_code"),
        hide_index=True,
        width="stretch",
        column_config={"事项": st.column_config.TextColumn(width="large")},
        key="changes_table",
    )

# --- The headline outcomes ---
st.subheader("重点成效")
headlines, series = view.headlines, view.headline_series
if headlines:
    columns = st.columns(len(headlines))
    for column, h in zip(columns, headlines, strict=True):
        rows = series[series.group == h.group_name]
        target = (
            "未设目标"
            if h.target is None
            else f"目标 {charts.value_text(h.target, h.unit)}（完成 {h.cumulative / h.target:.0%}）"
        )
        # The tile says what it counts (its catalogue title); its help gives the 口径 and the breakdown.
        column.metric(
            h.name,
            charts.value_text(h.cumulative, h.unit, h.approximate),
            delta=f"本月 {charts.value_text(h.month_value, h.unit)}",
            delta_color="off",
            delta_arrow="off",
            border=True,
            help=h.label,
            chart_data=list(rows.value.fillna(0)),
            chart_type="bar",
        )
        column.caption(target)
    app_state.chart(app_state.view(charts.headline_figure, filters), key="headline_chart")
else:
    st.info("所选范围内没有重点成效指标。")

# --- Completion over time and the status of every finding, month by month ---
app_state.chart(app_state.view(charts.completion_figure, filters), key="completion_chart")
app_state.chart(app_state.view(charts.heatmap_figure, filters), key="status_heatmap")

st.download_button(
    "下载本页简报（PPTX，16:9，每页一图）",
    data=lambda: briefing.build_pptx(data, filters),
    file_name=f"整改进展简报_{chinese(as_of)}.pptx",
    mime="application/vnd.openxmlformats-officedocument.presentationml.presentation",
    key="briefing_download",
    help="生成需要十几秒：图表与看板相同，按当前筛选条件。",
)
