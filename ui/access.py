"""Access control in the browser: the sign-in cookie, the signed-in user, the account box and its forms."""

from __future__ import annotations

import json

import streamlit as st
from streamlit.errors import StreamlitDuplicateElementKey

from rectification.core import config
from rectification.workflow import auth
from ui.database import bump_data_version, cursor, fill_overview_caches
from ui.script_check import script_check_run

# --- Access control: accounts and sessions live in the store (rectification/auth.py); the browser
# session holds only a random token in st.session_state["auth_token"]. ---
ROLES = auth.ROLES
TOKEN_KEY = "auth_token"
_NOTICE_KEY = "auth_notice"


# The sign-in survives a reload, a second tab and a link opened from a chat through a cookie holding
# the same random token (the store keeps only its hash). Streamlit reads cookies (st.context.cookies,
# as sent with the page's websocket) but cannot set one, so a few lines of our own JavaScript do it
# (st.html with unsafe_allow_javascript: our own fixed script, never user text), the run after a
# sign-in, sign-out or password change. SameSite=Strict, Secure over HTTPS, Path = the app's path.
COOKIE_NAME = "rectification_session"
_COOKIE_PENDING_KEY = "auth_cookie_pending"  # the value to write ("" clears it) on the next run
_COOKIE_REFUSED_KEY = "auth_cookie_refused"  # a cookie token found dead: not asked again this session


def _cookie_path() -> str:
    base = (st.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}" if base else "/"


def cookie_script(value: str) -> str:
    """The script that writes (or, with "", clears) the sign-in cookie in the browser."""
    attributes = f"; Path={_cookie_path()}; SameSite=Strict" + ("" if value else "; Max-Age=0")
    return (
        "<script>(function () {"
        f"var cookie = {json.dumps(COOKIE_NAME + '=' + value + attributes)};"
        "if (window.location.protocol === 'https:') { cookie += '; Secure'; }"
        "document.cookie = cookie;"
        "})();</script>"
    )


def _set_cookie(value: str) -> None:
    st.session_state[_COOKIE_PENDING_KEY] = value


def _write_pending_cookie(where) -> None:
    value = st.session_state.pop(_COOKIE_PENDING_KEY, None)
    if value is not None:
        where.html(cookie_script(value), unsafe_allow_javascript=True)


def _cookie_token() -> str | None:
    try:
        token = st.context.cookies.get(COOKIE_NAME)
    except Exception:  # noqa: BLE001 - no browser request behind this run (bare script, some tests)
        return None
    if not isinstance(token, str) or not token or token == st.session_state.get(_COOKIE_REFUSED_KEY):
        return None
    return token


def current_user() -> auth.User | None:
    """The signed-in user (.username, .display_name, .department, .role, .name) or None.
    A new browser session picks up the sign-in cookie; an ended or idle session is dropped here,
    with a notice for the next sign-in form, and its cookie cleared."""
    token = st.session_state.get(TOKEN_KEY)
    from_cookie = False
    if not token:
        token = _cookie_token()
        from_cookie = token is not None
    if not token:
        return None
    user = auth.session_user(cursor(), token)
    if user is None:
        st.session_state.pop(TOKEN_KEY, None)
        st.session_state[_COOKIE_REFUSED_KEY] = token
        _set_cookie("")
        st.session_state[_NOTICE_KEY] = "登录已过期或已结束，请重新登录。"
    elif from_cookie:
        st.session_state[TOKEN_KEY] = token
    return user


def require_role(minimum: str) -> auth.User:
    """Return the signed-in user if their role is at least `minimum`; otherwise show the
    sign-in form, the forced password change, or a "no permission" notice, and stop the script."""
    sidebar_account()
    user = current_user()
    if user is None:
        st.info(f"此页面需要「{auth.ROLE_LABELS[minimum]}」及以上权限，请先登录。")
        _sign_in_form(st.container(), "main")
        if config.login_required() and script_check_run():
            fill_overview_caches()  # nobody sees this run: the first page after a sign-in finds them ready
        st.stop()
    if user.must_change_password:
        st.warning("管理员为您设置了临时密码：请先设置自己的新密码再继续。")
        _change_password_form(st.container(), user, "forced")
        st.stop()
    if not auth.has_role(user, minimum):
        st.warning(
            f"无权限：此页面需要「{auth.ROLE_LABELS[minimum]}」及以上权限，"
            f"当前账号为「{user.role_label}」。如需开通请联系管理员。"
        )
        st.stop()
    return user


def sidebar_account() -> None:
    """The account box in the sidebar: sign in, or who is signed in with 退出登录 and 修改密码.
    page_header() and require_role() call it; calling it again in the same run does nothing."""
    try:
        # A keyed container fails on its second creation in a run, before anything is drawn.
        box = st.sidebar.container(key="account_box")
    except StreamlitDuplicateElementKey:
        return
    user = current_user()
    _write_pending_cookie(box)
    if user is None:
        with box.expander("登录", icon=":material/login:", expanded=False):
            _sign_in_form(st.container(), "sidebar")
        return
    box.text(f"已登录：{user.name}（{user.role_label}）")
    if box.button("退出登录", key="logout_button"):
        token = st.session_state.get(TOKEN_KEY)
        auth.end_session(cursor(), token)  # server-side: the cookie's token is dead even if copied
        st.session_state.pop(TOKEN_KEY, None)
        st.session_state[_COOKIE_REFUSED_KEY] = token
        _set_cookie("")
        st.session_state[_NOTICE_KEY] = "已退出登录。"
        st.rerun()
    if not user.must_change_password:
        with box.expander("修改密码", expanded=False):
            _change_password_form(st.container(), user, "sidebar")


def _sign_in_form(where, prefix: str) -> None:
    notice = st.session_state.pop(_NOTICE_KEY, None) if prefix == "main" else None
    if notice:
        where.info(notice)
    # clear_on_submit: the typed password does not stay in the session after the attempt.
    with where.form(key=f"{prefix}_login_form", clear_on_submit=True):
        username = st.text_input("用户名", key=f"{prefix}_login_username")
        password = st.text_input("密码", type="password", key=f"{prefix}_login_password")
        submitted = st.form_submit_button("登录", key=f"{prefix}_login_submit", type="primary")
    if not submitted:
        return
    try:
        user = auth.authenticate(cursor(), username, password)
    except auth.AuthError as error:
        where.error(str(error))
        return
    _signed_in(user.username)
    st.rerun()


def _signed_in(username: str) -> None:
    token = auth.start_session(cursor(), username)
    st.session_state[TOKEN_KEY] = token
    st.session_state.pop(_COOKIE_REFUSED_KEY, None)
    _set_cookie(token)


def _change_password_form(where, user: auth.User, prefix: str) -> None:
    with where.form(key=f"{prefix}_password_form", clear_on_submit=True):
        current = st.text_input("当前密码", type="password", key=f"{prefix}_password_current")
        new = st.text_input(
            f"新密码（至少 {auth.MIN_PASSWORD_LENGTH} 个字符）", type="password", key=f"{prefix}_password_new"
        )
        again = st.text_input("再次输入新密码", type="password", key=f"{prefix}_password_again")
        submitted = st.form_submit_button("修改密码", key=f"{prefix}_password_submit", type="primary")
    if not submitted:
        return
    if new != again:
        where.error("两次输入的新密码不一致。")
        return
    if new == current:
        where.error("新密码不能与当前密码相同。")
        return
    try:
        auth.authenticate(cursor(), user.username, current)
        auth.set_password(cursor(), user.username, new, actor=user.username)
    except auth.AuthError as error:
        bump_data_version()
        where.error(str(error))
        return
    # The change ended every sign-in of this account (a copied cookie too); this browser gets a new one.
    _signed_in(user.username)
    bump_data_version()
    st.session_state[_NOTICE_KEY] = "密码已修改。"
    st.rerun()


def can_edit(minimum: str = "editor") -> auth.User | None:
    """The signed-in user when their role is at least `minimum` (for optional edit forms on a page
    everyone may view); None otherwise. Pages that only editors may open use require_role()."""
    user = current_user()
    return user if auth.has_role(user, minimum) else None


def people(logins) -> dict[str, str]:
    """login -> the name shown for it (rectification.auth.shown_names), for a page's columns of people."""
    return auth.shown_names(cursor(), logins)


def person(login: str | None) -> str:
    """The name shown for one login (display name; the system's imports as 系统（通报数据）)."""
    return auth.shown_name(cursor(), login)
