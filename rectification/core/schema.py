"""sql/schema.sql: the schema after every migration, as DuckDB describes it, for reading in one place.

Regenerate with `make schema` (or `python -m rectification.core.schema`); tests/test_schema_file.py
fails when the committed file and the migrations drift apart."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import duckdb

from rectification.core import store
from rectification.core.config import SQL_DIR

SCHEMA_FILE = SQL_DIR / "schema.sql"

HEADER = """\
-- GENERATED FILE, do not edit: the store's schema after every migration in sql/migrations/ and
-- sql/programme/, as DuckDB describes it (duckdb_sequences, duckdb_tables, duckdb_functions,
-- duckdb_views, duckdb_indexes). Regenerate with `make schema` (python -m rectification.core.schema)
-- after adding a migration; tests/test_schema_file.py fails when this file is stale. For reading: the
-- migrations build the store.
--
-- Part 1 is schema main: the store's own tables. Part 2 is the schema every rectification has (p1,
-- p2, …), named by its programme row.
"""
PROGRAMME_PART = """
-- ==================================================================================================
-- Part 2: a rectification's schema (p1, p2, …), from sql/programme/
-- ==================================================================================================
"""


def _split_top_level(body: str) -> list[str]:
    """The comma-separated items of a column list, leaving commas inside brackets and quotes alone."""
    items, depth, quote, start = [], 0, None, 0
    for at, char in enumerate(body):
        if quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "," and depth == 0:
            items.append(body[start:at].strip())
            start = at + 1
    items.append(body[start:].strip())
    return items


def _one_column_a_line(create_table: str) -> str:
    """DuckDB writes a table on one line; a column (or constraint) a line reads better."""
    head, _, rest = create_table.partition("(")
    body = rest.rstrip().removesuffix(";").removesuffix(")")
    lines = ",\n".join(f"    {item}" for item in _split_top_level(body))
    return f"{head}(\n{lines}\n);"


def _section(title: str, statements: list[str]) -> str:
    if not statements:
        return ""
    return f"\n-- {title}\n\n" + "\n\n".join(statements) + "\n"


def describe(con: duckdb.DuckDBPyConnection, schema: str = "main") -> str:
    """The DuckDB schema `schema` of the store behind `con`, in a fixed order (kind, then name)."""

    def rows(sql: str) -> list[tuple]:
        return con.execute(sql.replace("schema_name = 'main'", "schema_name = ?"), [schema]).fetchall()

    sequences = rows(
        "select sql from duckdb_sequences()"
        " where database_name = current_database() and schema_name = 'main' order by sequence_name"
    )
    tables = rows(
        "select sql from duckdb_tables()"
        " where database_name = current_database() and schema_name = 'main' order by table_name"
    )
    macros = rows(
        "select function_name, parameters, macro_definition from duckdb_functions()"
        " where database_name = current_database() and schema_name = 'main' and not internal"
        " and function_type = 'macro' order by function_name"
    )
    views = rows(
        "select sql from duckdb_views()"
        " where database_name = current_database() and schema_name = 'main' and not internal order by view_name"
    )
    indexes = rows(
        "select sql from duckdb_indexes()"
        " where database_name = current_database() and schema_name = 'main' order by table_name, index_name"
    )
    return (
        _section("Sequences", [sql for (sql,) in sequences])
        + _section("Tables", [_one_column_a_line(sql) for (sql,) in tables])
        + _section("Macros", [f"CREATE MACRO {name}({', '.join(params)}) AS {body};" for name, params, body in macros])
        + _section("Views", [sql for (sql,) in views])
        + _section("Indexes", [sql for (sql,) in indexes if sql])
    )


def generate() -> str:
    """Build a fresh store in a temporary folder, migrate it, and describe it."""
    with tempfile.TemporaryDirectory() as folder:
        con = store.connect(Path(folder) / "schema.duckdb")
        try:
            with store.transaction(con, bump=False):
                store.build_programme_schema(con, "p1")
            return HEADER + describe(con, "main") + PROGRAMME_PART + describe(con, "p1")
        finally:
            con.close()


def main() -> None:
    SCHEMA_FILE.write_text(generate(), encoding="utf-8")
    print(f"wrote {SCHEMA_FILE.relative_to(SQL_DIR.parent)}", file=sys.stderr)


if __name__ == "__main__":
    main()
