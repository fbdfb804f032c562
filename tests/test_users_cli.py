"""`python -m rectification users …`, `backup` and `restore`: exit codes, messages, what lands in the store."""

from __future__ import annotations

import csv
import getpass
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from rectification import cli
from rectification.core import store
from rectification.workflow import auth

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "correct-horse-42"


def run_cli(*args: str, db: Path, stdin: str | None = None) -> subprocess.CompletedProcess:
    """The CLI as an administrator runs it: a real process, text in and out."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "rectification", *args, "--db", str(db)]
    return subprocess.run(command, cwd=ROOT, env=env, input=stdin, capture_output=True, text=True, timeout=120)


@pytest.fixture
def db(tmp_path) -> Path:
    return tmp_path / "users.duckdb"


def stored_users(db: Path) -> list[tuple]:
    con = store.connect(db)
    try:
        return con.execute(
            "select username, display_name, department, role, disabled, must_change_password from users order by 1"
        ).fetchall()
    finally:
        con.close()


def test_status_explains_how_to_create_the_first_admin(db):
    result = run_cli("users", "status", db=db)
    assert result.returncode == 0
    assert "尚无可用的管理员账号" in result.stdout
    assert "python -m rectification users add admin --role admin" in result.stdout


def test_add_with_password_stdin_then_status_counts(db):
    result = run_cli(
        "users",
        "add",
        "wang",
        "--role",
        "admin",
        "--display-name",
        "王局",
        "--department",
        "指挥中心",
        "--password-stdin",
        db=db,
        stdin=PASSWORD + "\n",
    )
    assert (result.returncode, result.stdout.strip(), result.stderr) == (0, "已创建用户 wang（管理）", "")
    assert stored_users(db) == [("wang", "王局", "指挥中心", "admin", False, False)]
    con = store.connect(db)
    assert auth.authenticate(con, "wang", PASSWORD).role == "admin"
    con.close()

    status = run_cli("users", "status", db=db)
    assert (status.returncode, status.stdout.strip()) == (0, "用户 1 个，其中可用管理员 1 个。")


def test_add_refuses_a_duplicate_a_short_password_and_an_unknown_role(db):
    assert run_cli("users", "add", "li", "--role", "editor", "--password-stdin", db=db, stdin=PASSWORD).returncode == 0
    duplicate = run_cli("users", "add", "li", "--role", "viewer", "--password-stdin", db=db, stdin=PASSWORD)
    assert (duplicate.returncode, duplicate.stderr.strip()) == (1, "用户名已存在：li")
    short = run_cli("users", "add", "zhao", "--role", "viewer", "--password-stdin", db=db, stdin="abc\n")
    assert (short.returncode, short.stderr.strip()) == (1, "密码至少需要 8 个字符。")
    bad_role = run_cli("users", "add", "zhao", "--role", "boss", "--password-stdin", db=db, stdin=PASSWORD)
    assert bad_role.returncode == 2 and "invalid choice: 'boss'" in bad_role.stderr
    assert [row[0] for row in stored_users(db)] == ["li"]


def test_a_password_is_never_accepted_as_an_argument(db):
    result = run_cli("users", "add", "li", "--role", "editor", "--password", PASSWORD, db=db)
    assert result.returncode == 2
    assert "unrecognized arguments" in result.stderr


def test_add_prompts_twice_and_refuses_a_mismatch(db, monkeypatch, capsys):
    typed = iter([PASSWORD, "something-else"])
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": next(typed))
    assert cli.main(["users", "add", "li", "--role", "editor", "--db", str(db)]) == 1
    assert "两次输入的密码不一致" in capsys.readouterr().err
    assert stored_users(db) == []

    typed = iter([PASSWORD, PASSWORD])
    assert cli.main(["users", "add", "li", "--role", "editor", "--must-change", "--db", str(db)]) == 0
    assert stored_users(db) == [("li", None, None, "editor", False, True)]


def test_list_is_csv_without_any_hash(db):
    run_cli(
        "users", "add", "li", "--role", "editor", "--display-name", "李四", "--password-stdin", db=db, stdin=PASSWORD
    )
    result = run_cli("users", "list", db=db)
    assert result.returncode == 0
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["username"], r["display_name"], r["role"], r["disabled"]) for r in rows] == [
        ("li", "李四", "填报", "False")
    ]
    assert "argon2" not in result.stdout and "password_hash" not in result.stdout


def test_disable_then_the_user_cannot_sign_in(db):
    run_cli("users", "add", "li", "--role", "editor", "--password-stdin", db=db, stdin=PASSWORD)
    result = run_cli("users", "disable", "li", db=db)
    assert (result.returncode, result.stdout.strip()) == (0, "已停用用户 li，其登录会话已结束")
    again = run_cli("users", "disable", "li", db=db)
    assert (again.returncode, again.stderr.strip()) == (1, "该用户已停用：li")
    missing = run_cli("users", "disable", "nobody", db=db)
    assert (missing.returncode, missing.stderr.strip()) == (1, "没有这个用户：nobody")
    con = store.connect(db)
    with pytest.raises(auth.AuthError, match="已停用"):
        auth.authenticate(con, "li", PASSWORD)
    con.close()


def test_passwd_sets_a_new_password_and_clears_a_lock(db):
    run_cli("users", "add", "li", "--role", "editor", "--password-stdin", db=db, stdin=PASSWORD)
    con = store.connect(db)
    for _ in range(5):
        with pytest.raises(auth.AuthError):
            auth.authenticate(con, "li", "wrong-password")
    con.close()
    result = run_cli("users", "passwd", "li", "--password-stdin", "--must-change", db=db, stdin="brand-new-pass-1\n")
    assert (result.returncode, result.stdout.strip()) == (0, "已为 li 设置新密码（下次登录须修改）")
    con = store.connect(db)
    assert auth.authenticate(con, "li", "brand-new-pass-1").must_change_password
    con.close()
    missing = run_cli("users", "passwd", "nobody", "--password-stdin", db=db, stdin="brand-new-pass-1\n")
    assert (missing.returncode, missing.stderr.strip()) == (1, "没有这个用户：nobody")


def test_every_users_command_is_audited(db):
    run_cli("users", "add", "li", "--role", "editor", "--password-stdin", db=db, stdin=PASSWORD)
    run_cli("users", "passwd", "li", "--password-stdin", db=db, stdin="brand-new-pass-1")
    run_cli("users", "disable", "li", db=db)
    con = store.connect(db)
    rows = con.execute("select user_name, action, target from audit_log order by audit_id").fetchall()
    con.close()
    assert rows == [("cli", "user_add", "li"), ("cli", "password_reset", "li"), ("cli", "user_disable", "li")]


def test_backup_and_restore_through_the_cli(store_path, tmp_path):
    out = tmp_path / "copy.duckdb"
    result = run_cli("backup", "--out", str(out), db=store_path)
    assert (result.returncode, result.stdout.strip()) == (0, f"已备份到 {out}")
    exists = run_cli("backup", "--out", str(out), db=store_path)
    assert exists.returncode == 1 and "备份文件已存在" in exists.stderr

    run_cli("users", "add", "later", "--role", "viewer", "--password-stdin", db=store_path, stdin=PASSWORD)
    restored = run_cli("restore", str(out), db=store_path)
    assert restored.returncode == 0, restored.stderr
    assert restored.stdout.startswith(f"已从 {out} 恢复：整改问题 ")
    assert "恢复前的数据已备份到" in restored.stdout
    assert stored_users(store_path) == []  # the user added after the backup is gone

    not_a_store = tmp_path / "notes.duckdb"
    not_a_store.write_text("这不是数据库", encoding="utf-8")
    refused = run_cli("restore", str(not_a_store), db=store_path)
    assert (refused.returncode, refused.stderr.strip()) == (1, "这不是本系统的数据库备份文件，或文件已损坏。")
    missing = run_cli("restore", str(tmp_path / "missing.duckdb"), db=store_path)
    assert missing.returncode == 1 and "找不到文件" in missing.stderr
