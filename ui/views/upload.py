"""数据上报: download the month's form, upload it filled in, check the preview, confirm the import."""

import hashlib
import math

import pandas as pd
import streamlit as st

from rectification import ingest
from rectification.core import tables
from rectification.core.config import max_upload_bytes
from rectification.core.months import add_months, chinese, current_month, month_range
from rectification.ingest import ledger
from rectification.outputs import exports
from rectification.rules.text import finding_label
from ui import access, database, page_frame, view_filters, widgets

st.title("数据上报")
user = access.require_role("editor")
if not page_frame.page_header():
    st.stop()

# File SHA-256 -> the import's outcome: a rerun (any click) shows it instead of importing again.
_DONE = "upload_done"
ACTIONS = {"new": "新增", "unchanged": "未变", "revised": "修订（替换已有值）"}


def preview_table(plan: ingest.Plan):
    """The plan as the user checks it: numbers as they would type them, blanks for nothing stored."""
    ledger_file = plan.staged.layout is ingest.LEDGER
    as_text = (lambda v: "" if pd.isna(v) else str(v)) if ledger_file else tables.number_text
    findings = database.dashboard_data().findings
    labels = {r.finding_code: finding_label(r.finding_code, r.report_number) for r in findings.itertuples()}
    table = plan.rows.assign(
        # the ledger's findings by the dashboard's names (问题02, 长期L1), as the template writes them
        code=plan.rows.code.map(lambda c: labels.get(c, c)) if ledger_file else plan.rows.code,
        name=plan.rows.name.fillna(""),
        action=plan.rows.action.map(ACTIONS),
        value=plan.rows.value.map(as_text),
        old_value=plan.rows.old_value.map(as_text),
        note=plan.rows.note.fillna(""),
    )[["line", "action", "month", "code", "name", "value", "old_value", "note"]]
    if ledger_file and len(plan.closure_requests):
        # The rows whose 已完成 opens a 销号 request (the rest: already awaiting review, closed, long-term).
        opening = set(plan.closure_requests.line)
        table.insert(2, "closure", table.line.map(lambda line: "申请销号" if line in opening else ""))
    labels = {
        "line": "行",
        "month": "月份",
        "code": "问题编号" if ledger_file else "指标编码",
        "name": "问题" if ledger_file else "指标名称",
        "value": "本次状态" if ledger_file else "本次数值",
        "old_value": "已存状态" if ledger_file else "已存数值",
        "note": "进展说明" if ledger_file else "备注",
        "action": "处理",
        "closure": "销号",
    }
    if len(plan.checks):
        # A figure that looks like a typo carries the warning on its own row, the months before beside it.
        checks = plan.checks.groupby("line").agg(warning=("warning", "；".join), previous=("previous", "first"))
        table = table.assign(
            warning=table.line.map(checks.warning).fillna(""), previous=table.line.map(checks.previous).fillna("")
        )[["line", "action", "month", "code", "name", "value", "warning", "previous", "old_value", "note"]]
        labels |= {"warning": "数据存疑", "previous": "此前数值"}
    return table.rename(columns=labels)


def flag_suspicious(table: pd.DataFrame):
    """The preview with its 数据存疑 cells coloured, so a clerk's eye lands on them."""
    if "数据存疑" not in table:
        return table
    return table.style.map(lambda v: "background-color: #fff3cd" if v else "", subset=["数据存疑", "此前数值"])


def suspicious(plan: ingest.Plan) -> list[str]:
    """Each figure that looks like a typo as one line: row, metric, the warning, the months before."""
    names = dict(zip(plan.rows.line, plan.rows.name.fillna(""), strict=True))
    return [
        f"第{c.line}行 {c.code} {names.get(c.line, '')}：{c.warning}"
        + (f"（此前：{c.previous}）" if c.previous else "")
        for c in plan.checks.itertuples()
    ]


# st.dataframe's rows and header are 35 px: the preview shows up to this many rows before it scrolls.
PREVIEW_ROWS = 25


def show_problems(problems: list[ingest.Problem], headline: str, key: str) -> None:
    st.error(widgets.escape_markdown(headline))  # it quotes the file's cells
    frame = ingest.problems_frame(problems)
    # On a phone a card per problem: five columns put the reason itself off screen.
    widgets.show_table(frame, hide_index=True, cards=("行", "指标/问题"), key=f"{key}_table")
    st.download_button(
        "下载问题清单（CSV）", data=tables.to_csv_bytes(frame), file_name="问题清单.csv", mime="text/csv", key=key
    )


def show_outcome(outcome: dict) -> None:
    if outcome["upload_id"] is None:
        st.info(widgets.escape_markdown(outcome["message"]))  # it may name who holds the file
    else:
        st.success(outcome["message"])
    st.caption("查看更新后的图表：")
    st.page_link("ui/views/overview.py", label="总览", icon=":material/dashboard:")
    if outcome["kind"] == "ledger":
        st.page_link("ui/views/finding_detail.py", label="问题详情", icon=":material/search:")
    else:
        st.page_link("ui/views/metric_explorer.py", label="指标趋势", icon=":material/trending_up:")


def handle(uploaded, tab: str) -> None:
    """Preview -> confirm (-> replace) -> outcome, for one uploaded file."""
    data = uploaded.getvalue()
    sha = hashlib.sha256(data).hexdigest()
    done = st.session_state.setdefault(_DONE, {})
    # Once anything has changed the store since (a rollback, another import), preview the file afresh.
    if sha in done and done[sha]["version"] == database.data_version():
        show_outcome(done[sha])
        return
    try:
        # With the user: a ledger row opening a 销号 request this user may not submit refuses the file.
        plan = ingest.preview(database.cursor(), data, uploaded.name, user=user.username)
    except ingest.Refused as refused:
        show_problems(refused.problems, refused.summary(), f"{tab}_problems_{sha}")
        return

    kind = "整改台账" if plan.staged.layout is ingest.LEDGER else "月报"
    st.subheader(f"预览：{kind}（尚未写入）")
    if held := ingest.held_by(database.cursor(), data):
        st.info(widgets.escape_markdown(held))
    st.text(f"{plan.summary()}。涉及月份：{'、'.join(chinese(m) for m in plan.months)}")
    if len(plan.checks):
        # Listed in full here: in the table the 数据存疑 cell is cut to its column's width.
        head = (
            f"有 {len(plan.checks)} 个数值看起来可能填错，请核对；如确实无误可照常导入（下表「数据存疑」列同样标出）："
        )
        st.warning(
            "\n".join(
                [
                    widgets.escape_markdown(head),
                    *(f"- {widgets.escape_markdown(line)}" for line in suspicious(plan)),
                ]
            )
        )
    if len(plan.closure_requests):
        labels = ingest.finding_labels(database.cursor())
        rows = "、".join(f"第{r.line}行 {labels.get(r.code, r.code)}" for r in plan.closure_requests.itertuples())
        st.info(
            f"导入后将申请销号（{len(plan.closure_requests)} 项，报“已完成”，进展说明作为整改情况说明，"
            f"待审核人员审核）：{rows}。佐证材料请在「问题详情」页补充。"
        )
    preview = preview_table(plan)
    height = 35 * (min(len(preview), PREVIEW_ROWS) + 1) + 3
    widgets.show_table(flag_suspicious(preview), hide_index=True, height=height)
    if plan.staged.warnings:
        with st.expander(f"提示（{len(plan.staged.warnings)} 条，不影响导入）"):
            widgets.show_table(ingest.problems_frame(plan.staged.warnings), hide_index=True)

    conflicts = len(plan.conflicts)
    if conflicts:
        st.warning(
            f"有 {conflicts} 个值与已存的不一致（上表「处理」为“修订”的行）。"
            "如确认以本次为准，请勾选“替换已有数值”；原值会保留在历史中，可在「数据管理」页撤销。"
        )
    confirm = st.button("确认导入", type="primary", disabled=bool(conflicts), key=f"{tab}_confirm_{sha}")
    replace = False
    if conflicts:
        replace = st.checkbox("替换已有数值", key=f"{tab}_replace_{sha}")
        confirm = st.button("替换并导入", type="primary", disabled=not replace, key=f"{tab}_confirm_replace_{sha}")
    if not confirm:
        return
    try:
        result = ingest.commit(
            database.connection(), plan, data=data, file_name=uploaded.name, user=user.username, replace=replace
        )
    except ingest.Refused as refused:  # the store changed since the preview
        show_problems(refused.problems, refused.summary(), f"{tab}_commit_problems_{sha}")
        return
    if result.upload_id is not None:
        database.bump_data_version()
        st.session_state[view_filters.LAST_IMPORT] = {
            "months": list(plan.months),
            "new": len(plan.new),
            "revised": len(plan.conflicts) if replace else 0,
        }
    done[sha] = {
        "message": result.message,
        "upload_id": result.upload_id,
        "kind": plan.staged.layout.kind,
        "version": database.data_version(),
    }
    st.rerun()


UPLOAD_HELP = "把文件拖到框内，或点「选择文件」。支持 Excel（.xlsx）和 CSV，单个文件不超过 {limit}。"

ALL_DEPARTMENTS = "全部指标"

# Every month since tracking began, newest first; staff report a month once it has ended, so the
# default is the last completed month (the current month stays listed for an early ledger).
months = list(reversed(month_range(database.programme().tracking_start, current_month())))
last_completed = add_months(current_month(), -1)
cursor = database.cursor()
month_column, scope_column = st.columns(2)
if st.session_state.get("upload_month") not in months:
    st.session_state["upload_month"] = last_completed if last_completed in months else months[0]
month = month_column.selectbox("填报月份", months, format_func=chinese, key="upload_month", placeholder=widgets.CHOOSE)
# Each department fills in what it leads; the whole form stays one choice away.
scopes = [ALL_DEPARTMENTS, *exports.lead_departments(cursor)]
department = scope_column.selectbox(
    "模板范围",
    scopes,
    index=scopes.index(user.department) if user.department in scopes else 0,
    key="upload_scope",
    help="只列该部门牵头的问题下的指标（台账同理）；上传时不限部门。",
    placeholder=widgets.CHOOSE,
)
department = None if department == ALL_DEPARTMENTS else department
suffix = f"_{department}" if department else ""
# One limit, said one way: ingest.check_size refuses above it with a Chinese message. The drop zone's
# own limit (in MB of 1,000,000 bytes on most systems, English message) is set well above it, so a
# file just under the stated limit is never refused by the browser first.
limit_text = f"{ingest.size_text(max_upload_bytes())}（{max_upload_bytes():,} 字节）"
max_mb = min(200, 2 * math.ceil(max_upload_bytes() / 1_000_000))
PICKER_NOTE = f"或把文件拖到此处；Excel（.xlsx）或 CSV，单个不超过 {ingest.size_text(max_upload_bytes())}"

figures_tab, ledger_tab = st.tabs(["月报数值", "整改台账"])
with figures_tab:
    st.caption(
        "下载模板，在「数值」列填写本月数值后上传（Excel 或 CSV 均可）。"
        "每个指标按「填写方式」列填写：数量类填本月新增数，状态类（如覆盖率）填月末数；"
        "留空、“-”或“无”表示未填报，不会记为 0。"
        "「上次填报」列仅供参考，不会导入。"
    )
    left, right = st.columns(2)
    left.download_button(
        "下载模板（Excel）",
        data=exports.form_bytes(cursor, month, f"{month}.xlsx", with_hint=True, department=department),
        file_name=f"整改月报_{month}{suffix}.xlsx",
        key="form_xlsx",
    )
    right.download_button(
        "下载模板（CSV）",
        data=exports.form_bytes(cursor, month, f"{month}.csv", with_hint=True, department=department),
        file_name=f"整改月报_{month}{suffix}.csv",
        mime="text/csv",
        key="form_csv",
    )
    figures_file = widgets.file_uploader(
        "上传填好的月报",
        type=["xlsx", "csv", "txt"],
        max_upload_size=max_mb,
        key="figures_file",
        note=PICKER_NOTE,
        help=UPLOAD_HELP.format(limit=limit_text),
    )
    if figures_file is not None:
        handle(figures_file, "figures")

with ledger_tab:
    st.caption(
        "整改台账：每项问题一行，填写「状态」（未启动 / 推进中 / 已完成 / 长期坚持，"
        "也可写“已整改”“整改中”“常态化”等）和「进展说明」。状态留空的行跳过。"
        "报“已完成”即申请销号（进展说明作为整改情况说明），经审核人员审核后才销号；佐证材料请在「问题详情」页补充。"
    )
    form = ledger.ledger_form(cursor, month, department)
    left, right = st.columns(2)
    left.download_button(
        "下载台账模板（Excel）",
        data=tables.to_xlsx_bytes(form, sheet="台账", widths={"问题（摘要）": 40, "进展说明": 40}),
        file_name=f"整改台账_{month}{suffix}.xlsx",
        key="ledger_xlsx",
    )
    right.download_button(
        "下载台账模板（CSV）",
        data=tables.to_csv_bytes(form),
        file_name=f"整改台账_{month}{suffix}.csv",
        mime="text/csv",
        key="ledger_csv",
    )
    ledger_file = widgets.file_uploader(
        "上传填好的整改台账",
        type=["xlsx", "csv", "txt"],
        max_upload_size=max_mb,
        key="ledger_file",
        note=PICKER_NOTE,
        help=UPLOAD_HELP.format(limit=limit_text),
    )
    if ledger_file is not None:
        handle(ledger_file, "ledger")
