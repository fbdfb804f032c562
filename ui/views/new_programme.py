"""新建整改 (admins): a rectification's own 通报 or 问题清单 read into a draft, reviewed and corrected in
tables, then created as a new rectification in one transaction — what `programme draft` and
`programme create` do on the command line. Nothing is written while any problem remains."""

import hashlib

import pandas as pd
import streamlit as st

from rectification.catalogue import STATUSES
from rectification.cli import programme as programme_cli
from rectification.core.config import max_upload_bytes
from rectification.core.programme import KINDS
from rectification.core.vocabulary import METRIC_KINDS
from rectification.ingest import Refused, size_text
from rectification.ingest.documents import read_upload, review
from ui import access, database, page_frame, widgets

st.title("新建整改")
if not page_frame.page_header():
    st.stop()
admin = access.require_role("admin")

DRAFT = "new_programme_draft"  # the document read and its tables, as the editors start from them
FLASH = "new_programme_flash"  # (message, code) after a creation, shown on the fresh page
ROUND = "new_programme_round"  # bumped after a creation: a fresh file picker and fresh editors
EDITOR = "new_programme_{}"  # each table's data_editor key


def editor_key(name: str) -> str:
    return EDITOR.format(name)


# Each table: its tab and whether rows may be added or deleted (a proposed metric is dropped by 保留).
TABLES = {
    "programme": ("整改信息", "fixed"),
    "sections": ("方面", "dynamic"),
    "themes": ("小标题", "dynamic"),
    "findings": ("问题", "dynamic"),
    "measures": ("整改措施", "dynamic"),
    "metrics": ("拟设指标", "fixed"),
}
DATE = r"^(\d{4}-\d{2}-\d{2})?$"
NEW_CODE = "新增的行可留空，创建时自动编号（如 {}）；改动编码时，引用它的行随之改"
MONTH = r"^\d{4}-\d{2}$"


def text(label: str, *, disabled: bool = False, validate: str | None = None, help: str | None = None, width=None):
    return st.column_config.TextColumn(label, disabled=disabled, validate=validate, help=help, width=width)


COLUMNS = {
    "programme": {
        "unit": text("单位", help="落款单位全称，不含“中共…委员会”"),
        "unit_short": text("单位简称", help="标题和文件名中使用的简称"),
        "name": text("整改事项名称", width="large"),
        "kind": st.column_config.SelectboxColumn("类别", options=list(KINDS), required=True),
        "inspected_by": text("巡察（检查）组"),
        "inspection_start": text("进驻日期", validate=DATE, help="YYYY-MM-DD"),
        "inspection_end": text("结束日期", validate=DATE, help="YYYY-MM-DD"),
        "feedback_date": text("反馈日期", validate=DATE, help="YYYY-MM-DD"),
        "tracking_start": text("开始跟踪月份", validate=MONTH, help="YYYY-MM，通常为反馈意见的次月"),
        "opening_month": text("期初月份", validate=MONTH, help="YYYY-MM：通报数字截至的月份"),
    },
    "sections": {
        "section_code": text("编码", help=NEW_CODE.format("S5")),
        "ordinal": text("序号", help="留空则排在最后"),
        "title": text("方面", width="large"),
    },
    "themes": {
        "theme_code": text("编码", help=NEW_CODE.format("S2T07")),
        "section_code": text("所属方面"),
        "ordinal": text("序号"),
        "title": text("小标题", width="large"),
    },
    "findings": {
        "finding_code": text("编码", help=NEW_CODE.format("F55，长期整改事项如 L3") + "；整改措施按此编码归属"),
        "report_number": text("通报序号"),
        "section_code": text("所属方面"),
        "theme_code": text("所属小标题"),
        "title": text("问题", width="large"),
        "status": st.column_config.SelectboxColumn("整改状态", options=list(STATUSES)),
        "lead_department": text("牵头部门"),
        "responsible_leader": text("责任领导"),
        "deadline": text("整改期限", validate=DATE, help="YYYY-MM-DD"),
        "is_long_term": st.column_config.CheckboxColumn("长期整改"),
        "status_basis": text("状态依据", width="large"),
    },
    "measures": {
        "finding_code": text("所属问题"),
        "ordinal": text("序号", help="留空则排在该问题的最后"),
        "ordinal_label": text("序号词", help="一是、二是……"),
        "text": text("整改措施（原文）", width="large"),
    },
    "metrics": {
        review.KEEP: st.column_config.CheckboxColumn("保留", help="不勾选则不建该指标"),
        "finding_code": text("所属问题", disabled=True),
        "source_quote": text("原文", disabled=True, width="large", help="指标取自的原句"),
        "name": text("指标名称", width="medium"),
        "unit": text("单位"),
        "opening_value": text("期初值"),
        "kind": st.column_config.SelectboxColumn(
            "类型", options=list(METRIC_KINDS), help="count：每月新增数（可累计）；level：月末状态（如覆盖率）"
        ),
        "approximate": text("约数", help="原文为“余”“近”等约数时标注"),
        "definition": text("口径"),
        "metric_code": text("编码", disabled=True),
    },
}


# What the problems call the files and their columns, as the tabs and headings here name them.
LABELS = {name: (TABLES[name][0], {c: conf["label"] for c, conf in COLUMNS[name].items()}) for name in TABLES}
# A note's place the tables do not show: the code is asked for under 创建.
PLACES = {"programme.code": "「创建」新整改事项编号"}


def read_document(name: str, data: bytes) -> None:
    """The uploaded file read into a draft for the editors, or the refusal shown; either way the
    previous draft and its edits are gone."""
    st.session_state.pop(DRAFT, None)
    for table in TABLES:
        st.session_state.pop(editor_key(table), None)
    sha = hashlib.sha256(data).hexdigest()
    try:
        draft = read_upload(data, name)
    except Refused as refused:
        st.session_state[DRAFT] = {"name": name, "sha": sha, "refused": refused}
        return
    st.session_state[DRAFT] = {
        "name": name,
        "sha": sha,
        "data": data,
        "summary": draft.summary(),
        "notes": pd.DataFrame(
            [(PLACES.get(where) or review.place_as_reviewed(where, LABELS), what) for where, what in draft.notes],
            columns=["位置", "待核事项"],
        ),
        "tables": review.frames(draft),
    }


def show_refusal(refused: Refused) -> None:
    headline = refused.headline.replace("未导入", "未生成草稿")
    lines = [widgets.escape_markdown(str(p)) for p in refused.problems]
    st.error("\n".join([widgets.escape_markdown(headline), *(f"- {line}" for line in lines)]))


def show_problems(problems: list[str], written: dict[str, pd.DataFrame]) -> None:
    """Each problem naming the row as the tables number it (after deletions, not the file's row)."""
    rows = {name: list(frame.index) for name, frame in written.items()}
    lines = "\n".join(f"- {widgets.escape_markdown(review.as_reviewed(p, LABELS, rows))}" for p in problems)
    st.error(f"{programme_cli.NOT_CREATED}（共 {len(problems)} 条，未写入任何数据）\n\n{lines}")


if flash := st.session_state.pop(FLASH, None):
    message, code = flash
    st.success(widgets.escape_markdown(message))
    st.link_button("打开新整改事项", f"./?programme={code}", icon=":material/open_in_new:")

st.caption(
    "上传整改进展情况的通报（.txt、.docx，或带文字的 PDF）或问题清单（.xlsx、.csv），系统读成目录草稿。"
    "请逐表核对并改正（尤其是“待核事项”所列各处），填写编号后点「创建」。"
    "有任何问题都不会写入数据库。"
)

limit = max_upload_bytes()
uploaded = widgets.file_uploader(
    "整改进展情况的通报或问题清单",
    type=["txt", "docx", "pdf", "xlsx", "csv"],
    max_upload_size=min(200, 2 * -(-limit // 1_000_000)),
    key=f"new_programme_file_{st.session_state.get(ROUND, 0)}",
    note=f"或把文件拖到此处；通报 .txt、.docx、.pdf，问题清单 .xlsx、.csv，单个不超过 {size_text(limit)}",
    help="通报按“一、……”“（一）……”“1.……”的层次读出方面、小标题和问题，“一是……”读作整改措施。",
)
if uploaded is None:
    st.session_state.pop(DRAFT, None)
    st.stop()
data = uploaded.getvalue()
state = st.session_state.get(DRAFT)
if state is None or state["name"] != uploaded.name or state["sha"] != hashlib.sha256(data).hexdigest():
    read_document(uploaded.name, data)
    state = st.session_state[DRAFT]
if "refused" in state:
    show_refusal(state["refused"])
    st.stop()

st.info(widgets.escape_markdown(state["summary"].replace("（见 draft_notes.csv）", "")))
if len(state["notes"]):
    with st.expander(f"待核事项（{len(state['notes'])} 条）", expanded=True):
        widgets.show_table(
            state["notes"],
            cards=("位置",),  # on a phone a card a note: the table would cut the note off
            column_config={"位置": st.column_config.TextColumn(width="medium")},
            hide_index=True,
            width="stretch",
            key="new_programme_notes",
        )

edited = {}
for tab, (name, (_, rows)) in zip(st.tabs([label for label, _ in TABLES.values()]), TABLES.items(), strict=True):
    with tab:
        config = COLUMNS[name]
        edited[name] = widgets.edit_table(
            state["tables"][name],
            key=editor_key(name),
            column_config=config,
            column_order=list(config),
            num_rows=rows,
            hide_index=False,  # the row numbers the problems name
            width="stretch",
        )
tables = review.reviewed(state["tables"], edited)
st.caption(
    "增加一行：点表格右上角的「+」；删除：勾选行首的方框，再点右上角的删除图标（删除的问题连同其整改措施和拟设指标一并不建）。"
    "拆分问题：增加一行问题并填写编码，再在「整改措施」中把相应措施的所属问题改为新编码。"
)
st.caption(
    f"将创建 {len(tables['findings'])} 项问题、{len(tables['measures'])} 条整改措施；拟设指标保留 "
    f"{len(tables['metrics'])} 个、不建 {len(state['tables']['metrics']) - len(tables['metrics'])} 个。"
    "指标的成效类别可在创建后于「目录管理」中设置。"
)

st.subheader("创建")
left, right = st.columns([2, 1], vertical_alignment="bottom")
code = left.text_input(
    "新整改事项编号", key="new_programme_code", placeholder="如 XC-2026-01", help="字母、数字、- 和 _，以字母或数字开头"
).strip()
open_to_network = right.checkbox(
    "允许未登录查看", key="new_programme_open", help="看板不要求登录时，未登录的访问者也能查看该整改事项"
)
if st.button("创建", type="primary", key="new_programme_create"):
    if not code:
        st.error("请填写新整改事项编号。")
    else:
        try:
            message = programme_cli.create_reviewed(
                database.connection(),
                tables,
                source=state["data"],
                source_name=state["name"],
                code=code,
                open_to_network=open_to_network,
                actor=admin.username,
            )
        except programme_cli.NotCreated as not_created:
            show_problems(not_created.problems, tables)
        else:
            st.session_state[FLASH] = (message, code)
            st.session_state[ROUND] = st.session_state.get(ROUND, 0) + 1
            for key in (DRAFT, "new_programme_code", "new_programme_open", *map(editor_key, TABLES)):
                st.session_state.pop(key, None)
            st.rerun()
