"""The one Streamlit-aware glue module: the shared store connection, cached queries, banners."""

from __future__ import annotations

import duckdb
import pandas as pd
import streamlit as st

from rectification import store
from rectification.config import db_path


@st.cache_resource(show_spinner=False)
def _connection(path: str) -> duckdb.DuckDBPyConnection:
    con = store.connect(path)
    con.execute("select 1").df()  # DuckDB's first .df() imports pandas machinery: pay it at start-up
    return con


@st.cache_resource(show_spinner=False)
def _version_box(path: str) -> dict:
    return {"version": 0}


def db() -> str:
    return str(db_path())


def cursor() -> duckdb.DuckDBPyConnection:
    """A cursor on the shared connection, one per script run (DuckDB cursors are not thread-safe)."""
    return _connection(db()).cursor()


def connection() -> duckdb.DuckDBPyConnection:
    """The shared connection itself, for writes (which hold store.WRITE_LOCK)."""
    return _connection(db())


def data_version() -> int:
    return _version_box(db())["version"]


def bump_data_version() -> None:
    """Call after every commit so cached reads are recomputed."""
    _version_box(db())["version"] += 1


@st.cache_data(show_spinner=False, max_entries=512)
def _cached_query(path: str, version: int, name: str, params: tuple) -> pd.DataFrame:
    return store.query(_connection(path).cursor(), name, **dict(params))


def query(name: str, **params) -> pd.DataFrame:
    """A named query from sql/queries, cached until the next commit."""
    return _cached_query(db(), data_version(), name, tuple(sorted(params.items())))


def is_initialised() -> bool:
    return bool(cursor().execute("select count(*) from findings").fetchone()[0])


def has_sample_data() -> bool:
    return bool(
        cursor().execute("select count(*) from live_uploads where source = '示例数据'").fetchone()[0]
    )


def page_header() -> bool:
    """Banners every page shows; False when the store is empty and the page should stop."""
    if not is_initialised():
        st.error("数据库尚未初始化。请在项目目录运行：python -m rectification init")
        return False
    if has_sample_data():
        st.warning("当前数据含【示例数据】（系统生成，仅供演示），不是真实上报数据。管理员可在「数据管理」页撤销示例数据。", icon="⚠️")
    return True


# --- Access control. The real implementation comes with rectification/auth.py; until then
# nobody is signed in and every write page shows the sign-in notice. ---
ROLES = ("viewer", "editor", "admin")


def current_user():
    """The signed-in user (with .username, .display_name, .department, .role) or None."""
    return None


def require_role(minimum: str):
    """Return the signed-in user if their role is at least `minimum`; otherwise show the
    sign-in form (or a "no permission" notice) and stop the script."""
    st.info("此页面需要登录后使用。")
    st.stop()
