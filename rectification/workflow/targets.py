"""Targets and plans: a metric's target value and month (append-only history), and a finding's
deadline, responsible leader and lead department. Set by reviewers and admins (auth.can_plan);
every change is audited with its old value."""

from __future__ import annotations

import datetime as dt
import math

import duckdb

from rectification.core import audit, programme
from rectification.core.months import chinese, to_date
from rectification.core.store import transaction
from rectification.core.vocabulary import MAX_ABS_VALUE
from rectification.workflow import auth, deadlines

MAX_NAME = 40


class TargetError(ValueError):
    """The change cannot be saved; the message says why, in Chinese."""


def _number(value) -> str:
    if value is None:
        return "无"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def check_may_plan(con: duckdb.DuckDBPyConnection, user: str) -> None:
    """TargetError unless `user` is an enabled account that may set the plan (auth.can_plan)."""
    try:
        actor = auth.active_user(con, user)
    except auth.AuthError as error:
        raise TargetError(str(error)) from error
    if not auth.can_plan(actor):
        raise TargetError(
            f"无权限：设定指标目标、整改期限和责任需要「审核」或「管理」权限，{user} 为「{actor.role_label}」。"
        )


def set_target(
    con: duckdb.DuckDBPyConnection,
    *,
    metric_code: str,
    value: float | None,
    month: str | None,
    user: str,
    basis: str = "",
) -> None:
    """Record a new target for a metric (value None clears it). The target month must come after
    the opening month, so the trajectory runs from the opening balance to the target."""
    check_may_plan(con, user)
    row = con.execute("select unit, name from metrics where metric_code = ?", [metric_code]).fetchone()
    if row is None:
        raise TargetError(f"指标不存在：{metric_code}")
    unit, name = row
    if value is not None:
        if not math.isfinite(value) or abs(value) >= MAX_ABS_VALUE:
            raise TargetError("目标值过大（应小于 1 万亿），请检查是否多填了数字。")
        if value < 0:
            raise TargetError("目标值不能为负数。")
        if unit == "%" and value > 100:
            raise TargetError("百分比目标不能超过 100。")
        if not month:
            raise TargetError("请选择目标月份。")
        opening_month = programme.current(con).opening_month
        if month <= opening_month:
            raise TargetError(f"目标月份须晚于期初月份 {chinese(opening_month)}。")
    basis = (basis or "").strip()[:200]
    old = con.execute(
        "select target_value, strftime(target_month, '%Y-%m') from current_targets where metric_code = ?",
        [metric_code],
    ).fetchone()
    old_text = (
        "无"
        if old is None or old[0] is None
        else f"{_number(old[0])}{unit}（{chinese(old[1]) if old[1] else '未定月份'}）"
    )
    new_text = "无（清除目标）" if value is None else f"{_number(value)}{unit}（{chinese(month)}）"
    with transaction(con):
        con.execute(
            "insert into metric_targets (metric_code, target_value, target_month, basis, set_by) values (?, ?, ?, ?, ?)",
            [metric_code, value, to_date(month) if value is not None else None, basis or None, user],
        )
        audit.record(
            con, user=user, action="target", target=metric_code, detail=f"{name} 目标：{old_text} → {new_text}"
        )


def _clean_name(text: str | None, what: str) -> str | None:
    text = (text or "").strip()
    if len(text) > MAX_NAME:
        raise TargetError(f"{what}不超过 {MAX_NAME} 个字。")
    return text or None


def set_finding_plan(
    con: duckdb.DuckDBPyConnection,
    finding_code: str,
    *,
    deadline: dt.date | None,
    leader: str | None,
    department: str | None,
    user: str,
) -> bool:
    """Set a finding's deadline, responsible leader and lead department; False when nothing changed."""
    check_may_plan(con, user)
    row = con.execute(
        "select deadline, responsible_leader, lead_department from findings where finding_code = ?", [finding_code]
    ).fetchone()
    if row is None:
        raise TargetError(f"整改问题不存在：{finding_code}")
    if deadline is not None and deadline < dt.date(2024, 1, 1):
        raise TargetError("整改期限早于巡察反馈，请检查日期。")
    new = (deadline, _clean_name(leader, "责任领导"), _clean_name(department, "牵头部门"))
    labels = ("整改期限", "责任领导", "牵头部门")
    changes = [
        f"{label}：{old or '无'} → {value or '无'}"
        for label, old, value in zip(labels, row, new, strict=True)
        if old != value
    ]
    if not changes:
        return False
    with transaction(con):
        con.execute(
            "update findings set deadline = ?, responsible_leader = ?, lead_department = ? where finding_code = ?",
            [*new, finding_code],
        )
        if new[0] != row[0]:  # a planned deadline: an approved extension since is no longer "the original"
            deadlines.record_set(con, finding_code, new[0], row[0], user, new[1])
        audit.record(con, user=user, action="finding_plan", target=finding_code, detail="；".join(changes))
    return True
