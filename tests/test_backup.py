"""Backup to one file and restore in place (rectification/backup.py), on real store files."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from rectification.core import backup, store
from rectification.workflow import auth

PASSWORD = "correct-horse-42"
ROOT = Path(__file__).resolve().parents[1]


def table_rows(con, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


def test_a_backup_is_one_file_holding_the_whole_store(con, tmp_path):
    auth.create_user(con, "admin", "admin", PASSWORD)
    out = backup.create_backup(con, tmp_path / "b.duckdb", actor="admin")
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("b.")) == ["b.duckdb"]
    copy = duckdb.connect(str(out), read_only=True)
    # Every rectification's tables (schemas p1, p2) and the store's own (main).
    tables = ["p1.findings", "p1.metrics", "p1.uploads", "p1.observations", "p2.findings", "p2.uploads", "main.users"]
    for table in tables:
        sql = f"select count(*) from {table}"
        assert copy.execute(sql).fetchone() == con.execute(sql).fetchone(), table
    copy.close()
    info = backup.inspect_backup(out)
    assert (info.users, info.admins, info.schema_version, info.programmes) == (1, 1, store.schema_version(con), 2)
    assert (
        info.findings
        == con.execute("select count(*) from p1.findings").fetchone()[0]
        + con.execute("select count(*) from p2.findings").fetchone()[0]
    )
    assert table_rows(con, "select user_name, action from audit_log where action = 'backup'") == [("admin", "backup")]


def test_the_default_backup_goes_beside_the_store(con, store_path):
    out = backup.create_backup(con, actor="admin")
    assert out.parent == store_path.parent / "backups"
    assert backup.list_backups(con) == [out]


def test_restore_brings_back_the_backup_and_keeps_a_safety_copy(con, tmp_path):
    auth.create_user(con, "admin", "admin", PASSWORD)
    before = table_rows(con, "select * from observations order by all")
    out = backup.create_backup(con, tmp_path / "b.duckdb", actor="admin")

    auth.create_user(con, "later", "viewer", PASSWORD)
    con.execute("delete from observations")
    info, safety = backup.restore_backup(con, out, actor="admin")

    assert table_rows(con, "select * from observations order by all") == before
    assert auth.list_users(con).username.tolist() == ["admin"]
    assert info.users == 1
    # The safety copy holds the store as it was just before the restore.
    assert safety.name.startswith("before-restore-")
    assert backup.inspect_backup(safety).users == 2
    last = table_rows(con, "select user_name, action, target from audit_log order by audit_id desc limit 1")
    assert last == [("admin", "restore", "b.duckdb")]
    # New rows after a restore get fresh ids: the sequences moved on past the restored rows.
    auth.create_user(con, "after", "viewer", PASSWORD)
    ids = [row[0] for row in table_rows(con, "select audit_id from audit_log")]
    assert len(ids) == len(set(ids))


def test_restore_keeps_the_signed_in_sessions_of_the_current_store(con, tmp_path):
    auth.create_user(con, "admin", "admin", PASSWORD)
    out = backup.create_backup(con, tmp_path / "b.duckdb", actor="admin")
    token = auth.start_session(con, "admin")
    backup.restore_backup(con, out, actor="admin")
    assert auth.session_user(con, token).username == "admin"


def test_restore_refuses_a_file_that_is_not_a_store_and_changes_nothing(con, tmp_path):
    before = table_rows(con, "select count(*) from observations")
    other = tmp_path / "other.duckdb"
    foreign = duckdb.connect(str(other))
    foreign.execute("create table t (x integer)")
    foreign.close()
    text = tmp_path / "text.duckdb"
    text.write_bytes("月份,指标编码\n".encode())
    for path, message in [(other, "缺少版本表"), (text, "不是本系统的数据库备份文件")]:
        with pytest.raises(backup.BackupError, match=message):
            backup.restore_backup(con, path, actor="admin")
    assert table_rows(con, "select count(*) from observations") == before
    assert backup.list_backups(con) == []  # refused before any safety copy was made


def test_restore_refuses_a_backup_from_a_newer_version(con, tmp_path):
    out = backup.create_backup(con, tmp_path / "b.duckdb", actor="admin")
    newer = duckdb.connect(str(out))
    newer.execute("insert into schema_version (version, name) values (999, 'future')")
    newer.close()
    with pytest.raises(backup.BackupError, match="更新版本"):
        backup.restore_backup(con, out, actor="admin")


def test_an_older_backup_is_migrated_before_it_is_restored(con, tmp_path):
    out = backup.create_backup(con, tmp_path / "b.duckdb", actor="admin")
    # Make it look like a backup taken before accounts existed (before migration 003).
    older = duckdb.connect(str(out))
    older.execute("drop table users; drop table sessions; delete from schema_version where version = 3")
    older.close()
    assert backup.inspect_backup(out).users == 0
    auth.create_user(con, "admin", "admin", PASSWORD)
    backup.restore_backup(con, out, actor="admin")
    assert auth.list_users(con).empty
    assert store.schema_version(con) == max(number for number, _, _ in store.migrations())


def test_the_backup_page_backs_up_and_restores(store_path):
    from streamlit.testing.v1 import AppTest

    from support import login

    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    login(at, store_path, "admin")
    at.run()
    at.switch_page("ui/views/backup.py").run()
    assert [i.value for i in at.info] == ["服务器上还没有备份。"]
    at.button(key="backup_now").click().run()
    made = at.selectbox(key="backup_choice").value
    assert [s.value for s in at.success] == [f"已备份：{made}"]
    assert (store_path.parent / "backups" / made).is_file()

    con = store.connect(store_path)
    con.execute("delete from observations")
    con.close()
    at.run()
    assert at.radio[0].value == "服务器上的备份"
    assert at.main.text[-1].value.startswith("备份内容：整改问题 ")
    assert at.button(key="restore_button").disabled  # not before the confirmation is ticked
    at.checkbox(key="restore_confirm").check().run()
    at.button(key="restore_button").click().run()
    assert not at.exception
    assert at.success[0].value.startswith(f"已从 {made} 恢复。恢复前的数据已备份为 before-restore-")
    con = store.connect(store_path)
    assert con.execute("select count(*) from observations").fetchone()[0] > 0
    last = con.execute("select user_name, action from audit_log order by audit_id desc limit 1").fetchone()
    con.close()
    assert last == ("test_admin", "restore")
