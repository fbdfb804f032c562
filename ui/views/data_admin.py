"""数据管理: every upload with its details and original file; rollback with a confirmation step."""

import pandas as pd
import streamlit as st

from rectification.core.months import chinese
from rectification.workflow import auth, uploads
from ui import access, database, page_frame, widgets

st.title("数据管理")
user = access.require_role("editor")
if not page_frame.page_header():
    st.stop()

_FLASH = "data_admin_flash"
_PENDING = "rollback_pending"
KINDS = {"observations": "月报数值", "ledger": "整改台账", "opening": "期初数据", "rollback": "撤销"}

if flash := st.session_state.pop(_FLASH, None):
    st.success(flash)

listing = database.query("upload_list")


def batch(value) -> str:
    return "" if pd.isna(value) else f"#{int(value)}"


# Blank, not "None", where there is nothing (no file name, nothing rolled back).
widgets.show_table(
    listing.assign(
        kind=listing.kind.map(KINDS),
        user_name=listing.user_name.map(access.people(listing.user_name)),
        file_name=listing.file_name.fillna(""),
        rolls_back=listing.rolls_back.map(batch),
        rolled_back_by=listing.rolled_back_by.map(batch),
    ),
    hide_index=True,
    column_order=[
        "upload_id", "state", "created_at", "user_name", "kind", "source", "file_name", "months",
        "n_new", "n_unchanged", "n_revised", "n_skipped", "rolls_back", "rolled_back_by",
    ],
    column_config={
        "upload_id": st.column_config.NumberColumn("批次", format="#%d"),
        "state": "状态",
        "created_at": "上报时间",
        "user_name": "上报人",
        "kind": "类型",
        "source": "来源",
        "file_name": "文件名",
        "months": "月份",
        "n_new": "新增",
        "n_unchanged": "未变",
        "n_revised": "修订",
        "n_skipped": "跳过",
        "rolls_back": "撤销的批次",
        "rolled_back_by": "被撤销于",
    },
)  # fmt: skip

if listing.empty:
    st.stop()

# Options show only the id, time and source: no user-typed text in widget labels, and nothing that
# changes after a rollback (the browser keeps showing a selected option's old label).
by_id = {int(r.upload_id): r for r in listing.itertuples()}
selected = st.selectbox(
    "查看上报批次",
    list(by_id),
    format_func=lambda i: f"#{i} · {by_id[i].created_at} · {by_id[i].source}",
    key="admin_upload",
    placeholder=widgets.CHOOSE,
)
record = by_id[selected]

st.subheader(f"上报批次 #{selected}")
widgets.show_table(
    {
        "项目": ["状态", "类型", "来源", "上报人", "上报时间", "文件名", "SHA-256", "月份", "行数", "新增", "未变", "修订", "跳过"],
        "内容": [
            record.state, KINDS.get(record.kind, record.kind), record.source, access.person(record.user_name), record.created_at,
            record.file_name or "", record.sha256 or "",
            "、".join(chinese(m) for m in (record.months or "").split(",") if m),
            str(record.n_rows), str(record.n_new), str(record.n_unchanged), str(record.n_revised), str(record.n_skipped),
        ],
    },
    hide_index=True,
)  # fmt: skip

values = database.query("upload_observations", upload_id=selected)
statuses = database.query("upload_statuses", upload_id=selected)
if not values.empty:
    st.caption(f"本批次写入的数值（{len(values)} 条；“计入”表示目前生效）")
    widgets.show_table(
        values.assign(note=values.note.fillna("")),
        hide_index=True,
        column_config={
            "month": "月份",
            "metric_code": "指标编码",
            "metric_name": "指标名称",
            "unit": "单位",
            "value": "数值",
            "note": "备注",
            "revision": "修订版本",
            "counts_now": st.column_config.CheckboxColumn("计入"),
        },
    )
if not statuses.empty:
    st.caption(f"本批次写入的整改状态（{len(statuses)} 条）")
    widgets.show_table(
        statuses.assign(note=statuses.note.fillna("")),
        hide_index=True,
        column_config={
            "month": "月份",
            "finding_code": "问题编号",
            "title": "问题",
            "status": "状态",
            "note": "进展说明",
            "revision": "修订版本",
            "counts_now": st.column_config.CheckboxColumn("计入"),
        },
    )

file_name, original = uploads.original(database.cursor(), selected)
if original is not None:
    st.download_button(
        "下载原始文件",
        data=original,
        file_name=file_name or f"upload_{selected}",
        mime="application/octet-stream",
        key="download_original",
    )

if record.state != "有效" or record.kind == "opening":
    st.stop()
if not auth.has_role(user, "admin"):
    st.info("撤销上报需要「管理」权限。")
    st.stop()

if st.button("撤销此批次…", key="rollback_start"):
    st.session_state[_PENDING] = selected
if st.session_state.get(_PENDING) == selected:
    st.warning(
        f"确认撤销上报批次 #{selected}？它写入的 {len(values)} 个数值、{len(statuses)} 条状态将不再计入，"
        "之前的数值重新生效。撤销会记录在案（上报记录与审计日志），撤销记录本身不能再撤销。"
    )
    left, right = st.columns(2)
    if left.button("确认撤销", type="primary", key="rollback_confirm"):
        st.session_state.pop(_PENDING, None)
        try:
            _, message = uploads.rollback(database.connection(), selected, user.username)
        except uploads.RollbackRefused as refused:
            st.error(str(refused))
        else:
            database.bump_data_version()
            st.session_state[_FLASH] = message
            st.rerun()
    if right.button("取消", key="rollback_cancel"):
        st.session_state.pop(_PENDING, None)
        st.rerun()
