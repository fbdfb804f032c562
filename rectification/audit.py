"""The audit trail: one row per write, saying who did what to which thing."""

from __future__ import annotations

import duckdb
import pandas as pd


def record(
    con: duckdb.DuckDBPyConnection, *, user: str, action: str, target: str | None = None, detail: str = ""
) -> None:
    """Append an audit row. Call inside the transaction of the write it describes."""
    con.execute(
        "insert into audit_log (user_name, action, target, detail) values (?, ?, ?, ?)",
        [user, action, target, detail],
    )


def entries(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute(
        "select audit_id, logged_at, user_name, action, target, detail from audit_log order by audit_id desc"
    ).df()
