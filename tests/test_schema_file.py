"""sql/schema.sql is the schema the migrations build today (it is generated; nobody edits it by hand)."""

from rectification.core import schema, store


def test_schema_file_matches_the_migrations(tmp_path):
    con = store.connect(tmp_path / "fresh.duckdb")
    try:
        described = schema.describe(con)
    finally:
        con.close()
    committed = schema.SCHEMA_FILE.read_text(encoding="utf-8") if schema.SCHEMA_FILE.exists() else ""
    assert described == committed, "sql/schema.sql is stale: run make schema (python -m rectification.core.schema)"


def test_generate_builds_the_same_text_as_a_fresh_store(tmp_path):
    con = store.connect(tmp_path / "fresh.duckdb")
    try:
        assert schema.generate() == schema.describe(con)
    finally:
        con.close()
