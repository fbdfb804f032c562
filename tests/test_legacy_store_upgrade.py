"""A store written by the last release that held one rectification (tests/fixtures/legacy/v14-full,
made by that release with uploads, a closure with evidence, a pending request, an extension and
users of every role) upgrades in place: its rectification becomes the store's first, every row and
file kept, nothing renumbered, and the numbering goes on where it stopped."""

from __future__ import annotations

import duckdb
import pytest

from rectification import ingest
from rectification.core import programme, store
from rectification.core.months import to_date
from rectification.workflow import auth, closure
from support import TEST_PASSWORD, legacy_store

STORE_WIDE = {"schema_version", "users", "sessions", "audit_log", "evidence_blobs", "data_version", "programme"}


def rows_by_table(con: duckdb.DuckDBPyConnection, schema: str) -> dict[str, tuple[list[str], list[tuple]]]:
    """Each base table of `schema`: its columns and its rows, sorted."""
    tables = con.execute(
        "select table_name from information_schema.tables where table_schema = ? and table_type = 'BASE TABLE'"
        " and table_catalog = current_database()",
        [schema],
    ).fetchall()
    found = {}
    for (table,) in tables:
        columns = [
            c
            for (c,) in con.execute(
                "select column_name from information_schema.columns where table_schema = ? and table_name = ?"
                " and table_catalog = current_database() order by ordinal_position",
                [schema, table],
            ).fetchall()
        ]
        found[table] = (columns, sorted(con.execute(f'select * from "{schema}"."{table}"').fetchall(), key=repr))  # noqa: S608
    return found


def the_same_columns(con, schema: str, table: str, columns: list[str]) -> list[tuple]:
    listed = ", ".join(f'"{c}"' for c in columns)
    return sorted(con.execute(f'select {listed} from "{schema}"."{table}"').fetchall(), key=repr)  # noqa: S608


@pytest.fixture
def upgraded(tmp_path):
    path = legacy_store(tmp_path, "v14-full")
    raw = duckdb.connect(str(path), read_only=True)
    before = rows_by_table(raw, "main")
    raw.close()
    con = store.connect(path)
    yield con, before
    con.close()


def test_every_row_of_the_old_store_is_kept(upgraded):
    con, before = upgraded
    assert programme.current(con).schema_name == "p1" and store.programme_codes(con) == ["HL-XC-2024"]
    for table, (columns, rows) in before.items():
        if table == "data_version":
            continue
        schema = "main" if table in STORE_WIDE else "p1"
        now = the_same_columns(con, schema, table, columns)
        if table == "audit_log":  # the upgrade adds nothing: the old rows come first, unchanged
            assert now[: len(rows)] == rows, table
        elif table == "schema_version":
            assert set(rows) <= set(now)
        else:
            assert now == rows, table
    # The old tables left schema main: a query in it no longer finds another rectification's rows.
    left = {
        t
        for (t,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'main' and table_catalog = current_database()"
        ).fetchall()
    }
    assert not left & (set(before) - STORE_WIDE)


def test_what_people_entered_reads_as_before(upgraded):
    con, _ = upgraded
    value = con.execute(
        "select value from current_observations where metric_code = 'F17_RENTAL_INSPECTIONS' and month = ?",
        [to_date("2025-04")],
    ).fetchone()
    assert value == (12,)
    note = con.execute(
        "select note from current_finding_status where finding_code = 'F03' and month = ?",
        [to_date("2025-04")],
    ).fetchone()
    assert note == ("路口改造过半（原样保存：ＡＢＣ　１２）",)  # free text exactly as typed, full-width and all
    states = closure.states(con).set_index("finding_code")
    assert (states.closure_state["F03"], states.closure_state["F16"]) == ("已销号", "待审核")
    assert bool(states.extension_pending["F04"]) and str(states.deadline["F04"]) == "2025-06-30"
    files = con.execute("select count(*) from evidence_files f join evidence_blobs b using (sha256)").fetchone()
    assert files == (2,)  # each evidence file still has its bytes
    assert auth.authenticate(con, "jiaojing", TEST_PASSWORD).department == "交警大队"


def test_the_numbering_goes_on_where_it_stopped(upgraded):
    con, before = upgraded
    last = max(row[before["uploads"][0].index("upload_id")] for row in before["uploads"][1])
    figures = "月份,指标编码,数值\n2025-05,F17_RENTAL_INSPECTIONS,3\n"
    ingest.import_file(con, figures.encode("utf-8"), "五月.csv", user="jiaojing")
    assert con.execute("select max(upload_id) from uploads").fetchone() == (last + 1,)
