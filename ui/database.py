"""This script run's store connection, shared with the command line, and the caches keyed by the store's data version."""

from __future__ import annotations

import datetime as dt
import importlib
import threading

import duckdb
import pandas as pd
import streamlit as st

from rectification.core import programme as programme_facts
from rectification.core import store
from rectification.core.config import db_path
from rectification.outputs import city
from rectification.outputs.charts.assembly import completion_figure
from rectification.rules import rollup
from rectification.rules.data import Data, Filters, load, resolve
from rectification.rules.overview import overview
from ui.script_check import fail_script_check

# --- The store, shared with the command line: this process opens the DuckDB file only while a
# script run uses it (store.SharedStore), and every cache is keyed by the store's data version, a
# counter any writer bumps (store.transaction), so a change made by the CLI shows on the next rerun.
_run = threading.local()  # the connection of the script run on this thread
WAIT_SECONDS = 20


@st.cache_resource(show_spinner=False)
def _shared(path: str) -> store.SharedStore:
    return store.SharedStore(path, wait=WAIT_SECONDS)


def fill_overview_caches() -> None:
    """What the overview reads first with no filters chosen (views/overview.py: the data, its
    summary, the first chart), into the process-wide caches; nothing is drawn. Read in the store's
    default rectification: behind a sign-in page the run is in none, and the first user signing in
    most often opens that one."""
    enter_programme(store.default_schema(cursor()))
    if not is_initialised():
        fail_script_check("the store is not initialised")
        return
    data = dashboard_data()
    filters = resolve(Filters(), data)
    view(overview, filters, dt.date.today())
    view(completion_figure, filters, dt.date.today(), False)  # as the overview asks: today, not narrow


def db() -> str:
    return str(db_path())


def enter_programme(schema: str | None) -> None:
    """Put this run's connection in a rectification's schema (ui/programme_choice.py chooses which,
    from those the user may see); None: in none (schema main: nothing of any rectification is read).
    Every later read and write of the run is in it, and every cache is keyed by it (scope())."""
    _run.schema = schema
    con = _run_connection()
    con.execute(f"use {schema}" if schema else "use main")


def scope() -> str:
    """What caches are keyed by: the store file and the rectification this run is in."""
    return f"{db()}#{getattr(_run, 'schema', None) or 'main'}"


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
    schema = getattr(_run, "schema", None)
    con.execute(f"use {schema}" if schema else "use main")  # reopened within a run: back in its rectification
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
    _run.schema = None
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
def _cached_query(scope: str, version: int, name: str, params: tuple) -> pd.DataFrame:
    return store.query(_run_connection(), name, **dict(params))


def query(name: str, **params) -> pd.DataFrame:
    """A named query from sql/queries, cached until the store changes."""
    return _cached_query(scope(), data_version(), name, tuple(sorted(params.items())))


def live_query(name: str, **params) -> pd.DataFrame:
    """A named query read afresh, for tables written without marking the store changed (the audit
    log gains a row at every sign-in: rectification/auth.py)."""
    return store.query(cursor(), name, **params)


def is_initialised() -> bool:
    """True when this run is in a rectification that holds its catalogue."""
    con = cursor()
    return store.in_programme(con) and bool(con.execute("select count(*) from findings").fetchone()[0])


def has_sample_data() -> bool:
    return bool(cursor().execute("select count(*) from live_uploads where source = '示例数据'").fetchone()[0])


@st.cache_resource(show_spinner=False, max_entries=4)
def _dashboard_data(scope: str, version: int) -> Data:
    # One snapshot for all of it: an import committed meanwhile is seen whole or not at all.
    con = _run_connection()
    with store.snapshot(con):
        return load(lambda name, **params: store.query(con, name, **params))


def dashboard_data() -> Data:
    """Everything the dashboard draws, read once per data version and shared by every session:
    treat it as read-only (pandas operations that return new frames are fine)."""
    return _dashboard_data(scope(), data_version())


# cache_resource, not cache_data: a cached plotly Figure handed back as is costs nothing, while
# unpickling one re-validates every property (≈ as slow as building it).
@st.cache_resource(show_spinner=False, max_entries=256)
def _view(scope: str, version: int, name: str, key: str, _args: tuple):
    module, function = name.split(":")
    fn = getattr(importlib.import_module(module), function)
    return fn(_dashboard_data(scope, version), *_args)


def view(fn, *args):
    """fn(dashboard_data(), *args) for a pure function of rectification.outputs.charts or rectification.rules, cached
    until the next commit. Arguments are keyed by repr (Filters, strings, tuples, dates): never pass
    DataFrames. The result is shared: read-only."""
    return _view(scope(), data_version(), f"{fn.__module__}:{fn.__qualname__}", repr(args), args)


@st.cache_data(show_spinner=False, max_entries=8)
def _cached_programme(scope: str, version: int) -> programme_facts.Programme:
    return programme_facts.current(_run_connection())


def programme() -> programme_facts.Programme:
    """The rectification the store tracks (its unit, months, report), read once per store change."""
    return _cached_programme(scope(), data_version())


# One entry per rectification, keyed by its own change marker (store.programme_versions): after an
# upload in one unit, the city office's page recomputes that unit's row only.
@st.cache_resource(show_spinner=False, max_entries=512)
def _one_rectification(path: str, own: programme_facts.Programme, version: int, today: dt.date):
    return rollup.one_rectification(_run_connection(), own, today)


@st.cache_resource(show_spinner=False, max_entries=16)
def _city_outputs(path: str, key: tuple, today: dt.date, narrow: bool, _parts: list):
    rows, history = rollup.combined(_parts)
    as_of = max(rows.as_of) if len(rows) else f"{today:%Y-%m}"
    return (
        rows,
        city.table(rows),
        city.xlsx_bytes(rows, today),
        city.completion_chart(history, as_of=as_of, narrow=narrow),
    )


def city_overview(programmes: list[programme_facts.Programme], today: dt.date, narrow: bool):
    """各单位整改进展 for these rectifications (the caller passes only those the user may see): the rows,
    the table as shown, its xlsx and the chart, each rectification read once per change of its own,
    the whole built once per change of any: read-only."""
    con = _run_connection()
    with store.snapshot(con):  # the markers and the rows read from one committed state
        versions = store.programme_versions(con)
        parts = [_one_rectification(db(), own, versions[own.schema_name], today) for own in programmes]
    key = tuple((own.code, versions[own.schema_name], own) for own in programmes)
    return _city_outputs(db(), key, today, narrow, parts)
