"""Deadlines (整改时限): set as a plan, extended only with a reviewer's approval (the original stays
on record), and the warning by days left — none, 临近, 预警 (yellow), 逾期 (red)."""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from rectification.core import audit
from rectification.core.months import as_date
from rectification.core.store import query, transaction
from rectification.workflow import auth, evidence

MAX_REASON = 500
MAX_LEADER = 40


class DeadlineError(ValueError):
    """A refused deadline change; str() is a Chinese message naming the reason."""


def _finding(con, code: str) -> tuple:
    row = con.execute(
        "select deadline, responsible_leader, lead_department, is_long_term from findings where finding_code = ?",
        [code],
    ).fetchone()
    if row is None:
        raise DeadlineError(f"整改问题不存在：{code}")
    return row


def _user(con, username: str) -> auth.User:
    try:
        return auth.active_user(con, username)
    except auth.AuthError as error:
        raise DeadlineError(str(error)) from error


def _text(value: str | None, limit: int) -> str:
    return " ".join((value or "").split())[:limit]


def record_set(con, code: str, deadline: dt.date | None, previous: dt.date | None, user: str, leader=None) -> None:
    """Inside the caller's transaction: a planned deadline (目标设置 or `deadline set`)."""
    con.execute(
        "insert into deadline_changes (finding_code, kind, deadline, previous_deadline, leader, user_name)"
        " values (?, 'set', ?, ?, ?, ?)",
        [code, deadline, previous, leader, user],
    )


def set_deadline(
    con: duckdb.DuckDBPyConnection, code: str, deadline: dt.date, *, user: str, leader: str | None = None
) -> None:
    """Plan a finding's deadline (and its responsible leader): a reviewer's or an admin's decision."""
    actor = _user(con, user)
    if not auth.can_plan(actor):
        raise DeadlineError(f"无权限：设定整改期限需要「审核」或「管理」权限，{user} 为「{actor.role_label}」。")
    if deadline < dt.date(2024, 1, 1):
        raise DeadlineError("整改期限早于巡察反馈，请检查日期。")
    leader = _text(leader, MAX_LEADER) or None
    with transaction(con):
        old, old_leader, _, _ = _finding(con, code)
        if pending_request(con, code) is not None:
            raise DeadlineError(f"{code} 有待审批的延期申请，请先批准或驳回。")
        new_leader = leader or old_leader
        con.execute(
            "update findings set deadline = ?, responsible_leader = ? where finding_code = ?",
            [deadline, new_leader, code],
        )
        record_set(con, code, deadline, as_date(old), user, leader)
        detail = f"整改期限：{as_date(old) or '无'} → {deadline}"
        if leader and leader != old_leader:
            detail += f"；责任领导：{old_leader or '无'} → {leader}"
        audit.record(con, user=user, action="deadline_set", target=code, detail=detail)


def pending_request(con: duckdb.DuckDBPyConnection, code: str) -> tuple | None:
    """(change_id, requested date, reason, requested by, requested at) of the open request, if any."""
    return con.execute(
        "select r.change_id, r.deadline, r.reason, r.user_name, r.created_at from deadline_changes r"
        " where r.finding_code = ? and r.kind = 'request'"
        " and not exists (select 1 from deadline_changes d where d.request_id = r.change_id)"
        " order by r.change_id desc limit 1",
        [code],
    ).fetchone()


def request_extension(
    con: duckdb.DuckDBPyConnection,
    code: str,
    new_deadline: dt.date,
    *,
    reason: str,
    user: str,
    files: list[evidence.Upload] | None = None,
) -> int:
    """An editor of the lead department (or an admin) asks for a later deadline, with a reason and,
    if they like, evidence files (the same rules as a closure submission's)."""
    actor = _user(con, user)
    deadline, _, department, long_term = _finding(con, code)
    if not auth.leads(actor, department):
        raise DeadlineError(
            f"无权限：只有牵头部门（{department or '未定'}）的填报人员或管理员可以申请延期，{user} 不是。"
        )
    reason = _text(reason, MAX_REASON)
    if not reason:
        raise DeadlineError("请填写延期理由。")
    if long_term:
        raise DeadlineError(f"{code} 是长期坚持事项，没有整改期限。")
    deadline = as_date(deadline)
    if deadline is None:
        raise DeadlineError(f"{code} 尚未设定整改期限，请先由审核人员设定。")
    if new_deadline <= deadline:
        raise DeadlineError(f"延期后的日期须晚于现行期限 {deadline}。")
    try:
        checked = evidence.check_all(list(files or []))  # every file checked before anything is stored
    except evidence.EvidenceError as error:
        raise DeadlineError(str(error)) from error
    with transaction(con):
        if pending_request(con, code) is not None:
            raise DeadlineError(f"{code} 已有待审批的延期申请。")
        change_id = con.execute(
            "insert into deadline_changes (finding_code, kind, deadline, previous_deadline, reason, user_name)"
            " values (?, 'request', ?, ?, ?, ?) returning change_id",
            [code, new_deadline, deadline, reason, user],
        ).fetchone()[0]
        evidence.store(con, checked, change_id=change_id, finding_code=code, user=user)
        attached = f"；佐证材料 {len(checked)} 个：{'、'.join(f.name for f in checked)}" if checked else ""
        audit.record(
            con,
            user=user,
            action="deadline_request",
            target=code,
            detail=f"申请延期：{deadline} → {new_deadline}；理由：{reason}{attached}",
        )
    return change_id


def _decide(con, code: str, user: str) -> tuple:
    """The open request a reviewer (or admin) other than its requester may decide."""
    actor = _user(con, user)
    if not auth.can_review(actor):
        raise DeadlineError(f"无权限：审批延期需要「审核」或「管理」权限，{user} 为「{actor.role_label}」。")
    _finding(con, code)
    request = pending_request(con, code)
    if request is None:
        raise DeadlineError(f"{code} 没有待审批的延期申请。")
    if request[3] == user:
        raise DeadlineError("不能审批自己提出的延期申请。")
    return request


def _record_decision(con, code: str, user: str, *, approve: bool, reason: str | None = None) -> dt.date:
    """Inside a transaction: decide the open request — the deadline_changes row and the audit row;
    an approval also moves the finding's deadline (the original stays on record). The requested date."""
    change_id, new_deadline, _, requester, _ = _decide(con, code, user)
    new_deadline = as_date(new_deadline)
    old = as_date(_finding(con, code)[0])
    if approve:
        con.execute("update findings set deadline = ? where finding_code = ?", [new_deadline, code])
        detail = f"批准延期（{requester} 申请）：{old} → {new_deadline}"
    else:
        old, detail = None, f"驳回延期至 {new_deadline}（{requester} 申请）：{reason}"
    kind = "approve" if approve else "refuse"
    con.execute(
        "insert into deadline_changes (finding_code, kind, deadline, previous_deadline, reason, request_id, user_name)"
        " values (?, ?, ?, ?, ?, ?, ?)",
        [code, kind, new_deadline, old, reason, change_id, user],
    )
    audit.record(con, user=user, action=f"deadline_{kind}", target=code, detail=detail)
    return new_deadline


def approve_extension(con: duckdb.DuckDBPyConnection, code: str, *, user: str) -> dt.date:
    """A reviewer approves the open request: the deadline moves, the original stays on record."""
    with transaction(con):
        return _record_decision(con, code, user, approve=True)


def refuse_extension(con: duckdb.DuckDBPyConnection, code: str, *, user: str, reason: str) -> None:
    """A reviewer refuses the open request, with a reason; the deadline stays."""
    reason = _text(reason, MAX_REASON)
    if not reason:
        raise DeadlineError("请填写驳回理由。")
    with transaction(con):
        _record_decision(con, code, user, approve=False, reason=reason)


def requests(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Open extension requests, oldest first."""
    return query(con, "deadline_requests_open")


def history(con: duckdb.DuckDBPyConnection, code: str | None = None) -> pd.DataFrame:
    """Every deadline change (of one finding, or all), oldest first."""
    sql = (
        "select change_id, finding_code, kind, deadline, previous_deadline, leader, reason, request_id, user_name,"
        " created_at from deadline_changes"
    )
    if code is None:
        return con.execute(sql + " order by change_id").df()
    return con.execute(sql + " where finding_code = ? order by change_id", [code]).df()


def original_deadlines(con: duckdb.DuckDBPyConnection) -> dict[str, dt.date]:
    """finding → the deadline before its first approved extension since it was last set (only the
    findings whose deadline was extended)."""
    original: dict[str, dt.date] = {}
    for code, kind, previous in con.execute(
        "select finding_code, kind, previous_deadline from deadline_changes"
        " where kind in ('set', 'approve') order by change_id"
    ).fetchall():
        if kind == "set":
            original.pop(code, None)
        elif code not in original and previous is not None:
            original[code] = previous
    return original
