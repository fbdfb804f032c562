"""The dashboard's shared sidebar filters, kept in the session and mirrored into the URL, and links that keep them."""

from __future__ import annotations

import urllib.parse

import streamlit as st

from rectification.core.months import chinese
from rectification.rules.data import Data, Filters, resolve
from rectification.rules.statuses import section_label
from ui import programme_choice
from ui.database import sidebar_top
from ui.widgets import CHOOSE

# --- The dashboard's data, charts and shared sidebar filters (overview, detail, explorer pages).
# The filters live in st.session_state while the browser session lasts and are mirrored into the
# URL's query parameters, so a copied link opens the same view. ---
FILTER_PARAMS = {
    "section": "section",
    "department": "dept",
    "group": "group",
    "start": "from",
    "end": "to",
    "as_of": "asof",
}
_FILTERS_KEY = "dashboard_filters"


def view_url(page: str, filters: Filters, **extra: str) -> str:
    """A relative link to `page` that opens on this view: the filters and month as query parameters,
    plus `extra` (e.g. finding=F05)."""
    params = dict(programme_choice.link_params())  # the same rectification, when the user may see several
    params.update({param: getattr(filters, field) for field, param in FILTER_PARAMS.items() if getattr(filters, field)})
    params.update(extra)
    return f"{page}?{urllib.parse.urlencode(params)}"


def _filters_from_url() -> dict:
    return {field: st.query_params.get(param) or None for field, param in FILTER_PARAMS.items()}


def sidebar_filters(data: Data) -> Filters:
    """The sidebar's 筛选 widgets (section, department, outcome group, as-of month, month range):
    seeded from the URL on a session's first run, kept across pages, written back to the URL."""
    if _FILTERS_KEY not in st.session_state:
        st.session_state[_FILTERS_KEY] = _filters_from_url()
    current = resolve(Filters(**st.session_state[_FILTERS_KEY]), data)
    months = data.months
    sections = data.findings.drop_duplicates("section_code").sort_values("section_ordinal")
    section_names = {
        r.section_code: section_label(int(r.section_ordinal), r.section_title, 18) for r in sections.itertuples()
    }
    departments = sorted(data.findings.lead_department.dropna().unique())
    groups = data.metrics.drop_duplicates("group_code").sort_values("group_ordinal")
    group_names = dict(zip(groups.group_code, groups.group_name, strict=True))
    # "" stands for 全部: a selectbox showing None would read "Choose an option".
    choices = {
        "flt_section": ["", *section_names],
        "flt_department": ["", *departments],
        "flt_group": ["", *group_names],
        "flt_as_of": list(reversed(months)),
    }
    seeds = {
        "flt_section": current.section or "",
        "flt_department": current.department or "",
        "flt_group": current.group or "",
        "flt_as_of": current.as_of,
    }
    # Seed each selectbox from the saved view when it has no state yet (a new session) or its state
    # is no longer among the options; otherwise re-assign its own value, which carries it over to the
    # same-keyed widget of another page (Streamlit ties widget state to the page that drew it).
    for key, value in seeds.items():
        state = st.session_state.get(key)
        st.session_state[key] = state if key in st.session_state and state in choices[key] else value
    bar = sidebar_top()  # above the account box
    bar.subheader("筛选")
    section = bar.selectbox(
        "通报部分",
        choices["flt_section"],
        key="flt_section",
        format_func=lambda c: section_names.get(c, "全部"),
        placeholder=CHOOSE,
    )
    department = bar.selectbox(
        "牵头部门",
        choices["flt_department"],
        key="flt_department",
        format_func=lambda d: d or "全部",
        placeholder=CHOOSE,
    )
    group = bar.selectbox(
        "成效类别",
        choices["flt_group"],
        key="flt_group",
        format_func=lambda g: group_names.get(g, "全部"),
        placeholder=CHOOSE,
    )
    as_of = bar.selectbox(
        "数据截至",
        choices["flt_as_of"],
        key="flt_as_of",
        format_func=chinese,
        help="“本月”指此月份：状态、需要关注均按此月计算，图表只显示到此月",
        placeholder=CHOOSE,
    )
    # The range ends at the as-of month at the latest. Its value comes as an argument, never through
    # st.session_state: a select_slider is a range slider only when its value is a pair.
    shown = [m for m in months if m <= as_of]
    # A range that ended at the as-of month keeps ending there when the as-of month moves.
    end = as_of if current.end == current.as_of else min(current.end, as_of)
    if len(shown) > 1:
        start, end = bar.select_slider(
            "月份范围",
            options=shown,
            value=(min(current.start, end), end),
            key="flt_range",
            format_func=chinese,
        )
    else:
        start = end = shown[0]
    chosen = resolve(Filters(section or None, department or None, group or None, start, end, as_of), data)
    st.session_state[_FILTERS_KEY] = {field: getattr(chosen, field) for field in FILTER_PARAMS}
    for field, param in FILTER_PARAMS.items():
        value = getattr(chosen, field)
        if value:
            st.query_params[param] = value
        elif param in st.query_params:
            del st.query_params[param]
    return chosen


# What this session's last import added ({"months", "new", "revised"}, set by 数据上报): the overview
# says so when it shows an earlier month, since its default month moves only once a month is
# substantially reported (Data.default_as_of).
LAST_IMPORT = "last_import"


def imported_month_note(data: Data, as_of: str) -> tuple[str, str] | None:
    """(month, sentence) for the latest month of this session's last import when the view shows an
    earlier month; None otherwise."""
    imported = st.session_state.get(LAST_IMPORT)
    later = [m for m in (imported or {}).get("months", []) if m > as_of and m in data.months]
    if not later:
        return None
    month = max(later)
    counts = f"新增 {imported['new']} 条" + (f"，修订 {imported['revised']} 条" if imported["revised"] else "")
    sentence = f"{chinese(month)}数据已导入（{counts}）：在左侧「数据截至」选{chinese(month)}查看"
    if as_of == data.default_as_of:
        sentence += "（多数指标上报后，总览才默认显示该月）"
    return month, sentence + "。"
