"""Accounts, passwords and server-side sessions for an intranet without an identity provider."""

from __future__ import annotations

import functools
import hashlib
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

import duckdb
import pandas as pd
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from rectification.core import audit, config
from rectification.core import programme as programme_facts
from rectification.core.store import query, transaction
from rectification.core.vocabulary import ROLES

ROLE_LABELS = {"viewer": "查看", "editor": "填报", "reviewer": "审核", "admin": "管理", "office": "市局整改办"}
# What each role may do, as the roles it includes. A reviewer (审核, the 整改办) signs off closures,
# decides deadline extensions and records re-checks, but does not report figures: 审核 is not 填报.
_GRANTS = {
    "viewer": {"viewer"},
    "editor": {"viewer", "editor"},
    "reviewer": {"viewer", "reviewer"},
    "admin": set(ROLES) - {"office"},
    # The city office (市局整改办) reads every unit's rectifications and changes none of them.
    "office": {"viewer", "office"},
}

MAX_FAILED_LOGINS = 5
LOCK_MINUTES = 15
MIN_PASSWORD_LENGTH = 8
# Touch last_seen at most once a minute: every Streamlit rerun asks for the user.
TOUCH_SECONDS = 60
# Signing in and out (sessions, failure counts, their audit rows) commits with bump=False: no cached
# page reads those tables (the audit log and the user list are read afresh), and a sign-in should not
# make every page of every user recompute its data.

# Letters (Chinese included), digits and . _ - ; no spaces, so a name reads the same everywhere.
USERNAME_PATTERN = re.compile(r"^[\w.\-]{1,32}$")

WRONG_CREDENTIALS = "用户名或密码错误。"
DISABLED = "该账号已停用，请联系管理员。"

_hasher = PasswordHasher()  # argon2id with the library's current recommended cost


@functools.cache
def _dummy_hash() -> str:
    """Verified against when the username is unknown, so both failures take the same time. Made on
    the first such sign-in, not on import: an argon2 hash costs ~0.1 s, which every CLI command and
    the dashboard's first page would otherwise pay."""
    return _hasher.hash(secrets.token_urlsafe(16))


class AuthError(Exception):
    """A refused sign-in or account change; str() is a Chinese message fit to show the user."""


@dataclass(frozen=True)
class User:
    username: str
    display_name: str | None
    department: str | None
    role: str
    must_change_password: bool = False
    unit: str | None = None  # the unit whose rectifications the account sees; None: every unit's

    @property
    def is_store_wide(self) -> bool:
        """Sees every unit: the city office, and accounts of no one unit (the store's administrators)."""
        return self.role == "office" or not self.unit

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[self.role]

    @property
    def name(self) -> str:
        """What the UI shows: the display name, else the username."""
        return self.display_name or self.username


# What bootstrap.SYSTEM_USER wrote (the report's own figures, statuses and targets, the demo data) is
# shown as this, not as the login "system" (bootstrap imports nothing of auth, so its name is repeated here).
SYSTEM_LOGIN = "system"
SYSTEM_NAME = "系统（通报数据）"


def shown_names(con: duckdb.DuckDBPyConnection, logins) -> dict[str, str]:
    """Each login -> the name the interface shows for it: the account's display name, else the login
    itself (an account since deleted, or one without a display name); the system's as SYSTEM_NAME."""
    wanted = sorted({str(login) for login in logins if isinstance(login, str) and login})
    if not wanted:
        return {}
    rows = con.execute("select username, display_name from users where list_contains(?, username)", [wanted]).fetchall()
    names = {login: login for login in wanted} | {
        username: " ".join(display.split())
        for username, display in rows
        if isinstance(display, str) and display.strip()
    }
    if SYSTEM_LOGIN in names and names[SYSTEM_LOGIN] == SYSTEM_LOGIN:
        names[SYSTEM_LOGIN] = SYSTEM_NAME
    return names


def shown_name(con: duckdb.DuckDBPyConnection, login: str | None) -> str:
    """The name the interface shows for one login ("" for none)."""
    return shown_names(con, [login]).get(login, "") if isinstance(login, str) else ""


def has_role(user: User | None, minimum: str) -> bool:
    """True when `user` is signed in with a role that includes `minimum`: viewer < editor < admin and
    viewer < reviewer < admin, but an editor cannot review and a reviewer cannot report."""
    return user is not None and minimum in _GRANTS[user.role]


def can_review(user: User | None) -> bool:
    """Reviewers and admins sign off closures, decide extensions and record re-checks."""
    return has_role(user, "reviewer")


def can_plan(user: User | None) -> bool:
    """THE rule for the plan a finding is judged against (its deadline, responsible leader and lead
    department, and its metrics' targets), on 目标设置 and through `deadline set`: the 整改办's
    reviewers and admins. Targets go with deadlines: both set when 黄/红 and 逾期 begin."""
    return has_role(user, "reviewer")


def leads(user: User | None, department: str | None) -> bool:
    """An editor of the finding's lead department, or an admin: who may submit its closure or
    ask to extend its deadline."""
    if user is None:
        return False
    if user.role == "admin":
        return True
    return user.role == "editor" and bool(department) and user.department == department


def may_see(user: User | None, programme, *, anonymous_allowed: bool = False) -> bool:
    """THE rule for who sees a rectification (a core.programme.Programme): an account of its unit, an
    account of every unit (the city office, the store's administrators); a visitor who has not signed
    in only where viewing needs no sign-in (`anonymous_allowed`) and an administrator opened it."""
    if user is None:
        return anonymous_allowed and programme.open_to_network
    return user.is_store_wide or user.unit in (programme.unit, programme.unit_short)


def active_user(con: duckdb.DuckDBPyConnection, username: str) -> User:
    """The enabled account `username` that may act in the rectification the connection is in, or
    AuthError: every workflow step names a real person, and none reaches another unit's rectification."""
    row = con.execute(
        f"select {_USER_COLUMNS}, disabled from users where username = ?",  # noqa: S608 - a constant
        [username],
    ).fetchone()
    if row is None:
        raise AuthError(f"没有这个用户：{username}（请先用 users add 创建）")
    if row[-1]:
        raise AuthError(f"该用户已停用：{username}")
    user = _user(row[:-1])
    here = programme_facts.stored(con)
    if here is not None and not may_see(user, here):
        raise AuthError(f"无权操作：用户 {username} 属于「{user.unit}」，本整改事项属于「{here.unit}」。")
    return user


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _now(now: datetime | None) -> datetime:
    return now or datetime.now()


def check_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise AuthError(f"密码至少需要 {MIN_PASSWORD_LENGTH} 个字符。")


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise AuthError(f"角色应为 {' / '.join(ROLES)}（{'/'.join(ROLE_LABELS.values())}）之一：{role}")


_USER_COLUMNS = "username, display_name, department, role, must_change_password, unit"


def _user(row) -> User:
    """A User from the columns _USER_COLUMNS names, in that order."""
    return User(row[0], row[1], row[2], row[3], bool(row[4]), row[5])


def get_user(con: duckdb.DuckDBPyConnection, username: str) -> User | None:
    row = con.execute(
        f"select {_USER_COLUMNS} from users where username = ?",  # noqa: S608 - a constant
        [username],
    ).fetchone()
    return _user(row) if row else None


def check_may_manage(con: duckdb.DuckDBPyConnection, actor: str, unit: str | None, role: str | None = None) -> None:
    """THE rule for changing an account of `unit` (to `role`): whoever runs the command line on the
    server (an actor that is no account: cli, system) and an administrator of every unit may manage
    any account; an administrator of one unit only that unit's accounts, and never to the city
    office's role or to every unit (which would see beyond it). AuthError otherwise."""
    manager = get_user(con, actor)
    if manager is None:
        return
    if manager.role != "admin":
        raise AuthError(f"无权操作：管理账号须为管理员，{actor} 为「{manager.role_label}」。")
    if manager.is_store_wide:
        return
    if unit != manager.unit or role == "office":
        raise AuthError(f"无权操作：{actor} 只能管理本单位（{manager.unit}）的账号，且不能设为市局整改办角色。")


def check_may_add_programme(con: duckdb.DuckDBPyConnection, actor: str) -> None:
    """A new rectification (of any unit) is set up from the command line or by an administrator of
    every unit (as check_may_manage allows accounts of no one unit)."""
    manager = get_user(con, actor)
    if manager is not None and not (manager.role == "admin" and manager.is_store_wide):
        raise AuthError(f"无权操作：新建整改事项须由系统管理员（不属于具体单位的管理员）进行，{actor} 不是。")


def _check_may_manage_existing(con, actor: str, username: str, role: str | None = None) -> None:
    row = con.execute("select unit from users where username = ?", [username]).fetchone()
    if row is not None:
        check_may_manage(con, actor, row[0], role)


def create_user(
    con: duckdb.DuckDBPyConnection,
    username: str,
    role: str,
    password: str,
    *,
    display_name: str | None = None,
    department: str | None = None,
    actor: str = "cli",
    must_change_password: bool = False,
    unit: str | None = None,
) -> User:
    username = (username or "").strip()
    if not USERNAME_PATTERN.match(username):
        raise AuthError("用户名只能包含文字、数字和 . _ -，不超过 32 个字符，且不能有空格。")
    _check_role(role)
    check_password(password)
    check_may_manage(con, actor, unit, role)
    password_hash = hash_password(password)
    with transaction(con):
        if con.execute("select 1 from users where username = ?", [username]).fetchone():
            raise AuthError(f"用户名已存在：{username}")
        con.execute(
            "insert into users (username, display_name, department, role, password_hash, must_change_password, unit)"
            " values (?, ?, ?, ?, ?, ?, ?)",
            [username, display_name or None, department or None, role, password_hash, must_change_password, unit],
        )
        where = f"，单位：{unit}" if unit else ""
        audit.record(
            con, user=actor, action="user_add", target=username, detail=f"新建用户，角色：{ROLE_LABELS[role]}{where}"
        )
    return get_user(con, username)


def authenticate(con: duckdb.DuckDBPyConnection, username: str, password: str, *, now: datetime | None = None) -> User:
    """The user whose password this is, or AuthError. Failures are counted and audited; the
    5th in a row locks the account for 15 minutes."""
    now = _now(now)
    username = (username or "").strip()
    row = con.execute(
        "select password_hash, disabled, locked_until, failed_logins from users where username = ?", [username]
    ).fetchone()
    if row is None:
        _verify(_dummy_hash(), password or "")
        # The typed name is not recorded: people sometimes type their password into it.
        with transaction(con, bump=False):
            audit.record(con, user="-", action="login_failed", detail="未知用户名")
        raise AuthError(WRONG_CREDENTIALS)
    password_hash, disabled, locked_until, failed = row
    if locked_until is not None and locked_until > now:
        with transaction(con, bump=False):
            audit.record(con, user=username, action="login_failed", target=username, detail="账号锁定中")
        raise AuthError(_locked_message(locked_until))
    if not _verify(password_hash, password or ""):
        _count_failure(con, username, failed + 1, now)
    if disabled:
        with transaction(con, bump=False):
            audit.record(con, user=username, action="login_failed", target=username, detail="账号已停用")
        raise AuthError(DISABLED)
    with transaction(con, bump=False):
        con.execute("update users set failed_logins = 0, locked_until = null where username = ?", [username])
        if _hasher.check_needs_rehash(password_hash):
            con.execute("update users set password_hash = ? where username = ?", [hash_password(password), username])
    return get_user(con, username)


def _count_failure(con, username: str, failed: int, now: datetime) -> None:
    """Record a wrong password and raise; lock the account at the 5th."""
    locked_until = now + timedelta(minutes=LOCK_MINUTES) if failed >= MAX_FAILED_LOGINS else None
    with transaction(con, bump=False):
        if locked_until is None:
            con.execute("update users set failed_logins = ? where username = ?", [failed, username])
            audit.record(
                con, user=username, action="login_failed", target=username, detail=f"密码错误（第 {failed} 次）"
            )
        else:
            # The count starts again once the lock expires: 5 more tries, then another lock.
            con.execute(
                "update users set failed_logins = 0, locked_until = ? where username = ?", [locked_until, username]
            )
            audit.record(
                con,
                user=username,
                action="lockout",
                target=username,
                detail=f"连续 {failed} 次密码错误，锁定 {LOCK_MINUTES} 分钟",
            )
    if locked_until is not None:
        raise AuthError(_locked_message(locked_until))
    raise AuthError(WRONG_CREDENTIALS)


def _locked_message(locked_until: datetime) -> str:
    return f"登录失败次数过多，账号已锁定至 {locked_until:%H:%M}。请稍后再试，或请管理员重置密码。"


def start_session(con: duckdb.DuckDBPyConnection, username: str, *, now: datetime | None = None) -> str:
    """A new session for a user who has just authenticated; the token goes into the browser session."""
    now = _now(now)
    token = secrets.token_urlsafe(32)
    with transaction(con, bump=False):
        con.execute(
            "insert into sessions (token_hash, username, created_at, last_seen) values (?, ?, ?, ?)",
            [_token_hash(token), username, now, now],
        )
        audit.record(con, user=username, action="login", target=username, detail="登录")
    return token


def session_user(
    con: duckdb.DuckDBPyConnection,
    token: str | None,
    idle_minutes: int | None = None,
    *,
    now: datetime | None = None,
) -> User | None:
    """The user of a live session, or None (unknown, ended, idle too long, user disabled).
    A live session's last_seen is touched; an expired one is ended."""
    if not token:
        return None
    now = _now(now)
    idle = timedelta(minutes=config.session_idle_minutes() if idle_minutes is None else idle_minutes)
    key = _token_hash(token)
    row = con.execute(
        "select s.last_seen, u.disabled,"
        " u.username, u.display_name, u.department, u.role, u.must_change_password, u.unit"
        " from sessions s join users u on u.username = s.username"
        " where s.token_hash = ? and s.ended_at is null",
        [key],
    ).fetchone()
    if row is None:
        return None
    last_seen, disabled, user = row[0], row[1], _user(row[2:])
    if disabled or now - last_seen > idle:
        with transaction(con, bump=False):
            con.execute("update sessions set ended_at = ? where token_hash = ?", [now, key])
            detail = "账号已停用" if disabled else f"闲置超过 {int(idle.total_seconds() // 60)} 分钟，会话结束"
            audit.record(con, user=user.username, action="session_expired", target=user.username, detail=detail)
        return None
    if (now - last_seen).total_seconds() >= TOUCH_SECONDS:
        with transaction(con, bump=False):
            con.execute("update sessions set last_seen = ? where token_hash = ?", [now, key])
    return user


def end_session(con: duckdb.DuckDBPyConnection, token: str | None, *, now: datetime | None = None) -> None:
    """Log out: the session can no longer be used, even by someone who copied the token."""
    if not token:
        return
    key = _token_hash(token)
    with transaction(con, bump=False):
        row = con.execute("select username from sessions where token_hash = ? and ended_at is null", [key]).fetchone()
        if row is None:
            return
        con.execute("update sessions set ended_at = ? where token_hash = ?", [_now(now), key])
        audit.record(con, user=row[0], action="logout", target=row[0], detail="退出登录")


def _end_user_sessions(con, username: str, now: datetime) -> None:
    con.execute("update sessions set ended_at = ? where username = ? and ended_at is null", [now, username])


def set_password(
    con: duckdb.DuckDBPyConnection,
    username: str,
    password: str,
    *,
    actor: str = "cli",
    must_change: bool = False,
    now: datetime | None = None,
) -> None:
    """Set a new password and clear any lock-out, and end the user's sessions (whoever set it);
    `must_change` makes the user choose their own at the next sign-in."""
    check_password(password)
    if actor != username:
        _check_may_manage_existing(con, actor, username)
    password_hash = hash_password(password)
    with transaction(con):
        if not con.execute("select 1 from users where username = ?", [username]).fetchone():
            raise AuthError(f"没有这个用户：{username}")
        con.execute(
            "update users set password_hash = ?, must_change_password = ?, failed_logins = 0, locked_until = null"
            " where username = ?",
            [password_hash, must_change, username],
        )
        if actor == username:
            # Every sign-in of the account ends, this one too (the caller starts a new one): a copied
            # sign-in cookie stops working once the password is changed.
            _end_user_sessions(con, username, _now(now))
            audit.record(con, user=actor, action="password_change", target=username, detail="本人修改密码")
        else:
            _end_user_sessions(con, username, _now(now))
            detail = "重置密码" + ("，下次登录须修改" if must_change else "")
            audit.record(con, user=actor, action="password_reset", target=username, detail=detail)


def disable_user(
    con: duckdb.DuckDBPyConnection, username: str, *, actor: str = "cli", now: datetime | None = None
) -> None:
    """Disable an account and end its sessions; the row stays so the audit trail keeps its name."""
    _check_may_manage_existing(con, actor, username)
    with transaction(con):
        row = con.execute("select disabled from users where username = ?", [username]).fetchone()
        if row is None:
            raise AuthError(f"没有这个用户：{username}")
        if row[0]:
            raise AuthError(f"该用户已停用：{username}")
        _keep_an_admin(con, username)
        con.execute("update users set disabled = true where username = ?", [username])
        _end_user_sessions(con, username, _now(now))
        audit.record(con, user=actor, action="user_disable", target=username, detail="停用账号")


def enable_user(con: duckdb.DuckDBPyConnection, username: str, *, actor: str = "cli") -> None:
    _check_may_manage_existing(con, actor, username)
    with transaction(con):
        row = con.execute("select disabled from users where username = ?", [username]).fetchone()
        if row is None:
            raise AuthError(f"没有这个用户：{username}")
        if not row[0]:
            raise AuthError(f"该用户未停用：{username}")
        con.execute(
            "update users set disabled = false, failed_logins = 0, locked_until = null where username = ?", [username]
        )
        audit.record(con, user=actor, action="user_enable", target=username, detail="启用账号")


def _keep_an_admin(con, username: str) -> None:
    """Refuse to disable or demote the last active admin: nobody could manage users afterwards."""
    others = con.execute(
        "select count(*) from users where role = 'admin' and not disabled and username <> ?", [username]
    ).fetchone()[0]
    is_admin = con.execute(
        "select role = 'admin' and not disabled from users where username = ?", [username]
    ).fetchone()[0]
    if is_admin and others == 0:
        raise AuthError("这是唯一可用的管理员账号，不能停用或降级。请先为另一位同事开通管理员权限。")


def set_role(con: duckdb.DuckDBPyConnection, username: str, role: str, *, actor: str = "cli") -> None:
    _check_role(role)
    _check_may_manage_existing(con, actor, username, role)
    with transaction(con):
        row = con.execute("select role from users where username = ?", [username]).fetchone()
        if row is None:
            raise AuthError(f"没有这个用户：{username}")
        if role != "admin":
            _keep_an_admin(con, username)
        con.execute("update users set role = ? where username = ?", [role, username])
        detail = f"角色：{ROLE_LABELS[row[0]]} → {ROLE_LABELS[role]}"
        audit.record(con, user=actor, action="user_role", target=username, detail=detail)


MAX_DISPLAY_NAME = 32


def departments(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The catalogue's departments (those leading a finding): what a user's department is picked from."""
    rows = con.execute(
        "select distinct lead_department from findings where lead_department is not null order by 1"
    ).fetchall()
    return [department for (department,) in rows]


def set_profile(
    con: duckdb.DuckDBPyConnection,
    username: str,
    *,
    display_name: str | None,
    department: str | None,
    actor: str = "cli",
) -> bool:
    """Change a user's display name and department (None or "": none); False when nothing changed.
    The department must be one of the catalogue's departments, or the one the user already has."""
    name = " ".join((display_name or "").split()) or None
    if name and len(name) > MAX_DISPLAY_NAME:
        raise AuthError(f"显示名不超过 {MAX_DISPLAY_NAME} 个字（现为 {len(name)} 个）。")
    if name and any(unicodedata.category(ch).startswith("C") for ch in name):
        raise AuthError("显示名含有不可见的控制字符，请重新输入。")
    department = (department or "").strip() or None
    if actor != username:
        _check_may_manage_existing(con, actor, username)
    with transaction(con):
        row = con.execute("select display_name, department from users where username = ?", [username]).fetchone()
        if row is None:
            raise AuthError(f"没有这个用户：{username}")
        old_name, old_department = row
        if department not in (None, old_department, *departments(con)):
            raise AuthError(f"部门须从目录中的部门选择：{'、'.join(departments(con))}。")
        if (name, department) == (old_name, old_department):
            return False
        con.execute(
            "update users set display_name = ?, department = ? where username = ?", [name, department, username]
        )
        detail = f"显示名：{old_name or '无'} → {name or '无'}；部门：{old_department or '无'} → {department or '无'}"
        audit.record(con, user=actor, action="user_profile", target=username, detail=detail)
    return True


def list_users(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every account without its hash, with the time of its last sign-in."""
    return query(con, "user_list")


def managed_users(con: duckdb.DuckDBPyConnection, manager: User) -> pd.DataFrame:
    """The accounts `manager` may manage (check_may_manage): all of them, or their own unit's."""
    users = list_users(con)
    return users if manager.is_store_wide else users[users.unit == manager.unit].reset_index(drop=True)


def unit_choices(con: duckdb.DuckDBPyConnection, manager: User | None = None) -> list[str]:
    """The units an account may belong to: those of the store's rectifications (short names, in the
    store's order), or only the manager's own for an administrator of one unit."""
    if manager is not None and not manager.is_store_wide:
        return [manager.unit]
    return list(dict.fromkeys(p.unit_name for p in programme_facts.listed(con)))


def role_choices(manager: User) -> list[str]:
    """The roles `manager` may give: every one, or all but the city office's for a unit's administrator."""
    return list(ROLES) if manager.is_store_wide else [r for r in ROLES if r != "office"]


def active_admin_count(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute("select count(*) from users where role = 'admin' and not disabled").fetchone()[0]
