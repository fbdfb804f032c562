"""Accounts, passwords, lock-out and sessions (rectification/auth.py) on a real store file."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from rectification.core import audit, store, tables
from rectification.workflow import auth

PASSWORD = "correct-horse-42"
T0 = datetime(2025, 4, 1, 9, 0, 0)


@pytest.fixture
def users_con(tmp_path):
    """A store with migrations only: accounts need no catalogue."""
    con = store.connect(tmp_path / "auth.duckdb")
    yield con
    con.close()


def audit_actions(con, username: str) -> list[tuple[str, str]]:
    rows = con.execute("select action, detail from audit_log where target = ? order by audit_id", [username]).fetchall()
    return [tuple(row) for row in rows]


def user_row(con, username: str):
    return con.execute(
        "select password_hash, failed_logins, locked_until, disabled, must_change_password from users where username = ?",
        [username],
    ).fetchone()


def test_create_user_stores_an_argon2id_hash_that_verifies(users_con):
    created = auth.create_user(users_con, "zhang", "editor", PASSWORD, display_name="张三", department="治安大队")
    assert created == auth.User("zhang", "张三", "治安大队", "editor", False)
    password_hash = user_row(users_con, "zhang")[0]
    assert password_hash.startswith("$argon2id$")
    assert PASSWORD not in password_hash
    assert auth.authenticate(users_con, "zhang", PASSWORD) == created
    assert audit_actions(users_con, "zhang")[0] == ("user_add", "新建用户，角色：填报")


def test_create_user_refuses_bad_input(users_con):
    auth.create_user(users_con, "zhang", "editor", PASSWORD)
    with pytest.raises(auth.AuthError, match="至少需要 8 个字符"):
        auth.create_user(users_con, "li", "editor", "short")
    with pytest.raises(auth.AuthError, match="角色应为"):
        auth.create_user(users_con, "li", "superuser", PASSWORD)
    with pytest.raises(auth.AuthError, match="用户名已存在"):
        auth.create_user(users_con, "zhang", "viewer", PASSWORD)
    with pytest.raises(auth.AuthError, match="用户名只能包含"):
        auth.create_user(users_con, "li si", "viewer", PASSWORD)
    assert auth.list_users(users_con).username.tolist() == ["zhang"]


def test_unknown_user_and_wrong_password_get_the_same_message(users_con):
    auth.create_user(users_con, "zhang", "editor", PASSWORD)
    with pytest.raises(auth.AuthError) as unknown:
        auth.authenticate(users_con, "nobody", PASSWORD)
    with pytest.raises(auth.AuthError) as wrong:
        auth.authenticate(users_con, "zhang", "not-the-password")
    assert str(unknown.value) == str(wrong.value) == "用户名或密码错误。"


def test_five_failures_lock_the_account_for_fifteen_minutes(users_con):
    auth.create_user(users_con, "zhang", "editor", PASSWORD)
    for attempt in range(1, 5):
        with pytest.raises(auth.AuthError, match="用户名或密码错误"):
            auth.authenticate(users_con, "zhang", "wrong-password", now=T0)
        assert user_row(users_con, "zhang")[1] == attempt
    with pytest.raises(auth.AuthError, match="账号已锁定至 09:15"):
        auth.authenticate(users_con, "zhang", "wrong-password", now=T0)
    assert user_row(users_con, "zhang")[2] == T0 + timedelta(minutes=15)

    # Locked: even the right password is refused until the 15 minutes are over.
    with pytest.raises(auth.AuthError, match="账号已锁定"):
        auth.authenticate(users_con, "zhang", PASSWORD, now=T0 + timedelta(minutes=14, seconds=59))
    user = auth.authenticate(users_con, "zhang", PASSWORD, now=T0 + timedelta(minutes=15, seconds=1))
    assert user.username == "zhang"
    assert user_row(users_con, "zhang")[1:3] == (0, None)
    actions = [action for action, _ in audit_actions(users_con, "zhang")]
    assert actions == ["user_add"] + ["login_failed"] * 4 + ["lockout", "login_failed"]


def test_a_success_resets_the_failure_count(users_con):
    auth.create_user(users_con, "zhang", "editor", PASSWORD)
    for _ in range(4):
        with pytest.raises(auth.AuthError):
            auth.authenticate(users_con, "zhang", "wrong-password", now=T0)
    auth.authenticate(users_con, "zhang", PASSWORD, now=T0)
    # Four more failures do not lock: the count started again.
    for _ in range(4):
        with pytest.raises(auth.AuthError, match="用户名或密码错误"):
            auth.authenticate(users_con, "zhang", "wrong-password", now=T0)
    assert user_row(users_con, "zhang")[1:3] == (4, None)


def test_a_disabled_user_is_refused_and_loses_their_sessions(users_con):
    auth.create_user(users_con, "admin", "admin", PASSWORD)
    auth.create_user(users_con, "zhang", "editor", PASSWORD)
    token = auth.start_session(users_con, "zhang", now=T0)
    auth.disable_user(users_con, "zhang", actor="admin", now=T0)
    with pytest.raises(auth.AuthError, match="该账号已停用"):
        auth.authenticate(users_con, "zhang", PASSWORD, now=T0)
    # A wrong password on a disabled account says nothing about the account.
    with pytest.raises(auth.AuthError, match="用户名或密码错误"):
        auth.authenticate(users_con, "zhang", "wrong-password", now=T0)
    assert auth.session_user(users_con, token, now=T0) is None
    auth.enable_user(users_con, "zhang", actor="admin")
    assert auth.authenticate(users_con, "zhang", PASSWORD, now=T0).username == "zhang"


def test_the_last_admin_cannot_be_disabled_or_demoted(users_con):
    auth.create_user(users_con, "admin", "admin", PASSWORD)
    with pytest.raises(auth.AuthError, match="唯一可用的管理员"):
        auth.disable_user(users_con, "admin", actor="admin")
    with pytest.raises(auth.AuthError, match="唯一可用的管理员"):
        auth.set_role(users_con, "admin", "editor", actor="admin")
    auth.create_user(users_con, "admin2", "admin", PASSWORD)
    auth.set_role(users_con, "admin", "editor", actor="admin2")
    assert auth.get_user(users_con, "admin").role == "editor"
    assert auth.active_admin_count(users_con) == 1


def test_a_session_expires_after_the_idle_timeout(users_con):
    auth.create_user(users_con, "zhang", "viewer", PASSWORD)
    token = auth.start_session(users_con, "zhang", now=T0)
    assert auth.session_user(users_con, token, 30, now=T0 + timedelta(minutes=29)).username == "zhang"
    # Being seen at 09:29 keeps it alive until 09:59.
    assert auth.session_user(users_con, token, 30, now=T0 + timedelta(minutes=58)).username == "zhang"
    assert auth.session_user(users_con, token, 30, now=T0 + timedelta(minutes=89)) is None
    # Once ended it stays ended, whatever the clock says.
    assert auth.session_user(users_con, token, 30, now=T0 + timedelta(minutes=89, seconds=1)) is None
    assert audit_actions(users_con, "zhang")[-1] == ("session_expired", "闲置超过 30 分钟，会话结束")


def test_the_idle_timeout_comes_from_the_setting(users_con, monkeypatch):
    monkeypatch.setenv("RECTIFICATION_SESSION_IDLE_MINUTES", "5")
    auth.create_user(users_con, "zhang", "viewer", PASSWORD)
    token = auth.start_session(users_con, "zhang", now=T0)
    assert auth.session_user(users_con, token, now=T0 + timedelta(minutes=4)) is not None
    assert auth.session_user(users_con, token, now=T0 + timedelta(minutes=10)) is None


def test_logout_ends_the_session(users_con):
    auth.create_user(users_con, "zhang", "viewer", PASSWORD)
    token = auth.start_session(users_con, "zhang")
    assert auth.session_user(users_con, token).username == "zhang"
    auth.end_session(users_con, token)
    assert auth.session_user(users_con, token) is None
    assert auth.session_user(users_con, "a-made-up-token") is None
    assert [action for action, _ in audit_actions(users_con, "zhang")] == ["user_add", "login", "logout"]


def test_signing_in_and_out_keeps_the_pages_caches(users_con):
    """Sign-in bookkeeping is audited but does not mark the store changed: every cached page would
    otherwise recompute at each sign-in. (The audit log page reads afresh: test_access_pages.)"""
    auth.create_user(users_con, "zhang", "viewer", PASSWORD)
    version = store.data_version(users_con)
    with pytest.raises(auth.AuthError):
        auth.authenticate(users_con, "zhang", "wrong-password", now=T0)
    with pytest.raises(auth.AuthError):
        auth.authenticate(users_con, "nobody", PASSWORD, now=T0)
    auth.authenticate(users_con, "zhang", PASSWORD, now=T0)
    token = auth.start_session(users_con, "zhang", now=T0)
    auth.session_user(users_con, token, now=T0 + timedelta(minutes=5))
    auth.end_session(users_con, token)
    assert store.data_version(users_con) == version
    assert [action for action, _ in audit_actions(users_con, "zhang")] == [
        "user_add",
        "login_failed",
        "login",
        "logout",
    ]
    auth.set_role(users_con, "zhang", "editor", actor="admin")  # an account change is a change
    assert store.data_version(users_con) > version


def test_the_session_token_itself_is_not_stored(users_con):
    auth.create_user(users_con, "zhang", "viewer", PASSWORD)
    token = auth.start_session(users_con, "zhang")
    stored = users_con.execute("select token_hash from sessions").fetchall()
    assert len(stored) == 1 and token not in stored[0][0]


def test_a_reset_sets_must_change_and_ends_sessions_until_the_user_changes_it(users_con):
    auth.create_user(users_con, "admin", "admin", PASSWORD)
    auth.create_user(users_con, "zhang", "editor", PASSWORD)
    token = auth.start_session(users_con, "zhang")
    auth.set_password(users_con, "zhang", "temporary-123", actor="admin", must_change=True)
    assert auth.session_user(users_con, token) is None
    user = auth.authenticate(users_con, "zhang", "temporary-123")
    assert user.must_change_password
    auth.set_password(users_con, "zhang", "my-own-choice-9", actor="zhang")
    assert not auth.authenticate(users_con, "zhang", "my-own-choice-9").must_change_password
    with pytest.raises(auth.AuthError):
        auth.authenticate(users_con, "zhang", PASSWORD)
    assert [action for action, _ in audit_actions(users_con, "zhang")][-3:] == [
        "password_reset",
        "password_change",
        "login_failed",
    ]


def test_roles_are_ordered_viewer_editor_admin_with_reviewer_beside_editor_and_the_office_reads_only():
    viewer, editor, reviewer, admin, office = (auth.User(r, None, None, r) for r in auth.ROLES)
    everyone = (viewer, editor, reviewer, admin, office)
    assert [auth.has_role(u, "editor") for u in everyone] == [False, True, False, True, False]
    assert [auth.has_role(u, "reviewer") for u in everyone] == [False, False, True, True, False]
    assert [auth.can_review(u) for u in everyone] == [False, False, True, True, False]
    assert [auth.can_plan(u) for u in everyone] == [False, False, True, True, False]
    assert [auth.has_role(u, "admin") for u in everyone] == [False, False, False, True, False]
    assert all(auth.has_role(u, "viewer") for u in everyone)
    assert not auth.has_role(None, "viewer")
    assert [auth.ROLE_LABELS[r] for r in auth.ROLES] == ["查看", "填报", "审核", "管理", "市局整改办"]


def test_leads_means_an_editor_of_that_department_or_an_admin():
    def user(role, department=None):
        return auth.User("u", None, department, role)

    assert auth.leads(user("editor", "交警大队"), "交警大队")
    assert not auth.leads(user("editor", "治安大队"), "交警大队")
    assert not auth.leads(user("editor"), "交警大队")
    assert not auth.leads(user("reviewer", "交警大队"), "交警大队")
    assert auth.leads(user("admin"), "交警大队")
    assert not auth.leads(None, "交警大队")


def test_list_users_never_carries_the_hash(users_con):
    auth.create_user(users_con, "zhang", "editor", PASSWORD)
    frame = auth.list_users(users_con)
    assert "password_hash" not in frame.columns
    assert not frame.astype(str).apply(lambda column: column.str.contains("argon2")).any().any()


def store_bytes(path: Path) -> bytes:
    wal = path.with_name(path.name + ".wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def test_no_password_appears_in_the_store_files(tmp_path):
    path = tmp_path / "secret.duckdb"
    first, second = "Zq9-蓝色灯塔-Password-7781", "Xk4-第二个口令-Changed-5523"
    # A control string stored in plain text, to show the byte search would find a password if one were there.
    control = "Control-明文-Marker-9931"
    con = store.connect(path)
    auth.create_user(con, "zhang", "editor", first, display_name=control)
    auth.authenticate(con, "zhang", first)
    auth.set_password(con, "zhang", second, actor="zhang")
    auth.authenticate(con, "zhang", second)
    while_open = store_bytes(path)
    con.close()
    after_close = store_bytes(path)

    for data in (while_open, after_close):
        assert control.encode("utf-8") in data
        for secret in (first, second):
            assert secret.encode("utf-8") not in data
            assert secret.encode("utf-16-le") not in data
            assert b"Password-7781" not in data and "第二个口令".encode() not in data


def test_the_audit_export_has_chinese_headers_and_action_names(users_con):
    auth.create_user(users_con, "zhang", "editor", PASSWORD, actor="admin")
    token = auth.start_session(users_con, "zhang")
    auth.end_session(users_con, token)
    table = audit.readable(audit.entries(users_con))
    data = tables.to_csv_bytes(table.drop(columns=["时间"]))
    assert data.decode("utf-8-sig").splitlines() == [
        "序号,用户,操作,对象,说明",
        "3,zhang,退出登录,zhang,退出登录",
        "2,zhang,登录,zhang,登录",
        "1,admin,新建用户,zhang,新建用户，角色：填报",
    ]
