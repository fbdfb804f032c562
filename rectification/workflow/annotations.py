"""Annotations: a dated note an editor attaches to a metric or a finding ("4月起开展夜查行动").
Append-only: removing a note records a retraction; both are audited. Who may add or remove a note
follows the rule of the finding it is on (a metric's note: the metric's finding): an editor of its
lead department, or an admin (auth.leads); a note on a metric of no finding, an admin only."""

from __future__ import annotations

import duckdb

from rectification.core import audit, programme
from rectification.core.months import chinese, current_month, to_date
from rectification.core.store import transaction
from rectification.workflow import auth

MAX_LENGTH = 200


class AnnotationError(ValueError):
    """The note cannot be saved; the message says why, in Chinese."""


def _check(con, *, text: str, month: str, metric_code: str | None, finding_code: str | None) -> str:
    text = (text or "").strip()
    if not text:
        raise AnnotationError("请填写注释内容。")
    if len(text) > MAX_LENGTH:
        raise AnnotationError(f"注释不超过 {MAX_LENGTH} 个字（当前 {len(text)} 个）。")
    if (metric_code is None) == (finding_code is None):
        raise AnnotationError("注释须对应一个指标或一个整改问题。")
    tracking_start = programme.current(con).tracking_start
    if not tracking_start <= month <= current_month():
        raise AnnotationError(f"月份须在 {chinese(tracking_start)} 至 {chinese(current_month())} 之间。")
    if (
        metric_code is not None
        and not con.execute("select 1 from metrics where metric_code = ?", [metric_code]).fetchone()
    ):
        raise AnnotationError(f"指标不存在：{metric_code}")
    if (
        finding_code is not None
        and not con.execute("select 1 from findings where finding_code = ?", [finding_code]).fetchone()
    ):
        raise AnnotationError(f"整改问题不存在：{finding_code}")
    return text


def department_of(con, *, metric_code: str | None = None, finding_code: str | None = None) -> str | None:
    """The lead department of the finding a note is on (a metric's: its finding's), or None."""
    if finding_code is None and metric_code is not None:
        row = con.execute("select finding_code from metrics where metric_code = ?", [metric_code]).fetchone()
        finding_code = row[0] if row else None
    if finding_code is None:
        return None
    row = con.execute("select lead_department from findings where finding_code = ?", [finding_code]).fetchone()
    return row[0] if row else None


def may_write(con, user: auth.User | None, *, metric_code: str | None = None, finding_code: str | None = None) -> bool:
    """Whether `user` may add or remove a note on this metric or finding: the finding's rule."""
    return auth.leads(user, department_of(con, metric_code=metric_code, finding_code=finding_code))


def _require(con, username: str, what: str, *, metric_code: str | None, finding_code: str | None) -> auth.User:
    try:
        actor = auth.active_user(con, username)
    except auth.AuthError as error:
        raise AnnotationError(str(error)) from error
    if not may_write(con, actor, metric_code=metric_code, finding_code=finding_code):
        department = department_of(con, metric_code=metric_code, finding_code=finding_code)
        raise AnnotationError(
            f"无权限：只有牵头部门（{department or '未定，仅管理员'}）的填报人员或管理员可以{what}，"
            f"{username}（{actor.role_label}{'，' + actor.department if actor.department else ''}）不是。"
        )
    return actor


def add(
    con: duckdb.DuckDBPyConnection,
    *,
    user: str,
    text: str,
    month: str,
    metric_code: str | None = None,
    finding_code: str | None = None,
) -> int:
    """Save a note and return its id; `user` must be an enabled account that may_write here."""
    text = _check(con, text=text, month=month, metric_code=metric_code, finding_code=finding_code)
    _require(con, user, "为此添加注释", metric_code=metric_code, finding_code=finding_code)
    with transaction(con):
        annotation_id = con.execute(
            "insert into annotations (metric_code, finding_code, month, text, author) values (?, ?, ?, ?, ?)"
            " returning annotation_id",
            [metric_code, finding_code, to_date(month), text, user],
        ).fetchone()[0]
        audit.record(
            con,
            user=user,
            action="annotation",
            target=metric_code or finding_code,
            detail=f"添加注释 #{annotation_id}（{chinese(month)}）：{text}",
        )
    return annotation_id


def retract(con: duckdb.DuckDBPyConnection, annotation_id: int, *, user: str) -> None:
    """Withdraw a note: it stays in the store, marked as retracted. By the finding's rule (may_write);
    the audit row names the note's author, so an admin's removal of another's note reads as such."""
    row = con.execute(
        "select metric_code, finding_code, text, author from current_annotations where annotation_id = ?",
        [annotation_id],
    ).fetchone()
    if row is None:
        raise AnnotationError(f"注释 #{annotation_id} 不存在或已删除。")
    metric_code, finding_code, text, author = row
    _require(con, user, "删除此注释", metric_code=metric_code, finding_code=finding_code)
    by = "" if author == user else f"（填写人：{author}）"
    with transaction(con):
        con.execute(
            "insert into annotation_retractions (annotation_id, retracted_by) values (?, ?)", [annotation_id, user]
        )
        audit.record(
            con,
            user=user,
            action="annotation_retract",
            target=metric_code or finding_code,
            detail=f"删除注释 #{annotation_id}{by}：{text}",
        )
