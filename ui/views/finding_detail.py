"""问题详情: one finding — verbatim text and measures, who answers for it, its status over time,
each metric against target and trajectory, the numbers, notes and annotations."""

import datetime as dt

import pandas as pd
import streamlit as st

from rectification.core import vocabulary
from rectification.core.months import chinese, current_month
from rectification.core.vocabulary import NOT_STARTED
from rectification.outputs.charts.assembly import heatmap_figure, metric_figure
from rectification.outputs.charts.theme import short
from rectification.rules import deadline_levels
from rectification.rules.data import filter_findings, in_range
from rectification.rules.rag import GREY, RED, YELLOW, finding_rag, metric_status, reference_date
from rectification.rules.search import search_findings, search_hits, search_opens
from rectification.rules.statuses import UNCONFIRMED, status_grid
from rectification.rules.text import definition_text, finding_label, number_with_unit
from rectification.workflow import annotations, auth, closure, deadlines
from ui import access, closure_ui, database, page_frame, view_filters, widgets

st.title("问题详情")
if not page_frame.page_header():
    st.stop()

data = database.dashboard_data()
filters = view_filters.sidebar_filters(data)
narrow = widgets.narrow()  # a phone: the charts' narrow layouts, the tables as cards
findings = filter_findings(data.findings, data.metrics, filters)
labels = {r.finding_code: finding_label(r.finding_code, r.report_number) for r in data.findings.itertuples()}
titles = data.findings.set_index("finding_code").title


def show_matches(hits: pd.DataFrame) -> None:
    """The search's matches: how many, and for each its label, title and where it matched (plain text)."""
    places = hits.groupby("finding_code", sort=False)
    st.text(f"找到 {places.ngroups} 项：")
    with st.container(border=True, height=320 if places.ngroups > 4 else "content", key="search_matches"):
        for finding_code, rows in places:
            st.text(f"{labels[finding_code]}　{short(titles[finding_code], 60)}")
            where = "；".join(p + (f"：{s}" if s else "") for p, s in zip(rows.place, rows.snippet, strict=True))
            st.caption(widgets.escape_markdown(f"匹配：{where}"))


search = st.text_input(
    "搜索", key="finding_search", placeholder="输入问题编号（如 5、长期1）或文字（问题、措施、指标名称，如 头盔）"
).strip()
hits = None
if search:
    measures = database.query("catalogue_measures")
    hits = search_hits(findings, data.metrics, measures, search)
    findings = search_findings(findings, data.metrics, measures, search)
if findings.empty:
    if "finding" in st.query_params:
        del st.query_params["finding"]  # the link must not keep pointing at a finding no longer shown
    st.warning("没有符合条件的整改问题：请修改搜索文字或左侧筛选。")
    st.stop()

codes = list(findings.finding_code)
wanted = st.query_params.get("finding")
if "finding" not in st.session_state and wanted in codes:
    st.session_state["finding"] = wanted  # a shared link opens its finding
# A new search opens what it means: the finding whose number was typed, or its only match. Several
# matches are listed first and none is opened until one is picked (not silently the first).
new_search = search != st.session_state.get("finding_searched", "")
st.session_state["finding_searched"] = search
opened = None if hits is None else search_opens(hits)
if new_search and hits is not None:
    st.session_state["finding"] = opened
elif st.session_state.get("finding") not in codes and (hits is None or opened is not None):
    st.session_state["finding"] = opened or codes[0]
if hits is not None:
    show_matches(hits)
code = st.selectbox(
    "整改问题",
    codes,
    key="finding",
    index=None,  # the session state, set above, decides
    format_func=lambda c: f"{labels[c]}　{short(titles[c], 60)}",
    placeholder=f"从搜索到的 {len(codes)} 项中选择一项查看" if hits is not None else "选择整改问题",
)
if code is None:
    if "finding" in st.query_params:
        del st.query_params["finding"]  # nothing is open: the link must not name a finding
    st.stop()
st.query_params["finding"] = code

finding = data.findings.set_index("finding_code").loc[code]
closure_ui.show_flash()
now_state = closure.states(database.cursor()).set_index("finding_code").loc[code]
as_of = filters.as_of
ref = reference_date(as_of)
grid = status_grid(data, data.findings[data.findings.finding_code == code], [as_of], dt.date.today())
status = grid.status.iloc[0] if len(grid) else NOT_STARTED
confirmed = bool(grid.confirmed.iloc[0]) if len(grid) else False
metrics = data.metrics[data.metrics.finding_code == code]
metric_now = metric_status(data, metrics, as_of)
rag, reason = finding_rag(
    status,
    is_long_term=bool(finding.is_long_term),
    deadline=None if pd.isna(finding.deadline) else pd.Timestamp(finding.deadline).date(),
    ref=ref,
    metric_rags=list(metric_now.rag),
)

if not pd.isna(finding.deadline) and ref < dt.date.today():
    # The badge is the chosen month's; the deadline warning under 销号 is today's. Say so, or a
    # 「剩余 15 天」 here would read as a contradiction of 「已逾期」 there.
    reason += f"（按{chinese(as_of)}末判断；整改期限的当前情况见「销号」）"

# --- The finding, verbatim, and who answers for it ---
st.subheader(labels[code])
widgets.rag_line(rag, reason)
if returned := closure.sent_back(database.cursor(), code):
    # On top: 推进中 alone does not say that a reviewer sent the finding back, nor why.
    who = f"{access.person(returned['reviewer'])}，{returned['at']:%Y-%m-%d}"
    st.warning(widgets.escape_markdown(f"{returned['what']}：{returned['reason']}（{who}）"))
with st.container(border=True):
    st.caption("问题（通报原文）")
    st.text(finding.title)
    st.caption(
        f"通报部分：{finding.section_title}"
        + (f"　·　{finding.theme_title}" if isinstance(finding.theme_title, str) else "")
    )
facts = [
    ("牵头部门", finding.lead_department),
    ("责任领导", finding.responsible_leader),
    ("整改期限", deadline_levels.described(now_state.deadline, now_state.original_deadline) or None),
    (f"状态（{chinese(as_of)}）", status + ("（长期整改事项）" if finding.is_long_term else "")),
]
for column, (label, value) in zip(st.columns(4), facts, strict=True):
    with column.container(border=True):
        st.caption(label)
        st.text(value if isinstance(value, str) and value else "未设定")
if not confirmed:
    st.caption(
        f"{chinese(as_of)}的状态{UNCONFIRMED}（建立整改事项时的通报或问题清单）：本问题的整改台账上报或销号审核后即为确认。"
    )

measures = database.query("finding_measures", finding=code)
with st.expander(f"整改措施（{len(measures)} 条，通报原文）", expanded=True):
    for m in measures.itertuples():
        # The report writes 一是… straight on: label and text together read as the original.
        st.text(f"{m.ordinal_label}{m.text}" if isinstance(m.ordinal_label, str) else f"{m.ordinal}. {m.text}")

# --- 销号: the state now, the deadline warning, the history with its evidence, and the forms ---
st.subheader("销号")
state_text = f"当前销号状态：{now_state.closure_state}"
if now_state.closure_state == vocabulary.PENDING and isinstance(now_state.submitted_by, str):
    state_text += f"（{access.person(now_state.submitted_by)} 于 {pd.Timestamp(now_state.submitted_at):%Y-%m-%d} 申请）"
if isinstance(now_state.recheck_month, str):
    state_text += f"；回头看：{now_state.recheck_month}"
st.text(state_text)
if isinstance(now_state.deadline_level, str):
    leader = finding.responsible_leader if isinstance(finding.responsible_leader, str) else None
    level_rag = {vocabulary.OVERDUE: RED, vocabulary.WARNING: YELLOW}.get(now_state.deadline_level, GREY)
    widgets.rag_line(
        level_rag,
        f"整改期限{now_state.deadline_level}：{deadline_levels.level_text(now_state.deadline_level, now_state.days_left, leader)}",
    )
if now_state.extension_pending:
    st.caption("有待审批的延期申请。")
timeline = closure.timeline(database.cursor(), code)
if not closure_ui.may_see_evidence():
    timeline = timeline.assign(佐证材料="")  # even the file names: evidence needs a signed-in user
# Open when the workflow has moved (a submission, a review, a deadline change), not for status reports alone.
workflow_steps = int((~timeline["事项"].str.startswith("上报状态")).sum())
with st.expander(
    f"整改经过（{len(timeline)} 条：状态上报、销号申请、审核、期限调整、回头看）", expanded=workflow_steps > 0
):
    widgets.show_table(
        timeline.assign(时间=timeline["时间"].dt.strftime("%Y-%m-%d %H:%M")),
        hide_index=True,
        width="stretch",
        column_config={"说明": st.column_config.TextColumn(width="large")},
        key="closure_timeline",
        cards=("时间", "事项"),
    )
with st.expander("佐证材料", expanded=now_state.closure_state in (vocabulary.PENDING, vocabulary.CLOSED)):
    closure_ui.show_evidence(code, key="detail_evidence")

closure_user = access.current_user()
if closure_user is None:
    st.caption("牵头部门的填报人员登录后可申请销号；审核人员登录后可审核。")
else:
    lead = finding.lead_department if isinstance(finding.lead_department, str) else None
    if closure.may_submit(closure_user, lead):  # the rule closure.submit enforces, ledger and CLI alike
        if now_state.closure_state in (vocabulary.NOT_STARTED, vocabulary.ONGOING):
            closure_ui.submit_form(code, closure_user, key="detail")
        if now_state.closure_state == vocabulary.PENDING:
            with st.expander("补充佐证材料"):
                closure_ui.add_evidence_form(code, closure_user, key="detail")
        if (
            now_state.closure_state in (vocabulary.NOT_STARTED, vocabulary.ONGOING)
            and now_state.deadline is not None
            and not now_state.extension_pending
        ):
            with st.expander("申请延长整改期限"):
                closure_ui.extension_request_form(code, closure_user, now_state.deadline, key="detail")
    if closure_user.role == "admin" or (
        auth.leads(closure_user, lead) and now_state.closure_state != vocabulary.CLOSED
    ):
        closure_ui.withdraw_form(code, closure_user, key="detail")
    if auth.can_review(closure_user):
        if now_state.closure_state == vocabulary.PENDING:
            st.caption("审核：查看上面的整改情况说明和佐证材料后，销号或退回。")
            closure_ui.review_form(code, closure_user, now_state.submitted_by, key="detail")
        if now_state.closure_state == vocabulary.CLOSED and now_state.last_event == "approve":
            with st.expander("回头看", expanded=bool(now_state.recheck_due)):
                closure_ui.recheck_form(code, closure_user, key="detail")
        if now_state.extension_pending:
            with st.expander("审批延期申请", expanded=True):
                request = deadlines.pending_request(database.cursor(), code)
                st.text(f"{access.person(request[3])} 申请延至 {request[1]}，理由：{request[2]}")
                closure_ui.show_evidence(code, key="detail_extension_evidence", change_id=int(request[0]))
                closure_ui.extension_decision_form(code, closure_user, key="detail")

# --- Status over time ---
st.subheader("状态变化")
widgets.chart(
    database.view(heatmap_figure, filters, (code,), f"{labels[code]} 逐月整改状态", dt.date.today(), narrow),
    key="status_timeline",
)
history = database.query("finding_status_history", finding=code)
history = history.assign(reporter=history.user_name.map(access.people(history.user_name)))
# 进展说明 in plain sight: the latest one as text, every report in the table below it.
st.caption("进展说明（整改台账）")
latest_note = history[history.note.notna() & (history.note.str.strip() != "")].head(1)
if latest_note.empty:
    st.text("暂无进展说明。")
else:
    r = latest_note.iloc[0]
    st.text(f"{chinese(r.month)}（{r.reporter}，{r.status}）：{r.note}")
if not history.empty:
    widgets.show_table(
        history.assign(
            month=history.month.map(chinese), note=history.note.fillna(""), source=history.source.fillna("")
        )[["month", "status", "note", "reporter", "source", "created_at"]].rename(
            columns={
                "month": "月份",
                "status": "状态",
                "note": "进展说明",
                "reporter": "上报人",
                "source": "来源",
                "created_at": "上报时间",
            }
        ),
        hide_index=True,
        width="stretch",
        column_config={
            "进展说明": st.column_config.TextColumn(width="large"),
            "上报时间": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
        },
        key="status_history_table",
        cards=("月份", "状态"),
    )

# --- Each metric against its target ---
st.subheader("量化指标")
if metrics.empty:
    st.info("此问题在通报中没有量化指标。")
catalogue = metrics.set_index("metric_code")
for m in metric_now.itertuples():
    widgets.rag_line(m.rag, f"{m.metric_name}：{m.reason}")
    # The 口径 above its chart: what one unit is, what counts, the month a figure belongs to.
    st.text(f"口径：{definition_text(catalogue.definition.get(m.metric_code))}")
    widgets.chart(database.view(metric_figure, m.metric_code, filters, narrow), key=f"metric_{m.metric_code}")

if not metrics.empty:
    rows = in_range(data.monthly[data.monthly.metric_code.isin(metrics.metric_code)], filters)
    names = metrics.set_index("metric_code")
    table = pd.DataFrame(
        {
            "月份": rows.month.map(chinese),
            "指标": rows.metric_code.map(names.metric_name),
            "单位": rows.metric_code.map(names.unit),
            # As text: a month with no figure reads blank, not "None".
            "本月": rows.value.map(lambda v: "" if pd.isna(v) else number_with_unit(v)),
            "累计": rows.cumulative.map(lambda v: "" if pd.isna(v) else number_with_unit(v)),
            "来源": rows.source.fillna(""),
        }
    )
    with st.expander("数据表", expanded=False):
        widgets.show_table(
            table,
            hide_index=True,
            width="stretch",
            key="metric_table",
            cards=("月份", "指标"),
        )

# --- Notes and annotations ---
st.subheader("注释")
notes = data.annotations[data.annotations.finding_code == code]
if notes.empty:
    st.caption("暂无注释。")
else:
    with st.container(key="notes_box"):  # a handle for tests: glide tables carry no key in the DOM
        widgets.show_table(
            pd.DataFrame(
                {
                    "编号": notes.annotation_id,
                    "月份": notes.month.map(chinese),
                    "对象": notes.metric_name.where(notes.metric_name.notna(), "本问题"),
                    "注释": notes.text,
                    "填写人": notes.author.map(access.people(notes.author)),
                    "填写时间": notes.created_at,
                }
            ),
            hide_index=True,
            width="stretch",
            key="notes_table",
            cards=("月份", "对象"),
        )

_SAVED = "annotation_saved"
if saved := st.session_state.pop(_SAVED, None):
    st.success(saved)

# The finding's rule (rectification/annotations.py, which enforces it): its lead department's
# editors or an admin add and remove the notes on it and on its metrics; nobody else sees the forms.
editor = access.current_user()
note_lead = finding.lead_department if isinstance(finding.lead_department, str) else None
if editor is None:
    st.caption(f"牵头部门（{note_lead or '未定'}）的填报人员或管理员登录后可添加注释。")
elif not annotations.may_write(database.cursor(), editor, finding_code=code):
    st.caption(f"只有牵头部门（{note_lead or '未定，仅管理员'}）的填报人员或管理员可以添加或删除本问题的注释。")
else:
    with st.form("annotation_form", clear_on_submit=True):
        st.caption("添加注释：说明某月数字背后的原因（如“4月起开展夜查行动”），图表上以★标注。")
        targets = {"": "本问题"} | {r.metric_code: r.metric_name for r in metrics.itertuples()}
        target = st.selectbox(
            "对象", list(targets), format_func=targets.get, key="annotation_target", placeholder=widgets.CHOOSE
        )
        month_options = [m for m in data.months if m <= current_month()] or [as_of]
        month = st.selectbox(
            "月份",
            list(reversed(month_options)),
            format_func=chinese,
            key="annotation_month",
            placeholder=widgets.CHOOSE,
        )
        text = st.text_area("内容", max_chars=annotations.MAX_LENGTH, key="annotation_text")
        submitted = st.form_submit_button("保存注释", type="primary", key="annotation_submit")
    if submitted:
        try:
            annotations.add(
                database.connection(),
                user=editor.username,
                text=text,
                month=month,
                metric_code=target or None,
                finding_code=None if target else code,
            )
        except annotations.AnnotationError as error:
            st.error(str(error))
        else:
            database.bump_data_version()
            st.session_state[_SAVED] = "注释已保存，已列入上方注释表并在图表上以★标注。"
            st.rerun()
    if not notes.empty:
        with st.form("retract_form"):
            choice = st.selectbox(
                "删除注释",
                list(notes.annotation_id),
                format_func=lambda i: f"#{i}　{short(notes.set_index('annotation_id').text[i], 40)}",
                key="retract_choice",
                placeholder=widgets.CHOOSE,
            )
            retract = st.form_submit_button("删除所选注释", key="retract_submit")
        if retract:
            try:
                annotations.retract(database.connection(), int(choice), user=editor.username)
            except annotations.AnnotationError as error:
                st.error(str(error))
            else:
                database.bump_data_version()
                st.rerun()
