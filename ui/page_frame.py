"""What every page draws first: the width reporter, the account box, the sign-in it requires, the banners."""

from __future__ import annotations

import streamlit as st

from rectification.core import config, store
from ui import programme_choice
from ui.access import current_user, require_role, sidebar_account
from ui.database import cursor, has_sample_data, is_initialised
from ui.interface_language import chinese_interface
from ui.script_check import fail_script_check
from ui.widgets import _NARROW_STATE, NARROW_WIDTH


def page_header() -> bool:
    """Banners every page shows; False when the store is empty and the page should stop.
    With login required (or a signed-in user who must change their password) it asks first."""
    watch_viewport()
    sidebar_account()
    if config.login_required():
        require_role("viewer")
    elif (user := current_user()) is not None and user.must_change_password:
        require_role("viewer")  # shows the forced password change
    if not is_initialised() and store.programme_schemas(cursor()):
        return _no_programme_here()
    if not is_initialised():
        fail_script_check("the store is not initialised")
        st.error("数据库尚未初始化。请在项目目录运行：python -m rectification init")
        return False
    if has_sample_data():
        st.warning(
            "当前数据含【示例数据】（系统生成，仅供演示），不是真实上报数据。管理员可在「数据管理」页撤销示例数据。",
            icon="⚠️",
        )
    return True


def _no_programme_here() -> bool:
    """The store holds rectifications, but this run is in none: the link named one the user may not
    see (programme_choice said 无权查看), or the user may see none (sign in, or ask for access)."""
    if programme_choice.refused():
        return False
    user = current_user()
    if user is None:
        require_role("viewer")  # the sign-in form; stops the script
    fail_script_check("the user may see no programme")
    unit = f"（单位：{user.unit}）" if user.unit else ""
    st.warning(f"您的账号{unit}没有可查看的整改事项。如需开通请联系管理员。")
    return False


_VIEWPORT_JS = f"""
export default function({{ data, setStateValue }}) {{
    let known = data;
    const report = () => {{
        const narrow = window.innerWidth < {NARROW_WIDTH};
        if (narrow !== known) {{
            known = narrow;
            setStateValue("narrow", narrow);
        }}
    }};
    report();
    window.addEventListener("resize", report);
    return () => window.removeEventListener("resize", report);
}}
"""
_viewport = st.components.v2.component("rectification_viewport", js=_VIEWPORT_JS)
_VIEWPORT_KEY = "viewport_probe"


def watch_viewport() -> None:
    """Mount the width reporter and the Chinese for Streamlit's own words (page_header does, on every page)."""
    known = bool(st.session_state.get(_NARROW_STATE, False))
    # A container of its own, so CSS can take it out of the page's flow (it would add a 1rem gap).
    with st.container(key=_VIEWPORT_KEY):
        result = _viewport(key="viewport", data=known, default={"narrow": known}, on_narrow_change=lambda: None)
        chinese_interface()
    st.session_state[_NARROW_STATE] = bool(result.narrow)
    st.html(f"<style>.st-key-{_VIEWPORT_KEY} {{position: absolute; width: 0; height: 0; overflow: hidden}}</style>")
