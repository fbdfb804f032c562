"""简报导出: the 督办会 pack (PPTX, a slide per finding) and the next 通报 drafted from the store (Word).
Layout only: rectification.briefing and rectification.report_draft do the work. Exporting changes no
data, so anyone who may view the dashboard may export."""

import streamlit as st

from rectification.core.months import chinese
from rectification.outputs import report_draft
from rectification.outputs.briefing.content import pack_file_name
from rectification.outputs.briefing.deck import build_pack
from rectification.outputs.briefing.images import BriefingError, cache_dir_for
from rectification.rules.text import finding_label
from ui import database, page_frame, widgets

PPTX_MIME = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
SCOPES = {
    "all": "全部问题（54 项及 2 项长期事项）",
    "department": "按牵头部门",
    "findings": "指定问题",
    "attention": "仅需要关注的问题",
}


def offer_download(key: str, month: str, data: bytes | None, name: str, mime: str, label: str) -> None:
    """Keep a document built for `month` across reruns (`data` None: nothing new this run) and offer it
    while that month is chosen, under its Chinese file name."""
    if data is not None:
        st.session_state[key] = (month, data)
    if (built := st.session_state.get(key)) and built[0] == month:
        st.download_button(
            label, data=built[1], file_name=name, mime=mime, key=f"{key}_download", icon=":material/download:"
        )
        st.caption(f"文件名：{name}")  # names built here from the month alone, no user text


st.title("简报导出")
if not page_frame.page_header():
    st.stop()

data = database.dashboard_data()
st.caption("能查看看板的人都可以导出；导出不改变任何数据。图表与看板相同，按所选月份。")

months = list(reversed(data.months))
month = st.selectbox("数据截至", months, format_func=chinese, key="briefing_month", placeholder=widgets.CHOOSE)

pack_tab, report_tab = st.tabs(["督办会简报（PPTX）", "整改进展通报（Word）"])

with pack_tab:
    st.caption(
        "16:9 幻灯片：封面；总览图表、需要关注清单，每类重点成效一页（主要指标图及该类全部指标的本月变化）；"
        "每个问题一页（编号与标题、状态与销号进展、牵头部门、责任领导、整改期限与剩余天数（经批准延期的注明原定期限）、"
        "主要指标图（含目标与进度线）、关键数字及本月变化、最新进展）；最后是全部指标及口径的附表。"
        "首次生成约需半分钟，同一月份再次生成只需几秒。"
    )
    scope = st.radio("范围", list(SCOPES), format_func=SCOPES.get, horizontal=True, key="briefing_scope")
    department, numbers = None, None
    if scope == "department":
        departments = sorted(data.findings.lead_department.dropna().unique())
        department = st.selectbox("牵头部门", departments, key="briefing_department", placeholder=widgets.CHOOSE)
    elif scope == "findings":
        labels = {
            r.finding_code: f"{finding_label(r.finding_code, r.report_number)}　{r.title[:40]}"
            for r in data.findings.itertuples()
        }
        numbers = st.multiselect(
            "问题", list(labels), format_func=labels.get, key="briefing_findings", placeholder="选择一个或多个问题"
        )
    deck = None
    if st.button("生成简报", key="briefing_build", type="primary", disabled=scope == "findings" and not numbers):
        bar = st.progress(0.0, text="正在准备")
        try:
            deck = build_pack(
                database.cursor(),
                month,
                numbers=numbers,
                department=department,
                attention_only=scope == "attention",
                cache_dir=cache_dir_for(database.db()),
                progress_cb=lambda fraction, text: bar.progress(min(max(fraction, 0.0), 1.0), text=text),
                data=data,
            )
        except BriefingError as error:
            bar.empty()
            st.session_state.pop("briefing_pptx", None)
            st.error("简报未生成：")
            st.text(str(error))  # may name a path or a department: shown as plain text
    offer_download("briefing_pptx", month, deck, pack_file_name(database.programme(), month), PPTX_MIME, "下载简报")

with report_tab:
    if report_draft.follows_a_report(database.cursor(), database.programme()):
        layout = f"按上一期通报（截至{chinese(database.programme().opening_month)}）的结构起草"
        narrative = "系统没有保存的叙述性文字沿用上一期原文"
    else:
        layout = "本整改事项由问题清单建立，尚无上一期通报：按通报的通常结构起草"
        narrative = "叙述性文字留有「请填写」提示"
    st.caption(
        f"{layout}：问题、措施和每个数字取自系统并更新到所选月份（数量类为累计数，状态类为最新值），"
        f"各问题的整改进展取自整改台账。{narrative}，以黄色底纹标出，请审核修改。版式按 GB/T 9704 公文格式。"
    )
    document = None
    if st.button("起草通报", key="report_build", type="primary"):
        try:
            document = report_draft.to_docx(report_draft.draft(database.cursor(), month))
        except report_draft.DraftError as error:
            st.session_state.pop("report_docx", None)
            st.error("通报未生成：")
            st.text(str(error))
    offer_download(
        "report_docx", month, document, report_draft.file_name(database.programme(), month), DOCX_MIME, "下载通报草稿"
    )
