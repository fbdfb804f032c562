"""The whole content of a store as plain rows, to prove a refused operation changed nothing."""

from __future__ import annotations

import duckdb


def store_snapshot(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    """Every base table's rows, sorted, keyed by table name. The change marker data_version is left
    out: a transaction that wrote nothing still bumps it (a cache refresh, not a change of content)."""
    tables = [
        row[0]
        for row in con.execute(
            "select table_name from information_schema.tables where table_type = 'BASE TABLE' order by 1"
        ).fetchall()
        if row[0] != "data_version"
    ]
    # Table names come from the catalog, not from users.
    return {t: sorted(con.execute(f'select * from "{t}"').fetchall(), key=repr) for t in tables}  # noqa: S608
