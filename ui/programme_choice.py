"""Which rectification a script run shows: one of those the user may see, from the link's ?programme=,
else the session's last choice, else the store's default; a picker at the top of the sidebar when
there is more than one. The choice is mirrored into the URL so a shared link opens the same one."""

from __future__ import annotations

import threading

import streamlit as st

from rectification.core import config, store
from rectification.core import programme as programme_facts
from rectification.workflow import auth
from ui.access import current_user
from ui.database import cursor, enter_programme
from ui.script_check import fail_script_check
from ui.widgets import CHOOSE

_run = threading.local()  # this script run's outcome (runs are threads)
PARAM = "programme"
_CHOSEN_KEY = "chosen_programme"
_PICKER_KEY = "programme_picker"
_FILTERS_KEY = (
    "dashboard_filters"  # ui/view_filters.py's: a section or month of one rectification means nothing in another
)
REFUSED = "无权查看：该整改事项不存在，或不属于您的单位。请从左侧选择您可查看的整改事项。"


def visible_programmes(user: auth.User | None) -> list[programme_facts.Programme]:
    """The store's rectifications this user may see, in the store's fixed order."""
    anonymous_allowed = not config.login_required()
    return [p for p in programme_facts.listed(cursor()) if auth.may_see(user, p, anonymous_allowed=anonymous_allowed)]


def choose() -> programme_facts.Programme | None:
    """dashboard.py, before the page: put the run in the rectification it shows and return it (None
    when the user may see none: the page then asks to sign in, or says there is nothing to see).
    A link naming one the user may not see is refused with 「无权查看」, never shown."""
    visible = _run.visible = visible_programmes(current_user())
    by_code = {p.code: p for p in visible}
    wanted = st.query_params.get(PARAM)
    _run.refused = bool(wanted and wanted not in by_code)
    if _run.refused:
        enter_programme(None)
        fail_script_check("a programme the user may not see was asked for")
        st.error(REFUSED)
        return None
    if not visible:
        enter_programme(None)
        return None
    default = store.default_schema(cursor())
    fallback = next((p.code for p in visible if p.schema_name == default), visible[0].code)
    code = wanted or st.session_state.get(_CHOSEN_KEY)
    code = code if code in by_code else fallback
    if len(visible) > 1:
        code = _picker(visible, code)
        st.query_params[PARAM] = code
    if st.session_state.get(_CHOSEN_KEY) not in (None, code):
        st.session_state.pop(_FILTERS_KEY, None)
    st.session_state[_CHOSEN_KEY] = code
    enter_programme(by_code[code].schema_name)
    return by_code[code]


def _picker(visible: list[programme_facts.Programme], code: str) -> str:
    codes = [p.code for p in visible]
    labels = programme_facts.distinct_titles({p.code: p.title for p in visible})
    if st.session_state.get(_PICKER_KEY) not in codes or st.session_state.get(_CHOSEN_KEY) != code:
        st.session_state[_PICKER_KEY] = code  # the link or the default, not a stale pick
    return st.sidebar.selectbox(
        "整改事项", codes, key=_PICKER_KEY, format_func=labels.get, placeholder=CHOOSE, help="切换要查看的整改事项"
    )


def visible() -> list[programme_facts.Programme]:
    """The rectifications this run's user may see, as choose() read them at the start of the run."""
    return getattr(_run, "visible", [])


def refused() -> bool:
    """True when this run's link named a rectification the user may not see."""
    return getattr(_run, "refused", False)


def link_params() -> dict[str, str]:
    """The query parameter a link to another page needs to open the same rectification."""
    code = st.session_state.get(_CHOSEN_KEY)
    return {PARAM: code} if code and PARAM in st.query_params else {}
