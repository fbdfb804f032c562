"""The whole content of a store as plain rows, to prove a refused operation changed nothing."""

from __future__ import annotations

import duckdb

# What a transaction that wrote nothing still bumps (a cache refresh, not a change of content).
CHANGE_MARKERS = {"data_version", "programme_change"}


def store_snapshot(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    """Every base table's rows in every schema of the store (store-wide and each rectification's),
    sorted, keyed by schema.table, the change markers left out."""
    tables = [
        (schema, name)
        for schema, name in con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_type = 'BASE TABLE' and table_catalog = current_database() order by 1, 2"
        ).fetchall()
        if name not in CHANGE_MARKERS
    ]
    # Schema and table names come from the catalog, not from users.
    return {
        f"{schema}.{name}": sorted(
            con.execute(f'select * from "{schema}"."{name}"').fetchall(),  # noqa: S608
            key=repr,
        )
        for schema, name in tables
    }
