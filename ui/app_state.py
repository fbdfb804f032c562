"""The one Streamlit-aware glue module: the shared store connection, cached queries, banners."""

from __future__ import annotations

import datetime as dt
import importlib
import json
import re
import threading
import urllib.parse

import duckdb
import pandas as pd
import streamlit as st
from pandas.io.formats.style import Styler
from streamlit.errors import StreamlitDuplicateElementKey

from rectification.core import config, store
from rectification.core import programme as programme_facts
from rectification.core.config import db_path
from rectification.core.months import chinese
from rectification.outputs.charts.assembly import completion_figure
from rectification.outputs.charts.theme import RAG_BADGES, plotly_config
from rectification.rules.data import Data, Filters, load, resolve
from rectification.rules.overview import overview
from rectification.rules.rag import deadline_rule, rag_rule
from rectification.rules.statuses import section_label
from rectification.workflow import auth

# --- The store, shared with the command line: this process opens the DuckDB file only while a
# script run uses it (store.SharedStore), and every cache is keyed by the store's data version, a
# counter any writer bumps (store.transaction), so a change made by the CLI shows on the next rerun.
_run = threading.local()  # the connection of the script run on this thread
WAIT_SECONDS = 20


@st.cache_resource(show_spinner=False)
def _shared(path: str) -> store.SharedStore:
    return store.SharedStore(path, wait=WAIT_SECONDS)


# --- The script health check (server.scriptHealthCheckEnabled; `python -m rectification warm`):
# Streamlit runs this script once in a session of its own, with no browser attached, and answers
# 200 unless the run raised. A page that cannot be drawn normally shows a message and stops (a clean
# run); in that check nobody would read it, so it raises instead and the check answers 503.
def script_check_run() -> bool:
    """True in the script health check's run: a session the server's session manager does not know
    (a real browser session is registered before its first run; one whose browser has just gone
    is not, but nobody would read its message either)."""
    from streamlit.runtime import Runtime
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return ctx is not None and Runtime.exists() and Runtime.instance().get_client(ctx.session_id) is None


def fill_overview_caches() -> None:
    """What the overview reads first with no filters chosen (views/overview.py: the data, its
    summary, the first chart), into the process-wide caches; nothing is drawn."""
    if not is_initialised():
        fail_script_check("the store is not initialised")
        return
    data = dashboard_data()
    filters = resolve(Filters(), data)
    view(overview, filters, dt.date.today())
    view(completion_figure, filters, dt.date.today(), False)  # as the overview asks: today, not narrow


def fail_script_check(problem: str) -> None:
    if script_check_run():
        raise RuntimeError(f"script health check: the overview cannot be drawn: {problem}")


def db() -> str:
    return str(db_path())


def _run_connection() -> duckdb.DuckDBPyConnection:
    """This script run's connection, opened on first use; dashboard.py's end_run() returns it."""
    path = db()
    held = getattr(_run, "held", None)
    if held is not None and held[0] == path:
        return held[1]
    end_run()
    shared = _shared(path)
    try:
        try:
            con = shared.acquire(wait=0)
        except store.StoreBusy:
            with st.spinner("数据库正被命令行任务（如备份、导入）使用，稍候…"):
                con = shared.acquire()
    except store.StoreBusy as busy:
        fail_script_check("the store stayed busy")
        st.error(
            f"数据库文件正被另一个进程{busy.holder}占用，已等待 {WAIT_SECONDS} 秒仍未释放。"
            "通常是正在运行的备份或导入，请稍后刷新页面；若一直如此，请管理员检查服务器上的任务。"
        )
        st.stop()
    except (store.StoreDamaged, store.StoreTooNew) as problem:
        store_problem(problem)
        st.stop()
    _run.held = (path, con)
    return con


def begin_run() -> None:
    """dashboard.py, before the page runs: a slot at the top of the sidebar (under the page list)
    for the filters, so a viewer sees them before the account box the page draws first."""
    _run.sidebar_top = st.sidebar.container()


def sidebar_top():
    """Where the sidebar's filters go: the slot begin_run made this run, else the sidebar itself."""
    return getattr(_run, "sidebar_top", None) or st.sidebar


def end_sidebar() -> None:
    _run.sidebar_top = None


def end_run() -> None:
    """Give this run's connection back (dashboard.py calls it when the page script ends)."""
    held = getattr(_run, "held", None)
    if held is not None:
        _run.held = None
        _shared(held[0]).release(held[1])


def store_problem(problem: BaseException) -> None:
    """A damaged store or one from a newer version: say so and what to do, never a traceback."""
    fail_script_check(f"the store cannot be opened ({type(problem).__name__})")
    path = db_path()
    if isinstance(problem, store.StoreTooNew):
        st.error(
            f"数据库文件 {path} 由更新版本的系统写入（数据库版本 {problem.version}，本系统只支持到 "
            f"{problem.newest}）。为免损坏数据，本系统拒绝打开它：请把程序升级到与该数据库相同或更新的版本。"
        )
        return
    from rectification.core import backup

    latest = backup.latest_backup(path)
    how = (
        f"最新的备份是 {latest}。请管理员在服务器的项目目录运行：\n"
        f"python -m rectification restore {latest}\n"
        "（损坏的文件会被改名保留，再从该备份恢复），然后刷新本页。"
        if latest
        else f"在 {path.parent / 'backups'} 中没有找到备份：请从别处取回最近的备份文件，"
        "然后在服务器的项目目录运行 python -m rectification restore 备份文件路径。"
    )
    st.error(f"数据库文件 {path} 已损坏，无法读取。")
    st.text(how)


STORE_ERRORS = (
    duckdb.IOException,
    duckdb.FatalException,
    duckdb.TransactionException,
    store.StoreDamaged,
    store.StoreTooNew,
    OSError,
)


def store_failure(error: BaseException) -> None:
    """A page's read or write failed in the store itself. Whatever the page was doing was rolled
    back (store.transaction); this process lets go of the file so the next run opens it afresh."""
    known = isinstance(error, store.StoreDamaged | store.StoreTooNew) or store.is_damage(error)
    if not known and not store.is_write_failure(error):
        raise error  # not the store's trouble: Streamlit shows it as it would have
    held = getattr(_run, "held", None)
    _shared(held[0] if held else db()).close()
    fail_script_check(f"the store failed ({type(error).__name__})")
    if known:
        store_problem(error if not isinstance(error, duckdb.Error) else store.StoreDamaged(str(error)))
        return
    st.error(
        "数据库读写失败：服务器磁盘可能已满，或数据目录不可写。本次操作没有写入任何数据，数据库保持原样。"
        "请管理员检查服务器的磁盘空间和数据目录权限后再试。"
    )
    st.text(f"详细信息：{error}")


def cursor() -> duckdb.DuckDBPyConnection:
    """This script run's connection (one per run: DuckDB connections are not shared between threads)."""
    return _run_connection()


def connection() -> duckdb.DuckDBPyConnection:
    """The same connection, for writes (which hold store.WRITE_LOCK)."""
    return _run_connection()


def data_version() -> int:
    """The store's change marker, read afresh (one tiny query): a commit made in this run, even one
    that changed nothing, or by another process, is seen at once."""
    return store.data_version(_run_connection())


def bump_data_version() -> None:
    """Call after every commit so cached reads are recomputed, in this process and every other."""
    store.bump_data_version(_run_connection())


@st.cache_data(show_spinner=False, max_entries=512)
def _cached_query(path: str, version: int, name: str, params: tuple) -> pd.DataFrame:
    return store.query(_run_connection(), name, **dict(params))


def query(name: str, **params) -> pd.DataFrame:
    """A named query from sql/queries, cached until the store changes."""
    return _cached_query(db(), data_version(), name, tuple(sorted(params.items())))


def live_query(name: str, **params) -> pd.DataFrame:
    """A named query read afresh, for tables written without marking the store changed (the audit
    log gains a row at every sign-in: rectification/auth.py)."""
    return store.query(cursor(), name, **params)


def is_initialised() -> bool:
    return bool(cursor().execute("select count(*) from findings").fetchone()[0])


def has_sample_data() -> bool:
    return bool(cursor().execute("select count(*) from live_uploads where source = '示例数据'").fetchone()[0])


def page_header() -> bool:
    """Banners every page shows; False when the store is empty and the page should stop.
    With login required (or a signed-in user who must change their password) it asks first."""
    watch_viewport()
    sidebar_account()
    if config.login_required():
        require_role("viewer")
    elif (user := current_user()) is not None and user.must_change_password:
        require_role("viewer")  # shows the forced password change
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


@st.cache_resource(show_spinner=False, max_entries=4)
def _dashboard_data(path: str, version: int) -> Data:
    # One snapshot for all of it: an import committed meanwhile is seen whole or not at all.
    con = _run_connection()
    with store.snapshot(con):
        return load(lambda name, **params: store.query(con, name, **params))


def dashboard_data() -> Data:
    """Everything the dashboard draws, read once per data version and shared by every session:
    treat it as read-only (pandas operations that return new frames are fine)."""
    return _dashboard_data(db(), data_version())


# cache_resource, not cache_data: a cached plotly Figure handed back as is costs nothing, while
# unpickling one re-validates every property (≈ as slow as building it).
@st.cache_resource(show_spinner=False, max_entries=256)
def _view(path: str, version: int, name: str, key: str, _args: tuple):
    module, function = name.split(":")
    fn = getattr(importlib.import_module(module), function)
    return fn(_dashboard_data(path, version), *_args)


def view(fn, *args):
    """fn(dashboard_data(), *args) for a pure function of rectification.outputs.charts or rectification.rules, cached
    until the next commit. Arguments are keyed by repr (Filters, strings, tuples, dates): never pass
    DataFrames. The result is shared: read-only."""
    return _view(db(), data_version(), f"{fn.__module__}:{fn.__qualname__}", repr(args), args)


# Streamlit has no Chinese of its own: a selectbox whose text is deleted (it can always be, to type a
# search) or that has no value shows its placeholder, by default "Choose an option". Every selectbox
# and multiselect passes this one (tests/test_interface_language.py checks that none is missing).
CHOOSE = "请选择"


# Streamlit's file picker has no Chinese: its button reads "Upload" and its line "42MB per file • XLSX,
# CSV" (the widget's outer bound, not the importer's limit). Fixed CSS of ours shows 选择文件 and the
# picker's own line instead, per widget (Streamlit gives each keyed widget the class st-key-<key>).
_PICKER_CSS = """<style>
.st-key-{key} [data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p {{font-size: 0}}
.st-key-{key} [data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p::after
    {{content: "选择文件"; font-size: 0.875rem}}
.st-key-{key} [data-testid="stFileUploaderDropzoneInstructions"] span {{font-size: 0}}
.st-key-{key} [data-testid="stFileUploaderDropzoneInstructions"] span::after {{content: "{note}"; font-size: 0.875rem}}
</style>"""


def file_uploader(label: str, *, key: str, note: str, **kwargs):
    """st.file_uploader in Chinese: its button reads 选择文件 and its line `note` (our own fixed text:
    what to drop there, the real size limit and the types)."""
    if not re.fullmatch(r"[\w\s，。、；：（）「」·.,;:()%-]+", note) or not re.fullmatch(r"[\w-]+", key):
        raise ValueError("a picker's note and key go into CSS: words and punctuation only")
    st.html(_PICKER_CSS.format(key=key, note=note))
    return st.file_uploader(label, key=key, **kwargs)


def show_table(data: pd.DataFrame | Styler | dict, *, cards: tuple[str, ...] = (), **kwargs):
    """st.dataframe for every table a page shows, its text as typed (a clerk's -5 or =1+1 reads -5 or
    =1+1). The grid's own CSV download and copy are off (client.disableDataExport in
    .streamlit/config.toml), so a table leaves the dashboard only through the project's own downloads
    (rectification.exports), which neutralise formula-like text for Excel there and only there.
    `cards`: the columns that name a row; on a phone (narrow()) the rows are then shown as cards, those
    columns on top, the others under them, since a table of five columns puts its key one off screen."""
    frame = data.data if isinstance(data, Styler) else pd.DataFrame(data)
    if cards and narrow():
        return table_cards(frame, heading=cards, key=kwargs.get("key"), links=kwargs.get("column_config"))
    return st.dataframe(data if isinstance(data, Styler) else frame, **kwargs)


def table_cards(frame: pd.DataFrame, *, heading: tuple[str, ...], key: str | None, links: dict | None) -> None:
    """A table for a phone: a bordered card a row, the `heading` columns on its first line (a RAG column as
    its badge), every other non-empty cell as 「列名：值」, a link column as a button. Text stays text."""
    link_columns = [c for c, conf in (links or {}).items() if _is_link_column(conf)]
    with st.container(key=f"{key}_cards" if key else None):
        for i, row in enumerate(frame.itertuples(index=False)):
            values = dict(zip(frame.columns, row, strict=True))
            with st.container(border=True, key=f"{key}_card_{i}" if key else None):
                rag = values.get("状态") if "状态" in heading and values.get("状态") in RAG_BADGES else None
                named = "　".join(_cell(values[c]) for c in heading if c in values and c != "状态" and _cell(values[c]))
                if rag:
                    rag_line(rag, named)
                else:
                    st.text(named)
                for column, value in values.items():
                    if column in heading or column in link_columns or not _cell(value):
                        continue
                    st.text(f"{column}：{_cell(value)}")
                for column in link_columns:
                    if _cell(values.get(column)):
                        st.link_button(f"{column}：查看", values[column])


def _is_link_column(conf) -> bool:
    return isinstance(conf, dict) and conf.get("type_config", {}).get("type") == "link"


def _cell(value) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT:
        return ""
    if isinstance(value, pd.Timestamp):
        return f"{value:%Y-%m-%d %H:%M}"
    return str(value).strip()


# --- The width of the browser's window. Streamlit draws one figure at every width, and a script learns
# nothing of the screen from Streamlit itself (st.context has headers, cookies, locale, timezone, no width);
# plotly's own `responsive` only stretches a figure, it does not relayout it. So a components.v2 component
# of a few fixed lines (our own code, never user text) reports whether the window is narrower than 640 px,
# the width where Streamlit itself switches to its phone layout (sidebar over the page). It reports only a
# change: a desktop loads with no extra run; a phone's first run draws the wide layout, the next its own,
# and turning the phone over redraws once more. ---
NARROW_WIDTH = 640
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


_NARROW_STATE = "viewport_narrow"


# --- Streamlit's own English. Streamlit has no interface language: its buttons' tooltips and labels
# (「Fullscreen」 on every chart and table, 「Download as CSV」, 「Search」, 「Show/hide columns」), the
# date picker's 「Choose date」, 「Press Enter to apply」 under a text box, 「No results」 in a list,
# 「Running...」 are fixed English in its bundle, and plotly's Fullscreen button is Streamlit's too (a
# string title, which plotly's zh-CN locale does not translate). Hiding them would take away the
# table's search and full screen (its own download is off: client.disableDataExport). So a components.v2 component of fixed lines (our own code and these
# fixed words, never user text) puts the Chinese in: once per browser tab, a MutationObserver rewrites
# the known English in the attributes that show as tooltips or are read out (aria-label, title,
# plotly's data-title, placeholder) and in text nodes, whenever Streamlit draws them again. A word
# Streamlit renames in a later release stays English: tests/test_browser_language.py walks the pages
# and names it. The date field's empty yyyy/mm/dd is text React keeps in an editable field, so CSS,
# not the observer, shows 年/月/日 there (the field is hard-wired to en-US, whatever `format`).
INTERFACE_WORDS = {
    "Fullscreen": "全屏",
    "Close fullscreen": "退出全屏",
    "Exit fullscreen": "退出全屏",
    "Download as CSV": "下载为 CSV",
    "Search": "搜索",
    "Close Search": "关闭搜索",
    "Previous Result": "上一个结果",
    "Next Result": "下一个结果",
    "Show/hide columns": "显示/隐藏列",
    "Dataframe column menu": "列菜单",
    "Copy column name": "复制列名",
    "Open": "展开",
    "Close": "关闭",
    "Clear value": "清除",
    "Clear all": "全部清除",
    "Select all": "全选",
    "Selected values": "已选",
    "No results": "无匹配项",
    "Choose an option": CHOOSE,
    "Choose options": CHOOSE,
    "No options to select": "没有可选项",
    "Choose date": "选择日期",
    "Choose date range": "选择日期范围",
    "Quick select a date range": "快速选择日期范围",
    "Clear date": "清除日期",
    "Clear dates": "清除日期",
    "Previous month": "上个月",
    "Next month": "下个月",
    "Use arrow keys to navigate dates. Enter to select. Escape to close.": "方向键选择日期，回车确定，Esc 关闭。",
    "Empty": "未填",
    # not 「显示密码」: the password box is found by its label 密码, and this button sits inside it
    "Show password": "显示明文",
    "Hide password": "隐藏明文",
    "Increment": "增加",
    "Decrement": "减少",
    "Link to heading": "链接到此标题",
    "Sidebar": "侧栏",
    "App pages": "页面",
    "Collapse sidebar": "收起侧栏",
    "Expand sidebar": "展开侧栏",
    "Main menu": "菜单",
    "Skip to main content": "跳到正文",
    "file upload": "上传文件",
    "Running...": "运行中…",
    "Stop": "停止",
    "Stop script": "停止运行",
    "Scroll tabs left": "向左滚动",
    "Scroll tabs right": "向右滚动",
    "Press Enter to apply": "按回车键确认",
    "Press Enter to submit form": "按回车键提交",
    "Press Ctrl+Enter to apply": "按 Ctrl+回车键确认",
    "Press Ctrl+Enter to submit form": "按 Ctrl+回车键提交",
    "Press ⌘+Enter to apply": "按 ⌘+回车键确认",
    "Press ⌘+Enter to submit form": "按 ⌘+回车键提交",
}
# Labels Streamlit builds around a widget's own label: (pattern, replacement), as JavaScript's replace.
INTERFACE_PATTERNS = [
    (r"^Help for (.+)$", "$1：说明"),
    (r"^Remove (.+)$", "移除 $1"),
    (r"^Select (\d+) matches$", "选择 $1 个匹配项"),
    (r"^year, (.+)$", "年，$1"),
    (r"^month, (.+)$", "月，$1"),
    (r"^day, (.+)$", "日，$1"),
    (r"^(.+) start date$", "$1 开始日期"),
    (r"^(.+) end date$", "$1 结束日期"),
    (r"^(.+) — start$", "$1 — 起"),
    (r"^(.+) — end$", "$1 — 止"),
    (r"^Choose date, (.+)$", "选择日期，$1"),
    (r"^Choose date range, (.+)$", "选择日期范围，$1"),
]
_LANGUAGE_JS = """
export default function({ data }) {
    // One observer for the tab: the page outlives the script's runs and Streamlit's page changes.
    if (window.rectificationChinese) return;
    window.rectificationChinese = true;
    const words = data.words;
    const patterns = data.patterns.map(([find, put]) => [new RegExp(find), put]);
    const attributes = ["aria-label", "title", "data-title", "placeholder", "aria-valuetext"];
    const chinese = value => {
        const trimmed = value.trim();
        if (Object.hasOwn(words, trimmed)) return value.replace(trimmed, words[trimmed]);
        for (const [find, put] of patterns) if (find.test(trimmed)) return trimmed.replace(find, put);
        return null;
    };
    const fixAttributes = element => {
        for (const name of attributes) {
            const value = element.getAttribute(name);
            const fixed = value && chinese(value);
            if (fixed && fixed !== value) element.setAttribute(name, fixed);
        }
    };
    const fixText = node => {
        // Not what the page shows as given (the report's text, names, notes, options), not the date
        // field's editable segments (CSS shows their placeholders).
        if (!node.nodeValue.trim() || node.parentElement?.closest(data.untouched)) return;
        const fixed = chinese(node.nodeValue);
        if (fixed && fixed !== node.nodeValue) node.nodeValue = fixed;
    };
    const fixTree = root => {
        if (root.nodeType === Node.TEXT_NODE) return fixText(root);
        if (root.nodeType !== Node.ELEMENT_NODE) return;
        fixAttributes(root);
        root.querySelectorAll("[aria-label], [title], [data-title], [placeholder], [aria-valuetext]").forEach(fixAttributes);
        const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
        while (walker.nextNode()) fixText(walker.currentNode);
    };
    new MutationObserver(changes => {
        for (const change of changes) {
            if (change.type === "attributes") fixAttributes(change.target);
            else if (change.type === "characterData") fixText(change.target);
            else change.addedNodes.forEach(fixTree);
        }
    }).observe(document.body, {
        subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: attributes,
    });
    fixTree(document.body);
}
"""
_UNTOUCHED = ", ".join(
    [
        *(f'[data-testid="{t}"]' for t in ("stMarkdown", "stText", "stCaptionContainer", "stHeading", "stCode")),
        *(f'[data-testid="{t}"]' for t in ("stAlert", "stTable", "stDataFrame")),
        '[data-testid="stExpander"] summary',
        '[role="option"]',
        "[contenteditable]",
        "textarea",
        "input",
        "script",
        "style",
    ]
)
_language = st.components.v2.component("rectification_language", js=_LANGUAGE_JS)
_DATE_PLACEHOLDER_CSS = "".join(
    f'[data-testid="stDateInputField"] [role="spinbutton"][data-placeholder="true"][data-type="{part}"]::after'
    f' {{content: "{zh}"; font-size: var(--rectification-date-size)}}'
    for part, zh in (("year", "年"), ("month", "月"), ("day", "日"))
)


def chinese_interface() -> None:
    """Streamlit's own English in Chinese (page_header does it on every page; see INTERFACE_WORDS)."""
    _language(key="language", data={"words": INTERFACE_WORDS, "patterns": INTERFACE_PATTERNS, "untouched": _UNTOUCHED})
    st.html(
        "<style>"
        '[data-testid="stDateInputField"] {--rectification-date-size: 0.875rem}'
        '[data-testid="stDateInputField"] [role="spinbutton"][data-placeholder="true"] {font-size: 0}'
        f"{_DATE_PLACEHOLDER_CSS}</style>"
    )


def watch_viewport() -> None:
    """Mount the width reporter and the Chinese for Streamlit's own words (page_header does, on every page)."""
    known = bool(st.session_state.get(_NARROW_STATE, False))
    # A container of its own, so CSS can take it out of the page's flow (it would add a 1rem gap).
    with st.container(key=_VIEWPORT_KEY):
        result = _viewport(key="viewport", data=known, default={"narrow": known}, on_narrow_change=lambda: None)
        chinese_interface()
    st.session_state[_NARROW_STATE] = bool(result.narrow)
    st.html(f"<style>.st-key-{_VIEWPORT_KEY} {{position: absolute; width: 0; height: 0; overflow: hidden}}</style>")


def narrow() -> bool:
    """True when the browser's window is narrower than NARROW_WIDTH (a phone): the page then asks
    rectification.charts for its narrow layouts and shows lists as cards. False until the browser has
    said otherwise (and in AppTest, which has no browser)."""
    return bool(st.session_state.get(_NARROW_STATE, False))


def chart(fig, *, key: str | None = None) -> None:
    """A figure as built by rectification.charts, drawn as built (theme=None: the page shows what the
    exported PNG and the briefing show), with the Chinese modebar and its 1600×900 PNG download (a
    narrow figure: as drawn, export_size)."""
    st.plotly_chart(fig, config=plotly_config(fig), theme=None, key=key, width="stretch")


def view_url(page: str, filters: Filters, **extra: str) -> str:
    """A relative link to `page` that opens on this view: the filters and month as query parameters,
    plus `extra` (e.g. finding=F05)."""
    params = {param: getattr(filters, field) for field, param in FILTER_PARAMS.items() if getattr(filters, field)}
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


def can_edit(minimum: str = "editor") -> auth.User | None:
    """The signed-in user when their role is at least `minimum` (for optional edit forms on a page
    everyone may view); None otherwise. Pages that only editors may open use require_role()."""
    user = current_user()
    return user if auth.has_role(user, minimum) else None


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~:$])")


def escape_markdown(text: str) -> str:
    """Text shown through a markdown-rendering element (st.success, st.caption…) exactly as typed."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(text))


def rag_line(rag: str, text: str, *, where=None) -> None:
    """A status as a coloured badge followed by its reason (the text is escaped, never markdown)."""
    (where or st).markdown(f":{RAG_BADGES[rag]}-badge[{rag}] {escape_markdown(text)}")


def rag_legend(where=None) -> None:
    """The one status legend: the rule from rectification.rules.rag, each colour as its badge."""
    parts = [f":{RAG_BADGES[k]}-badge[{k}] {escape_markdown(v)}" for k, v in rag_rule().items()]
    (where or st).caption("状态颜色　" + "　".join(parts) + "　" + escape_markdown(deadline_rule()))


def people(logins) -> dict[str, str]:
    """login -> the name shown for it (rectification.auth.shown_names), for a page's columns of people."""
    return auth.shown_names(cursor(), logins)


def person(login: str | None) -> str:
    """The name shown for one login (display name; the system's imports as 系统（通报数据）)."""
    return auth.shown_name(cursor(), login)


@st.cache_data(show_spinner=False, max_entries=8)
def _cached_programme(path: str, version: int) -> programme_facts.Programme:
    return programme_facts.current(_run_connection())


def programme() -> programme_facts.Programme:
    """The rectification the store tracks (its unit, months, report), read once per store change."""
    return _cached_programme(db(), data_version())
