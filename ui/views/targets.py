"""目标设置 (reviewers and admins: auth.can_plan, which rectification.targets enforces): a metric's target value and month, and a finding's deadline, responsible leader
and lead department — what the 绿/黄/红 status and 逾期 are judged against. Every change is audited."""

import datetime as dt

import pandas as pd
import streamlit as st

from rectification.core.months import add_months, chinese
from rectification.outputs.charts.assembly import metric_figure
from rectification.outputs.charts.theme import short, value_text
from rectification.rules.data import Filters, resolve
from rectification.rules.rag import metric_positions
from rectification.rules.text import finding_label
from rectification.workflow import targets
from ui import access, database, page_frame, widgets

st.title("目标设置")
if not page_frame.page_header():
    st.stop()
user = access.require_role("reviewer")

data = database.dashboard_data()
opening_month = database.programme().opening_month
widgets.rag_legend()
st.caption(f"进度线：从期初值（通报截至{chinese(opening_month)}的数）按月匀速走到目标值；目标月份之后即为目标值。")


def metric_target(metrics: pd.DataFrame, code: str) -> None:
    """The chosen metric's facts, its target form, its chart and the history of its targets."""
    m = metrics.set_index("metric_code").loc[code]
    position = metric_positions(data, metrics[metrics.metric_code == code], data.latest).iloc[0]
    # The month of its last figure: data.latest is the store's last month of anything (a 销号 today
    # dates a status this month), which would name a month this metric has no figure for.
    figures = data.monthly[
        (data.monthly.metric_code == code) & data.monthly[["value", "cumulative"]].notna().any(axis=1)
    ]
    last_reported = figures.month.max() if len(figures) else opening_month
    facts = [
        (f"期初值（{chinese(opening_month)}）", value_text(m.opening_value, m.unit)),
        (f"当前累计（截至{chinese(last_reported)}）", value_text(position.cumulative, m.unit)),
        ("当前目标", value_text(m.target_value, m.unit) if not pd.isna(m.target_value) else "未设"),
        ("目标月份", chinese(m.target_month) if isinstance(m.target_month, str) else "未设"),
    ]
    for column, (label, value) in zip(st.columns(4), facts, strict=True):
        with column.container(border=True):
            st.caption(label)
            st.text(value)

    months = [add_months(opening_month, i) for i in range(1, 61)]
    current_month_choice = m.target_month if isinstance(m.target_month, str) and m.target_month in months else None
    with st.form("target_form"):
        value = st.number_input(
            f"目标值（{m.unit}）",
            min_value=0.0,
            max_value=100.0 if m.unit == "%" else None,
            value=None if pd.isna(m.target_value) else float(m.target_value),
            step=1.0,
            key=f"target_value_{code}",
        )
        month = st.selectbox(
            "目标月份（到该月末应达到）",
            months,
            index=months.index(current_month_choice) if current_month_choice else 8,
            format_func=chinese,
            key=f"target_month_{code}",
            placeholder=widgets.CHOOSE,
        )
        basis = st.text_input(
            "依据（可选）", max_chars=200, key=f"target_basis_{code}", placeholder="如：党委会会议部署"
        )
        save = st.form_submit_button("保存目标", type="primary", key="target_submit")
    clear = st.button("清除此指标的目标", key="target_clear", disabled=pd.isna(m.target_value))
    if save or clear:
        try:
            if clear:
                targets.set_target(database.connection(), metric_code=code, value=None, month=None, user=user.username)
            elif value is None:
                raise targets.TargetError("请填写目标值。")
            else:
                targets.set_target(
                    database.connection(),
                    metric_code=code,
                    value=float(value),
                    month=month,
                    user=user.username,
                    basis=basis,
                )
        except targets.TargetError as error:
            st.error(str(error))
        else:
            database.bump_data_version()
            st.session_state["target_notice"] = "目标已清除。" if clear else "目标已保存。"
            st.rerun()
    if notice := st.session_state.pop("target_notice", None):
        st.success(notice)

    filters = resolve(Filters(), data)
    widgets.chart(database.view(metric_figure, code, filters), key="target_preview")
    history = database.query("metric_target_history", metric=code)
    with st.expander(f"目标记录（{len(history)} 条）"):
        widgets.show_table(
            history.rename(
                columns={
                    "target_value": "目标值",
                    "target_month": "目标月份",
                    "basis": "依据",
                    "set_by": "设置人",
                    "set_at": "设置时间",
                }
            ),
            hide_index=True,
            width="stretch",
        )


metric_tab, plan_tab = st.tabs(["指标目标", "整改期限与责任"])

with metric_tab:
    metrics = data.metrics
    if metrics.empty:
        st.info("该整改事项还没有指标，暂无目标可设。管理员可在「目录管理」中新增指标。")
    else:
        names = {
            r.metric_code: f"{finding_label(r.finding_code, r.report_number)} {r.metric_name}（{r.unit}）"
            for r in metrics.itertuples()
        }
        code = st.selectbox("指标", list(names), format_func=names.get, key="target_metric", placeholder=widgets.CHOOSE)
        metric_target(metrics, code)


with plan_tab:
    findings = data.findings
    labels = {
        r.finding_code: f"{finding_label(r.finding_code, r.report_number)}　{short(r.title, 50)}"
        for r in findings.itertuples()
    }
    finding_code = st.selectbox(
        "整改问题", list(labels), format_func=labels.get, key="plan_finding", placeholder=widgets.CHOOSE
    )
    f = findings.set_index("finding_code").loc[finding_code]
    with st.container(border=True):
        st.caption("问题（通报原文）")
        st.text(f.title)
    if f.is_long_term:
        st.caption("长期整改事项：不计逾期。")
    deadline_now = None if pd.isna(f.deadline) else pd.Timestamp(f.deadline).date()
    with st.form("plan_form"):
        deadline = st.date_input(
            "整改期限",
            value=deadline_now,
            min_value=dt.date(2024, 7, 1),
            max_value=dt.date(2035, 12, 31),
            format="YYYY-MM-DD",
            key=f"plan_deadline_{finding_code}",
        )
        leader = st.text_input(
            "责任领导",
            value=f.responsible_leader if isinstance(f.responsible_leader, str) else "",
            max_chars=targets.MAX_NAME,
            key=f"plan_leader_{finding_code}",
        )
        department = st.text_input(
            "牵头部门",
            value=f.lead_department if isinstance(f.lead_department, str) else "",
            max_chars=targets.MAX_NAME,
            key=f"plan_department_{finding_code}",
        )
        save_plan = st.form_submit_button("保存", type="primary", key="plan_submit")
    if save_plan:
        try:
            changed = targets.set_finding_plan(
                database.connection(),
                finding_code,
                deadline=deadline,
                leader=leader,
                department=department,
                user=user.username,
            )
        except targets.TargetError as error:
            st.error(str(error))
        else:
            if changed:
                database.bump_data_version()
                st.session_state["plan_notice"] = "已保存。"
                st.rerun()
            st.info("没有改动。")
    if notice := st.session_state.pop("plan_notice", None):
        st.success(notice)
    changes = database.query("audit_for_target", target=finding_code)
    with st.expander(f"修改记录（{len(changes)} 条）"):
        widgets.show_table(
            changes.assign(user_name=changes.user_name.map(access.people(changes.user_name))).rename(
                columns={"logged_at": "时间", "user_name": "操作人", "action": "操作", "detail": "内容"}
            ),
            hide_index=True,
            width="stretch",
        )
