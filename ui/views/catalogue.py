"""目录管理 (admins): the metric catalogue after the report — add a metric under a finding, edit its
name, unit, group or kind, retire or reinstate it, and download the catalogue as CSV. Nothing is
deleted; every change is audited."""

import re

import streamlit as st

from rectification.catalogue import admin as catalogue_admin
from rectification.catalogue.admin import GENERAL, KIND_LABELS
from rectification.core.months import add_months, chinese, current_month, month_range
from rectification.outputs.charts.theme import short
from rectification.rules.text import finding_label
from ui import access, database, page_frame, widgets

st.title("目录管理")
if not page_frame.page_header():
    st.stop()
user = access.require_role("admin")

st.caption(
    "指标目录来自巡察整改通报（data/catalogue）。可在此新增指标、修改名称/单位/类别、自某月起停用或恢复。"
    "指标从不删除：停用的指标不再列入上报模板和“本月无数据”，历史数值仍在图表和导出中。每次修改都记入审计日志。"
)

_FLASH = "catalogue_flash"
_RESET = "catalogue_reset"
_KEEP = "catalogue_keep"
PICKERS = ("edit_metric_code", "retire_metric_code")
if flash := st.session_state.pop(_FLASH, None):
    st.success(flash)
# Set before the widgets are drawn, so the browser is told too: the add form's text boxes empty, and
# the metric pickers on the metric they showed. A picker's browser state is the option's label,
# which a rename or a retirement changes; left alone, it falls back to the first metric.
for key in st.session_state.pop(_RESET, ()):
    st.session_state[key] = ""
for key, value in st.session_state.pop(_KEEP, {}).items():
    st.session_state[key] = value


def plain(text: str) -> str:
    """Messages can quote stored names: shown literally, never as markdown."""
    return re.sub(r"([\\`*_{}\[\]()<>#+\-.!|~:$])", r"\\\1", text)


def done(message: str, *, reset: tuple[str, ...] = ()) -> None:
    """After a write: new data version, fresh form fields, the message on the re-run page."""
    database.bump_data_version()
    st.session_state[_RESET] = reset
    st.session_state[_KEEP] = {key: st.session_state[key] for key in PICKERS if key in st.session_state}
    st.session_state[_FLASH] = message
    st.rerun()


metrics = database.query("metric_admin_list")
findings = database.query("finding_catalogue")
groups = database.query("catalogue_outcome_groups")
group_names = dict(zip(groups.group_code, groups.name, strict=True))
finding_names = {GENERAL: "综合（不属于具体问题）"} | {
    r.finding_code: f"{finding_label(r.finding_code, r.report_number)}　{short(r.title, 40)}"
    for r in findings.itertuples()
}


def state_text(retired_from) -> str:
    return f"自{chinese(retired_from)}起停用" if isinstance(retired_from, str) else "在用"


def metric_label(code: str) -> str:
    m = metrics.set_index("metric_code").loc[code]
    retired = "（已停用）" if isinstance(m.retired_from, str) else ""
    return f"{code}　{finding_label(m.finding_code, m.report_number)} {m.metric_name}（{m.unit}）{retired}"


def pick_metric(key: str) -> str | None:
    """The metric chosen in the open tab, or None (and a note) when the rectification has none yet."""
    if metrics.empty:
        st.info("还没有指标：请先在「新增指标」中新增。")
        return None
    return st.selectbox(
        "指标", list(metrics.metric_code), format_func=metric_label, key=key, placeholder=widgets.CHOOSE
    )


# --- The catalogue ---------------------------------------------------------------------------
left, middle, right = st.columns(3)
finding_filter = left.selectbox(
    "整改问题",
    ["", *finding_names],
    format_func=lambda c: finding_names.get(c, "全部"),
    key="cat_filter_finding",
    placeholder=widgets.CHOOSE,
)
group_filter = middle.selectbox(
    "成效类别",
    ["", *group_names],
    format_func=lambda g: group_names.get(g, "全部"),
    key="cat_filter_group",
    placeholder=widgets.CHOOSE,
)
state_filter = right.selectbox(
    "显示", ["全部", "在用", "已停用", "管理员新增"], key="cat_filter_state", placeholder=widgets.CHOOSE
)
shown = metrics
if finding_filter:
    shown = shown[shown.finding_code.fillna(GENERAL) == finding_filter]
if group_filter:
    shown = shown[shown.group_code == group_filter]
if state_filter == "在用":
    shown = shown[shown.retired_from.isna()]
elif state_filter == "已停用":
    shown = shown[shown.retired_from.notna()]
elif state_filter == "管理员新增":
    shown = shown[shown.origin == catalogue_admin.ORIGIN_ADDED]
st.caption(f"共 {len(metrics)} 个指标，其中停用 {metrics.retired_from.notna().sum()} 个；当前列出 {len(shown)} 个。")
widgets.show_table(
    shown.assign(
        finding=[finding_label(r.finding_code, r.report_number) for r in shown.itertuples()],
        kind=shown.kind.map(lambda k: KIND_LABELS[k][:3]),
        state=shown.retired_from.map(state_text),
        last_month=shown.last_month.map(lambda m: chinese(m) if isinstance(m, str) else ""),
    )[
        [
            "metric_code",
            "finding",
            "metric_name",
            "unit",
            "kind",
            "group_name",
            "origin",
            "state",
            "n_figures",
            "last_month",
            "definition",
        ]
    ],
    hide_index=True,
    width="stretch",
    column_config={
        "metric_code": "指标编码",
        "finding": "所属问题",
        "metric_name": "指标名称",
        "unit": "单位",
        "kind": "类型",
        "group_name": "成效类别",
        "origin": "来源",
        "state": "状态",
        "n_figures": st.column_config.NumberColumn("数值个数", help="目前计入的数值（含期初值）"),
        "last_month": "最近数值月份",
        "definition": st.column_config.TextColumn("口径", width="large"),
    },
)

# Keyed and stateful: the open tab survives the re-run after a change (a plain st.tabs falls back
# to its first tab once the success message above it comes or goes).
add_tab, edit_tab, retire_tab, export_tab = st.tabs(
    ["新增指标", "修改指标", "停用与恢复", "导出目录"], key="catalogue_tab", on_change="rerun"
)

# --- Add -------------------------------------------------------------------------------------
ADD_KEYS = ("add_metric_name", "add_metric_unit", "add_metric_definition")
with add_tab, st.form("catalogue_add_form"):
    finding_choice = st.selectbox(
        "所属整改问题",
        list(finding_names),
        index=1,
        format_func=finding_names.get,
        key="add_metric_finding",
        placeholder=widgets.CHOOSE,
    )
    name_col, unit_col = st.columns([3, 1])
    name = name_col.text_input(
        f"指标名称（不超过 {catalogue_admin.MAX_NAME} 字，全目录唯一）",
        max_chars=catalogue_admin.MAX_NAME,
        placeholder="如：夜查行动次数",
        key="add_metric_name",
    )
    unit = unit_col.text_input(
        "单位", max_chars=catalogue_admin.MAX_UNIT, placeholder="如：次、处、%", key="add_metric_unit"
    )
    kind_col, group_col = st.columns(2)
    kind = kind_col.selectbox(
        "类型", list(KIND_LABELS), format_func=KIND_LABELS.get, key="add_metric_kind", placeholder=widgets.CHOOSE
    )
    group = group_col.selectbox(
        "成效类别", list(group_names), format_func=group_names.get, key="add_metric_group", placeholder=widgets.CHOOSE
    )
    definition = st.text_input(
        f"口径（不超过 {catalogue_admin.MAX_DEFINITION} 字）",
        max_chars=catalogue_admin.MAX_DEFINITION,
        placeholder="一次 = …；计入…，不含…；按完成当月填报当月新增数",
        key="add_metric_definition",
    )
    st.caption(
        "编码自动生成（如 F05_X01），生成后不再改变；新指标从下一次生成的上报模板起出现，"
        "自新增当月起要求上报（此前各月不算“本月无数据”）。"
    )
    add = st.form_submit_button("新增指标", type="primary", key="add_metric_submit")
if add:
    try:
        code = catalogue_admin.add_metric(
            database.connection(),
            finding_code=finding_choice,
            name=name,
            unit=unit,
            kind=kind,
            group_code=group,
            actor=user.username,
            definition=definition,
        )
    except catalogue_admin.CatalogueError as error:
        add_tab.error(plain(str(error)))
    else:
        done(f"已新增指标 `{code}`。", reset=ADD_KEYS)


# --- Edit ------------------------------------------------------------------------------------
def edit_metric(code: str) -> None:
    """The chosen metric's name, unit, kind, group and 口径, in a form that saves them."""
    m = metrics.set_index("metric_code").loc[code]
    locked = m.n_figures > 0
    with st.form("catalogue_edit_form"):
        name_col, unit_col = st.columns([3, 1])
        new_name = name_col.text_input(
            "指标名称", value=m.metric_name, max_chars=catalogue_admin.MAX_NAME, key=f"edit_name_{code}"
        )
        new_unit = unit_col.text_input(
            "单位", value=m.unit, max_chars=catalogue_admin.MAX_UNIT, key=f"edit_unit_{code}"
        )
        kind_col, group_col = st.columns(2)
        new_kind = kind_col.selectbox(
            "类型",
            list(KIND_LABELS),
            index=list(KIND_LABELS).index(m.kind),
            format_func=KIND_LABELS.get,
            disabled=locked,
            help="已有数值的指标不能改类型" if locked else None,
            key=f"edit_kind_{code}",
            placeholder=widgets.CHOOSE,
        )
        new_group = group_col.selectbox(
            "成效类别",
            list(group_names),
            index=list(group_names).index(m.group_code),
            format_func=group_names.get,
            key=f"edit_group_{code}",
            placeholder=widgets.CHOOSE,
        )
        new_definition = st.text_input(
            "口径",
            value=m.definition if isinstance(m.definition, str) else "",
            max_chars=catalogue_admin.MAX_DEFINITION,
            key=f"edit_definition_{code}",
        )
        if locked:
            st.caption(f"此指标已有 {m.n_figures} 个数值：类型不能改，单位不能改为或改自 %。改名不影响已填数值。")
        save = st.form_submit_button("保存修改", type="primary", key="edit_metric_submit")
    if save:
        try:
            changed = catalogue_admin.update_metric(
                database.connection(),
                code,
                name=new_name,
                unit=new_unit,
                group_code=new_group,
                kind=None if locked else new_kind,
                definition=new_definition if new_definition.strip() else None,
                actor=user.username,
            )
        except catalogue_admin.CatalogueError as error:
            st.error(plain(str(error)))
        else:
            if changed:
                done(f"已保存 `{code}` 的修改。")
            st.info("没有改动。")


with edit_tab:
    if code := pick_metric("edit_metric_code"):
        edit_metric(code)


# --- Retire / reinstate ----------------------------------------------------------------------
def retire_or_reinstate(code: str) -> None:
    """Retire the chosen metric from a month on, or reinstate a retired one."""
    m = metrics.set_index("metric_code").loc[code]
    st.text(f"{m.metric_name}（{m.unit}）：{state_text(m.retired_from)}；计入的数值 {m.n_figures} 个")
    if isinstance(m.retired_from, str):
        confirmed = st.checkbox(
            f"确认恢复：自{chinese(m.retired_from)}起重新列入上报模板", key=f"reinstate_confirm_{code}"
        )
        if st.button("恢复上报", key="reinstate_submit", disabled=not confirmed):
            try:
                catalogue_admin.reinstate_metric(database.connection(), code, actor=user.username)
            except catalogue_admin.CatalogueError as error:
                st.error(plain(str(error)))
            else:
                done(f"已恢复 `{code}`。")
    else:
        # The first month after the metric's last figure: no stored figure may fall in retired months.
        earliest = add_months(m.last_month, 1) if isinstance(m.last_month, str) else database.programme().tracking_start
        months = month_range(earliest, max(earliest, add_months(current_month(), 12)))
        default = max(earliest, current_month())
        month = st.selectbox(
            "自哪个月起停用（该月起不再列入上报模板、不再接收数值）",
            months,
            index=months.index(default),
            format_func=chinese,
            key=f"retire_month_{code}",
            placeholder=widgets.CHOOSE,
        )
        confirmed = st.checkbox(
            "确认停用：不再要求上报此指标；已有数值保留在图表和导出中，可随时恢复", key=f"retire_confirm_{code}"
        )
        if st.button("停用指标", type="primary", key="retire_submit", disabled=not confirmed):
            try:
                catalogue_admin.retire_metric(database.connection(), code, month, actor=user.username)
            except catalogue_admin.CatalogueError as error:
                st.error(plain(str(error)))
            else:
                done(f"已停用 `{code}`（自{chinese(month)}起）。")


with retire_tab:
    if code := pick_metric("retire_metric_code"):
        retire_or_reinstate(code)


# --- Export ----------------------------------------------------------------------------------
with export_tab:
    st.caption(
        "按 data/catalogue 的格式导出当前目录（整改问题含现在的牵头部门、责任领导、整改期限；指标含新增和停用的），"
        "另附 metric_lifecycle.csv 列出新增和停用的指标。解压后可与 git 中的 data/catalogue 逐行对照："
    )
    st.code("diff -r data/catalogue catalogue", language="bash")
    st.download_button(
        "下载目录（ZIP）",
        data=catalogue_admin.export_zip(database.cursor()),
        file_name="catalogue.zip",
        mime="application/zip",
        key="catalogue_download",
    )
