"""sql/schema.sql is the schema the migrations build today (it is generated; nobody edits it by hand)."""

import re

from rectification.cli.bootstrap import initialise
from rectification.core import schema, store


def test_schema_file_matches_the_migrations():
    committed = schema.SCHEMA_FILE.read_text(encoding="utf-8") if schema.SCHEMA_FILE.exists() else ""
    assert schema.generate() == committed, (
        "sql/schema.sql is stale: run make schema (python -m rectification.core.schema)"
    )


def test_a_store_built_by_init_has_the_schema_the_file_describes(tmp_path):
    con = store.connect(tmp_path / "built.duckdb")
    try:
        initialise(con, sample=False)
        assert store.programme_schemas(con) == ["p1"]
        described = schema.HEADER + schema.describe(con, "main") + schema.PROGRAMME_PART + schema.describe(con, "p1")
    finally:
        con.close()

    # A sequence's START is where it stands: init has taken numbers.
    def unnumbered(text: str) -> str:
        return re.sub(r"START \d+", "START n", text)

    assert unnumbered(described) == unnumbered(schema.generate())
