"""The DuckDB store: open with migrations applied, transactions, and named queries from sql/."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import duckdb
import pandas as pd

from rectification.config import SQL_DIR

MIGRATIONS_DIR = SQL_DIR / "migrations"
QUERIES_DIR = SQL_DIR / "queries"

# One writer at a time inside a process (the Streamlit server runs scripts on threads).
WRITE_LOCK = threading.RLock()


class StoreBusy(RuntimeError):
    """Another process (usually the running dashboard) holds the store file."""


def migrations() -> list[tuple[int, str, Path]]:
    found = []
    for path in sorted(MIGRATIONS_DIR.glob("*.sql")):
        match = re.match(r"(\d+)_(.+)\.sql$", path.name)
        if match:
            found.append((int(match.group(1)), match.group(2), path))
    return found


def connect(path: str | Path, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the store at `path`, creating it and applying pending migrations."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise StoreBusy(str(exc)) from exc
        raise
    if not read_only:
        migrate(con)
        # A store built from an older data/catalogue takes its corrections in, like a migration.
        from rectification import bootstrap

        bootstrap.upgrade(con)
    return con


def migrate(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Apply every migration newer than the store's schema version; return those applied."""
    con.execute(
        "create table if not exists schema_version ("
        " version integer primary key, name varchar not null,"
        " applied_at timestamp not null default current_timestamp)"
    )
    done = {row[0] for row in con.execute("select version from schema_version").fetchall()}
    applied = []
    for version, name, path in migrations():
        if version in done:
            continue
        with transaction(con):
            con.execute(path.read_text(encoding="utf-8"))
            con.execute("insert into schema_version (version, name) values (?, ?)", [version, name])
        applied.append(version)
    return applied


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """All or nothing: commit when the block ends, roll back on any exception."""
    with WRITE_LOCK:
        con.execute("begin transaction")
        try:
            yield con
        except BaseException:
            con.execute("rollback")
            raise
        con.execute("commit")


@cache
def load_sql(name: str) -> str:
    return (QUERIES_DIR / f"{name}.sql").read_text(encoding="utf-8")


def query(con: duckdb.DuckDBPyConnection, name: str, **params) -> pd.DataFrame:
    """Run sql/queries/<name>.sql with DuckDB named parameters ($name) and return a DataFrame."""
    sql = load_sql(name)
    used = set(re.findall(r"\$([a-z_]+)", sql))
    return con.execute(sql, {k: v for k, v in params.items() if k in used}).df()


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute("select coalesce(max(version), 0) from schema_version").fetchone()[0]
